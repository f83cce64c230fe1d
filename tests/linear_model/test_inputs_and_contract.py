"""Input handling, warnings and invariants of skreg's linear models."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

import skreg
from tests.conftest import lasso_alpha_max

ESTIMATORS = [skreg.Lasso, skreg.ElasticNet]


@pytest.mark.parametrize("kind", ["dense_c", "dense_f", "csc", "csr", "float32"])
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_caller_arrays_are_not_modified(diabetes_poly, kind, Estimator):
    X, y = diabetes_poly
    X = {
        "dense_c": np.ascontiguousarray(X),
        "dense_f": X,
        "csc": sp.csc_matrix(X),
        "csr": sp.csr_matrix(X),
        "float32": X.astype(np.float32),
    }[kind]
    sw = np.linspace(0.5, 2.0, len(y))
    X_before = X.copy()
    y_before, sw_before = y.copy(), sw.copy()
    Estimator(alpha=0.1, copy_X=False).fit(X, y, sample_weight=sw)
    if sp.issparse(X):
        assert (X != X_before).nnz == 0
    else:
        np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(sw, sw_before)


@pytest.mark.parametrize("sparse", [False, True])
def test_float32_in_float32_out(diabetes_poly, sparse):
    X, y = diabetes_poly
    X = X.astype(np.float32)
    if sparse:
        X = sp.csc_matrix(X)
    model = skreg.ElasticNet(alpha=0.1).fit(X, y)
    assert model.coef_.dtype == np.float32
    assert np.asarray(model.intercept_).dtype == np.float32
    assert model.predict(X).dtype == np.float32


def test_sparse_is_not_densified_and_matches_dense(diabetes_poly):
    X, y = diabetes_poly
    dense = skreg.Lasso(alpha=0.3, tol=1e-10).fit(X, y)
    sparse = skreg.Lasso(alpha=0.3, tol=1e-10).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-7, atol=1e-10)
    assert sp.issparse(sparse.sparse_coef_)
    assert sparse.sparse_coef_.shape == (1, X.shape[1])


@pytest.mark.parametrize("sparse", [False, True])
def test_sample_weight_equals_repeated_rows(diabetes_poly, sparse):
    X, y = diabetes_poly
    X, y = X[:120], y[:120]
    rng = np.random.RandomState(3)
    reps = rng.randint(0, 3, size=len(y))
    X_rep, y_rep = np.repeat(X, reps, axis=0), np.repeat(y, reps)
    if sparse:
        X, X_rep = sp.csc_matrix(X), sp.csc_matrix(X_rep)
    params = {"alpha": 0.01, "tol": 1e-12, "max_iter": 100_000}
    weighted = skreg.ElasticNet(**params).fit(X, y, sample_weight=reps)
    repeated = skreg.ElasticNet(**params).fit(X_rep, y_rep)
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, rtol=1e-7)


def test_convergence_warning_only_when_gap_above_tolerance(diabetes_poly):
    X, y = diabetes_poly
    alpha = lasso_alpha_max(X, y) / 1000
    with pytest.warns(ConvergenceWarning, match="Duality gap"):
        model = skreg.Lasso(alpha=alpha, max_iter=3, tol=1e-12).fit(X, y)
    assert model.dual_gap_ * X.shape[0] > 1e-12 * np.sum((y - y.mean()) ** 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = skreg.Lasso(alpha=alpha * 100, max_iter=10_000, tol=1e-6).fit(X, y)
    assert model.dual_gap_ * X.shape[0] <= 1e-6 * np.sum((y - y.mean()) ** 2)


def test_alpha_zero_warns_like_sklearn(diabetes_poly):
    X, y = diabetes_poly
    with pytest.warns(UserWarning, match="alpha=0"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            skreg.Lasso(alpha=0, max_iter=5).fit(X, y)


def test_kkt_conditions_at_solution(diabetes_poly):
    X, y = diabetes_poly
    n = X.shape[0]
    alpha = lasso_alpha_max(X, y) / 50
    model = skreg.Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
    Xc, yc = X - X.mean(0), y - y.mean()
    grad = Xc.T @ (yc - Xc @ model.coef_) / n
    active = model.coef_ != 0
    np.testing.assert_allclose(
        grad[active], alpha * np.sign(model.coef_[active]), rtol=1e-5
    )
    assert np.all(np.abs(grad[~active]) <= alpha * (1 + 1e-6))
    assert model.dual_gap_ >= 0


@pytest.mark.parametrize(
    "bad, match",
    [
        ("nan", "NaN"),
        ("inf", "infinity"),
        ("empty", "0 sample"),
        ("length", "inconsistent numbers of samples"),
        ("neg_weight", "[Nn]egative"),
        ("weight_shape", "sample_weight"),
    ],
)
def test_bad_input_gets_clear_errors(diabetes_poly, bad, match):
    X, y = diabetes_poly
    X = X.copy()
    kw = {}
    if bad == "nan":
        X[0, 0] = np.nan
    elif bad == "inf":
        X[0, 0] = np.inf
    elif bad == "empty":
        X, y = X[:0], y[:0]
    elif bad == "length":
        y = y[:-1]
    elif bad == "neg_weight":
        kw["sample_weight"] = -np.ones(len(y))
    elif bad == "weight_shape":
        kw["sample_weight"] = np.ones(len(y) + 2)
    with pytest.raises(ValueError, match=match):
        skreg.Lasso(alpha=0.1).fit(X, y, **kw)


def test_invalid_parameters_name_the_parameter(diabetes_poly):
    X, y = diabetes_poly
    with pytest.raises(ValueError, match="alpha"):
        skreg.Lasso(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        skreg.ElasticNet(l1_ratio=1.5).fit(X, y)
    with pytest.raises(ValueError, match="selection"):
        skreg.Lasso(selection="sometimes").fit(X, y)
