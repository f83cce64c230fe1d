"""Covariance (Gram) mode: which one skreg picks, and that it never changes results.

``resolve_precompute`` chooses between residual updates, a complete Gram
matrix and one built lazily, row by row, as features enter (issue 12).  The
choice is for speed only: every mode must reach the same certified solution.
"""

import numpy as np
import pytest

import skreg
from skreg._kernels.cd import FILL_ALL_FRACTION
from skreg._kernels.problems import LazyGramProblem
from skreg.linear_model import _strategy
from skreg.linear_model._cd_solver import solve_enet
from skreg.linear_model._layouts import DenseLayout
from skreg.linear_model._preprocess import center_and_weight, make_layouts
from skreg.linear_model._strategy import AUTO_GRAM_MAX_FEATURES, resolve_precompute


@pytest.mark.parametrize(
    "precompute, n_samples, n_features, sparse, expected",
    [
        # The default (False): covariance mode on tall dense data only.
        (False, 50_000, 200, False, True),
        (False, 50_000, 300, False, "lazy"),
        (False, 2000, 500, False, "lazy"),
        (False, 1000, 100, False, True),  # small p: the complete matrix
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


MODES = ["lazy", True, False]


def _fit_all_modes(force_mode, make, X, y, **fit_params):
    models = {}
    for mode in MODES:
        force_mode(mode)
        models[mode] = make().fit(X, y, **fit_params)
    return models


def _assert_same(models, rtol, atol):
    reference = models[False]
    for mode in ("lazy", True):
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
    assert models["lazy"].coef_.dtype == np.float32
    _assert_same(models, rtol=1e-3, atol=1e-4)


def test_multi_target_shares_lazy_rows(force_mode):
    X, y = _design(seed=4)
    Y = np.column_stack([y, X[:, :3] @ [1.0, -2.0, 0.5] + 0.1 * y])
    models = _fit_all_modes(
        force_mode, lambda: skreg.Lasso(alpha=0.05, tol=1e-12, max_iter=10**5), X, Y
    )
    assert models["lazy"].coef_.shape == (2, X.shape[1])
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
    for mode in ("lazy", True):
        np.testing.assert_allclose(paths[mode], paths[False], rtol=1e-6, atol=1e-9)


def test_lazy_gram_fills_only_rows_that_enter():
    X, y = _design(n_samples=800, n_features=300, seed=7)
    X_work, y_work, x_offset, _ = center_and_weight(X, y, None, True)
    assert resolve_precompute(False, *X.shape, False) == "lazy"
    (lazy,) = make_layouts(X_work, y_work[:, None], None, x_offset, False)
    dense = DenseLayout(X_work, y_work)
    n = X.shape[0]
    l1 = 0.1 * n
    w_lazy = np.zeros(X.shape[1])
    w_dense = np.zeros(X.shape[1])
    result = solve_enet(lazy, w_lazy, l1, 0.0, max_iter=10_000, tol=1e-12)
    solve_enet(dense, w_dense, l1, 0.0, max_iter=10_000, tol=1e-12)
    filled = lazy.problem.filled
    support = np.flatnonzero(w_lazy)
    assert 0 < support.size < X.shape[1] // 4
    # Every feature of the support has its row, and most features none.
    assert filled[support].all()
    assert filled.sum() < X.shape[1] // 2
    gram = X_work.T @ X_work
    np.testing.assert_allclose(
        lazy.problem.gram[filled], gram[filled], rtol=1e-10, atol=1e-8 * n
    )
    assert result.gap <= result.tol
    np.testing.assert_allclose(w_lazy, w_dense, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("offset", [3.0, 1e4])
@pytest.mark.parametrize("shape", [(800, 300), (600, 100)], ids=["lazy", "complete"])
def test_gram_centers_implicitly_without_copying_x(force_mode, offset, shape):
    X, y = _design(*shape, seed=8)
    X = np.asfortranarray(X - X.mean(0) + offset)
    X_before = X.copy()
    mode = resolve_precompute(False, *shape, False)
    assert mode == ("lazy" if shape[1] == 300 else True)
    X_work, y_work, x_offset, _ = center_and_weight(X, y, None, True, False)
    assert X_work is X  # Fortran float64: not even a copy
    (layout,) = make_layouts(
        X_work, y_work[:, None], None, x_offset, False, centered=False
    )
    Xc = X - X.mean(0)
    np.testing.assert_allclose(layout.col_norms2, (Xc**2).sum(0), rtol=1e-10)
    if mode is True:
        np.testing.assert_allclose(
            layout.problem.gram, Xc.T @ Xc, rtol=1e-7, atol=1e-9 * shape[0]
        )
    elif offset == 3.0:
        # The rows are centered from the caller's X itself.
        assert layout.problem.X is X
        np.testing.assert_allclose(layout.problem.x_mean, x_offset)
    else:
        # A mean 1e4 times the spread would cancel: X is centered by a copy.
        assert layout.problem.X is not X
        assert not layout.problem.x_mean.any()
    models = _fit_all_modes(
        force_mode, lambda: skreg.Lasso(alpha=0.02, tol=1e-12, max_iter=10**5), X, y
    )
    _assert_same(models, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(X, X_before)


def test_lazy_gram_fills_every_row_once_half_are_needed():
    """A support past FILL_ALL_FRACTION of the features: the lazy rows (the
    last ones filled at once, their filled columns copied by symmetry; pinned
    in tests/_kernels/test_cd_kernels.py) are X'X and give the solution of
    residual updates."""
    X, y = _design(n_samples=800, n_features=300, seed=9)
    X_work, y_work, x_offset, _ = center_and_weight(X, y, None, True)
    assert resolve_precompute(False, *X.shape, False) == "lazy"
    (lazy,) = make_layouts(X_work, y_work[:, None], None, x_offset, False)
    assert isinstance(lazy.problem, LazyGramProblem)
    dense = DenseLayout(X_work, y_work)
    n = X.shape[0]
    l1 = 1e-3 * n
    w_lazy = np.zeros(X.shape[1])
    w_dense = np.zeros(X.shape[1])
    result = solve_enet(lazy, w_lazy, l1, 0.0, max_iter=100_000, tol=1e-12)
    solve_enet(dense, w_dense, l1, 0.0, max_iter=100_000, tol=1e-12)
    assert np.count_nonzero(w_lazy) > FILL_ALL_FRACTION * X.shape[1]
    assert lazy.problem.filled.all()
    np.testing.assert_allclose(
        lazy.problem.gram, X_work.T @ X_work, rtol=1e-10, atol=1e-8 * n
    )
    assert result.gap <= result.tol
    np.testing.assert_allclose(w_lazy, w_dense, rtol=1e-7, atol=1e-10)
