"""Block coordinate descent for the multi-task elastic net (2-D ``y``).

Minimizes ``1/2 ||Y - X W'||_F^2 + l1 sum_j ||W[:, j]||_2 + l2/2 ||W||_F^2``,
the problem scikit-learn's ``enet_path`` solves when ``y`` has several columns:
a feature is selected or dropped for all tasks at once.
"""

import numpy as np

from skreg._numba import njit


@njit
def cd_sweep_multitask_dense(X, residual, W, col_norms2, l1, l2, order):
    """One block-CD sweep; ``residual = Y - X W`` (n, t) and ``W`` (p, t) in place.

    Returns ``(max ||delta W_j||_inf, max ||W_j||_inf)`` over visited features.
    """
    n_samples, n_tasks = residual.shape
    zero = l1 - l1
    correlation = np.empty(n_tasks, dtype=residual.dtype)
    max_delta = zero
    max_abs_w = zero
    for k in range(order.shape[0]):
        j = order[k]
        if col_norms2[j] == 0.0:
            continue
        norm = zero
        for t in range(n_tasks):
            acc = zero
            for i in range(n_samples):
                acc += X[i, j] * residual[i, t]
            correlation[t] = acc + col_norms2[j] * W[j, t]
            norm += correlation[t] * correlation[t]
        norm = np.sqrt(norm)
        factor = zero
        if norm > l1:
            factor = (1 - l1 / norm) / (col_norms2[j] + l2)
        for t in range(n_tasks):
            new_w = factor * correlation[t]
            step = W[j, t] - new_w
            if step != 0.0:
                for i in range(n_samples):
                    residual[i, t] += step * X[i, j]
                W[j, t] = new_w
            max_delta = max(max_delta, abs(step))
            max_abs_w = max(max_abs_w, abs(new_w))
    return max_delta, max_abs_w


@njit
def multitask_gap_dense(X, Y, residual, W, l1, l2):
    """Duality gap of the multi-task elastic net (formulation A; B for ridge)."""
    n_samples, n_tasks = residual.shape
    n_features = X.shape[1]
    zero = l1 - l1
    r_norm2 = zero
    r_dot_y = zero
    for t in range(n_tasks):
        for i in range(n_samples):
            r_norm2 += residual[i, t] * residual[i, t]
            r_dot_y += residual[i, t] * Y[i, t]
    w_norm2 = zero
    w_l21 = zero
    dual_norm = zero
    grad_norm2 = zero
    for j in range(n_features):
        row_norm2 = zero
        xtr_norm2 = zero
        for t in range(n_tasks):
            acc = zero
            for i in range(n_samples):
                acc += X[i, j] * residual[i, t]
            grad_norm2 += acc * acc
            value = acc - l2 * W[j, t] if l1 > 0 else acc
            xtr_norm2 += value * value
            row_norm2 += W[j, t] * W[j, t]
        w_norm2 += row_norm2
        w_l21 += np.sqrt(row_norm2)
        dual_norm = max(dual_norm, np.sqrt(xtr_norm2))
    if l1 == 0:
        if l2 == 0:
            return grad_norm2
        return r_norm2 + 0.5 * l2 * w_norm2 - r_dot_y + grad_norm2 / (2 * l2)
    scale = l1 / dual_norm if dual_norm > l1 else zero + 1
    quadratic = r_norm2 + l2 * w_norm2
    primal = 0.5 * quadratic + l1 * w_l21
    return primal - (-0.5 * scale * scale * quadratic + scale * r_dot_y)
