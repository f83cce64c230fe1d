"""The MLP regularization toolkit: each option's effect, checked numerically."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import SelectFromModel
from sklearn.model_selection import GridSearchCV

from skreg import MLPClassifier, MLPRegressor
from skreg._kernels import mlp as K
from skreg.neural_network._kernel_inputs import work
from skreg.neural_network._network import Layout


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(200, 6, n_informative=3, noise=5.0, random_state=0)
    return X, y / y.std()


def _fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


def _relu(z):
    return np.maximum(z, 0)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _np_forward(est, X):
    """Textbook prediction: no dropout, no noise, running batch statistics."""
    A = X
    n = len(est.coefs_)
    for i in range(n):
        Z = A @ est.coefs_[i] + est.intercepts_[i]
        if i < n - 1:
            if hasattr(est, "batch_norm_scales_"):
                m = est.batch_norm_running_means_[i]
                v = est.batch_norm_running_vars_[i]
                Z = (Z - m) / np.sqrt(v + 1e-5) * est.batch_norm_scales_[i]
                Z = Z + est.batch_norm_shifts_[i]
            A = _relu(Z)
        else:
            A = Z
    return A


# --- kernel: the regularized gradient is the gradient of the loss it returns


def _reg_loss_grad(params, layout, X, Y, masks, mask_start, noise, bn, running):
    dtype = params.dtype
    n = X.shape[0]
    buffers = work(layout, n, dtype, True)
    grad = np.zeros_like(params)
    units = layout.units
    n_hidden = int(units[1:-1].sum())
    hid_start = np.zeros(len(units), dtype=np.int64)
    hid_start[1:-1] = np.cumsum(units[1:-1]) - units[1:-1]
    net = K.Network(
        units,
        layout.coef_start,
        layout.intercept_start,
        layout.n_coef,
        K.TANH,
        K.SOFTMAX,
        K.LOG_LOSS,
        1e-16,
    )
    batch_norm = None
    if bn:
        batch_norm = K.BatchNorm(
            layout.n_params,
            n_hidden,
            hid_start,
            running,
            np.empty(n_hidden),
            np.empty_like(buffers.acts),
            0.9,
            1e-5,
        )
    perturb = K.Perturb(masks, mask_start, noise, True, np.empty_like(buffers.acts))
    loss, _ = K.loss_grad(
        params,
        grad,
        net,
        X,
        Y,
        np.linspace(0.5, 1.5, n),
        np.arange(n, dtype=np.int64),
        0,
        buffers,
        K.Penalty(0.3, 0.0, 0.0),
        None,
        batch_norm,
        perturb,
    )
    return loss, grad


@pytest.mark.parametrize("bn", [False, True])
def test_reg_kernel_gradient_matches_finite_differences(bn):
    rng = np.random.RandomState(0)
    units = [4, 5, 3, 3]
    layout = Layout(units)
    n = 7
    X = rng.normal(size=(n, 4))
    Y = np.eye(3)[rng.randint(3, size=n)]
    n_extra = 2 * 8 if bn else 0
    params = rng.uniform(-0.7, 0.7, layout.n_params + n_extra)
    if bn:
        params[layout.n_params : layout.n_params + 8] += 1.0  # scales near 1
    # dropout on the input and on the second hidden layer; noise on X
    mask_in = (rng.uniform(size=n * 4) > 0.3) / 0.7
    mask_h2 = (rng.uniform(size=n * 3) > 0.5) / 0.5
    masks = np.concatenate([mask_in, mask_h2])
    mask_start = np.array([0, -1, n * 4, -1], dtype=np.int64)
    noise = 0.1 * rng.normal(size=n * 4)

    def f(p):
        running = np.zeros(16)
        return _reg_loss_grad(p, layout, X, Y, masks, mask_start, noise, bn, running)

    loss, grad = f(params.copy())
    h = 1e-6
    num = np.empty_like(params)
    for j in range(params.shape[0]):
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        num[j] = (f(up)[0] - f(down)[0]) / (2 * h)
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-7)
    assert np.isfinite(loss) and loss > 0


def test_rmsprop_step_matches_formula():
    rng = np.random.RandomState(1)
    p = rng.normal(size=6)
    g = rng.normal(size=6)
    v = rng.uniform(size=6)
    p0, v0 = p.copy(), v.copy()
    K.rmsprop_step(p, g, v, 4, 0.01, 0.9, 1e-8, 0.0)
    v_ref = 0.9 * v0 + 0.1 * g**2
    np.testing.assert_allclose(v, v_ref)
    np.testing.assert_allclose(p, p0 - 0.01 * g / (np.sqrt(v_ref) + 1e-8))


def test_group_prox_is_block_soft_threshold():
    rng = np.random.RandomState(2)
    W = rng.normal(size=(5, 3))
    W[1] *= 0.01
    flat = np.concatenate([W.ravel(), [7.0]])  # trailing intercept untouched
    K.group_prox_rows(flat, 5, 3, 0.5, flat, False, 1e-8)
    norms = np.linalg.norm(W, axis=1)
    ref = W * np.maximum(0, 1 - 0.5 / norms)[:, None]
    np.testing.assert_allclose(flat[:15].reshape(5, 3), ref)
    assert np.all(flat[3:6] == 0) and flat[15] == 7.0


# --- dropout and input noise: training only


@pytest.mark.parametrize(
    "params",
    [
        dict(dropout=0.5),
        dict(dropout=(0.3, 0.1), input_dropout=0.2),
        dict(input_noise=0.3),
    ],
    ids=["dropout", "per-layer+input", "noise"],
)
def test_dropout_and_noise_are_off_at_predict(digits, params):
    X, y = digits
    base = dict(hidden_layer_sizes=(16, 8), max_iter=5, random_state=0)
    est = _fit(MLPClassifier(**base, **params), X, y)
    plain = _fit(MLPClassifier(**base), X, y)
    proba = est.predict_proba(X)
    np.testing.assert_array_equal(proba, est.predict_proba(X))
    np.testing.assert_allclose(proba, _softmax(_np_forward(est, X)), rtol=1e-10)
    # ... yet training saw the perturbation
    assert not np.allclose(est.coefs_[0], plain.coefs_[0])
    # and the draws come from random_state
    again = _fit(MLPClassifier(**base, **params), X, y)
    np.testing.assert_array_equal(again.coefs_[0], est.coefs_[0])


def test_dropout_regularizes_a_noisy_problem():
    X, y = make_classification(
        300, 40, n_informative=4, flip_y=0.2, random_state=0, n_redundant=0
    )
    params = dict(hidden_layer_sizes=(128,), max_iter=150, random_state=0)
    plain = _fit(MLPClassifier(**params), X, y)
    drop = _fit(MLPClassifier(dropout=0.5, **params), X, y)
    # dropout keeps the network from memorizing the flipped labels
    assert drop.score(X, y) < plain.score(X, y)


def test_dropout_validation(digits):
    X, y = digits
    with pytest.raises(ValueError, match=r"one rate per hidden layer \(2\)"):
        MLPClassifier(hidden_layer_sizes=(4, 4), dropout=(0.1,)).fit(X, y)
    with pytest.raises(ValueError, match=r"dropout rates must be in \[0, 1\)"):
        MLPClassifier(hidden_layer_sizes=(4,), dropout=[1.0]).fit(X, y)
    with pytest.raises(ValueError, match="input_dropout"):
        MLPClassifier(input_dropout=1.0).fit(X, y)


# --- batch normalization


def test_batch_norm_running_stats_match_data_moments(digits):
    X, y = digits
    # a learning rate of 1e-300 leaves the weights at their initial values, so
    # every (full) batch has the data's moments and the running statistics
    # converge to them: after k steps running_mean = (1 - 0.9**k) * mean.
    est = _fit(
        MLPClassifier(
            hidden_layer_sizes=(6, 5),
            batch_norm=True,
            batch_size=X.shape[0],
            learning_rate_init=1e-300,
            max_iter=300,
            n_iter_no_change=np.inf,
            random_state=0,
        ),
        X,
        y,
    )
    Z1 = X @ est.coefs_[0] + est.intercepts_[0]
    np.testing.assert_allclose(est.batch_norm_running_means_[0], Z1.mean(0), rtol=1e-8)
    np.testing.assert_allclose(
        est.batch_norm_running_vars_[0], Z1.var(0, ddof=1), rtol=1e-8
    )
    A1 = _relu((Z1 - Z1.mean(0)) / np.sqrt(Z1.var(0) + 1e-5))
    Z2 = A1 @ est.coefs_[1] + est.intercepts_[1]
    np.testing.assert_allclose(est.batch_norm_running_means_[1], Z2.mean(0), rtol=1e-6)
    np.testing.assert_allclose(
        est.batch_norm_running_vars_[1], Z2.var(0, ddof=1), rtol=1e-6
    )
    np.testing.assert_array_equal(est.batch_norm_scales_[0], 1.0)
    # prediction normalizes with the running statistics
    proba = est.predict_proba(X)
    np.testing.assert_allclose(proba, _softmax(_np_forward(est, X)), rtol=1e-8)


@pytest.mark.parametrize("mode", ["partial_fit", "warm_start"])
def test_batch_norm_statistics_carry_over(digits, mode):
    X, y = digits
    params = dict(
        hidden_layer_sizes=(6,),
        batch_norm=True,
        batch_norm_momentum=0.8,
        batch_size=X.shape[0],
        learning_rate_init=1e-300,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    if mode == "partial_fit":
        est = MLPClassifier(**params)
        for _ in range(3):
            est.partial_fit(X, y, classes=np.arange(10))
    else:
        est = MLPClassifier(max_iter=1, warm_start=True, **params)
        for _ in range(3):
            _fit(est, X, y)
    Z1 = X @ est.coefs_[0] + est.intercepts_[0]
    k = 1 - 0.8**3
    np.testing.assert_allclose(est.batch_norm_running_means_[0], k * Z1.mean(0))
    np.testing.assert_allclose(
        est.batch_norm_running_vars_[0], 0.8**3 + k * Z1.var(0, ddof=1)
    )


def test_batch_norm_learns_and_cannot_be_toggled_on_warm_start(digits):
    X, y = digits
    est = _fit(
        MLPClassifier(
            hidden_layer_sizes=(32,),
            batch_norm=True,
            max_iter=30,
            random_state=0,
            warm_start=True,
            learning_rate_init=0.01,
        ),
        X,
        y,
    )
    assert est.score(X, y) > 0.95
    assert not np.allclose(est.batch_norm_scales_[0], 1.0)
    with pytest.raises(ValueError, match="batch_norm=False differs"):
        est.set_params(batch_norm=False).fit(X, y)


# --- early stopping on the validation loss


def test_loss_based_early_stopping_restores_best_epoch():
    X, y = make_regression(120, 30, n_informative=3, noise=30.0, random_state=0)
    y = y / y.std()
    params = dict(
        hidden_layer_sizes=(64,),
        early_stopping=True,
        early_stopping_metric="loss",
        n_iter_no_change=4,
        tol=0.0,
        learning_rate_init=0.01,
        max_iter=300,
        random_state=0,
    )
    est = _fit(MLPRegressor(**params), X, y)
    curve = np.asarray(est.validation_loss_curve_)
    best = int(np.argmin(curve))
    assert est.n_iter_ < 300  # it did stop early, on the loss
    assert est.n_iter_ == best + 1 + est.n_iter_no_change + 1
    assert est.best_validation_loss_ == curve[best]
    assert len(est.validation_scores_) == len(curve) == est.n_iter_
    # the restored weights are those of the best epoch: a run that ends there
    # follows the same trajectory (same split, same shuffles)
    short = _fit(MLPRegressor(**{**params, "max_iter": best + 1}), X, y)
    for a, b in zip(
        est.coefs_ + est.intercepts_, short.coefs_ + short.intercepts_, strict=False
    ):
        np.testing.assert_array_equal(a, b)
    # the score rule would have run longer or shorter; it is a different rule
    by_score = _fit(MLPRegressor(**{**params, "early_stopping_metric": "score"}), X, y)
    assert by_score.best_validation_score_ == max(by_score.validation_scores_)


def test_validation_loss_curve_exists_with_a_validation_split(digits):
    X, y = digits
    est = _fit(MLPClassifier(hidden_layer_sizes=(8,), max_iter=3), X, y)
    assert est.validation_loss_curve_ is None
    est = _fit(
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, early_stopping=True), X, y
    )
    assert len(est.validation_loss_curve_) == 3
    assert all(np.isfinite(est.validation_loss_curve_))


# --- weight decay versus the alpha penalty


def _one_full_batch_step(X, y, **params):
    base = dict(
        hidden_layer_sizes=(8,),
        batch_size=X.shape[0],
        max_iter=1,
        shuffle=False,
        random_state=0,
        learning_rate_init=0.01,
    )
    return _fit(MLPRegressor(**{**base, **params}), X, y)


@pytest.mark.parametrize("solver", ["adam", "rmsprop", "sgd"])
def test_weight_decay_is_a_decoupled_shrink(regression, solver):
    X, y = regression
    init = _one_full_batch_step(X, y, solver=solver, learning_rate_init=1e-300)
    ref = _one_full_batch_step(X, y, solver=solver, input_noise=0.0, momentum=0.0)
    wd = _one_full_batch_step(X, y, solver=solver, weight_decay=0.5, momentum=0.0)
    # W_new = (1 - lr * wd) * W_old - step(grad at W_old): the decay adds
    # exactly -lr * wd * W_old to the update, whatever the optimizer
    for w0, a, b in zip(init.coefs_, ref.coefs_, wd.coefs_, strict=False):
        np.testing.assert_allclose(b - a, -0.01 * 0.5 * w0, rtol=1e-6, atol=1e-14)
    for a, b in zip(ref.intercepts_, wd.intercepts_, strict=False):
        np.testing.assert_array_equal(a, b)  # intercepts do not decay


def test_weight_decay_equals_l2_for_plain_sgd_only(regression):
    X, y = regression
    n = X.shape[0]
    common = dict(momentum=0.0)
    # the penalty alpha / (2 n) ||W||^2 has gradient alpha / n * W: for plain
    # SGD that is a decay with weight_decay = alpha / n
    l2 = _one_full_batch_step(X, y, solver="sgd", alpha=0.5 * n, **common)
    wd = _one_full_batch_step(X, y, solver="sgd", alpha=0.0, weight_decay=0.5, **common)
    for a, b in zip(l2.coefs_, wd.coefs_, strict=False):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)
    # Adam divides the penalty's gradient by sqrt(v): the two differ
    l2 = _one_full_batch_step(X, y, solver="adam", alpha=0.5 * n)
    wd = _one_full_batch_step(X, y, solver="adam", alpha=0.0, weight_decay=0.5)
    assert not np.allclose(l2.coefs_[0], wd.coefs_[0], rtol=1e-3)


# --- class weights


@pytest.mark.parametrize("class_weight", [{0: 3.0, 1: 0.5}, "balanced"])
def test_class_weight_equals_matching_sample_weight(class_weight):
    X, y = make_classification(150, 6, weights=[0.8], random_state=0)
    sw = np.random.RandomState(0).uniform(0.5, 2.0, size=y.shape[0])
    if class_weight == "balanced":
        cw = y.shape[0] / (2 * np.bincount(y))
    else:
        cw = np.array([3.0, 0.5])
    params = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    a = _fit(MLPClassifier(class_weight=class_weight, **params), X, y, sample_weight=sw)
    b = _fit(MLPClassifier(**params), X, y, sample_weight=sw * cw[y])
    for ca, cb in zip(a.coefs_, b.coefs_, strict=False):
        np.testing.assert_array_equal(ca, cb)
    c = _fit(MLPClassifier(**params), X, y, sample_weight=sw)
    assert not np.allclose(a.coefs_[0], c.coefs_[0])


def test_class_weight_balanced_refused_by_partial_fit(digits):
    X, y = digits
    with pytest.raises(ValueError, match="class_weight='balanced'.*partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=np.arange(10))


# --- optimizer state survives warm_start


@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop"])
def test_warm_start_keeps_optimizer_state(digits, solver):
    X, y = digits
    params = dict(
        hidden_layer_sizes=(8,),
        solver=solver,
        shuffle=False,
        n_iter_no_change=np.inf,
        random_state=0,
        learning_rate_init=0.01,
    )
    once = _fit(MLPClassifier(max_iter=6, **params), X, y)
    twice = MLPClassifier(max_iter=3, warm_start=True, **params)
    _fit(twice, X, y)
    _fit(twice, X, y)
    # with momentum / moments reset the second half would take other steps
    for a, b in zip(
        once.coefs_ + once.intercepts_, twice.coefs_ + twice.intercepts_, strict=False
    ):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    cold = MLPClassifier(max_iter=3, **params)
    _fit(cold, X, y)
    _fit(cold.set_params(warm_start=True, max_iter=3), X, y)
    assert cold._optimizer.t == (0 if solver == "sgd" else twice._optimizer.t)


# --- group lasso on the inputs


def test_group_lasso_zeroes_whole_rows_and_selects_informative_features():
    X, y = make_classification(
        400, 30, n_informative=4, n_redundant=0, shuffle=False, random_state=0
    )
    est = _fit(
        MLPClassifier(
            hidden_layer_sizes=(16,),
            solver="sgd",
            input_group_alpha=50.0,
            max_iter=80,
            learning_rate_init=0.05,
            random_state=0,
        ),
        X,
        y,
    )
    W = est.coefs_[0]
    zero_rows = np.all(W == 0, axis=1)
    assert zero_rows.sum() >= 10  # whole inputs removed
    assert np.all(W[~zero_rows] != 0)  # rows are zero as a whole or not at all
    np.testing.assert_allclose(est.feature_importances_, np.linalg.norm(W, axis=1))
    np.testing.assert_array_equal(est.selected_features_, np.flatnonzero(~zero_rows))
    assert set(range(4)) <= set(est.selected_features_)
    assert est.score(X, y) > 0.85
    # plain training keeps every input
    plain = _fit(MLPClassifier(hidden_layer_sizes=(16,), max_iter=20), X, y)
    assert plain.selected_features_.size == 30
    # scikit-learn's SelectFromModel reads feature_importances_
    sfm = SelectFromModel(est, threshold=1e-12, prefit=True)
    assert sfm.transform(X).shape[1] == est.selected_features_.size


def test_new_parameters_are_grid_searchable(digits):
    X, y = digits
    grid = GridSearchCV(
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0),
        {"dropout": [0.0, 0.2], "weight_decay": [0.0, 1e-2]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4


# --- combinations, dtypes, sparse input, solver restrictions


def test_everything_combines(digits):
    X, y = digits
    est = _fit(
        MLPClassifier(
            hidden_layer_sizes=(32, 16),
            dropout=(0.2, 0.1),
            input_dropout=0.05,
            batch_norm=True,
            l1_ratio=0.5,
            alpha=1e-3,
            weight_decay=1e-3,
            input_noise=0.02,
            input_group_alpha=0.1,
            early_stopping=True,
            early_stopping_metric="loss",
            class_weight="balanced",
            learning_rate_init=0.01,
            max_iter=40,
            random_state=0,
        ),
        X,
        y,
    )
    assert est.score(X, y) > 0.85
    assert all(np.isfinite(c).all() for c in est.coefs_ + est.batch_norm_scales_)


@pytest.mark.parametrize("solver", ["adam", "rmsprop"])
def test_float32_stays_float32_with_regularizers(digits, solver):
    X, y = digits
    params = dict(
        hidden_layer_sizes=(16,),
        solver=solver,
        dropout=0.1,
        batch_norm=True,
        input_noise=0.01,
        weight_decay=1e-3,
        input_group_alpha=0.01,
        max_iter=5,
        random_state=0,
    )
    m32 = _fit(MLPClassifier(**params), X.astype(np.float32), y)
    m64 = _fit(MLPClassifier(**params), X, y)
    arrays = m32.coefs_ + m32.intercepts_ + m32.batch_norm_scales_
    arrays += m32.batch_norm_running_vars_
    assert all(a.dtype == np.float32 for a in arrays)
    assert m32.predict_proba(X.astype(np.float32)).dtype == np.float32
    assert m32.loss_ == pytest.approx(m64.loss_, rel=1e-3)


def test_sparse_input_matches_dense_with_regularizers(digits):
    X, y = digits
    params = dict(
        hidden_layer_sizes=(16,),
        dropout=0.2,
        batch_norm=True,
        input_group_alpha=0.05,
        max_iter=4,
        random_state=0,
    )
    for extra in ({}, {"input_noise": 0.1, "input_dropout": 0.1}):
        dense = _fit(MLPClassifier(**params, **extra), X, y)
        sparse = _fit(MLPClassifier(**params, **extra), sp.csr_matrix(X), y)
        np.testing.assert_allclose(sparse.coefs_[0], dense.coefs_[0], rtol=1e-9)
        np.testing.assert_allclose(
            sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), rtol=1e-9
        )


@pytest.mark.parametrize(
    "option",
    [
        {"dropout": 0.1},
        {"input_dropout": 0.1},
        {"batch_norm": True},
        {"input_noise": 0.1},
        {"weight_decay": 0.1},
        {"input_group_alpha": 0.1},
    ],
)
def test_lbfgs_refuses_stochastic_only_options(digits, option):
    X, y = digits
    (name,) = option
    with pytest.raises(
        ValueError, match=rf"{name}=.*not supported with solver='lbfgs'"
    ):
        MLPClassifier(solver="lbfgs", **option).fit(X, y)


def test_rmsprop_learns(digits):
    X, y = digits
    est = _fit(
        MLPClassifier(
            hidden_layer_sizes=(32,),
            solver="rmsprop",
            rho=0.95,
            learning_rate_init=0.01,
            max_iter=30,
            random_state=0,
        ),
        X,
        y,
    )
    assert est.score(X, y) > 0.95
    assert est._optimizer.solver == "rmsprop" and est._optimizer.t > 0


# --- divergence never leaves a NaN model


@pytest.mark.parametrize("extra", [{}, {"dropout": 0.1}, {"solver": "lbfgs"}])
def test_divergent_training_keeps_finite_weights(extra):
    X, y = make_regression(200, 5, noise=1.0, random_state=0)
    params = dict(
        solver="sgd",
        learning_rate_init=1e3,
        max_iter=20,
        random_state=0,
        hidden_layer_sizes=(8,),
    )
    est = MLPRegressor(**{**params, **extra})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est.fit(X * 1e3, y * 1e3)
        except ValueError as exc:
            assert "learning_rate_init" in str(exc)
        else:
            if extra.get("solver") != "lbfgs":
                assert any(
                    issubclass(w.category, ConvergenceWarning)
                    and "diverged" in str(w.message)
                    for w in caught
                )
    assert hasattr(est, "coefs_")
    assert all(np.isfinite(c).all() for c in est.coefs_ + est.intercepts_)
