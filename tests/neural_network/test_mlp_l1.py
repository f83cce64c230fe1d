"""Proximal L1 (elastic-net) weights: exact zeros and optimality conditions."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier

from skreg import MLPClassifier, MLPRegressor
from skreg._kernels import mlp as K
from skreg.neural_network._kernel_inputs import network, penalty, work
from skreg.neural_network._network import Layout


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def _zero_fraction(est):
    w = np.concatenate([c.ravel() for c in est.coefs_])
    return np.mean(w == 0)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_l1_gives_exact_zeros_and_keeps_accuracy(digits, solver):
    X, y = digits
    # momentum SGD moves weights ~1/(1-momentum) times further than its
    # threshold lr*lam shrinks them, so it needs a larger alpha than Adam,
    # whose per-coordinate threshold grows where gradients are small.
    params = dict(
        hidden_layer_sizes=(32,),
        solver=solver,
        max_iter=30,
        alpha=10.0 if solver == "sgd" else 1.0,
        random_state=0,
        learning_rate_init=0.05 if solver == "sgd" else 0.01,
    )
    sparse = _fit(MLPClassifier(l1_ratio=0.5, **params), X, y)
    dense = _fit(MLPClassifier(**params), X, y)
    assert _zero_fraction(sparse) > 0.3
    assert sparse.score(X, y) > 0.95
    # intercepts are not penalized
    assert all(np.all(b != 0) for b in sparse.intercepts_)
    # l1_ratio=0: no exact zeros, exactly like scikit-learn
    ref = _fit(SkMLPClassifier(**params), X, y)
    assert _zero_fraction(dense) == _zero_fraction(ref) == 0.0


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_more_l1_more_zeros(digits, solver):
    X, y = digits
    base = 10.0 if solver == "sgd" else 1.0
    fractions = []
    for l1_ratio in [0.0, 0.25, 0.5, 1.0]:
        est = MLPClassifier(
            hidden_layer_sizes=(16,),
            solver=solver,
            alpha=base,
            l1_ratio=l1_ratio,
            max_iter=15,
            random_state=0,
            learning_rate_init=0.05 if solver == "sgd" else 0.01,
        )
        fractions.append(_zero_fraction(_fit(est, X, y)))
    assert fractions[0] == 0.0
    assert all(a < b for a, b in zip(fractions, fractions[1:], strict=False)), fractions
    alphas = []
    for alpha in [base / 3, base, base * 3]:
        est = MLPClassifier(
            hidden_layer_sizes=(16,),
            solver=solver,
            alpha=alpha,
            l1_ratio=1.0,
            max_iter=15,
            random_state=0,
            learning_rate_init=0.05 if solver == "sgd" else 0.01,
        )
        alphas.append(_zero_fraction(_fit(est, X, y)))
    assert all(a < b for a, b in zip(alphas, alphas[1:], strict=False)), alphas


def test_fixed_point_satisfies_subgradient_condition():
    # full-batch proximal gradient with a small constant step converges to a
    # stationary point of loss + lam * ||W||_1: for zero weights the smooth
    # gradient is at most lam in magnitude, for the others it equals
    # -lam * sign(w).
    X, y = make_regression(60, 6, n_informative=2, noise=0.1, random_state=0)
    y = y / y.std()
    alpha, l1_ratio = 2.0, 0.8
    est = _fit(
        MLPRegressor(
            hidden_layer_sizes=(4,),
            activation="tanh",
            solver="sgd",
            momentum=0.0,
            learning_rate_init=0.05,
            alpha=alpha,
            l1_ratio=l1_ratio,
            max_iter=4000,
            tol=0.0,
            n_iter_no_change=np.inf,
            random_state=0,
        ),
        X,
        y,
    )
    layout = Layout([6, 4, 1])
    params = layout.pack(est.coefs_, est.intercepts_, np.float64)
    grad = np.zeros_like(params)
    loss, _ = K.loss_grad(
        params,
        grad,
        network(layout, "tanh", "identity", "squared_error", np.float64),
        X,
        y.reshape(-1, 1),
        np.ones(60),
        np.arange(60),
        0,
        work(layout, 60, np.float64, True),
        penalty(np.float64, alpha, l1_ratio),
        None,
        None,
        None,
    )
    lam = alpha * l1_ratio / 60
    w, g = params[: layout.n_coef], grad[: layout.n_coef]
    zero = w == 0
    assert 0 < zero.sum() < w.size
    assert np.all(np.abs(g[zero]) <= lam * (1 + 1e-6))
    np.testing.assert_allclose(g[~zero], -lam * np.sign(w[~zero]), atol=1e-3 * lam)
    np.testing.assert_allclose(grad[layout.n_coef :], 0.0, atol=1e-3 * lam)
    # the reported loss is the full objective, L1 term included
    assert est.loss_ == pytest.approx(loss, rel=1e-6)
    assert loss > lam * np.abs(w).sum()


def test_adam_threshold_uses_bias_corrected_step():
    # one Adam step from zero moments: |m_hat / sqrt(v_hat)| = 1, so a weight
    # w with gradient g moves to w - lr*sign(g) and is then shrunk by
    # lr * lam / |g| (the per-coordinate step lr_t / (sqrt(v) + eps)).
    layout = Layout([1, 1])
    X = np.array([[1.0], [1.0]])
    Y = np.array([[3.0], [3.0]])
    params = np.array([0.5, 0.0])  # w, b
    alpha, l1_ratio, lr = 4.0, 0.5, 0.1
    K.run_epoch(
        params,
        np.zeros(2),
        network(layout, "identity", "identity", "squared_error", np.float64),
        X,
        Y,
        np.ones(2),
        np.arange(2),
        2,
        work(layout, 2, np.float64, True),
        penalty(np.float64, alpha, l1_ratio),
        K.Adam(np.zeros(2), np.zeros(2), lr, 0.9, 0.999, 0.0),
        0,
        None,
        None,
        None,
    )
    g = (0.5 - 3.0) + alpha * (1 - l1_ratio) * 0.5 / 2  # smooth gradient of w
    lam = alpha * l1_ratio / 2
    expected_w = 0.5 + lr - lr * lam / abs(g)
    assert params[0] == pytest.approx(expected_w, rel=1e-12)
    assert params[1] == pytest.approx(0.0 + lr, rel=1e-12)
