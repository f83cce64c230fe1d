"""Gaps certified from Cauchy-Schwarz bounds equal the gaps of a full pass."""

import numpy as np
import pytest
import scipy.sparse as sp

import skreg
from skreg._kernels.bounds import bounded_stats, new_bounds
from skreg._kernels.gap import enet_gap
from skreg._kernels.problems import layout_residual, layout_stats_at
from skreg.linear_model._preprocess import center_and_weight, make_layouts
from tests.conftest import warm_solve


def _layout(sparse, weighted, dtype=np.float64):
    rng = np.random.RandomState(0)
    n, p = 80, 300
    X = rng.randn(n, p).astype(dtype)
    X[:, 5] = 0.0  # a zero column has a zero norm and a zero bound
    y = (X[:, :4] @ np.array([3.0, -2.0, 1.5, 1.0]) + 0.3 * rng.randn(n)).astype(dtype)
    sw = rng.uniform(0.5, 2.0, n) if weighted else None
    if sw is not None:
        sw = sw * n / sw.sum()
    X_in = sp.csc_matrix(X) if sparse else np.asfortranarray(X)
    X_work, y_work, x_offset, _ = center_and_weight(X_in, y, sw, True)
    (layout,) = make_layouts(X_work, y_work[:, None], sw, x_offset, False)
    return layout


def _exact(layout, residual, w, l2):
    xtr = np.empty(layout.n_features, dtype=layout.dtype)
    everything = np.arange(layout.n_features)
    stats = layout_stats_at(layout.problem, residual, w, l2, everything, xtr)
    return xtr, stats


def _residual(layout, w):
    residual = np.empty(layout.n_samples, dtype=layout.dtype)
    assert layout_residual(layout.problem, layout.start(w), residual)
    return residual


def _statistics(layout, bounds, residual, w, l1, l2, xtr):
    return bounded_stats(layout.problem, residual, w, l1, l2, xtr, bounds, True)


@pytest.mark.parametrize(
    "sparse, weighted", [(False, False), (True, False), (True, True)]
)
@pytest.mark.parametrize("l2", [0.0, 3.0])
def test_bounds_hold_and_gap_is_exact(sparse, weighted, l2):
    layout = _layout(sparse, weighted)
    p = layout.n_features
    rng = np.random.RandomState(1)
    w0 = np.zeros(p, dtype=layout.dtype)
    w0[:4] = [2.5, -1.5, 1.0, 0.5]
    reference = _residual(layout, w0)
    xtr_ref, _ = _exact(layout, reference, w0, l2)
    l1 = 0.9 * float(np.max(np.abs(xtr_ref)))

    bounds = new_bounds(layout.col_norms2, layout.n_samples)
    xtr = np.empty(p, dtype=layout.dtype)
    _statistics(layout, bounds, reference, w0, l1, l2, xtr)  # a full pass
    assert list(bounds.meta) == [1, 1], "one snapshot, valid references"

    # A nearby point: the residual moves by a small step of the coefficients.
    w1 = w0.copy()
    w1[:4] += 0.01 * rng.randn(4)
    residual = _residual(layout, w1)
    stats = _statistics(layout, bounds, residual, w1, l1, l2, xtr)
    # A partial pass stores the new residual as a second snapshot.
    assert list(bounds.meta) == [2, 1], "the move is small: most features skipped"

    exact_xtr, exact_stats = _exact(layout, residual, w1, l2)
    np.testing.assert_allclose(stats, exact_stats, rtol=1e-12)
    computed = np.isclose(xtr, exact_xtr, rtol=0, atol=1e-9)
    skipped = ~computed
    assert skipped.sum() > p // 2
    # Skipped entries are upper bounds of |x_j'r| that cannot reach l1 ...
    assert np.all(np.abs(exact_xtr[skipped]) <= np.abs(xtr[skipped]) * (1 + 1e-12))
    assert np.all(np.abs(xtr[skipped]) <= l1)
    # ... so the gap from them is the gap of the full pass.
    penalty, norms = layout.problem.penalty, layout.col_norms2
    gap, dual_norm = enet_gap(w1, xtr, *stats, l1, l2, False, penalty, norms)
    ref_gap, ref_norm = enet_gap(
        w1, exact_xtr, *exact_stats, l1, l2, False, penalty, norms
    )
    assert gap == pytest.approx(ref_gap, rel=1e-10, abs=1e-12)
    assert max(dual_norm, l1) == pytest.approx(max(ref_norm, l1), rel=1e-12)


def test_a_large_move_falls_back_to_a_full_pass():
    layout = _layout(False, False)
    p = layout.n_features
    w = np.zeros(p)
    residual = _residual(layout, w)
    bounds = new_bounds(layout.col_norms2, layout.n_samples)
    xtr = np.empty(p)
    X = layout.problem.X
    l1 = 0.5 * float(np.max(np.abs(X.T @ residual)))
    _statistics(layout, bounds, residual, w, l1, 0.0, xtr)
    _statistics(layout, bounds, 10.0 * residual, w, l1, 0.0, xtr)
    assert list(bounds.meta) == [1, 1], "a full pass keeps one fresh snapshot"
    np.testing.assert_allclose(xtr, X.T @ (10.0 * residual), rtol=1e-12)
    np.testing.assert_allclose(bounds.snapshots[0], 10.0 * residual)


def test_snapshots_nobody_references_are_dropped():
    """Refreshing the same features again and again keeps two snapshots alive.

    The first call is a full pass; its snapshot stays the reference of the
    skipped features.  Each partial pass makes the newest residual the
    support's reference, and the previous one, now unreferenced, is dropped.
    """
    layout = _layout(False, False)
    p = layout.n_features
    rng = np.random.RandomState(3)
    w = np.zeros(p)
    w[:4] = [2.5, -1.5, 1.0, 0.5]
    bounds = new_bounds(layout.col_norms2, layout.n_samples)
    xtr = np.empty(p)
    residual = _residual(layout, w)
    l1 = 0.9 * float(np.max(np.abs(layout.problem.X.T @ residual)))
    counts = []
    for _ in range(12):
        w[:4] += 1e-4 * rng.randn(4)
        _statistics(layout, bounds, _residual(layout, w), w, l1, 0.0, xtr)
        counts.append((int(bounds.meta[0]), int(bounds.meta[1])))
    assert counts == [(1, 1)] + [(2, 1)] * 11  # a full pass, then partial ones
    assert np.all(bounds.snapshot_of[4:][layout.col_norms2[4:] != 0] == 0)
    assert np.all(bounds.snapshot_of[:4] == 1)
    exact, _ = _exact(layout, _residual(layout, w), w, 0.0)
    assert np.all(np.abs(exact) <= np.abs(xtr) * (1 + 1e-12) + 1e-12)


def test_snapshot_rows_are_reused_and_counted():
    """Each row's count is the number of features it is the reference of.

    Along moves of varying size the references stay bounds, a row nobody
    references is taken by the next snapshot (rows in use never exceed
    what the counts need), and features not refreshed keep their reference.
    """
    layout = _layout(True, True)
    p = layout.n_features
    rng = np.random.RandomState(4)
    w = np.zeros(p)
    w[:6] = rng.randn(6)
    bounds = new_bounds(layout.col_norms2, layout.n_samples)
    xtr = np.empty(p)
    residual = _residual(layout, w)
    l1 = 0.5 * float(np.max(np.abs(_exact(layout, residual, w, 0.0)[0])))
    reused = 0
    for _ in range(40):
        w[rng.randint(6)] += 10.0 ** rng.uniform(-4, -1) * rng.randn()
        before = bounds.snapshot_of.copy()
        rows_before = int(bounds.meta[0])
        snapshots_before = bounds.snapshots.copy()
        _statistics(layout, bounds, _residual(layout, w), w, l1, 0.0, xtr)
        n_rows, valid = int(bounds.meta[0]), int(bounds.meta[1])
        counts = np.bincount(bounds.snapshot_of, minlength=bounds.counts.size)
        np.testing.assert_array_equal(bounds.counts, counts)
        assert n_rows <= bounds.snapshots.shape[0]
        assert np.all(bounds.snapshot_of < n_rows)
        moved = bounds.snapshot_of != before
        rewritten = np.any(bounds.snapshots[:n_rows] != snapshots_before[:n_rows])
        if valid and n_rows == rows_before and rewritten:
            reused += 1
        # The features not refreshed keep their reference (no relabelling).
        if valid and n_rows >= rows_before > 1:
            kept = ~moved
            np.testing.assert_array_equal(bounds.snapshot_of[kept], before[kept])
        exact, _ = _exact(layout, _residual(layout, w), w, 0.0)
        assert np.all(np.abs(exact) <= np.abs(xtr) * (1 + 1e-12) + 1e-12)
    assert reused > 0, "freed rows were taken again"


@pytest.mark.parametrize("sparse", [False, True])
def test_path_gaps_certify_the_returned_coefficients(sparse):
    """Each alpha's reported gap bounds its suboptimality, checked from scratch.

    The reported gap may use an extrapolated dual point, so it lies between the
    true suboptimality ``P(w) - P*`` and the gap of the rescaled residual.
    """
    from sklearn.linear_model import lasso_path as sk_lasso_path

    rng = np.random.RandomState(0)
    n, p = 60, 400
    X = rng.randn(n, p)
    y = X[:, :10] @ rng.randn(10) + 0.5 * rng.randn(n)
    X -= X.mean(axis=0)
    y -= y.mean()
    X = np.asfortranarray(X)
    X_in = sp.csc_matrix(X) if sparse else X
    alphas, coefs, gaps, n_iters = skreg.lasso_path(
        X_in, y, alphas=30, eps=1e-2, tol=1e-8, return_n_iter=True
    )
    _, optimal, _ = sk_lasso_path(X, y, alphas=alphas, tol=1e-14, max_iter=100_000)

    def primal(w, alpha):
        r = y - X @ w
        return 0.5 * r @ r / n + alpha * np.abs(w).sum()

    assert np.sum(np.asarray(n_iters) > 1) >= 10  # most alphas take sweeps
    for k, alpha in enumerate(alphas):
        w, reported = coefs[:, k], gaps[k]
        r = y - X @ w
        scale = min(1.0, alpha * n / np.max(np.abs(X.T @ r)))
        naive_gap = primal(w, alpha) - (
            -0.5 * scale**2 * (r @ r) / n + scale * (r @ y) / n
        )
        suboptimality = primal(w, alpha) - primal(optimal[:, k], alpha)
        assert suboptimality <= reported + 1e-12
        assert reported <= 1e-8 * (y @ y) / n
        # A warm start certified at once (with the path's moved warm starts,
        # often) gets one sweep over its support and keeps the certificate
        # it had (the sweep only lowers the primal): that report may exceed
        # the rescaled residual's gap at the returned coefficients.
        if n_iters[k] > 1:
            assert reported <= naive_gap * (1 + 1e-9) + 1e-12


@pytest.mark.parametrize(
    "sparse, weighted", [(False, False), (True, False), (True, True)]
)
def test_a_path_carries_the_state_of_its_coefficients(sparse, weighted):
    """Along a path each solve starts from the previous solve's state.

    After many alphas the carried state (updated in place, never rebuilt) must
    still be the state of the coefficients, and the path's coefficients those
    of cold-started solves at each alpha, within the tolerance.
    """
    from skreg.linear_model._cd_solver import solve_enet

    layout = _layout(sparse, weighted)
    p = layout.n_features
    xty = np.abs(_exact(layout, _residual(layout, np.zeros(p)), np.zeros(p), 0.0)[0])
    coef = np.zeros(p, dtype=layout.dtype)
    result = None
    tol = 1e-10
    for l1 in np.geomspace(xty.max(), xty.max() / 50, 12):
        result = warm_solve(
            layout, coef, l1, tol=tol, path_gap=10 * tol, previous=result
        )
        rebuilt = layout.start(coef)
        for carried, fresh in zip(result.state, rebuilt, strict=True):
            np.testing.assert_allclose(carried, fresh, rtol=1e-9, atol=1e-9)
        cold = np.zeros(p, dtype=layout.dtype)
        solve_enet(layout, cold, l1, 0.0, max_iter=10_000, tol=tol)
        assert np.count_nonzero(coef) > 0 or l1 == xty.max()
        np.testing.assert_allclose(coef, cold, atol=1e-4)
