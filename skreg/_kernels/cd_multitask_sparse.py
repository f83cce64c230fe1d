"""Block coordinate descent for the multi-task elastic net on sparse ``X``.

The sparse counterpart of :mod:`skreg._kernels.cd_multitask`: ``X`` (CSC) is
never densified and is centered implicitly by ``x_mean``, with sample weights
``sw``, as scikit-learn's ``enet_coordinate_descent_multi_task`` does for
sparse input.  The residual of the centered problem is kept as
``raw[i, t] + shift[t]`` so a coordinate update touches only the stored
entries of its column::

    R = Y - (X - 1 x_mean') W = raw + 1 shift',   raw = Y - X W,
    shift = x_mean' W,   r_wsum[t] = sum_i sw[i] raw[i, t].
"""

import numpy as np

from skreg._numba import njit


@njit
def cd_sweep_multitask_sparse(
    data,
    indices,
    indptr,
    sw,
    x_mean,
    col_wsum,
    total_weight,
    col_norms2,
    raw,
    shift,
    r_wsum,
    W,
    l1,
    l2,
    order,
):
    """One block-CD sweep over ``order``; state and ``W`` updated in place.

    Returns ``(max ||delta W_j||_inf, max ||W_j||_inf)`` over visited features.
    """
    n_tasks = W.shape[1]
    zero = l1 - l1
    correlation = np.empty(n_tasks, dtype=W.dtype)
    max_delta = zero
    max_abs_w = zero
    for k in range(order.shape[0]):
        j = order[k]
        if col_norms2[j] == 0.0:
            continue
        norm = zero
        for t in range(n_tasks):
            acc = zero
            for p in range(indptr[j], indptr[j + 1]):
                i = indices[p]
                acc += sw[i] * data[p] * (raw[i, t] + shift[t])
            # minus x_mean[j] * sum_i sw[i] R[i, t]: the implicit centering
            acc -= x_mean[j] * (r_wsum[t] + shift[t] * total_weight)
            correlation[t] = acc + col_norms2[j] * W[j, t]
            norm += correlation[t] * correlation[t]
        norm = np.sqrt(norm)
        factor = zero
        if norm > l1:
            factor = (1 - l1 / norm) / (col_norms2[j] + l2)
        for t in range(n_tasks):
            new_w = factor * correlation[t]
            step = new_w - W[j, t]
            if step != 0.0:
                for p in range(indptr[j], indptr[j + 1]):
                    raw[indices[p], t] -= step * data[p]
                shift[t] += x_mean[j] * step
                r_wsum[t] -= step * col_wsum[j]
                W[j, t] = new_w
            max_delta = max(max_delta, abs(step))
            max_abs_w = max(max_abs_w, abs(new_w))
    return max_delta, max_abs_w
