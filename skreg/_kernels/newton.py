"""Newton steps on a fixed support: the active-set loop of
:func:`skreg.linear_model._support_newton.support_newton_steps`, compiled.

The loop works in the ``|S|``-dimensional space of the support's Hessian
``H`` and gradient ``g`` alone.  Each step factorizes the block of the
coefficients still active.  Written with NumPy and SciPy calls of 5-25 us
each, a step on a 60-feature support cost about 130 us, here about 10 us;
on a 400x100 equicorrelated path, whose crawling alphas take a step every
few dozen sweeps of 3 us, the steps were about half of the path (issue 12).
The factorization is written out (no LAPACK): up to about 300 features it
is faster than SciPy's with its call overhead, at 1000 it takes 1.8x as long.
The kernel is compiled at the first Newton step, not with the solvers
(about 0.8 s): fits that never crawl do not pay for it (issue 13).
"""

import numpy as np

from skreg._numba import inner_kernel, njit

# The ridge added to the block before its factorization, relative to its
# mean diagonal: below rounding for a well-conditioned block; on a singular
# one it turns the solve into a step along the null space (see
# skreg.linear_model._support_newton).
RELATIVE_RIDGE = 1e-12
TINY = np.finfo(np.float64).tiny


@inner_kernel
def newton_steps(hessian, gradient, w, kinked, max_steps, lower, work, active):
    """Up to ``max_steps`` active-set Newton steps; returns the steps taken.

    ``lower`` (float64, ``(s, s)``), ``work`` (float64, ``(3, s)``) and
    ``active`` (intp, ``(s,)``) are work arrays: allocated in NumPy, as each
    allocation here would compile numba's implementation.  ``hessian``
    (float64, ``(s, s)``) is ``X_S'X_S`` plus the ridge of the
    penalty, ``gradient`` and ``w`` (float64, ``(s,)``) the gradient of the
    quadratic and the coefficients, ``kinked`` (bool) marks the coefficients
    whose penalty has a kink at zero.  ``w`` and ``gradient`` are updated in
    place; a coefficient that leaves the support is set to exactly zero.  The
    step is ``-H_A^-1 g_A`` on the active set ``A``, cut where the first
    kinked coefficient reaches zero, or the full step with every
    sign-changing coefficient set to zero (a projected step) when that lowers
    the quadratic more.
    """
    size = w.shape[0]
    direction = work[0]
    delta = work[1]
    leaving = work[2]
    for k in range(size):
        active[k] = k
    n_active = size
    n_steps = 0
    while n_steps < max_steps and n_active > 0:
        if not _newton_direction(hessian, gradient, active, n_active, lower, direction):
            break
        # Stop where the first kinked coefficient reaches zero...
        step = 1.0
        blocking = -1
        for a in range(n_active):
            k = active[a]
            if kinked[k] and w[k] * direction[a] < 0:
                ratio = -w[k] / direction[a]
                if ratio < step:
                    step = ratio
                    blocking = a
        for a in range(n_active):
            delta[a] = step * direction[a]
            leaving[a] = 1.0 if a == blocking else 0.0
        change = _quadratic_change(hessian, gradient, active, n_active, delta)
        if blocking >= 0:
            # ...or take the full step with every coefficient that would
            # change sign set to zero, when that lowers the quadratic more:
            # one step then removes many coefficients.
            for a in range(n_active):
                k = active[a]
                flips = kinked[k] and w[k] * direction[a] < 0
                if flips and direction[a] * direction[a] > w[k] * w[k]:
                    direction[a] = -w[k]
                    leaving[a] = 1.0
                else:
                    leaving[a] = 0.0
            full_change = _quadratic_change(
                hessian, gradient, active, n_active, direction
            )
            if full_change < change:
                change = full_change
                for a in range(n_active):
                    delta[a] = direction[a]
            else:
                for a in range(n_active):
                    leaving[a] = 1.0 if a == blocking else 0.0
        if not change < 0.0:
            break
        for a in range(n_active):
            k = active[a]
            w[k] += delta[a]
            for m in range(size):
                gradient[m] += hessian[m, k] * delta[a]
        n_steps += 1
        if blocking < 0:
            break
        # The coefficients at zero leave the support, their terms with them.
        kept = 0
        for a in range(n_active):
            k = active[a]
            if leaving[a] != 0.0:
                for m in range(size):
                    gradient[m] -= hessian[m, k] * w[k]
                w[k] = 0.0
            else:
                active[kept] = k
                kept += 1
        n_active = kept
    return n_steps


@inner_kernel
def _quadratic_change(hessian, gradient, active, n_active, delta):
    """``g_A'delta + delta'H_AA delta / 2``: the exact change of the quadratic."""
    linear = 0.0
    quadratic = 0.0
    for a in range(n_active):
        k = active[a]
        linear += gradient[k] * delta[a]
        row = 0.0
        for b in range(n_active):
            row += hessian[k, active[b]] * delta[b]
        quadratic += delta[a] * row
    return linear + 0.5 * quadratic


@inner_kernel
def _newton_direction(hessian, gradient, active, n_active, lower, direction):
    """``direction[:n] = -(H_AA + ridge)^-1 g_A`` by Cholesky; False when the
    factorization fails or the direction is not finite."""
    n = n_active
    trace = 0.0
    for a in range(n):
        trace += hessian[active[a], active[a]]
    ridge = RELATIVE_RIDGE * (trace / n if trace / n > TINY else TINY)
    # Row-oriented Cholesky: H_AA = L L', L in the lower triangle of ``lower``.
    for a in range(n):
        ka = active[a]
        for b in range(a + 1):
            total = hessian[ka, active[b]]
            if a == b:
                total += ridge
            for c in range(b):
                total -= lower[a, c] * lower[b, c]
            if a == b:
                if not total > 0.0:
                    return False
                lower[a, a] = np.sqrt(total)
            else:
                lower[a, b] = total / lower[b, b]
    # Solve L z = -g, then L' d = z.
    for a in range(n):
        total = -gradient[active[a]]
        for c in range(a):
            total -= lower[a, c] * direction[c]
        direction[a] = total / lower[a, a]
    for a in range(n - 1, -1, -1):
        total = direction[a]
        for c in range(a + 1, n):
            total -= lower[c, a] * direction[c]
        direction[a] = total / lower[a, a]
    for a in range(n):
        # x - x is NaN for an infinite or NaN x
        if not direction[a] - direction[a] == 0.0:
            return False
    return True


@njit
def gram_newton_steps(
    gram, xty, gram_w, coef, support, factor, l1, l2, positive, max_steps,
    hessian, gradient, w, kinked, new_gram_w, lower, work, active,
):  # fmt: skip
    """:func:`newton_steps` on the support of a complete Gram matrix, from
    the block to the new state in one call; returns the steps taken.

    ``gram``, ``xty`` and ``gram_w`` (``X'X w``) are the covariance mode's
    arrays, ``coef`` the coefficients (updated in place when a step is
    taken), ``support`` their non-zeros and ``factor`` (float64) the penalty
    factors on it.  ``hessian``, ``gradient``, ``w`` (float64) and
    ``kinked`` (bool) receive the quadratic on the support as
    :func:`skreg.linear_model._support_newton.support_newton_steps` builds
    it in NumPy for the other layouts; ``new_gram_w`` receives ``X'X w`` at
    the new coefficients.  A crawling path makes a step every few alphas,
    and the dozen NumPy calls around each cost more than the step on a small
    support (issue 12).
    """
    size = support.shape[0]
    for a in range(size):
        j = support[a]
        value = np.float64(coef[j])
        kinked[a] = factor[a] != 0.0
        sign = 0.0
        if kinked[a]:
            sign = 1.0 if value > 0 else (-1.0 if value < 0 else 0.0)
        w[a] = value
        # X_j'r in the data's precision, as the layouts' ``correlations``.
        correlation = np.float64(xty[j] - gram_w[j])
        gradient[a] = -correlation + factor[a] * (l1 * sign + l2 * value)
        for b in range(size):
            hessian[a, b] = gram[j, support[b]]
        hessian[a, a] += l2 * factor[a]
    n_steps = newton_steps(hessian, gradient, w, kinked, max_steps, lower, work, active)
    if n_steps == 0:
        return 0
    for m in range(new_gram_w.shape[0]):
        new_gram_w[m] = 0
    for a in range(size):
        j = support[a]
        coef[j] = max(w[a], 0.0) if positive else w[a]
        value = coef[j]
        if value != 0:
            for m in range(new_gram_w.shape[0]):
                new_gram_w[m] += value * gram[j, m]
    return n_steps
