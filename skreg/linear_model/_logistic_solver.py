"""Proximal-Newton coordinate descent for L1 / elastic-net logistic regression.

The problem, for classes ``k`` (one row for the binary loss, ``K`` for the
multinomial one), is scikit-learn's objective divided by ``C``::

    sum_i s_i loss_i(Z_i) + sum_j pf_j (l1_ratio |W_kj| + (1 - l1_ratio)/2 W_kj**2) / C

with ``Z = W X' + b`` and the intercept ``b`` unpenalized.

Outer loop (one working set each):

1. the full gradient ``X' G`` (one pass over the features not screened
   out), the certified duality gap (see :func:`duality_gap`) and the stopping
   test ``gap <= tol * P(0)``, where ``P(0) = sum_i s_i log(K)`` is the
   objective of the all-zero model (``K = 2`` for the binary loss); then
   gap-safe screening (:func:`screen`) drops the features that the gap proves
   to be zero at the optimum;
2. a working set: the features with a non-zero coefficient plus the largest
   violators of the optimality (KKT) conditions, ``max(200, 2 * n_nonzero,
   4 * previous size)`` features in all (celer's and skglm's rule, started
   larger and grown faster; see ``WS_MIN`` and ``WS_GROWTH``);
3. proximal-Newton steps on the working set until its largest KKT violation is
   below 0.3 times the largest one of the full problem (skglm's rule): a
   quadratic model of the loss (IRLS weights ``p(1-p)``), coordinate descent
   on it (kernel :func:`~skreg._kernels.logistic.newton_cd`), then a
   backtracking line search on the true objective.  The multinomial loss
   takes glmnet's route: one such step per class, cycling the classes, each
   with the diagonal of that class's Hessian block (a cycle is one kernel
   call, :func:`~skreg._kernels.logistic.newton_cycle`).  The cycles converge
   linearly (the classes are coupled), so every ``ANDERSON_MEMORY + 1`` of
   them an Anderson extrapolation is tried (see :class:`_Anderson`).  A full
   step whose objective is below the line search's threshold on an upper
   bound (:func:`~skreg._kernels.logistic.class_loss_bound`) is accepted
   without the exact change, and the gradient reads the softmax cache that
   the cycles keep (``CACHE_CYCLES``).  When the features still in the
   problem are few (``FULL_GRADIENT_RATIO``), every step is followed by
   step 1, so the solver stops at the first step whose gap is small enough.

``n_iter`` counts proximal-Newton steps (for the multinomial loss, cycles
over the classes), the unit of ``max_iter``.
"""

import warnings
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

# Working-set growth: at least this many features, else twice the support.
# celer and skglm start from 10; CPU time to tol=1e-3 on a 20000x30000 sparse
# problem (density 2e-3, L1, C = 2, 5, 20 times the smallest non-trivial C)
# was 0.027, 0.066, 0.369 s with 200 against 0.036, 0.076, 0.466 s with 10
# (50: 0.027, 0.074, 0.363 s): every round costs a full pass over X.
WS_MIN = 200
# The working set also grows at least this much per round (capped by the
# number of KKT violators): rounds cost a full pass over X each.  CPU time on
# a 20000x30000 sparse problem (density 2e-3, L1, C = 2, 5, 20 times the
# smallest non-trivial C): 4 beat 2 and 8 (0.053, 0.121, 0.846 s against
# 0.070, 0.157, 0.887 s and 0.053, 0.157, 0.802 s).
WS_GROWTH = 4
# Proximal-Newton steps on a working set stop once its KKT violation is below
# this fraction of the full problem's violation when the set was built (skglm).
WS_REDUCTION = 0.3
# Coordinate-descent passes on one quadratic model, at most, and the progress
# (relative to the first pass) at which they stop.  Otherwise they stop when
# the model's KKT violation is a tenth of the working set's target.
MAX_CD_PASSES = 50
CD_REL_TOL = 1e-3
# Up to this many unpenalized features, their Newton decrement is computed
# with the exact Hessian block (see _newton_decrement).
FREE_BLOCK_MAX = 500
# Gap-safe screening of features (see screen); off only to test it.
GAP_SAFE_SCREENING = True
# Anderson extrapolation of the multinomial class cycles: the last
# ANDERSON_MEMORY + 1 iterates on one working set (skglm uses 5).  The class
# cycles converge linearly (digits L1 at 4 C_min: the gap falls 0.55 times a
# cycle, with or without tighter inner solves): the classes are coupled.
ANDERSON_MEMORY = 5
# When the features still in the problem are at most this many times the
# working set, the gradient after a Newton step covers all of them and the
# gap is evaluated after every step, not only once the working set is solved:
# the full gradient costs little more than the working set's, and the solver
# stops at the first step whose gap is small enough (digits, multinomial L1 at
# 4 C_min, tol=1e-3: 7 class cycles instead of 8).
FULL_GRADIENT_RATIO = 2
# The multinomial gradient reads the softmax from the cache that the class
# cycles update (n logs, not K n exps); every this many cycles it is
# recomputed from Z instead, so that rounding errors do not build up.
CACHE_CYCLES = 8
# Armijo constant and the number of halvings of the line search.
ARMIJO = 1e-4
MAX_HALVINGS = 30


class Design(NamedTuple):
    """``X`` as the kernels read it (see :mod:`skreg._kernels.logistic`)."""

    X: np.ndarray
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    sparse: bool
    n_samples: int
    n_features: int

    def args(self):
        return self.X, self.data, self.indices, self.indptr, self.sparse


class Problem(NamedTuple):
    """Data of one fit that does not depend on ``C``."""

    design: Design
    y: np.ndarray  # class indices (int64); 0/1 for the binary loss
    Y: np.ndarray  # (n_rows, n_samples) float64: targets per row of Z
    s: np.ndarray  # sample weights, float64
    masses: np.ndarray  # (K,) weight of each class (K = 2 for the binary loss)
    Xts: np.ndarray  # X' s
    XtsY: np.ndarray  # (n_rows, n_features): X' (s * Y[k])
    multinomial: bool
    fit_intercept: bool
    # (2, n_features): ||X_j||^2 and sum(X_j), NaN until computed (once per
    # problem: see column_norms and _gradient)
    col_sums: np.ndarray


def make_design(X):
    """Normalize ``X`` to the kernels' layouts without touching the caller's array.

    Dense ``X`` becomes Fortran-ordered (copied only if it is not already);
    sparse ``X`` becomes CSC with canonical int32 indices (CSR is converted,
    CSC is copied only when it has duplicates or int64 indices).
    """
    n_samples, n_features = X.shape
    if sp.issparse(X):
        csc = X.tocsc()
        if X.format == "csr" and X.has_canonical_format:
            # A transposed canonical CSR is canonical: scipy would check again
            # (a pass over the indices, 0.6 ms on 20000x30000 at 1.2M entries).
            csc.has_canonical_format = True
        if not csc.has_canonical_format:
            csc = csc.copy() if csc is X else csc
            csc.sum_duplicates()
        dtype = csc.dtype
        return Design(
            np.empty((2, 2), dtype=dtype, order="F"),  # placeholder, never read
            np.ascontiguousarray(csc.data),
            np.ascontiguousarray(csc.indices, dtype=np.int32),
            np.ascontiguousarray(csc.indptr, dtype=np.int32),
            True,
            n_samples,
            n_features,
        )
    X = np.asfortranarray(X)
    return Design(
        X,
        np.empty(0, dtype=X.dtype),
        np.empty(0, dtype=np.int32),
        np.zeros(1, dtype=np.int32),
        False,
        n_samples,
        n_features,
    )


def make_problem(X, y_encoded, sample_weight, fit_intercept, multinomial):
    """Build the :class:`Problem` of ``X`` and integer labels ``y_encoded``."""
    from skreg._kernels.logistic import xt_dot

    design = make_design(X)
    n_samples, n_features = design.n_samples, design.n_features
    y = np.asarray(y_encoded, dtype=np.int64)
    if sample_weight is None:
        s = np.ones(n_samples)
    else:
        s = np.array(sample_weight, dtype=np.float64)
    n_classes = int(y.max()) + 1 if multinomial else 2
    if multinomial:
        Y = np.zeros((n_classes, n_samples))
        Y[y, np.arange(n_samples)] = 1.0
    else:
        Y = (y == 1).astype(np.float64)[None, :]
    masses = np.bincount(y, weights=s, minlength=n_classes).astype(np.float64)
    all_features = np.arange(n_features, dtype=np.int64)
    Xts = np.zeros((1, n_features))
    XtsY = np.zeros((Y.shape[0], n_features))
    if fit_intercept:  # only the intercept's dual constraint needs them
        xt_dot(*design.args(), all_features, s[None, :], Xts)
        xt_dot(*design.args(), all_features, np.ascontiguousarray(s * Y), XtsY)
    col_sums = np.full((2, n_features), np.nan)
    return Problem(
        design, y, Y, s, masses, Xts[0], XtsY, multinomial, fit_intercept, col_sums
    )


# The small products of every iteration go through einsum, not BLAS: with
# OpenBLAS's threads on a loaded two-core machine, ``np.abs(W) @ l1`` on
# 30000 features took 12 ms instead of 30 us (its threads wait for a core).


def _penalty(W, l1, l2):
    return float(
        np.einsum("kj,j->", np.abs(W), l1) + 0.5 * np.einsum("kj,kj,j->", W, W, l2)
    )


def _derivatives(problem, Z):
    """Loss, probabilities ``P`` (per row of ``Z``), ``G = s * (P - Y)`` and,
    for the binary loss, the Hessian weights ``s * P * (1 - P)`` (else None)."""
    from skreg._kernels.logistic import binary_derivatives, softmax_loss

    if problem.multinomial:
        P = np.empty_like(Z)
        loss = softmax_loss(Z, problem.y, problem.s, P)
        return loss, P, problem.s * (P - problem.Y), None
    G = np.empty_like(Z)
    H = np.empty_like(Z)
    loss = binary_derivatives(Z[0], problem.Y[0], problem.s, G[0], H[0])
    return loss, problem.Y + G / np.where(problem.s > 0, problem.s, 1.0), G, H


def _intercept_mix(problem, P):
    """How to mix the dual point so that it satisfies the intercept's constraint.

    With an intercept the dual needs ``sum_i s_i (Y_ik - Pd_ik) = 0`` for
    every class.  ``Pd_i = (1 - a) P_i + a c`` with one probability vector
    ``c`` and the smallest ``a`` that keeps ``c >= 0`` does it exactly.
    Returns ``(a, c)``, ``c`` per row of ``P`` (``a = 0``: no mixing).
    """
    s = problem.s
    masses = problem.masses
    no_mix = 0.0, np.zeros(P.shape[0])
    if problem.multinomial:
        P_all = P
    else:
        P_all = np.vstack([1.0 - P, P])  # rows in class order: 0, 1
    excess = np.einsum("ki,i->k", P_all, s) - masses
    positive = excess > 0
    if not np.any(positive):
        return no_mix
    a = float(np.max(excess[positive] / (masses[positive] + excess[positive])))
    if a <= 0.0:
        return no_mix
    c = np.maximum(a * masses - (1.0 - a) * excess, 0.0)
    c /= c.sum()
    return a, (c if problem.multinomial else c[1:])


def duality_gap(problem, W, loss, P, XtT, l1, l2, cols=slice(None)):
    """Certified duality gap at ``(W, b)``; returns ``(gap, primal, XtTd)``.

    Only the features ``cols`` (an index or a slice; the others are screened
    out, see :func:`screen`) are in the problem.

    ``XtT = X' (s * (Y - P))`` is minus the gradient.  The dual point is
    ``s * (Y - P)``, made feasible for the intercept (see
    :func:`_intercept_mix`) and rescaled as in celer so that
    ``|X_j' theta| <= l1_j`` on the features with a pure L1 penalty.
    Features with no penalty at all (``pf_j = 0`` or ``C = inf``) have the
    dual constraint ``X_j' theta = 0``, which no rescaling reaches; for them
    the gap adds their Newton decrement instead (an estimate of the distance
    to the optimum, not a bound; see :func:`_newton_decrement`).
    ``XtTd = X' theta`` of the dual point on ``cols``, for :func:`screen`.
    """
    from skreg._kernels.logistic import dual_entropy

    primal = loss + _penalty(W, l1, l2)
    XtT_all, XtT, l1, l2 = XtT, XtT[:, cols], l1[cols], l2[cols]
    a, c = 0.0, np.zeros(P.shape[0])
    if problem.fit_intercept:
        a, c = _intercept_mix(problem, P)
    XtTd = XtT
    if a > 0.0:
        XtsY, Xts = problem.XtsY[:, cols], problem.Xts[cols]
        XtTd = (1.0 - a) * XtT + a * (XtsY - c[:, None] * Xts)
    l1_only = (l2 == 0) & (l1 > 0)
    scale = 1.0
    if np.all(l1_only):  # (no boolean indexing: 30000 features, 5 calls, 1 ms)
        scale = max(1.0, float(np.max(np.abs(XtTd).max(axis=0) / l1)))
    elif np.any(l1_only):
        scale = max(1.0, float(np.max(np.abs(XtTd[:, l1_only]) / l1[l1_only])))
    if scale > 1.0:
        XtTd = XtTd / scale
    # the entropy of the mixed and rescaled point, formed sample by sample
    dual = dual_entropy(P, problem.Y, problem.s, a, c, scale, not problem.multinomial)
    ridge = l2 > 0
    if np.any(ridge):
        excess = np.maximum(np.abs(XtTd[:, ridge]) - l1[ridge], 0.0)
        dual -= float(np.sum(excess * excess / (2.0 * l2[ridge])))
    gap = max(primal - dual, 0.0)
    free = np.flatnonzero((l1 == 0) & (l2 == 0))
    if free.size:
        free_features = np.arange(W.shape[1], dtype=np.int64)[cols][free]
        gap += _newton_decrement(problem, P, XtT_all, free_features)
    return gap, primal, XtTd


def column_norms(problem):
    """``||X_j||``, centered when there is an intercept (see :func:`screen`)."""
    from skreg._kernels.logistic import column_sums

    design = problem.design
    sq, lin = problem.col_sums
    if np.isnan(sq[0]):
        column_sums(*design.args(), sq, lin)
    if problem.fit_intercept:
        sq = sq - lin * lin / design.n_samples
    return np.sqrt(np.maximum(sq, 0.0))


def screen(problem, gap, primal, XtTd, norms, l1):
    """Features whose coefficients are zero at the optimum (gap-safe rule).

    The dual objective ``D(theta) = sum_i s_i H(Y_i - theta_i / s_i)`` (``H``
    the entropy) is ``mu``-strongly concave with ``mu = 4 / max(s)`` for the
    binary loss (``H'' <= -4``) and ``1 / max(s)`` for the multinomial one
    (``-grad^2 H = diag(1 / p) >= I``), so the dual optimum lies within
    ``r = sqrt(2 gap / mu)`` of the dual point ``theta``.  At the optimum,
    ``W_kj = 0`` whenever ``|X_j' theta*_k| < l1_j`` (elastic net too), which
    holds if ``|X_j' theta_k| + r ||X_j|| < l1_j``.  With an intercept both
    dual points sum to zero over the samples, so the centered ``||X_j||``
    serves.  The screened features drop out of the problem: its optimum, and
    the dual optimum, are unchanged, and the gap of the reduced problem still
    bounds the suboptimality.  ``XtTd``, ``norms`` and ``l1`` hold the
    features still in the problem; returns the mask of those to drop.
    """
    mu = (1.0 if problem.multinomial else 4.0) / float(problem.s.max())
    # Rounding in the gap (a difference of two numbers of the size of the
    # objective) must not shrink the sphere.
    radius = np.sqrt(2.0 * (gap + 1e-10 * abs(primal)) / mu)
    score = np.abs(XtTd).max(axis=0) + radius * norms
    return score < l1 * (1.0 - 1e-9)


def _free_columns(design, features):
    """Dense copy of the columns ``features`` of ``X`` (float64)."""
    if design.sparse:
        csc = sp.csc_matrix(
            (design.data, design.indices, design.indptr),
            shape=(design.n_samples, design.n_features),
        )
        return csc[:, features].toarray().astype(np.float64)
    return np.asarray(design.X[:, features], dtype=np.float64)


def _newton_decrement(problem, P, XtT, features):
    """``g' H^+ g / 2`` over the unpenalized features (and the intercept).

    The Hessian block is formed exactly when there are at most
    ``FREE_BLOCK_MAX`` such features; on correlated features its diagonal
    alone underestimates the distance to the optimum by orders of magnitude
    (breast_cancer's first five features: 1e-8 against 1e-6).  Beyond that,
    the diagonal is used.  Multinomial classes are taken one at a time.
    """
    from skreg._kernels.logistic import curvatures

    s = problem.s
    total = 0.0
    if features.size <= FREE_BLOCK_MAX:
        A = _free_columns(problem.design, features)
        if problem.fit_intercept:
            A = np.hstack([A, np.ones((A.shape[0], 1))])
        for k in range(P.shape[0]):
            h = s * P[k] * (1.0 - P[k])
            g = A.T @ (s * (P[k] - problem.Y[k]))
            H = A.T @ (h[:, None] * A)
            step = np.linalg.lstsq(H, g, rcond=None)[0]
            total += 0.5 * float(g @ step)
        return total
    curv = np.empty(features.size)
    unused = np.empty(features.size)
    for k in range(P.shape[0]):
        h = s * P[k] * (1.0 - P[k])
        curvatures(*problem.design.args(), features, h, curv, unused)
        g2 = XtT[k, features] ** 2
        ok = curv > 0
        total += float(np.sum(g2[ok] / (2.0 * curv[ok])))
        if np.any(~ok & (g2 > 0)):
            return np.inf
    return total


class _State:
    """Iterate of the solver: coefficients, intercepts, linear predictors."""

    def __init__(self, problem, W, b):
        from skreg._kernels.logistic import x_dot_add

        self.W = W
        self.b = b
        n_samples = problem.design.n_samples
        self.Z = np.repeat(b[:, None], n_samples, axis=1)
        x_dot_add(*problem.design.args(), W, self.Z)
        # The multinomial loss keeps exp(Z - max) per sample (see
        # refresh_softmax), so that a step on one class costs O(n) exps, not
        # the O(K n) of a fresh softmax.
        self.multinomial = problem.multinomial
        self.derivatives = None  # see _gradient and _newton_cycle
        self.m = np.empty(n_samples if self.multinomial else 0)
        self.E = np.empty_like(self.Z) if self.multinomial else np.empty((0, 0))
        # m and E hold the softmax of Z (_gradient fills them, the class
        # cycles keep them up to date, for `age` cycles so far)
        self.fresh = False
        self.age = 0

    def drop(self, problem, features):
        """Set the coefficients of ``features`` (indices) to 0."""
        from skreg._kernels.logistic import x_dot_add

        self.derivatives = None
        self.fresh = False
        removed = np.zeros_like(self.W)
        removed[:, features] = -self.W[:, features]
        x_dot_add(*problem.design.args(), removed, self.Z)
        self.W[:, features] = 0.0

    def refresh_softmax(self):
        """Recompute the multinomial cache from ``Z`` unless it is up to date."""
        from skreg._kernels.logistic import softmax_cache

        if self.multinomial and not self.fresh:
            softmax_cache(self.Z, self.m, self.E)
            self.fresh = True
            self.age = 0


def _newton_cycle(problem, state, ws, l1, l2, inner_tol):
    """One proximal-Newton step per row of ``W`` (each class in turn), features
    ``ws``, in one kernel call (:func:`~skreg._kernels.logistic.newton_cycle`).

    Returns the sum of the accepted step sizes (0 when nothing moved).
    """
    from skreg._kernels.logistic import newton_cycle

    state.refresh_softmax()
    state.age += 1
    # the binary loss's derivatives at this point, when _gradient made them
    known = state.derivatives
    state.derivatives = None
    loss, g, h = (np.nan, np.empty(0), np.empty(0)) if known is None else known
    return newton_cycle(
        *problem.design.args(),
        ws,
        state.W,
        state.b,
        state.Z,
        state.m,
        state.E,
        problem.multinomial,
        problem.y,
        problem.Y[0],
        problem.s,
        known is not None,
        loss,
        g,
        h,
        l1,
        l2,
        problem.fit_intercept,
        MAX_CD_PASSES,
        inner_tol,
        CD_REL_TOL,
        ARMIJO,
        MAX_HALVINGS,
    )


class _Anderson:
    """Anderson extrapolation of the iterates ``(W, b)`` (as in skglm).

    Every ``memory + 1`` iterates, the combination ``sum_m c_m x_m``
    (``sum c = 1``) that minimizes the norm of the combined differences
    ``sum_m c_m (x_m - x_{m-1})`` is proposed; the caller keeps it only if it
    lowers the objective (see :func:`_try_extrapolated`).  Only the features
    non-zero in some iterate take part, whatever the working sets were.
    """

    def __init__(self, memory):
        self.memory = memory
        self.points = []

    def propose(self, W, b):
        """Record ``(W, b)``; return ``(features, W[:, features], b)``
        extrapolated, or None."""
        self.points.append((W.copy(), b.copy()))
        if len(self.points) <= self.memory:
            return None
        Ws = np.array([w for w, _ in self.points])
        bs = np.array([b for _, b in self.points])
        self.points = []
        features = np.flatnonzero(np.any(Ws != 0, axis=(0, 1)))
        points = np.hstack([Ws[:, :, features].reshape(len(Ws), -1), bs])
        U = np.diff(points, axis=0)
        try:
            z = np.linalg.solve(U @ U.T, np.ones(self.memory))
        except np.linalg.LinAlgError:
            return None
        if not (np.all(np.isfinite(z)) and abs(z.sum()) > 0.0):
            return None
        x = (z / z.sum()) @ points[1:]
        n_rows = b.size
        W_f = x[: n_rows * features.size].reshape(n_rows, features.size)
        return features, W_f, x[-n_rows:]


def _try_extrapolated(problem, state, guess, objective, l1, l2, active):
    """Move to ``guess = (ws, W_ws, b)`` if its objective is below ``objective``.

    Features screened out since (``active[j]`` false) stay at zero.
    """
    from skreg._kernels.logistic import softmax_loss, x_dot_add

    ws, W_ws, b = guess
    kept = active[ws]
    ws, W_ws = ws[kept], W_ws[:, kept]
    if not problem.fit_intercept:
        b = state.b
    W_new = state.W.copy()
    W_new[:, ws] = W_ws
    delta = np.zeros_like(W_new)
    delta[:, ws] = W_ws - state.W[:, ws]
    Z = state.Z + (b - state.b)[:, None]
    x_dot_add(*problem.design.args(), delta, Z)
    if problem.multinomial:
        loss = softmax_loss(Z, problem.y, problem.s, np.empty_like(Z))
    else:
        loss = _derivatives(problem, Z)[0]
    if not loss + _penalty(W_new, l1, l2) < objective:
        return False
    state.derivatives = None
    state.fresh = False
    state.W[:] = W_new
    state.b[:] = b
    state.Z[:] = Z
    return True


def _gradient(problem, state, features, known=None):
    """Loss, probabilities and ``X' (s * (Y - P))`` on ``features``.

    ``known`` is an earlier result at the same point, whose columns are kept.
    """
    from skreg._kernels.logistic import (
        softmax_gradient,
        sparse_xt_dot_column_sums,
        xt_dot,
    )

    if known is None and problem.multinomial:
        P = np.empty_like(state.Z)
        minus_G = np.empty_like(state.Z)
        # the cache, updated by the class cycles, or a fresh one from Z
        # every CACHE_CYCLES cycles (its rounding errors add up)
        cached = state.fresh and state.age < CACHE_CYCLES
        loss = softmax_gradient(
            state.Z, problem.y, problem.s, cached, state.m, state.E, P, minus_G
        )
        if not cached:
            state.fresh, state.age = True, 0
        XtT = np.zeros((minus_G.shape[0], problem.design.n_features))
    elif known is None:
        loss, P, G, H = _derivatives(problem, state.Z)
        state.derivatives = (loss, G[0], H[0])  # the next Newton step starts here
        minus_G = np.ascontiguousarray(-G)
        XtT = np.zeros((minus_G.shape[0], problem.design.n_features))
        design = problem.design
        sq, lin = problem.col_sums
        if design.sparse and features.size == design.n_features and np.isnan(sq[0]):
            # every column is read: the norms of column_norms come along
            sparse_xt_dot_column_sums(
                design.data, design.indices, design.indptr, minus_G[0], XtT[0], sq, lin
            )
            return loss, P, minus_G, XtT
    else:
        loss, P, minus_G, XtT = known
    xt_dot(*problem.design.args(), features, minus_G, XtT)
    return loss, P, minus_G, XtT


def solve(problem, W, b, l1, l2, tol, max_iter, verbose=0):
    """Minimize the objective for one ``C`` from ``(W, b)`` (updated in place).

    ``l1`` and ``l2`` are per-feature penalty strengths (``pf * l1_ratio / C``
    and ``pf * (1 - l1_ratio) / C``).  Returns ``(n_iter, gap, tolerance)``.
    """
    from skreg._kernels.logistic import kkt_violations

    n_features = problem.design.n_features
    all_features = np.arange(n_features, dtype=np.int64)
    n_classes = problem.masses.size
    tolerance = tol * float(np.sum(problem.s)) * np.log(n_classes)
    state = _State(problem, W, b)
    n_iter = 0
    gap = np.inf
    ws_size = 0
    # the gradient on the features `checked`, when the point has not moved
    known = None
    ws = checked = np.empty(0, dtype=np.int64)
    # Gap-safe screening (see screen) needs a certified gap: not with
    # unpenalized features, whose part of the gap is an estimate.
    screening = GAP_SAFE_SCREENING and bool(np.all(l1 > 0))
    active = np.ones(n_features, dtype=bool)  # not screened out
    active_features = all_features
    norms = None
    anderson = (
        _Anderson(ANDERSON_MEMORY)
        if problem.multinomial and ANDERSON_MEMORY > 0
        else None
    )
    while True:
        if known is None:
            loss, P, _, XtT = _gradient(problem, state, active_features)
        else:
            outside = active.copy()
            outside[checked] = False
            outside = np.flatnonzero(outside)
            loss, P, _, XtT = _gradient(problem, state, outside, known)
            known = None
        # the features in the problem: a slice while none is screened out
        cols = active_features if active_features.size < n_features else slice(None)
        gap, primal, XtTd = duality_gap(problem, W, loss, P, XtT, l1, l2, cols)
        if screening and gap > tolerance:
            if norms is None:
                norms = column_norms(problem)
            dropped = screen(problem, gap, primal, XtTd, norms[cols], l1[cols])
            if np.any(dropped):
                dropped = np.arange(n_features)[cols][dropped]
                active[dropped] = False
                active_features = np.flatnonzero(active)
                cols = active_features
                if np.any(W[:, dropped]):
                    # They are zero at the optimum: put them there now.
                    state.drop(problem, dropped)
                    continue
        if verbose:
            print(
                f"[skreg logistic] iter {n_iter:4d}  objective {primal:.10e}  "
                f"gap {gap:.3e}  tolerance {tolerance:.3e}  working set {ws.size}  "
                f"non-zeros {np.count_nonzero(np.any(W != 0, axis=0))}  "
                f"screened {n_features - active_features.size}"
            )
        if gap <= tolerance or n_iter >= max_iter:
            break
        # working set: the support and the largest KKT violators, in cols
        score = np.empty(active_features.size)
        largest, n_support, n_candidates = kkt_violations(
            W, XtT, l1, l2, active_features, score
        )
        ws_size = max(WS_MIN, 2 * n_support, min(WS_GROWTH * ws_size, n_candidates))
        ws_size = min(score.size, ws_size)
        if ws_size < score.size:
            ws = np.argpartition(-score, ws_size - 1)[:ws_size]
            ws = ws[score[ws] > 0]
        else:
            ws = np.flatnonzero(score > 0)
        ws = np.sort(active_features[ws])
        target = WS_REDUCTION * largest
        inner_tol = 0.1 * target
        # the features whose gradient is computed after each Newton step
        cheap = active_features.size <= FULL_GRADIENT_RATIO * ws.size
        checked = active_features if cheap else ws
        while n_iter < max_iter:
            n_iter += 1
            moved = _newton_cycle(problem, state, ws, l1, l2, inner_tol)
            if moved == 0.0 or ws.size == 0:
                break
            gradient = _gradient(problem, state, checked)
            guess = None if anderson is None else anderson.propose(W, b)
            if guess is not None:
                objective = gradient[0] + _penalty(W, l1, l2)
                if _try_extrapolated(problem, state, guess, objective, l1, l2, active):
                    gradient = _gradient(problem, state, checked)
            if checked is not ws:  # back to the gap, with the full gradient
                known = gradient
                break
            ws_largest, _, _ = kkt_violations(
                W, gradient[3], l1, l2, ws, np.empty(ws.size)
            )
            if ws_largest <= target:
                known = gradient
                break
        if ws.size == 0 and not problem.fit_intercept:
            break
    return n_iter, gap, tolerance


def _initial_intercept(problem):
    masses = np.maximum(problem.masses, 1e-300)
    logm = np.log(masses)
    if problem.multinomial:
        return logm - logm.mean()
    return np.array([logm[1] - logm[0]])


def logistic_path(
    X,
    y_encoded,
    *,
    Cs,
    l1_ratio,
    fit_intercept,
    sample_weight,
    penalty_factor,
    tol,
    max_iter,
    coef_init=None,
    multinomial,
    verbose=0,
):
    """Fit L1 / elastic-net logistic regression along a grid of ``C``.

    Each ``C`` starts from the solution at the previous one (warm start).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data, float64 or float32 (kept as is; never modified).
    y_encoded : ndarray of shape (n_samples,)
        Class indices ``0 .. K-1``; for the binary loss, ``1`` is the
        positive class.
    Cs : sequence of float
        Inverse regularization strengths, in the order they are fitted;
        ``np.inf`` means no penalty.
    l1_ratio : float
        Share of the L1 part of the penalty, in ``[0, 1]``.
    fit_intercept : bool
        Whether to fit (unpenalized) intercepts.
    sample_weight : ndarray of shape (n_samples,) or None
        Weights of the samples (class weights already multiplied in).
    penalty_factor : ndarray of shape (n_features,) or None
        Per-feature penalty weights (``0``: unpenalized); ``None`` is all ones.
    tol : float
        Stop when the duality gap is at most ``tol * sum(s) * log(K)``, the
        objective (divided by ``C``) of the all-zero model.
    max_iter : int
        Proximal-Newton steps per ``C``, at most.
    coef_init : ndarray of shape (K_or_1, n_features [+ 1]), default=None
        Starting coefficients (the last column, if present, is the intercept).
    multinomial : bool
        Softmax loss over ``K`` classes (``True``) or binary logistic loss.
    verbose : int, default=0
        Print the objective and gap at each working set.

    Returns
    -------
    coefs : ndarray of shape (n_Cs, K_or_1, n_features)
    intercepts : ndarray of shape (n_Cs, K_or_1)
    n_iters : ndarray of shape (n_Cs,)
        Proximal-Newton steps run for each ``C``.
    """
    problem = make_problem(X, y_encoded, sample_weight, fit_intercept, multinomial)
    n_features = problem.design.n_features
    n_rows = problem.Y.shape[0]
    pf = (
        np.ones(n_features)
        if penalty_factor is None
        else np.asarray(penalty_factor, dtype=np.float64)
    )
    W = np.zeros((n_rows, n_features))
    b = np.zeros(n_rows)
    if coef_init is not None:
        coef_init = np.asarray(coef_init, dtype=np.float64).reshape(n_rows, -1)
        W[:] = coef_init[:, :n_features]
        if fit_intercept and coef_init.shape[1] > n_features:
            b[:] = coef_init[:, n_features]
    elif fit_intercept:
        b[:] = _initial_intercept(problem)
    Cs = np.asarray(Cs, dtype=np.float64)
    coefs = np.zeros((Cs.size, n_rows, n_features))
    intercepts = np.zeros((Cs.size, n_rows))
    n_iters = np.zeros(Cs.size, dtype=np.int32)
    for m, C in enumerate(Cs):
        inv_C = 0.0 if np.isinf(C) else 1.0 / C
        l1 = pf * (l1_ratio * inv_C)
        l2 = pf * ((1.0 - l1_ratio) * inv_C)
        n_iter, gap, tolerance = solve(
            problem, W, b, l1, l2, tol, max_iter, verbose=verbose
        )
        if not gap <= tolerance:
            warnings.warn(
                f"skreg's logistic solver did not converge for C={C!r}: duality "
                f"gap {gap:.3e} > tolerance {tolerance:.3e} (tol={tol!r} times "
                f"the objective of the all-zero model) after max_iter={max_iter} "
                "Newton steps. Increase max_iter, loosen tol or scale the data.",
                ConvergenceWarning,
                stacklevel=3,
            )
        if multinomial and fit_intercept:
            # The softmax is unchanged; scikit-learn's intercepts sum to 0.
            b -= b.mean()
        coefs[m] = W
        intercepts[m] = b
        n_iters[m] = n_iter
    return coefs, intercepts, n_iters
