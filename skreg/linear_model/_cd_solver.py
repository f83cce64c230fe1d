"""Coordinate-descent driver for one elastic-net problem (one alpha, one target).

The stopping rule is scikit-learn's: after a sweep whose largest coefficient
change is small relative to the largest coefficient (or at the last sweep), the
duality gap of the full problem is computed, and the solver stops when it is
at most ``tol * ||y||^2``.  Between sweeps, gap-safe rules (Fercoq et al. 2015,
Ndiaye et al. 2017) discard coordinates that are provably zero at the optimum.
A ``ConvergenceWarning`` is raised only when the certified gap is still above
the tolerance after ``max_iter`` sweeps.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skreg._kernels.gap import enet_gap


@dataclass
class CDResult:
    """Outcome of :func:`solve_enet`; ``gap`` and ``tol`` are unscaled (times n)."""

    coef: np.ndarray
    gap: float
    tol: float
    n_iter: int


def _certified_gap(layout, state, w, l1, l2, positive, xtr):
    dtype = layout.dtype.type
    r_norm2, r_dot_y = layout.stats(state, w, dtype(l2), l1 > 0, xtr)
    gap, dual_norm = enet_gap(
        w, xtr, dtype(r_norm2), dtype(r_dot_y), dtype(l1), dtype(l2), positive
    )
    return float(gap), float(dual_norm)


def _gap_safe_keep(layout, candidates, xtr, dual_norm, gap, l1, l2):
    """Return the candidates that gap-safe rules cannot discard."""
    scale = max(l1, dual_norm)
    distance = (1.0 - np.abs(xtr[candidates]) / scale) / np.sqrt(
        layout.col_norms2[candidates] + l2
    )
    radius = np.sqrt(2.0 * max(gap, 0.0)) / l1
    return distance <= radius


def convergence_message(gap, tol, l1):
    """Text of the ConvergenceWarning: what was reached and what to try."""
    message = (
        "Objective did not converge. You might want to increase the number of "
        "iterations, check the scale of the features or consider increasing "
        f"regularisation. Duality gap: {gap:.6e}, tolerance: {tol:.3e}"
    )
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
    warn=True,
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
        Maximum number of sweeps over the active coordinates.
    tol : float
        Relative tolerance; the gap must reach ``tol * ||y||^2``.
    positive : bool
        Constrain coefficients to be non-negative.
    rng : numpy.random.RandomState, optional
        Source of coordinates when ``random`` is True.
    random : bool
        Visit random coordinates (with replacement) instead of cycling.
    screening : bool
        Use gap-safe screening rules (only when ``l1 > 0``).
    warn : bool
        Raise ``ConvergenceWarning`` when the tolerance is not reached.

    Returns
    -------
    result : CDResult
    """
    dtype = layout.dtype.type
    l1_typed, l2_typed = dtype(l1), dtype(l2)
    state = layout.start(coef)
    xtr = np.empty(layout.n_features, dtype=layout.dtype)
    tol_scaled = tol * layout.y_norm2

    gap, dual_norm = _certified_gap(layout, state, coef, l1, l2, positive, xtr)
    if gap <= tol_scaled:
        return CDResult(coef, gap, tol_scaled, 0)

    active = np.flatnonzero(layout.col_norms2 != 0).astype(np.intp)
    screening = screening and l1 > 0
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
            gap, dual_norm = _certified_gap(layout, state, coef, l1, l2, positive, xtr)
            if gap <= tol_scaled:
                break
            if screening:
                active = _screen(
                    layout, state, coef, active, xtr, dual_norm, gap, l1, l2
                )
    else:
        if warn:
            warnings.warn(
                convergence_message(gap, tol_scaled, l1),
                ConvergenceWarning,
                stacklevel=3,
            )
    return CDResult(coef, gap, tol_scaled, n_iter + 1)


def _screen(layout, state, coef, active, xtr, dual_norm, gap, l1, l2):
    keep = _gap_safe_keep(layout, active, xtr, dual_norm, gap, l1, l2)
    dropped = active[~keep]
    dropped = dropped[coef[dropped] != 0]
    if dropped.size:
        layout.zero_out(state, coef, dropped)
    return active[keep]
