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
    ADAM,
    SGD,
    activate,
    activation_derivative,
    adam_step,
    data_loss,
    sgd_step,
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
    n_layers = units.shape[0]
    last = n_layers - 1
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
            for r in range(nb):
                row = rows[r]
                for j in range(n_features):
                    xb[r, j] = X[row, j]
        if use_noise:
            for r in range(nb):
                off = (pos + r) * n_features
                for j in range(n_features):
                    xb[r, j] += noise[off + j]
        if mask_start[0] >= 0:
            for r in range(nb):
                off = mask_start[0] + (pos + r) * n_features
                for j in range(n_features):
                    xb[r, j] *= masks[off + j]
    else:
        xb = x_buf[:0].reshape((0, 0))
    yb = y_buf[: nb * n_out].reshape((nb, n_out))
    sw_sum = zero
    for r in range(nb):
        row = rows[r]
        sw_buf[r] = sw[row]
        sw_sum += sw[row]
        for j in range(n_out):
            yb[r, j] = Y[row, j]

    # forward
    H = n_hidden_units
    prev = xb
    for i in range(last):
        fi = units[i]
        fo = units[i + 1]
        W = params[coef_start[i] : coef_start[i] + fi * fo].reshape((fi, fo))
        b = params[intercept_start[i] : intercept_start[i] + fo]
        a0 = act_start[i + 1]
        Z = acts[a0 : a0 + nb * fo].reshape((nb, fo))
        if i == 0 and not dense_in:
            Z[:, :] = zero
            for r in range(nb):
                row = rows[r]
                for p in range(X_indptr[row], X_indptr[row + 1]):
                    c = X_indices[p]
                    v = X_data[p]
                    for k in range(fo):
                        Z[r, k] += v * W[c, k]
        else:
            np.dot(prev, W, Z)
        for r in range(nb):
            for k in range(fo):
                Z[r, k] += b[k]
        if i + 1 == last:
            activate(Z, out_code)
        else:
            if batch_norm:
                h0 = hid_start[i + 1]
                batch_norm_forward(
                    Z,
                    sw_buf[:nb],
                    sw_sum,
                    params[n_base + h0 : n_base + h0 + fo],
                    params[n_base + H + h0 : n_base + H + h0 + fo],
                    zhat[a0 : a0 + nb * fo].reshape((nb, fo)),
                    bn_std[h0 : h0 + fo],
                    running[h0 : h0 + fo],
                    running[H + h0 : H + h0 + fo],
                    bn_momentum,
                    bn_eps,
                )
            activate(Z, hidden_code)
            if mask_start[i + 1] >= 0:
                Zd = drop_acts[a0 : a0 + nb * fo].reshape((nb, fo))
                for r in range(nb):
                    off = mask_start[i + 1] + (pos + r) * fo
                    for k in range(fo):
                        Zd[r, k] = Z[r, k] * masks[off + k]
                prev = Zd
            else:
                prev = Z

    A_out = acts[act_start[last] : act_start[last] + nb * n_out].reshape((nb, n_out))
    loss = data_loss(yb, A_out, sw_buf[:nb], loss_code, clip_eps)

    l2 = alpha * (dt(1) - l1_ratio)
    sq = zero
    ab = zero
    for j in range(n_coef):
        w = params[j]
        sq += w * w
        ab += abs(w)
    loss += dt(0.5) * l2 * sq / sw_sum + alpha * l1_ratio * ab / sw_sum
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
    D = deltas[act_start[last] : act_start[last] + nb * n_out].reshape((nb, n_out))
    for r in range(nb):
        for j in range(n_out):
            D[r, j] = (A_out[r, j] - yb[r, j]) * sw_buf[r]

    for layer in range(last, 0, -1):
        fi = units[layer - 1]
        fo = units[layer]
        D = deltas[act_start[layer] : act_start[layer] + nb * fo].reshape((nb, fo))
        W = params[coef_start[layer - 1] : coef_start[layer - 1] + fi * fo].reshape(
            (fi, fo)
        )
        G = grad[coef_start[layer - 1] : coef_start[layer - 1] + fi * fo].reshape(
            (fi, fo)
        )
        if layer == 1 and not dense_in:
            G[:, :] = zero
            for r in range(nb):
                row = rows[r]
                for p in range(X_indptr[row], X_indptr[row + 1]):
                    c = X_indices[p]
                    v = X_data[p]
                    for k in range(fo):
                        G[c, k] += v * D[r, k]
        else:
            if layer == 1:
                A_prev = xb
            else:
                p0 = act_start[layer - 1]
                if mask_start[layer - 1] >= 0:
                    A_prev = drop_acts[p0 : p0 + nb * fi].reshape((nb, fi))
                else:
                    A_prev = acts[p0 : p0 + nb * fi].reshape((nb, fi))
            np.dot(A_prev.T, D, G)
        for a in range(fi):
            for k in range(fo):
                G[a, k] = (G[a, k] + l2 * W[a, k]) / sw_sum
        gb = grad[intercept_start[layer - 1] : intercept_start[layer - 1] + fo]
        for k in range(fo):
            gb[k] = zero
        for r in range(nb):
            for k in range(fo):
                gb[k] += D[r, k]
        for k in range(fo):
            gb[k] /= sw_sum
        if layer > 1:
            p0 = act_start[layer - 1]
            A_prev = acts[p0 : p0 + nb * fi].reshape((nb, fi))
            D_prev = deltas[p0 : p0 + nb * fi].reshape((nb, fi))
            np.dot(D, W.T, D_prev)
            if mask_start[layer - 1] >= 0:
                for r in range(nb):
                    off = mask_start[layer - 1] + (pos + r) * fi
                    for k in range(fi):
                        D_prev[r, k] *= masks[off + k]
            activation_derivative(A_prev, D_prev, hidden_code)
            if batch_norm:
                h0 = hid_start[layer - 1]
                batch_norm_backward(
                    D_prev,
                    sw_buf[:nb],
                    zhat[p0 : p0 + nb * fi].reshape((nb, fi)),
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
    n_base,
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
    solver,
    lr,
    momentum,
    nesterov,
    beta_1,
    beta_2,
    rho,
    epsilon,
    weight_decay,
    t,
):
    """One epoch of SGD, Adam or RMSprop with the regularization toolkit.

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
        l1_scale = alpha * l1_ratio / sw_sum
        if weight_decay > zero:
            shrink = one - lr * weight_decay
            for j in range(n_coef):
                params[j] *= shrink
        group_scale = group_alpha / sw_sum
        if solver == SGD:
            sgd_step(
                params, grad, state_1, n_coef, lr, momentum, nesterov, lr * l1_scale
            )
            if group_alpha > zero:
                group_prox_rows(
                    params, n_rows0, n_cols0, lr * group_scale, state_1, False, epsilon
                )
        elif solver == ADAM:
            t += 1
            root = np.sqrt(1.0 - float(beta_2) ** t)
            lr_t = dt(lr * root / (1.0 - float(beta_1) ** t))
            prox_lr = dt(lr * root)
            adam_step(
                params,
                grad,
                state_1,
                state_2,
                n_coef,
                lr_t,
                prox_lr,
                beta_1,
                beta_2,
                epsilon,
                l1_scale,
            )
            if group_alpha > zero:
                group_prox_rows(
                    params,
                    n_rows0,
                    n_cols0,
                    prox_lr * group_scale,
                    state_2,
                    True,
                    epsilon,
                )
        else:
            t += 1
            rmsprop_step(params, grad, state_2, n_coef, lr, rho, epsilon, l1_scale)
            if group_alpha > zero:
                group_prox_rows(
                    params, n_rows0, n_cols0, lr * group_scale, state_2, True, epsilon
                )
        n_done += 1
        start = stop
    return loss_sum, t, n_done


__all__ = [
    "RMSPROP",
    "batch_norm_backward",
    "batch_norm_forward",
    "group_prox_rows",
    "loss_grad_reg",
    "rmsprop_step",
    "run_epoch_reg",
]
