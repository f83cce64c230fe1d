"""scikit-learn's coordinate descent for one alpha, start to finish in one call.

On small problems the Python around each sweep (gap checks, screening) costs
more than the sweep itself, so the whole loop of the plain solver runs here:
cyclic sweeps over the active features; after a sweep whose largest update is
small relative to the largest coefficient, the duality gap of the full problem
and gap-safe screening (Fercoq et al. 2015).

The loop is written once for the three data layouts.  A layout is a tuple of
arrays whose length says which one it is; ``layout_sweep``, ``layout_stats``
and ``layout_zero_out`` dispatch on it -- in Python by ``len``, and when
compiled through ``overload`` by the tuple's type, so a dense fit compiles only
the dense kernels::

    dense   problem (X, y, col_norms2)                 state (residual,)
    gram    problem (gram, xty, col_norms2, y_norm2)   state (gram_w,)
    sparse  problem (data, indices, indptr, sample_weight, weighted,
                     x_mean, col_wsum, col_norms2, y, total_weight)
            state   (raw_residual, shift)
"""

import numpy as np
from numba.extending import overload

from skreg._kernels.cd import cd_sweep_dense, cd_sweep_gram, cd_sweep_sparse
from skreg._kernels.gap import (
    enet_gap,
    residual_stats_dense,
    residual_stats_gram,
    residual_stats_sparse,
)
from skreg._numba import njit

DENSE_ARITY, GRAM_ARITY, SPARSE_ARITY = 3, 4, 10


def _sweep_dense(problem, state, w, l1, l2, positive, order):
    X, _, col_norms2 = problem
    return cd_sweep_dense(X, state[0], w, col_norms2, l1, l2, positive, order)


def _sweep_gram(problem, state, w, l1, l2, positive, order):
    gram, xty, _, _ = problem
    return cd_sweep_gram(gram, xty, w, state[0], l1, l2, positive, order)


def _sweep_sparse(problem, state, w, l1, l2, positive, order):
    return cd_sweep_sparse(problem, state, w, l1, l2, positive, order)


def _stats_dense(problem, state, w, l2, subtract_l2, features, xtr):
    X, y, _ = problem
    return residual_stats_dense(X, y, state[0], w, l2, subtract_l2, features, xtr)


def _stats_gram(problem, state, w, l2, subtract_l2, features, xtr):
    gram, xty, _, y_norm2 = problem
    return residual_stats_gram(
        state[0], xty, y_norm2, w, l2, subtract_l2, features, xtr
    )


def _stats_sparse(problem, state, w, l2, subtract_l2, features, xtr):
    return residual_stats_sparse(problem, state, w, l2, subtract_l2, features, xtr)


def _zero_out_dense(problem, state, w, j):
    X = problem[0]
    residual = state[0]
    for i in range(X.shape[0]):
        residual[i] += w[j] * X[i, j]
    w[j] = 0


def _zero_out_gram(problem, state, w, j):
    gram = problem[0]
    gram_w = state[0]
    for m in range(gram.shape[0]):
        gram_w[m] -= w[j] * gram[j, m]
    w[j] = 0


def _zero_out_sparse(problem, state, w, j):
    data, indices, indptr, _, _, x_mean, col_wsum, _, _, total_weight = problem
    raw_residual, shift = state
    value = w[j]
    for p in range(indptr[j], indptr[j + 1]):
        raw_residual[indices[p]] += value * data[p]
    shift[0] -= x_mean[j] * value
    shift[1] += value * (col_wsum[j] - x_mean[j] * total_weight)
    w[j] = 0


_SWEEP = {
    DENSE_ARITY: _sweep_dense,
    GRAM_ARITY: _sweep_gram,
    SPARSE_ARITY: _sweep_sparse,
}
_STATS = {
    DENSE_ARITY: _stats_dense,
    GRAM_ARITY: _stats_gram,
    SPARSE_ARITY: _stats_sparse,
}
_ZERO_OUT = {
    DENSE_ARITY: _zero_out_dense,
    GRAM_ARITY: _zero_out_gram,
    SPARSE_ARITY: _zero_out_sparse,
}


def layout_sweep(problem, state, w, l1, l2, positive, order):
    """One CD sweep over ``order``; ``(max |delta w|, max |w|)``."""
    return _SWEEP[len(problem)](problem, state, w, l1, l2, positive, order)


def layout_stats(problem, state, w, l2, subtract_l2, features, xtr):
    """Residual statistics ``(||r||^2, r'y)``; fills ``xtr[features]``."""
    return _STATS[len(problem)](problem, state, w, l2, subtract_l2, features, xtr)


def layout_zero_out(problem, state, w, j):
    """Set ``w[j] = 0`` and update the layout's state."""
    _ZERO_OUT[len(problem)](problem, state, w, j)


def _arity(problem_type):
    return len(problem_type.types)


@overload(layout_sweep)
def _layout_sweep_compiled(problem, state, w, l1, l2, positive, order):
    return _SWEEP[_arity(problem)]


@overload(layout_stats)
def _layout_stats_compiled(problem, state, w, l2, subtract_l2, features, xtr):
    return _STATS[_arity(problem)]


@overload(layout_zero_out)
def _layout_zero_out_compiled(problem, state, w, j):
    return _ZERO_OUT[_arity(problem)]


@njit
def _full_gap(problem, state, w, l1, l2, l2_typed, positive, xtr):
    everything = np.arange(w.shape[0])
    r_norm2, r_dot_y = layout_stats(
        problem, state, w, l2_typed, l1 > 0, everything, xtr
    )
    return enet_gap(w, xtr, r_norm2, r_dot_y, l1, l2, positive)


@njit
def _screen(
    problem, state, col_norms2, w, active, n_active, xtr, dual_norm, gap, l1, l2
):
    """Gap-safe rule: drop provably-zero features; return the new active count."""
    scale = max(l1, dual_norm)
    radius = np.sqrt(2.0 * max(gap, 0.0)) / l1
    kept = 0
    for k in range(n_active):
        j = active[k]
        distance = (1.0 - abs(xtr[j]) / scale) / np.sqrt(col_norms2[j] + l2)
        if distance <= radius:
            active[kept] = j
            kept += 1
        elif w[j] != 0:
            layout_zero_out(problem, state, w, j)
    return kept


@njit
def plain_cd(
    problem,
    state,
    col_norms2,
    y_norm2,
    w,
    l1,
    l2,
    l1_typed,
    l2_typed,
    positive,
    max_iter,
    tol,
    screening,
):
    """Run scikit-learn's cyclic CD on one problem; return ``(gap, n_iter)``.

    ``w`` and ``state`` are updated in place.  ``l1``, ``l2``, ``tol`` and
    ``y_norm2`` are float64 (penalties already multiplied by the weighted
    number of samples); ``l1_typed`` and ``l2_typed`` are the penalties in the
    data's precision, in which the sweeps run.
    """
    n_features = w.shape[0]
    xtr = np.empty(n_features, dtype=w.dtype)
    tol_scaled = tol * y_norm2
    gap, dual_norm = _full_gap(problem, state, w, l1, l2, l2_typed, positive, xtr)
    if gap <= tol_scaled:
        return gap, 0
    active = np.empty(n_features, dtype=np.intp)
    n_active = 0
    for j in range(n_features):
        if col_norms2[j] != 0:
            active[n_active] = j
            n_active += 1
    if screening:
        n_active = _screen(
            problem, state, col_norms2, w, active, n_active, xtr, dual_norm, gap, l1, l2
        )
    n_iter = 0
    for n_iter in range(max_iter):
        max_delta, max_abs_w = layout_sweep(
            problem, state, w, l1_typed, l2_typed, positive, active[:n_active]
        )
        if max_abs_w == 0 or max_delta / max_abs_w <= tol or n_iter == max_iter - 1:
            gap, dual_norm = _full_gap(
                problem, state, w, l1, l2, l2_typed, positive, xtr
            )
            if gap <= tol_scaled:
                break
            if screening:
                n_active = _screen(
                    problem,
                    state,
                    col_norms2,
                    w,
                    active,
                    n_active,
                    xtr,
                    dual_norm,
                    gap,
                    l1,
                    l2,
                )
    return gap, n_iter + 1
