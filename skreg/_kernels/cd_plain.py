"""scikit-learn's coordinate descent for one alpha, start to finish in one call.

On small problems the Python around each sweep (gap checks, screening) costs
more than the sweep itself, so the whole loop of the plain solver runs here:
cyclic sweeps over the active features; after a sweep whose largest update is
small relative to the largest coefficient, the duality gap of the full problem
and gap-safe screening (Fercoq et al. 2015).

The loop is written once for the three data layouts of
:mod:`skreg._kernels.problems`, whose operations dispatch on the problem's
named type, so a dense fit compiles only the dense kernels.
"""

import numpy as np

from skreg._kernels.gap import enet_gap
from skreg._kernels.penalty import factor_at, factor_of
from skreg._kernels.problems import layout_move, layout_stats, layout_sweep
from skreg._numba import inner_kernel, njit, numpy_version_of

# A path passes ``path_gap`` > 0: its gap must then also be at most
# ``path_gap`` times the primal objective.  ``tol * ||y||^2`` alone is loose
# once the model fits well (the residual is small next to y), and held-out
# errors of such solutions rank neighbouring alphas wrongly: LassoCV on
# make_regression(60, 150) chose 10 grid steps from its tol=1e-8 choice
# (issue 14, D10).  The floor keeps the target within 100x of ``tol``, so a
# path near interpolation (primal -> 0) still ends.
PATH_GAP_FLOOR = 1e-2


# Inlined into their callers (numba IR): a kernel of its own would be linked
# and optimized again inside each caller (first-use breakdown, issue 13).
@njit(inline="always")
def gap_target(tol_scaled, primal, path_gap):
    """The gap a solve must reach: ``tol_scaled``, and on a path a relative one."""
    # Comparisons, not min() and max(): see cd.cd_sweep_dense.
    if path_gap > 0:
        relative = path_gap * primal
        floor = PATH_GAP_FLOOR * tol_scaled
        if floor > relative:
            relative = floor
        if relative < tol_scaled:
            return relative
    return tol_scaled


@inner_kernel
def fit_unpenalized(problem, state, w, l2_typed, positive, xtr, penalty):
    """Minimize exactly over the unpenalized features (``pf_j = 0``) as a block.

    Afterwards ``X_U'r = 0`` (to rounding), the dual constraint of these
    features, so the rescaled residual is dual feasible: the gap is a
    certificate and gap-safe screening stays safe.  One least-squares step
    with the pseudo-inverse of ``X_U'X_U`` (computed once per layout); with
    ``positive`` it is clipped at zero (then only a descent step).  Costs
    ``|U|`` column passes; nothing without unpenalized features.
    ``penalty`` is ``problem.penalty``: as an argument, None prunes the
    block before typing.
    """
    if penalty is None:
        return
    unpenalized = penalty.unpenalized
    n_unpenalized = unpenalized.shape[0]
    if n_unpenalized == 0:
        return
    inverse = penalty.unpenalized_inv
    layout_stats(problem, state, w, l2_typed, True, unpenalized, xtr)
    for a in range(n_unpenalized):
        delta = 0.0
        for b in range(n_unpenalized):
            delta += inverse[a, b] * xtr[unpenalized[b]]
        j = unpenalized[a]
        old = w[j]
        w[j] = max(old + delta, 0.0) if positive else old + delta
        step = w[j] - old  # in w's dtype, as the layout's state
        if step != 0:
            layout_move(problem, state, j, step)


@inner_kernel
def full_gap(problem, state, w, l1, l2, l2_typed, positive, xtr, everything, support):
    """Duality gap of the full problem: ``(gap, dual norm, primal, ||r||^2,
    r'y)``; fills ``xtr``.

    ``everything`` lists every feature (``0 .. n_features - 1``), given by the
    caller: an ``np.arange`` here would compile numba's implementation of it
    into the first fit (issue 13).  ``support`` lists at least the non-zero
    penalized coefficients (``everything`` will do), for the penalty.
    """
    fit_unpenalized(problem, state, w, l2_typed, positive, xtr, problem.penalty)
    r_norm2, r_dot_y = layout_stats(
        problem, state, w, l2_typed, l1 > 0, everything, xtr
    )
    gap, dual_norm, primal = gap_at(
        problem, w, l1, l2, positive, xtr, support, r_norm2, r_dot_y
    )
    return gap, dual_norm, primal, r_norm2, r_dot_y


@inner_kernel
def gap_at(problem, w, l1, l2, positive, xtr, support, r_norm2, r_dot_y):
    """``(gap, dual norm, primal)`` from the statistics of a pass over ``X``
    (:func:`full_gap`): ``xtr`` holds ``X'r - l2 pf w`` (``X'r`` when
    ``l1 == 0``) at ``w``; ``support`` as in :func:`full_gap`."""
    gap, dual_norm = enet_gap(
        w, xtr, r_norm2, r_dot_y, l1, l2, positive, problem.penalty, problem.col_norms2
    )
    factor = factor_of(problem.penalty)
    primal = 0.5 * r_norm2 + penalty(w, support, l1, l2, factor)
    return gap, dual_norm, primal


@inner_kernel
def screen(problem, state, w, active, n_active, xtr, dual_norm, gap, l1, l2):
    """Gap-safe rule: drop provably-zero features; return the new active count.

    ``active[:n_active]`` is compacted in place, keeping its order.  With
    penalty factors feature ``j``'s constraint is ``|x_j'theta| <= pf_j``;
    unpenalized features are never dropped.
    """
    col_norms2 = problem.col_norms2
    factor = factor_of(problem.penalty)
    scale = max(l1, dual_norm)
    radius = np.sqrt(2.0 * max(gap, 0.0)) / l1
    kept = 0
    for k in range(n_active):
        j = active[k]
        pf_j = factor_at(factor, j)
        distance = (pf_j - abs(xtr[j]) / scale) / np.sqrt(col_norms2[j] + l2 * pf_j)
        if distance <= radius or pf_j == 0:
            active[kept] = j
            kept += 1
        elif w[j] != 0:
            layout_move(problem, state, j, -w[j])
            w[j] = 0
    return kept


@inner_kernel
def penalty(w, features, l1, l2, factor):
    """``sum_F pf_j (l1 |w_j| + l2/2 w_j^2)`` over the ``features`` F, in float64.

    ``factor`` holds the ``pf_j`` (None: all ones).
    """
    weighted = factor is not None
    total = 0.0
    for k in range(features.shape[0]):
        j = features[k]
        value = w[j]
        term = l1 * abs(value) + 0.5 * l2 * value * value
        total += factor[j] * term if weighted else term
    return total


@numpy_version_of(penalty)
def _penalty_numpy(w, features, l1, l2, factor):
    values = w[features].astype(np.float64)
    terms = l1 * np.abs(values) + 0.5 * l2 * values * values
    return float((terms if factor is None else factor[features] * terms).sum())


# Loops over every feature, with NumPy versions: interpreted (quick starts),
# a Python loop over 20000 features cost 9 ms, once a budget of sweeps.
@njit(inline="always")
def nonzero_into(values, out):
    """Write the indices of the non-zeros of ``values`` to ``out``, in order;
    return their count."""
    n = 0
    for j in range(values.shape[0]):
        if values[j] != 0:
            out[n] = j
            n += 1
    return n


@numpy_version_of(nonzero_into)
def _nonzero_into_numpy(values, out):
    found = np.flatnonzero(values)
    out[: found.size] = found
    return found.size


@njit(inline="always")
def count_nonzero(values):
    """The number of non-zeros of ``values``."""
    n = 0
    for j in range(values.shape[0]):
        n += values[j] != 0
    return n


@numpy_version_of(count_nonzero)
def _count_nonzero_numpy(values):
    return int(np.count_nonzero(values))


@njit(inline="always")
def store_nonzero(w, rows, coefs, i):
    """``coefs[rows[j], i] = w[j]`` for the non-zeros of ``w``."""
    for j in range(w.shape[0]):
        if w[j] != 0:
            coefs[rows[j], i] = w[j]


@numpy_version_of(store_nonzero)
def _store_nonzero_numpy(w, rows, coefs, i):
    found = np.flatnonzero(w)
    coefs[rows[found], i] = w[found]


@njit(inline="always")
def sweep_support(
    problem, state, w, l1, l2, l1_typed, l2_typed, positive, gap, xtr, scratch
):
    """One sweep over the non-zero coefficients of a start that meets tol.

    Without it a warm-started path stalls: each alpha keeps the previous
    coefficients and the CV error along the path is a staircase.  Only the
    support is swept (a full sweep costs a pass over ``X``), so an all-zero
    start stays exactly zero.  The certificate needs no pass either: the dual
    point that certified ``gap`` stays feasible and a CD sweep only lowers the
    primal.  Returns ``(gap bound, sweeps made)``.  ``xtr`` (any array of the
    data's dtype) and ``scratch`` (intp, ``n_features`` long; overwritten) are
    work space, so that this compiles no array allocation.
    """
    n_support = nonzero_into(w, scratch)
    if n_support == 0:
        return gap, 0
    support = scratch[:n_support]
    empty = support[:0]
    xtr = xtr[:0]
    r_norm2, _ = layout_stats(problem, state, w, l2_typed, True, empty, xtr)
    factor = factor_of(problem.penalty)
    dual = 0.5 * r_norm2 + penalty(w, support, l1, l2, factor) - gap
    layout_sweep(problem, state, w, l1_typed, l2_typed, positive, support)
    r_norm2, _ = layout_stats(problem, state, w, l2_typed, True, empty, xtr)
    return min(gap, 0.5 * r_norm2 + penalty(w, support, l1, l2, factor) - dual), 1


@njit(inline="always")
def newton_step_budget(
    gap, last_gap, target, spent, n_support, n_iter, n_steps, trusted, rule
):
    """Newton steps due on the support of a solve whose last ``spent`` sweeps
    took its gap from ``last_gap`` to ``gap`` (0: none); the rule of
    ``_cd_solver._newton_when_crawling``, ``rule = (first_budget,
    max_support, support_per_sweep, progress, sweeps_per_step,
    max_failed)``.

    Due when those sweeps cut the gap less than ``progress`` times
    (crawling), the gap is above ``target`` and, at their linear rate,
    would need more than ``sweeps_per_step`` more sweeps (a step costs about
    that many), the support is not empty and has at most
    ``min(support_per_sweep * n_iter, max_support)`` features, and fewer
    than one step per ``sweeps_per_step`` sweeps was taken so far
    (``n_steps``).  A ``trusted`` solve (on a path whose last step
    finished its alpha, ``_path._solve_path_in_kernel``) may take its first
    step at once: on a support of at most ``max_support`` features, after
    any number of sweeps.
    """
    max_support, support_per_sweep = rule[1], rule[2]
    progress, sweeps_per_step = rule[3], rule[4]
    largest = max_support if trusted else min(n_iter * support_per_sweep, max_support)
    if not (gap * progress > last_gap and gap > target and 0 < n_support <= largest):
        return 0
    if gap < last_gap:
        remaining = spent * np.log(target / gap) / np.log(gap / last_gap)
        if remaining <= sweeps_per_step:
            return 0
    allowed = n_iter // sweeps_per_step
    if trusted and allowed < 1:
        allowed = 1
    return max(allowed - n_steps, 0)


# The Newton state of a solve (float64, NEWTON_STATE_SIZE), which the path
# kernels write where they stop for a step and read back when the driver
# resumes them after it: the solve's sweeps and next budget, the steps taken,
# the steps followed by a whole budget of sweeps (failed), whether the last
# budget followed a step, the gap before it, and the steps due; and whether
# the path's driver trusts the steps (newton_step_budget), which the kernels
# only read.
NEWTON_N_ITER = 0  # -1: no step taken yet (a solve from its start)
NEWTON_BUDGET = 1
NEWTON_N_STEPS = 2
NEWTON_N_FAILED = 3
NEWTON_STEPPED = 4
NEWTON_LAST_GAP = 5
NEWTON_DUE = 6
NEWTON_TRUSTED = 7
NEWTON_STATE_SIZE = 8


# The rule of the two path kernels (plain_cd_path,
# cd_working_set.working_set_cd), written once.
@inner_kernel
def newton_due(resumed, newton, gap, last_gap, target, tol_scaled, spent,
               n_support, n_iter, budget, rule):  # fmt: skip
    """Newton steps due after a budget of ``spent`` sweeps (0: none), the
    rule of ``_cd_solver._newton_when_crawling``.

    Before a solve's first step (``resumed`` False) the budget's gap is
    compared with ``last_gap``, the one it started from, and ``target``;
    after steps with ``newton[NEWTON_LAST_GAP]`` (the gap of the budget
    before, or before the step) and ``tol_scaled``, and none are due once
    ``max_failed`` steps were followed by a whole budget of sweeps: such
    steps did not find the support (near interpolation it keeps changing),
    and the sweeps go on alone.  Where steps are due, ``newton`` records the
    solve's state for the driver.
    """
    n_steps = 0
    if resumed:
        newton[NEWTON_N_FAILED] += newton[NEWTON_STEPPED]
        newton[NEWTON_STEPPED] = 0
        last_gap, target = newton[NEWTON_LAST_GAP], tol_scaled
        n_steps = np.int64(newton[NEWTON_N_STEPS])
    trusted = newton[NEWTON_TRUSTED] > 0
    steps = newton_step_budget(
        gap, last_gap, target, spent, n_support, n_iter, n_steps, trusted, rule
    )
    if resumed and newton[NEWTON_N_FAILED] >= rule[5]:
        steps = 0
    if resumed or steps > 0:
        newton[NEWTON_LAST_GAP] = gap
    if steps > 0:
        newton[NEWTON_N_ITER] = n_iter
        newton[NEWTON_BUDGET] = budget
        newton[NEWTON_DUE] = steps
        if not resumed:
            newton[NEWTON_N_STEPS] = 0
            newton[NEWTON_N_FAILED] = 0
            newton[NEWTON_STEPPED] = 0
    return steps


@inner_kernel
def plain_budget(
    problem, state, w, l1, l2, l1_typed, l2_typed, positive, tol, tol_scaled,
    path_gap, allowed, screen_here, xtr, active, everything,
):  # fmt: skip
    """One budget of at most ``allowed`` cyclic sweeps at penalty ``l1, l2``:
    scikit-learn's loop, the budget of :func:`plain_cd_path` without strong
    rules (:func:`~skreg._kernels.cd_strong.strong_budget` with them).

    A full gap first; a start that meets the target returns at once, with
    no sweep (the caller decides about :func:`sweep_support`, which a
    single fit does not need).  Otherwise sweeps over the active
    features (gap-safe screened when ``screen_here``) until the largest
    update is within ``tol`` of the largest coefficient, then a full gap,
    until it meets the target; ``screen_here`` None: no screening, compiled
    away.  ``active`` (intp, ``n_features``) is work space.  Returns
    ``(gap, dual norm, primal, sweeps, first gap)`` as ``strong_budget``
    does.  Quick starts run its Python code, their sweeps alone compiled
    (:mod:`skreg._quick_start`).
    """
    n_features = w.shape[0]
    col_norms2 = problem.col_norms2
    sweeps = 0
    # One site each for the full gap, its target and screening: each site is
    # typed and lowered again.
    first_gap = 0.0
    # Not the literal 0: numba would compile a second specialization of
    # screen for it (Literal[int](0) | int64).
    n_active = n_features - n_features
    while True:
        gap, dual_norm, primal, _, _ = full_gap(
            problem, state, w, l1, l2, l2_typed, positive, xtr, everything, everything
        )
        if sweeps == 0:
            first_gap = gap
        if gap <= gap_target(tol_scaled, primal, path_gap) or sweeps >= allowed:
            break
        if sweeps == 0:
            n_active = nonzero_into(col_norms2, active)
        if screen_here is not None and screen_here:
            n_active = screen(
                problem, state, w, active, n_active, xtr, dual_norm, gap, l1, l2
            )
        while True:  # sweeps until the updates are small, then a full gap
            max_delta, max_abs_w, _ = layout_sweep(
                problem, state, w, l1_typed, l2_typed, positive, active[:n_active]
            )
            sweeps += 1
            if max_abs_w == 0 or max_delta / max_abs_w <= tol or sweeps == allowed:
                break
    return gap, dual_norm, primal, sweeps, first_gap


# Inlined: the record of the two path kernels, written once.
@njit(inline="always")
def record_alpha(i, gap, n_iter, gaps, n_iters):
    """Write the gap and the sweeps of alpha ``i``."""
    gaps[i] = gap
    n_iters[i] = n_iter


@njit
def plain_cd_path(
    problem,
    state,
    w,
    l1s,
    l2s,
    l1s_typed,
    l2s_typed,
    positive,
    max_iter,
    tol,
    tol_scaled,
    screening,
    path_gaps,
    newton_rule,
    start,
    rows,
    coefs,
    gaps,
    n_iters,
    newton,
    work,
    strong,
):
    """scikit-learn's cyclic CD at each penalty ``l1s[i], l2s[i]`` in turn,
    warm-started: a path, or a single fit (one penalty).

    ``w`` and ``state`` are updated in place.  ``l1s``, ``l2s``, ``tol``
    (relative, for the updates) and ``tol_scaled`` (for the gap) are float64,
    penalties already multiplied by the weighted number of samples;
    ``l1s_typed`` and ``l2s_typed`` are the penalties in the data's
    precision, in which the sweeps run.  A path passes ``path_gaps`` > 0 (0
    otherwise): the gap must also reach ``path_gaps[i]`` times the primal
    (:func:`gap_target`), and a start that already does still gets one sweep
    (scikit-learn always sweeps once; a path needs it, see
    :func:`sweep_support`).  ``screening`` applies where ``l1s[i] > 0``.

    The alpha loop runs here: on small problems the Python and the call of
    a kernel per alpha cost more than the sweeps (500x50, 100 alphas: 1.9 ms,
    of which 0.6 ms in the kernel).  Each alpha runs on budgets of sweeps
    as ``_cd_solver._newton_when_crawling`` does, ``newton_rule =
    (first_budget, max_support, support_per_sweep, progress,
    sweeps_per_step, max_failed)`` (a first budget of ``max_iter``: one
    budget, no Newton steps).  At an alpha where Newton steps on the support
    are due (:func:`newton_due`) the kernel records its state in ``newton``
    (a Newton state, ``NEWTON_STATE_SIZE`` float64) and stops: the driver
    takes the steps and calls it again from that alpha, which then goes on
    from that state (``newton[NEWTON_N_ITER] >= 0``; -1 otherwise, as it is
    left once an alpha is finished).

    Runs the alphas from ``start`` on.  Writes the coefficients of each
    finished alpha to ``coefs[rows[j], i]`` (its non-zeros only: ``coefs`` is
    zero on entry; an empty ``coefs`` stores nothing); the gap and sweeps of
    every alpha run (the unfinished one too) to ``gaps[i]`` and
    ``n_iters[i]``.  Returns the index of the unfinished alpha, or the
    number of alphas when all are finished.  ``work`` holds
    work arrays (:func:`plain_cd_work`): allocated in NumPy, not here, where
    each ``np.empty`` or ``np.arange`` would compile numba's implementation
    into the first fit.  ``strong``, a
    :class:`~skreg._kernels.cd_strong.StrongWork` (None: plain CD), runs each
    budget with strong rules and active-set cycling instead
    (:func:`~skreg._kernels.cd_strong.strong_budget`); a budget of
    ``STRONG_BUDGET`` sweeps that does not finish an alpha (and no Newton
    step due) then stops the kernel at that alpha with ``newton`` not
    resumable (``newton[NEWTON_N_ITER] = -1``): the driver finishes it.
    """
    first_budget = newton_rule[0]
    xtr, active, everything = work
    if strong is not None:
        cd_strong.strong_enter(w, strong)
    newton_on = first_budget < max_iter
    for i in range(start, l1s.shape[0]):
        l1, l2 = l1s[i], l2s[i]
        l1_typed, l2_typed = l1s_typed[i], l2s_typed[i]
        path_gap = path_gaps[i]
        screen_here = screening and l1 > 0
        budget = min(first_budget, max_iter)
        if strong is not None:
            budget = min(budget, cd_strong.STRONG_BUDGET)
        n_iter = 0
        # Resumed after a Newton step: the solve goes on where it stopped.
        resumed = i == start and newton[NEWTON_N_ITER] >= 0
        if resumed:
            n_iter = np.int64(newton[NEWTON_N_ITER])
            budget = np.int64(newton[NEWTON_BUDGET])
        while True:
            allowed = min(budget, max_iter - n_iter)
            if strong is not None:
                gap, dual_norm, primal, sweeps, last_gap = cd_strong.strong_budget(
                    problem, state, w, l1, l2, l1_typed, l2_typed, positive,
                    tol_scaled, path_gap, allowed, newton_on, xtr, everything, strong,
                )  # fmt: skip
            else:
                gap, _, primal, sweeps, last_gap = plain_budget(
                    problem, state, w, l1, l2, l1_typed, l2_typed, positive, tol,
                    tol_scaled, path_gap, allowed, screen_here, xtr, active,
                    everything,
                )  # fmt: skip
                certified = gap <= gap_target(tol_scaled, primal, path_gap)
                if sweeps == 0 and certified and path_gap > 0 and l1 > 0:
                    # A start that met the target: one sweep on a path.
                    gap, sweeps = sweep_support(
                        problem, state, w, l1, l2, l1_typed, l2_typed, positive,
                        gap, xtr, active,
                    )  # fmt: skip
            n_iter += sweeps
            if sweeps < allowed or n_iter >= max_iter:
                break
            if strong is not None and gap <= gap_target(tol_scaled, primal, path_gap):
                break  # certified by the budget's last sweep
            budget *= 2
            n_support = count_nonzero(w)
            target = gap_target(tol_scaled, primal, path_gap)
            if (strong is None or newton_on) and newton_due(
                resumed, newton, gap, last_gap, target, tol_scaled, sweeps,
                n_support, n_iter, budget, newton_rule,
            ):  # fmt: skip
                record_alpha(i, gap, n_iter, gaps, n_iters)
                return i
            if strong is not None:
                # Strong rules crawl: the driver hands the alpha to working
                # sets with extrapolation (a stop with no state to resume).
                newton[NEWTON_N_ITER] = -1
                record_alpha(i, gap, n_iter, gaps, n_iters)
                return i
        newton[NEWTON_N_ITER] = -1
        record_alpha(i, gap, n_iter, gaps, n_iters)
        if coefs.shape[0] > 0:
            if strong is not None:  # every non-zero is in the active set
                for k in range(strong.counts[1]):
                    j = strong.active[k]
                    coefs[rows[j], i] = w[j]
            else:
                store_nonzero(w, rows, coefs, i)
    return l1s.shape[0]


def plain_cd_work(n_features, dtype):
    """The work arrays of :func:`plain_cd_path`: ``(xtr, active, everything)``."""
    return (
        np.empty(n_features, dtype=dtype),
        np.empty(n_features, dtype=np.intp),
        np.arange(n_features, dtype=np.intp),
    )


# At the end: cd_strong builds on this module's kernels (a module reference,
# resolved when plain_cd_path compiles).
from skreg._kernels import cd_strong  # noqa: E402
