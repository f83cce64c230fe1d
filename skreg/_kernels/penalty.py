"""Per-feature penalty factors (glmnet's ``penalty.factor``) as kernels see them.

A problem without factors carries None instead of a :class:`PenaltyWeights`:
a type of its own to numba, so its kernels compile none of the weighted code.
The helpers below branch on that type when they are compiled.  Kernels use
them rather than ``hasattr(problem.penalty, ...)``, which makes numba run a
second, partial type inference of the whole kernel to prune by it (0.2-0.5 s
of a first fit; issue 13).
"""

from typing import NamedTuple

import numpy as np

from skreg._numba import inner_overload


class PenaltyWeights(NamedTuple):
    """Per-feature penalty factors ``pf``: the penalty is
    ``sum_j pf_j (l1 |w_j| + l2/2 w_j^2)``.

    A problem without factors (all ones) has None in its place.
    ``unpenalized`` lists the features with ``pf_j = 0`` and
    ``unpenalized_inv`` is the pseudo-inverse of their Gram block ``X_U'X_U``:
    before each certificate the solver minimizes over that block exactly
    (:func:`skreg._kernels.cd_plain.fit_unpenalized`), so the residual meets
    their dual constraint ``x_j'r = 0`` and the gap and screening stay safe.
    """

    factor: np.ndarray  # (n_features,) in the data's dtype
    unpenalized: np.ndarray  # intp (n_unpenalized,)
    unpenalized_inv: np.ndarray  # float64 (n_unpenalized, n_unpenalized)


def penalty_weights(penalty_factor, dtype, unpenalized_gram=None):
    """:class:`PenaltyWeights` from a validated ``penalty_factor``; None for None.

    ``unpenalized_gram(indices)`` returns ``X_U'X_U`` of the layout's
    (centred, weighted) design for the features with a zero factor.
    """
    if penalty_factor is None:
        return None
    factor = np.ascontiguousarray(penalty_factor, dtype=dtype)
    unpenalized = np.flatnonzero(factor == 0).astype(np.intp)
    inverse = np.empty((0, 0))
    if unpenalized.size:
        gram = np.asarray(unpenalized_gram(unpenalized), dtype=np.float64)
        # pinv: collinear unpenalized columns still get a least-squares step.
        inverse = np.ascontiguousarray(np.linalg.pinv(gram, hermitian=True))
    return PenaltyWeights(factor, unpenalized, inverse)


def _is_none(numba_type):
    """Whether an overload's argument is typed None (numba imported here,
    where it is compiling, not with the module)."""
    from numba.core import types

    return isinstance(numba_type, types.NoneType)


def factor_of(penalty):
    """The factors of a :class:`PenaltyWeights`, None for None (all ones).

    Compiled, the result's type follows the argument's, so kernels given it
    drop their weighted branches by ``factor is None``.
    """
    return None if penalty is None else penalty.factor


@inner_overload(factor_of)
def _factor_of_compiled(penalty):
    if _is_none(penalty):
        return lambda penalty: None
    return lambda penalty: penalty.factor


def factor_times(value, factor, j):
    """``value * factor[j]``, or ``value`` itself for None (all ones).

    Not ``value * 1.0`` in the default: a literal one is float64 and would
    move float32 arithmetic to float64 rounding.
    """
    return value if factor is None else value * factor[j]


@inner_overload(factor_times)
def _factor_times_compiled(value, factor, j):
    if _is_none(factor):
        return lambda value, factor, j: value
    return lambda value, factor, j: value * factor[j]


def factor_at(factor, j):
    """``factor[j]``, or 1.0 for None (all ones)."""
    return 1.0 if factor is None else factor[j]


@inner_overload(factor_at)
def _factor_at_compiled(factor, j):
    if _is_none(factor):
        return lambda factor, j: 1.0
    return lambda factor, j: factor[j]


def n_unpenalized(penalty):
    """How many features have ``pf_j = 0``: 0 for None."""
    return 0 if penalty is None else penalty.unpenalized.shape[0]


@inner_overload(n_unpenalized)
def _n_unpenalized_compiled(penalty):
    if _is_none(penalty):
        return lambda penalty: 0
    return lambda penalty: penalty.unpenalized.shape[0]
