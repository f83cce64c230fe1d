"""The three data layouts of coordinate descent, as named types.

A *problem* holds the read-only arrays of one preprocessed elastic-net problem;
its *state* holds what CD keeps up to date.  Solvers are written once against
the operations below; each operation dispatches on the problem's type -- in
Python by ``type(problem)``, and when compiled through ``overload`` by the
named-tuple class, so a dense fit compiles only the dense kernels::

    DenseProblem   state (residual,)              residual = y - X w
    GramProblem    state (gram_w,)                gram_w = X'X w
    SparseProblem  state (raw_residual, shift)    residual = raw_residual + shift[0]

The sparse layout centres ``X`` implicitly (``x_mean``) and carries sample
weights; ``shift[1]`` holds ``sum_i sw_i r_i``.  Every problem carries its
:class:`PenaltyWeights` (glmnet's ``penalty.factor``), or None for the default
all-ones weights.  None is a type of its own to numba, so a fit without
factors compiles none of their code: kernels test ``factor is None`` on an
argument, which numba prunes before typing, or call the helpers of
:mod:`skreg._kernels.penalty`, which branch on the type (measured: about 1 s
CPU of a first Lasso fit's compilation, plain CD and working sets alike;
issue 13).
"""

from typing import NamedTuple

import numpy as np

from skreg._kernels.cd import cd_sweep_dense, cd_sweep_gram, cd_sweep_sparse
from skreg._kernels.gap import (
    residual_stats_dense,
    residual_stats_gram,
    residual_stats_sparse,
)
from skreg._kernels.penalty import PenaltyWeights, factor_of, penalty_weights
from skreg._numba import FASTMATH_GATHER, inner_kernel, inner_overload, njit

__all__ = ["PenaltyWeights", "factor_of", "penalty_weights"]  # re-exported


class DenseProblem(NamedTuple):
    """Fortran-ordered ``X`` and ``y``, already centred and weighted."""

    X: np.ndarray
    y: np.ndarray
    col_norms2: np.ndarray
    penalty: PenaltyWeights  # or None: all ones


class GramProblem(NamedTuple):
    """Covariance mode: ``gram = X'X`` (C order), ``xty = X'y`` and ``||y||^2``
    of the processed (centred, weighted) design."""

    gram: np.ndarray
    xty: np.ndarray
    col_norms2: np.ndarray
    y_norm2: float
    penalty: PenaltyWeights  # or None: all ones


class SparseProblem(NamedTuple):
    """CSC ``X`` centred implicitly by ``x_mean``, with sample weights.

    ``col_wsum[j] = sum_i sw_i X_ij`` over stored entries, ``col_norms2`` the
    weighted squared norms of the centred columns; with ``weighted`` False the
    weights are all one and the kernels do not read them, with ``centered``
    False ``x_mean`` is zero and they skip the centring terms (runtime
    flags: no specialization of their own).
    """

    data: np.ndarray
    indices: np.ndarray  # unsigned: a view of scipy's (never negative)
    indptr: np.ndarray
    sample_weight: np.ndarray
    weighted: bool
    centered: bool  # False: x_mean is all zero (no intercept)
    x_mean: np.ndarray
    col_wsum: np.ndarray
    col_norms2: np.ndarray
    y: np.ndarray
    total_weight: float
    penalty: PenaltyWeights  # or None: all ones


# ---------------------------------------------------------------- per layout


def _sweep_dense(problem, state, w, l1, l2, positive, order):
    return cd_sweep_dense(
        problem.X,
        state[0],
        w,
        problem.col_norms2,
        l1,
        l2,
        positive,
        order,
        factor_of(problem.penalty),
    )


def _sweep_gram(problem, state, w, l1, l2, positive, order):
    return cd_sweep_gram(problem, state, w, l1, l2, positive, order)


def _stats_dense(problem, state, w, l2, subtract_l2, features, xtr):
    return residual_stats_dense(
        problem.X,
        problem.y,
        state[0],
        w,
        l2,
        subtract_l2,
        features,
        xtr,
        factor_of(problem.penalty),
    )


def _stats_gram(problem, state, w, l2, subtract_l2, features, xtr):
    return residual_stats_gram(
        state[0],
        problem.xty,
        problem.y_norm2,
        w,
        l2,
        subtract_l2,
        features,
        xtr,
        factor_of(problem.penalty),
    )


def _move_dense(problem, state, j, delta):
    X = problem.X
    residual = state[0]
    for i in range(X.shape[0]):
        residual[i] -= delta * X[i, j]


def _move_gram(problem, state, j, delta):
    _gram_row_axpy(problem.gram, state[0], j, delta)


@inner_kernel
def _gram_row_axpy(gram, gram_w, j, delta):
    for m in range(gram.shape[0]):
        gram_w[m] += delta * gram[j, m]


def _move_sparse(problem, state, j, delta):
    data, indices, indptr = problem.data, problem.indices, problem.indptr
    raw_residual, shift = state
    for p in range(indptr[j], indptr[j + 1]):
        raw_residual[indices[p]] -= delta * data[p]
    shift[0] += delta * problem.x_mean[j]
    shift[1] -= delta * (problem.col_wsum[j] - problem.x_mean[j] * problem.total_weight)


def _residual_dense(problem, state, out):
    residual = state[0]
    for i in range(residual.shape[0]):
        out[i] = residual[i]
    return True


def _residual_gram(problem, state, out):
    return False  # covariance mode never forms the residual


def _residual_sparse(problem, state, out):
    raw_residual, shift = state
    for i in range(raw_residual.shape[0]):
        out[i] = raw_residual[i] + shift[0]
    return True


def _stats_at_dense(problem, residual, w, l2, features, xtr):
    # A runtime True, not the literal: the stats kernel then has the one
    # specialization that layout_stats uses too.
    subtract_l2 = features.shape[0] >= 0
    return residual_stats_dense(
        problem.X,
        problem.y,
        residual,
        w,
        l2,
        subtract_l2,
        features,
        xtr,
        factor_of(problem.penalty),
    )


def _stats_at_gram(problem, residual, w, l2, features, xtr):
    return 0.0, 0.0  # never called: covariance mode has no residual


def _stats_at_sparse(problem, residual, w, l2, features, xtr):
    sample_weight = problem.sample_weight
    total = 0.0
    for i in range(residual.shape[0]):
        total += sample_weight[i] * residual[i]
    shift = np.zeros(2, dtype=residual.dtype)
    shift[1] = total
    subtract_l2 = features.shape[0] >= 0  # runtime True: see _stats_at_dense
    return residual_stats_sparse(
        problem, (residual, shift), w, l2, subtract_l2, features, xtr
    )


def _copy_one(problem, state):
    return (state[0].copy(),)


def _copy_two(problem, state):
    return (state[0].copy(), state[1].copy())


def _distance2_unweighted(problem, a, b):
    total = 0.0
    for i in range(a.shape[0]):
        d = a[i] - b[i]
        total += d * d
    return total


def _distance2_sparse(problem, a, b):
    sample_weight = problem.sample_weight
    total = 0.0
    for i in range(a.shape[0]):
        d = a[i] - b[i]
        total += sample_weight[i] * d * d
    return total


_OPERATIONS = {
    DenseProblem: {
        "sweep": _sweep_dense,
        "stats": _stats_dense,
        "move": _move_dense,
        "residual": _residual_dense,
        "stats_at": _stats_at_dense,
        "distance2": _distance2_unweighted,
        "copy_state": _copy_one,
    },
    GramProblem: {
        "sweep": _sweep_gram,
        "stats": _stats_gram,
        "move": _move_gram,
        "residual": _residual_gram,
        "stats_at": _stats_at_gram,
        "distance2": _distance2_unweighted,
        "copy_state": _copy_one,
    },
    SparseProblem: {
        "sweep": cd_sweep_sparse,  # compiled directly (_DIRECT)
        "stats": residual_stats_sparse,
        "move": _move_sparse,
        "residual": _residual_sparse,
        "stats_at": _stats_at_sparse,
        "distance2": _distance2_sparse,
        "copy_state": _copy_two,
    },
}


# ------------------------------------------------------------ the interface


def layout_sweep(problem, state, w, l1, l2, positive, order):
    """One CD sweep over ``order``; ``(max |delta w|, max |w|)``."""
    return _OPERATIONS[type(problem)]["sweep"](
        problem, state, w, l1, l2, positive, order
    )


def layout_stats(problem, state, w, l2, subtract_l2, features, xtr):
    """Residual statistics ``(||r||^2, r'y)``; fills ``xtr[features]``."""
    return _OPERATIONS[type(problem)]["stats"](
        problem, state, w, l2, subtract_l2, features, xtr
    )


def layout_move(problem, state, j, delta):
    """Update the state for ``w[j] += delta`` (the caller updates ``w``)."""
    _OPERATIONS[type(problem)]["move"](problem, state, j, delta)


def layout_residual(problem, state, out):
    """Write the residual into ``out``; False in covariance mode (no residual)."""
    return _OPERATIONS[type(problem)]["residual"](problem, state, out)


def layout_stats_at(problem, residual, w, l2, features, xtr):
    """Statistics at any residual vector: ``xtr[features] = X'r - l2 w``."""
    return _OPERATIONS[type(problem)]["stats_at"](
        problem, residual, w, l2, features, xtr
    )


def layout_distance2(problem, a, b):
    """Squared distance of two residuals in the layout's (weighted) norm."""
    return _OPERATIONS[type(problem)]["distance2"](problem, a, b)


def layout_copy_state(problem, state):
    """A copy of the state, to try a step without committing to it."""
    return _OPERATIONS[type(problem)]["copy_state"](problem, state)


def layout_assign_state(problem, state, source):
    """Copy ``source`` (a state of the same layout) into ``state``."""
    for target, values in zip(state, source, strict=True):
        target[:] = values


# Operations done by a kernel that takes the operation's own arguments: their
# overload compiles that kernel's code itself, with its floating-point flags
# (FASTMATH_GATHER, both), not a wrapper calling it -- one compilation less
# each in a first sparse fit (issue 13).
_DIRECT = {(SparseProblem, "sweep"), (SparseProblem, "stats")}


def _operation(problem_type, name, direct=False):
    """The implementation of operation ``name`` for a problem's numba type, or
    None: with ``direct``, the Python code of a ``_DIRECT`` kernel (for the
    overloads registered with its flags); otherwise any other operation."""
    from numba.core import types  # compiling: numba is loaded

    if isinstance(problem_type, types.BaseNamedTuple):
        layout = problem_type.instance_class
        if ((layout, name) in _DIRECT) == direct:
            implementation = _OPERATIONS[layout][name]
            return implementation.py_func if direct else implementation
    return None


@inner_overload(layout_sweep)
def _layout_sweep_compiled(problem, state, w, l1, l2, positive, order):
    return _operation(problem, "sweep")


@inner_overload(layout_sweep, fastmath=FASTMATH_GATHER)
def _layout_sweep_direct(problem, state, w, l1, l2, positive, order):
    return _operation(problem, "sweep", direct=True)


@inner_overload(layout_stats)
def _layout_stats_compiled(problem, state, w, l2, subtract_l2, features, xtr):
    return _operation(problem, "stats")


@inner_overload(layout_stats, fastmath=FASTMATH_GATHER)
def _layout_stats_direct(problem, state, w, l2, subtract_l2, features, xtr):
    return _operation(problem, "stats", direct=True)


@inner_overload(layout_move)
def _layout_move_compiled(problem, state, j, delta):
    return _operation(problem, "move")


@inner_overload(layout_residual)
def _layout_residual_compiled(problem, state, out):
    return _operation(problem, "residual")


@inner_overload(layout_stats_at)
def _layout_stats_at_compiled(problem, residual, w, l2, features, xtr):
    return _operation(problem, "stats_at")


@inner_overload(layout_copy_state)
def _layout_copy_state_compiled(problem, state):
    return _operation(problem, "copy_state")


@inner_overload(layout_assign_state)
def _layout_assign_state_compiled(problem, state, source):
    if len(state.types) == 1:
        return _assign_one
    return _assign_two


def _assign_one(problem, state, source):
    # Element loops: slice assignment compiles numba's broadcasting and its
    # error messages (2 s of compilation measured for this one line).
    _copy_into(state[0], source[0])


def _assign_two(problem, state, source):
    _copy_into(state[0], source[0])
    _copy_into(state[1], source[1])


@inner_kernel
def _copy_into(target, source):
    for i in range(target.shape[0]):
        target[i] = source[i]


@inner_overload(layout_distance2)
def _layout_distance2_compiled(problem, a, b):
    return _operation(problem, "distance2")


@njit
def sparse_column_sums(
    data, indices, indptr, sample_weight, weighted, col_wsum, col_wsq
):
    """Write ``sum_i sw_i X_ij`` into ``col_wsum`` and ``sum_i sw_i X_ij^2``
    into ``col_wsq`` (float64, ``n_features`` long) over the stored entries of
    CSC ``X``.

    One pass over ``data``, in float64 whatever the data's precision.  The
    outputs are the caller's: allocating and returning them here compiled
    numba's ``np.zeros`` and a tuple's boxing into every first sparse fit
    (0.57 s of its compilation, 0.2-0.3 s more than the loop; issue 13).
    """
    for j in range(indptr.shape[0] - 1):
        total = 0.0
        squares = 0.0
        for p in range(indptr[j], indptr[j + 1]):
            value = data[p] * sample_weight[indices[p]] if weighted else data[p]
            total += value
            squares += value * data[p]
        col_wsum[j] = total
        col_wsq[j] = squares
