"""Numba kernels of the MLP regularization toolkit (a separate epoch kernel).

:func:`run_epoch_reg` is the epoch of the stochastic solvers when any of the
regularizers beyond scikit-learn's is on: dropout (hidden and input), batch
normalization, Gaussian input noise, decoupled weight decay, the RMSprop
solver and the group-lasso penalty on the first layer's rows.  The default
path keeps :func:`skreg._kernels.mlp.run_epoch`, so these options cost the
default fits nothing, neither per epoch nor in compile time (numba compiles
this module's kernels only when they are first called).

Layout extensions of the flat parameter vector (see :mod:`skreg._kernels.mlp`):
with batch normalization, ``params[n_base:]`` holds the scales of every
hidden unit (``H`` of them, hidden layer ``l`` starting at ``hid_start[l]``)
and then the shifts; ``running`` holds the running means then the running
variances in the same order.  Optimizers update the whole vector; penalties
and weight decay touch only ``params[:n_coef]``.

Randomness is drawn in NumPy by the driver and passed in: ``masks`` holds the
inverted-dropout multipliers (0 or ``1 / (1 - p)``) of every row position of
the epoch for each layer with a rate (layer ``l``'s block at ``mask_start[l]``,
``-1`` when the layer has no dropout; layer 0 is the input), ``noise`` the
Gaussian input noise of every row position.
"""

import numpy as np

from skreg._kernels.mlp import (
    SGD,
    activate,
    activation_derivative,
    add_intercept,
    data_loss,
    finish_layer_grad,
    gather_rows,
    gather_targets,
    layer_block,
    layer_params,
    optimizer_step,
    output_delta,
    penalty,
    sparse_rows_dot,
    sparse_rows_grad,
)
from skreg._numba import njit

RMSPROP = 2


@njit(error_model="numpy")
def rmsprop_step(params, grad, v, n_coef, lr, rho, epsilon, l1_scale):
    """RMSprop step, then the per-coordinate L1 prox of the weights.

    ``v <- rho * v + (1 - rho) * g**2``; ``w <- w - lr * g / (sqrt(v) + eps)``.
    The soft-threshold of weight ``j`` is ``lr * l1_scale / (sqrt(v_j) + eps)``,
    the proximal step in the optimizer's metric.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp_reg import rmsprop_step
    >>> p = np.array([1.0]); v = np.zeros(1)
    >>> rmsprop_step(p, np.array([2.0]), v, 1, 0.1, 0.0, 0.0, 0.0)
    >>> p, v
    (array([0.9]), array([4.]))
    """
    one = params.dtype.type(1)
    zero = params.dtype.type(0)
    for j in range(params.shape[0]):
        g = grad[j]
        vj = rho * v[j] + (one - rho) * (g * g)
        v[j] = vj
        denom = np.sqrt(vj) + epsilon
        w = params[j] - lr * g / denom
        if j < n_coef and l1_scale > zero:
            thr = lr * l1_scale / denom
            w = w - min(max(w, -thr), thr)
        params[j] = w


@njit(error_model="numpy")
def group_prox_rows(params, n_rows, n_cols, step, v, use_v, epsilon):
    """Block soft-threshold of the rows of the first weight matrix.

    Row ``j`` (``params[j * n_cols:(j + 1) * n_cols]``) is scaled by
    ``max(0, 1 - thr_j / ||w_j||)``, so a whole row (input feature) becomes
    exactly zero when its norm is below ``thr``.  ``thr = step`` for SGD;
    with Adam and RMSprop (``use_v``) ``thr = step / (sqrt(mean(v)) +
    epsilon)``, the mean over the whole first layer: one scalar metric for
    every group, so that whether a row survives depends on its norm only
    (a per-row metric inflates the threshold of rows whose gradients vanish,
    the converged informative ones).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp_reg import group_prox_rows
    >>> p = np.array([3.0, 4.0, 0.1, 0.1, 7.0])
    >>> group_prox_rows(p, 2, 2, 1.0, p, False, 1e-8)
    >>> p
    array([2.4, 3.2, 0. , 0. , 7. ])
    """
    zero = params.dtype.type(0)
    one = params.dtype.type(1)
    thr = step
    if use_v:
        vs = zero
        for j in range(n_rows * n_cols):
            vs += v[j]
        thr = step / (np.sqrt(vs / (n_rows * n_cols)) + epsilon)
    for j in range(n_rows):
        base = j * n_cols
        sq = zero
        for k in range(n_cols):
            w = params[base + k]
            sq += w * w
        norm = np.sqrt(sq)
        scale = zero
        if norm > thr:
            scale = one - thr / norm
        for k in range(n_cols):
            params[base + k] *= scale


@njit(error_model="numpy")
def batch_norm_forward(
    Z, sw, sw_sum, scale, shift, zhat, std, run_mean, run_var, momentum, eps
):
    """Normalize the columns of ``Z`` in place with the batch's statistics.

    ``zhat = (Z - mean) / sqrt(var + eps)`` with the ``sw``-weighted mean and
    (biased) variance over the rows, so that a row of weight 2 counts as two
    rows, as everywhere else in skreg; ``Z <- scale * zhat + shift``.
    ``zhat`` and ``std`` are kept for the backward pass.  The running
    statistics move towards the batch's: ``run <- momentum * run + (1 -
    momentum) * batch`` (Keras's convention), with the unbiased variance
    ``var * S / (S - 1)``, ``S = sw_sum``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp_reg import batch_norm_forward
    >>> Z = np.array([[1.0], [3.0]]); zh = np.zeros((2, 1)); sd = np.zeros(1)
    >>> rm = np.zeros(1); rv = np.ones(1)
    >>> batch_norm_forward(Z, np.ones(2), 2.0, np.ones(1), np.zeros(1), zh, sd,
    ...                    rm, rv, 0.0, 0.0)
    >>> Z.ravel(), rm, rv
    (array([-1.,  1.]), array([2.]), array([2.]))
    """
    nb, m = Z.shape
    dt = Z.dtype.type
    one = dt(1)
    for k in range(m):
        mu = dt(0)
        for r in range(nb):
            mu += sw[r] * Z[r, k]
        mu /= sw_sum
        var = dt(0)
        for r in range(nb):
            d = Z[r, k] - mu
            var += sw[r] * (d * d)
        var /= sw_sum
        sd = np.sqrt(var + eps)
        std[k] = sd
        for r in range(nb):
            zh = (Z[r, k] - mu) / sd
            zhat[r, k] = zh
            Z[r, k] = scale[k] * zh + shift[k]
        unbiased = var * sw_sum / (sw_sum - one) if sw_sum > one else var
        run_mean[k] = momentum * run_mean[k] + (one - momentum) * mu
        run_var[k] = momentum * run_var[k] + (one - momentum) * unbiased


@njit(error_model="numpy")
def batch_norm_backward(D, sw, zhat, std, scale, g_scale, g_shift, sw_sum):
    """Back-propagate ``D`` (gradient w.r.t. the normalized output) in place.

    Writes the gradients of the scale and shift (divided by ``sw_sum`` as
    every gradient of the loss) and replaces ``D`` by the gradient w.r.t. the
    pre-normalization input:
    ``scale / std * (D - sw * (sum(D) + zhat * sum(D * zhat)) / sw_sum)``
    (the weighted statistics make a row's weight enter through ``sw``; with
    unit weights this is the textbook ``D - mean(D) - zhat * mean(D * zhat)``).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp_reg import batch_norm_backward
    >>> D = np.array([[1.0], [1.0]]); zh = np.array([[-1.0], [1.0]])
    >>> gs = np.zeros(1); gb = np.zeros(1)
    >>> batch_norm_backward(D, np.ones(2), zh, np.ones(1), np.ones(1), gs, gb, 2.0)
    >>> D.ravel(), gs, gb
    (array([0., 0.]), array([0.]), array([1.]))
    """
    nb, m = D.shape
    dt = D.dtype.type
    for k in range(m):
        s1 = dt(0)
        s2 = dt(0)
        for r in range(nb):
            d = D[r, k]
            s1 += d
            s2 += d * zhat[r, k]
        g_scale[k] = s2 / sw_sum
        g_shift[k] = s1 / sw_sum
        c = scale[k] / std[k]
        for r in range(nb):
            D[r, k] = c * (D[r, k] - sw[r] * (g_shift[k] + zhat[r, k] * g_scale[k]))


@njit(error_model="numpy")
def apply_mask(src, dst, masks, start):
    """``dst = src * mask`` with the mask block of ``src``'s shape at ``start``.

    ``src`` and ``dst`` may be the same array (masking in place).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp_reg import apply_mask
    >>> Z = np.ones((1, 2))
    >>> apply_mask(Z, Z, np.array([9.0, 0.0, 2.0]), 1)
    >>> Z
    array([[0., 2.]])
    """
    n, m = src.shape
    for r in range(n):
        off = start + r * m
        for k in range(m):
            dst[r, k] = src[r, k] * masks[off + k]


@njit(error_model="numpy")
def loss_grad_reg(
    params,
    grad,
    units,
    coef_start,
    intercept_start,
    n_coef,
    n_base,
    X,
    X_data,
    X_indices,
    X_indptr,
    is_sparse,
    Y,
    sw,
    rows,
    pos,
    x_buf,
    y_buf,
    sw_buf,
    acts,
    drop_acts,
    zhat,
    deltas,
    act_start,
    hidden_code,
    out_code,
    loss_code,
    alpha,
    l1_ratio,
    group_alpha,
    clip_eps,
    masks,
    mask_start,
    noise,
    use_noise,
    batch_norm,
    hid_start,
    n_hidden_units,
    running,
    bn_std,
    bn_momentum,
    bn_eps,
):
    """Penalized loss of the rows ``rows`` and its gradient, with regularizers.

    As :func:`skreg._kernels.mlp.loss_grad`, plus (each only when asked for)
    input noise and dropout masks of the epoch positions ``pos .. pos + n_b``,
    batch normalization of the hidden pre-activations (running statistics
    updated) and the group-lasso term ``group_alpha / n_b * sum_j ||W1[j]||``
    in the returned loss (its proximal step is the optimizer's).

    Returns
    -------
    loss : float
    n_b : float
        Sum of the sample weights of the rows.
    """
    last = units.shape[0] - 1
    nb = rows.shape[0]
    n_features = units[0]
    n_out = units[last]
    dt = params.dtype.type
    zero = dt(0)
    dense_in = (not is_sparse) or use_noise or mask_start[0] >= 0

    # gather the batch; sparse rows are densified only when the input itself
    # is perturbed (noise or input dropout)
    if dense_in:
        xb = x_buf[: nb * n_features].reshape((nb, n_features))
        if is_sparse:
            xb[:, :] = zero
            for r in range(nb):
                row = rows[r]
                for p in range(X_indptr[row], X_indptr[row + 1]):
                    xb[r, X_indices[p]] = X_data[p]
        else:
            gather_rows(X, rows, xb)
        if use_noise:
            for r in range(nb):
                off = (pos + r) * n_features
                for j in range(n_features):
                    xb[r, j] += noise[off + j]
        if mask_start[0] >= 0:
            apply_mask(xb, xb, masks, mask_start[0] + pos * n_features)
    else:
        xb = x_buf[:0].reshape((0, 0))
    yb = y_buf[: nb * n_out].reshape((nb, n_out))
    sw_b = sw_buf[:nb]
    sw_sum = gather_targets(Y, sw, rows, yb, sw_b)

    # forward
    H = n_hidden_units
    prev = xb
    for i in range(last):
        fo = units[i + 1]
        W, b = layer_params(params, units, coef_start, intercept_start, i)
        Z = layer_block(acts, act_start, i + 1, nb, fo)
        if i == 0 and not dense_in:
            sparse_rows_dot(Z, W, rows, X_data, X_indices, X_indptr)
        else:
            np.dot(prev, W, Z)
        add_intercept(Z, b)
        if i + 1 == last:
            activate(Z, out_code)
            continue
        if batch_norm:
            h0 = hid_start[i + 1]
            batch_norm_forward(
                Z,
                sw_b,
                sw_sum,
                params[n_base + h0 : n_base + h0 + fo],
                params[n_base + H + h0 : n_base + H + h0 + fo],
                layer_block(zhat, act_start, i + 1, nb, fo),
                bn_std[h0 : h0 + fo],
                running[h0 : h0 + fo],
                running[H + h0 : H + h0 + fo],
                bn_momentum,
                bn_eps,
            )
        activate(Z, hidden_code)
        prev = Z
        if mask_start[i + 1] >= 0:
            prev = layer_block(drop_acts, act_start, i + 1, nb, fo)
            apply_mask(Z, prev, masks, mask_start[i + 1] + pos * fo)

    A_out = layer_block(acts, act_start, last, nb, n_out)
    loss = data_loss(yb, A_out, sw_b, loss_code, clip_eps)
    loss += penalty(params, n_coef, alpha, l1_ratio, sw_sum)
    if group_alpha > zero:
        fo0 = units[1]
        gl = zero
        for j in range(n_features):
            s = zero
            for k in range(fo0):
                w = params[j * fo0 + k]
                s += w * w
            gl += np.sqrt(s)
        loss += group_alpha * gl / sw_sum

    # backward
    output_delta(A_out, yb, sw_b, layer_block(deltas, act_start, last, nb, n_out))
    l2 = alpha * (dt(1) - l1_ratio)
    for layer in range(last, 0, -1):
        fi = units[layer - 1]
        D = layer_block(deltas, act_start, layer, nb, units[layer])
        W, _ = layer_params(params, units, coef_start, intercept_start, layer - 1)
        G, gb = layer_params(grad, units, coef_start, intercept_start, layer - 1)
        dropped = mask_start[layer - 1] >= 0
        if layer > 1:
            A_in = drop_acts if dropped else acts
            np.dot(layer_block(A_in, act_start, layer - 1, nb, fi).T, D, G)
        elif dense_in:
            np.dot(xb.T, D, G)
        else:
            sparse_rows_grad(G, D, rows, X_data, X_indices, X_indptr)
        finish_layer_grad(G, gb, W, D, l2, sw_sum)
        if layer == 1:
            continue
        A_prev = layer_block(acts, act_start, layer - 1, nb, fi)
        D_prev = layer_block(deltas, act_start, layer - 1, nb, fi)
        np.dot(D, W.T, D_prev)
        if dropped:
            apply_mask(D_prev, D_prev, masks, mask_start[layer - 1] + pos * fi)
        activation_derivative(A_prev, D_prev, hidden_code)
        if batch_norm:
            h0 = hid_start[layer - 1]
            batch_norm_backward(
                D_prev,
                sw_b,
                layer_block(zhat, act_start, layer - 1, nb, fi),
                bn_std[h0 : h0 + fi],
                params[n_base + h0 : n_base + h0 + fi],
                grad[n_base + h0 : n_base + h0 + fi],
                grad[n_base + H + h0 : n_base + H + h0 + fi],
                sw_sum,
            )
    return loss, sw_sum


@njit(error_model="numpy")
def run_epoch_reg(
    params,
    grad,
    state_1,
    state_2,
    units,
    coef_start,
    intercept_start,
    n_coef,
    X,
    X_data,
    X_indices,
    X_indptr,
    is_sparse,
    Y,
    sw,
    order,
    batch_size,
    x_buf,
    y_buf,
    sw_buf,
    acts,
    deltas,
    act_start,
    hidden_code,
    out_code,
    loss_code,
    alpha,
    l1_ratio,
    clip_eps,
    solver,
    lr,
    momentum,
    nesterov,
    beta_1,
    beta_2,
    epsilon,
    t,
    n_base,
    drop_acts,
    zhat,
    group_alpha,
    masks,
    mask_start,
    noise,
    use_noise,
    batch_norm,
    hid_start,
    n_hidden_units,
    running,
    bn_std,
    bn_momentum,
    bn_eps,
    rho,
    weight_decay,
):
    """One epoch of SGD, Adam or RMSprop with the regularization toolkit.

    The arguments are those of :func:`skreg._kernels.mlp.run_epoch`, in the
    same order, followed by the regularizers' (as :func:`loss_grad_reg` takes
    them) and RMSprop's ``rho`` and the decoupled ``weight_decay``.

    Per batch: :func:`loss_grad_reg`; decoupled weight decay
    ``W <- (1 - lr * weight_decay) * W`` (before the step, as PyTorch's
    ``AdamW`` takes it, with the un-corrected learning rate); the optimizer
    step with the L1 prox; then the group-lasso prox of the first layer's
    rows.  Stops before updating when a batch loss is not finite.

    Returns
    -------
    loss_sum : float
        Sum over batches of ``batch_loss * rows_in_batch``.
    t : int
        Adam's step count after the epoch.
    n_done : int
        Number of batches completed.
    """
    n = order.shape[0]
    dt = params.dtype.type
    one = dt(1)
    zero = dt(0)
    loss_sum = 0.0
    n_done = 0
    start = 0
    n_rows0 = units[0]
    n_cols0 = units[1]
    while start < n:
        stop = min(start + batch_size, n)
        rows = order[start:stop]
        loss, sw_sum = loss_grad_reg(
            params,
            grad,
            units,
            coef_start,
            intercept_start,
            n_coef,
            n_base,
            X,
            X_data,
            X_indices,
            X_indptr,
            is_sparse,
            Y,
            sw,
            rows,
            start,
            x_buf,
            y_buf,
            sw_buf,
            acts,
            drop_acts,
            zhat,
            deltas,
            act_start,
            hidden_code,
            out_code,
            loss_code,
            alpha,
            l1_ratio,
            group_alpha,
            clip_eps,
            masks,
            mask_start,
            noise,
            use_noise,
            batch_norm,
            hid_start,
            n_hidden_units,
            running,
            bn_std,
            bn_momentum,
            bn_eps,
        )
        if not np.isfinite(loss):
            return float(loss), t, n_done
        loss_sum += float(loss) * (stop - start)
        if weight_decay > zero:
            shrink = one - lr * weight_decay
            for j in range(n_coef):
                params[j] *= shrink
        if solver == RMSPROP:
            t += 1
            l1_scale = alpha * l1_ratio / sw_sum
            rmsprop_step(params, grad, state_2, n_coef, lr, rho, epsilon, l1_scale)
            prox_lr = lr
        else:
            t, prox_lr = optimizer_step(
                params,
                grad,
                state_1,
                state_2,
                n_coef,
                solver,
                lr,
                momentum,
                nesterov,
                beta_1,
                beta_2,
                epsilon,
                alpha,
                l1_ratio,
                sw_sum,
                t,
            )
        if group_alpha > zero:
            # SGD's metric is the identity; Adam's and RMSprop's come from v
            group_prox_rows(
                params,
                n_rows0,
                n_cols0,
                prox_lr * (group_alpha / sw_sum),
                state_2,
                solver != SGD,
                epsilon,
            )
        n_done += 1
        start = stop
    return loss_sum, t, n_done


__all__ = [
    "RMSPROP",
    "apply_mask",
    "batch_norm_backward",
    "batch_norm_forward",
    "group_prox_rows",
    "loss_grad_reg",
    "rmsprop_step",
    "run_epoch_reg",
]
