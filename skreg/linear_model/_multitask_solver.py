"""Driver for the multi-task elastic net (2-D ``y``), scikit-learn's stopping rule."""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skreg._kernels.cd_multitask import (
    cd_sweep_multitask_dense,
    multitask_gap_dense,
)
from skreg._kernels.cd_multitask_sparse import cd_sweep_multitask_sparse
from skreg.linear_model._cd_solver import CDResult, converged, convergence_message
from skreg.linear_model._layouts import SparseLayout


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

    def sweep(order):
        return cd_sweep_multitask_dense(
            X, residual, W, col_norms2, l1_typed, l2_typed, order
        )

    def gap():
        return float(multitask_gap_dense(X, Y, residual, W, l1_typed, l2_typed))

    return _block_cd(
        sweep,
        gap,
        col_norms2,
        float(np.sum(Y * Y)),
        W,
        l1,
        max_iter=max_iter,
        tol=tol,
        rng=rng,
        random=random,
        warn=warn,
    )


class SparseMultitask:
    """A sparse multi-task problem: CSC ``X``, implicit centering, weights.

    ``Y`` (n, t) is used as given (centered by the caller when an intercept is
    fitted); ``sample_weight`` defaults to ones.  The column statistics are
    :class:`SparseLayout`'s; the state is the split residual of
    :mod:`skreg._kernels.cd_multitask_sparse`.
    """

    def __init__(self, X, Y, sample_weight, x_mean):
        dtype = X.dtype
        columns = SparseLayout(
            X, np.ascontiguousarray(Y[:, 0]), sample_weight, x_mean
        ).problem
        self.X, self.Y = X, np.ascontiguousarray(Y, dtype=dtype)
        self.sw, self.x_mean = columns.sample_weight, columns.x_mean
        self.col_wsum, self.col_norms2 = columns.col_wsum, columns.col_norms2
        self.total_weight = dtype.type(columns.total_weight)
        self.y_norm2 = float(np.sum(self.sw[:, None] * self.Y * self.Y))

    def start(self, W):
        """``(raw, shift, r_wsum)`` for coefficients ``W`` (p, t)."""
        raw = np.ascontiguousarray(self.Y - self.X @ W, dtype=self.Y.dtype)
        shift = np.ascontiguousarray(self.x_mean @ W, dtype=self.Y.dtype)
        return raw, shift, self.sw @ raw

    def gap(self, state, W, l1, l2):
        """Duality gap (formulation A; B for ridge), as ``multitask_gap_dense``."""
        raw, shift, _ = state
        R = raw + shift
        swR = self.sw[:, None] * R
        xtr = np.asarray(self.X.T @ swR) - np.outer(self.x_mean, swR.sum(axis=0))
        r_norm2 = float(np.sum(swR * R))
        r_dot_y = float(np.sum(swR * self.Y))
        w_norm2 = float(np.sum(W * W))
        if l1 == 0:
            grad_norm2 = float(np.sum(xtr * xtr))
            if l2 == 0:
                return grad_norm2
            return r_norm2 + 0.5 * l2 * w_norm2 - r_dot_y + grad_norm2 / (2 * l2)
        dual_norm = float(np.max(np.sqrt(np.sum((xtr - l2 * W) ** 2, axis=1))))
        scale = l1 / dual_norm if dual_norm > l1 else 1.0
        quadratic = r_norm2 + l2 * w_norm2
        primal = 0.5 * quadratic + l1 * float(np.sum(np.sqrt(np.sum(W * W, axis=1))))
        return primal - (-0.5 * scale * scale * quadratic + scale * r_dot_y)


def solve_multitask_sparse(
    problem, W, l1, l2, *, max_iter, tol, rng=None, random=False, warn=True
):
    """Block CD on a :class:`SparseMultitask` problem; ``W`` (p, t) in place."""
    dtype = problem.Y.dtype.type
    l1_typed, l2_typed = dtype(l1), dtype(l2)
    state = problem.start(W)
    X = problem.X

    def sweep(order):
        return cd_sweep_multitask_sparse(
            X.data,
            X.indices,
            X.indptr,
            problem.sw,
            problem.x_mean,
            problem.col_wsum,
            problem.total_weight,
            problem.col_norms2,
            *state,
            W,
            l1_typed,
            l2_typed,
            order,
        )

    def gap():
        return problem.gap(state, W, l1, l2)

    return _block_cd(
        sweep,
        gap,
        problem.col_norms2,
        problem.y_norm2,
        W,
        l1,
        max_iter=max_iter,
        tol=tol,
        rng=rng,
        random=random,
        warn=warn,
    )


def _block_cd(
    sweep, gap_of, col_norms2, y_norm2, W, l1, *, max_iter, tol, rng, random, warn
):
    """scikit-learn's multi-task loop around one layout's ``sweep`` and ``gap``."""
    tol_scaled = tol * y_norm2
    active = np.flatnonzero(col_norms2 != 0)
    gap = gap_of()
    if gap <= tol_scaled:
        return CDResult(W, gap, tol_scaled, 0)
    n_iter = 0
    for n_iter in range(max_iter):
        order = active[rng.randint(0, active.size, active.size)] if random else active
        max_delta, max_abs_w = sweep(order)
        if max_abs_w == 0 or max_delta / max_abs_w <= tol or n_iter == max_iter - 1:
            gap = gap_of()
            if gap <= tol_scaled:
                break
    # A NaN or infinite gap (overflow) must warn too.
    if warn and not converged(gap, tol_scaled):
        warnings.warn(
            convergence_message(
                gap, tol_scaled, l1, n_iter=n_iter + 1, max_iter=max_iter, rel_tol=tol
            ),
            ConvergenceWarning,
            stacklevel=4,
        )
    return CDResult(W, gap, tol_scaled, n_iter + 1)
