"""The compile-time floor of numba for a Lasso: one self-contained CD kernel.

A dense, cyclic coordinate descent with the duality-gap stop, in a single
``@njit`` function with skreg's flags (no screening, no working sets, no
layouts, no intercept), written as plain loops over scalars: no NumPy
function or array expression inside, each of which compiles a generic
implementation of its own (written with ``y @ y``, ``np.abs``, ``np.max`` and
``np.sign`` the same kernel took 2.0 s instead of 0.9 s; issue 13).
``first-use`` compiles it in a fresh process with an empty cache: its time
bounds from below what any Lasso solver compiled by numba costs on its first
fit, numba's one-time start-up included.  Run with ``X`` and ``y`` given as
globals (``runpy.run_path(..., init_globals=...)``).
"""

import numba
import numpy as np

FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}


@numba.njit(cache=True, nogil=True, fastmath=FLAGS)
def lasso_cd(X, y, w, residual, norms2, l1, max_iter, tol):
    """Minimize ``1/2 ||y - Xw||^2 + l1 ||w||_1``; return ``(gap, sweeps)``.

    ``residual`` must hold ``y`` on entry; ``norms2`` is work space.
    """
    n_samples, n_features = X.shape
    for j in range(n_features):
        squares = 0.0
        for i in range(n_samples):
            residual[i] -= X[i, j] * w[j]
            squares += X[i, j] * X[i, j]
        norms2[j] = squares
    y_norm2 = 0.0
    for i in range(n_samples):
        y_norm2 += y[i] * y[i]
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
            shrunk = abs(z) - l1
            new = 0.0
            if shrunk > 0:
                new = (shrunk if z > 0 else -shrunk) / norms2[j]
            delta = new - w[j]
            if delta != 0.0:
                for i in range(n_samples):
                    residual[i] -= delta * X[i, j]
                w[j] = new
        dual_norm = 0.0
        w_l1 = 0.0
        for j in range(n_features):
            correlation = 0.0
            for i in range(n_samples):
                correlation += X[i, j] * residual[i]
            dual_norm = max(dual_norm, abs(correlation))
            w_l1 += abs(w[j])
        scale = min(1.0, l1 / dual_norm) if dual_norm > 0 else 1.0
        r_norm2 = 0.0
        r_dot_y = 0.0
        for i in range(n_samples):
            r_norm2 += residual[i] * residual[i]
            r_dot_y += residual[i] * y[i]
        gap = 0.5 * r_norm2 * (1.0 + scale * scale) + l1 * w_l1 - scale * r_dot_y
        if gap <= tol * y_norm2:
            break
    return gap, n_sweeps


X = np.asfortranarray(X - X.mean(axis=0))  # noqa: F821 - given by the caller
y = y - y.mean()  # noqa: F821
lasso_cd(
    X,
    y,
    np.zeros(X.shape[1]),
    y.copy(),
    np.empty(X.shape[1]),
    0.1 * X.shape[0],
    1000,
    1e-4,
)
