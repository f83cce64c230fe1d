"""Covariance (Gram) mode: when skreg picks it, and that it never changes results.

``resolve_precompute`` and ``gram_pays`` choose between residual updates and
the complete Gram matrix (issue 12).  The choice is for speed only: both
modes must reach the same certified solution.
"""

import numpy as np
import pytest

import skreg
from skreg.linear_model import _strategy
from skreg.linear_model._layouts import DenseLayout, GramLayout
from skreg.linear_model._preprocess import _alpha_ratio, center_and_weight, make_layouts
from skreg.linear_model._strategy import (
    AUTO_GRAM_MAX_FEATURES,
    GRAM_IF_SMALL_ALPHA,
    GRAM_PAYS_RATIO,
    gram_pays,
    resolve_precompute,
)

BY_ALPHA = GRAM_IF_SMALL_ALPHA


@pytest.mark.parametrize(
    "precompute, n_samples, n_features, sparse, expected",
    [
        # The default (False): covariance mode on tall dense data only, where
        # the alpha decides.
        (False, 50_000, 200, False, BY_ALPHA),
        (False, 50_000, 300, False, BY_ALPHA),
        (False, 2000, 500, False, BY_ALPHA),
        (False, 1000, 100, False, BY_ALPHA),
        (False, 1000, 600, False, False),  # n < 2 p
        (False, 10 * AUTO_GRAM_MAX_FEATURES, AUTO_GRAM_MAX_FEATURES + 1, False, False),
        (False, 500, 5000, False, False),
        (False, 50_000, 200, True, False),  # sparse: never
        # scikit-learn's 'auto': n > p.
        ("auto", 401, 400, False, True),
        ("auto", 101, 100, False, True),
        ("auto", 300, 300, False, False),
        # The user's True is the complete matrix, whatever the shape.
        (True, 10, 5000, False, True),
        (True, 10, 5000, True, False),
    ],
)
def test_resolve_precompute_choice(precompute, n_samples, n_features, sparse, expected):
    assert resolve_precompute(precompute, n_samples, n_features, sparse) == expected


def test_resolve_precompute_keeps_the_users_array():
    gram = np.eye(3)
    assert resolve_precompute(gram, 10, 3, False) is gram


def _design(n_samples=600, n_features=250, seed=0, dtype=np.float64):
    rng = np.random.RandomState(seed)
    shared = rng.randn(n_samples, 1)
    X = 0.6 * shared + 0.8 * rng.randn(n_samples, n_features) + 3.0
    coef = np.zeros(n_features)
    coef[rng.choice(n_features, 15, replace=False)] = rng.randn(15)
    y = X @ coef + 0.5 * rng.randn(n_samples)
    return X.astype(dtype), y.astype(dtype)


@pytest.fixture
def force_mode(monkeypatch):
    """Make the estimators use a given Gram mode."""

    def force(mode):
        monkeypatch.setattr(
            _strategy, "resolve_precompute", lambda *args, **kwargs: mode
        )

    return force


MODES = [True, False]


def _fit_all_modes(force_mode, make, X, y, **fit_params):
    models = {}
    for mode in MODES:
        force_mode(mode)
        models[mode] = make().fit(X, y, **fit_params)
    return models


def _assert_same(models, rtol, atol):
    reference = models[False]
    for mode in (True,):
        np.testing.assert_allclose(
            models[mode].coef_, reference.coef_, rtol=rtol, atol=atol
        )
        np.testing.assert_allclose(
            models[mode].intercept_, reference.intercept_, rtol=rtol, atol=atol
        )


@pytest.mark.parametrize(
    "params",
    [
        {"alpha": 0.05},
        {"alpha": 0.005},  # a large support
        {"alpha": 0.02, "fit_intercept": False},
        {"alpha": 0.02, "positive": True},
    ],
    ids=["alpha_max_10", "large_support", "no_intercept", "positive"],
)
def test_lasso_same_solution_in_every_gram_mode(force_mode, params):
    X, y = _design()
    models = _fit_all_modes(
        force_mode, lambda: skreg.Lasso(tol=1e-12, max_iter=100_000, **params), X, y
    )
    assert np.count_nonzero(models[False].coef_) > 0
    _assert_same(models, rtol=1e-6, atol=1e-9)


def test_elastic_net_sample_weight_same_solution_in_every_gram_mode(force_mode):
    X, y = _design(seed=1)
    sample_weight = np.random.RandomState(2).uniform(0.2, 3.0, X.shape[0])
    models = _fit_all_modes(
        force_mode,
        lambda: skreg.ElasticNet(alpha=0.02, l1_ratio=0.7, tol=1e-12, max_iter=10**5),
        X,
        y,
        sample_weight=sample_weight,
    )
    _assert_same(models, rtol=1e-6, atol=1e-9)


def test_float32_same_solution_in_every_gram_mode(force_mode):
    X, y = _design(seed=3, dtype=np.float32)
    models = _fit_all_modes(
        force_mode, lambda: skreg.Lasso(alpha=0.05, tol=1e-6, max_iter=10**5), X, y
    )
    assert models[True].coef_.dtype == np.float32
    _assert_same(models, rtol=1e-3, atol=1e-4)


def test_multi_target_same_solution_in_every_gram_mode(force_mode):
    X, y = _design(seed=4)
    Y = np.column_stack([y, X[:, :3] @ [1.0, -2.0, 0.5] + 0.1 * y])
    models = _fit_all_modes(
        force_mode, lambda: skreg.Lasso(alpha=0.05, tol=1e-12, max_iter=10**5), X, Y
    )
    assert models[True].coef_.shape == (2, X.shape[1])
    _assert_same(models, rtol=1e-6, atol=1e-9)


def test_warm_start_same_solution_in_every_gram_mode(force_mode):
    X, y = _design(seed=5)
    models = {}
    for mode in MODES:
        force_mode(mode)
        model = skreg.Lasso(alpha=0.05, tol=1e-12, max_iter=10**5, warm_start=True)
        model.fit(X, y)
        model.set_params(alpha=0.01)
        models[mode] = model.fit(X, y)  # starts from the alpha=0.05 solution
    _assert_same(models, rtol=1e-6, atol=1e-9)


def test_lasso_path_same_in_every_gram_mode(force_mode):
    X, y = _design(seed=6)
    X = X - X.mean(0)
    paths = {}
    for mode in MODES:
        force_mode(mode)
        alphas, coefs, _ = skreg.lasso_path(X, y, alphas=20, eps=1e-2, tol=1e-12)
        paths[mode] = coefs
    np.testing.assert_allclose(paths[True], paths[False], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "n_features, alpha_ratio, expected",
    [
        (100, 1.0, False),  # at alpha_max: a tenth of the product's cost pays
        (100, 2.0, True),
        (300, 5.0, False),
        (300, 10.0, True),
        (1000, 100.0, False),
        (1000, 120.0, True),
        (1000, np.inf, True),  # a path, or no L1 penalty
    ],
)
def test_gram_pays_where_the_product_costs_less_than_the_solve(
    n_features, alpha_ratio, expected
):
    assert gram_pays(n_features, alpha_ratio) is expected
    assert gram_pays(n_features, n_features**2 / GRAM_PAYS_RATIO)


def test_alpha_ratio_reads_the_penalized_correlations():
    Xy = np.array([[3.0, -1.0], [-8.0, 2.0], [1.0, 0.5]])
    assert _alpha_ratio(Xy, 2.0, None) == 4.0  # |-8| / 2, the larger target
    # Penalty factors: |x_j'y| / pf_j over penalized features only.
    factor = np.array([0.5, 0.0, 1.0])
    assert _alpha_ratio(Xy, 2.0, factor) == 3.0  # 3 / 0.5 / 2
    assert _alpha_ratio(Xy, None, None) == np.inf
    assert _alpha_ratio(Xy, 0.0, None) == np.inf
    assert _alpha_ratio(Xy, 2.0, np.zeros(3)) == np.inf


@pytest.mark.parametrize("divisor, gram", [(2.0, False), (50.0, True)])
def test_the_alpha_of_a_fit_chooses_covariance_mode(divisor, gram):
    """On 800x300 (the product costs about 150 passes over X), a fit near
    alpha_max solves by residual updates, one at alpha_max / 50 builds
    X'X; both from the caller's X without changing it."""
    X, y = _design(n_samples=800, n_features=300, seed=7)
    X_before = X.copy()
    X_work, y_work, x_offset, _ = center_and_weight(X, y, None, True, False)
    assert resolve_precompute(False, *X.shape, False) == BY_ALPHA
    n = X.shape[0]
    Xc = X - X.mean(0)
    l1 = np.abs(Xc.T @ (y - y.mean())).max() / divisor
    (layout,) = make_layouts(
        X_work, y_work[:, None], None, x_offset, False, centered=False, l1=l1
    )
    assert isinstance(layout, GramLayout if gram else DenseLayout)
    np.testing.assert_allclose(layout.col_norms2, (Xc**2).sum(0), rtol=1e-10)
    model = skreg.Lasso(alpha=l1 / n, tol=1e-12, max_iter=10**5).fit(X, y)
    reference = skreg.Lasso(alpha=l1 / n, tol=1e-12, max_iter=10**5).fit(Xc, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(X, X_before)


@pytest.mark.parametrize("offset", [3.0, 1e4])
def test_gram_centers_implicitly_without_copying_x(force_mode, offset):
    X, y = _design(600, 100, seed=8)
    X = np.asfortranarray(X - X.mean(0) + offset)
    X_before = X.copy()
    X_work, y_work, x_offset, _ = center_and_weight(X, y, None, True, False)
    assert X_work is X  # Fortran float64: not even a copy
    (layout,) = make_layouts(
        X_work, y_work[:, None], None, x_offset, False, centered=False
    )
    assert isinstance(layout, GramLayout)  # a path (no l1): the product pays
    Xc = X - X.mean(0)
    np.testing.assert_allclose(layout.col_norms2, (Xc**2).sum(0), rtol=1e-10)
    # With a mean 1e4 times the spread, implicit centering would cancel: the
    # matrix then comes from a centered copy, as accurate.
    np.testing.assert_allclose(
        layout.problem.gram, Xc.T @ Xc, rtol=1e-7, atol=1e-9 * X.shape[0]
    )
    models = _fit_all_modes(
        force_mode, lambda: skreg.Lasso(alpha=0.02, tol=1e-12, max_iter=10**5), X, y
    )
    _assert_same(models, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(X, X_before)


def _tall_layout(X, y, alpha, fit_intercept=True):
    """The layout of a single ``Lasso(alpha)`` fit on ``(X, y)``."""
    n_samples = X.shape[0]
    # As Lasso.fit: unweighted float64 X left uncentered for the Gram layout.
    X_work, y_work, x_offset, _ = center_and_weight(
        X, y, None, fit_intercept, center_dense=False
    )
    (layout,) = make_layouts(
        X_work, y_work[:, None], None, x_offset, False, centered=False,
        l1=alpha * n_samples,
    )  # fmt: skip
    return layout


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_weakly_coupled_tall_designs_are_solved_by_plain_cd(fit_intercept):
    """Where the Gram matrix would pay by the alpha, a tall design whose
    entering features are weakly coupled (iid columns) gets residual updates
    and plain CD (``plain_suits``); a correlated one (shared factor, as
    ``_design``) keeps the Gram matrix and working sets."""
    from skreg.linear_model._cd_solver import uses_working_set

    rng = np.random.RandomState(0)
    # (A common offset couples the columns of a fit without intercept.)
    X = rng.randn(1200, 300) + (2.0 if fit_intercept else 0.0)
    y = X[:, :10].sum(axis=1) + rng.randn(1200)
    alpha = 1e-4 * np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / 1200
    iid = _tall_layout(X, y, alpha, fit_intercept)
    assert isinstance(iid, DenseLayout)
    # The X'y that chose the layout is kept for the solver, and is its own.
    np.testing.assert_allclose(iid._xty, iid.correlations_at_zero(), rtol=1e-10)
    assert _strategy.coupling(iid) < _strategy.COLD_SWEEP_MAX_COUPLING
    l1 = alpha * 1200
    assert _strategy.plain_suits(iid, l1) and uses_working_set(iid, l1, False)
    # Near alpha_max (where the Gram matrix would not pay) working sets stay.
    assert not _strategy.plain_suits(
        iid, 0.5 * np.abs(iid.correlations_at_zero()).max()
    )
    X_shared, y_shared = _design(n_samples=1200, n_features=300)
    shared = _tall_layout(X_shared, y_shared, alpha, fit_intercept)
    assert isinstance(shared, GramLayout)


def test_plain_cd_on_a_weakly_coupled_tall_design_agrees_with_scikit_learn():
    from sklearn.linear_model import Lasso as SkLasso

    rng = np.random.RandomState(1)
    X = rng.randn(900, 250)
    y = X[:, :20] @ rng.randn(20) + rng.randn(900)
    alpha = 3e-3 * np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / 900
    ours = skreg.Lasso(alpha=alpha, tol=1e-10, max_iter=10_000).fit(X, y)
    theirs = SkLasso(alpha=alpha, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-8)
    assert ours.n_iter_ == theirs.n_iter_  # the same algorithm
