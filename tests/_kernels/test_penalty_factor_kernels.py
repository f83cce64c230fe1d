"""Penalty factors in the CD kernels, against NumPy references (also without JIT).

The penalty is ``sum_j pf_j (l1 |w_j| + l2/2 w_j^2)``; an empty factor array
means all ones.  Run with ``NUMBA_DISABLE_JIT=1`` too (see
``tests/test_pure_python_kernels.py``).
"""

import numpy as np
import pytest
import scipy.sparse as sp

from skreg._kernels.cd import cd_sweep_dense, cd_sweep_gram
from skreg._kernels.cd_plain import full_gap, plain_cd_work
from skreg._kernels.gap import enet_gap, residual_stats_dense
from skreg._kernels.problems import GramProblem, penalty_weights
from skreg.linear_model._cd_solver import (
    plain_path_kernel,
    solve_once,
    working_set_path_kernel,
)
from skreg.linear_model._preprocess import center_and_weight, make_layouts

PF = np.array([1.0, 0.5, 2.0, 0.0, 1.5, 0.25, 3.0, 0.0])


@pytest.fixture
def problem():
    rng = np.random.RandomState(0)
    X = rng.randn(30, 8)
    y = X @ rng.randn(8) + 0.1 * rng.randn(30)
    w = np.array([0.5, -1.0, 0.0, 2.0, 0.0, 0.3, 0.0, -0.2])
    return np.asfortranarray(X), y, w


def reference_weighted_sweep(X, y, w, l1, l2, positive, order, pf):
    w = w.copy()
    for j in order:
        r = y - X @ w
        norm2 = X[:, j] @ X[:, j]
        corr = X[:, j] @ r + norm2 * w[j]
        if positive and corr < 0:
            w[j] = 0.0
        else:
            w[j] = np.sign(corr) * max(abs(corr) - l1 * pf[j], 0) / (norm2 + l2 * pf[j])
    return w


@pytest.mark.parametrize("positive", [False, True])
def test_weighted_sweeps_match_reference(problem, positive):
    X, y, w0 = problem
    order = np.array([0, 5, 1, 3, 7, 2, 6, 4])
    expected = reference_weighted_sweep(X, y, w0, 2.0, 1.5, positive, order, PF)
    w = w0.copy()
    residual = y - X @ w
    cd_sweep_dense(X, residual, w, (X**2).sum(0), 2.0, 1.5, positive, order, PF)
    np.testing.assert_allclose(w, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(residual, y - X @ w, atol=1e-12)
    gram = np.ascontiguousarray(X.T @ X)
    w_gram = w0.copy()
    gram_w = gram @ w_gram
    problem_gram = GramProblem(
        gram,
        X.T @ y,
        np.diag(gram).copy(),
        y @ y,
        penalty_weights(PF, np.float64, lambda u: gram[u][:, u]),
    )
    cd_sweep_gram(problem_gram, (gram_w,), w_gram, 2.0, 1.5, positive, order)
    np.testing.assert_allclose(w_gram, expected, rtol=1e-12, atol=1e-14)


def test_factors_of_one_are_bit_identical_to_no_factors(problem):
    X, y, w0 = problem
    order = np.arange(8)
    runs = []
    for pf in (None, np.ones(8)):
        w = w0.copy()
        cd_sweep_dense(X, y - X @ w, w, (X**2).sum(0), 2.0, 1.5, False, order, pf)
        runs.append(w)
    assert np.array_equal(runs[0], runs[1])


def weighted_gap_reference(X, y, w, l1, l2, pf):
    """Gap of the problem with the unpenalized w_U held fixed, plus the gain
    of one exact step on each unpenalized coordinate (the kernel's rule)."""
    r = y - X @ w
    pen = pf > 0
    primal = 0.5 * (r @ r + l2 * pf @ w**2) + l1 * pf @ np.abs(w)
    xtr = X.T @ r - l2 * pf * w
    dual_norm = np.max(np.abs(xtr[pen]) / pf[pen])
    s = min(1.0, l1 / dual_norm)
    fixed = w[~pen] @ xtr[~pen]
    dual = -0.5 * s**2 * (r @ r + l2 * pf @ w**2) + s * (r @ y - fixed)
    norms = (X[:, ~pen] ** 2).sum(0)
    decrement = np.sum(xtr[~pen] ** 2 / (2 * norms))
    return primal - dual + decrement


@pytest.mark.parametrize("l2", [0.0, 2.0])
def test_weighted_gap_matches_reference(problem, l2):
    X, y, w = problem
    l1 = 3.0
    penalty = penalty_weights(PF, np.float64, lambda u: X[:, u].T @ X[:, u])
    xtr = np.empty(8)
    r2, ry = residual_stats_dense(
        X, y, y - X @ w, w, l2, True, np.arange(8), xtr, penalty.factor
    )
    gap, _ = enet_gap(w, xtr, r2, ry, l1, l2, False, penalty, (X**2).sum(0))
    assert gap == pytest.approx(weighted_gap_reference(X, y, w, l1, l2, PF))
    assert gap > 0


def _layout(kind, pf):
    rng = np.random.RandomState(3)
    n, p = 40, 60
    X = rng.randn(n, p)
    X[rng.rand(n, p) < 0.3] = 0.0
    y = X[:, :5] @ np.array([2.0, -1.0, 0.5, 1.0, 1.5]) + 0.1 * rng.randn(n)
    sw = rng.uniform(0.5, 2.0, n)
    sw *= n / sw.sum()
    X_in = sp.csc_matrix(X) if kind == "sparse" else np.asfortranarray(X)
    X_work, y_work, x_offset, _ = center_and_weight(X_in, y, sw, True)
    (layout,) = make_layouts(
        X_work, y_work[:, None], sw, x_offset, kind == "gram", penalty_factor=pf
    )
    return layout


def _gap(layout, w, l1, l2, positive):
    state = layout.start(w)
    xtr, _, everything = plain_cd_work(layout.n_features, w.dtype)
    return full_gap(
        layout.problem,
        state,
        w.copy(),
        l1,
        l2,
        l2,
        positive,
        xtr,
        everything,
        everything,
    )[0]


@pytest.mark.parametrize("kind", ["dense", "gram", "sparse"])
@pytest.mark.parametrize("positive", [False, True])
def test_plain_and_working_set_solvers_agree_with_factors(kind, positive):
    pf = np.ones(60)
    pf[[2, 30]] = 0.0  # unpenalized, one of them in the true support
    pf[10:20] = 0.3
    pf[40:50] = 4.0
    layout = _layout(kind, pf)
    l1, l2 = 2.0, 0.5
    tol = 1e-13 * layout.y_norm2
    w_plain = np.zeros(60)
    solve_once(
        plain_path_kernel, layout, layout.start(w_plain), w_plain, l1, l2,
        positive=positive, max_iter=100_000, tol=1e-13, screening=True,
        path_gap=0.0,
    )  # fmt: skip
    w_ws = np.zeros(60)
    gap, _ = solve_once(
        working_set_path_kernel, layout, layout.start(w_ws), w_ws, l1, l2,
        positive=positive, max_iter=100_000, tol=1e-13, screening=True,
        path_gap=0.0, solver=(10, 12, 0.3), cold=kind == "sparse",
    )  # fmt: skip
    assert gap <= tol
    np.testing.assert_allclose(w_ws, w_plain, atol=1e-6)
    assert w_plain[2] != 0 and w_plain[30] != 0
    # Both are certified on the full problem: the gap there is tiny.
    assert _gap(layout, w_plain, l1, l2, positive) <= 1e-9 * layout.y_norm2
