"""Compiled CD kernels against plain NumPy references.

These tests also run with ``NUMBA_DISABLE_JIT=1`` (see
``tests/test_pure_python_kernels.py``), so the pure-Python reading of each
kernel is checked too.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from skreg._kernels.cd import (
    cd_sweep_dense,
    cd_sweep_gram,
    cd_sweep_sparse,
)
from skreg._kernels.gap import (
    enet_gap,
    residual_stats_dense,
    residual_stats_gram,
    residual_stats_sparse,
)
from skreg._kernels.problems import (
    GramProblem,
    SparseProblem,
    penalty_weights,
)
from skreg._kernels.prox import enet_coordinate_update, soft_threshold

# Empty penalty factors: all ones, the default of every estimator.
NO_PF = None  # all ones
NO_PENALTY = penalty_weights(None, np.float64)


def reference_sweep(X, y, w, l1, l2, positive, order, sample_weight=None, x_mean=None):
    """Plain NumPy CD sweep on the centered, weighted design."""
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    sw = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    Xc = X - (0 if x_mean is None else x_mean)
    w = w.astype(np.float64).copy()
    for j in order:
        r = y - Xc @ w
        norm2 = sw @ Xc[:, j] ** 2
        if norm2 == 0:
            continue
        corr = Xc[:, j] @ (sw * r) + norm2 * w[j]
        if positive and corr < 0:
            w[j] = 0.0
        else:
            w[j] = np.sign(corr) * max(abs(corr) - l1, 0.0) / (norm2 + l2)
    return w


def reference_gap(Xc, y, w, l1, l2, positive, sw=None):
    """Primal minus dual of the (weighted) elastic net, formulation A."""
    sw = np.ones(len(y)) if sw is None else sw
    r = y - Xc @ w
    primal = 0.5 * (sw @ r**2 + l2 * w @ w) + l1 * np.abs(w).sum()
    xtr = Xc.T @ (sw * r) - l2 * w
    dual_norm = np.max(xtr) if positive else np.max(np.abs(xtr))
    scale = min(1.0, l1 / dual_norm) if dual_norm > 0 else 1.0
    dual = -0.5 * scale**2 * (sw @ r**2 + l2 * w @ w) + scale * (sw * r) @ y
    return primal - dual


@pytest.fixture
def problem():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 8)
    X[:, 3] = 0.0  # an all-zero column must be skipped
    y = rng.randn(30)
    w = rng.randn(8) * 0.1
    return np.asfortranarray(X), y, w


def test_soft_threshold_matches_numpy():
    x = np.linspace(-3, 3, 61)
    got = np.array([soft_threshold(v, 1.25) for v in x])
    np.testing.assert_allclose(got, np.sign(x) * np.maximum(np.abs(x) - 1.25, 0))


def test_coordinate_update_positive_clips_negative_correlation():
    assert enet_coordinate_update(-2.0, 0.5, 2.0, True) == 0.0
    assert enet_coordinate_update(-2.0, 0.5, 2.0, False) == pytest.approx(-0.75)
    assert enet_coordinate_update(2.0, 0.5, 2.0, True) == pytest.approx(0.75)


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l2", [0.0, 3.0])
def test_dense_sweep_matches_reference(problem, positive, l2):
    X, y, w0 = problem
    order = np.array([0, 5, 1, 3, 7, 2, 6, 4])
    w = w0.copy()
    residual = y - X @ w
    norms = (X**2).sum(axis=0)
    delta, wmax, move = cd_sweep_dense(
        X, residual, w, norms, 2.0, l2, positive, order, NO_PF
    )
    expected = reference_sweep(X, y, w0, 2.0, l2, positive, order)
    np.testing.assert_allclose(w, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(residual, y - X @ w, atol=1e-12)
    assert wmax == pytest.approx(np.abs(w[order]).max())
    assert delta == pytest.approx(np.abs(w - w0).max())
    assert move == pytest.approx((norms * (w - w0) ** 2).max())


def test_gram_sweep_matches_dense_sweep(problem):
    X, y, w0 = problem
    order = np.arange(8)
    w_dense, w_gram = w0.copy(), w0.copy()
    residual = y - X @ w0
    dense_out = cd_sweep_dense(
        X, residual, w_dense, (X**2).sum(0), 1.5, 0.5, False, order, NO_PF
    )
    gram = np.ascontiguousarray(X.T @ X)
    gram_w = gram @ w_gram
    problem_gram = GramProblem(gram, X.T @ y, np.diag(gram).copy(), y @ y, NO_PENALTY)
    gram_out = cd_sweep_gram(problem_gram, (gram_w,), w_gram, 1.5, 0.5, False, order)
    np.testing.assert_allclose(w_gram, w_dense, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gram_w, gram @ w_gram, atol=1e-12)
    np.testing.assert_allclose(gram_out, dense_out, rtol=1e-10)
    assert (w_gram != w0).any()


@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_sweep_matches_reference_with_implicit_centering(problem, weighted):
    X, y, w0 = problem
    rng = np.random.RandomState(1)
    X = X * (rng.rand(*X.shape) < 0.4)
    Xs = sp.csc_matrix(X)
    sw = rng.rand(30) + 0.5 if weighted else np.ones(30)
    x_mean = np.average(X, axis=0, weights=sw)
    yc = y - np.average(y, weights=sw)
    Xc = X - x_mean
    col_wsum = sw @ X
    norms = sw @ Xc**2
    w = w0.copy()
    raw = yc - X @ w
    shift = np.array([x_mean @ w, 0.0])
    shift[1] = sw @ (raw + shift[0])
    order = np.arange(8)
    sparse = SparseProblem(
        Xs.data,
        Xs.indices,
        Xs.indptr,
        sw,
        weighted,
        True,
        x_mean,
        col_wsum,
        norms,
        yc,
        float(sw.sum()),
        NO_PENALTY,
    )
    delta, wmax, move = cd_sweep_sparse(
        sparse,
        (raw, shift),
        w,
        1.0,
        0.5,
        False,
        order,
    )
    expected = reference_sweep(X, yc, w0, 1.0, 0.5, False, order, sw, x_mean)
    np.testing.assert_allclose(w, expected, rtol=1e-11, atol=1e-13)
    # the largest move in the centred columns' weighted norms
    assert move == pytest.approx((norms * (w - w0) ** 2).max())
    assert delta == pytest.approx(np.abs(w - w0).max())
    assert wmax == pytest.approx(np.abs(w).max())
    np.testing.assert_allclose(raw + shift[0], yc - Xc @ w, atol=1e-11)
    np.testing.assert_allclose(shift[1], sw @ (yc - Xc @ w), atol=1e-10)


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l2", [0.0, 2.0])
def test_gap_all_layouts_match_reference(problem, positive, l2):
    X, y, w = problem
    l1 = 1.7
    expected = reference_gap(X, y, w, l1, l2, positive)
    xtr = np.empty(8)
    residual = y - X @ w
    r2, ry = residual_stats_dense(X, y, residual, w, l2, True, np.arange(8), xtr, NO_PF)
    gap_dense, _ = enet_gap(w, xtr, r2, ry, l1, l2, positive, NO_PENALTY, NO_PF)
    gram = np.ascontiguousarray(X.T @ X)
    r2, ry = residual_stats_gram(
        gram @ w, X.T @ y, y @ y, w, l2, True, np.arange(8), xtr, NO_PF
    )
    gap_gram, _ = enet_gap(w, xtr, r2, ry, l1, l2, positive, NO_PENALTY, NO_PF)
    Xs = sp.csc_matrix(X)
    ones, zeros = np.ones(30), np.zeros(8)
    raw = y - X @ w
    shift = np.array([0.0, raw.sum()])
    sparse = SparseProblem(
        Xs.data,
        Xs.indices,
        Xs.indptr,
        ones,
        False,
        False,
        zeros,
        ones @ X,
        zeros,
        y,
        30.0,
        NO_PENALTY,
    )
    r2, ry = residual_stats_sparse(
        sparse,
        (raw, shift),
        w,
        l2,
        True,
        np.arange(8),
        xtr,
    )
    gap_sparse, _ = enet_gap(w, xtr, r2, ry, l1, l2, positive, NO_PENALTY, NO_PF)
    for gap in (gap_dense, gap_gram, gap_sparse):
        assert gap == pytest.approx(expected, rel=1e-10)
        assert gap >= 0


def test_gap_ridge_and_ols_formulations(problem):
    X, y, w = problem
    residual = y - X @ w
    xtr = np.empty(8)
    r2, ry = residual_stats_dense(
        X, y, residual, w, 2.0, False, np.arange(8), xtr, NO_PF
    )
    gap_ols, grad2 = enet_gap(w, xtr, r2, ry, 0.0, 0.0, False, NO_PENALTY, NO_PF)
    assert gap_ols == pytest.approx(np.sum((X.T @ residual) ** 2))
    gap_ridge, _ = enet_gap(w, xtr, r2, ry, 0.0, 2.0, False, NO_PENALTY, NO_PF)
    # Ridge optimum: gap must vanish there.
    w_star = np.linalg.solve(X.T @ X + 2.0 * np.eye(8), X.T @ y)
    residual = y - X @ w_star
    r2, ry = residual_stats_dense(
        X, y, residual, w_star, 2.0, False, np.arange(8), xtr, NO_PF
    )
    gap_star, _ = enet_gap(w_star, xtr, r2, ry, 0.0, 2.0, False, NO_PENALTY, NO_PF)
    assert gap_ridge > 1e-3
    assert abs(gap_star) < 1e-9


def test_float32_kernels_stay_float32(problem):
    X, y, w = problem
    X32, y32, w32 = (np.asfortranarray(a, dtype=np.float32) for a in (X, y, w))
    residual = y32 - X32 @ w32
    norms = (X32**2).sum(0)
    one = np.float32(1.0)
    delta, wmax, move = cd_sweep_dense(
        X32, residual, w32, norms, one, one, False, np.arange(8), NO_PF
    )
    assert w32.dtype == np.float32 and residual.dtype == np.float32
    w64 = w.copy()
    cd_sweep_dense(
        X, y - X @ w64, w64, (X**2).sum(0), 1.0, 1.0, False, np.arange(8), NO_PF
    )
    np.testing.assert_allclose(w32, w64, rtol=1e-4, atol=1e-5)
    assert delta >= 0 and wmax > 0 and move >= 0
