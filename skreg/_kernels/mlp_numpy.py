"""The MLP engine's NumPy versions, which a first fit runs in the interpreter.

:func:`skreg._kernels.mlp.run_epoch` compiles the engine for each
specialization it meets (3-5 s with an empty cache; issue 13).  A fit that
has not paid for that yet runs the engine's epoch as Python instead
(:func:`skreg._numba.interpreted_throughout`), with these versions of its
kernels: each batch is some twenty NumPy calls, the matrix products the same
BLAS calls as the engine's.  They follow scikit-learn's order of operations
as the engine does, so results agree with the compiled engine's to rounding
(the sums of the loss run in NumPy's order).

:func:`batches_numpy` covers the engine on dense input without dropout,
input noise, batch normalization or the group lasso
(:func:`interpretable`); a fit with any of them compiles.
"""

import numpy as np

from skreg._kernels import mlp
from skreg._kernels.mlp_types import (
    BINARY_LOG_LOSS,
    CSR,
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


def interpretable(X, group_alpha, bn, perturb):
    """Whether :func:`batches_numpy` runs the engine's epoch on these
    arguments of :func:`~skreg._kernels.mlp.run_epoch`."""
    return (
        not isinstance(X, CSR)
        and group_alpha is None
        and bn is None
        and (perturb is None)
    )


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


@numpy_version_of(mlp.adam_step)
def adam_step_numpy(
    params, grad, m, v, n_coef, lr_t, prox_lr, beta_1, beta_2, epsilon, l1_scale
):
    _moments(m, v, grad, beta_1, beta_2)
    denom = np.sqrt(v) + epsilon
    params -= lr_t * m / denom
    if l1_scale > 0:
        _soft_threshold(params[:n_coef], prox_lr * l1_scale / denom[:n_coef])


@numpy_version_of(mlp.rmsprop_step)
def rmsprop_step_numpy(params, grad, v, n_coef, lr, rho, epsilon, l1_scale):
    _moments(None, v, grad, None, rho)
    denom = np.sqrt(v) + epsilon
    params -= lr * grad / denom
    if l1_scale > 0:
        _soft_threshold(params[:n_coef], lr * l1_scale / denom[:n_coef])


@numpy_version_of(mlp._batches)
def batches_numpy(
    params, grad, net, X, Xs, Xd, Y, sw, order, batch_size, pos0, work, pen,
    opt, t, group_alpha, bn, perturb,
):  # fmt: skip
    if X is None or not interpretable(X, group_alpha, bn, perturb):
        raise ValueError("batches_numpy runs dense input without the toolkit")
    units, coef_start = net.units, net.coef_start
    intercept_start = net.intercept_start
    last = units.shape[0] - 1
    dt = params.dtype.type
    one, zero = dt(1), dt(0)
    n_coef = net.n_coef
    l2 = pen.alpha * (one - pen.l1_ratio)
    weights = [
        params[coef_start[i] : coef_start[i] + units[i] * units[i + 1]].reshape(
            units[i], units[i + 1]
        )
        for i in range(last)
    ]
    biases = [
        params[intercept_start[i] : intercept_start[i] + units[i + 1]]
        for i in range(last)
    ]
    weight_grads = [
        grad[coef_start[i] : coef_start[i] + units[i] * units[i + 1]].reshape(
            units[i], units[i + 1]
        )
        for i in range(last)
    ]
    bias_grads = [
        grad[intercept_start[i] : intercept_start[i] + units[i + 1]]
        for i in range(last)
    ]
    n = order.shape[0]
    loss_sum = 0.0
    n_done = 0
    loss = sw_sum = zero
    for start in range(0, n, batch_size):
        rows = order[start : start + batch_size]
        nb = rows.shape[0]
        yb, sw_b = Y[rows], sw[rows]
        sw_sum = sw_b.sum(dtype=params.dtype)
        activations = [X[rows]]
        for i in range(last):
            Z = activations[i] @ weights[i]
            Z += biases[i]
            activate(Z, net.out if i + 1 == last else net.hidden)
            activations.append(Z)
        loss = data_loss(yb, activations[last], sw_b, net.loss, net.clip_eps)
        coefs = params[:n_coef]
        loss += dt(0.5) * l2 * (coefs @ coefs) / sw_sum
        loss += pen.alpha * pen.l1_ratio * np.abs(coefs).sum() / sw_sum
        D = (activations[last] - yb) * sw_b[:, None]
        for layer in range(last, 0, -1):
            G, W = weight_grads[layer - 1], weights[layer - 1]
            np.matmul(activations[layer - 1].T, D, out=G)
            G += l2 * W
            G /= sw_sum
            bias_grads[layer - 1][...] = D.sum(axis=0) / sw_sum
            if layer > 1:
                D = D @ W.T
                activation_derivative(activations[layer - 1], D, net.hidden)
        if not abs(loss) < np.inf:
            return float(loss), t, n_done, loss, sw_sum
        loss_sum += float(loss) * nb
        if opt is not None:
            if pen.weight_decay > zero:
                coefs *= one - opt.lr * pen.weight_decay
            l1_scale = pen.alpha * pen.l1_ratio / sw_sum
            t = optimizer_step(
                opt, params, grad, n_coef, l1_scale, None, sw_sum, units[0], units[1], t
            )
        n_done += 1
    return loss_sum, t, n_done, loss, sw_sum


# The names the versions call, as the engine's: interpreted copies replace
# them by their NumPy versions (skreg._numba.interpreted_throughout).
activate = mlp.activate
activation_derivative = mlp.activation_derivative
data_loss = mlp.data_loss
optimizer_step = mlp.optimizer_step
