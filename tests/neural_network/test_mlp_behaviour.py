"""Input contract, dtypes, divergence, partial_fit, multilabel, sample weights."""

import os
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning

from skreg import MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:500] / 16.0, y[:500]


def _quiet_fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_float32_trains_in_float32(digits, solver):
    X, y = digits
    X32 = X.astype(np.float32)
    params = dict(hidden_layer_sizes=(16,), solver=solver, max_iter=10, random_state=0)
    m32 = _quiet_fit(MLPClassifier(**params), X32, y)
    m64 = _quiet_fit(MLPClassifier(**params), X, y)
    assert all(c.dtype == np.float32 for c in m32.coefs_ + m32.intercepts_)
    assert all(c.dtype == np.float64 for c in m64.coefs_ + m64.intercepts_)
    assert m32.predict_proba(X32).dtype == np.float32
    # same model up to float32 rounding (amplified by lbfgs's line searches)
    assert m32.loss_ == pytest.approx(
        m64.loss_, rel=1e-2 if solver == "lbfgs" else 1e-4
    )
    assert np.mean(m32.predict(X32) == m64.predict(X)) > 0.98


@pytest.mark.parametrize("fmt", ["dense_f", "float32", "csr", "csc"])
def test_caller_data_unchanged(digits, fmt):
    X, y = digits
    if fmt == "dense_f":
        X_in = np.asfortranarray(X)
    elif fmt == "float32":
        X_in = X.astype(np.float32)
    elif fmt == "csr":
        X_in = sp.csr_matrix(X)
    else:
        X_in = sp.csc_matrix(X)
    y_in = y.copy()
    sw = np.linspace(0.5, 2.0, X.shape[0])
    X_copy = X_in.copy()
    sw_copy = sw.copy()
    for est in (
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, early_stopping=True),
        MLPRegressor(hidden_layer_sizes=(8,), max_iter=3, solver="lbfgs"),
    ):
        _quiet_fit(est, X_in, y_in, sample_weight=sw)
        est.predict(X_in)
    if sp.issparse(X_in):
        assert (X_in != X_copy).nnz == 0
        assert X_in.format == X_copy.format
    else:
        np.testing.assert_array_equal(X_in, X_copy)
        assert X_in.flags.f_contiguous == (fmt == "dense_f")
    np.testing.assert_array_equal(y_in, y)
    np.testing.assert_array_equal(sw, sw_copy)


def test_divergence_after_some_epochs_warns_and_keeps_finite_weights():
    X, y = make_regression(200, 5, random_state=0)
    est = MLPRegressor(
        hidden_layer_sizes=(8,),
        solver="sgd",
        learning_rate_init=0.5,
        momentum=0.0,
        activation="identity",
        max_iter=50,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="diverged"):
        est.fit(X, y)
    assert 0 < est.n_iter_ < 50
    assert all(np.isfinite(c).all() for c in est.coefs_ + est.intercepts_)
    assert np.isfinite(est.loss_) and len(est.loss_curve_) == est.n_iter_
    assert np.isfinite(est.predict(X)).all()


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_divergence_in_first_epoch_raises(solver):
    X, y = make_regression(100, 4, random_state=0)
    est = MLPRegressor(solver=solver, learning_rate_init=1e3, random_state=0)
    with pytest.raises(ValueError, match="learning_rate_init"):
        est.fit(X * 1e200, y)


def test_lbfgs_with_l1_ratio_raises(digits):
    X, y = digits
    for est in (
        MLPClassifier(solver="lbfgs", l1_ratio=0.5),
        MLPRegressor(solver="lbfgs", l1_ratio=1.0),
    ):
        with pytest.raises(ValueError, match=r"l1_ratio.*lbfgs"):
            est.fit(X, y)


def test_bad_inputs_name_the_problem(digits):
    X, y = digits
    with pytest.raises(ValueError, match="l1_ratio"):
        MLPClassifier(l1_ratio=1.5).fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MLPClassifier(hidden_layer_sizes=(4, 0)).fit(X, y)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier().fit(X_nan, y)
    est = _quiet_fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=2), X, y)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :5])
    with pytest.raises(ValueError, match="sample_weight"):
        MLPClassifier().fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="validation set is too small"):
        MLPClassifier(early_stopping=True, validation_fraction=0.01).fit(X[:50], y[:50])


def test_partial_fit_contract(digits):
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(8,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        est.partial_fit(X, y)
    est.partial_fit(X[:100], y[:100], classes=np.arange(10))
    est.partial_fit(X[100:200], y[100:200])
    assert est.t_ == 200 and est.n_iter_ == 1 and len(est.loss_curve_) == 2
    with pytest.raises(ValueError, match="not in `self.classes_`"):
        est.partial_fit(X[:10], y[:10] + 20)
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")
    with pytest.raises(ValueError, match="early_stopping"):
        MLPRegressor(early_stopping=True).partial_fit(X, y.astype(float))
    # many partial_fit epochs learn the problem
    reg = MLPClassifier(
        hidden_layer_sizes=(16,), random_state=0, learning_rate_init=0.01
    )
    for _ in range(30):
        reg.partial_fit(X, y, classes=np.arange(10))
    assert reg.score(X, y) > 0.9


def test_multilabel_classifier(digits):
    X, y = digits
    Y = np.column_stack([y % 2, y > 4, y == 7]).astype(int)
    est = _quiet_fit(MLPClassifier(hidden_layer_sizes=(32,), random_state=0), X, Y)
    assert est.out_activation_ == "logistic" and est.n_outputs_ == 3
    proba = est.predict_proba(X)
    assert proba.shape == (X.shape[0], 3)
    np.testing.assert_array_equal(est.predict(X), (proba > 0.5).astype(int))
    assert est.score(X, Y) > 0.8
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(proba))


def test_multiclass_and_multioutput_regression(digits):
    X, y = digits
    clf = _quiet_fit(MLPClassifier(hidden_layer_sizes=(32,), random_state=0), X, y)
    assert clf.out_activation_ == "softmax"
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)
    Y = np.column_stack([X[:, 20] + X[:, 30], X[:, 40] - X[:, 10]])
    reg = _quiet_fit(MLPRegressor(hidden_layer_sizes=(32,), random_state=0), X, Y)
    assert reg.n_outputs_ == 2 and reg.predict(X).shape == (X.shape[0], 2)
    assert reg.score(X, Y) > 0.8


@pytest.mark.parametrize("solver", ["sgd", "adam", "lbfgs"])
def test_integer_sample_weight_equals_repeated_rows(digits, solver):
    # full batch, no shuffling effect: weights 0..3 == rows removed/duplicated
    X, y = digits[0][:120], digits[1][:120]
    sw = np.random.RandomState(0).randint(0, 4, size=120)
    X_rep, y_rep = np.repeat(X, sw, axis=0), np.repeat(y, sw)
    assert X_rep.shape[0] <= 200  # batch_size='auto' is then the full batch
    params = dict(
        hidden_layer_sizes=(8,),
        solver=solver,
        max_iter=20,
        random_state=0,
        learning_rate_init=0.01,
    )
    a = _quiet_fit(MLPClassifier(**params), X, y, sample_weight=sw)
    b = _quiet_fit(MLPClassifier(**params), X_rep, y_rep)
    for ca, cb in zip(a.coefs_, b.coefs_, strict=False):
        np.testing.assert_allclose(ca, cb, rtol=1e-6, atol=1e-9)
    assert a.loss_ == pytest.approx(b.loss_, rel=1e-8)


def test_warm_start_continues(digits):
    X, y = digits
    est = MLPClassifier(
        hidden_layer_sizes=(8,), max_iter=3, warm_start=True, random_state=0
    )
    _quiet_fit(est, X, y)
    first = [c.copy() for c in est.coefs_]
    loss_first = est.loss_
    _quiet_fit(est, X, y)
    assert len(est.loss_curve_) == 6 and est.t_ == 6 * X.shape[0]
    assert est.loss_ < loss_first
    assert not np.allclose(first[0], est.coefs_[0])
    with pytest.raises(ValueError, match="same classes"):
        est.fit(X[y < 5], y[y < 5])


def test_mlp_kernels_without_jit():
    """The kernel tests pass in the pure-Python reading of the kernels too."""
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        pytest.skip("already running without JIT")
    tests = pathlib.Path(__file__).parent / "test_mlp_kernels.py"
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_switching_dtype(digits, solver):
    X, y = digits
    est = MLPClassifier(hidden_layer_sizes=(8,), solver=solver, random_state=0)
    est.partial_fit(X, y, classes=np.arange(10))
    est.partial_fit(X.astype(np.float32), y)
    assert est.coefs_[0].dtype == np.float32
    est.partial_fit(X, y)
    assert est.coefs_[0].dtype == np.float64
    assert len(est.loss_curve_) == 3 and np.all(np.isfinite(est.loss_curve_))


def test_max_iter_warning_keeps_sklearns_sentence_and_says_what_to_do():
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MLPClassifier(max_iter=2, random_state=0).fit(X[:200] / 16, y[:200])
    messages = [str(w.message) for w in caught if w.category is ConvergenceWarning]
    assert len(messages) == 1
    assert messages[0].startswith(
        "Stochastic Optimizer: Maximum iterations (2) reached and the optimization "
        "hasn't converged yet."
    )
    assert "max_iter=4" in messages[0] and "early_stopping=True" in messages[0]
