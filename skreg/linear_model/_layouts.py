"""Preprocessed elastic-net problems in the three data layouts CD supports.

Each layout owns the state that coordinate descent keeps up to date (a
residual, or ``X'X w`` in covariance mode) and exposes the same four
operations to the solver: ``start`` (state for a warm start), ``sweep`` (one
CD pass over some coordinates), ``stats`` (residual statistics for the
duality gap) and ``zero_out`` (drop screened coefficients).  The kernels do the
arithmetic; these classes only route arrays to them.
"""

import numpy as np

from skreg._kernels.cd import (
    cd_sweep_dense,
    cd_sweep_gram,
    cd_sweep_sparse,
    dense_columns_axpy,
    sparse_columns_axpy,
)
from skreg._kernels.gap import (
    residual_stats_dense,
    residual_stats_gram,
    residual_stats_sparse,
)


class DenseLayout:
    """``X`` (Fortran order) and ``y`` already centered and weighted."""

    def __init__(self, X, y):
        self.X = X
        self.y = y
        self.dtype = X.dtype
        self.n_features = X.shape[1]
        self.col_norms2 = np.einsum("ij,ij->j", X, X).astype(X.dtype, copy=False)
        self.y_norm2 = float(y @ y)

    def start(self, w):
        support = np.flatnonzero(w)
        residual = self.y.copy()
        dense_columns_axpy(self.X, support, -w[support], residual)
        return {"residual": residual}

    def sweep(self, state, w, l1, l2, positive, order):
        return cd_sweep_dense(
            self.X, state["residual"], w, self.col_norms2, l1, l2, positive, order
        )

    def stats(self, state, w, l2, subtract_l2, features, xtr):
        return residual_stats_dense(
            self.X, self.y, state["residual"], w, l2, subtract_l2, features, xtr
        )

    def zero_out(self, state, w, idx):
        state["residual"] += self.X[:, idx] @ w[idx]
        w[idx] = 0

    def moved_state(self, state, idx, delta):
        """State after ``w[idx] += delta``, without touching ``state``."""
        residual = state["residual"].copy()
        dense_columns_axpy(self.X, idx, -delta, residual)
        return {"residual": residual}

    def residual(self, state):
        """The residual ``y - X w`` (a view: copy it to keep it)."""
        return state["residual"]

    def sample_weight_or_none(self):
        return None

    def stats_at(self, residual, w, l2, features, xtr):
        """Residual statistics at any residual vector (for extrapolated duals)."""
        return residual_stats_dense(
            self.X, self.y, residual, w, l2, True, features, xtr
        )

    def compiled(self, state):
        """``(problem, state)`` tuples for :func:`skreg._kernels.cd_plain.plain_cd`."""
        return (self.X, self.y, self.col_norms2), (state["residual"],)


class GramLayout:
    """Covariance mode: ``gram = X'X`` and ``xty = X'y`` of the processed data."""

    def __init__(self, gram, xty, y_norm2):
        self.gram = np.ascontiguousarray(gram)
        self.xty = np.ascontiguousarray(xty)
        self.dtype = self.gram.dtype
        self.n_features = self.gram.shape[0]
        self.col_norms2 = np.ascontiguousarray(np.diag(self.gram))
        self.y_norm2 = float(y_norm2)

    def start(self, w):
        support = np.flatnonzero(w)
        return {"gram_w": self.gram[:, support] @ w[support]}

    def sweep(self, state, w, l1, l2, positive, order):
        return cd_sweep_gram(
            self.gram, self.xty, w, state["gram_w"], l1, l2, positive, order
        )

    def stats(self, state, w, l2, subtract_l2, features, xtr):
        return residual_stats_gram(
            state["gram_w"],
            self.xty,
            self.y_norm2,
            w,
            l2,
            subtract_l2,
            features,
            xtr,
        )

    def zero_out(self, state, w, idx):
        state["gram_w"] -= self.gram[:, idx] @ w[idx]
        w[idx] = 0

    def moved_state(self, state, idx, delta):
        """State after ``w[idx] += delta``, without touching ``state``."""
        return {"gram_w": state["gram_w"] + self.gram[:, idx] @ delta}

    def residual(self, state):
        """Covariance mode never forms the residual: no dual extrapolation."""
        return None

    def compiled(self, state):
        """``(problem, state)`` tuples for :func:`skreg._kernels.cd_plain.plain_cd`."""
        problem = (self.gram, self.xty, self.col_norms2, self.y_norm2)
        return problem, (state["gram_w"],)


class SparseLayout:
    """CSC ``X`` left uncentered: centering by ``x_mean`` is implicit.

    ``y`` is centered, ``sample_weight`` sums to ``n_samples`` (ones when the
    user gave none).
    """

    def __init__(self, X, y, sample_weight, x_mean):
        dtype = X.dtype
        self.X = X
        self.data = X.data
        self.indices = X.indices
        self.indptr = X.indptr
        self.y = y
        self.dtype = dtype
        self.n_features = X.shape[1]
        self.sample_weight = sample_weight
        self.weighted = bool(np.any(sample_weight != 1))
        self.x_mean = np.ascontiguousarray(x_mean, dtype=dtype)
        # Column sums over stored entries only: bincount by column index.
        column_of_entry = np.repeat(np.arange(X.shape[1]), np.diff(X.indptr))
        weighted_data = X.data * sample_weight[X.indices]
        self.col_wsum = np.bincount(
            column_of_entry, weights=weighted_data, minlength=X.shape[1]
        ).astype(dtype)
        col_wsq = np.bincount(
            column_of_entry, weights=weighted_data * X.data, minlength=X.shape[1]
        ).astype(dtype)
        total = sample_weight.sum()
        norms = col_wsq - 2 * self.x_mean * self.col_wsum + self.x_mean**2 * total
        self.col_norms2 = np.maximum(norms, 0).astype(dtype)
        self.total_weight = total
        self.y_norm2 = float(y @ (sample_weight * y))
        # The arrays the sparse kernels read, in their order (cd_plain).
        self.problem = (
            self.data,
            self.indices,
            self.indptr,
            self.sample_weight,
            self.weighted,
            self.x_mean,
            self.col_wsum,
            self.col_norms2,
            self.y,
            float(total),
        )

    def start(self, w):
        support = np.flatnonzero(w)
        raw = np.array(self.y, dtype=self.dtype)
        sparse_columns_axpy(
            self.data, self.indices, self.indptr, support, -w[support], raw
        )
        shift = np.array([self.x_mean @ w, 0], dtype=self.dtype)
        shift[1] = self.sample_weight @ (raw + shift[0])
        return {
            "raw_residual": np.ascontiguousarray(raw, dtype=self.dtype),
            "shift": shift,
        }

    def sweep(self, state, w, l1, l2, positive, order):
        return cd_sweep_sparse(
            self.problem, self._state(state), w, l1, l2, positive, order
        )

    def stats(self, state, w, l2, subtract_l2, features, xtr):
        return residual_stats_sparse(
            self.problem, self._state(state), w, l2, subtract_l2, features, xtr
        )

    @staticmethod
    def _state(state):
        return state["raw_residual"], state["shift"]

    def zero_out(self, state, w, idx):
        values = w[idx]
        state["raw_residual"] += self.X[:, idx] @ values
        state["shift"][0] -= self.x_mean[idx] @ values
        state["shift"][1] += values @ (
            self.col_wsum[idx] - self.x_mean[idx] * self.total_weight
        )
        w[idx] = 0

    def moved_state(self, state, idx, delta):
        """State after ``w[idx] += delta``, without touching ``state``."""
        raw = state["raw_residual"].copy()
        sparse_columns_axpy(self.data, self.indices, self.indptr, idx, -delta, raw)
        shift = state["shift"].copy()
        shift[0] += self.x_mean[idx] @ delta
        shift[1] -= delta @ (self.col_wsum[idx] - self.x_mean[idx] * self.total_weight)
        return {"raw_residual": raw, "shift": shift}

    def residual(self, state):
        """The (centered) residual, materialized from its raw part and shift."""
        return state["raw_residual"] + state["shift"][0]

    def sample_weight_or_none(self):
        return self.sample_weight

    def compiled(self, state):
        """``(problem, state)`` tuples for :func:`skreg._kernels.cd_plain.plain_cd`."""
        return self.problem, self._state(state)

    def stats_at(self, residual, w, l2, features, xtr):
        """Residual statistics at any residual vector (for extrapolated duals)."""
        shift = np.array([0, self.sample_weight @ residual], dtype=self.dtype)
        return residual_stats_sparse(
            self.problem, (residual, shift), w, l2, True, features, xtr
        )
