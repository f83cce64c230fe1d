"""Certified statistics of the full problem without a full pass over ``X``.

The gap of the full elastic-net problem needs the dual scale
``s = max(l1, max_j |x_j'r - l2 w_j|)``.  Only features whose correlation can
exceed ``l1`` influence ``s``.  With the exact correlation ``c_j = x_j'r_k`` at a
stored residual ``r_k`` (feature ``j``'s *snapshot*), Cauchy-Schwarz gives::

    |x_j'r| <= |c_j| + ||x_j|| * ||r - r_k||

(norms in the layout's sample-weighted inner product), so a zero coefficient
whose bound is at most ``l1`` cannot change ``s`` and needs no pass over its
column.  The gap computed with these bounds in place of the skipped
correlations is the exact gap of the full problem.  Screening and working-set
ranking, which read the same array, then see upper bounds: conservative for
screening.

Along a path, or across the outer iterations of one solve, the residual moves
little, so most columns are skipped.  Every exact value computed becomes that
feature's reference (its residual stored as a new snapshot); a full pass
starts afresh once too many features need exact values or too many snapshots
are alive.  Everything here is compiled: no per-call Python work over the
features.
"""

from typing import NamedTuple

import numpy as np

from skreg._kernels.penalty import factor_of, factor_times
from skreg._kernels.problems import layout_distance2, layout_stats_at
from skreg._numba import inner_kernel

# Above this fraction of features needing exact correlations, a full pass costs
# about the same and gives a fresh (tighter) reference.
FULL_PASS_FRACTION = 0.5
# Residuals kept as references; beyond this a full pass starts afresh.
MAX_SNAPSHOTS = 8


class CorrelationBounds(NamedTuple):
    """Reference correlations and the residuals they were computed at.

    ``meta`` is ``[number of snapshot rows in use, 1 if the references are
    valid]``; a row in use that ``counts`` says no feature references any
    more is free for the next snapshot.  Covariance mode (no residual) uses
    empty snapshots and never validates.
    """

    correlations: np.ndarray  # float64 (n_features,): x_j'r at its snapshot
    snapshot_of: np.ndarray  # intp (n_features,)
    snapshots: np.ndarray  # float64 (MAX_SNAPSHOTS + 1, n_samples)
    col_norms: np.ndarray  # float64 (n_features,): ||x_j|| (weighted)
    meta: np.ndarray  # intp (2,)
    counts: np.ndarray  # intp (MAX_SNAPSHOTS + 1,): features per snapshot
    # Work arrays, allocated here and not in the kernel: each np.empty or
    # np.arange in a kernel compiles numba's implementation of it into the
    # first fit (issue 13).  Their contents on entry do not matter.
    radius: np.ndarray  # float64 (MAX_SNAPSHOTS + 1,)
    exact: np.ndarray  # intp (n_features,)
    everything: np.ndarray  # intp (n_features,): 0 .. n_features - 1


def new_bounds(col_norms2, n_samples):
    """Empty bounds for a problem; ``n_samples=0`` for covariance mode."""
    n_features = col_norms2.shape[0]
    return CorrelationBounds(
        np.zeros(n_features),
        np.zeros(n_features, dtype=np.intp),
        np.zeros((MAX_SNAPSHOTS + 1, n_samples)),
        # float64 bounds: rounding must not turn a bound into an underestimate.
        np.sqrt(col_norms2.astype(np.float64)),
        np.zeros(2, dtype=np.intp),
        np.zeros(MAX_SNAPSHOTS + 1, dtype=np.intp),
        np.empty(MAX_SNAPSHOTS + 1),
        np.empty(n_features, dtype=np.intp),
        np.arange(n_features, dtype=np.intp),
    )


@inner_kernel
def bounded_stats(problem, residual, w, l1, l2, xtr, bounds, refresh):
    """Fill ``xtr`` and return ``(||r||^2, r'y)`` at ``residual``.

    ``xtr`` receives ``X'r - l2 w`` exactly wherever it may exceed ``l1`` in
    absolute value (always for non-zero ``w``) and an upper bound of ``|x_j'r|``
    with the sign of the reference correlation elsewhere.  With ``refresh`` the
    exact values computed become references.  ``l2`` is in the data's dtype.
    """
    n_features = w.shape[0]
    correlations, snapshot_of, snapshots = (
        bounds.correlations,
        bounds.snapshot_of,
        bounds.snapshots,
    )
    col_norms, meta = bounds.col_norms, bounds.meta
    # Penalty factors: feature j binds when |x_j'r| / pf_j exceeds l1, and
    # its ridge term is l2 pf_j w_j (empty factors: all ones).
    factor = factor_of(problem.penalty)
    n_snapshots = meta[0]
    if meta[1] == 1:
        radius = bounds.radius
        for k in range(n_snapshots):
            # A free row is nobody's reference: no distance needed.
            if bounds.counts[k] > 0:
                distance2 = layout_distance2(problem, residual, snapshots[k])
                radius[k] = np.sqrt(distance2)
        # One pass: known (radius 0) and bounded features get their value
        # now, those that need an exact value are listed for layout_stats_at.
        exact = bounds.exact
        n_exact = 0
        # Without branches on the feature's values (``&``, ``|``, selects):
        # whether a feature needs its exact value is unpredictable, and the
        # mispredicted branches were about a quarter of the certificates'
        # cycles on a sparse path (2000x5000, 100 alphas: 23.0 -> 17.3
        # Mcycles; issue 12).  Every feature is written at
        # ``exact[n_exact]`` and kept by counting it.
        for j in range(n_features):
            r = radius[snapshot_of[j]]
            # l2 * pf_j, l1 * pf_j in the data's precision (no float64 one).
            l2_j = factor_times(l2, factor, j)
            correlation = correlations[j]
            bound = abs(correlation) + col_norms[j] * r
            known = r == 0
            needed = (w[j] != 0) | (bound > factor_times(l1, factor, j))
            signed = bound if correlation >= 0 else -bound
            xtr[j] = correlation - l2_j * w[j] if known else signed
            exact[n_exact] = j
            n_exact += needed & (not known)
        if n_exact <= FULL_PASS_FRACTION * n_features:
            r_norm2, r_dot_y = layout_stats_at(
                problem, residual, w, l2, exact[:n_exact], xtr
            )
            if refresh and n_exact > 0:
                _remember(bounds, residual, w, l2, exact[:n_exact], xtr, factor)
            return r_norm2, r_dot_y
    everything = bounds.everything
    r_norm2, r_dot_y = layout_stats_at(problem, residual, w, l2, everything, xtr)
    if refresh and snapshots.shape[1] > 0:
        for i in range(residual.shape[0]):
            snapshots[0, i] = residual[i]
        for j in range(n_features):
            snapshot_of[j] = 0
            # Coefficients with l2 > 0 add -l2 pf w to xtr; the reference keeps X'r.
            l2_j = factor_times(l2, factor, j)
            correlations[j] = xtr[j] + l2_j * w[j]
        for k in range(bounds.counts.shape[0]):
            bounds.counts[k] = 0
        bounds.counts[0] = n_features
        meta[0] = 1
        meta[1] = 1
    return r_norm2, r_dot_y


@inner_kernel
def _remember(bounds, residual, w, l2, features, xtr, factor):
    """Make ``residual`` the reference of ``features``.

    O(len(features) + n_samples): the snapshot goes into a row nobody
    references any more (``counts``), the one ``features`` leave if they
    shared one, and no other feature's reference changes.
    """
    correlations, snapshot_of, snapshots = (
        bounds.correlations,
        bounds.snapshot_of,
        bounds.snapshots,
    )
    meta, counts = bounds.meta, bounds.counts
    weighted = factor is not None
    for k in range(features.shape[0]):
        counts[snapshot_of[features[k]]] -= 1
    row = meta[0]
    for k in range(meta[0]):
        if counts[k] == 0:
            row = k
            break
    for i in range(residual.shape[0]):
        snapshots[row, i] = residual[i]
    for k in range(features.shape[0]):
        j = features[k]
        snapshot_of[j] = row
        l2_j = l2 * factor[j] if weighted else l2
        correlations[j] = xtr[j] + l2_j * w[j]
    counts[row] = features.shape[0]
    meta[0] = max(meta[0], row + 1)
    if meta[0] == snapshots.shape[0]:
        free = False
        for k in range(meta[0]):
            free = free or counts[k] == 0
        if not free:  # no row for another snapshot
            meta[1] = 0  # the next call makes a full pass
