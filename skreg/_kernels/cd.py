"""One coordinate-descent sweep of the elastic net, for three data layouts.

All sweeps minimize ``1/2 ||r||^2 + l1 ||w||_1 + l2/2 ||w||^2`` over the
coordinates listed in ``order`` (the working set, a permutation, or random
draws), update ``w`` and the layout's running state in place, and return
``(max |delta w_j|, max |w_j|, max ||x_j||^2 delta w_j^2)`` over the visited
coordinates: the quantities of scikit-learn's cheap convergence test, and the
largest decrease of the objective's quadratic part by one coordinate, the
test of glmnet's inner loops (:mod:`skreg._kernels.cd_strong`).

``penalty_factor`` weighs coordinate ``j``'s penalty (threshold ``l1 pf_j``,
ridge term ``l2 pf_j``); None means all ones and compiles none of the
weighted code (numba prunes a branch on ``is None`` of an argument before
typing, and the helpers of :mod:`skreg._kernels.penalty` branch on the type).
"""

import numpy as np

from skreg._kernels.gap import sparse_correlations
from skreg._kernels.penalty import factor_of, factor_times
from skreg._kernels.prox import enet_coordinate_update
from skreg._numba import FASTMATH_GATHER, inner_kernel, njit, numpy_version_of


@inner_kernel
def cd_sweep_dense(X, residual, w, col_norms2, l1, l2, positive, order, penalty_factor):
    """Sweep over Fortran-ordered dense ``X``; ``residual = y - X w`` in place."""
    n_samples = X.shape[0]
    max_delta = l1 - l1
    max_abs_w = l1 - l1
    max_move = l1 - l1
    weighted = penalty_factor is not None
    for k in range(order.shape[0]):
        j = order[k]
        if col_norms2[j] == 0.0:
            continue
        w_j = w[j]
        correlation = l1 - l1
        for i in range(n_samples):
            correlation += X[i, j] * residual[i]
        correlation += w_j * col_norms2[j]
        threshold, ridge = l1, l2
        if weighted:
            # Not ``pf_j = 1`` in the default: a literal one is float64 and
            # would move float32 sweeps to float64 rounding.
            threshold, ridge = l1 * penalty_factor[j], l2 * penalty_factor[j]
        new_w_j = enet_coordinate_update(
            correlation, threshold, col_norms2[j] + ridge, positive
        )
        if new_w_j != w_j:
            step = w_j - new_w_j
            for i in range(n_samples):
                residual[i] += step * X[i, j]
            w[j] = new_w_j
            # Only a coefficient that moved can raise the two maxima.
            delta = abs(new_w_j - w_j)
            move = col_norms2[j] * delta * delta
            # Comparisons, not max(): numba compiles its builtin as a function
            # of its own for each caller's flags (issue 13).  As max(), NaN
            # wins and stays.
            if delta > max_delta or delta != delta:
                max_delta = delta
            if move > max_move or move != move:
                max_move = move
        size = abs(new_w_j)
        if size > max_abs_w or size != size:
            max_abs_w = size
    return max_delta, max_abs_w, max_move


@inner_kernel
def cd_sweep_gram(problem, state, w, l1, l2, positive, order):
    """Sweep in covariance mode: ``gram = X'X`` (C order), ``gram_w = gram @ w``.

    ``problem`` is a :class:`skreg._kernels.problems.GramProblem` and
    ``state`` is ``(gram_w,)``.  A coefficient reads only ``gram_w[j]`` and
    the diagonal (``col_norms2``) to move, and row ``j`` of ``gram`` once it
    does.  ``problem.penalty.factor`` weighs the penalties as in the other
    sweeps.
    """
    gram, xty, col_norms2 = problem.gram, problem.xty, problem.col_norms2
    penalty_factor = factor_of(problem.penalty)
    gram_w = state[0]
    n_features = gram.shape[0]
    max_delta = l1 - l1
    max_abs_w = l1 - l1
    max_move = l1 - l1
    for k in range(order.shape[0]):
        j = order[k]
        g_jj = col_norms2[j]
        if g_jj == 0.0:
            continue
        w_j = w[j]
        correlation = xty[j] - gram_w[j] + g_jj * w_j
        threshold = factor_times(l1, penalty_factor, j)
        ridge = factor_times(l2, penalty_factor, j)
        new_w_j = enet_coordinate_update(correlation, threshold, g_jj + ridge, positive)
        if new_w_j != w_j:
            step = new_w_j - w_j
            # gram is symmetric, so row j is column j and reads contiguously.
            for m in range(n_features):
                gram_w[m] += step * gram[j, m]
            w[j] = new_w_j
            # Only a coefficient that moved can raise the two maxima.
            delta = abs(new_w_j - w_j)
            move = col_norms2[j] * delta * delta
            # Comparisons, not max(): see cd_sweep_dense.
            if delta > max_delta or delta != delta:
                max_delta = delta
            if move > max_move or move != move:
                max_move = move
        size = abs(new_w_j)
        if size > max_abs_w or size != size:
            max_abs_w = size
    return max_delta, max_abs_w, max_move


@inner_kernel(fastmath=FASTMATH_GATHER)
def cd_sweep_sparse(problem, state, w, l1, l2, positive, order):
    """Sweep over CSC ``X`` with implicit centering and sample weights.

    The centered design ``X - 1 x_mean'`` is never formed.  The residual is
    ``raw_residual + shift[0]``; a change of ``w_j`` touches only the stored
    entries of column ``j`` plus the scalar shift.  ``shift[1]`` holds
    ``sum_i sw_i r_i``.  ``col_wsum[j] = sum_i sw_i X_ij`` over stored entries and
    ``col_norms2[j]`` is the weighted squared norm of the centered column.
    With ``weighted`` False the weights are all one and are not read (one
    indirect load less per stored entry).

    ``problem`` is a :class:`skreg._kernels.problems.SparseProblem` and
    ``state`` is ``(raw_residual, shift)``.
    """
    data, indices, indptr = problem.data, problem.indices, problem.indptr
    sample_weight, weighted = problem.sample_weight, problem.weighted
    x_mean, col_wsum, col_norms2 = problem.x_mean, problem.col_wsum, problem.col_norms2
    total_weight, centered = problem.total_weight, problem.centered
    penalty_factor = factor_of(problem.penalty)
    raw_residual, shift = state
    max_delta = l1 - l1
    max_abs_w = l1 - l1
    max_move = l1 - l1
    for k in range(order.shape[0]):
        j = order[k]
        if col_norms2[j] == 0.0:
            continue
        w_j = w[j]
        start, end = indptr[j], indptr[j + 1]
        even = l1 - l1
        odd = l1 - l1
        if weighted:
            for p in range(start, end):
                i = indices[p]
                even += sample_weight[i] * data[p] * raw_residual[i]
        else:
            # Two sums: one makes each addition wait for the last.  Row
            # indices unsigned (SparseProblem): numba wraps a negative signed
            # index around (a compare and a select per entry).  Both
            # together: 90 -> 49 us a pass of X'r on 2000x5000 at density
            # 5e-3 (issue 12).
            p = start
            while p + 1 < end:
                even += data[p] * raw_residual[indices[p]]
                odd += data[p + 1] * raw_residual[indices[p + 1]]
                p += 2
            if p < end:
                even += data[p] * raw_residual[indices[p]]
        correlation = even + odd
        if centered:  # else x_mean = 0 and shift[0] = 0: a term of zero
            correlation += shift[0] * col_wsum[j] - x_mean[j] * shift[1]
        correlation += w_j * col_norms2[j]
        threshold = factor_times(l1, penalty_factor, j)
        ridge = factor_times(l2, penalty_factor, j)
        new_w_j = enet_coordinate_update(
            correlation, threshold, col_norms2[j] + ridge, positive
        )
        if new_w_j != w_j:
            step = new_w_j - w_j
            for p in range(start, end):
                raw_residual[indices[p]] -= step * data[p]
            shift[0] += step * x_mean[j]
            shift[1] -= step * (col_wsum[j] - x_mean[j] * total_weight)
            w[j] = new_w_j
            # Only a coefficient that moved can raise the two maxima.
            delta = abs(new_w_j - w_j)
            move = col_norms2[j] * delta * delta
            # Comparisons, not max(): see cd_sweep_dense.
            if delta > max_delta or delta != delta:
                max_delta = delta
            if move > max_move or move != move:
                max_move = move
        size = abs(new_w_j)
        if size > max_abs_w or size != size:
            max_abs_w = size
    return max_delta, max_abs_w, max_move


# NumPy versions of the sweeps, which a first fit run in the interpreter
# runs (skreg._quick_start): a column's dot product and update as one NumPy
# call each, the rest as the kernels do it.


def _largest(largest, value):
    """``max(largest, value)`` as the sweeps take it: NaN wins and stays."""
    return value if value > largest or value != value else largest


def _sweep_numpy(order, w, col_norms2, l1, l2, positive, factor, correlation, move,
                 correlations=None):  # fmt: skip
    """The sweeps' loop over ``order``, given a layout's ``correlation(j)``
    (``x_j'r``) and ``move(j, step)`` (the state after ``w_j += step``).

    With ``correlations(first, stop)`` (``x_j'r`` of the columns ``first ..
    stop - 1`` in one vectorized pass) the zero coefficients that stay zero
    are found by runs where that may pay (:func:`_by_runs`): an interpreted
    coordinate costs microseconds, a vectorized one nanoseconds.
    """
    maxima = [l1 - l1] * 3  # max |dw_j|, max |w_j|, max ||x_j||^2 dw_j^2

    def visit(j, correlation_j):
        """Coordinate ``j`` at ``x_j'r = correlation_j``; whether it moved."""
        norm2 = col_norms2[j]
        w_j = w[j]
        new_w_j = enet_coordinate_update(
            correlation_j + w_j * norm2,
            factor_times(l1, factor, j),
            norm2 + factor_times(l2, factor, j),
            positive,
        )
        moved = new_w_j != w_j
        if moved:
            step = new_w_j - w_j
            move(j, step)
            w[j] = new_w_j
            delta = abs(step)
            maxima[0] = _largest(maxima[0], delta)
            maxima[2] = _largest(maxima[2], norm2 * delta * delta)
        maxima[1] = _largest(maxima[1], abs(new_w_j))
        return moved

    busy = None if correlations is None else _runs_pay(order, w)
    if busy is None:
        for j in order.tolist():
            if col_norms2[j] != 0.0:
                visit(j, correlation(j))
    else:
        _by_runs(order, busy, w, col_norms2, l1, positive, factor, correlation,
                 correlations, visit)  # fmt: skip
    return tuple(maxima)


# Runs of fewer coordinates than this go coordinate by coordinate: a run's
# vectorized correlations cost some tens of microseconds, an interpreted
# coordinate some.
IDLE_RUN_MIN = 8
# Sweeps go by runs where at most this share of the coordinates is non-zero:
# each non-zero ends a run.  A NumPy sweep at a lasso's solution, by runs
# against one by one: dense 100x1000, 92 non-zeros, 1.61 / 3.00 ms; 500x500,
# 77, 2.65 / 3.17 ms; 100x300, 72, 1.04 / 1.02 ms; 99, 2.34 / 1.20 ms.
RUNS_MAX_BUSY = 1 / 6
# Nor on sweeps of fewer coordinates, where an interpreted coordinate costs
# about a microsecond: 1000x50 at alpha_max / 20, 8 non-zeros, 0.22 ms a
# sweep by runs, 0.15 ms one by one.
RUNS_MIN_COORDINATES = 128


def runs_may_pay(n_coordinates, n_busy):
    """Whether a sweep of ``n_coordinates`` (an increasing order) with
    ``n_busy`` non-zero coefficients goes by runs (:func:`_by_runs`)."""
    return (
        n_coordinates >= RUNS_MIN_COORDINATES
        and n_busy <= RUNS_MAX_BUSY * n_coordinates
    )


def _runs_pay(order, w):
    """The positions in ``order`` of the non-zero coefficients where the
    sweep goes by runs (``order`` increasing, :func:`runs_may_pay`), else
    None."""
    n = order.shape[0]
    if not runs_may_pay(n, 0) or not bool(np.all(order[1:] > order[:-1])):
        return None
    busy = np.flatnonzero(w[order] != 0)
    return busy.tolist() if runs_may_pay(n, busy.shape[0]) else None


def _by_runs(order, busy, w, col_norms2, l1, positive, factor, correlation,
             correlations, visit):  # fmt: skip
    """Sweep ``order`` (increasing; ``busy``: the positions of its non-zero
    coefficients) by runs: the correlations of a run of coordinates at once,
    the coordinates that stay zero skipped, the others visited in turn; a
    move makes the correlations after it stale, and the next run starts
    after it.  A run ends at the next non-zero coefficient (it moves, most
    often), and its length grows while runs end without a move; runs shorter
    than ``IDLE_RUN_MIN`` go coordinate by coordinate.  The same sweep as the
    loop over every coordinate, up to the rounding of the vectorized sums."""
    n = order.shape[0]
    busy.append(n)
    next_busy = 0
    size = IDLE_RUN_MIN
    pos = 0
    while pos < n:
        while busy[next_busy] < pos:
            next_busy += 1
        end = min(busy[next_busy] + 1, n, pos + size)
        if end - pos < IDLE_RUN_MIN:
            for k in range(pos, end):
                j = int(order[k])
                if col_norms2[j] != 0.0:
                    visit(j, correlation(j))
            pos = end
            continue
        columns = order[pos:end]
        first = int(columns[0])
        c = correlations(first, int(columns[-1]) + 1)[columns - first]
        threshold = l1 if factor is None else l1 * factor[columns]
        idle = (w[columns] == 0) & (c <= threshold)
        if not positive:
            idle &= c >= -threshold
        idle |= col_norms2[columns] == 0
        stopped = end
        for k in np.flatnonzero(~idle).tolist():
            if visit(int(columns[k]), c[k]) and pos + k + 1 < end:
                stopped = pos + k + 1
                break
        size = size * 2 if stopped == end else max(size // 4, IDLE_RUN_MIN)
        pos = stopped


@numpy_version_of(cd_sweep_dense)
def _cd_sweep_dense_numpy(
    X, residual, w, col_norms2, l1, l2, positive, order, penalty_factor
):
    def move(j, step):
        residual[...] -= step * X[:, j]

    return _sweep_numpy(
        order, w, col_norms2, l1, l2, positive, penalty_factor,
        lambda j: X[:, j] @ residual, move,
        lambda first, stop: X[:, first:stop].T @ residual,
    )  # fmt: skip


@numpy_version_of(cd_sweep_gram)
def _cd_sweep_gram_numpy(problem, state, w, l1, l2, positive, order):
    gram, xty = problem.gram, problem.xty
    gram_w = state[0]

    def move(j, step):
        gram_w[...] += step * gram[j]

    return _sweep_numpy(
        order, w, problem.col_norms2, l1, l2, positive, factor_of(problem.penalty),
        lambda j: xty[j] - gram_w[j], move,
        lambda first, stop: xty[first:stop] - gram_w[first:stop],
    )  # fmt: skip


@numpy_version_of(cd_sweep_sparse)
def _cd_sweep_sparse_numpy(problem, state, w, l1, l2, positive, order):
    data, indices, indptr = problem.data, problem.indices, problem.indptr
    sample_weight, x_mean, col_wsum = (
        problem.sample_weight,
        problem.x_mean,
        problem.col_wsum,
    )
    raw_residual, shift = state

    def correlation(j):
        rows = indices[indptr[j] : indptr[j + 1]]
        gathered = raw_residual[rows]
        if problem.weighted:
            gathered *= sample_weight[rows]
        total = data[indptr[j] : indptr[j + 1]] @ gathered
        if problem.centered:
            total += shift[0] * col_wsum[j] - x_mean[j] * shift[1]
        return total

    def move(j, step):
        # ufunc.at: a column's rows may repeat (duplicate entries add up).
        rows = indices[indptr[j] : indptr[j + 1]]
        np.subtract.at(raw_residual, rows, step * data[indptr[j] : indptr[j + 1]])
        shift[0] += step * x_mean[j]
        shift[1] -= step * (col_wsum[j] - x_mean[j] * problem.total_weight)

    return _sweep_numpy(
        order, w, problem.col_norms2, l1, l2, positive, factor_of(problem.penalty),
        correlation, move,
        lambda first, stop: sparse_correlations(problem, state, first, stop),
    )  # fmt: skip


@njit
def dense_columns_axpy(X, columns, coefficients, out):
    """``out += X[:, columns] @ coefficients`` without copying the columns."""
    n_samples = X.shape[0]
    for k in range(columns.shape[0]):
        j = columns[k]
        a = coefficients[k]
        if a == 0.0:
            continue
        for i in range(n_samples):
            out[i] += a * X[i, j]


@njit
def sparse_columns_dense(data, indices, indptr, columns, out):
    """``out[:, k] += X[:, columns[k]]`` for CSC ``X``: the columns densified
    into ``out`` (zero on entry; duplicate entries add up, as in scipy)."""
    for k in range(columns.shape[0]):
        j = columns[k]
        for p in range(indptr[j], indptr[j + 1]):
            out[indices[p], k] += data[p]


@njit
def sparse_columns_axpy(data, indices, indptr, columns, coefficients, out):
    """``out += X[:, columns] @ coefficients`` for CSC ``X``."""
    for k in range(columns.shape[0]):
        j = columns[k]
        a = coefficients[k]
        if a == 0.0:
            continue
        for p in range(indptr[j], indptr[j + 1]):
            out[indices[p]] += a * data[p]
