"""The compile-time floor of numba for a Lasso on sparse data: one
self-contained CD kernel over CSC arrays.

As :mod:`_numba_floor` (one ``@njit`` function with skreg's flags, plain
loops over scalars, the duality-gap stop, no screening or working sets), for
the sparse layout: the columns are centred implicitly (``x_mean``, as
scikit-learn and skreg do for sparse data with an intercept), so the residual
is the stored part plus a scalar shift.  ``first-use`` compiles it in a fresh
process with an empty cache: its time bounds from below what a sparse Lasso
compiled by numba costs on its first fit.  Run with ``X`` (CSC) and ``y``
given as globals (``runpy.run_path(..., init_globals=...)``).
"""

import numba
import numpy as np

FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}


@numba.njit(cache=True, nogil=True, fastmath=FLAGS)
def lasso_cd_sparse(
    data, indices, indptr, x_mean, y, w, raw, norms2, l1, max_iter, tol
):
    """Minimize ``1/2 ||y - (X - 1 x_mean') w||^2 + l1 ||w||_1`` for centred
    ``y`` and ``w = 0`` on entry; return ``(gap, sweeps)``.

    ``raw`` must hold ``y`` on entry (the residual is ``raw + shift``: the
    centring's contribution is a scalar); ``norms2`` is work space.  With
    ``x_mean`` the column means, the residual keeps summing to zero, so the
    centred columns' correlations need no other term.
    """
    n_samples = y.shape[0]
    n_features = x_mean.shape[0]
    for j in range(n_features):
        squares = 0.0
        for p in range(indptr[j], indptr[j + 1]):
            squares += data[p] * data[p]
        norms2[j] = squares - n_samples * x_mean[j] * x_mean[j]
    y_norm2 = 0.0
    for i in range(n_samples):
        y_norm2 += y[i] * y[i]
    shift = 0.0
    gap = np.inf
    n_sweeps = 0
    while n_sweeps < max_iter:
        n_sweeps += 1
        for j in range(n_features):
            if norms2[j] <= 0.0:
                continue
            correlation = 0.0
            for p in range(indptr[j], indptr[j + 1]):
                correlation += data[p] * (raw[indices[p]] + shift)
            z = correlation + norms2[j] * w[j]
            shrunk = abs(z) - l1
            new = 0.0
            if shrunk > 0:
                new = (shrunk if z > 0 else -shrunk) / norms2[j]
            delta = new - w[j]
            if delta != 0.0:
                for p in range(indptr[j], indptr[j + 1]):
                    raw[indices[p]] -= delta * data[p]
                shift += delta * x_mean[j]
                w[j] = new
        dual_norm = 0.0
        w_l1 = 0.0
        for j in range(n_features):
            correlation = 0.0
            for p in range(indptr[j], indptr[j + 1]):
                correlation += data[p] * (raw[indices[p]] + shift)
            dual_norm = max(dual_norm, abs(correlation))
            w_l1 += abs(w[j])
        scale = min(1.0, l1 / dual_norm) if dual_norm > 0 else 1.0
        r_norm2 = 0.0
        r_dot_y = 0.0
        for i in range(n_samples):
            r_i = raw[i] + shift
            r_norm2 += r_i * r_i
            r_dot_y += r_i * y[i]
        gap = 0.5 * r_norm2 * (1.0 + scale * scale) + l1 * w_l1 - scale * r_dot_y
        if gap <= tol * y_norm2:
            break
    return gap, n_sweeps


X = X.tocsc()  # noqa: F821 - given by the caller
X.sort_indices()
y = y - y.mean()  # noqa: F821
lasso_cd_sparse(
    X.data,
    X.indices,
    X.indptr,
    np.asarray(X.mean(axis=0)).ravel(),
    y,
    np.zeros(X.shape[1]),
    y.copy(),
    np.empty(X.shape[1]),
    0.001 * X.shape[0],
    1000,
    1e-4,
)
