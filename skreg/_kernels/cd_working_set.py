"""Working-set coordinate descent for one alpha, start to finish in one call.

Massias et al. 2018 (celer) and Bertrand et al. 2022 (skglm): rank the
coordinates by their gap-safe distance to the dual constraint, solve the
problem restricted to the best ones (the support always included) by CD
accelerated with Anderson extrapolation, then certify with the duality gap of
the full problem and grow the working set when needed.  Gap-safe screening
(Fercoq et al. 2015) drops coordinates proven zero.

The whole loop is compiled, so a fit releases the GIL from start to finish and
pays no Python overhead per outer iteration; statistics of the full problem
come from :func:`skreg._kernels.bounds.bounded_stats`, which skips the
columns that provably cannot bind.
"""

from typing import NamedTuple

import numpy as np

from skreg._kernels.bounds import bounded_stats
from skreg._kernels.cd_plain import (
    NEWTON_BUDGET,
    NEWTON_N_ITER,
    fit_unpenalized,
    gap_target,
    newton_due,
    penalty,
    record_alpha,
    sweep_support,
)
from skreg._kernels.gap import enet_gap
from skreg._kernels.penalty import factor_at, factor_of, n_unpenalized
from skreg._kernels.problems import (
    layout_assign_state,
    layout_copy_state,
    layout_move,
    layout_residual,
    layout_stats,
    layout_stats_at,
    layout_sweep,
)
from skreg._numba import inner_kernel, njit


class DualCandidate(NamedTuple):
    """An extrapolated ``(residual, w)`` pair for dual certificates."""

    residual: np.ndarray
    w: np.ndarray
    valid: np.ndarray  # intp (1,): 1 when the pair is current
    residual_weights: np.ndarray  # sample weights, or empty for unit weights


class WorkingSetBuffers(NamedTuple):
    """The work arrays of :func:`working_set_cd`, allocated once per problem.

    A path solves the same problem at each alpha; most of its alphas are
    certified at their warm start in a fraction of a pass over ``X``, and
    allocating (and zeroing) these arrays at every call was a visible part of
    that fixed cost.  Their contents on entry do not matter.  ``support``
    receives the indices of the non-zero coefficients on return, ``n_support``
    their number (the driver's support without an O(p) pass in NumPy).
    """

    xtr: np.ndarray  # w.dtype (n_features,)
    xtr_dual: np.ndarray  # w.dtype (n_features,)
    residual: np.ndarray  # w.dtype (n_samples,), empty in covariance mode
    dual_residual: np.ndarray  # w.dtype (n_samples,)
    dual_w: np.ndarray  # w.dtype (n_features,)
    dual_valid: np.ndarray  # intp (1,)
    everything: np.ndarray  # intp (n_features,): 0 .. n_features - 1
    candidates: np.ndarray  # intp (n_features,)
    distance: np.ndarray  # float64 (n_features,)
    distance_copy: np.ndarray  # float64 (n_features,): work space of _select
    working: np.ndarray  # intp (n_features,)
    previous: np.ndarray  # intp (n_features,)
    support: np.ndarray  # intp (n_features,)
    n_support: np.ndarray  # intp (1,)
    # The path's warm-start extrapolation (see working_set_cd): the
    # coefficients at the start of the alpha (zero off ``started``), the
    # first ``n_started`` entries of ``started`` listing their support, and
    # the last alpha's change along ``support``.
    start_w: np.ndarray  # w.dtype (n_features,), zeros on creation
    started: np.ndarray  # intp (n_features,)
    velocity: np.ndarray  # w.dtype (n_features,)


def new_buffers(n_features, n_samples, dtype):
    """Work arrays for :func:`working_set_cd`; ``n_samples=0`` in covariance mode."""
    return WorkingSetBuffers(
        np.empty(n_features, dtype=dtype),
        np.empty(n_features, dtype=dtype),
        np.empty(n_samples, dtype=dtype),
        np.empty(n_samples, dtype=dtype),
        np.empty(n_features, dtype=dtype),
        np.zeros(1, dtype=np.intp),
        np.arange(n_features, dtype=np.intp),
        np.empty(n_features, dtype=np.intp),
        np.empty(n_features),
        np.empty(n_features),
        np.empty(n_features, dtype=np.intp),
        np.empty(n_features, dtype=np.intp),
        np.empty(n_features, dtype=np.intp),
        np.zeros(1, dtype=np.intp),
        np.zeros(n_features, dtype=dtype),
        np.empty(n_features, dtype=np.intp),
        np.empty(n_features, dtype=dtype),
    )


# A start within NEAR_TOLERANCE times the tolerance (a warm start along a
# path) begins with rounds of FIRST_ROUND_DEPTH sweeps, doubling up to
# ``depth``: most such subproblems are solved in a few sweeps, and a full
# round of ``depth`` sweeps before the first gap check would cost more than
# the solve (LassoCV on make_regression(1000, 1500): 0.086 -> 0.057 s a path).
# Far from the tolerance, long rounds from the start feed Anderson best.
FIRST_ROUND_DEPTH = 3
NEAR_TOLERANCE = 100.0


# Inlined (numba IR) into its one caller, as are anderson_point and
# dual_value: each kernel of its own is compiled again inside every kernel
# that calls it (numba links and re-optimizes callees), so a small helper
# called once costs less pasted in (first-use breakdown, issue 13).
@njit(inline="always")
def _subset_gap(w, xtr, features, r_norm2, r_dot_y, l1, l2, positive, factor):
    """Duality gap of the problem restricted to ``features`` (others zero)."""
    primal = 0.5 * r_norm2 + penalty(w, features, l1, l2, factor)
    dual = _rescaled_dual(w, xtr, features, r_norm2, r_dot_y, l1, l2, positive, factor)
    return primal - dual


@inner_kernel
def anderson_weights(history, sample_weight, weights):
    """Anderson weights of a sequence of vectors (one per row of ``history``).

    Writes into ``weights`` (``len(history) - 1`` entries) the ``c`` summing to
    one that minimizes ``||sum_k c_k (history[k + 1] - history[k])||``, in the
    ``sample_weight`` inner product when it is not empty; returns False when
    the sequence is not finite or the small linear system is singular.
    """
    depth = history.shape[0] - 1
    size = history.shape[1]
    weighted = sample_weight.shape[0] == size
    for k in range(depth + 1):
        for m in range(size):
            # ``abs(x) < inf`` is False for NaN and inf alike.
            if not abs(history[k, m]) < np.inf:
                return False
    diff = np.empty((depth, size))
    for k in range(depth):
        for m in range(size):
            diff[k, m] = history[k + 1, m] - history[k, m]
    system = np.empty((depth, depth + 1))
    for a in range(depth):
        for b in range(a, depth):
            total = 0.0
            for m in range(size):
                product = diff[a, m] * diff[b, m]
                total += sample_weight[m] * product if weighted else product
            system[a, b] = total
            system[b, a] = total
        system[a, depth] = 1.0
    # A ridge of 1e-10 of the mean eigenvalue keeps G solvable when the
    # differences are linearly dependent (few coordinates, or converged).
    ridge = 0.0
    for a in range(depth):
        ridge += system[a, a]
    ridge *= 1e-10 / depth
    for a in range(depth):
        system[a, a] += ridge
    # Gaussian elimination with partial pivoting on [G | 1].
    for col in range(depth):
        pivot = col
        for row in range(col + 1, depth):
            if abs(system[row, col]) > abs(system[pivot, col]):
                pivot = row
        if system[pivot, col] == 0.0:
            return False
        if pivot != col:
            for b in range(depth + 1):
                system[col, b], system[pivot, b] = system[pivot, b], system[col, b]
        for row in range(col + 1, depth):
            factor = system[row, col] / system[col, col]
            for b in range(col, depth + 1):
                system[row, b] -= factor * system[col, b]
    for row in range(depth - 1, -1, -1):
        total = system[row, depth]
        for b in range(row + 1, depth):
            total -= system[row, b] * weights[b]
        weights[row] = total / system[row, row]
    total = 0.0
    for k in range(depth):
        if not abs(weights[k]) < np.inf:
            return False
        total += weights[k]
    if not abs(total) < np.inf or total == 0.0:
        return False
    for k in range(depth):
        weights[k] /= total
    return True


@inner_kernel
def _combine(history, weights, out):
    """``out = sum_k weights[k] * history[k + 1]``."""
    for m in range(history.shape[1]):
        value = 0.0
        for k in range(weights.shape[0]):
            value += weights[k] * history[k + 1, m]
        out[m] = value


@njit(inline="always")
def anderson_point(iterates, out):
    """Anderson extrapolation of a sequence of iterates (one per row).

    Writes ``sum_k c_k iterates[k + 1]`` into ``out`` with the weights of
    :func:`anderson_weights`; returns False (``out`` untouched) when they do
    not exist.
    """
    weights = np.empty(iterates.shape[0] - 1)
    if not anderson_weights(iterates, np.empty(0), weights):
        return False
    _combine(iterates, weights, out)
    return True


@njit(inline="always")
def dual_value(problem, residual, w, l1, l2, l2_typed, positive, features, xtr):
    """Dual objective at ``(residual, w)`` rescaled into the constraint set.

    Formulation A of the elastic-net dual with the extended residual
    ``(residual, -sqrt(l2) w)``: any such pair, rescaled so that
    ``|x_j'r - l2 w_j| <= l1`` on ``features``, gives a lower bound of the
    primal restricted to them (of the full primal when ``features`` is every
    feature).
    """
    r_norm2, r_dot_y = layout_stats_at(problem, residual, w, l2_typed, features, xtr)
    factor = factor_of(problem.penalty)
    return _rescaled_dual(w, xtr, features, r_norm2, r_dot_y, l1, l2, positive, factor)


@inner_kernel
def _rescaled_dual(w, xtr, features, r_norm2, r_dot_y, l1, l2, positive, factor):
    """Dual value at the rescaled residual; penalty factors as in ``enet_gap``.

    Unpenalized features (``pf_j = 0``) are left out of the dual norm and
    their ``w_j x_j'r`` terms make it the dual of the problem with them fixed.
    """
    weighted = factor is not None
    dual_norm = 0.0
    w_norm2 = 0.0
    fixed = 0.0
    for k in range(features.shape[0]):
        j = features[k]
        value = xtr[j] if positive else abs(xtr[j])
        if weighted:
            pf_j = factor[j]
            if pf_j == 0:
                fixed += w[j] * xtr[j]
                continue
            value /= pf_j
            w_norm2 += pf_j * w[j] * w[j]
        else:
            w_norm2 += w[j] * w[j]
        if value > dual_norm:
            dual_norm = value
    scale = l1 / dual_norm if dual_norm > l1 else 1.0
    quadratic = r_norm2 + l2 * w_norm2
    return -0.5 * scale * scale * quadratic + scale * (r_dot_y - fixed)


@inner_kernel
def _try_extrapolation(
    problem, state, w, active, point, previous, l1, l2, l2_typed, positive, xtr
):
    """Replace ``w[active]`` by ``point`` when that lowers P (else ``previous``).

    ``point`` is the Anderson extrapolation of the iterates, ``previous`` the
    last of them (the caller's current ``w[active]``).
    """
    if positive:
        for k in range(point.shape[0]):
            point[k] = max(point[k], 0)
    empty = active[:0]
    # subtract_l2 only affects xtr[features], empty here; True everywhere in
    # this module keeps one specialization of the stats kernel.
    r_norm2, _ = layout_stats(problem, state, w, l2_typed, True, empty, xtr)
    factor = factor_of(problem.penalty)
    current = 0.5 * r_norm2 + penalty(w, active, l1, l2, factor)
    # The candidate moves a copy of the state: undoing a rejected step by
    # the opposite updates would cancel catastrophically after a wild step.
    candidate = layout_copy_state(problem, state)
    for k in range(active.shape[0]):
        j = active[k]
        layout_move(problem, candidate, j, point[k] - w[j])
        w[j] = point[k]
    r_norm2, _ = layout_stats(problem, candidate, w, l2_typed, True, empty, xtr)
    if 0.5 * r_norm2 + penalty(w, active, l1, l2, factor) < current:
        layout_assign_state(problem, state, candidate)
    else:
        for k in range(active.shape[0]):
            w[active[k]] = previous[k]


@inner_kernel
def _solve_subproblem(
    problem,
    state,
    w,
    working,
    l1,
    l2,
    l1_typed,
    l2_typed,
    positive,
    inner_tol,
    budget,
    depth,
    first_depth,
    xtr,
    candidate,
):
    """CD with Anderson extrapolation on ``working``; returns the sweeps used.

    Each round is one sweep over the working set followed by sweeps over its
    non-zero coefficients only (glmnet's active-set cycling: zeros rarely
    move, so most work goes where the coefficients change), ``first_depth``
    of them in the first round and twice as many each round up to ``depth``,
    then an Anderson step and the subproblem's gap.  When the layout has a residual,
    the residuals of the round are extrapolated too (celer's dual
    extrapolation): ``candidate`` (a :class:`DualCandidate`) then holds a dual
    point, often much better than the rescaled residual, for the certificates.
    """
    residual_weights = candidate.residual_weights
    factor = factor_of(problem.penalty)
    sweeps = 0
    round_depth = first_depth
    while sweeps < budget:
        layout_sweep(problem, state, w, l1_typed, l2_typed, positive, working)
        sweeps += 1
        n_active = 0
        for k in range(working.shape[0]):
            if w[working[k]] != 0:
                n_active += 1
        # Never more sweeps than max_iter allows: n_iter_ <= max_iter.
        rounds = min(round_depth, budget - sweeps)
        round_depth = min(2 * round_depth, depth)
        if n_active > 0 and rounds > 0:
            active = np.empty(n_active, dtype=np.intp)
            n_active = 0
            for k in range(working.shape[0]):
                if w[working[k]] != 0:
                    active[n_active] = working[k]
                    n_active += 1
            iterates = np.empty((rounds + 1, n_active), dtype=w.dtype)
            residuals = np.empty((rounds + 1, candidate.residual.shape[0]), w.dtype)
            has_residual = layout_residual(problem, state, residuals[0])
            for m in range(n_active):
                iterates[0, m] = w[active[m]]
            for k in range(rounds):
                layout_sweep(problem, state, w, l1_typed, l2_typed, positive, active)
                for m in range(n_active):
                    iterates[k + 1, m] = w[active[m]]
                if has_residual:
                    layout_residual(problem, state, residuals[k + 1])
            sweeps += rounds
            weights = np.empty(rounds)
            candidate.valid[0] = 0
            if has_residual and anderson_weights(residuals, residual_weights, weights):
                _combine(residuals, weights, candidate.residual)
                dual_w = candidate.w
                for j in range(w.shape[0]):
                    dual_w[j] = w[j]
                point = np.empty(n_active)
                _combine(iterates, weights, point)
                for m in range(n_active):
                    dual_w[active[m]] = point[m]
                candidate.valid[0] = 1
            # The Anderson weights here, not in _try_extrapolation: the
            # kernel is compiled once per caller (see _subset_gap).
            extrapolated = np.empty(n_active, dtype=w.dtype)
            if anderson_point(iterates, extrapolated):
                _try_extrapolation(
                    problem,
                    state,
                    w,
                    active,
                    extrapolated,
                    iterates[-1],
                    l1,
                    l2,
                    l2_typed,
                    positive,
                    xtr,
                )
        r_norm2, r_dot_y = layout_stats(problem, state, w, l2_typed, True, working, xtr)
        gap = _subset_gap(w, xtr, working, r_norm2, r_dot_y, l1, l2, positive, factor)
        if gap > inner_tol and candidate.valid[0] == 1:
            primal = 0.5 * r_norm2 + penalty(w, working, l1, l2, factor)
            dual = dual_value(
                problem,
                candidate.residual,
                candidate.w,
                l1,
                l2,
                l2_typed,
                positive,
                working,
                xtr,
            )
            gap = min(gap, primal - dual)
        if gap <= inner_tol:
            break
    return sweeps


@inner_kernel
def _screen_and_rank(
    problem,
    state,
    w,
    candidates,
    n_candidates,
    xtr,
    dual_norm,
    gap,
    l1,
    l2,
    positive,
    distance,
    col_norms,
):
    """Gap-safe screening and working-set priorities in one pass.

    ``candidates[:n_candidates]`` is compacted in place (order kept) to the
    features the gap-safe rule (Fercoq et al. 2015) cannot discard; a
    discarded non-zero coefficient is set to zero.  ``distance[k]`` receives
    the kept candidate's distance to its dual constraint, ``-inf`` for the
    support.  ``gap = inf`` screens nothing.  Returns the new number of
    candidates and the size of the support.  Distances scale by
    ``1 / sqrt(||x_j||^2 + l2 pf_j)``, computed here for the candidates only:
    a solve certified at its warm start (most alphas of a path) never ranks.
    ``col_norms`` are the ``||x_j||`` (float64), used as they are when
    ``l2 = 0``: a square root per candidate was a fifth of this pass (3000
    candidates: 11.7 -> 9.4 us).
    """
    col_norms2 = problem.col_norms2
    inv_scale = 1.0 / max(l1, dual_norm)
    radius = np.sqrt(2.0 * max(gap, 0.0)) / l1
    factor = factor_of(problem.penalty)
    kept = 0
    n_nonzero = 0
    # Branches only where one is rarely taken (a non-zero coefficient
    # screened out): whether a candidate is screened is a coin flip that
    # mispredicted branches made expensive (as in bounded_stats).
    for k in range(n_candidates):
        j = candidates[k]
        magnitude = abs(xtr[j])
        # Feature j's dual constraint is |x_j'theta| <= pf_j (all ones by
        # default); unpenalized features (pf_j = 0) stay in every working set.
        pf_j = factor_at(factor, j)
        unpenalized = pf_j == 0
        norm = col_norms[j] if l2 == 0 else np.sqrt(col_norms2[j] + l2 * pf_j)
        screened = (pf_j - magnitude * inv_scale > radius * norm) & (not unpenalized)
        nonzero = w[j] != 0
        if screened & nonzero:
            layout_move(problem, state, j, -w[j])
            w[j] = 0
        correlation = xtr[j] if positive else magnitude
        ranked = (pf_j - correlation * inv_scale) / norm
        candidates[kept] = j
        # The support (and unpenalized features) first.
        distance[kept] = -np.inf if nonzero | unpenalized else ranked
        n_nonzero += nonzero & (not screened)
        kept += not screened
    return kept, n_nonzero


@inner_kernel
def kth_smallest(values, k):
    """The ``k``-th smallest of ``values`` (0-based); ``values`` is reordered.

    Quickselect with branch-free partitions (``np.partition`` compiles 10x
    longer than the whole solver).  A comparison with the pivot is a coin
    flip that a branch mispredicts half the time; a partition that adds the
    comparison's result to an index instead runs at the same speed whatever
    the data.  In a working-set path the distances are new at every call, and
    Hoare's partition took 54 us a call on 4254 of them, 15% of the
    ``sparse-uniform`` path (issue 12).  Elements equal to the pivot are
    gathered by a second partition when the answer may be among them, so
    ties cannot stall the loop.
    """
    low, high = 0, values.shape[0] - 1
    while low < high:
        middle = (low + high) // 2
        a, b, c = values[low], values[middle], values[high]
        # The median of three as the pivot.
        pivot = max(min(a, b), min(max(a, b), c))
        below = _partition_before(values, low, high, pivot, False)
        if k < below:
            high = below - 1
            continue
        equal = _partition_before(values, below, high, pivot, True)
        if k < equal:
            return pivot
        low = equal
    return values[k]


@inner_kernel
def _partition_before(values, low, high, pivot, or_equal):
    """Move the values of ``values[low:high + 1]`` below ``pivot`` (or equal to
    it, with ``or_equal``) to its front, without branching on them; returns
    the index after the last one moved."""
    store = low
    for i in range(low, high + 1):
        value = values[i]
        values[i] = values[store]
        values[store] = value
        store += (value <= pivot) if or_equal else (value < pivot)
    return store


@inner_kernel
def _select(candidates, distance, n_candidates, size, out, scratch):
    """The ``size`` candidates of smallest distance, in index order; their count.

    ``scratch`` (float64, at least ``n_candidates`` long) is overwritten.
    """
    if size >= n_candidates:
        for k in range(n_candidates):
            out[k] = candidates[k]
        return n_candidates
    # quickselect reorders: on a copy, in ``scratch`` (an allocation here
    # would compile numba's array copy into the first fit, issue 13)
    values = scratch[:n_candidates]
    for k in range(n_candidates):
        values[k] = distance[k]
    threshold = kth_smallest(values, size - 1)
    count = 0
    for k in range(n_candidates):
        count += distance[k] < threshold
    ties = size - count
    # Branch-free, as the partitions: ``out`` has room for one more entry
    # (``size < n_candidates``), written and then overwritten.
    count = 0
    for k in range(n_candidates):
        d = distance[k]
        tie = d == threshold and ties > 0
        out[count] = candidates[k]
        count += (d < threshold) or tie
        ties -= tie
    return count


@inner_kernel
def _same(a, b, size):
    for k in range(size):
        if a[k] != b[k]:
            return False
    return True


@inner_kernel
def _start_alpha(w, buffers, n_started, listed, n_listed):
    """Record ``w`` on ``listed[:n_listed]`` (its support) as the alpha's
    start in ``buffers.start_w``, clearing the ``n_started`` entries of the
    last record; returns the new count."""
    start_w, started = buffers.start_w, buffers.started
    for k in range(n_started):
        start_w[started[k]] = 0
    for k in range(n_listed):
        j = listed[k]
        start_w[j] = w[j]
        started[k] = j
    return n_listed


@inner_kernel
def _extrapolate_start(problem, state, w, buffers, n_support, ratio):
    """Move the warm start along the path: ``w_j += ratio * velocity_k`` on
    the support ``buffers.support[:n_support]``, a coefficient that would
    change sign set to zero.  Returns the support's new size.

    On a fixed support and signs the lasso's solution is affine in alpha, so
    the last alpha's change, scaled by the ratio of the steps in alpha,
    predicts the next solution (homotopy); on the quick matrix's 100-alpha
    paths it saved 1.2-2.5x of the sweeps (issue 12).
    """
    support, velocity = buffers.support, buffers.velocity
    kept = n_support
    for k in range(n_support):
        j = support[k]
        old = w[j]
        value = old + ratio * velocity[k]
        if not value * old > 0:  # a sign change, or not finite
            value = 0.0
            kept -= 1
        w[j] = value
        # The move in w's dtype, as the sweeps make it (one specialization
        # of layout_move).
        delta = w[j] - old
        if delta != 0:
            layout_move(problem, state, j, delta)
    return kept


@njit
def working_set_cd(
    problem,
    state,
    w,
    l1s,
    l2s,
    l1s_typed,
    l2s_typed,
    positive,
    max_iter,
    tol_scaled,
    screening,
    bounds,
    solver,
    path_gaps,
    loose,
    newton_rule,
    residual_weights,
    buffers,
    start,
    rows,
    coefs,
    gaps,
    n_iters,
    newton,
):
    """Minimize ``1/2 ||r||^2 + l1 ||w||_1 + l2/2 ||w||^2`` over ``w`` in place
    at each penalty ``l1s[i], l2s[i]`` from ``start`` on, warm-started: a
    path, or a single fit (one penalty).

    ``l1s``, ``l2s`` and ``tol_scaled`` are float64; ``l1s_typed`` and
    ``l2s_typed`` are the penalties in the data's precision.  ``bounds``
    carries correlation references across alphas and calls.  ``solver`` is
    ``(initial_size, depth, inner_fraction, cold_sweep, extrapolate)``: the
    first working set, the Anderson depth, the inner solves' gap as a
    fraction of the outer one, whether a start at zero gets one sweep over
    every feature, and whether a path's warm starts are moved along the
    path (from its third alpha, and the second of a call, on:
    :func:`_extrapolate_start`).  A
    path passes ``path_gaps[i]`` > 0 (0 otherwise): the gap must also reach
    ``path_gaps[i]`` times the primal
    (:func:`skreg._kernels.cd_plain.gap_target`), and a start that already
    does still gets one sweep over its support
    (:func:`skreg._kernels.cd_plain.sweep_support`).  ``loose`` is ``(limit,
    gap)``: an alpha whose warm start has more than ``limit`` non-zeros is
    solved to the relative gap ``gap`` instead (a staged CV search,
    :mod:`skreg.linear_model._cv_refine`), and ``path_gaps[i]`` is overwritten
    with it.  ``residual_weights`` are the sample weights of the residual's
    inner product (the sparse layout's), or an empty array for unit weights.
    ``buffers`` (:func:`new_buffers`) holds the work arrays; on return its
    ``support[:n_support[0]]`` lists the non-zero coefficients.

    The alpha loop of a path runs here, with the conventions of
    :func:`skreg._kernels.cd_plain.plain_cd_path`: budgets of sweeps by
    ``newton_rule``, a stop (returning the index of the alpha) where a
    Newton step on the support is due (its state in ``newton``, from which
    the alpha goes on when called again from it), ``gaps[i]`` (the certified
    gap, unscaled: compare with ``tol_scaled``) and ``n_iters[i]`` (sweeps
    over working sets) of every alpha run, and the coefficients
    of each finished alpha written to ``coefs[rows[j], i]`` (its non-zeros
    only: ``coefs`` is zero on entry; an empty ``coefs`` stores nothing).
    Solved alpha after alpha in Python, a path paid about 20 us an alpha
    around kernel calls of 40-200 us (1000x3000 text-like CSC; issue 12).
    The loops are written in one function: a kernel of its own for one
    budget, called from here, was linked and optimized a second time, 1.3 s
    more of a first fit's compilation (issue 13).
    """
    initial_size, depth, inner_fraction, cold_sweep, extrapolate = solver
    loose_limit, loose_gap = loose
    first_budget = newton_rule[0]
    n_features = w.shape[0]
    col_norms2 = problem.col_norms2
    xtr = buffers.xtr
    xtr_dual = buffers.xtr_dual
    residual = buffers.residual
    candidate = DualCandidate(
        buffers.dual_residual, buffers.dual_w, buffers.dual_valid, residual_weights
    )
    everything = buffers.everything
    candidates = buffers.candidates
    distance = buffers.distance
    distance_copy = buffers.distance_copy
    factor = factor_of(problem.penalty)
    working = buffers.working
    previous = buffers.previous
    support = buffers.support
    refresh = n_features >= 0  # a runtime True: one specialization of the bounds
    # The extrapolated dual point meets no unpenalized feature's constraint
    # x_j'theta = 0: with such features only the projected residual certifies.
    use_candidate = n_unpenalized(problem.penalty) == 0
    n_support = 0
    for j in range(n_features):
        if w[j] != 0:
            candidates[n_support] = j  # work space until the first screening
            n_support += 1
    # Warm starts moved along the path (_extrapolate_start): the start of
    # each alpha is recorded, and its change once it is solved.
    for j in range(n_features):
        buffers.start_w[j] = 0
    n_started = _start_alpha(w, buffers, 0, candidates, n_support)
    for i in range(start, l1s.shape[0]):
        l1, l2 = l1s[i], l2s[i]
        l1_typed, l2_typed = l1s_typed[i], l2s_typed[i]
        if extrapolate and i > start and i >= 2 and l1s[i - 1] != l1s[i - 2]:
            n_started = _start_alpha(w, buffers, n_started, support, n_support)
            ratio = (l1s[i] - l1s[i - 1]) / (l1s[i - 1] - l1s[i - 2])
            n_support = _extrapolate_start(problem, state, w, buffers, n_support, ratio)
        elif i > start:
            n_started = _start_alpha(w, buffers, n_started, support, n_support)
        if n_support > loose_limit:
            path_gaps[i] = loose_gap
        path_gap = path_gaps[i]
        budget = min(first_budget, max_iter)
        n_iter = 0
        resumed = i == start and newton[NEWTON_N_ITER] >= 0
        if resumed:
            n_iter = np.int64(newton[NEWTON_N_ITER])
            budget = np.int64(newton[NEWTON_BUDGET])
        while True:
            # One budget of ``allowed`` sweeps.
            allowed = min(budget, max_iter - n_iter)
            buffers.dual_valid[0] = 0
            has_residual = layout_residual(problem, state, residual)
            # Listed at the first screening: a warm start certified at once
            # (most alphas of a path) never ranks.  Not a literal: a literal
            # argument compiles a second specialization of every kernel it
            # is passed to.
            n_candidates = n_features - n_features - 1
            n_previous = -1
            n_sweeps = 0
            best_dual = -np.inf
            certified = np.inf
            last_gap = np.inf  # the budget's first certificate
            if cold_sweep and n_iter == 0 and allowed > 0:
                # From w = 0 one plain sweep over every candidate costs about
                # one pass of the gap, and finds most of the support at once
                # instead of growing the working set by doubling from
                # ``initial_size``.
                cold = True
                for j in range(n_features):
                    if w[j] != 0:
                        cold = False
                        break
                if cold:
                    # Every sweep skips the columns without entries.
                    layout_sweep(
                        problem, state, w, l1_typed, l2_typed, positive, everything
                    )
                    n_sweeps += 1
            while True:
                fit_unpenalized(
                    problem, state, w, l2_typed, positive, xtr, problem.penalty
                )
                if has_residual:
                    layout_residual(problem, state, residual)
                    r_norm2, r_dot_y = bounded_stats(
                        problem, residual, w, l1, l2_typed, xtr, bounds, refresh
                    )
                else:
                    r_norm2, r_dot_y = layout_stats(
                        problem, state, w, l2_typed, True, everything, xtr
                    )
                gap, dual_norm = enet_gap(
                    w, xtr, r_norm2, r_dot_y, l1, l2, positive, problem.penalty,
                    col_norms2,
                )  # fmt: skip
                primal = 0.5 * r_norm2 + penalty(w, everything, l1, l2, factor)
                best_dual = max(best_dual, primal - gap)
                # The extrapolated dual costs a pass over X: only when it can
                # matter.
                useful = primal - best_dual > tol_scaled
                if use_candidate and candidate.valid[0] == 1 and useful:
                    r2, ry = bounded_stats(
                        problem, candidate.residual, candidate.w, l1, l2_typed,
                        xtr_dual, bounds, not refresh,
                    )  # fmt: skip
                    best_dual = max(
                        best_dual,
                        _rescaled_dual(
                            candidate.w,
                            xtr_dual,
                            everything,
                            r2,
                            ry,
                            l1,
                            l2,
                            positive,
                            factor,
                        ),  # fmt: skip
                    )
                # xtr and dual_norm still describe the current residual, as
                # screening and ranking need; only the certificate uses the
                # best dual point.
                certified = primal - best_dual
                target = gap_target(tol_scaled, primal, path_gap)
                if last_gap == np.inf:
                    last_gap = certified
                if certified <= target and path_gap > 0 and n_sweeps == 0:
                    # buffers.support is written below, after the loop.
                    certified, swept = sweep_support(
                        problem, state, w, l1, l2, l1_typed, l2_typed, positive,
                        certified, xtr, support,
                    )  # fmt: skip
                    n_sweeps += swept
                    break
                if certified <= target or n_sweeps >= allowed:
                    break
                if n_candidates < 0:
                    n_candidates = n_features - n_features
                    for j in range(n_features):
                        if col_norms2[j] != 0:
                            candidates[n_candidates] = j
                            n_candidates += 1
                # The safe sphere is centred at the rescaled current residual
                # (xtr, dual_norm), so its radius comes from that point's gap,
                # not from the certificate's best dual point, whose smaller
                # gap would make the sphere too small to be safe.
                n_candidates, n_nonzero = _screen_and_rank(
                    problem, state, w, candidates, n_candidates, xtr, dual_norm,
                    gap if screening else np.inf, l1, l2, positive,
                    distance, bounds.col_norms,
                )  # fmt: skip
                # As in celer and skglm: twice the support, so the set grows
                # only while the support does; a set identical to the last
                # one is doubled instead (its subproblem is already solved).
                size = max(initial_size, 2 * n_nonzero)
                n_working = _select(
                    candidates, distance, n_candidates, size, working, distance_copy
                )
                if n_working == n_previous and _same(working, previous, n_working):
                    n_working = _select(
                        candidates, distance, n_candidates, 2 * n_previous, working,
                        distance_copy,
                    )  # fmt: skip
                for k in range(n_working):
                    previous[k] = working[k]
                n_previous = n_working
                inner_tol = max(inner_fraction * certified, 0.5 * target)
                first_depth = depth
                if certified <= NEAR_TOLERANCE * target:
                    first_depth = min(FIRST_ROUND_DEPTH, depth)
                n_sweeps += _solve_subproblem(
                    problem, state, w, working[:n_working], l1, l2, l1_typed,
                    l2_typed, positive, inner_tol, allowed - n_sweeps, depth,
                    first_depth, xtr, candidate,
                )  # fmt: skip
            n_support = 0
            for j in range(n_features):
                if w[j] != 0:
                    support[n_support] = j
                    n_support += 1
            buffers.n_support[0] = n_support
            gap = certified
            n_iter += n_sweeps
            if n_sweeps < allowed or n_iter >= max_iter:
                break
            budget *= 2
            if newton_due(
                resumed, newton, gap, last_gap, target, tol_scaled, n_sweeps,
                n_support, n_iter, budget, newton_rule,
            ):  # fmt: skip
                record_alpha(i, gap, n_iter, gaps, n_iters)
                return i
        newton[NEWTON_N_ITER] = -1
        record_alpha(i, gap, n_iter, gaps, n_iters)
        for k in range(n_support):
            j = support[k]
            buffers.velocity[k] = w[j] - buffers.start_w[j]
            if coefs.shape[0] > 0:
                coefs[rows[j], i] = w[j]
    return l1s.shape[0]
