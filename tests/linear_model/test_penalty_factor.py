"""``penalty_factor`` (glmnet's ``penalty.factor``) in the Lasso/ElasticNet family."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes
from sklearn.model_selection import GridSearchCV, KFold

import skreg
from skreg.linear_model._alpha_grid import alpha_max
from skreg.linear_model._cd_solver import solve_enet
from skreg.linear_model._preprocess import center_and_weight, make_layouts

X_DIAB, Y_DIAB = load_diabetes(return_X_y=True)
P = X_DIAB.shape[1]
TIGHT = dict(tol=1e-12, max_iter=100_000)


def _data(kind, dtype=np.float64):
    X = X_DIAB.astype(dtype)
    return (sp.csc_matrix(X) if kind == "sparse" else X), Y_DIAB.astype(dtype)


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("Est", [skreg.Lasso, skreg.ElasticNet])
def test_all_ones_is_no_penalty_factor(kind, dtype, Est):
    X, y = _data(kind, dtype)
    plain = Est(alpha=0.05).fit(X, y)
    ones = Est(alpha=0.05, penalty_factor=np.ones(P)).fit(X, y)
    assert ones.coef_.dtype == dtype
    np.testing.assert_allclose(ones.coef_, plain.coef_, rtol=0, atol=1e-12)
    assert np.count_nonzero(plain.coef_) > 2


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("Est", [skreg.Lasso, skreg.ElasticNet])
def test_constant_factor_is_alpha_times_constant(kind, Est):
    X, y = _data(kind)
    scaled = Est(alpha=0.3, **TIGHT).fit(X, y)
    weighted = Est(alpha=0.1, penalty_factor=np.full(P, 3.0), **TIGHT).fit(X, y)
    np.testing.assert_allclose(weighted.coef_, scaled.coef_, rtol=1e-8, atol=1e-6)


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_lasso_factor_is_column_rescaling(kind):
    # pf_j |w_j| with x_j equals |v_j| with x_j / pf_j and w_j = v_j / pf_j:
    # the reference runs without any penalty factor.
    pf = np.linspace(0.3, 3.0, P)
    X, y = _data(kind)
    X_scaled = X @ sp.diags(1 / pf) if kind == "sparse" else X / pf
    ref = skreg.Lasso(alpha=0.05, **TIGHT).fit(X_scaled, y)
    got = skreg.Lasso(alpha=0.05, penalty_factor=pf, **TIGHT).fit(X, y)
    np.testing.assert_allclose(got.coef_, ref.coef_ / pf, rtol=1e-7, atol=1e-5)
    assert got.intercept_ == pytest.approx(ref.intercept_, rel=1e-9)


def partialled_out_reference(X, y, unpenalized, alpha, sw=None, positive=False):
    """Lasso with unpenalized columns U and an intercept, by Frisch-Waugh:
    project [1, X_U] out of X_P and y (weighted), solve the Lasso on what is
    left with scikit-learn at a tight tol, then the least-squares w_U."""
    n = X.shape[0]
    sw = np.ones(n) if sw is None else sw * n / sw.sum()
    root = np.sqrt(sw)
    Z = np.column_stack([np.ones(n), X[:, unpenalized]]) * root[:, None]
    Q, _ = np.linalg.qr(Z)
    pen = np.setdiff1d(np.arange(X.shape[1]), unpenalized)
    Xp = X[:, pen] * root[:, None]
    yw = y * root
    Xp = Xp - Q @ (Q.T @ Xp)
    yp = yw - Q @ (Q.T @ yw)
    lasso = sk.Lasso(
        alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=1_000_000,
        positive=positive,
    ).fit(Xp, yp)  # fmt: skip
    coef = np.zeros(X.shape[1])
    coef[pen] = lasso.coef_
    rest = yw - (X[:, pen] * root[:, None]) @ lasso.coef_
    u_coef = np.linalg.lstsq(Z, rest, rcond=None)[0]
    coef[unpenalized] = u_coef[1:]
    return coef


UNPENALIZED = np.array([1, 6])  # sex and s3: small or negative in the full fit


@pytest.mark.parametrize(
    "dtype, positive", [(np.float64, False), (np.float32, False), (np.float64, True)]
)
@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("screening", [True, False])
@pytest.mark.parametrize("working_set", [True, False])
def test_unpenalized_features_match_a_direct_solution(
    dtype, positive, kind, weighted, screening, working_set
):
    rng = np.random.RandomState(0)
    sw = rng.uniform(0.2, 3.0, len(Y_DIAB)) if weighted else None
    # With positive=True: bmi and s5, positive at the optimum, so the
    # reference (unpenalized coefficients free) solves the same problem.
    unpenalized = np.array([2, 8]) if positive else UNPENALIZED
    pf = np.ones(P)
    pf[unpenalized] = 0.0
    alpha = 0.5
    expected = partialled_out_reference(
        X_DIAB, Y_DIAB, unpenalized, alpha, sw, positive=positive
    )
    X, y = _data(kind, dtype)
    n = X.shape[0]
    sw_fit = None if sw is None else (sw * n / sw.sum()).astype(dtype)
    X_work, y_work, x_offset, _ = center_and_weight(X, y, sw_fit, True)
    (layout,) = make_layouts(
        X_work, y_work[:, None], sw_fit, x_offset, False, penalty_factor=pf
    )
    coef = np.zeros(P, dtype=dtype)
    tol = 1e-14 if dtype == np.float64 else 1e-7
    solve_enet(
        layout, coef, alpha * n, 0.0, max_iter=100_000, tol=tol,
        screening=screening, working_set=working_set, positive=positive,
    )  # fmt: skip
    if dtype == np.float64:
        np.testing.assert_allclose(coef, expected, rtol=1e-6, atol=1e-4)
    else:
        # float32 at tol=1e-7: the objectives agree to that precision, the
        # coefficients only as far as the conditioning of X allows.
        def objective(w):
            w = w.astype(np.float64)
            s = np.ones(n) if sw is None else sw * n / sw.sum()
            r = Y_DIAB - X_DIAB @ w
            r = r - np.average(r, weights=s)
            return 0.5 * s @ r**2 / n + alpha * pf @ np.abs(w)

        assert objective(coef) <= objective(expected) * (1 + 1e-6)
        np.testing.assert_allclose(coef, expected, rtol=2e-2, atol=0.5)
    assert np.all(coef[unpenalized] != 0)
    assert np.count_nonzero(coef) < P  # the penalty does bite


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unpenalized_estimator_positive_and_float32(dtype):
    # bmi and s5: positive at the optimum, so the reference (whose
    # unpenalized coefficients are free) solves the same constrained problem.
    unpenalized = np.array([2, 8])
    pf = np.ones(P)
    pf[unpenalized] = 0.0
    X, y = _data("dense", dtype)
    tol = 1e-12 if dtype == np.float64 else 1e-6
    got = skreg.Lasso(alpha=0.3, positive=True, penalty_factor=pf, tol=tol)
    got.fit(X, y)
    assert got.coef_.dtype == dtype
    expected = partialled_out_reference(X_DIAB, Y_DIAB, unpenalized, 0.3, positive=True)
    assert np.all(expected[unpenalized] > 0)
    rtol = 1e-6 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(got.coef_, expected, rtol=rtol, atol=1e-2)
    assert np.all(got.coef_ >= 0) and np.count_nonzero(got.coef_) < P


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_unpenalized_features_survive_a_huge_alpha(kind):
    pf = np.ones(P)
    pf[UNPENALIZED] = 0.0
    X, y = _data(kind)
    got = skreg.Lasso(alpha=1e6, penalty_factor=pf).fit(X, y)
    ols = sk.LinearRegression().fit(X_DIAB[:, UNPENALIZED], Y_DIAB)
    np.testing.assert_allclose(got.coef_[UNPENALIZED], ols.coef_, rtol=1e-8)
    assert np.count_nonzero(got.coef_) == len(UNPENALIZED)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_alpha_max_with_factors(weighted, l1_ratio):
    rng = np.random.RandomState(1)
    sw = rng.uniform(0.5, 2.0, len(Y_DIAB)) if weighted else None
    pf = np.linspace(0.5, 2.0, P)
    pf[UNPENALIZED] = 0.0
    top = alpha_max(
        X_DIAB, Y_DIAB, l1_ratio=l1_ratio, sample_weight=sw, penalty_factor=pf
    )
    pen = pf > 0
    params = dict(l1_ratio=l1_ratio, penalty_factor=pf, **TIGHT)
    at = skreg.ElasticNet(alpha=top, **params).fit(X_DIAB, Y_DIAB, sample_weight=sw)
    below = skreg.ElasticNet(alpha=0.99 * top, **params)
    below.fit(X_DIAB, Y_DIAB, sample_weight=sw)
    assert np.all(np.abs(at.coef_[pen]) < 1e-10)
    assert np.any(np.abs(below.coef_[pen]) > 1e-6)
    # The grid of the path starts there too.
    alphas, coefs, _ = skreg.enet_path(
        X_DIAB - X_DIAB.mean(0), Y_DIAB - Y_DIAB.mean(), l1_ratio=l1_ratio,
        alphas=5, penalty_factor=pf,
    )  # fmt: skip
    if not weighted:
        assert alphas[0] == pytest.approx(top, rel=1e-10)
        assert np.all(np.abs(coefs[pen, 0]) < 1e-10)


def test_path_matches_estimator_fits():
    pf = np.linspace(0.5, 2.0, P)
    pf[3] = 0.0
    Xc, yc = X_DIAB - X_DIAB.mean(0), Y_DIAB - Y_DIAB.mean()
    alphas, coefs, _ = skreg.lasso_path(Xc, yc, alphas=4, penalty_factor=pf, **TIGHT)
    for k, alpha in enumerate(alphas):
        fit = skreg.Lasso(alpha=alpha, penalty_factor=pf, fit_intercept=False, **TIGHT)
        np.testing.assert_allclose(coefs[:, k], fit.fit(Xc, yc).coef_, atol=1e-6)


def test_lasso_cv_picks_the_alpha_of_grid_search():
    pf = np.linspace(0.5, 2.0, P)
    pf[2] = 0.0
    folds = list(KFold(4, shuffle=True, random_state=0).split(X_DIAB))
    solver = dict(tol=1e-8, max_iter=20_000)
    cv = skreg.LassoCV(alphas=12, cv=folds, penalty_factor=pf, **solver)
    cv.fit(X_DIAB, Y_DIAB)
    top = alpha_max(X_DIAB, Y_DIAB, penalty_factor=pf)
    assert cv.alphas_[0] == pytest.approx(top)
    search = GridSearchCV(
        skreg.Lasso(penalty_factor=pf, **solver),
        {"alpha": cv.alphas_},
        cv=folds,
        scoring="neg_mean_squared_error",
    ).fit(X_DIAB, Y_DIAB)
    assert cv.alpha_ == pytest.approx(search.best_params_["alpha"])
    assert cv.coef_[2] != 0
    refit = skreg.Lasso(alpha=cv.alpha_, penalty_factor=pf, **solver)
    np.testing.assert_allclose(cv.coef_, refit.fit(X_DIAB, Y_DIAB).coef_, atol=1e-6)


def test_elastic_net_cv_several_l1_ratios_with_factors():
    pf = np.linspace(0.5, 2.0, P)
    cv = skreg.ElasticNetCV(l1_ratio=[0.3, 1.0], alphas=6, cv=3, penalty_factor=pf)
    cv.fit(X_DIAB, Y_DIAB)
    assert cv.alphas_.shape == (2, 6) and cv.mse_path_.shape == (2, 6, 3)
    for k, ratio in enumerate([0.3, 1.0]):
        top = alpha_max(X_DIAB, Y_DIAB, l1_ratio=ratio, penalty_factor=pf)
        assert cv.alphas_[k, 0] == pytest.approx(top)
    best = np.unravel_index(np.argmin(cv.mse_path_.mean(-1)), (2, 6))
    assert cv.l1_ratio_ == [0.3, 1.0][best[0]]
    assert cv.alpha_ == pytest.approx(cv.alphas_[best])
    assert cv.get_params()["penalty_factor"] is pf


@pytest.mark.parametrize(
    "pf, match",
    [
        (np.ones(3), r"penalty_factor must have shape"),
        (-np.ones(P), "penalty_factor must be finite and non-negative"),
        (np.r_[np.nan, np.ones(P - 1)], "penalty_factor must be finite"),
        (np.r_[np.inf, np.ones(P - 1)], "penalty_factor must be finite"),
    ],
)
@pytest.mark.parametrize(
    "make",
    [
        lambda pf: skreg.Lasso(penalty_factor=pf).fit(X_DIAB, Y_DIAB),
        lambda pf: skreg.ElasticNet(penalty_factor=pf).fit(X_DIAB, Y_DIAB),
        lambda pf: skreg.LassoCV(penalty_factor=pf, cv=3).fit(X_DIAB, Y_DIAB),
        lambda pf: skreg.lasso_path(X_DIAB, Y_DIAB, alphas=3, penalty_factor=pf),
    ],
)
def test_bad_penalty_factor_is_refused(make, pf, match):
    with pytest.raises(ValueError, match=match):
        make(pf)


def test_multi_output_y_uses_the_same_factors_per_target():
    pf = np.linspace(0.5, 2.0, P)
    pf[0] = 0.0
    Y = np.column_stack([Y_DIAB, -2 * Y_DIAB + 10])
    both = skreg.Lasso(alpha=0.1, penalty_factor=pf, **TIGHT).fit(X_DIAB, Y)
    for k in range(2):
        one = skreg.Lasso(alpha=0.1, penalty_factor=pf, **TIGHT).fit(X_DIAB, Y[:, k])
        np.testing.assert_allclose(both.coef_[k], one.coef_, rtol=1e-10, atol=1e-8)
    with pytest.raises(ValueError, match="penalty_factor is not supported with 2-D"):
        skreg.enet_path(X_DIAB, Y, alphas=3, penalty_factor=pf)


def test_logistic_uses_the_shared_validator():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    with pytest.raises(ValueError, match="penalty_factor must have shape"):
        skreg.LogisticRegression(penalty_factor=np.ones(3)).fit(X, y)
    with pytest.raises(ValueError, match="penalty_factor must be finite"):
        skreg.LogisticRegression(penalty_factor=np.full(30, np.nan)).fit(X, y)


@pytest.mark.parametrize("n_features", [100, 400])
def test_factors_in_covariance_mode_match_residual_mode(n_features):
    # Tall dense data with precompute=True is solved with covariance updates
    # (X centred implicitly); sparse input never is.  Unpenalized features
    # need X_U'X_U from the implicitly centred Gram matrix.
    rng = np.random.RandomState(0)
    X = rng.randn(3 * n_features, n_features) + 5.0  # means far from zero
    y = X[:, :6] @ np.arange(1.0, 7.0) + rng.randn(X.shape[0])
    pf = rng.uniform(0.5, 2.0, n_features)
    pf[[1, 7]] = 0.0
    dense = skreg.Lasso(alpha=0.1, penalty_factor=pf, precompute=True, **TIGHT)
    dense.fit(X, y)
    reference = skreg.Lasso(alpha=0.1, penalty_factor=pf, **TIGHT).fit(
        sp.csc_matrix(X), y
    )
    np.testing.assert_allclose(dense.coef_, reference.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(dense.intercept_, reference.intercept_, rtol=1e-7)
    assert dense.coef_[7] != 0 and np.count_nonzero(dense.coef_) < n_features // 2
