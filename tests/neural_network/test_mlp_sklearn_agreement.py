"""skreg's MLPs follow scikit-learn's training trajectory when l1_ratio=0."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.preprocessing import StandardScaler

from skreg import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    return X, (y - y.mean()) / y.std()


def _fit_both(sk_cls, sk_cls_ours, X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = sk_cls(**params).fit(X, y)
        ours = sk_cls_ours(**params).fit(X, y)
    return ref, ours


def _assert_coefs_close(ref, ours, rtol):
    for a, b in zip(
        ref.coefs_ + ref.intercepts_, ours.coefs_ + ours.intercepts_, strict=False
    ):
        assert a.shape == b.shape
        scale = np.max(np.abs(a))
        assert np.max(np.abs(a - b)) <= rtol * scale


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
@pytest.mark.parametrize("activation", ["relu", "logistic"])
def test_identical_initial_weights(digits, diabetes, kind, activation):
    X, y = digits if kind == "classifier" else diabetes
    ours_cls = MLPClassifier if kind == "classifier" else MLPRegressor
    ref_cls = SkMLPClassifier if kind == "classifier" else SkMLPRegressor
    # A learning rate of 1e-300 leaves every weight bit-identical to its
    # initial value, so the fitted weights *are* the initial draws.
    params = dict(
        hidden_layer_sizes=(32, 7),
        activation=activation,
        random_state=3,
        solver="sgd",
        momentum=0.0,
        learning_rate_init=1e-300,
        max_iter=1,
        shuffle=False,
    )
    ref, ours = _fit_both(ref_cls, ours_cls, X, y, **params)
    for a, b in zip(
        ref.coefs_ + ref.intercepts_, ours.coefs_ + ours.intercepts_, strict=False
    ):
        np.testing.assert_array_equal(a, b)
    assert len(ours.coefs_) == 3 and ours.n_layers_ == ref.n_layers_ == 4


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_classifier_trajectory_digits(digits, solver, activation):
    X, y = digits
    params = dict(
        hidden_layer_sizes=(32,),
        solver=solver,
        activation=activation,
        max_iter=10,
        random_state=0,
        learning_rate_init=0.05 if solver == "sgd" else 0.005,
    )
    ref, ours = _fit_both(SkMLPClassifier, MLPClassifier, X, y, **params)
    _assert_coefs_close(ref, ours, 1e-5)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-8)
    assert ours.n_iter_ == ref.n_iter_ == 10
    assert ours.t_ == ref.t_
    assert ours.coefs_[0].dtype == np.float64


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regressor_trajectory(diabetes, digits, solver, loss):
    if loss == "poisson":
        X, y = digits[0], digits[1].astype(float)
    else:
        X, y = diabetes
    params = dict(
        hidden_layer_sizes=(32,),
        solver=solver,
        loss=loss,
        max_iter=10,
        random_state=1,
        learning_rate_init=0.01 if solver == "sgd" else 0.005,
        batch_size=64,
    )
    ref, ours = _fit_both(SkMLPRegressor, MLPRegressor, X, y, **params)
    _assert_coefs_close(ref, ours, 1e-5)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-8)


def test_multioutput_and_multilabel_trajectory(digits):
    X, y = digits
    Y = np.column_stack([y % 2 == 0, y > 4, y == 7]).astype(int)
    params = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    ref, ours = _fit_both(SkMLPClassifier, MLPClassifier, X, Y, **params)
    assert ours.out_activation_ == ref.out_activation_ == "logistic"
    _assert_coefs_close(ref, ours, 1e-5)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    Yr = np.column_stack([y, X[:, 10] * 3.0])
    ref, ours = _fit_both(SkMLPRegressor, MLPRegressor, X, Yr, **params)
    _assert_coefs_close(ref, ours, 1e-5)
    assert ours.predict(X).shape == (X.shape[0], 2)


@pytest.mark.parametrize("schedule", ["invscaling", "adaptive"])
def test_sgd_schedules_and_stopping(digits, schedule):
    X, y = digits
    params = dict(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate=schedule,
        learning_rate_init=0.2,
        max_iter=40,
        n_iter_no_change=2,
        tol=1e-2,
        nesterovs_momentum=False,
        random_state=0,
    )
    ref, ours = _fit_both(SkMLPClassifier, MLPClassifier, X[:400], y[:400], **params)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-7)
    assert ours.best_loss_ == pytest.approx(ref.best_loss_, rel=1e-7)
    _assert_coefs_close(ref, ours, 1e-5)


@pytest.mark.parametrize("kind", ["classifier", "binary", "regressor", "weighted"])
def test_early_stopping_agreement(digits, diabetes, kind):
    sample_weight = None
    if kind == "weighted":
        X, y = digits
        sample_weight = np.random.RandomState(1).uniform(0.2, 3.0, X.shape[0])
        ref_cls, ours_cls = SkMLPClassifier, MLPClassifier
    elif kind == "regressor":
        X, y = diabetes
        ref_cls, ours_cls = SkMLPRegressor, MLPRegressor
    else:
        X, y = digits
        if kind == "binary":
            y = y % 2
        ref_cls, ours_cls = SkMLPClassifier, MLPClassifier
    params = dict(
        hidden_layer_sizes=(16,),
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        max_iter=25,
        random_state=5,
        learning_rate_init=0.01,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = ref_cls(**params).fit(X, y, sample_weight=sample_weight)
        ours = ours_cls(**params).fit(X, y, sample_weight=sample_weight)
    assert len(ours.validation_scores_) == ours.n_iter_ > 3
    np.testing.assert_allclose(
        ours.validation_scores_, ref.validation_scores_, rtol=1e-9, atol=1e-12
    )
    assert ours.best_validation_score_ == pytest.approx(ref.best_validation_score_)
    assert ours.best_loss_ is None and ref.best_loss_ is None
    assert ours.n_iter_ == ref.n_iter_
    _assert_coefs_close(ref, ours, 1e-5)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_lbfgs_reaches_same_loss(digits, diabetes, kind):
    if kind == "classifier":
        X, y = digits
        ref_cls, ours_cls = SkMLPClassifier, MLPClassifier
    else:
        X, y = diabetes
        ref_cls, ours_cls = SkMLPRegressor, MLPRegressor
    params = dict(hidden_layer_sizes=(32,), solver="lbfgs", max_iter=60, random_state=0)
    ref, ours = _fit_both(ref_cls, ours_cls, X, y, **params)
    assert ours.loss_ == pytest.approx(ref.loss_, rel=1e-6)
    assert ours.n_iter_ == ref.n_iter_


def test_sample_weight_agrees_with_sklearn(digits):
    X, y = digits
    sw = np.random.RandomState(0).randint(0, 4, size=X.shape[0]).astype(float)
    params = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = SkMLPClassifier(**params).fit(X, y, sample_weight=sw)
        ours = MLPClassifier(**params).fit(X, y, sample_weight=sw)
    _assert_coefs_close(ref, ours, 1e-5)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-8)


def test_partial_fit_agrees_with_sklearn(digits):
    X, y = digits
    classes = np.unique(y)
    ref = SkMLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    ours = MLPClassifier(hidden_layer_sizes=(16,), random_state=0)
    for chunk in np.array_split(np.arange(600), 3):
        ref.partial_fit(X[chunk], y[chunk], classes=classes)
        ours.partial_fit(X[chunk], y[chunk], classes=classes)
    _assert_coefs_close(ref, ours, 1e-5)
    assert ours.t_ == ref.t_ == 600
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-8)


def test_sparse_input_matches_dense(digits):
    X, y = digits
    params = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense = MLPClassifier(**params).fit(X, y)
        csr = MLPClassifier(**params).fit(sp.csr_matrix(X), y)
        csc = MLPClassifier(**params).fit(sp.csc_array(X), y)
        ref = SkMLPClassifier(**params).fit(sp.csr_matrix(X), y)
    for other in (csr, csc, ref):
        _assert_coefs_close(dense, other, 1e-9)
    np.testing.assert_allclose(
        csr.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X), rtol=1e-9
    )
