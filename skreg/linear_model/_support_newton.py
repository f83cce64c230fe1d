"""Newton steps on the support, for coordinate descent that has stalled.

Near interpolation (a support of nearly as many features as samples, as at
small alphas on wide data) the problem restricted to the support is badly
conditioned, and coordinate descent crawls: on a 100x20000 sparse problem at
``alpha_max / 100`` it spent 40,000 sweeps moving a few coefficients to zero
along a flat valley, where glmnet's path was done in a few milliseconds.

With the support ``S`` and the signs ``s`` of the coefficients fixed, the
objective is the quadratic::

    f(w_S) = 1/2 ||r||^2 + sum_j pf_j (l1 s_j w_j + l2/2 w_j^2)

whose minimizer is one linear solve away: ``d = -H^-1 g`` with
``H = X_S'X_S + diag(l2 pf)`` and ``g`` the gradient of ``f``.  A step goes
along ``d`` until the first coefficient reaches zero (it is then set to zero:
the kink of ``|w_j|``), or all the way.  Along the segment ``f`` is the true
objective (no sign changes) and decreases, so a step never makes the solution
worse.  A step stopped at a zero leaves a smaller support, and the next step
solves that one: an active-set method, run in the ``|S|``-dimensional space
of ``H`` and ``g`` alone (``g`` moves by ``H`` times the step), so ``X`` is
read once per call.  When ``H`` is singular (more coefficients than the rank
of their columns: the lasso's minimizer is not unique) and ``g`` has a part
in its null space, ``f`` decreases linearly along that part, which is the
valley coordinate descent crawls along; a tiny ridge makes the solve return
(a large multiple of) it, and the step follows it to the first zero.
Coordinate descent then resumes, and the duality gap of the full problem
still decides when to stop.
"""

import numpy as np

from skreg._kernels.newton import gram_newton_steps, newton_steps
from skreg._kernels.problems import GramProblem
from skreg.linear_model._layouts import DenseLayout, GramLayout

# Features with a penalty factor of 0 have no kink: they may change sign.
_NO_KINK = 0.0


def support_newton_steps(layout, state, coef, l1, l2, positive, max_steps):
    """Take up to ``max_steps`` Newton steps on the support of ``coef``.

    Parameters
    ----------
    layout : DenseLayout, GramLayout or SparseLayout
        The problem (see :mod:`skreg.linear_model._layouts`); its
        ``gram_block`` and ``correlations`` give ``X_S'X_S`` and ``X_S'r``.
    state : tuple
        The layout's state at ``coef``.
    coef : ndarray of shape (n_features,)
        Current coefficients, in the layout's dtype; updated in place.
    l1, l2 : float
        Penalties (times the weighted number of samples), before the factors.
    positive : bool
        Coefficients are constrained to be non-negative.
    max_steps : int
        Steps at most (each one that stops at a zero removes a coefficient).

    Returns
    -------
    state : tuple or None
        The layout's state at the new ``coef``, or None when no step was taken
        (``coef`` is then unchanged).
    n_steps : int
        The steps taken.
    """
    support = np.flatnonzero(coef)
    if support.size == 0 or max_steps <= 0:
        return None, 0  # before X_S'X_S, the cost of a step
    problem = layout.problem
    penalty = problem.penalty
    factor = (
        np.ones(support.size)
        if penalty is None
        else np.asarray(penalty.factor[support], dtype=np.float64)
    )
    if type(problem) is GramProblem:
        return _gram_newton_steps(problem, state, coef, support, factor, l1, l2,
                                  positive, max_steps)  # fmt: skip
    w = coef[support].astype(np.float64)
    kinked = factor != _NO_KINK
    signs = np.sign(w) * kinked
    hessian = layout.gram_block(support)
    if l2 != 0:
        hessian.flat[:: support.size + 1] += l2 * factor
    gradient = -layout.correlations(state, support) + factor * (l1 * signs + l2 * w)
    hessian = np.ascontiguousarray(hessian)
    n_steps = newton_steps(
        hessian, gradient, w, kinked, int(max_steps), *_newton_work(support.size)
    )
    if n_steps == 0:
        return None, 0
    if positive:
        w = np.maximum(w, 0.0)
    coef[support] = w.astype(coef.dtype)
    return layout.start(coef), n_steps


def _gram_newton_steps(problem, state, coef, support, factor, l1, l2, positive,
                       max_steps):  # fmt: skip
    """:func:`support_newton_steps` for a complete Gram matrix, compiled
    (:func:`~skreg._kernels.newton.gram_newton_steps`)."""
    size = support.size
    new_gram_w = np.empty_like(state[0])
    n_steps = gram_newton_steps(
        problem.gram, problem.xty, state[0], coef, support, factor, float(l1),
        float(l2), bool(positive), int(max_steps), np.empty((size, size)),
        np.empty(size), np.empty(size), np.empty(size, dtype=bool), new_gram_w,
        *_newton_work(size),
    )  # fmt: skip
    if n_steps == 0:
        return None, 0
    return (new_gram_w,), n_steps


def compile_newton_steps():
    """Run :func:`~skreg._kernels.newton.newton_steps` and
    :func:`~skreg._kernels.newton.gram_newton_steps` (for float64 and
    float32 Gram matrices) once on a tiny problem, and the dense layout's
    restart after a step: their specializations compiled (or loaded from the
    cache)."""
    size = 2
    newton_steps(
        np.eye(size), np.ones(size), np.ones(size), np.ones(size, dtype=bool), 1,
        *_newton_work(size),
    )  # fmt: skip
    for dtype in (np.float64, np.float32):
        layout = GramLayout(np.eye(size, dtype=dtype), np.ones(size, dtype=dtype), 2.0)
        coef = np.ones(size, dtype=dtype)
        support_newton_steps(layout, layout.start(coef), coef, 0.5, 0.0, False, 1)
        # Plain CD on tall dense data (_strategy.plain_suits) takes its steps
        # on the dense layout, which restarts from the stepped coefficients.
        dense = DenseLayout(np.asfortranarray(np.eye(size, dtype=dtype)), coef.copy())
        dense.start(coef)


def _newton_work(size):
    """The work arrays of :func:`~skreg._kernels.newton.newton_steps`."""
    return np.empty((size, size)), np.empty((3, size)), np.empty(size, dtype=np.intp)
