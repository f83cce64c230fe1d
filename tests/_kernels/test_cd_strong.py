"""Strong rules and active-set cycling in plain CD's path kernel (also run
without JIT)."""

import numpy as np
import pytest
import scipy.sparse as sp

from skreg._kernels import cd_strong
from skreg._kernels.cd_plain import NEWTON_N_ITER, full_gap, plain_cd_work
from skreg.linear_model._cd_solver import (
    new_newton_state,
    plain_path_kernel,
    strong_path_kernel,
)
from skreg.linear_model._preprocess import center_and_weight, make_layouts


def _layout(kind, seed=0, n=50, p=40, fit_intercept=True, penalty_factor=None):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    X[rng.rand(n, p) < 0.5] = 0.0
    X[:, 5] = 0.0  # an empty column
    y = X[:, :4] @ np.array([2.0, -1.5, 1.0, 0.5]) + 0.1 * rng.randn(n)
    sw = rng.uniform(0.5, 2.0, n)
    sw *= n / sw.sum()
    X_in = sp.csc_matrix(X) if kind == "sparse" else np.asfortranarray(X)
    X_work, y_work, x_offset, _ = center_and_weight(X_in, y, sw, fit_intercept)
    (layout,) = make_layouts(
        X_work, y_work[:, None], sw, x_offset, False, penalty_factor=penalty_factor
    )
    return layout


def _path(kernel, layout, l1s, l2s, tol, positive=False, max_iter=10_000):
    """A path by ``kernel``; an alpha the strong kernel hands back (it crawls)
    is finished by plain CD, as the driver finishes it by working sets."""
    n_features = layout.n_features
    w = np.zeros(n_features)
    state = layout.start(w)
    coefs = np.zeros((n_features, l1s.size))
    gaps, n_iters = np.empty(l1s.size), np.empty(l1s.size, dtype=np.int64)
    options = dict(
        positive=positive, max_iter=max_iter, first_budget=max_iter, tol=tol,
        screening=True, path_gaps=np.full(l1s.size, 10 * tol), rows=None,
        coefs=coefs, outputs=(gaps, n_iters),
    )  # fmt: skip
    extra = {"strong": cd_strong.new_strong_work(n_features)}
    if kernel is plain_path_kernel:
        extra = {}
    handed = 0
    start = 0
    while start < l1s.size:
        newton = new_newton_state()
        stop, _, _ = kernel(
            layout, state, w, l1s, l2s, start=start, newton=newton, **options, **extra
        )
        if stop == l1s.size:
            break
        assert newton[NEWTON_N_ITER] == -1  # no Newton steps: p > n or first budget
        handed += 1
        plain_path_kernel(
            layout, state, w, l1s[stop : stop + 1], l2s[stop : stop + 1], start=0,
            newton=new_newton_state(), **{**options, "coefs": coefs[:, stop : stop + 1],
            "outputs": (gaps[stop : stop + 1], n_iters[stop : stop + 1]),
            "path_gaps": options["path_gaps"][stop : stop + 1]},
        )  # fmt: skip
        start = stop + 1
    return handed, coefs, gaps, n_iters


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.parametrize("l1_ratio, positive", [(1.0, False), (0.5, True)])
def test_strong_rules_reach_plain_cd_objective_with_certified_gaps(
    kind, l1_ratio, positive
):
    layout = _layout(kind)
    n = layout.n_samples
    alpha_max = 1.0
    alphas = alpha_max * np.logspace(0, -2.5, 25)
    l1s, l2s = alphas * l1_ratio * n, alphas * (1 - l1_ratio) * n
    tol = 1e-10
    _, plain, _, _ = _path(plain_path_kernel, layout, l1s, l2s, tol, positive)
    _, strong, gaps_s, _ = _path(strong_path_kernel, layout, l1s, l2s, tol, positive)
    tol_scaled = tol * layout.y_norm2
    assert np.all(gaps_s <= tol_scaled * (1 + 1e-12))
    # Each reported gap is the one of its coefficients, computed afresh.
    xtr, _, everything = plain_cd_work(layout.n_features, np.float64)
    for k in range(l1s.size):
        w = strong[:, k].copy()
        gap = full_gap(
            layout.problem, layout.start(w), w, l1s[k], l2s[k], l2s[k], positive,
            xtr, everything, everything,
        )[0]  # fmt: skip
        assert gap == pytest.approx(gaps_s[k], rel=1e-6, abs=1e-12 * layout.y_norm2)
        # Both certified to tol: the coefficients agree to its square root.
        np.testing.assert_allclose(strong[:, k], plain[:, k], atol=1e-4)
    if positive:
        assert np.all(strong >= 0)


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_the_last_pass_gives_the_gap_at_the_next_penalty(kind):
    """_gap_from_last: the statistics of the last pass at a new (l1, l2),
    with penalty factors, equal a pass of their own."""
    factor = np.linspace(0.5, 1.5, 40)
    factor[7] = 0.0  # unpenalized
    layout = _layout(kind, penalty_factor=factor)
    problem = layout.problem
    n = layout.n_samples
    w = np.zeros(layout.n_features)
    w[[0, 1, 2, 7]] = [0.8, -0.6, 0.3, 0.2]
    state = layout.start(w)
    strong = cd_strong.new_strong_work(layout.n_features)
    cd_strong.strong_enter(w, strong)
    xtr, _, everything = plain_cd_work(layout.n_features, np.float64)
    l1_a, l2_a, l1_b, l2_b = 0.3 * n, 0.2 * n, 0.2 * n, 0.1 * n
    cd_strong._certify(
        problem, state, w, l1_a, l2_a, l2_a, False, xtr, everything, 1e-8, 0.0, strong
    )
    reused = cd_strong._gap_from_last(problem, w, l1_b, l2_b, False, xtr, strong)
    fresh_xtr = np.empty_like(xtr)
    fresh = full_gap(
        problem, state, w.copy(), l1_b, l2_b, l2_b, False, fresh_xtr, everything,
        everything,
    )[:3]  # fmt: skip
    np.testing.assert_allclose(reused, fresh, rtol=1e-10)
    np.testing.assert_allclose(xtr, fresh_xtr, rtol=1e-10, atol=1e-12)


def test_sets_hold_every_nonzero_and_only_grow():
    layout = _layout("sparse")
    n = layout.n_samples
    alphas = np.logspace(0, -2, 15)
    strong = cd_strong.new_strong_work(layout.n_features)
    w = np.zeros(layout.n_features)
    state = layout.start(w)
    sizes = []
    for alpha in alphas:
        coefs = np.zeros((layout.n_features, 1))
        strong_path_kernel(
            layout, state, w, np.array([alpha * n]), np.zeros(1), start=0,
            positive=False, max_iter=10_000, first_budget=10_000, tol=1e-8,
            screening=True, path_gaps=np.full(1, 1e-7), rows=None, coefs=coefs,
            newton=new_newton_state(), strong=strong,
        )  # fmt: skip
        n_strong, n_active = strong.counts
        members = strong.strong[:n_strong]
        active = strong.active[:n_active]
        assert set(np.flatnonzero(w)) <= set(active) <= set(members)
        assert np.all(strong.in_strong[members]) and np.all(strong.in_active[active])
        assert strong.in_strong.sum() == n_strong and strong.in_active.sum() == n_active
        np.testing.assert_array_equal(coefs[:, 0], w)
        sizes.append((n_strong, n_active))
    assert sizes == sorted(sizes)
    assert 0 < sizes[-1][1] < layout.n_features


def test_a_crawling_alpha_stops_the_kernel_for_the_driver():
    """More than STRONG_BUDGET sweeps at an alpha (no Newton steps: p > n):
    the kernel stops there with nothing to resume, for working sets."""
    rng = np.random.RandomState(0)
    n, p = 30, 200
    X = rng.randn(n, p)
    X[:, 1:] += 0.9 * X[:, :-1]  # strongly correlated neighbours
    y = X[:, :10] @ rng.randn(10) + 0.01 * rng.randn(n)
    sw = np.ones(n)
    X_work, y_work, x_offset, _ = center_and_weight(sp.csc_matrix(X), y, sw, True)
    (layout,) = make_layouts(X_work, y_work[:, None], sw, x_offset, False)
    l1s = np.array([1e-4]) * np.abs(X.T @ (y - y.mean())).max()
    w = np.zeros(p)
    newton = new_newton_state()
    stop, gaps, n_iters = strong_path_kernel(
        layout, layout.start(w), w, l1s, np.zeros(1), start=0, positive=False,
        max_iter=100_000, first_budget=100_000, tol=1e-12, screening=True,
        path_gaps=np.full(1, 1e-11), rows=None, coefs=np.zeros((0, 1)),
        newton=newton,
    )  # fmt: skip
    assert stop == 0
    assert newton[NEWTON_N_ITER] == -1
    assert n_iters[0] == cd_strong.STRONG_BUDGET
    assert gaps[0] > 1e-12 * layout.y_norm2


def test_an_unpenalized_feature_is_solved_from_the_first_alpha():
    # It joins the strong set at once (pf = 0 meets any threshold).
    factor = np.ones(40)
    factor[9] = 0.0
    layout = _layout("sparse", penalty_factor=factor)
    n = layout.n_samples
    l1s = np.logspace(0, -1.5, 8) * n
    _, coefs, gaps, _ = _path(strong_path_kernel, layout, l1s, np.zeros(8), 1e-10)
    assert np.all(coefs[9] != 0)
    assert np.all(gaps <= 1e-10 * layout.y_norm2 * (1 + 1e-12))
