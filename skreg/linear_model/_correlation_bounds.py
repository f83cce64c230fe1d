"""Certified duality gaps without a full pass over ``X`` (Cauchy-Schwarz bounds).

The gap of the full elastic-net problem needs the dual scale
``s = max(l1, max_j |x_j'r - l2 w_j|)``.  Only features whose correlation can
exceed ``l1`` influence ``s``.  With the exact correlations ``c = X'r0`` at a
reference residual ``r0``, every feature satisfies::

    |x_j'r| <= |c_j| + ||x_j|| * ||r - r0||

(norms in the sample-weighted inner product of the layout), so a zero
coefficient whose bound is at most ``l1`` cannot change ``s``: its exact
correlation is not needed.  The gap computed with these bounds in place of the
skipped correlations is the exact gap of the full problem.  Screening and
working-set ranking, which read the same array, then see upper bounds, which is
conservative for screening.

Along a path or across the outer iterations of one solve the residual moves
little, so most features are skipped.  Every exact value computed becomes that
feature's reference (with its residual kept as a snapshot); a full pass starts
afresh once too many features need exact values.
"""

import numpy as np

# Above this fraction of features needing exact correlations, a full pass costs
# about the same and gives a fresh (tighter) reference.
FULL_PASS_FRACTION = 0.5
# Residuals kept as references; beyond this a full pass starts afresh.
MAX_SNAPSHOTS = 8


class CorrelationBounds:
    """Exact correlations at recent residuals, used to bound ``X'r`` elsewhere.

    Each feature ``j`` keeps ``c_j = x_j'r_k`` at one stored residual ``r_k``
    (its snapshot): a full pass sets every feature's snapshot, a partial pass
    refreshes the features it computed, so features near the dual constraint
    always have a recent reference and the others keep an old one with slack.

    Parameters
    ----------
    layout : DenseLayout or SparseLayout
        A layout whose state holds a residual (``layout.residual`` not None).
    """

    def __init__(self, layout):
        self.layout = layout
        # float64 bounds: rounding must not turn a bound into an underestimate.
        self.col_norms = np.sqrt(layout.col_norms2.astype(np.float64))
        self.sample_weight = layout.sample_weight_or_none()
        self.snapshots = []
        self.snapshot_of = None
        self.correlations = None
        self.n_full = 0
        self.n_partial = 0

    def _distance(self, residual, snapshot):
        difference = residual - snapshot
        if self.sample_weight is None:
            return float(np.sqrt(difference @ difference))
        return float(np.sqrt(difference @ (self.sample_weight * difference)))

    def statistics(self, residual, w, l1, l2, xtr, refresh=True):
        """Fill ``xtr`` and return ``(||r||^2, r'y)`` at ``residual``.

        ``xtr`` receives ``X'r - l2 w`` exactly wherever it may exceed ``l1`` in
        absolute value (always for non-zero ``w``) and an upper bound of
        ``|x_j'r|`` with the sign of the reference correlation elsewhere.
        With ``refresh`` the exact values computed become references.
        """
        layout = self.layout
        if self.correlations is not None:
            residual64 = residual.astype(np.float64)
            distances = np.array(
                [self._distance(residual64, s) for s in self.snapshots]
            )
            radius = distances[self.snapshot_of]
            bound = np.abs(self.correlations) + self.col_norms * radius
            known = radius == 0
            needs_exact = ((bound > l1) | (w != 0)) & ~known
            exact = np.flatnonzero(needs_exact)
            if exact.size <= FULL_PASS_FRACTION * w.shape[0]:
                self.n_partial += 1
                stats = layout.stats_at(residual, w, l2, exact, xtr)
                skipped = ~(needs_exact | known)
                xtr[skipped] = np.copysign(bound[skipped], self.correlations[skipped])
                xtr[known] = self.correlations[known] - l2 * w[known]
                if refresh and exact.size:
                    self._remember(residual64, exact, xtr[exact] + l2 * w[exact])
                return stats
        self.n_full += 1
        everything = np.arange(w.shape[0])
        stats = layout.stats_at(residual, w, l2, everything, xtr)
        if refresh:
            self.snapshots = [residual.astype(np.float64)]
            self.snapshot_of = np.zeros(w.shape[0], dtype=np.intp)
            # Coefficients with l2 > 0 add -l2 w to xtr; the reference keeps X'r.
            self.correlations = xtr.astype(np.float64) + l2 * w
        return stats

    def _remember(self, residual, features, correlations):
        """Make ``residual`` the reference of ``features``; drop unused snapshots."""
        self.snapshots.append(residual)
        self.snapshot_of[features] = len(self.snapshots) - 1
        self.correlations[features] = correlations
        used, self.snapshot_of = np.unique(self.snapshot_of, return_inverse=True)
        self.snapshots = [self.snapshots[k] for k in used]
        if len(self.snapshots) > MAX_SNAPSHOTS:
            self.correlations = None  # the next call makes a full pass
