"""The working-set solver against plain CD and scikit-learn, with a certified gap."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk

import skreg
from skreg.linear_model._cd_solver import solve_enet
from skreg.linear_model._preprocess import center_and_weight, make_layouts
from tests.conftest import warm_solve


@pytest.fixture(scope="module")
def wide_problem():
    """Correlated design with more features than samples (AR(1), rho=0.5)."""
    rng = np.random.RandomState(0)
    n, p = 120, 400
    Z = rng.randn(n, p)
    X = np.empty((n, p))
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(0.75) * Z[:, j]
    w = np.zeros(p)
    w[rng.choice(p, 15, replace=False)] = rng.randn(15)
    y = X @ w + 0.5 * rng.randn(n)
    return np.asfortranarray(X), y


def _solve(
    X, y, alpha, l1_ratio, working_set, positive=False, sparse=False, sample_weight=None
):
    X_in = sp.csc_matrix(X) if sparse else X
    X_work, y_work, x_offset, _ = center_and_weight(X_in, y, sample_weight, True)
    (layout,) = make_layouts(X_work, y_work[:, None], sample_weight, x_offset, False)
    n = X.shape[0]
    coef = np.zeros(X.shape[1])
    result = solve_enet(
        layout,
        coef,
        alpha * l1_ratio * n,
        alpha * (1 - l1_ratio) * n,
        max_iter=100_000,
        tol=1e-12,
        positive=positive,
        working_set=working_set,
    )
    return coef, result


@pytest.mark.parametrize("l1_ratio", [1.0, 0.7])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_working_sets_match_plain_cd(wide_problem, l1_ratio, sparse, positive):
    X, y = wide_problem
    alpha = 0.02
    sw = np.random.RandomState(1).uniform(0.5, 2, len(y)) if sparse else None
    if sw is not None:
        sw = sw * len(y) / sw.sum()
    ws, ws_result = _solve(X, y, alpha, l1_ratio, True, positive, sparse, sw)
    plain, _ = _solve(X, y, alpha, l1_ratio, False, positive, sparse, sw)
    assert np.max(np.abs(ws - plain)) <= 1e-8 * max(1.0, np.max(np.abs(plain)))
    assert ws_result.gap <= ws_result.tol


def test_lasso_on_wide_data_matches_sklearn(wide_problem):
    X, y = wide_problem
    for alpha in (0.1, 0.01):
        ours = skreg.Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
        ref = sk.Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6)


@pytest.mark.parametrize("alpha, noise", [(0.05, 1e-6), (0.1, 1e-8), (0.01, 1e-8)])
def test_screening_never_drops_a_feature_of_the_optimum(wide_problem, alpha, noise):
    """Features discarded by gap-safe rules are zero in the exact solution."""
    from skreg._kernels.cd_plain import full_gap, screen

    X, y = wide_problem
    n, p = X.shape
    exact, _ = _solve(X, y, alpha, 1.0, False)
    X_work, y_work, x_offset, _ = center_and_weight(X, y, None, True)
    (layout,) = make_layouts(X_work, y_work[:, None], None, x_offset, False)
    # A point near the optimum, as the solver has in its last iterations.
    rough = exact + np.random.RandomState(2).normal(0, noise, p) * (exact != 0)
    state = layout.start(rough)
    xtr = np.empty(p)
    everything = np.arange(p)
    gap, dual_norm, *_ = full_gap(
        layout.problem,
        state,
        rough,
        alpha * n,
        0.0,
        0.0,
        False,
        xtr,
        everything,
        everything,
    )
    active = everything.copy()
    n_kept = screen(
        layout.problem, state, rough, active, p, xtr, dual_norm, gap, alpha * n, 0.0
    )
    kept = active[:n_kept]
    dropped = np.setdiff1d(everything, kept)
    assert dropped.size > p // 2
    assert np.all(exact[dropped] == 0)
    assert set(np.flatnonzero(exact)) <= set(kept)


@pytest.mark.parametrize("sparse", [False, True])
def test_reused_buffers_give_the_path_of_fresh_ones(wide_problem, sparse):
    """A path reuses the solver's work arrays from one alpha to the next.

    Whatever they hold on entry (here NaN, and a dual point marked valid), the
    coefficients, gaps and sweeps are those of solves with fresh arrays, and
    the support the kernel lists is that of the coefficients.
    """
    from skreg._kernels.cd_working_set import new_buffers

    X, y = wide_problem
    X_in = sp.csc_matrix(X) if sparse else X
    X_work, y_work, x_offset, _ = center_and_weight(X_in, y, None, True)
    (layout,) = make_layouts(X_work, y_work[:, None], None, x_offset, False)
    p = X.shape[1]
    start = layout.start(np.zeros(p))
    l1_max = np.max(np.abs(layout.correlations(start, np.arange(p))))
    garbage = new_buffers(p, layout.n_samples, layout.dtype)
    for array in garbage:
        array.fill(np.nan if array.dtype.kind == "f" else 1)
    garbage.everything[:] = np.arange(p)  # the one array with fixed contents
    runs = {}
    for reuse in (False, True):
        coef = np.zeros(p)
        result = None
        buffers = garbage if reuse else None
        runs[reuse] = []
        for l1 in np.geomspace(l1_max, l1_max / 100, 15):
            result = warm_solve(
                layout, coef, l1, tol=1e-8, path_gap=1e-7, previous=result,
                buffers=buffers,
            )  # fmt: skip
            if reuse:
                assert result.buffers is garbage
                buffers = result.buffers
            np.testing.assert_array_equal(result.support, np.flatnonzero(coef))
            runs[reuse].append((coef.copy(), result.gap, result.n_iter))
    assert np.count_nonzero(runs[True][-1][0]) > 10
    for (fresh, gap, n_iter), (reused, gap_r, n_iter_r) in zip(
        runs[False], runs[True], strict=True
    ):
        np.testing.assert_array_equal(reused, fresh)
        assert (gap_r, n_iter_r) == (gap, n_iter)


def _dense_layout(X, y):
    X_work, y_work, x_offset, _ = center_and_weight(X, y, np.ones(len(y)), True)
    (layout,) = make_layouts(X_work, y_work[:, None], None, x_offset, False)
    return layout


def test_a_cold_sweep_where_the_entering_features_are_weakly_coupled():
    """The strategy: a dense cold start sweeps every feature once only where
    the features most correlated with y are weakly correlated with each
    other (iid columns), not on an equicorrelated design; sparse data always
    does."""
    from skreg.linear_model._strategy import (
        COLD_SWEEP_MAX_COUPLING,
        cold_sweep,
        coupling,
    )
    from tests.conftest import equicorrelated

    rng = np.random.RandomState(0)
    X = rng.randn(300, 400)
    y = X[:, :10].sum(axis=1) + rng.randn(300)
    iid = _dense_layout(np.asfortranarray(X), y)
    assert coupling(iid) < COLD_SWEEP_MAX_COUPLING / 2 and cold_sweep(iid)
    assert iid._coupling == coupling(iid)  # once per layout
    X_eq, y_eq = equicorrelated(300, 400, rho=0.5)
    correlated = _dense_layout(np.asfortranarray(X_eq), y_eq)
    assert coupling(correlated) > 2 * COLD_SWEEP_MAX_COUPLING
    assert not cold_sweep(correlated)
    sparse = _dense_layout(sp.csc_matrix(X_eq), y_eq)
    assert cold_sweep(sparse)
    # Wide dense data (ten features a sample) takes routes, not the sweep,
    # and pays nothing for the coupling.
    wide = _dense_layout(np.asfortranarray(rng.randn(40, 400)), rng.randn(40))
    assert not cold_sweep(wide) and not hasattr(wide, "_coupling")


@pytest.mark.parametrize("coupling_limit", [-1.0, 0.2, 2.0])
def test_the_cold_sweep_changes_no_result_beyond_tol(monkeypatch, coupling_limit):
    """With the sweep never, by the rule, or always taken, a dense fit
    agrees with scikit-learn's to the tolerance."""
    from skreg.linear_model import _strategy

    monkeypatch.setattr(_strategy, "COLD_SWEEP_MAX_COUPLING", coupling_limit)
    rng = np.random.RandomState(1)
    X = np.asfortranarray(rng.randn(200, 300))
    y = X[:, :20] @ rng.randn(20) + rng.randn(200)
    alpha = 0.01 * np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / 200
    ours = skreg.Lasso(alpha=alpha, tol=1e-10, max_iter=10_000).fit(X, y)
    theirs = sk.Lasso(alpha=alpha, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-6)
