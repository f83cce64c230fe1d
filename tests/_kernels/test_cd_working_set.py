"""The compiled working-set solver on the three layouts (also run without JIT)."""

import numpy as np
import pytest
import scipy.sparse as sp

from skreg._kernels.cd_working_set import _select, anderson_point, kth_smallest
from skreg.linear_model._cd_solver import (
    plain_path_kernel,
    solve_once,
    working_set_path_kernel,
)
from skreg.linear_model._preprocess import center_and_weight, make_layouts


def _layout(kind, seed=0):
    rng = np.random.RandomState(seed)
    n, p = 30, 60
    X = rng.randn(n, p)
    X[:, 7] = 0.0
    X[rng.rand(n, p) < 0.3] = 0.0
    y = X[:, :4] @ np.array([2.0, -1.0, 0.5, 1.0]) + 0.1 * rng.randn(n)
    sw = rng.uniform(0.5, 2.0, n)
    sw *= n / sw.sum()
    X_in = sp.csc_matrix(X) if kind == "sparse" else np.asfortranarray(X)
    X_work, y_work, x_offset, _ = center_and_weight(X_in, y, sw, True)
    (layout,) = make_layouts(X_work, y_work[:, None], sw, x_offset, kind == "gram")
    return layout


def _plain(layout, l1, l2, positive):
    w = np.zeros(layout.n_features)
    tol = 1e-14
    solve_once(
        plain_path_kernel,
        layout,
        layout.start(w),
        w,
        l1,
        l2,
        positive=positive,
        max_iter=100_000,
        tol=tol,
        screening=True,
        path_gap=0.0,
    )
    return w


@pytest.mark.parametrize("kind", ["dense", "gram", "sparse"])
@pytest.mark.parametrize("l2", [0.0, 3.0])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("cold_sweep", [False, True])
def test_working_sets_reach_the_plain_cd_solution(kind, l2, positive, cold_sweep):
    layout = _layout(kind)
    l1 = 2.0
    expected = _plain(layout, l1, l2, positive)
    w = np.zeros(layout.n_features)
    tol_scaled = 1e-12 * layout.y_norm2
    gap, n_sweeps = solve_once(
        working_set_path_kernel,
        layout,
        layout.start(w),
        w,
        l1,
        l2,
        positive=positive,
        max_iter=10_000,
        tol=1e-12,
        screening=True,
        path_gap=0.0,
        solver=(4, 5, 0.3),
        cold=cold_sweep,
    )
    assert 0 <= gap <= tol_scaled
    assert 0 < n_sweeps < 10_000
    np.testing.assert_allclose(w, expected, rtol=1e-5, atol=1e-7)
    if positive:
        assert np.all(w >= 0)
    assert w[7] == 0  # the zero column never enters


def test_max_iter_stops_the_solver_with_an_honest_gap():
    layout = _layout("dense")
    w = np.zeros(layout.n_features)
    gap, n_sweeps = solve_once(
        working_set_path_kernel,
        layout,
        layout.start(w),
        w,
        0.5,
        0.0,
        positive=False,
        max_iter=1,
        tol=0.0,
        screening=True,
        path_gap=0.0,
        solver=(4, 5, 0.3),
    )
    assert gap > 0
    assert n_sweeps >= 1


def test_anderson_point_finds_the_limit_of_a_linear_sequence():
    contraction = np.diag([0.9, 0.5, 0.3])
    limit = np.array([1.0, -2.0, 0.5])
    x = np.zeros(3)
    iterates = [x.copy()]
    for _ in range(5):
        x = limit + contraction @ (x - limit)
        iterates.append(x.copy())
    out = np.empty(3)
    assert anderson_point(np.array(iterates), out)
    np.testing.assert_allclose(out, limit, atol=1e-5)
    # Plain iteration is still far from the limit after five steps.
    assert np.abs(iterates[-1] - limit).max() > 0.5


def test_anderson_point_refuses_a_non_finite_sequence():
    iterates = np.array([[0.0, 1.0], [np.inf, 1.0], [1.0, 1.0]])
    out = np.zeros(2)
    assert not anderson_point(iterates, out)
    assert np.all(out == 0)


@pytest.mark.parametrize("kind", ["dense", "gram", "sparse"])
@pytest.mark.parametrize("solver", ["plain", "working_set"])
def test_a_converged_warm_start_still_sweeps_its_support_once(kind, solver):
    """A path (path_gap > 0): one sweep over the support, the certificate kept valid."""
    layout = _layout(kind)
    l1 = 2.0
    w = _plain(layout, 1.05 * l1, 0.0, False)  # a nearby alpha's solution
    support = np.flatnonzero(w)
    start = w.copy()
    kernel, options = plain_path_kernel, {}
    if solver == "working_set":
        kernel, options = working_set_path_kernel, {"solver": (4, 5, 0.3)}
    # tol=1e3: the start meets it already
    gap, n_iter = solve_once(
        kernel, layout, layout.start(w), w, l1, 0.0, positive=False,
        max_iter=100, tol=1e3, screening=True, path_gap=1e3, **options,
    )  # fmt: skip
    assert n_iter == 1
    assert np.any(w[support] != start[support]), "the support moved"
    assert np.all(w[start == 0] == 0), "only the support is swept"
    # The returned gap still bounds the suboptimality of the new point.
    expected = _plain(layout, l1, 0.0, False)
    assert _primal(layout, w, l1) - _primal(layout, expected, l1) <= gap + 1e-9
    assert _primal(layout, w, l1) < _primal(layout, start, l1)


def _primal(layout, w, l1):
    """The layout's Lasso objective up to a constant, from its own arrays."""
    problem = layout.problem
    if hasattr(problem, "gram"):
        return 0.5 * w @ problem.gram @ w - w @ problem.xty + l1 * np.abs(w).sum()
    if hasattr(problem, "X"):
        residual = problem.y - problem.X @ w
        return 0.5 * residual @ residual + l1 * np.abs(w).sum()
    n = problem.y.shape[0]
    csc = (problem.data, problem.indices, problem.indptr)
    X = sp.csc_matrix(csc, shape=(n, len(w)))
    residual = problem.y - (X.toarray() - problem.x_mean) @ w
    return 0.5 * residual @ (problem.sample_weight * residual) + l1 * np.abs(w).sum()


@pytest.mark.parametrize("seed", range(5))
def test_selection_matches_a_stable_sort_with_ties_and_infinities(seed):
    """kth_smallest and _select partition without branches: ties (the
    support's -inf distances among them) must neither stall the loop nor
    change which candidates are picked, the first in index order."""
    rng = np.random.default_rng(seed)
    for _ in range(60):
        n = int(rng.integers(1, 80))
        values = rng.integers(-3, 4, n).astype(np.float64)
        values[rng.random(n) < 0.3] = -np.inf
        k = int(rng.integers(0, n))
        assert kth_smallest(values.copy(), k) == np.sort(values)[k]

        size = int(rng.integers(1, n + 1))
        candidates = rng.permutation(200)[:n].astype(np.intp)
        out = np.full(200, -1, dtype=np.intp)
        count = _select(candidates, values.copy(), n, size, out, np.empty(200))
        picked = np.sort(np.argsort(values, kind="stable")[:size])
        assert count == size
        np.testing.assert_array_equal(out[:count], candidates[picked])
