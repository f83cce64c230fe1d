"""Coordinate-descent driver for one elastic-net problem (one alpha, one target).

Two strategies share the same certificate, the duality gap of the *full*
problem, and scikit-learn's tolerance ``tol * ||y||^2``:

- plain CD (scikit-learn's algorithm): sweep every remaining coordinate; after
  a sweep whose largest update is small relative to the largest coefficient,
  compute the gap and apply gap-safe screening (Fercoq et al. 2015);
- working sets (Massias et al. 2018, celer; Bertrand et al. 2022, skglm): rank
  coordinates by their gap-safe distance to the dual constraint, solve the
  problem restricted to the best ones (all non-zeros included) with CD
  accelerated by Anderson extrapolation, then certify on the full problem and
  double the working set if needed.

A ``ConvergenceWarning`` is raised only when the certified gap is still above
the tolerance after ``max_iter`` sweeps.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skreg._kernels.bounds import new_bounds
from skreg._kernels.cd import cd_sweep_dense, cd_sweep_gram, cd_sweep_sparse
from skreg._kernels.cd_plain import (
    NEWTON_BUDGET,
    NEWTON_DUE,
    NEWTON_LAST_GAP,
    NEWTON_N_FAILED,
    NEWTON_N_ITER,
    NEWTON_N_STEPS,
    NEWTON_STATE_SIZE,
    NEWTON_STEPPED,
    full_gap,
    gap_target,
    plain_cd_path,
    plain_cd_work,
    screen,
    sweep_support,
)
from skreg._kernels.cd_strong import new_strong_work
from skreg._kernels.cd_working_set import new_buffers, working_set_cd
from skreg._kernels.problems import layout_sweep
from skreg._numba import interpreted_throughout
from skreg._quick_start import (
    charged,
    interpreted_budget,
    projected_past,
    quick_start,
    quick_start_budget,
    spend_interpreted,
    stop_interpreting,
    use_the_engine,
)
from skreg.linear_model._strategy import (
    cold_sweep,
    continuation_penalties,
    moving_coordinates,
    plain_suits,
)
from skreg.linear_model._support_newton import support_newton_steps

# Below this many features skreg runs scikit-learn's own algorithm (cyclic CD
# with screening, compiled), so small problems whose minimizer is not unique
# (collinear columns) land on scikit-learn's minimizer.  Working sets with
# Anderson steps would be faster on small correlated problems (1000x100 AR(1)
# rho=0.95 at alpha_max/10: 6.1 -> 1.0 ms) but reach another minimizer on
# degenerate ones (diabetes with squared features), breaking the drop-in
# promise.
WORKING_SET_MIN_FEATURES = 200
INITIAL_WORKING_SET = 10
# Sweeps over the active coefficients between Anderson steps (and the number
# of iterates extrapolated).  Measured on benchmarks/run.py dense-single and
# dense-path: 12 beat 3, 5, 8 and 10 on both.
ANDERSON_DEPTH = 12
# Inner solves stop once their own gap is this fraction of the outer gap.
INNER_GAP_FRACTION = 0.3
# A working-set path starts each alpha from the last solution moved by the
# last change, scaled to the step in alpha (on a fixed support the lasso's
# solution is affine in alpha).  Solved alpha by alpha in Lasso fits, the
# 100-alpha paths of the quick matrix took 1.6-2.5x fewer sweeps (p > n
# AR(1): 2820 -> 1519, sparse text-like: 666 -> 410, 100x20000 sparse:
# 775 -> 309).
PATH_EXTRAPOLATION = True
# The Newton rule (_newton_when_crawling).  Sweeps before the first Newton
# step on the support is considered, for working sets and for plain CD (fits
# and paths alike: a budget boundary costs plain CD one gap).  A step is due
# when a budget cut the gap less than NEWTON_PROGRESS times (plain CD only)
# and, at its rate, the gap would need more than SWEEPS_PER_NEWTON_STEP more
# sweeps.  The rate condition lets the check come after the first budget: on
# a 400x100 equicorrelated path (tol 1e-3) half of the alphas took 96 sweeps
# and a step, now 32 and a step (10.7 -> 4.4 ms with the compiled steps);
# the progress condition keeps steps off problems that converge steadily,
# where a step would land on another of nearly equal minimizers (diabetes
# with squared features, whose path matches scikit-learn's to 2e-10).
NEWTON_FIRST_BUDGET = 256
NEWTON_FIRST_BUDGET_PLAIN = 32
NEWTON_PROGRESS = 10.0
# Working sets promise no particular minimizer among nearly equal ones (they
# already take Anderson steps): the rate condition alone decides.  Near
# interpolation (100x20000 sparse at alpha_max / 100, tol 1e-6) a solve
# crawled 7168 sweeps with budgets of 1024 and the progress condition, 768
# with budgets of 256 and none; on the dense p > n fits and paths of the
# matrix the sweeps stayed within a few percent or fell (100x500 AR(1) at
# alpha_max / 100, tol 1e-6: 1421 -> 970).
WORKING_SET_NEWTON_PROGRESS = float("inf")
# The largest support that gets a step (its Gram block costs |S|^2 n).
NEWTON_MAX_SUPPORT = 1000
SWEEPS_PER_NEWTON_STEP = 32
NEWTON_MAX_FAILED = 2
# Plain CD's first budget on a path after a step that finished its alpha,
# and where the next step may come (_path._solve_path_in_kernel; 0: no such
# trust).  Where CD crawls at alpha after alpha (correlated n > p designs),
# the steps then come after 8 sweeps instead of 32.  The quick matrix's
# 400x100 equicorrelated path (rho 0.7, tol 1e-3): 1360 -> 784 sweeps,
# 27 -> 28 steps, 5.0 -> 3.6 ms.  60 paths of benchmarks/bench_newton_trust.py
# (equicorrelated designs, rho 0.5-0.95, 300x60 to 2000x50; the matrix's
# n > p ones; diabetes squared; tols 1e-3, 1e-4, 1e-6): 177 -> 169 ms in
# all, each path 0.83-1.38x (medians of 9 alternating runs; paths with the
# no steps both ways read 0.90-1.08).  With 4 sweeps, on
# another grid, some paths took 0.85x (more steps that did not finish their
# alpha).  The trust is the driver's (in the kernel, its few lines added
# about 0.4 s to compiling plain_cd_path).  A path computed alpha by alpha
# (solve_enet) starts each alpha untrusted.
TRUSTED_NEWTON_BUDGET = 8
NEWTON_RANK_SLACK = 1.25
# A step waits for as many sweeps as its support has features (a sweep costs
# about 1/|S| of forming X_S'X_S), except in covariance mode, where the block
# is at hand: there 4 features per sweep (a 70-feature support gets its step
# after the first budget of 32 sweeps).
GRAM_SUPPORT_PER_SWEEP = 4.0


@dataclass
class CDResult:
    """Outcome of :func:`solve_enet`; ``gap`` and ``tol`` are unscaled (times n)."""

    coef: np.ndarray
    gap: float
    tol: float
    n_iter: int
    # CorrelationBounds of the working-set solver (exact X'r at recent
    # residuals): the next alpha of a path reuses it instead of a full pass.
    stats: object = None
    # Indices of the non-zero coefficients the solver may have moved (those
    # of the layout's columns), so a path stores O(support) per alpha.
    support: np.ndarray = None
    # The layout's state (residual or X'X w) at ``coef``: the next alpha of a
    # path starts from it instead of rebuilding it from the coefficients.
    state: tuple = None
    # WorkingSetBuffers of the working-set solver: the next alpha of a path
    # reuses them instead of allocating its O(n_features) work arrays again.
    buffers: object = None


def convergence_message(gap, tol, l1, *, n_iter=None, max_iter=None, rel_tol=None):
    """Text of the ConvergenceWarning: what was reached and what to try.

    The first sentence is scikit-learn's, so warning filters written for
    scikit-learn (``message="Objective did not converge"``) still match; the
    rest says how far from the tolerance the fit stopped and what to change.
    ``gap`` and ``tol`` are unscaled (times the number of samples), as in
    scikit-learn's message.
    """
    message = (
        "Objective did not converge. You might want to increase the number of "
        "iterations, check the scale of the features or consider increasing "
        f"regularisation. Duality gap: {gap:.6e}, tolerance: {tol:.3e}"
    )
    if not np.isfinite(gap):
        message += (
            "\nThe duality gap is not finite: the fit overflowed. Rescale X and "
            "y (e.g. StandardScaler) before fitting."
        )
    elif max_iter is not None and tol > 0:
        ratio = gap / tol
        message += (
            f"\nThe certified duality gap is {ratio:.3g} times the tolerance "
            f"after {n_iter} sweeps (max_iter={max_iter})."
        )
        suggestions = [f"increase max_iter (e.g. max_iter={10 * max_iter})"]
        if rel_tol is not None:
            suggestions.append(
                f"accept a looser tol (tol={rel_tol * ratio:.1e} would have been met)"
            )
        suggestions.append("standardize the features or use a larger alpha")
        message += " To fix: " + "; ".join(suggestions) + "."
    if l1 < np.finfo(np.float64).eps:
        message += (
            "\nLinear regression models with a zero l1 penalization strength are "
            "more efficiently fitted using one of the solvers implemented in "
            "sklearn.linear_model.Ridge/RidgeCV instead."
        )
    return message


def solve_enet(
    layout,
    coef,
    l1,
    l2,
    *,
    max_iter,
    tol,
    positive=False,
    rng=None,
    random=False,
    screening=True,
    working_set=None,
    warm_stats=None,
    warm_state=None,
    warn=True,
    path_gap=0.0,
    buffers=None,
    columns_only=False,
    newton=None,
):
    """Minimize ``1/2 ||y - Xw||^2 + l1 ||w||_1 + l2/2 ||w||^2`` in place.

    Parameters
    ----------
    layout : DenseLayout, GramLayout or SparseLayout
        The preprocessed problem.
    coef : ndarray of shape (n_features,)
        Warm start, updated in place; dtype must be the layout's.  When the
        layout covers only some ``columns``, the others are left as they are
        (their columns are zero, so they never move, as in scikit-learn).
    l1, l2 : float
        Penalties already multiplied by the (weighted) number of samples.
    max_iter : int
        Maximum number of sweeps (over the working set when one is used).
    tol : float
        Relative tolerance; the full gap must reach ``tol * ||y||^2``.
    positive : bool
        Constrain coefficients to be non-negative.
    rng : numpy.random.RandomState, optional
        Source of coordinates when ``random`` is True.
    random : bool
        Visit random coordinates (with replacement) instead of cycling.
    screening : bool
        Use gap-safe screening rules (only when ``l1 > 0``).
    working_set : bool or None
        Use working sets with Anderson acceleration; None decides from the
        problem (lasso-type penalty, many features, cyclic selection).
    warm_stats : CorrelationBounds, optional
        ``CDResult.stats`` of a previous solve on the same layout (another
        alpha of a path); saves most of the first pass over ``X``.
    warm_state : tuple, optional
        ``CDResult.state`` of the previous solve on the same layout, when
        ``coef`` is still that solve's result (a path); updated in place.
        Saves rebuilding the residual from ``coef`` (a pass over its support
        and O(n_samples + n_features) of NumPy calls per alpha).
    warn : bool
        Raise ``ConvergenceWarning`` when the tolerance is not reached.
    path_gap : float
        0 for a single fit.  A path passes a positive value: each solve must
        also bring the gap to ``path_gap`` times its primal objective, and a
        warm start that already meets the tolerance still gets one sweep, as
        in scikit-learn's solver (see ``skreg.linear_model._path.PATH_GAP``).
    buffers : WorkingSetBuffers, optional
        ``CDResult.buffers`` of a previous solve on the same layout: the
        working-set solver's work arrays, reused (their contents do not
        matter).
    columns_only : bool
        ``coef`` holds the coefficients of the layout's ``columns`` only (a
        path keeps them so, instead of gathering and scattering all the
        features at every alpha); ``CDResult.support`` then indexes them too.
    newton : ndarray, optional
        The Newton state (:func:`new_newton_state`) of a solve that a path's
        kernel ran up to due Newton steps, leaving ``coef`` and
        ``warm_state`` there: the solve goes on from those steps (see
        :func:`_newton_when_crawling`).

    Returns
    -------
    result : CDResult
    """
    by_default = working_set is None
    single_fit = (
        warm_state is None and newton is None and path_gap == 0 and not columns_only
    )
    if by_default and single_fit and not random:
        # Before uses_working_set, which decides the layout's quick start.
        budget = quick_start_budget(layout, lambda: moving_coordinates(layout, l1, l2))
        if budget is not None:
            return _solve_quick_then_engine(
                layout, coef, l1, l2, budget, max_iter=max_iter, tol=tol,
                positive=positive, screening=screening, warn=warn,
            )  # fmt: skip
    if by_default:
        working_set = uses_working_set(layout, l1, random) and not (
            single_fit and plain_suits(layout, l1)
        )
    if by_default and working_set and single_fit and not np.any(coef):
        penalties = continuation_penalties(layout, l1, l2)
        if penalties is not None:
            return _solve_by_continuation(
                layout, coef, *penalties, max_iter=max_iter, tol=tol,
                positive=positive, screening=screening, warn=warn,
            )  # fmt: skip
    full_coef = coef
    # The layout may leave out columns without entries: solve on the others.
    gather = layout.columns is not None and not columns_only
    if gather:
        coef = full_coef[layout.columns]
    state = layout.start(coef) if warm_state is None else warm_state
    tol_scaled = tol * layout.y_norm2
    stats = None
    support = None

    if working_set and l1 > 0:
        stats = warm_stats
        if stats is None:
            stats = new_bounds(layout.col_norms2, layout.n_samples)
        if buffers is None:
            buffers = new_buffers(layout.n_features, layout.n_samples, layout.dtype)
        kernel, options = working_set_path_kernel, dict(stats=stats, buffers=buffers)
    elif random:
        gap, n_iter = _solve_random(
            layout,
            state,
            coef,
            l1,
            l2,
            max_iter,
            tol,
            positive,
            rng,
            screening,
            path_gap,
        )
    else:
        kernel, options = plain_path_kernel, {}

    def run(state, newton):
        """The kernel on this alpha, from the Newton state ``newton``.
        Returns ``(gap, n_iter, due)`` (see :func:`_solve_alpha`)."""
        if kernel is working_set_path_kernel:
            options["cold"] = cold_sweep(layout)
        return _solve_alpha(
            kernel, layout, state, coef, l1, l2, positive=positive,
            max_iter=max_iter, first_budget=first_budget, tol=tol,
            screening=screening, path_gap=path_gap, newton=newton, **options,
        )  # fmt: skip

    if not random:
        first_budget = newton_first_budget(layout, l1, working_set, path_gap, max_iter)
        gap, n_iter, state = _newton_when_crawling(
            layout, state, coef, l1, l2, positive, run, newton
        )
        if working_set and l1 > 0:
            # The kernel, called last, listed the non-zeros (copied: the
            # buffers are reused by the next alpha of a path).
            support = buffers.support[: buffers.n_support[0]].copy()
    if support is None:
        support = np.flatnonzero(coef)
    if gather:
        full_coef[layout.columns] = coef
        support = layout.columns[support]
    result = CDResult(
        full_coef,
        float(gap),
        tol_scaled,
        int(n_iter),
        stats=stats,
        support=support,
        state=state,
        buffers=buffers,
    )
    if warn:
        warn_if_unconverged(
            result.gap, result.tol, l1, result.n_iter, max_iter, tol, stacklevel=4
        )
    return result


def _solve_quick_then_engine(layout, coef, l1, l2, budget, *, max_iter, tol,
                             positive, screening, warn):  # fmt: skip
    """:func:`solve_enet` as a quick start of at most ``budget`` sweeps
    (:func:`~skreg._quick_start.quick_start_budget`, and ``max_iter``);
    unless that converged, by the engine from where it stopped.  The quick
    start's sweeps then count as a route's do (not at all): the engine has
    ``max_iter`` sweeps of its own."""
    options = dict(tol=tol, positive=positive, screening=screening)
    quick = solve_enet(
        layout, coef, l1, l2, max_iter=min(budget, max_iter), warn=False, **options
    )
    if converged(quick.gap, quick.tol):
        return quick
    use_the_engine(layout)
    return solve_enet(
        layout, coef, l1, l2, max_iter=max_iter, warm_state=quick.state, warn=warn,
        **options,
    )  # fmt: skip


def _solve_by_continuation(layout, coef, l1s, l2s, *, max_iter, tol, positive,
                           screening, warn):  # fmt: skip
    """:func:`solve_enet` at ``(l1s[-1], l2s[-1])`` down the path ``l1s, l2s``
    (:func:`~skreg.linear_model._strategy.continuation_penalties`): each
    penalty solved to ``tol``, the last one's gap and sweeps the result's."""
    from skreg.linear_model._path import solve_path

    totals = l1s + l2s
    _, gaps, n_iters = solve_path(
        layout, coef, totals, float(l1s[-1] / totals[-1]), 1.0, 1.0, tol=tol,
        max_iter=max_iter, positive=positive, rng=None, random=False,
        screening=screening, path_gap=0.0, warn=False,
    )  # fmt: skip
    result = CDResult(
        coef,
        float(gaps[-1]),
        tol * layout.y_norm2,
        int(n_iters[-1]),
        support=np.flatnonzero(coef),
    )
    if warn:
        warn_if_unconverged(
            result.gap, result.tol, l1s[-1], result.n_iter, max_iter, tol, stacklevel=4
        )
    return result


def converged(gap, tol_scaled):
    """Whether ``gap`` (a scalar or an array) reached ``tol_scaled``; a NaN
    or infinite gap (overflow; ``||y||^2`` itself may be inf) did not."""
    return (gap <= tol_scaled) & np.isfinite(gap)


def warn_if_unconverged(gap, tol_scaled, l1, n_iter, max_iter, tol, stacklevel):
    """``ConvergenceWarning`` unless ``gap`` reached ``tol_scaled``
    (:func:`converged`)."""
    if not converged(gap, tol_scaled):
        warnings.warn(
            convergence_message(
                gap, tol_scaled, l1, n_iter=n_iter, max_iter=max_iter, rel_tol=tol
            ),
            ConvergenceWarning,
            stacklevel=stacklevel,
        )


def uses_working_set(layout, l1, random):
    """Whether :func:`solve_enet` picks working sets by default (not for a
    quick start: :mod:`skreg._quick_start`; a single fit also not where plain
    CD suits the design, :func:`~skreg.linear_model._strategy.plain_suits`)."""
    return (
        l1 > 0
        and not random
        and layout.n_features >= WORKING_SET_MIN_FEATURES
        and not quick_start(layout)
    )


def newton_first_budget(layout, l1, working_set, path_gap, max_iter):
    """Sweeps before :func:`_newton_when_crawling` considers Newton steps
    (``max_iter``: none)."""
    # A restart of the working-set kernel loses its working set and Anderson
    # history; plain CD's costs a gap.
    if l1 <= 0:
        return max_iter
    if working_set:
        return NEWTON_FIRST_BUDGET
    # Plain CD is scikit-learn's algorithm, kept below WORKING_SET_MIN_FEATURES
    # so that problems without a unique minimizer land on scikit-learn's: no
    # Newton steps there unless the samples outnumber the features
    # (covariance mode is chosen only then).  In a p > n LassoCV tail they
    # changed which nearly optimal point each fold's path reached, and the
    # chosen alpha.
    if not (layout.n_samples == 0 or layout.n_samples > layout.n_features):
        return max_iter
    return NEWTON_FIRST_BUDGET_PLAIN


def solve_once(kernel, layout, state, coef, l1, l2, *, max_iter, path_gap, **options):
    """One budget of ``max_iter`` sweeps at one penalty (no Newton step) by a
    path kernel (:func:`plain_path_kernel`, :func:`working_set_path_kernel`):
    the one kernel of each solver, on one alpha.  Returns ``(gap, n_iter)``."""
    gap, n_iter, _ = _solve_alpha(
        kernel, layout, state, coef, l1, l2, max_iter=max_iter,
        first_budget=max_iter, path_gap=path_gap, newton=None, **options,
    )  # fmt: skip
    return gap, n_iter


def _solve_alpha(
    kernel, layout, state, coef, l1, l2, *, max_iter, first_budget, path_gap,
    newton, **options,
):  # fmt: skip
    """A path kernel on one alpha, on budgets from ``first_budget`` sweeps with
    the Newton rule (:func:`_newton_rule`), from the Newton state ``newton``
    (None: a new solve).  Returns ``(gap, n_iter, due)``: ``due`` tells
    whether the kernel stopped where Newton steps are due (their number in
    ``newton[NEWTON_DUE]``)."""
    stop, gaps, n_iters = kernel(
        layout,
        state,
        coef,
        np.array([l1], dtype=np.float64),
        np.array([l2], dtype=np.float64),
        start=0,
        max_iter=max_iter,
        first_budget=first_budget,
        path_gaps=np.array([path_gap], dtype=np.float64),
        coefs=np.empty((0, 1), dtype=coef.dtype),
        rows=None,
        newton=new_newton_state() if newton is None else newton,
        **options,
    )
    return float(gaps[0]), int(n_iters[0]), stop == 0


def newton_max_support(layout):
    """The largest support that gets Newton steps (see _newton_when_crawling)."""
    # Far more non-zeros than samples: the steps would remove them one at a
    # time, each at the cost of a factorization (100x1000 at alpha_max/1000,
    # 500 non-zeros: 1.5 s of steps for a 40 ms fit).  Covariance mode
    # (n_samples = 0 in the layout) is chosen only with more samples than
    # features.
    if layout.n_samples > 0:
        return min(NEWTON_MAX_SUPPORT, int(NEWTON_RANK_SLACK * layout.n_samples) + 10)
    return NEWTON_MAX_SUPPORT


def newton_support_per_sweep(layout):
    """The largest support that gets a Newton step, per sweep spent."""
    return 1.0 if layout.n_samples > 0 else GRAM_SUPPORT_PER_SWEEP


def _newton_rule(layout, first_budget, working_set):
    """``newton_rule`` of the path kernels: this module's Newton rule."""
    return (
        int(first_budget),
        int(newton_max_support(layout)),
        float(newton_support_per_sweep(layout)),
        float(WORKING_SET_NEWTON_PROGRESS if working_set else NEWTON_PROGRESS),
        int(SWEEPS_PER_NEWTON_STEP),
        int(NEWTON_MAX_FAILED),
    )


def new_newton_state():
    """The Newton state of a solve not yet stepped, for the path kernels."""
    newton = np.zeros(NEWTON_STATE_SIZE)
    newton[NEWTON_N_ITER] = -1
    return newton


def resume_unstepped(newton, n_iter, budget, gap):
    """Set the Newton state ``newton`` so that the path kernels resume a solve
    stopped after ``n_iter`` sweeps at gap ``gap``, with no step taken or
    due, on budgets from ``budget`` sweeps: as
    :func:`~skreg._kernels.cd_plain.newton_due` leaves it where steps are
    due, without the steps."""
    newton[NEWTON_N_ITER] = n_iter
    newton[NEWTON_BUDGET] = budget
    newton[NEWTON_LAST_GAP] = gap
    newton[NEWTON_N_STEPS] = newton[NEWTON_N_FAILED] = newton[NEWTON_STEPPED] = 0
    newton[NEWTON_DUE] = 0


def _kernel_head(layout, state, coef, l1s, l2s, positive, max_iter):
    """The arguments both path kernels start with."""
    dtype = layout.dtype
    return (
        layout.problem,
        state,
        coef,
        l1s,
        l2s,
        l1s.astype(dtype),
        l2s.astype(dtype),
        bool(positive),
        int(max_iter),
    )


def _path_outputs(n_path):
    """``(gaps, n_iters)`` arrays of a path kernel."""
    return np.empty(n_path), np.empty(n_path, dtype=np.int64)


def plain_path_kernel(
    layout, state, coef, l1s, l2s, *, start, positive, max_iter, first_budget,
    tol, screening, path_gaps, rows, coefs, newton, outputs=None, strong=None,
    reuse=None,
):  # fmt: skip
    """Call :func:`~skreg._kernels.cd_plain.plain_cd_path` on penalties
    ``l1s``, ``l2s`` (float64 arrays) from ``start`` on, with this module's
    Newton rule and the Newton state ``newton`` (:func:`new_newton_state`).
    ``rows`` (None: the identity) index ``coefs``' rows by feature;
    ``outputs`` are the :func:`_path_outputs` to fill; ``strong`` the sets of
    the strong-rule mode (None: plain CD; see :func:`strong_path_kernel`).
    ``reuse``, a dict (None: none), keeps the kernel's arguments between the
    calls of one path, which differ only by ``state``, ``start`` and
    ``first_budget`` (trusted Newton steps, ``TRUSTED_NEWTON_BUDGET``): a
    crawling path calls again after each Newton step, and building them
    (work arrays, typed penalties, the rule) cost about as much as the
    kernel's call itself.

    Returns ``(stop, gaps, n_iters)``: the index of the alpha where Newton
    steps are due, or the number of alphas.
    """
    kept = None if reuse is None else reuse.get(first_budget)
    if kept is None:
        kept = _plain_arguments(
            layout, coef, l1s, l2s, positive, max_iter, first_budget, tol,
            screening, path_gaps, rows, coefs, newton, outputs, strong,
        )  # fmt: skip
        if reuse is not None:
            reuse[first_budget] = kept
    quick, problem, middle, tail, outputs = kept
    if quick:
        budget = interpreted_budget(
            layout, l1s.shape[0] - start, max_iter,
            lambda: moving_coordinates(layout, float(l1s.min()), float(l2s.max())),
        )  # fmt: skip
        if budget is not None:
            start = _interpreted_alphas(layout, state, start, budget, kept)
            if start == l1s.shape[0]:
                return (start, *outputs)
    arguments = (problem, state, *middle, int(start), *tail)
    if quick:
        with charged(layout):
            kernel = interpreted_throughout(plain_cd_path, QUICK_START_COMPILED)
            stop = kernel(*arguments)
    else:
        stop = plain_cd_path(*arguments)
    return (stop, *outputs)


def decide_interpreted_path(layout, l1s, l2s, max_iter, random):
    """Decide whether the quick start of a path that
    :func:`~skreg.linear_model._path.solve_path` solves alpha by alpha
    (penalties ``l1s``, ``l2s``) is interpreted, as :func:`plain_path_kernel`
    decides for a path it runs: on the budget of all its alphas, priced at
    the smallest.  Left to the first alpha's call, the decision would see
    one alpha, the largest, where few features move: a CV search's folds on
    a 100x300 design were then interpreted, where its paths needed about
    8100 sweeps (compiled) and the rent buys about 800."""
    if random or not l1s.shape[0] or uses_working_set(layout, float(l1s[0]), random):
        return
    if quick_start(layout):
        interpreted_budget(
            layout, l1s.shape[0], max_iter,
            lambda: moving_coordinates(layout, float(l1s.min()), float(l2s.max())),
        )  # fmt: skip


def _interpreted_alphas(layout, state, start, budget, kept):
    """The alphas of a quick start from ``start`` on, one by one, by
    :func:`~skreg._kernels.cd_plain.plain_cd_path` interpreted throughout
    (:func:`~skreg._numba.interpreted_throughout`), without Newton steps,
    within ``budget`` sweeps in all (each alpha counted one more, for its
    gap), and while the alphas left, at the mean of those solved, would not
    spend more than the budget left (:func:`~skreg._quick_start.projected_past`);
    ``kept``: the arguments of :func:`plain_path_kernel`.

    Returns the number of alphas when all are finished.  Otherwise the
    first alpha left to the compiled quick start: one that spent the
    budget's last sweeps short of ``max_iter`` unconverged, whose solve it
    resumes (its sweeps so far, in the Newton state, count towards
    ``max_iter``), or the next one; the layout is compiled from then on
    (:func:`~skreg._quick_start.stop_interpreting`).
    """
    _, problem, middle, tail, _ = kept
    coef, l1s, l2s, l1s_typed, l2s_typed, positive, max_iter, *rest = middle
    *options, path_gaps, rule = rest
    rows, coefs, gaps, n_iters, newton, work, strong = tail
    kernel = interpreted_throughout(plain_cd_path)
    n_path = l1s.shape[0]
    granted = budget
    with charged(layout):
        for i in range(start, n_path):
            allowed = min(max_iter, budget)
            end = i + 1  # the kernel runs alpha i alone
            kernel(
                problem, state, coef, l1s[:end], l2s[:end], l1s_typed[:end],
                l2s_typed[:end], positive, allowed, *options, path_gaps[:end],
                # A first budget of all its sweeps: no Newton steps (their
                # kernel would compile).
                (allowed, *rule[1:]), i, rows, coefs, gaps[:end], n_iters[:end],
                newton, work, strong,
            )  # fmt: skip
            budget -= n_iters[i] + 1
            spend_interpreted(layout, n_iters[i] + 1)
            if allowed < max_iter and n_iters[i] >= allowed:
                break  # alpha i goes on compiled
            if end < n_path and (
                budget <= 0
                or projected_past(granted, budget, end - start, n_path - end)
            ):
                stop_interpreting(layout)
                return end
        else:
            return n_path
    stop_interpreting(layout)
    if coefs.shape[0] > 0:
        coefs[:, i] = 0  # written at the end of its sweeps: the resumed solve's
    resume_unstepped(newton, n_iters[i], min(rule[0], max_iter), gaps[i])
    return i


def _plain_arguments(
    layout, coef, l1s, l2s, positive, max_iter, first_budget, tol, screening,
    path_gaps, rows, coefs, newton, outputs, strong,
):  # fmt: skip
    """The arguments of :func:`~skreg._kernels.cd_plain.plain_cd_path` but
    the state and the start, for :func:`plain_path_kernel`: ``(quick start,
    problem, those between the state and the start, those after it, the
    outputs)``."""
    work = plain_cd_work(coef.shape[0], layout.dtype)
    outputs = _path_outputs(l1s.shape[0]) if outputs is None else outputs
    quick = strong is None and quick_start(layout)
    problem, _, *head = _kernel_head(layout, None, coef, l1s, l2s, positive, max_iter)
    middle = (
        *head,
        float(tol),
        float(tol * layout.y_norm2),
        # A quick start does not screen: None compiles screening, and the
        # layout's move it makes, out of its budget kernel (first fit on a
        # 2000x10000 CSC design, empty cache: 4.7 -> 3.6 s).  The features
        # screening drops are zero at the solution; plain CD finds that too,
        # at the cost of their columns in each sweep (quick starts' times in
        # benchmarks/bench_quick_start.py unchanged).
        None if quick else bool(screening),
        path_gaps,
        _newton_rule(layout, first_budget, False),
    )
    tail = (work[2] if rows is None else rows, coefs, *outputs, newton, work, strong)
    return quick, problem, middle, tail, outputs


# What a compiled quick start compiles: the sweeps, where its time goes.  The
# rest of plain CD's kernel runs in the interpreter, its gaps in NumPy (a
# pass over X each, once a budget of sweeps): compiling plain CD's budget and
# its gap too took 15 kernels, 2.6-3.5 s, where the sweeps alone took 3, 0.7-1.2 s
# (first fits with an empty cache of lasso_path and LassoCV on 100x300
# designs, which need thousands of sweeps; benchmarks/run.py first-use).
QUICK_START_COMPILED = (cd_sweep_dense, cd_sweep_gram, cd_sweep_sparse)


def strong_path_kernel(layout, state, coef, l1s, l2s, *, strong=None, **options):
    """:func:`plain_path_kernel` with strong rules and active-set cycling
    (:mod:`skreg._kernels.cd_strong`); ``strong`` carries the sets from call
    to call (new ones when None)."""
    if strong is None:
        strong = new_strong_work(coef.shape[0])
    return plain_path_kernel(layout, state, coef, l1s, l2s, strong=strong, **options)


def working_set_path_kernel(
    layout, state, coef, l1s, l2s, *, start, positive, max_iter, first_budget,
    tol, screening, path_gaps, rows, coefs, newton, outputs=None, stats=None,
    buffers=None, cold=False, loose=(np.inf, 0.0), solver=None,
):  # fmt: skip
    """Call :func:`~skreg._kernels.cd_working_set.working_set_cd` as
    :func:`plain_path_kernel` calls plain CD's kernel.

    ``stats`` and ``buffers`` are the solver's correlation bounds and work
    arrays (new ones when None), ``cold`` whether a start at zero gets a
    first sweep over every feature
    (:func:`~skreg.linear_model._strategy.cold_sweep`), ``loose`` the
    ``(limit, gap)`` of a staged CV search, ``solver`` the ``(initial size,
    Anderson depth, inner gap fraction)`` (None: this module's).
    """
    if stats is None:
        stats = new_bounds(layout.col_norms2, layout.n_samples)
    if buffers is None:
        buffers = new_buffers(layout.n_features, layout.n_samples, layout.dtype)
    outputs = _path_outputs(l1s.shape[0]) if outputs is None else outputs
    initial_size, depth, inner_fraction = solver or (
        INITIAL_WORKING_SET,
        ANDERSON_DEPTH,
        INNER_GAP_FRACTION,
    )
    stop = working_set_cd(
        *_kernel_head(layout, state, coef, l1s, l2s, positive, max_iter),
        float(tol * layout.y_norm2),
        bool(screening),
        stats,
        (
            int(initial_size),
            int(depth),
            float(inner_fraction),
            bool(cold),
            bool(PATH_EXTRAPOLATION),
        ),
        path_gaps,
        (float(loose[0]), float(loose[1])),
        _newton_rule(layout, first_budget, True),
        _residual_weights(layout),
        buffers,
        int(start),
        buffers.everything if rows is None else rows,
        coefs,
        *outputs,
        newton,
    )
    return (stop, *outputs)


def _newton_when_crawling(layout, state, coef, l1, l2, positive, run, newton=None):
    """Run the CD kernel ``run(state, newton)``, with Newton steps on the
    support when it crawls.

    The kernel runs on budgets of ``first_budget`` sweeps, doubling.
    When, at the rate of the budget just spent, the gap would need more than
    ``SWEEPS_PER_NEWTON_STEP`` more sweeps to reach the target (and, in plain
    CD, that budget cut it less than ``NEWTON_PROGRESS`` times), coordinate
    descent is crawling, and the support gets Newton steps
    (:func:`support_newton_steps`) once the sweeps spent outnumber its
    features (a sweep over it costs about ``1 / |S|`` of its ``X_S'X_S``;
    in covariance mode ``X_S'X_S`` is at hand, and ``GRAM_SUPPORT_PER_SWEEP``
    features per sweep), one step for every ``SWEEPS_PER_NEWTON_STEP`` sweeps
    made, in all (a budget in time would make the result depend on the
    machine's load), until ``NEWTON_MAX_FAILED`` of them were followed by a
    whole budget of sweeps.  The kernel applies the rule
    (:func:`~skreg._kernels.cd_plain.newton_due`) and stops where steps are
    due, its state in the Newton state ``newton``; they are taken here (some
    layouts form ``X_S'X_S`` with BLAS), and the kernel goes on from that
    state.  ``newton`` is None for a new solve, or the state of one that a
    path's kernel ran up to due steps.  Returns ``(gap, n_iter, state)``.
    """
    if newton is None:
        newton = new_newton_state()
        gap, n_iter, due = run(state, newton)
        if not due:
            return gap, n_iter, state  # most solves: one kernel call, no more
    while True:
        state = take_newton_steps(layout, state, coef, l1, l2, positive, newton)
        gap, n_iter, due = run(state, newton)
        if not due:
            return gap, n_iter, state


def take_newton_steps(layout, state, coef, l1, l2, positive, newton):
    """The Newton steps due by the Newton state ``newton``, on the support of
    ``coef`` (in place); records them in ``newton``.  Returns the state of
    the layout after them (``state`` when none was taken)."""
    stepped, taken = support_newton_steps(
        layout, state, coef, l1, l2, positive, int(newton[NEWTON_DUE])
    )
    newton[NEWTON_N_STEPS] += taken
    newton[NEWTON_STEPPED] = stepped is not None
    return state if stepped is None else stepped


def _residual_weights(layout):
    """Sample weights of the residual's inner product, empty for unit weights."""
    problem = layout.problem
    if getattr(problem, "weighted", False):
        return problem.sample_weight
    return np.empty(0, dtype=layout.dtype)


def _solve_random(
    layout, state, coef, l1, l2, max_iter, tol, positive, rng, screening, path_gap
):
    """scikit-learn's CD with ``selection='random'``.

    The coordinates are drawn in NumPy sweep by sweep (the kernels take no
    random state); the gap and screening are the compiled ones of
    :func:`skreg._kernels.cd_plain.plain_cd_path`.
    """
    dtype = layout.dtype.type
    problem = layout.problem
    l1_typed, l2_typed = dtype(l1), dtype(l2)
    xtr, scratch, everything = plain_cd_work(layout.n_features, layout.dtype)
    tol_scaled = tol * layout.y_norm2
    screening = screening and l1 > 0
    gap, dual_norm, primal, _, _ = full_gap(
        problem, state, coef, l1, l2, l2_typed, positive, xtr, everything, everything
    )
    if gap <= gap_target(tol_scaled, primal, path_gap):
        if path_gap > 0 and l1 > 0:
            return sweep_support(
                problem, state, coef, l1, l2, l1_typed, l2_typed, positive, gap,
                xtr, scratch,
            )  # fmt: skip
        return gap, 0
    active = np.flatnonzero(layout.col_norms2 != 0)
    n_active = active.size
    if screening:
        n_active = screen(
            problem, state, coef, active, n_active, xtr, dual_norm, gap, l1, l2
        )
    n_iter = 0
    for n_iter in range(max_iter):
        draws = rng.randint(0, max(n_active, 1), size=n_active)
        order = active[:n_active][draws]
        max_delta, max_abs_w, _ = layout_sweep(
            problem, state, coef, l1_typed, l2_typed, positive, order
        )
        if max_abs_w == 0 or max_delta / max_abs_w <= tol or n_iter == max_iter - 1:
            gap, dual_norm, primal, _, _ = full_gap(
                problem, state, coef, l1, l2, l2_typed, positive, xtr, everything,
                everything,
            )  # fmt: skip
            if gap <= gap_target(tol_scaled, primal, path_gap):
                break
            if screening:
                n_active = screen(
                    problem, state, coef, active, n_active, xtr, dual_norm, gap, l1, l2
                )
    return gap, n_iter + 1
