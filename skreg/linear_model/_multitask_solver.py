"""Driver for the multi-task elastic net (2-D ``y``), scikit-learn's stopping rule."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skreg._kernels.cd_multitask import (
    cd_sweep_multitask_dense,
    multitask_gap_dense,
)
from skreg.linear_model._cd_solver import CDResult, convergence_message


def solve_multitask(
    X, Y, W, l1, l2, *, max_iter, tol, rng=None, random=False, warn=True
):
    """Block CD on dense Fortran ``X`` (n, p) and ``Y`` (n, t); ``W`` (p, t) in place.

    Stops when the duality gap is at most ``tol * ||Y||_F^2``, checked when the
    largest update is small relative to the largest coefficient (or at the
    last sweep), like scikit-learn's multi-task solver.
    """
    dtype = X.dtype.type
    l1_typed, l2_typed = dtype(l1), dtype(l2)
    residual = np.asfortranarray(Y - X @ W)
    col_norms2 = np.einsum("ij,ij->j", X, X).astype(X.dtype, copy=False)
    tol_scaled = tol * float(np.sum(Y * Y))
    active = np.flatnonzero(col_norms2 != 0)
    gap = float(multitask_gap_dense(X, Y, residual, W, l1_typed, l2_typed))
    if gap <= tol_scaled:
        return CDResult(W, gap, tol_scaled, 0)
    n_iter = 0
    for n_iter in range(max_iter):
        order = active[rng.randint(0, active.size, active.size)] if random else active
        max_delta, max_abs_w = cd_sweep_multitask_dense(
            X, residual, W, col_norms2, l1_typed, l2_typed, order
        )
        if max_abs_w == 0 or max_delta / max_abs_w <= tol or n_iter == max_iter - 1:
            gap = float(multitask_gap_dense(X, Y, residual, W, l1_typed, l2_typed))
            if gap <= tol_scaled:
                break
    # A NaN or infinite gap (overflow) must warn too.
    if warn and not (gap <= tol_scaled and np.isfinite(gap)):
        warnings.warn(
            convergence_message(
                gap, tol_scaled, l1, n_iter=n_iter + 1, max_iter=max_iter, rel_tol=tol
            ),
            ConvergenceWarning,
            stacklevel=3,
        )
    return CDResult(W, gap, tol_scaled, n_iter + 1)
