"""Strong rules and active-set cycling for plain CD's path kernel.

glmnet's path algorithm (Friedman, Hastie and Tibshirani 2010; Tibshirani et
al. 2012), with skreg's certified duality gap as the stop:

- The *strong set* grows by the sequential strong rule: at a new penalty
  ``l1``, feature ``j`` joins it where ``|x_j'r| >= pf_j (2 l1 - l1_prev)``,
  ``r`` the residual of the last solution and ``l1_prev`` its penalty (from
  a start that is no solution, the dual norm of its residual).  Features
  never leave it.
- CD cycles over the *active set* (every coefficient that was ever non-zero)
  until its updates are small, then sweeps the strong set once; when that
  sweep too moves little, one pass over ``X`` gives the gap of the full
  problem and the KKT check of the features outside the strong set
  (violators join it and the cycles go on).
- That pass is the certificate; it also serves the next penalty: while
  ``w`` has not moved, the statistics it left (``X'r``, ``||r||^2``,
  ``r'y``) give the gap at the next penalty and its strong set without a
  pass of their own.

Per penalty that is about one pass over ``X`` and sweeps over the active
set, against a certificate at the warm start, another after the
subproblems, screening and ranking for the working-set kernel: on the
benchmark matrix's sparse paths, where a pass costs as much as many sweeps
of the support, 1.7-2.1x faster to the same suboptimality
(:func:`skreg.linear_model._strategy.strong_rule_path`; issue 12).
"""

from typing import NamedTuple

import numpy as np

from skreg._kernels import cd_plain
from skreg._kernels.penalty import factor_at, factor_of
from skreg._kernels.problems import layout_sweep
from skreg._numba import inner_kernel

# The active cycles stop when the largest ``||x_j||^2 dw_j^2`` of a sweep (each
# coordinate with its own column norm, glmnet's test) is at most
# INNER_FRACTION times the gap target over the active set's size (glmnet:
# ``thr`` times the null deviance); after a pass that does not certify, the
# threshold follows the gap and shrinks by INNER_SHRINK.  The largest column
# norm in place of each coordinate's (as before) made the test 5-18x stricter
# on the support of a text-like design (power-law column norms) and the deep
# alphas of its path swept 3-7 times each.  Sparse paths, 100 alphas, time to
# suboptimality 1e-3 / 1e-6 over tols 1e-1 .. 1e-6 (ms; issue 12), largest
# norm and 0.1 -> own norms and 0.01: text-like 4000x20000 to alpha_max /
# 1000 108 / 1190 -> 84 / 282; quick matrix text-like 1000x3000 5.95 / 8.05
# -> 5.26 / 7.16, wide 100x20000 3.01 / 5.02 -> 3.22 / 3.49, uniform
# 2000x5000 8.84 / 11.01 -> 8.86 / 11.36.  Own norms with 0.003 or 0.03: the
# deep text-like path 103 / 1142 or 71 / 273, the 1000x3000 one 5.87 / 7.30
# or 5.35 / 9.44.
INNER_FRACTION = 0.01
INNER_SHRINK = 0.25
# Sweeps (of the active or strong set) an alpha may take before the driver
# hands it to working sets, whose Anderson steps do not crawl where CD
# alone does (p > n near interpolation: a 60x400 path to alpha_max / 100
# ended max_iter=1000 with gaps 350x tol; issue 12).
STRONG_BUDGET = 64

# ``StrongWork.last``: whether the statistics of the last pass describe the
# current ``w``, the ``l1`` and ``l2`` they were computed with, ``||r||^2``,
# ``r'y``, and the gap target there.
LAST_VALID = 0
LAST_L1 = 1
LAST_L2 = 2
LAST_R_NORM2 = 3
LAST_R_DOT_Y = 4
LAST_TARGET = 5
LAST_SIZE = 6


class StrongWork(NamedTuple):
    """The sets of the strong-rule mode, kept from penalty to penalty."""

    in_strong: np.ndarray  # bool (n_features,)
    strong: np.ndarray  # intp (n_features,): the strong set is strong[:counts[0]]
    in_active: np.ndarray  # bool (n_features,)
    active: np.ndarray  # intp (n_features,): the active set is active[:counts[1]]
    counts: np.ndarray  # intp (2,)
    last: np.ndarray  # float64 (LAST_SIZE,)


def new_strong_work(n_features):
    """Empty sets for a path over ``n_features`` features."""
    return StrongWork(
        np.zeros(n_features, dtype=np.bool_),
        np.empty(n_features, dtype=np.intp),
        np.zeros(n_features, dtype=np.bool_),
        np.empty(n_features, dtype=np.intp),
        np.zeros(2, dtype=np.intp),
        np.zeros(LAST_SIZE),
    )


@inner_kernel
def strong_enter(w, strong):
    """Start a kernel call: ``w`` may have moved since the last one (Newton
    steps, another warm start), so the last pass's statistics are stale, and
    its non-zeros join both sets."""
    strong.last[LAST_VALID] = 0
    n_strong = strong.counts[0]
    for j in range(w.shape[0]):
        if w[j] != 0 and not strong.in_strong[j]:
            strong.in_strong[j] = True
            strong.strong[n_strong] = j
            n_strong += 1
    strong.counts[0] = n_strong
    _activate(w, strong)


@inner_kernel
def _grow_strong(problem, xtr, threshold, positive, strong):
    """Add to the strong set the features outside it whose correlation
    ``xtr_j`` (``|xtr_j|`` unless ``positive``) reaches ``pf_j * threshold``
    (an unpenalized one's threshold is zero); returns how many joined."""
    col_norms2 = problem.col_norms2
    factor = factor_of(problem.penalty)
    in_strong, members = strong.in_strong, strong.strong
    n_strong = strong.counts[0]
    added = 0
    for j in range(xtr.shape[0]):
        if in_strong[j] or col_norms2[j] == 0:
            continue
        correlation = xtr[j] if positive else abs(xtr[j])
        if correlation >= factor_at(factor, j) * threshold:
            in_strong[j] = True
            members[n_strong + added] = j
            added += 1
    strong.counts[0] = n_strong + added
    return added


@inner_kernel
def _activate(w, strong):
    """Add the strong set's new non-zeros to the active set."""
    in_active, active = strong.in_active, strong.active
    n_active = strong.counts[1]
    members = strong.strong
    for k in range(strong.counts[0]):
        j = members[k]
        if w[j] != 0 and not in_active[j]:
            in_active[j] = True
            active[n_active] = j
            n_active += 1
    strong.counts[1] = n_active


@inner_kernel
def _certify(
    problem, state, w, l1, l2, l2_typed, positive, xtr, everything, tol_scaled,
    path_gap, strong,
):  # fmt: skip
    """A pass over ``X``: :func:`~skreg._kernels.cd_plain.full_gap`, its
    statistics kept for the next penalty; ``(gap, dual norm, primal,
    target)``."""
    # Every non-zero coefficient is in the active set, except unpenalized
    # ones that fit_unpenalized moved, which the penalty leaves out anyway.
    support = strong.active[: strong.counts[1]]
    gap, dual_norm, primal, r_norm2, r_dot_y = cd_plain.full_gap(
        problem, state, w, l1, l2, l2_typed, positive, xtr, everything, support
    )
    _activate(w, strong)  # (those unpenalized ones)
    target = cd_plain.gap_target(tol_scaled, primal, path_gap)
    last = strong.last
    last[LAST_VALID] = 1
    last[LAST_L1] = l1
    last[LAST_L2] = l2
    last[LAST_TARGET] = target
    last[LAST_R_NORM2] = r_norm2
    last[LAST_R_DOT_Y] = r_dot_y
    return gap, dual_norm, primal, target


@inner_kernel
def _gap_from_last(problem, w, l1, l2, positive, xtr, strong):
    """The gap at a new penalty from the last pass's statistics (``w`` has not
    moved): ``xtr`` is moved from that pass's ``l2`` to this one."""
    last = strong.last
    factor = factor_of(problem.penalty)
    if last[LAST_L2] != l2:
        # xtr = X'r - l2 pf w: only its ridge term depends on the penalty.
        shift = l2 - last[LAST_L2]
        for j in range(w.shape[0]):
            xtr[j] -= shift * factor_at(factor, j) * w[j]
        last[LAST_L2] = l2
    return cd_plain.gap_at(
        problem, w, l1, l2, positive, xtr, strong.active[: strong.counts[1]],
        last[LAST_R_NORM2], last[LAST_R_DOT_Y],
    )  # fmt: skip


@inner_kernel
def strong_budget(
    problem, state, w, l1, l2, l1_typed, l2_typed, positive, tol_scaled, path_gap,
    allowed, newton_on, xtr, everything, strong,
):  # fmt: skip
    """One budget of at most ``allowed`` sweeps at penalty ``l1, l2``, in
    place of plain CD's loop in :func:`~skreg._kernels.cd_plain.plain_cd_path`.

    Returns ``(gap, dual norm, primal, sweeps, first gap)``: the certified gap
    at the end, and the one at the start, which the loop's rule for Newton
    steps needs (``newton_on``; inf otherwise, not computed).  Every budget
    sweeps and ends with a pass, even from a start that already meets the
    target: the pass is the next penalty's start, and the sweeps keep a
    warm-started path from stalling (:func:`~skreg._kernels.cd_plain.sweep_support`).
    """
    last = strong.last
    first_gap = np.inf
    if last[LAST_VALID] == 1:
        # The last penalty's target starts the inner threshold.
        l1_last, target = last[LAST_L1], last[LAST_TARGET]
        if newton_on:
            first_gap, _, _ = _gap_from_last(problem, w, l1, l2, positive, xtr, strong)
    else:
        first_gap, dual_norm, _, target = _certify(
            problem, state, w, l1, l2, l2_typed, positive, xtr, everything,
            tol_scaled, path_gap, strong,
        )  # fmt: skip
        # From w = 0 the dual norm is the l1 at which w = 0 became optimal.
        l1_last = max(dual_norm, l1)
    # The sequential strong rule (Tibshirani et al. 2012).
    _grow_strong(problem, xtr, 2.0 * l1 - l1_last, positive, strong)
    _activate(w, strong)
    threshold = INNER_FRACTION * target / max(1, strong.counts[1])
    sweeps = 0
    on_strong = strong.counts[1] == 0
    while True:
        while sweeps < allowed:
            members = strong.strong if on_strong else strong.active
            n_members = strong.counts[0] if on_strong else strong.counts[1]
            _, _, max_move = layout_sweep(
                problem, state, w, l1_typed, l2_typed, positive, members[:n_members]
            )
            sweeps += 1
            if on_strong:
                _activate(w, strong)
            # max_j ||x_j||^2 dw_j^2
            small = np.float64(max_move) <= threshold
            if small and on_strong:
                break
            on_strong = small
        gap, dual_norm, primal, target = _certify(
            problem, state, w, l1, l2, l2_typed, positive, xtr, everything,
            tol_scaled, path_gap, strong,
        )  # fmt: skip
        if gap <= target or sweeps >= allowed:
            # (the next penalty's strong rule takes in every violator of
            # this one's KKT conditions: its threshold is below l1)
            return gap, dual_norm, primal, sweeps, first_gap
        # KKT: features outside the strong set that violate their constraint.
        violators = _grow_strong(problem, xtr, l1, positive, strong)
        on_strong = violators > 0
        if violators == 0:
            threshold = INNER_SHRINK * min(
                threshold, INNER_FRACTION * gap / max(1, strong.counts[1])
            )
