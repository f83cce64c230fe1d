"""enet_path / lasso_path and the CV estimators against scikit-learn."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk
from sklearn.model_selection import KFold

import skreg


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("precompute", [False, True])
def test_enet_path_matches_sklearn(diabetes_poly, l1_ratio, precompute):
    X, y = diabetes_poly
    Xc, yc = np.asfortranarray(X - X.mean(0)), y - y.mean()
    kw = {
        "l1_ratio": l1_ratio,
        "eps": 1e-2,
        "alphas": 30,
        "tol": 1e-10,
        "max_iter": 100_000,
        "precompute": precompute,
    }
    alphas, coefs, gaps, iters = skreg.enet_path(Xc, yc, return_n_iter=True, **kw)
    ref_alphas, ref_coefs, _ = sk.enet_path(Xc, yc, **kw)
    np.testing.assert_allclose(alphas, ref_alphas, rtol=1e-12)
    scale = np.max(np.abs(ref_coefs))
    assert np.max(np.abs(coefs - ref_coefs)) <= 1e-6 * scale
    assert coefs.shape == (X.shape[1], 30) and len(iters) == 30
    # non-negative up to rounding (primal and dual agree to ~1e-12 at the top)
    assert np.all(gaps >= -1e-12 * (yc @ yc))


def test_lasso_path_sparse_and_explicit_alphas(diabetes_poly):
    X, y = diabetes_poly
    Xc, yc = X - X.mean(0), y - y.mean()
    grid = [3.0, 0.3, 1.0]
    alphas, coefs, _ = skreg.lasso_path(sp.csc_matrix(Xc), yc, alphas=grid, tol=1e-10)
    np.testing.assert_array_equal(alphas, sorted(grid, reverse=True))
    ref = sk.lasso_path(Xc, yc, alphas=grid, tol=1e-10)[1]
    np.testing.assert_allclose(coefs, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())


def test_path_deprecations_follow_sklearn(diabetes_poly):
    X, y = diabetes_poly
    with pytest.warns(FutureWarning, match="n_alphas"):
        alphas, _, _ = skreg.lasso_path(X, y, n_alphas=5)
    assert len(alphas) == 5
    with pytest.warns(FutureWarning, match="alphas=None"):
        skreg.lasso_path(X, y, alphas=None, eps=0.5)


def test_estimator_path_is_skregs():
    assert skreg.Lasso.path is skreg.enet_path
    assert skreg.ElasticNet().path is skreg.enet_path


def test_lasso_cv_matches_sklearn(diabetes_poly):
    X, y = diabetes_poly
    cv = KFold(4)
    kw = {"cv": cv, "alphas": 20, "eps": 1e-2, "tol": 1e-8, "max_iter": 10_000}
    ours = skreg.LassoCV(**kw).fit(X, y)
    ref = sk.LassoCV(**kw).fit(X, y)
    assert ours.alpha_ == pytest.approx(ref.alpha_)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)


def test_elastic_net_cv_threads_match_serial(diabetes_poly):
    X, y = diabetes_poly
    kw = {"cv": KFold(3), "l1_ratio": [0.3, 0.9], "alphas": 10, "eps": 1e-2}
    serial = skreg.ElasticNetCV(n_jobs=1, **kw).fit(X, y)
    threaded = skreg.ElasticNetCV(n_jobs=2, **kw).fit(X, y)
    np.testing.assert_array_equal(serial.mse_path_, threaded.mse_path_)
    assert serial.l1_ratio_ == threaded.l1_ratio_
    ref = sk.ElasticNetCV(**kw).fit(X, y)
    assert serial.l1_ratio_ == ref.l1_ratio_
    assert serial.alpha_ == pytest.approx(ref.alpha_)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.6])
def test_multitask_path_matches_sklearn(diabetes_poly, l1_ratio):
    X, y = diabetes_poly
    Xc = np.asfortranarray(X - X.mean(0))
    Y = np.c_[y, np.sqrt(y), -0.5 * y]
    Y = Y - Y.mean(0)
    kw = {
        "l1_ratio": l1_ratio,
        "alphas": 8,
        "eps": 1e-2,
        "tol": 1e-10,
        "max_iter": 100_000,
    }
    alphas, coefs, gaps = skreg.enet_path(Xc, Y, **kw)
    ref_alphas, ref_coefs, _ = sk.enet_path(Xc, Y, **kw)
    np.testing.assert_allclose(alphas, ref_alphas, rtol=1e-12)
    assert coefs.shape == (3, X.shape[1], 8)
    scale = np.max(np.abs(ref_coefs))
    assert np.max(np.abs(coefs - ref_coefs)) <= 1e-6 * scale
    # Whole features are selected or dropped for all tasks together.
    np.testing.assert_array_equal(coefs[0] == 0, coefs[1] == 0)
