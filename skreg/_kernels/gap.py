"""Duality gap of the elastic net, certified on the full problem.

The primal (scikit-learn's objective times ``n_samples``) is::

    P(w) = 1/2 ||r||^2 + l1 ||w||_1 + l2/2 ||w||^2,   r = y - X w

Each layout computes three statistics -- ``X'r - l2 w`` (into ``xtr``),
``||r||^2`` and ``r'y`` -- and :func:`enet_gap` turns them into the gap with
the dual point obtained by rescaling the residual (formulation A of
scikit-learn), the ridge dual when ``l1 == 0`` (formulation B) and the squared
gradient norm for ordinary least squares.  The scalar statistics are summed in
float64 even for float32 data, and :func:`enet_gap` is called with float64
scalars: the gap is a small difference of large sums.

With penalty factors ``pf`` (glmnet's ``penalty.factor``) the penalty is
``sum_j pf_j (l1 |w_j| + l2/2 w_j^2)`` and ``xtr_j = x_j'r - l2 pf_j w_j``; the
dual constraint of feature ``j`` is ``|x_j'theta - l2 pf_j w_j| <= l1 pf_j``, so
the dual norm is ``max |xtr_j| / pf_j`` over ``pf_j > 0``.  An unpenalized
feature (``pf_j = 0``) has the constraint ``x_j'theta = 0``: it is left out of
the dual norm, and its terms make the gap that of the problem with ``w_U``
held fixed (``+ s w_j x_j'r``, exact for that problem), plus the decrease
one exact step on ``w_j`` alone would still give (zero exactly when
``w_j`` is optimal).  The solvers minimize over the unpenalized block just
before each gap (:func:`skreg._kernels.cd_plain.fit_unpenalized`), so both
terms are then at rounding level and the gap certifies the full problem.
"""

import numpy as np

from skreg._kernels.penalty import factor_of, factor_times
from skreg._numba import FASTMATH_GATHER, inner_kernel, numpy_version_of


@inner_kernel
def enet_gap(w, xtr, r_norm2, r_dot_y, l1, l2, positive, penalty, col_norms2):
    """Return ``(gap, dual_norm)`` from the residual statistics.

    ``xtr`` must hold ``X'r - l2 pf w`` for the elastic net (``l1 > 0``) and
    ``X'r`` when ``l1 == 0``.  ``dual_norm`` is ``max_j |xtr_j| / pf_j``
    (``max_j xtr_j / pf_j`` with ``positive``) over penalized features, or
    ``||X'r||^2`` when ``l1 == 0``.  ``penalty`` is the problem's
    :class:`skreg._kernels.penalty.PenaltyWeights`, or None (all ones:
    numba then prunes the weighted branch); ``col_norms2`` the squared column
    norms (read for unpenalized features only).
    """
    n_features = w.shape[0]
    zero = l1 - l1
    if penalty is not None:
        factor = penalty.factor
        w_l1_norm = zero
        w_l2_norm2 = zero
        dual_norm = zero
        grad_norm2 = zero
        fixed = zero  # sum over unpenalized j of w_j x_j'r
        decrement = zero  # the gain of one exact step on each unpenalized w_j
        for j in range(n_features):
            pf_j = factor[j]
            if pf_j > 0:
                w_l1_norm += pf_j * abs(w[j])
                w_l2_norm2 += pf_j * w[j] * w[j]
                if l1 > 0:
                    value = (xtr[j] if positive else abs(xtr[j])) / pf_j
                    if value > dual_norm:
                        dual_norm = value
                else:
                    grad_norm2 += xtr[j] * xtr[j] / pf_j
            else:
                fixed += w[j] * xtr[j]
                if col_norms2[j] > 0:
                    step = xtr[j] / col_norms2[j]
                    if positive and step < -w[j]:
                        step = -w[j]
                    decrement += xtr[j] * step - 0.5 * col_norms2[j] * step * step
        if l1 > 0:
            scale = l1 / dual_norm if dual_norm > l1 else zero + 1
            quadratic = r_norm2 + l2 * w_l2_norm2
            primal = 0.5 * quadratic + l1 * w_l1_norm
            dual = -0.5 * scale * scale * quadratic + scale * (r_dot_y - fixed)
            return primal - dual + decrement, dual_norm
        if l2 > 0:
            gap = r_norm2 + 0.5 * l2 * w_l2_norm2 - r_dot_y + grad_norm2 / (2 * l2)
            return gap + fixed + decrement, grad_norm2
        # l1 = l2 = 0 (least squares): the factors do not enter.
    w_l2_norm2 = zero
    if l2 > 0:
        for j in range(n_features):
            w_l2_norm2 += w[j] * w[j]
    if l1 == 0:
        grad_norm2 = zero
        for j in range(n_features):
            grad_norm2 += xtr[j] * xtr[j]
        if l2 == 0:
            return grad_norm2, grad_norm2
        gap = r_norm2 + 0.5 * l2 * w_l2_norm2 - r_dot_y + grad_norm2 / (2 * l2)
        return gap, grad_norm2
    dual_norm = zero
    w_l1_norm = zero
    for j in range(n_features):
        value = xtr[j] if positive else abs(xtr[j])
        if value > dual_norm:
            dual_norm = value
        w_l1_norm += abs(w[j])
    scale = l1 / dual_norm if dual_norm > l1 else zero + 1
    quadratic = r_norm2 + l2 * w_l2_norm2
    primal = 0.5 * quadratic + l1 * w_l1_norm
    dual = -0.5 * scale * scale * quadratic + scale * r_dot_y
    return primal - dual, dual_norm


@inner_kernel
def residual_stats_dense(
    X, y, residual, w, l2, subtract_l2, features, xtr, penalty_factor
):
    """Fill ``xtr = X'r (- l2 w)`` and return ``(||r||^2, r'y)`` for dense ``X``.

    Only the entries of ``xtr`` listed in ``features`` are computed (a working
    set, or every feature for the gap of the full problem).
    """
    n_samples = X.shape[0]
    zero = l2 - l2
    weighted = penalty_factor is not None
    for k in range(features.shape[0]):
        j = features[k]
        acc = zero
        for i in range(n_samples):
            acc += X[i, j] * residual[i]
        l2_j = l2 * penalty_factor[j] if weighted else l2
        xtr[j] = acc - l2_j * w[j] if subtract_l2 else acc
    # float64 sums: the gap is a difference of these, float32 sums would drown
    # a tight tolerance in rounding noise.
    r_norm2 = 0.0
    r_dot_y = 0.0
    for i in range(n_samples):
        r_norm2 += residual[i] * residual[i]
        r_dot_y += residual[i] * y[i]
    return r_norm2, r_dot_y


@inner_kernel
def residual_stats_gram(
    gram_w, xty, y_norm2, w, l2, subtract_l2, features, xtr, penalty_factor
):
    """Statistics in covariance mode from ``gram_w = X'X w`` and ``xty = X'y``."""
    n_features = w.shape[0]
    w_xty = 0.0
    w_gram_w = 0.0
    for j in range(n_features):
        w_xty += w[j] * xty[j]
        w_gram_w += w[j] * gram_w[j]
    weighted = penalty_factor is not None
    for k in range(features.shape[0]):
        j = features[k]
        grad = xty[j] - gram_w[j]
        l2_j = l2 * penalty_factor[j] if weighted else l2
        xtr[j] = grad - l2_j * w[j] if subtract_l2 else grad
    r_norm2 = y_norm2 - 2 * w_xty + w_gram_w
    r_dot_y = y_norm2 - w_xty
    return r_norm2, r_dot_y


@inner_kernel(fastmath=FASTMATH_GATHER)
def residual_stats_sparse(problem, state, w, l2, subtract_l2, features, xtr):
    """Statistics for CSC ``X`` with implicit centering and sample weights.

    ``problem`` is a :class:`skreg._kernels.problems.SparseProblem` and
    ``state`` is ``(raw_residual, shift)``.
    """
    data, indices, indptr = problem.data, problem.indices, problem.indptr
    sample_weight, weighted = problem.sample_weight, problem.weighted
    x_mean, col_wsum, y = problem.x_mean, problem.col_wsum, problem.y
    raw_residual, shift = state
    penalty_factor = factor_of(problem.penalty)
    zero = l2 - l2
    # Every feature (features lists each once): column by column, without
    # reading the list (a pass of X'r on 2000x5000 at density 5e-3: 59 ->
    # 55 us; 53 us uncentred too; issue 12).
    every = features.shape[0] == xtr.shape[0]
    for k in range(features.shape[0]):
        j = k if every else features[k]
        start, end = indptr[j], indptr[j + 1]
        even = zero
        odd = zero
        if weighted:
            for p in range(start, end):
                i = indices[p]
                even += sample_weight[i] * data[p] * raw_residual[i]
        else:
            # As in cd_sweep_sparse: two sums, unsigned row indices.
            p = start
            while p + 1 < end:
                even += data[p] * raw_residual[indices[p]]
                odd += data[p + 1] * raw_residual[indices[p + 1]]
                p += 2
            if p < end:
                even += data[p] * raw_residual[indices[p]]
        acc = even + odd
        if problem.centered:
            acc += shift[0] * col_wsum[j] - x_mean[j] * shift[1]
        l2_j = factor_times(l2, penalty_factor, j)
        xtr[j] = acc - l2_j * w[j] if subtract_l2 else acc
    r_norm2 = 0.0
    r_dot_y = 0.0
    for i in range(y.shape[0]):
        r_i = raw_residual[i] + shift[0]
        r_norm2 += sample_weight[i] * r_i * r_i
        r_dot_y += sample_weight[i] * r_i * y[i]
    return r_norm2, r_dot_y


# NumPy versions, which a first fit run in the interpreter runs
# (skreg._quick_start): the same sums as array operations.


def _float64_dots(residual, y, sample_weight=None):
    """``(||r||^2, r'y)`` in float64, weighted by ``sample_weight`` if given."""
    residual = residual.astype(np.float64)
    weighted = residual if sample_weight is None else sample_weight * residual
    return float(weighted @ residual), float(weighted @ y.astype(np.float64))


def _store_xtr(xtr, features, every, correlations, l2, subtract_l2, w, factor):
    """``xtr[features] = X'r (- l2 pf w)`` from the correlations of ``features``."""
    if subtract_l2:
        l2_pf = l2 if factor is None else l2 * factor[features]
        correlations = correlations - l2_pf * w[features]
    if every:
        xtr[:] = correlations
    else:
        xtr[features] = correlations


@numpy_version_of(residual_stats_dense)
def _residual_stats_dense_numpy(
    X, y, residual, w, l2, subtract_l2, features, xtr, penalty_factor
):
    every = features.shape[0] == xtr.shape[0]
    if features.shape[0]:
        columns = X if every else X[:, features]
        _store_xtr(
            xtr, features, every, columns.T @ residual, l2, subtract_l2, w,
            penalty_factor,
        )  # fmt: skip
    return _float64_dots(residual, y)


@numpy_version_of(residual_stats_gram)
def _residual_stats_gram_numpy(
    gram_w, xty, y_norm2, w, l2, subtract_l2, features, xtr, penalty_factor
):
    w_xty = float(w.astype(np.float64) @ xty.astype(np.float64))
    w_gram_w = float(w.astype(np.float64) @ gram_w.astype(np.float64))
    every = features.shape[0] == xtr.shape[0]
    gradient = xty[features] - gram_w[features]
    _store_xtr(xtr, features, every, gradient, l2, subtract_l2, w, penalty_factor)
    return y_norm2 - 2 * w_xty + w_gram_w, y_norm2 - w_xty


@numpy_version_of(residual_stats_sparse)
def _residual_stats_sparse_numpy(problem, state, w, l2, subtract_l2, features, xtr):
    raw_residual, shift = state
    every = features.shape[0] == xtr.shape[0]
    if features.shape[0]:
        sums = sparse_correlations(problem, state, 0, xtr.shape[0])
        sums = sums if every else sums[features]
        _store_xtr(
            xtr, features, every, sums, l2, subtract_l2, w,
            factor_of(problem.penalty),
        )  # fmt: skip
    residual = raw_residual.astype(np.float64) + shift[0]
    return _float64_dots(residual, problem.y, problem.sample_weight)


def sparse_correlations(problem, state, first, stop):
    """``x_j'r`` of the columns ``first .. stop - 1`` of a sparse problem at
    its state, vectorized (the NumPy versions' pass over ``X``)."""
    data, indices, indptr = problem.data, problem.indices, problem.indptr
    raw_residual, shift = state
    if first == 0 and stop == indptr.shape[0] - 1:
        sums = _every_column_product(problem, raw_residual)
    else:
        begin, end = indptr[first], indptr[stop]
        rows = indices[begin:end]
        products = raw_residual[rows]
        if problem.weighted:
            products *= problem.sample_weight[rows]
        products *= data[begin:end]
        # Column sums: reduceat at each column's start (an empty column's
        # start repeats the next one's, so its sum is set to zero after).
        starts = indptr[first:stop] - begin
        sums = np.zeros(stop - first, dtype=products.dtype)
        stored = starts < indptr[first + 1 : stop + 1] - begin
        if products.shape[0]:
            sums[stored] = np.add.reduceat(products, starts[stored])
    if problem.centered:
        sums += (
            shift[0] * problem.col_wsum[first:stop]
            - problem.x_mean[first:stop] * shift[1]
        )
    return sums


def _every_column_product(problem, raw_residual):
    """``X'r`` of every column of a sparse problem at the raw residual
    (weighted), by SciPy's CSR product with ``X'`` (the CSC arrays read as
    CSR): about a fourth of the gathers and ``reduceat`` of
    :func:`sparse_correlations` (CSC 5000x20000, 5e5 entries: 0.8 ms
    against 3.3 ms), a quick start's gap once a budget."""
    from scipy.sparse import csr_matrix

    residual = raw_residual
    if problem.weighted:
        residual = (raw_residual * problem.sample_weight).astype(raw_residual.dtype)
    indices = problem.indices  # unsigned (SparseLayout); SciPy's are signed
    signed = indices.view(np.dtype(f"i{indices.dtype.itemsize}"))
    transposed = csr_matrix(
        (problem.data, signed, problem.indptr),
        shape=(problem.indptr.shape[0] - 1, raw_residual.shape[0]),
        copy=False,
    )
    return np.asarray(transposed @ residual, dtype=raw_residual.dtype)


def _dual_norm(values):
    """The largest positive value, or 0, as enet_gap takes it (NaN skipped)."""
    return float(np.max(values, initial=0.0, where=values > 0))


@numpy_version_of(enet_gap)
def _enet_gap_numpy(w, xtr, r_norm2, r_dot_y, l1, l2, positive, penalty, col_norms2):
    zero = l1 - l1
    w = w.astype(np.float64)
    xtr = xtr.astype(np.float64)
    if penalty is not None and (l1 > 0 or l2 > 0):
        factor = penalty.factor
        penalized = factor > 0
        pf, w_p, xtr_p = factor[penalized], w[penalized], xtr[penalized]
        w_l1_norm = float(pf @ np.abs(w_p))
        w_l2_norm2 = float(pf @ (w_p * w_p))
        free = ~penalized
        w_u, xtr_u, norms_u = w[free], xtr[free], col_norms2[free]
        fixed = float(w_u @ xtr_u)
        moving = norms_u > 0
        xtr_m, norms_m = xtr_u[moving], norms_u[moving]
        step = xtr_m / norms_m
        if positive:
            step = np.maximum(step, -w_u[moving])
        decrement = float(np.sum(xtr_m * step - 0.5 * norms_m * step * step))
        if l1 > 0:
            dual_norm = _dual_norm((xtr_p if positive else np.abs(xtr_p)) / pf)
            scale = l1 / dual_norm if dual_norm > l1 else zero + 1
            quadratic = r_norm2 + l2 * w_l2_norm2
            primal = 0.5 * quadratic + l1 * w_l1_norm
            dual = -0.5 * scale * scale * quadratic + scale * (r_dot_y - fixed)
            return primal - dual + decrement, dual_norm
        grad_norm2 = float(xtr_p @ (xtr_p / pf))
        gap = r_norm2 + 0.5 * l2 * w_l2_norm2 - r_dot_y + grad_norm2 / (2 * l2)
        return gap + fixed + decrement, grad_norm2
    w_l2_norm2 = float(w @ w) if l2 > 0 else zero
    if l1 == 0:
        grad_norm2 = float(xtr @ xtr)
        if l2 == 0:
            return grad_norm2, grad_norm2
        gap = r_norm2 + 0.5 * l2 * w_l2_norm2 - r_dot_y + grad_norm2 / (2 * l2)
        return gap, grad_norm2
    dual_norm = _dual_norm(xtr if positive else np.abs(xtr))
    scale = l1 / dual_norm if dual_norm > l1 else zero + 1
    quadratic = r_norm2 + l2 * w_l2_norm2
    primal = 0.5 * quadratic + l1 * float(np.abs(w).sum())
    dual = -0.5 * scale * scale * quadratic + scale * r_dot_y
    return primal - dual, dual_norm
