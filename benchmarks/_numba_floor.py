"""The compile-time floor of numba for a Lasso: one self-contained CD kernel.

A dense, cyclic coordinate descent with the duality-gap stop, in a single
``@njit`` function with skreg's flags (no screening, no working sets, no
layouts, no intercept).  ``first-use`` compiles it in a fresh process with
an empty cache: no Lasso solver written for numba can compile in less, so its
time bounds what the first-fit targets can ask of skreg.  Run with ``X`` and
``y`` given as globals (``runpy.run_path(..., init_globals=...)``).
"""

import numba
import numpy as np

FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}


@numba.njit(cache=True, nogil=True, fastmath=FLAGS)
def lasso_cd(X, y, w, l1, max_iter, tol):
    """Minimize ``1/2 ||y - Xw||^2 + l1 ||w||_1``; return ``(gap, sweeps)``."""
    n_samples, n_features = X.shape
    residual = y.copy()
    norms2 = np.zeros(n_features)
    for j in range(n_features):
        for i in range(n_samples):
            residual[i] -= X[i, j] * w[j]
            norms2[j] += X[i, j] * X[i, j]
    tol_scaled = tol * (y @ y)
    xtr = np.empty(n_features)
    gap = np.inf
    n_sweeps = 0
    while n_sweeps < max_iter:
        n_sweeps += 1
        for j in range(n_features):
            if norms2[j] == 0.0:
                continue
            correlation = 0.0
            for i in range(n_samples):
                correlation += X[i, j] * residual[i]
            z = correlation + norms2[j] * w[j]
            new = np.sign(z) * max(abs(z) - l1, 0.0) / norms2[j]
            delta = new - w[j]
            if delta != 0.0:
                for i in range(n_samples):
                    residual[i] -= delta * X[i, j]
                w[j] = new
        for j in range(n_features):
            correlation = 0.0
            for i in range(n_samples):
                correlation += X[i, j] * residual[i]
            xtr[j] = correlation
        dual_norm = np.max(np.abs(xtr))
        scale = min(1.0, l1 / dual_norm) if dual_norm > 0 else 1.0
        r_norm2 = residual @ residual
        gap = (
            0.5 * r_norm2 * (1.0 + scale * scale)
            + l1 * np.abs(w).sum()
            - scale * (residual @ y)
        )
        if gap <= tol_scaled:
            break
    return gap, n_sweeps


X = np.asfortranarray(X - X.mean(axis=0))  # noqa: F821 - given by the caller
y = y - y.mean()  # noqa: F821
lasso_cd(X, y, np.zeros(X.shape[1]), 0.1 * X.shape[0], 1000, 1e-4)
