"""The MLP engine's NumPy versions, which a first fit runs in the interpreter.

:func:`skreg._kernels.mlp.run_epoch` compiles the engine for each
specialization it meets (3-5 s with an empty cache; issue 13).  A fit that
has not paid for that yet runs the engine's epoch as Python instead
(:func:`skreg._numba.interpreted_throughout`), with these versions of its
kernels: each batch is some twenty NumPy calls, the matrix products the same
BLAS calls as the engine's.  They follow scikit-learn's order of operations
as the engine does, so results agree with the compiled engine's to rounding
(the sums of the loss run in NumPy's order).  :func:`batches_numpy` is
the engine's loop with every option of the toolkit, on dense and CSR input;
a CSR batch is a row slice of a scipy matrix over the engine's arrays.
"""

import numpy as np
import scipy.sparse as sp

from skreg._kernels import mlp
from skreg._kernels.mlp_types import (
    BINARY_LOG_LOSS,
    EXP,
    LOGISTIC,
    POISSON,
    RELU,
    SOFTMAX,
    SQUARED,
    TANH,
    code_of,
)
from skreg._numba import numpy_version_of


@numpy_version_of(mlp.activate)
def activate_numpy(Z, code):
    code = code_of(code)
    if code == RELU:
        # keeps NaN, as the kernel's select
        Z[Z < 0] = 0
    elif code == LOGISTIC:
        one = Z.dtype.type(1)
        Z[...] = one / (one + np.exp(-Z))
    elif code == TANH:
        np.tanh(Z, out=Z)
    elif code == SOFTMAX:
        Z -= Z.max(axis=1, keepdims=True)
        np.exp(Z, out=Z)
        Z /= Z.sum(axis=1, keepdims=True)
    elif code == EXP:
        np.exp(Z, out=Z)


@numpy_version_of(mlp.activation_derivative)
def activation_derivative_numpy(A, D, code):
    code = code_of(code)
    if code == RELU:
        D[A == 0] = 0
    elif code == LOGISTIC:
        D *= A * (A.dtype.type(1) - A)
    elif code == TANH:
        D *= A.dtype.type(1) - A * A


def _xlogy(x, y):
    """``x * log(y)``, 0 where ``x == 0`` (the kernel's ``_xlogy``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, x * 0, x * np.log(y))


@numpy_version_of(mlp.data_loss)
def data_loss_numpy(Y, P, sw, loss_code, clip_eps):
    code = code_of(loss_code)
    one = P.dtype.type(1)
    if code == SQUARED:
        terms = (Y - P) * (Y - P)
    elif code == POISSON:
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = _xlogy(Y, Y / P) - Y + P
    else:
        P = np.clip(P, clip_eps, one - clip_eps)
        terms = -_xlogy(Y, P)
        if code == BINARY_LOG_LOSS:
            terms -= _xlogy(one - Y, one - P)
    total = (sw * terms.sum(axis=1)).sum() / sw.sum()
    if code == SQUARED:
        total *= P.dtype.type(0.5) / Y.shape[1]
    return P.dtype.type(total)


@numpy_version_of(mlp.sgd_step)
def sgd_step_numpy(params, grad, velocity, n_coef, lr, momentum, nesterov, threshold):
    velocity *= momentum
    velocity -= lr * grad
    if nesterov:
        params += momentum * velocity - lr * grad
    else:
        params += velocity
    if threshold > 0:
        _soft_threshold(params[:n_coef], threshold)


def _soft_threshold(w, threshold):
    """``w - clip(w, -threshold, threshold)`` in place, as the kernels take it."""
    w -= np.clip(w, -threshold, threshold)


def _moments(m, v, grad, beta_1, beta_2):
    """Adam's moments updated in place, as scikit-learn computes them."""
    one = grad.dtype.type(1)
    if m is not None:
        m[...] = beta_1 * m + (one - beta_1) * grad
    v[...] = beta_2 * v + (one - beta_2) * (grad * grad)


def _step_in_metric(params, numerator, denom, n_coef, threshold):
    """``params -= numerator / denom``, then the weights' soft-threshold at
    ``threshold / denom`` (none for 0): an adaptive optimizer's step and the
    L1 prox in its metric."""
    params -= numerator / denom
    if threshold > 0:
        _soft_threshold(params[:n_coef], threshold / denom[:n_coef])


@numpy_version_of(mlp.adam_step)
def adam_step_numpy(
    params, grad, m, v, n_coef, lr_t, prox_lr, beta_1, beta_2, epsilon, l1_scale
):
    _moments(m, v, grad, beta_1, beta_2)
    denom = np.sqrt(v) + epsilon
    _step_in_metric(params, lr_t * m, denom, n_coef, prox_lr * l1_scale)


@numpy_version_of(mlp.rmsprop_step)
def rmsprop_step_numpy(params, grad, v, n_coef, lr, rho, epsilon, l1_scale):
    _moments(None, v, grad, None, rho)
    denom = np.sqrt(v) + epsilon
    _step_in_metric(params, lr * grad, denom, n_coef, lr * l1_scale)


@numpy_version_of(mlp.group_prox_rows)
def group_prox_rows_numpy(params, n_rows, n_cols, step, v, use_v, epsilon):
    one, zero = params.dtype.type(1), params.dtype.type(0)
    size = n_rows * n_cols
    thr = step
    if use_v:
        thr = step / (np.sqrt(v[:size].sum() / size) + epsilon)
    W = params[:size].reshape(n_rows, n_cols)
    norm = np.sqrt((W * W).sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(norm > thr, one - thr / norm, zero)
    W *= scale[:, None]


def _block(flat, start, shape):
    """The C block of ``shape`` at ``flat[start]``."""
    return flat[start : start + int(np.prod(shape))].reshape(shape)


def _perturbed_input(xb, perturb, pos):
    """Input noise and input dropout of the batch at epoch position ``pos``,
    in place, as the engine applies them."""
    nb, n_features = xb.shape
    if perturb.use_noise:
        xb += _block(perturb.noise, pos * n_features, (nb, n_features))
    if perturb.mask_start[0] >= 0:
        xb *= _block(perturb.masks, perturb.mask_start[0] + pos * n_features, xb.shape)


def _normalize(Z, i, params, bn, sw_b, sw_sum):
    """Batch normalization of layer ``i + 1``'s pre-activations ``Z`` (in
    place): returns ``zhat``; sets ``bn.std`` and moves ``bn.running``."""
    one = Z.dtype.type(1)
    fo = Z.shape[1]
    h0, H = bn.hid_start[i + 1], bn.n_hidden
    s0 = bn.n_base + h0
    mu = (sw_b @ Z) / sw_sum
    centred = Z - mu
    var = (sw_b @ (centred * centred)) / sw_sum
    sd = np.sqrt(var + bn.eps)
    bn.std[h0 : h0 + fo] = sd
    zhat = centred / sd
    Z[...] = params[s0 : s0 + fo] * zhat + params[s0 + H : s0 + H + fo]
    unbiased = var * sw_sum / (sw_sum - one) if sw_sum > one else var
    momentum = bn.momentum
    for offset, batch in ((h0, mu), (H + h0, unbiased)):
        block = bn.running[offset : offset + fo]
        block[...] = momentum * block + (one - momentum) * batch
    return zhat


def _normalized_delta(D, zhat, layer, params, grad, bn, sw_b, sw_sum):
    """``D`` back through layer ``layer``'s batch normalization; the
    gradients of its scales and shifts into ``grad``."""
    fi = D.shape[1]
    h0, H = bn.hid_start[layer], bn.n_hidden
    s0 = bn.n_base + h0
    g_scale = (D * zhat).sum(axis=0) / sw_sum
    g_shift = D.sum(axis=0) / sw_sum
    grad[s0 : s0 + fi] = g_scale
    grad[s0 + H : s0 + H + fi] = g_shift
    c = params[s0 : s0 + fi] / bn.std[h0 : h0 + fi]
    return c * (D - sw_b[:, None] * (g_shift + zhat * g_scale))


@numpy_version_of(mlp._batches)
def batches_numpy(
    params, grad, net, X, Xs, Xd, Y, sw, order, batch_size, pos0, work, pen,
    opt, t, group_alpha, bn, perturb,
):  # fmt: skip
    units, coef_start = net.units, net.coef_start
    intercept_start = net.intercept_start
    last = units.shape[0] - 1
    n_features = units[0]
    dt = params.dtype.type
    one, zero = dt(1), dt(0)
    n_coef = net.n_coef
    l2 = pen.alpha * (one - pen.l1_ratio)
    shapes = [(units[i], units[i + 1]) for i in range(last)]
    weights = [_block(params, coef_start[i], shapes[i]) for i in range(last)]
    biases = [_block(params, intercept_start[i], shapes[i][1:]) for i in range(last)]
    weight_grads = [_block(grad, coef_start[i], shapes[i]) for i in range(last)]
    bias_grads = [_block(grad, intercept_start[i], shapes[i][1:]) for i in range(last)]
    csr = Xs if Xs is not None else Xd
    if csr is not None:
        csr = sp.csr_matrix(
            (csr.data, csr.indices, csr.indptr),
            shape=(csr.indptr.shape[0] - 1, n_features),
        )
    n = order.shape[0]
    loss_sum = 0.0
    n_done = 0
    loss = sw_sum = zero
    for start in range(0, n, batch_size):
        rows = order[start : start + batch_size]
        nb = rows.shape[0]
        pos = pos0 + start
        yb, sw_b = Y[rows], sw[rows]
        sw_sum = sw_b.sum(dtype=params.dtype)
        # the input each layer reads (dropped out where masked), its output
        # after the activation, and the normalized pre-activations
        xb = X[rows] if X is not None else csr[rows]
        if Xd is not None:
            xb = xb.toarray()
        if perturb is not None and Xs is None:
            _perturbed_input(xb, perturb, pos)
        inputs, outputs, zhats = [xb], [xb], [None]
        for i in range(last):
            fo = units[i + 1]
            Z = np.asarray(inputs[i] @ weights[i])
            Z += biases[i]
            zhat = None
            if i + 1 < last and bn is not None:
                zhat = _normalize(Z, i, params, bn, sw_b, sw_sum)
            activate(Z, net.out if i + 1 == last else net.hidden)
            dropped = Z
            if i + 1 < last and perturb is not None and perturb.mask_start[i + 1] >= 0:
                mask = _block(
                    perturb.masks, perturb.mask_start[i + 1] + pos * fo, Z.shape
                )
                dropped = Z * mask
            inputs.append(dropped)
            outputs.append(Z)
            zhats.append(zhat)
        loss = data_loss(yb, outputs[last], sw_b, net.loss, net.clip_eps)
        coefs = params[:n_coef]
        loss += dt(0.5) * l2 * (coefs @ coefs) / sw_sum
        loss += pen.alpha * pen.l1_ratio * np.abs(coefs).sum() / sw_sum
        if group_alpha is not None:
            W0 = weights[0]
            loss += group_alpha * np.sqrt((W0 * W0).sum(axis=1)).sum() / sw_sum
        D = (outputs[last] - yb) * sw_b[:, None]
        for layer in range(last, 0, -1):
            G, W = weight_grads[layer - 1], weights[layer - 1]
            G[...] = np.asarray(inputs[layer - 1].T @ D)
            G += l2 * W
            G /= sw_sum
            bias_grads[layer - 1][...] = D.sum(axis=0) / sw_sum
            if layer == 1:
                continue
            D = D @ W.T
            fi = units[layer - 1]
            if perturb is not None and perturb.mask_start[layer - 1] >= 0:
                D *= _block(
                    perturb.masks, perturb.mask_start[layer - 1] + pos * fi, D.shape
                )
            activation_derivative(outputs[layer - 1], D, net.hidden)
            if bn is not None:
                D = _normalized_delta(
                    D, zhats[layer - 1], layer - 1, params, grad, bn, sw_b, sw_sum
                )
        if not abs(loss) < np.inf:
            return float(loss), t, n_done, loss, sw_sum
        loss_sum += float(loss) * nb
        if opt is not None:
            if pen.weight_decay > zero:
                coefs *= one - opt.lr * pen.weight_decay
            l1_scale = pen.alpha * pen.l1_ratio / sw_sum
            t = optimizer_step(
                opt, params, grad, n_coef, l1_scale, group_alpha, sw_sum, units[0],
                units[1], t,
            )  # fmt: skip
        n_done += 1
    return loss_sum, t, n_done, loss, sw_sum


# The names the versions call, as the engine's: interpreted copies replace
# them by their NumPy versions (skreg._numba.interpreted_throughout).
activate = mlp.activate
activation_derivative = mlp.activation_derivative
data_loss = mlp.data_loss
optimizer_step = mlp.optimizer_step
