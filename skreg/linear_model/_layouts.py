"""Preprocessed elastic-net problems in the three data layouts CD supports.

Each layout builds its named problem type (:mod:`skreg._kernels.problems`)
once and the state tuple CD keeps up to date for a warm start (``start``).
``penalty_factor`` (validated, one per column of the layout, or None) becomes
the problem's :class:`skreg._kernels.problems.PenaltyWeights`.
The kernels do the arithmetic; these classes only prepare arrays for them.
"""

import numpy as np

from skreg._kernels.cd import (
    dense_columns_axpy,
    sparse_columns_axpy,
    sparse_columns_dense,
)
from skreg._kernels.problems import (
    DenseProblem,
    GramProblem,
    SparseProblem,
    penalty_weights,
    sparse_column_sums,
)
from skreg._quick_start import layout_starts_quickly, start_quickly, starts_quickly

# SparseLayout densifies the columns of a Gram block whose product costs at
# most this many multiply-adds (n_samples * |F|^2), well under a millisecond.
DENSE_BLOCK_FLOPS = 2**21


class DenseLayout:
    """``X`` (Fortran order) and ``y`` already centered and weighted."""

    # The problem covers every feature (see SparseLayout.columns).
    columns = None

    def __init__(self, X, y, penalty_factor=None):
        self.dtype = X.dtype
        self.n_samples, self.n_features = X.shape
        self.col_norms2 = np.einsum("ij,ij->j", X, X).astype(X.dtype, copy=False)
        self.y_norm2 = float(y @ y)
        self._X = X
        penalty = penalty_weights(penalty_factor, X.dtype, self.gram_block)
        self.problem = DenseProblem(X, y, self.col_norms2, penalty)

    def gram_block(self, features):
        """``X_F'X_F`` of the processed design, float64."""
        block = np.asarray(self._X[:, features], dtype=np.float64)
        return block.T @ block

    def correlations(self, state, features):
        """``X_F'r`` at the state's residual, float64."""
        (residual,) = state
        block = np.asarray(self._X[:, features], dtype=np.float64)
        return block.T @ residual.astype(np.float64)

    def correlations_at_zero(self):
        """``X'y`` of the processed problem, float64: the correlations at
        ``w = 0``."""
        problem = self.problem
        return (problem.X.T @ problem.y).astype(np.float64)

    def start(self, w):
        """State ``(residual,)`` for the coefficients ``w``."""
        support = np.flatnonzero(w)
        residual = self.problem.y.copy()
        if not support.size:  # a cold start compiles no kernel for nothing
            return (residual,)
        if layout_starts_quickly(self):
            # A quick start compiles its sweeps alone (0.2 s for this kernel
            # in a first LassoCV on 100x300).
            residual -= self.problem.X[:, support] @ w[support]
        else:  # no copy of the support's columns
            dense_columns_axpy(self.problem.X, support, -w[support], residual)
        return (residual,)


def densified_layout(X, y, sample_weight, x_mean, penalty_factor, charged_to):
    """A quick start's :class:`DenseLayout` of sparse ``X`` (see
    :func:`skreg._quick_start.densifies`): the problem of the
    :class:`SparseLayout` of the same arguments, centred by ``x_mean`` and
    weighted explicitly, as :func:`~skreg.linear_model._preprocess.center_and_weight`
    does with dense data.  Its rent goes to the family ``charged_to``."""
    root = np.sqrt(sample_weight).astype(X.dtype)
    dense = np.asfortranarray((X.toarray() - x_mean) * root[:, None], dtype=X.dtype)
    layout = DenseLayout(dense, np.ascontiguousarray(y * root), penalty_factor)
    start_quickly(layout, charged_to)
    return layout


class GramLayout:
    """Covariance mode: ``gram = X'X`` and ``xty = X'y`` of the processed data."""

    # Covariance mode never forms the residual.
    n_samples = 0
    columns = None

    def __init__(self, gram, xty, y_norm2, penalty_factor=None):
        gram = np.ascontiguousarray(gram)
        self.xty = np.ascontiguousarray(xty)
        self.dtype = gram.dtype
        self.n_features = gram.shape[0]
        self.col_norms2 = np.ascontiguousarray(np.diag(gram))
        self.y_norm2 = float(y_norm2)
        self._gram = gram
        penalty = penalty_weights(penalty_factor, gram.dtype, self.gram_block)
        self.problem = GramProblem(
            gram, self.xty, self.col_norms2, self.y_norm2, penalty
        )

    def gram_block(self, features):
        """``X_F'X_F`` (float64)."""
        # take twice: a third of np.ix_'s time (a Newton step per call)
        block = self._gram.take(features, axis=0).take(features, axis=1)
        return np.asarray(block, dtype=np.float64)

    def correlations(self, state, features):
        """``X_F'r = X_F'y - (X'X w)_F`` at the state, float64."""
        (gram_w,) = state
        return np.asarray(self.xty[features] - gram_w[features], dtype=np.float64)

    def correlations_at_zero(self):
        """``X'y``, float64: the correlations at ``w = 0``."""
        return np.asarray(self.xty, dtype=np.float64)

    def start(self, w):
        """State ``(gram_w,)`` with ``gram_w = X'X w``."""
        support = np.flatnonzero(w)
        return (self.problem.gram[support].T @ w[support],)


def column_sums(X, sample_weight, weighted, compiled=True):
    """``(sum_i sw_i X_ij, sum_i sw_i X_ij^2)`` of CSC ``X``'s stored entries,
    float64 (:func:`~skreg._kernels.problems.sparse_column_sums`); with
    ``weighted`` False, ``sample_weight`` is not read.

    ``compiled=False``: by scipy's products instead, for a fit that starts
    quickly (:mod:`skreg._quick_start`), which would otherwise compile the
    kernel (0.22 s of a first sparse fit's compilation); they take about
    twice its time (2e6 entries: 6.6 ms against 3.1 ms).
    """
    if not compiled:
        weights = sample_weight.astype(np.float64) if weighted else np.ones(X.shape[0])
        squares = type(X)((X.data * X.data, X.indices, X.indptr), shape=X.shape)
        return (
            np.asarray(X.T @ weights, dtype=np.float64),
            np.asarray(squares.T @ weights, dtype=np.float64),
        )
    n_features = X.shape[1]
    col_wsum, col_wsq = np.empty(n_features), np.empty(n_features)
    sparse_column_sums(
        X.data, X.indices, X.indptr, sample_weight, weighted, col_wsum, col_wsq
    )
    return col_wsum, col_wsq


class SparseLayout:
    """CSC ``X`` left uncentered: centering by ``x_mean`` is implicit.

    ``y`` is centered, ``sample_weight`` sums to ``n_samples`` (ones when the
    user gave none).  ``columns``, when not None, are the indices among the
    caller's features of the columns of ``X`` (the others have no entry and
    were left out); coefficients given to the solver then cover these only.
    """

    def __init__(self, X, y, sample_weight, x_mean, columns=None, penalty_factor=None):
        dtype = X.dtype
        self.columns = columns
        self.dtype = dtype
        self.n_samples, self.n_features = X.shape
        weighted = bool(np.any(sample_weight != 1))
        x_mean = np.ascontiguousarray(x_mean, dtype=dtype)
        quickly = starts_quickly(SparseProblem, dtype, penalty_factor is not None)
        col_wsum, col_wsq = column_sums(X, sample_weight, weighted, not quickly)
        total = float(sample_weight.sum())
        norms = col_wsq - 2 * x_mean * col_wsum + x_mean.astype(np.float64) ** 2 * total
        self.col_norms2 = np.maximum(norms, 0).astype(dtype)
        self.y_norm2 = float(y @ (sample_weight * y))

        # What gram_block needs, before the problem exists (penalty_weights).
        self._X, self._total, self._col_wsum = X, total, col_wsum
        self._sample_weight, self._weighted, self._x_mean = (
            sample_weight,
            weighted,
            x_mean,
        )
        # Row indices as unsigned, a view: kernels then index without numba's
        # wraparound of negative indices, and without converting each index
        # (np.uintp) at eight sites, whose typing cost about 0.15 s of a first
        # sparse fit (issue 13).
        unsigned = np.dtype(f"u{X.indices.dtype.itemsize}")
        self.problem = SparseProblem(
            X.data,
            X.indices.view(unsigned),
            X.indptr,
            sample_weight,
            weighted,
            bool(np.any(x_mean != 0)),
            x_mean,
            col_wsum.astype(dtype),
            self.col_norms2,
            y,
            total,
            penalty_weights(penalty_factor, dtype, self.gram_block),
        )

    def _dense_block(self, features):
        """``X[:, features]`` densified (float64), or None when its product
        ``X_F'X_F`` would cost more than :data:`DENSE_BLOCK_FLOPS`.

        Newton steps (:mod:`skreg.linear_model._support_newton`) run near
        interpolation, where the support is about as large as ``n_samples``
        and small: there scipy's column indexing cost more than the product
        (100x20000 CSC, 98 features: 290 us of a 4 ms fit, issue 12).
        """
        if self.n_samples * len(features) ** 2 > DENSE_BLOCK_FLOPS:
            return None
        X = self._X
        block = np.zeros((self.n_samples, len(features)), order="F")
        columns = np.asarray(features, dtype=np.intp)
        sparse_columns_dense(X.data, X.indices, X.indptr, columns, block)
        return block

    def gram_block(self, features):
        """``X_F'WX_F`` of the implicitly centred columns, float64.

        From the product of the stored columns, corrected for the centring:
        ``(A - 1m')'W(A - 1m') = A'WA - c m' - m c' + (1'W1) m m'`` with
        ``c = A'W1`` (the weighted column sums), so the centred ``X`` is
        never formed.
        """
        sw = self._sample_weight.astype(np.float64)
        dense = self._dense_block(features)
        if dense is not None:
            weighted = dense * sw[:, None] if self._weighted else dense
            product = dense.T @ weighted
        else:
            block = self._X[:, features]
            weighted = block.multiply(sw[:, None]).tocsc() if self._weighted else block
            product = (block.T @ weighted).toarray().astype(np.float64)
        mean = self._x_mean[features].astype(np.float64)
        sums = self._col_wsum[features].astype(np.float64)
        outer = np.outer(sums, mean)
        return product - outer - outer.T + self._total * np.outer(mean, mean)

    def correlations_at_zero(self):
        """``X'Wy`` of the centred columns, float64: the correlations at
        ``w = 0`` (``y`` is centred, so the column means drop out)."""
        problem = self.problem
        # In X's dtype: a float64 vector would make scipy copy float32 data.
        weighted_y = (problem.sample_weight * problem.y).astype(self.dtype)
        return (self._X.T @ weighted_y).astype(np.float64)

    def correlations(self, state, features):
        """``X_F'Wr`` of the centred columns at the state's residual, float64."""
        raw, shift = state
        weighted_r = self._sample_weight.astype(np.float64) * (
            raw.astype(np.float64) + float(shift[0])
        )
        dense = self._dense_block(features)
        block = self._X[:, features] if dense is None else dense
        mean = self._x_mean[features].astype(np.float64)
        return block.T @ weighted_r - mean * weighted_r.sum()

    def start(self, w):
        """State ``(raw_residual, shift)``: residual = raw_residual + shift[0]."""
        problem = self.problem
        support = np.flatnonzero(w)
        raw = np.array(problem.y, dtype=self.dtype)
        if support.size and layout_starts_quickly(self):
            raw -= self._X[:, support] @ w[support]  # compiles nothing
        elif support.size:  # a cold start compiles no kernel for nothing
            sparse_columns_axpy(
                problem.data, problem.indices, problem.indptr, support, -w[support], raw
            )
        # Over the support only: a warm start is sparse, a cold one all zero.
        shift = np.array([problem.x_mean[support] @ w[support], 0], dtype=self.dtype)
        shift[1] = problem.sample_weight @ (raw + shift[0])
        return (np.ascontiguousarray(raw, dtype=self.dtype), shift)
