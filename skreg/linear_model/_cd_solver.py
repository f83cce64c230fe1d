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

from skreg._kernels.cd_plain import plain_cd
from skreg._kernels.gap import enet_gap
from skreg.linear_model._correlation_bounds import CorrelationBounds

# Working sets pay off once sweeping everything costs much more than the
# bookkeeping around them; below this many features plain CD is used.
WORKING_SET_MIN_FEATURES = 200
INITIAL_WORKING_SET = 10
# Sweeps over the active coefficients between Anderson steps (and the number
# of iterates extrapolated).  Measured on benchmarks/run.py dense-single and
# dense-path: 12 beat 3, 5, 8 and 10 on both.
ANDERSON_DEPTH = 12
# Inner solves stop once their own gap is this fraction of the outer gap.
INNER_GAP_FRACTION = 0.3


@dataclass
class CDResult:
    """Outcome of :func:`solve_enet`; ``gap`` and ``tol`` are unscaled (times n)."""

    coef: np.ndarray
    gap: float
    tol: float
    n_iter: int
    # CorrelationBounds of the working-set solver (exact X'r at a recent
    # residual): the next alpha of a path reuses it instead of a full pass.
    stats: object = None


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


def _gap(layout, state, w, l1, l2, positive, features, xtr):
    """Duality gap of the problem restricted to ``features`` (all: full gap).

    Coefficients outside ``features`` must be zero.
    """
    dtype = layout.dtype.type
    r_norm2, r_dot_y = layout.stats(state, w, dtype(l2), l1 > 0, features, xtr)
    if features.shape[0] == w.shape[0]:
        w_sub, xtr_sub = w, xtr
    else:
        w_sub, xtr_sub = w[features], xtr[features]
    gap, dual_norm = enet_gap(
        w_sub, xtr_sub, float(r_norm2), float(r_dot_y), float(l1), float(l2), positive
    )
    return float(gap), float(dual_norm), float(r_norm2), float(r_dot_y)


def _full_gap(layout, state, coef, l1, l2, positive, xtr, bounds):
    """Gap of the full problem; with ``bounds``, exact values only where needed."""
    if bounds is None:
        everything = np.arange(layout.n_features)
        return _gap(layout, state, coef, l1, l2, positive, everything, xtr)
    r_norm2, r_dot_y = bounds.statistics(layout.residual(state), coef, l1, l2, xtr)
    gap, dual_norm = enet_gap(
        coef, xtr, float(r_norm2), float(r_dot_y), float(l1), float(l2), positive
    )
    return float(gap), float(dual_norm), float(r_norm2), float(r_dot_y)


def _gap_safe_distance(layout, features, xtr, dual_norm, l1, l2, signed=False):
    """Distance of each feature's dual constraint to the rescaled dual point.

    Small means "likely active"; a distance above the gap-safe radius proves the
    coefficient is zero at the optimum.  With ``signed`` (non-negative
    coefficients) only the upper constraint ``x_j' theta <= 1`` counts, which
    ranks features that can enter the model; screening keeps the two-sided,
    more conservative distance.
    """
    scale = max(l1, dual_norm)
    correlation = xtr[features] if signed else np.abs(xtr[features])
    return (1.0 - correlation / scale) / np.sqrt(layout.col_norms2[features] + l2)


def _screen(layout, state, coef, active, xtr, dual_norm, gap, l1, l2):
    distance = _gap_safe_distance(layout, active, xtr, dual_norm, l1, l2)
    keep = distance <= np.sqrt(2.0 * max(gap, 0.0)) / l1
    dropped = active[~keep]
    dropped = dropped[coef[dropped] != 0]
    if dropped.size:
        layout.zero_out(state, coef, dropped)
    return active[keep]


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
    warn=True,
    min_sweeps=0,
):
    """Minimize ``1/2 ||y - Xw||^2 + l1 ||w||_1 + l2/2 ||w||^2`` in place.

    Parameters
    ----------
    layout : DenseLayout, GramLayout or SparseLayout
        The preprocessed problem.
    coef : ndarray of shape (n_features,)
        Warm start, updated in place; dtype must be the layout's.
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
    warn : bool
        Raise ``ConvergenceWarning`` when the tolerance is not reached.
    min_sweeps : {0, 1}
        1: a warm start that already meets the tolerance still gets one
        sweep, as in scikit-learn's solver.  Paths need it (see
        ``skreg.linear_model._path.PATH_MIN_SWEEPS``).

    Returns
    -------
    result : CDResult
    """
    if working_set is None:
        working_set = (
            l1 > 0 and not random and layout.n_features >= WORKING_SET_MIN_FEATURES
        )
    if working_set and l1 > 0:
        result = _solve_working_sets(
            layout,
            coef,
            l1,
            l2,
            max_iter=max_iter,
            tol=tol,
            positive=positive,
            screening=screening,
            warm_stats=warm_stats,
            min_sweeps=min_sweeps,
        )
    else:
        result = _solve_plain(
            layout,
            coef,
            l1,
            l2,
            max_iter=max_iter,
            tol=tol,
            positive=positive,
            rng=rng,
            random=random,
            screening=screening and l1 > 0,
            min_sweeps=min_sweeps,
        )
    # A NaN or infinite gap (overflow; ||y||^2 itself may be inf) must warn too.
    if warn and not (result.gap <= result.tol and np.isfinite(result.gap)):
        warnings.warn(
            convergence_message(
                result.gap,
                result.tol,
                l1,
                n_iter=result.n_iter,
                max_iter=max_iter,
                rel_tol=tol,
            ),
            ConvergenceWarning,
            stacklevel=3,
        )
    return result


def _sweep_warm_start(layout, state, coef, l1, l2, positive, gap, rng=None):
    """One sweep over the support of a start that meets tol already.

    Without it a path stalls: each alpha keeps the previous coefficients and
    the CV error along the path is a staircase (issue 14, D10).  Only the
    support is swept: a sweep over every feature costs a pass over ``X`` and
    measured no better, and an all-zero start (the top of a path) stays
    exactly zero.  The certificate needs no pass over ``X`` either: the dual
    point that certified ``gap`` stays feasible, and a CD sweep only lowers
    the primal.  Returns ``(gap bound, sweeps made)``.
    """
    order = np.flatnonzero(coef)
    if not order.size:
        return gap, 0
    if rng is not None:  # selection='random'
        order = order[rng.randint(0, order.size, size=order.size)]
    dtype = layout.dtype.type
    xtr = np.empty(layout.n_features, dtype=layout.dtype)
    empty = order[:0]
    r_norm2, _ = layout.stats(state, coef, dtype(l2), False, empty, xtr)
    dual = 0.5 * float(r_norm2) + _penalty(coef, l1, l2) - gap
    layout.sweep(state, coef, dtype(l1), dtype(l2), positive, order)
    r_norm2, _ = layout.stats(state, coef, dtype(l2), False, empty, xtr)
    return min(gap, 0.5 * float(r_norm2) + _penalty(coef, l1, l2) - dual), 1


def _solve_plain(
    layout,
    coef,
    l1,
    l2,
    *,
    max_iter,
    tol,
    positive,
    rng,
    random,
    screening,
    min_sweeps=0,
):
    """scikit-learn's CD: full sweeps, gap check on small updates, screening.

    Cyclic selection runs entirely in one compiled call; random selection
    draws its coordinates in NumPy here, sweep by sweep.
    """
    dtype = layout.dtype.type
    l1_typed, l2_typed = dtype(l1), dtype(l2)
    state = layout.start(coef)
    if not random:
        problem, compiled_state = layout.compiled(state)
        gap, n_iter = plain_cd(
            problem,
            compiled_state,
            layout.col_norms2,
            float(layout.y_norm2),
            coef,
            float(l1),
            float(l2),
            l1_typed,
            l2_typed,
            positive,
            max_iter,
            float(tol),
            screening,
        )
        if n_iter < min_sweeps:
            gap, n_iter = _sweep_warm_start(layout, state, coef, l1, l2, positive, gap)
        return CDResult(coef, float(gap), tol * layout.y_norm2, int(n_iter))
    xtr = np.empty(layout.n_features, dtype=layout.dtype)
    tol_scaled = tol * layout.y_norm2
    everything = np.arange(layout.n_features)

    gap, dual_norm, _, _ = _gap(layout, state, coef, l1, l2, positive, everything, xtr)
    if gap <= tol_scaled:
        if not min_sweeps:
            return CDResult(coef, gap, tol_scaled, 0)
        gap, n_iter = _sweep_warm_start(
            layout, state, coef, l1, l2, positive, gap, rng=rng
        )
        return CDResult(coef, gap, tol_scaled, n_iter)
    active = np.flatnonzero(layout.col_norms2 != 0)
    if screening:
        active = _screen(layout, state, coef, active, xtr, dual_norm, gap, l1, l2)

    n_iter = 0
    for n_iter in range(max_iter):
        if random:
            order = active[rng.randint(0, max(active.size, 1), size=active.size)]
        else:
            order = active
        max_delta, max_abs_w = layout.sweep(
            state, coef, l1_typed, l2_typed, positive, order
        )
        if max_abs_w == 0 or max_delta / max_abs_w <= tol or n_iter == max_iter - 1:
            gap, dual_norm, _, _ = _gap(
                layout, state, coef, l1, l2, positive, everything, xtr
            )
            if gap <= tol_scaled:
                break
            if screening:
                active = _screen(
                    layout, state, coef, active, xtr, dual_norm, gap, l1, l2
                )
    return CDResult(coef, gap, tol_scaled, n_iter + 1)


def _anderson_weights(history, sample_weight=None):
    """Anderson weights ``c`` (summing to one) from a sequence of vectors.

    ``c`` minimizes ``||sum_k c_k (v_{k+1} - v_k)||`` (weighted by
    ``sample_weight`` when given); None when the system is singular.
    """
    differences = np.diff(np.asarray(history), axis=0)
    if sample_weight is None:
        gram = differences @ differences.T
    else:
        gram = (differences * sample_weight) @ differences.T
    try:
        weights = np.linalg.solve(gram, np.ones(gram.shape[0]))
    except np.linalg.LinAlgError:
        return None
    total = weights.sum()
    if not np.isfinite(total) or total == 0:
        return None
    return weights / total


def _kkt_violation(w, xtr, l1, positive):
    """Largest violation of the optimality conditions, from ``xtr = X'r - l2 w``."""
    nonzero = w != 0
    violation = np.where(
        nonzero, np.abs(xtr - l1 * np.sign(w)), np.maximum(np.abs(xtr) - l1, 0)
    )
    if positive:
        violation = np.where(nonzero, violation, np.maximum(xtr - l1, 0))
    return float(violation.max()) if violation.size else 0.0


def _penalty(w, l1, l2):
    return l1 * np.abs(w).sum() + 0.5 * l2 * (w @ w)


def _dual_value(layout, residual, w, l1, l2, positive, features=None, bounds=None):
    """Dual objective at the rescaled point built from ``(residual, w)``.

    Formulation A of the elastic-net dual with the extended residual
    ``(residual, -sqrt(l2) w)``; any such pair, rescaled into the constraint
    set ``|X'r - l2 w| <= l1`` over ``features``, gives a lower bound.  With
    ``bounds`` (a :class:`CorrelationBounds`) the constraint covers every
    feature, at the cost of exact correlations only where they may bind.
    """
    dtype = layout.dtype.type
    xtr = np.empty(layout.n_features, dtype=layout.dtype)
    if bounds is not None:
        r_norm2, r_dot_y = bounds.statistics(residual, w, l1, l2, xtr, refresh=False)
        values = xtr
    else:
        r_norm2, r_dot_y = layout.stats_at(residual, w, dtype(l2), features, xtr)
        values = xtr[features]
    dual_norm = float(np.max(values) if positive else np.max(np.abs(values)))
    scale = min(1.0, l1 / dual_norm) if dual_norm > 0 else 1.0
    quadratic = float(r_norm2) + l2 * float(w @ w)
    return -0.5 * scale * scale * quadratic + scale * float(r_dot_y)


class _History:
    """The last iterates (and residuals) of an inner solve, for extrapolation."""

    def __init__(self, layout, state, coef, working):
        self.layout, self.state, self.coef, self.working = layout, state, coef, working
        self.tracks_residual = layout.residual(state) is not None
        self.clear()

    def clear(self):
        self.iterates = [self.coef[self.working].copy()]
        residual = self.layout.residual(self.state)
        self.residuals = [residual.copy()] if self.tracks_residual else []

    def record(self):
        self.iterates.append(self.coef[self.working].copy())
        if self.tracks_residual:
            self.residuals.append(self.layout.residual(self.state).copy())

    def full(self):
        return len(self.iterates) == ANDERSON_DEPTH + 1

    def dual_candidate(self):
        """Extrapolated ``(residual, w)`` pair (celer's dual extrapolation)."""
        if not self.tracks_residual:
            return None
        weights = _anderson_weights(self.residuals, self.layout.sample_weight_or_none())
        if weights is None:
            return None
        w = np.zeros_like(self.coef)
        w[self.working] = weights @ np.asarray(self.iterates[1:])
        return weights @ np.asarray(self.residuals[1:]), w

    def primal_candidate(self):
        weights = _anderson_weights(self.iterates)
        return None if weights is None else weights @ np.asarray(self.iterates[1:])


def _best_features(candidates, distance, size):
    """The ``size`` candidates of smallest distance, sorted by index."""
    if size >= candidates.size:
        return candidates
    chosen = np.argpartition(distance, size - 1)[:size]
    return np.sort(candidates[chosen])


def _solve_working_sets(
    layout,
    coef,
    l1,
    l2,
    *,
    max_iter,
    tol,
    positive,
    screening,
    warm_stats=None,
    min_sweeps=0,
):
    """Working sets ranked by gap-safe distance, CD + Anderson inside."""
    dtype = layout.dtype.type
    l1_typed, l2_typed = dtype(l1), dtype(l2)
    state = layout.start(coef)
    xtr = np.empty(layout.n_features, dtype=layout.dtype)
    tol_scaled = tol * layout.y_norm2
    candidates = np.flatnonzero(layout.col_norms2 != 0)
    n_sweeps = 0
    best_dual = -np.inf
    dual_candidate = None
    previous = None

    bounds = None
    if layout.residual(state) is not None:
        bounds = warm_stats if warm_stats is not None else CorrelationBounds(layout)

    while True:
        gap, dual_norm, r_norm2, r_dot_y = _full_gap(
            layout, state, coef, l1, l2, positive, xtr, bounds
        )
        primal = 0.5 * r_norm2 + _penalty(coef, l1, l2)
        best_dual = max(best_dual, primal - gap)
        # The extrapolated dual costs a pass over X: only when it can matter.
        if dual_candidate is not None and primal - best_dual > tol_scaled:
            best_dual = max(
                best_dual,
                _dual_value(layout, *dual_candidate, l1, l2, positive, bounds=bounds),
            )
        # xtr and dual_norm still describe the current residual, as screening
        # and ranking need; only the certificate uses the best dual point.
        certified = primal - best_dual
        if certified <= tol_scaled and n_sweeps < min_sweeps:
            gap, n_sweeps = _sweep_warm_start(
                layout, state, coef, l1, l2, positive, certified
            )
            break
        if certified <= tol_scaled or n_sweeps >= max_iter:
            gap = certified
            break
        if screening:
            candidates = _screen(
                layout, state, coef, candidates, xtr, dual_norm, certified, l1, l2
            )
        distance = _gap_safe_distance(
            layout, candidates, xtr, dual_norm, l1, l2, signed=positive
        )
        distance[coef[candidates] != 0] = -np.inf  # keep the support
        # As in celer and skglm: twice the support, so the set grows only while
        # the support does; a set identical to the last one is doubled instead
        # (its subproblem is already solved).
        ws_size = max(INITIAL_WORKING_SET, 2 * np.count_nonzero(coef))
        working = _best_features(candidates, distance, ws_size)
        if previous is not None and np.array_equal(working, previous):
            working = _best_features(candidates, distance, 2 * previous.size)
        previous = working
        inner_tol = max(INNER_GAP_FRACTION * certified, tol_scaled * 0.5)
        used, dual_candidate = _solve_subproblem(
            layout,
            state,
            coef,
            working,
            l1,
            l2,
            l1_typed,
            l2_typed,
            positive,
            inner_tol,
            max_iter - n_sweeps,
            xtr,
        )
        n_sweeps += used
    return CDResult(coef, gap, tol_scaled, n_sweeps, stats=bounds)


def _solve_subproblem(
    layout,
    state,
    coef,
    working,
    l1,
    l2,
    l1_typed,
    l2_typed,
    positive,
    inner_tol,
    budget,
    xtr,
):
    """CD with Anderson extrapolation on ``working``.

    Each round is one sweep over the working set followed by
    ``ANDERSON_DEPTH`` sweeps over its non-zero coefficients only (glmnet's
    active-set cycling: zeros rarely move, so most work goes where the
    coefficients change), then an Anderson step and the subproblem's gap.
    Returns the sweeps used and the last extrapolated dual candidate.
    """
    sweeps = 0
    candidate = None
    while sweeps < budget:
        layout.sweep(state, coef, l1_typed, l2_typed, positive, working)
        sweeps += 1
        active = working[coef[working] != 0]
        history = _History(layout, state, coef, active)
        # Never more sweeps than max_iter allows: n_iter_ <= max_iter.
        depth = min(ANDERSON_DEPTH, budget - sweeps)
        for _ in range(depth):
            layout.sweep(state, coef, l1_typed, l2_typed, positive, active)
            history.record()
        sweeps += depth
        candidate = history.dual_candidate()
        _try_extrapolation(
            layout,
            state,
            coef,
            active,
            history.primal_candidate(),
            l1,
            l2,
            positive,
            xtr,
        )
        gap, _, r_norm2, _ = _gap(layout, state, coef, l1, l2, positive, working, xtr)
        if candidate is not None and gap > inner_tol:
            primal = 0.5 * r_norm2 + _penalty(coef[working], l1, l2)
            dual = _dual_value(layout, *candidate, l1, l2, positive, features=working)
            gap = min(gap, primal - dual)
        if gap <= inner_tol:
            break
    return sweeps, candidate


def _try_extrapolation(layout, state, coef, working, point, l1, l2, positive, xtr):
    """Replace the iterate by its Anderson extrapolation when that lowers P."""
    if point is None:
        return
    if positive:
        point = np.maximum(point, 0)
    empty = working[:0]
    dtype = layout.dtype.type
    r_norm2, _ = layout.stats(state, coef, dtype(l2), False, empty, xtr)
    current = 0.5 * float(r_norm2) + _penalty(coef[working], l1, l2)
    previous = coef[working].copy()
    candidate_state = layout.moved_state(state, working, point - previous)
    coef[working] = point
    r_norm2, _ = layout.stats(candidate_state, coef, dtype(l2), False, empty, xtr)
    if 0.5 * float(r_norm2) + _penalty(point, l1, l2) < current:
        state.update(candidate_state)
    else:
        coef[working] = previous
