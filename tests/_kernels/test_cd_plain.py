"""The compiled plain-CD driver on the three layouts (also run without JIT)."""

import numpy as np
import pytest
import scipy.sparse as sp

from skreg._kernels.cd_plain import (
    NEWTON_BUDGET,
    NEWTON_DUE,
    NEWTON_LAST_GAP,
    NEWTON_N_ITER,
    plain_cd_path,
    plain_cd_work,
)
from skreg.linear_model._cd_solver import (
    new_newton_state,
    plain_path_kernel,
    solve_once,
)
from skreg.linear_model._preprocess import center_and_weight, make_layouts


def _problem(seed=0):
    rng = np.random.RandomState(seed)
    n, p = 40, 12
    X = rng.randn(n, p)
    X[:, 3] = 0.0  # a constant (zero-norm after centering) column
    X[rng.rand(n, p) < 0.4] = 0.0
    y = X[:, :3] @ np.array([2.0, -1.0, 0.5]) + 0.1 * rng.randn(n)
    sw = rng.uniform(0.5, 2.0, n)
    return X, y, sw * n / sw.sum()


def _solve(X, y, sw, kind, alpha, l1_ratio, positive, screening):
    X_in = sp.csc_matrix(X) if kind == "sparse" else np.asfortranarray(X)
    X_work, y_work, x_offset, _ = center_and_weight(X_in, y, sw, True)
    precompute = kind == "gram"
    (layout,) = make_layouts(X_work, y_work[:, None], sw, x_offset, precompute)
    n = X.shape[0]
    w = np.zeros(X.shape[1])
    state = layout.start(w)
    l1, l2 = alpha * l1_ratio * n, alpha * (1 - l1_ratio) * n
    gap, n_iter = solve_once(
        plain_path_kernel,
        layout,
        state,
        w,
        l1,
        l2,
        positive=positive,
        max_iter=10_000,
        tol=1e-12,
        screening=screening,
        path_gap=0.0,
    )
    return w, gap, n_iter, layout.y_norm2


def _kkt_violation(X, y, sw, w, alpha, l1_ratio, positive):
    """Largest violation of the elastic-net optimality conditions (NumPy)."""
    x_mean = sw @ X / sw.sum()
    y_mean = sw @ y / sw.sum()
    Xc, yc = X - x_mean, y - y_mean
    n = X.shape[0]
    grad = Xc.T @ (sw * (yc - Xc @ w)) / n - alpha * (1 - l1_ratio) * w
    l1 = alpha * l1_ratio
    nonzero = w != 0
    violation = np.where(
        nonzero, np.abs(grad - l1 * np.sign(w)), np.maximum(np.abs(grad) - l1, 0)
    )
    if positive:
        violation = np.where(nonzero, violation, np.maximum(grad - l1, 0))
    return violation.max()


@pytest.mark.parametrize("kind", ["dense", "gram", "sparse"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.6])
@pytest.mark.parametrize("positive", [False, True])
def test_plain_cd_reaches_the_optimum_on_every_layout(kind, l1_ratio, positive):
    X, y, sw = _problem()
    alpha = 0.05
    w, gap, n_iter, y_norm2 = _solve(X, y, sw, kind, alpha, l1_ratio, positive, True)
    assert 0 < n_iter < 10_000
    assert gap <= 1e-12 * y_norm2
    assert _kkt_violation(X, y, sw, w, alpha, l1_ratio, positive) < 1e-6
    assert w[3] == 0.0
    assert np.count_nonzero(w) < X.shape[1] - 1  # the L1 part selects
    if positive:
        assert np.all(w >= 0)


@pytest.mark.parametrize("kind", ["dense", "gram", "sparse"])
def test_screening_changes_nothing_but_the_work(kind):
    X, y, sw = _problem(1)
    with_screening = _solve(X, y, sw, kind, 0.1, 1.0, False, True)[0]
    without = _solve(X, y, sw, kind, 0.1, 1.0, False, False)[0]
    np.testing.assert_allclose(with_screening, without, rtol=1e-8, atol=1e-10)


def test_layouts_agree():
    X, y, sw = _problem(2)
    solutions = [
        _solve(X, y, sw, k, 0.02, 0.8, False, True)[0]
        for k in ("dense", "gram", "sparse")
    ]
    np.testing.assert_allclose(solutions[1], solutions[0], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(solutions[2], solutions[0], rtol=1e-7, atol=1e-9)


def test_already_optimal_start_returns_without_sweeping():
    X, y, sw = _problem(3)
    alpha_max = np.max(
        np.abs((X - sw @ X / sw.sum()).T @ (sw * (y - sw @ y / sw.sum())))
    ) / len(y)
    w, gap, n_iter, _ = _solve(X, y, sw, "dense", 1.01 * alpha_max, 1.0, False, True)
    assert n_iter == 0 and gap <= 1e-12 and not w.any()


@pytest.mark.parametrize("kind", ["dense", "gram", "sparse"])
def test_path_kernel_is_plain_cd_alpha_after_alpha(kind):
    """plain_cd_path gives the results of plain_cd called once per alpha,
    and stops where the Newton rule says a step is due."""
    X, y, sw = _problem()
    X_in = sp.csc_matrix(X) if kind == "sparse" else np.asfortranarray(X)
    X_work, y_work, x_offset, _ = center_and_weight(X_in, y, sw, True)
    (layout,) = make_layouts(X_work, y_work[:, None], sw, x_offset, kind == "gram")
    n, p = X.shape
    l1s = np.geomspace(2.0, 0.02, 6) * n
    l2s = 0.1 * l1s
    tol, tol_scaled, path_gap = 1e-10, 1e-10 * layout.y_norm2, 1e-9

    w_ref = np.zeros(p)
    state = layout.start(w_ref)
    reference = []
    for l1, l2 in zip(l1s, l2s, strict=True):
        gap, n_iter = solve_once(
            plain_path_kernel, layout, state, w_ref, l1, l2, positive=False,
            max_iter=5000, tol=tol, screening=True, path_gap=path_gap,
        )  # fmt: skip
        reference.append((w_ref.copy(), gap, n_iter))

    def path(newton_rule, start=0, w=None, coefs=None):
        w = np.zeros(p) if w is None else w
        # rows map features to rows of coefs: here in reverse order
        rows = np.arange(p)[::-1].copy()
        coefs = np.zeros((p + 1, l1s.size)) if coefs is None else coefs
        gaps, n_iters = np.full(l1s.size, np.nan), np.zeros(l1s.size, np.int64)
        newton = new_newton_state()
        stop = plain_cd_path(
            layout.problem, layout.start(w), w, l1s, l2s, l1s, l2s, False, 5000,
            tol, tol_scaled, True, np.full(l1s.size, path_gap), newton_rule,
            start, rows, coefs, gaps, n_iters, newton, plain_cd_work(p, w.dtype), None,
        )  # fmt: skip
        return stop, w, coefs[:p][::-1], gaps, n_iters, newton

    # no Newton rule (a first budget of max_iter): every alpha in the kernel
    n_done, w, coefs, gaps, n_iters, _ = path((5000, p, 1.0, 10.0, 32, 2))
    assert n_done == l1s.size
    for i, (w_i, gap_i, n_iter_i) in enumerate(reference):
        np.testing.assert_array_equal(coefs[:, i], w_i)
        assert (gaps[i], n_iters[i]) == (gap_i, n_iter_i)
    # a first budget of one sweep, a step that costs one sweep and a rule
    # that always finds the solve crawling: the
    # kernel stops at an alpha that needs more sweeps (where that sweep did
    # not cut the gap enough), after its first budget, with the next budget
    # (2) and the step due (one per sweep made) in its Newton state
    n_done, w, coefs, gaps, n_iters, newton = path((1, p, float(p), 1e30, 1, 2))
    crawler = n_done
    assert crawler < l1s.size and reference[crawler][2] > 1
    assert n_iters[crawler] == 1
    assert newton[NEWTON_N_ITER] == 1 and newton[NEWTON_BUDGET] == 2
    assert newton[NEWTON_DUE] == 1 and newton[NEWTON_LAST_GAP] == gaps[crawler]
    assert not np.any(coefs[:, crawler:])
    np.testing.assert_array_equal(
        coefs[:, :crawler], np.array([r[0] for r in reference[:crawler]]).T
    )
    # from ``start`` on, the alphas before it untouched
    w_start = reference[crawler][0].copy()
    stop, _, coefs, _, _, _ = path((5000, p, 1.0, 10.0, 32, 2), crawler + 1, w_start)
    assert stop == l1s.size and not np.any(coefs[:, : crawler + 1])
    # (a residual rebuilt from w_start: equal up to rounding)
    np.testing.assert_allclose(coefs[:, -1], reference[-1][0], rtol=1e-12)
