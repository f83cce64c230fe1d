"""Numba kernels of the multi-layer perceptron.

All parameters of a network live in one flat vector ``params``: the weight
matrices first (layer by layer, each C-ordered ``(fan_in, fan_out)``), then the
intercepts.  ``coef_start[i]`` and ``intercept_start[i]`` give where layer
``i``'s block starts.  Because the weights come first, ``params[:n_coef]`` is
exactly the penalized part, so optimizer updates and the L1 proximal step are
single flat loops.

Per-batch work buffers (``x_buf``, ``acts``, ``deltas``) are flat too; the
block of layer ``l`` (``l >= 1``) starts at ``act_start[l]`` and is viewed as
``(n_rows, units[l])`` for the rows of the current batch.

Codes used by every kernel:

- hidden activation: ``IDENTITY=0, LOGISTIC=1, TANH=2, RELU=3``;
- output activation: the same plus ``SOFTMAX=4, EXP=5``;
- loss: ``SQUARED=0, LOG_LOSS=1, BINARY_LOG_LOSS=2, POISSON=3``;
- solver: ``SGD=0, ADAM=1``.

Every kernel is compiled with ``error_model="numpy"``: a float division by
zero gives inf/NaN (caught by the divergence checks) instead of raising, and,
more importantly, the division no longer carries a zero test that stops LLVM
from vectorizing the loops (the Adam update is 4x faster with it).
"""

import numpy as np

from skreg._numba import njit

IDENTITY, LOGISTIC, TANH, RELU, SOFTMAX, EXP = 0, 1, 2, 3, 4, 5
SQUARED, LOG_LOSS, BINARY_LOG_LOSS, POISSON = 0, 1, 2, 3
SGD, ADAM = 0, 1


@njit(error_model="numpy")
def activate(Z, code):
    """Apply activation ``code`` to the 2-D array ``Z`` in place.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import RELU, activate
    >>> Z = np.array([[-1.0, 2.0]])
    >>> activate(Z, RELU)
    >>> Z
    array([[0., 2.]])
    """
    n, m = Z.shape
    one = Z.dtype.type(1)
    zero = Z.dtype.type(0)
    if code == LOGISTIC:
        for i in range(n):
            for j in range(m):
                Z[i, j] = one / (one + np.exp(-Z[i, j]))
    elif code == TANH:
        for i in range(n):
            for j in range(m):
                Z[i, j] = np.tanh(Z[i, j])
    elif code == RELU:
        # unconditional store of a select: vectorizes, and keeps NaN (like
        # np.maximum) because NaN < 0 is false
        for i in range(n):
            for j in range(m):
                z = Z[i, j]
                Z[i, j] = zero if z < zero else z
    elif code == SOFTMAX:
        for i in range(n):
            zmax = Z[i, 0]
            for j in range(1, m):
                if Z[i, j] > zmax:
                    zmax = Z[i, j]
            s = zero
            for j in range(m):
                Z[i, j] = np.exp(Z[i, j] - zmax)
                s += Z[i, j]
            for j in range(m):
                Z[i, j] /= s
    elif code == EXP:
        for i in range(n):
            for j in range(m):
                Z[i, j] = np.exp(Z[i, j])


@njit(error_model="numpy")
def activation_derivative(A, D, code):
    """Multiply ``D`` in place by the activation's derivative, given output ``A``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import TANH, activation_derivative
    >>> A = np.array([[0.5]])
    >>> D = np.ones((1, 1))
    >>> activation_derivative(A, D, TANH)
    >>> D
    array([[0.75]])
    """
    n, m = A.shape
    one = A.dtype.type(1)
    zero = A.dtype.type(0)
    if code == LOGISTIC:
        for i in range(n):
            for j in range(m):
                D[i, j] *= A[i, j] * (one - A[i, j])
    elif code == TANH:
        for i in range(n):
            for j in range(m):
                D[i, j] *= one - A[i, j] * A[i, j]
    elif code == RELU:
        for i in range(n):
            for j in range(m):
                D[i, j] = zero if A[i, j] == zero else D[i, j]


@njit(error_model="numpy")
def _xlogy(x, y):
    if x == 0:
        return x * 0
    return x * np.log(y)


@njit(error_model="numpy")
def data_loss(Y, P, sw, loss_code, clip_eps):
    """Weighted data loss of predictions ``P`` for targets ``Y``.

    Same definitions and scaling as scikit-learn: the squared error is halved
    and averaged over outputs; the log losses and the Poisson deviance are
    summed over outputs; every loss is a ``sw``-weighted average over rows.
    Probabilities are clipped to ``[clip_eps, 1 - clip_eps]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import SQUARED, data_loss
    >>> Y = np.array([[1.0], [3.0]])
    >>> P = np.array([[0.0], [3.0]])
    >>> float(data_loss(Y, P, np.ones(2), SQUARED, 1e-16))
    0.25
    """
    n, m = Y.shape
    one = P.dtype.type(1)
    total = P.dtype.type(0)
    sw_sum = P.dtype.type(0)
    for i in range(n):
        sw_sum += sw[i]
        row = P.dtype.type(0)
        for j in range(m):
            p = P[i, j]
            y = Y[i, j]
            if loss_code == SQUARED:
                row += (y - p) * (y - p)
            elif loss_code == LOG_LOSS:
                p = min(max(p, clip_eps), one - clip_eps)
                row -= _xlogy(y, p)
            elif loss_code == BINARY_LOG_LOSS:
                p = min(max(p, clip_eps), one - clip_eps)
                row -= _xlogy(y, p) + _xlogy(one - y, one - p)
            else:
                row += _xlogy(y, y / p) - y + p
        total += sw[i] * row
    total /= sw_sum
    if loss_code == SQUARED:
        total *= P.dtype.type(0.5) / m
    return total


# Pieces shared by loss_grad and skreg._kernels.mlp_reg.loss_grad_reg.  Every
# separately compiled numba function costs ~0.1-0.4 s of cold compile, so the
# small ones (views, gathers, penalty, output delta) are inlined at numba-IR
# level and only the three loop nests that are worth it on their own
# (sparse_rows_dot, sparse_rows_grad, finish_layer_grad) are compiled once and
# called by both kernels: measured on an empty cache, this keeps the default
# first fit as fast as the monolithic loss_grad was (all separate: ~+1 s; all
# inlined: ~+0.6 s).  Inlining changes no result: the kernels' output is
# bit-for-bit that of the monolithic version.
@njit(error_model="numpy", inline="always")
def layer_params(params, units, coef_start, intercept_start, i):
    """Views of layer ``i``'s weights ``(units[i], units[i + 1])`` and intercepts.

    Works on ``params`` and on ``grad`` alike (same layout).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import layer_params
    >>> W, b = layer_params(np.arange(3.0), np.array([2, 1]), np.array([0]),
    ...                     np.array([2]), 0)
    >>> W.tolist(), b.tolist()
    ([[0.0], [1.0]], [2.0])
    """
    fi = units[i]
    fo = units[i + 1]
    W = params[coef_start[i] : coef_start[i] + fi * fo].reshape((fi, fo))
    b = params[intercept_start[i] : intercept_start[i] + fo]
    return W, b


@njit(error_model="numpy", inline="always")
def layer_block(buf, act_start, layer, n_rows, n_units):
    """View of layer ``layer``'s ``(n_rows, n_units)`` block of a flat buffer.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import layer_block
    >>> layer_block(np.arange(6.0), np.array([0, 2]), 1, 2, 2).tolist()
    [[2.0, 3.0], [4.0, 5.0]]
    """
    a0 = act_start[layer]
    return buf[a0 : a0 + n_rows * n_units].reshape((n_rows, n_units))


@njit(error_model="numpy", inline="always")
def gather_rows(X, rows, xb):
    """Copy the rows ``rows`` of the dense ``X`` into ``xb``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import gather_rows
    >>> xb = np.zeros((1, 2))
    >>> gather_rows(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1]), xb)
    >>> xb
    array([[3., 4.]])
    """
    n_features = xb.shape[1]
    for r in range(rows.shape[0]):
        row = rows[r]
        for j in range(n_features):
            xb[r, j] = X[row, j]


@njit(error_model="numpy", inline="always")
def gather_targets(Y, sw, rows, yb, sw_buf):
    """Copy the targets and sample weights of ``rows``; return the weight sum.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import gather_targets
    >>> yb = np.zeros((1, 1)); swb = np.zeros(1)
    >>> float(gather_targets(np.array([[5.0], [7.0]]), np.array([1.0, 3.0]),
    ...                      np.array([1]), yb, swb))
    3.0
    """
    n_out = yb.shape[1]
    sw_sum = yb.dtype.type(0)
    for r in range(rows.shape[0]):
        row = rows[r]
        sw_buf[r] = sw[row]
        sw_sum += sw[row]
        for j in range(n_out):
            yb[r, j] = Y[row, j]
    return sw_sum


@njit(error_model="numpy")
def sparse_rows_dot(Z, W, rows, X_data, X_indices, X_indptr):
    """``Z = X[rows] @ W`` for a CSR ``X`` given by its three arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import sparse_rows_dot
    >>> Z = np.empty((1, 1))
    >>> sparse_rows_dot(Z, np.array([[2.0], [3.0]]), np.array([0]),
    ...                 np.array([4.0]), np.array([1]), np.array([0, 1]))
    >>> Z
    array([[12.]])
    """
    fo = Z.shape[1]
    Z[:, :] = Z.dtype.type(0)
    for r in range(rows.shape[0]):
        row = rows[r]
        for p in range(X_indptr[row], X_indptr[row + 1]):
            c = X_indices[p]
            v = X_data[p]
            for k in range(fo):
                Z[r, k] += v * W[c, k]


@njit(error_model="numpy")
def sparse_rows_grad(G, D, rows, X_data, X_indices, X_indptr):
    """``G = X[rows].T @ D`` for a CSR ``X`` given by its three arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import sparse_rows_grad
    >>> G = np.empty((2, 1))
    >>> sparse_rows_grad(G, np.array([[2.0]]), np.array([0]),
    ...                  np.array([4.0]), np.array([1]), np.array([0, 1]))
    >>> G
    array([[0.],
           [8.]])
    """
    fo = G.shape[1]
    G[:, :] = G.dtype.type(0)
    for r in range(rows.shape[0]):
        row = rows[r]
        for p in range(X_indptr[row], X_indptr[row + 1]):
            c = X_indices[p]
            v = X_data[p]
            for k in range(fo):
                G[c, k] += v * D[r, k]


@njit(error_model="numpy", inline="always")
def add_intercept(Z, b):
    """Add the intercepts ``b`` to every row of ``Z`` in place."""
    n, m = Z.shape
    for r in range(n):
        for k in range(m):
            Z[r, k] += b[k]


@njit(error_model="numpy", inline="always")
def penalty(params, n_coef, alpha, l1_ratio, sw_sum):
    """``alpha / sw_sum * (l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||^2)``.

    ``W`` is ``params[:n_coef]``, the weights.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import penalty
    >>> float(penalty(np.array([3.0, -4.0, 9.0]), 2, 2.0, 0.5, 1.0))
    19.5
    """
    dt = params.dtype.type
    sq = dt(0)
    ab = dt(0)
    for j in range(n_coef):
        w = params[j]
        sq += w * w
        ab += abs(w)
    l2 = alpha * (dt(1) - l1_ratio)
    return dt(0.5) * l2 * sq / sw_sum + alpha * l1_ratio * ab / sw_sum


@njit(error_model="numpy", inline="always")
def output_delta(A_out, Yb, sw_b, D):
    """Output-layer delta for the canonical link: ``(A_out - Yb) * sw_b``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import output_delta
    >>> D = np.empty((1, 1))
    >>> output_delta(np.array([[0.75]]), np.array([[1.0]]), np.array([2.0]), D)
    >>> D
    array([[-0.5]])
    """
    n, m = D.shape
    for r in range(n):
        for j in range(m):
            D[r, j] = (A_out[r, j] - Yb[r, j]) * sw_b[r]


@njit(error_model="numpy")
def finish_layer_grad(G, gb, W, D, l2, sw_sum):
    """Add the L2 term to ``G`` and set ``gb``, both divided by ``sw_sum``.

    On entry ``G`` holds ``A_prev.T @ D``; on exit ``(G + l2 * W) / sw_sum``,
    and ``gb`` the column sums of ``D`` over ``sw_sum``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import finish_layer_grad
    >>> G = np.array([[1.0]]); gb = np.empty(1)
    >>> finish_layer_grad(G, gb, np.array([[3.0]]), np.array([[1.0], [3.0]]),
    ...                   1.0, 2.0)
    >>> G, gb
    (array([[2.]]), array([2.]))
    """
    fi, fo = G.shape
    zero = G.dtype.type(0)
    for a in range(fi):
        for k in range(fo):
            G[a, k] = (G[a, k] + l2 * W[a, k]) / sw_sum
    for k in range(fo):
        gb[k] = zero
    for r in range(D.shape[0]):
        for k in range(fo):
            gb[k] += D[r, k]
    for k in range(fo):
        gb[k] /= sw_sum


# Inlined into loss_grad at numba-IR level: forward has no caller of its own
# in the solvers, and compiled as a separate function its LLVM module was
# optimized once alone and then again inside loss_grad (and run_epoch). Inlined,
# the empty-cache first fit of sgd/adam was ~0.5-1.8 s faster (interleaved fresh
# processes; lbfgs unchanged) at the same per-epoch speed.
@njit(error_model="numpy", inline="always")
def forward(
    params,
    units,
    coef_start,
    intercept_start,
    x_buf,
    X_data,
    X_indices,
    X_indptr,
    is_sparse,
    rows,
    acts,
    act_start,
    hidden_code,
    out_code,
):
    """Forward pass of the rows ``rows`` through the network.

    Dense inputs are read from ``x_buf`` (``n_rows x n_features``, already
    gathered); sparse inputs straight from the CSR arrays.  The activations of
    layer ``l`` are written to ``acts[act_start[l]:]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import IDENTITY, forward
    >>> units = np.array([1, 1])
    >>> params = np.array([2.0, 0.5])  # one weight, one intercept
    >>> acts = np.zeros(3)
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> empty_i = np.zeros(1, dtype=np.int64)
    >>> forward(params, units, np.array([0]), np.array([1]), x, x, empty_i,
    ...         empty_i, False, np.arange(3), acts, np.array([0, 0]),
    ...         IDENTITY, IDENTITY)
    >>> acts
    array([2.5, 4.5, 6.5])
    """
    last = units.shape[0] - 1
    nb = rows.shape[0]
    if is_sparse:
        prev = x_buf[:0].reshape((0, 0))
    else:
        prev = x_buf[: nb * units[0]].reshape((nb, units[0]))
    for i in range(last):
        W, b = layer_params(params, units, coef_start, intercept_start, i)
        Z = layer_block(acts, act_start, i + 1, nb, units[i + 1])
        if i == 0 and is_sparse:
            sparse_rows_dot(Z, W, rows, X_data, X_indices, X_indptr)
        else:
            np.dot(prev, W, Z)
        add_intercept(Z, b)
        activate(Z, out_code if i + 1 == last else hidden_code)
        prev = Z


@njit(error_model="numpy")
def loss_grad(
    params,
    grad,
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
    rows,
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
):
    """Penalized loss of the rows ``rows`` and its gradient (smooth part).

    The objective is scikit-learn's data loss plus
    ``alpha / n_b * (l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||^2)``
    with ``n_b`` the sum of the batch's sample weights.  ``grad`` receives the
    gradient of the data loss and of the L2 part only (the L1 part is handled
    by the proximal step of the optimizers).

    Returns
    -------
    loss : float
        The penalized loss (including the L1 part).
    n_b : float
        Sum of the sample weights of the rows (the penalty's scaling).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import IDENTITY, SQUARED, loss_grad
    >>> units = np.array([1, 1])
    >>> X = np.array([[1.0], [2.0]])
    >>> Y = np.array([[1.0], [2.0]])
    >>> params = np.array([1.0, 0.0])
    >>> grad = np.zeros(2)
    >>> empty_i = np.zeros(1, dtype=np.int64)
    >>> loss, n_b = loss_grad(params, grad, units, np.array([0]), np.array([1]), 1, X,
    ...     X[0], empty_i, empty_i, False, Y, np.ones(2), np.arange(2),
    ...     np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2),
    ...     np.array([0, 0]), IDENTITY, IDENTITY, SQUARED, 0.0, 0.0, 1e-16)
    >>> float(loss), float(n_b), grad.tolist()
    (0.0, 2.0, [0.0, 0.0])
    """
    last = units.shape[0] - 1
    nb = rows.shape[0]
    n_out = units[last]
    dt = params.dtype.type

    if not is_sparse:
        gather_rows(X, rows, x_buf[: nb * units[0]].reshape((nb, units[0])))
    yb = y_buf[: nb * n_out].reshape((nb, n_out))
    sw_b = sw_buf[:nb]
    sw_sum = gather_targets(Y, sw, rows, yb, sw_b)

    forward(
        params,
        units,
        coef_start,
        intercept_start,
        x_buf,
        X_data,
        X_indices,
        X_indptr,
        is_sparse,
        rows,
        acts,
        act_start,
        hidden_code,
        out_code,
    )
    A_out = layer_block(acts, act_start, last, nb, n_out)
    loss = data_loss(yb, A_out, sw_b, loss_code, clip_eps)
    loss += penalty(params, n_coef, alpha, l1_ratio, sw_sum)

    output_delta(A_out, yb, sw_b, layer_block(deltas, act_start, last, nb, n_out))
    l2 = alpha * (dt(1) - l1_ratio)
    for layer in range(last, 0, -1):
        fi = units[layer - 1]
        D = layer_block(deltas, act_start, layer, nb, units[layer])
        W, _ = layer_params(params, units, coef_start, intercept_start, layer - 1)
        G, gb = layer_params(grad, units, coef_start, intercept_start, layer - 1)
        if layer > 1:
            A_prev = layer_block(acts, act_start, layer - 1, nb, fi)
            np.dot(A_prev.T, D, G)
        elif is_sparse:
            sparse_rows_grad(G, D, rows, X_data, X_indices, X_indptr)
        else:
            np.dot(x_buf[: nb * fi].reshape((nb, fi)).T, D, G)
        finish_layer_grad(G, gb, W, D, l2, sw_sum)
        if layer > 1:
            D_prev = layer_block(deltas, act_start, layer - 1, nb, fi)
            np.dot(D, W.T, D_prev)
            activation_derivative(A_prev, D_prev, hidden_code)
    return loss, sw_sum


@njit(error_model="numpy")
def sgd_step(params, grad, velocity, n_coef, lr, momentum, nesterov, threshold):
    """Momentum (optionally Nesterov) SGD step, then soft-threshold the weights.

    ``velocity <- momentum * velocity - lr * grad``; the parameters move by
    the velocity (or, with Nesterov, by ``momentum * velocity - lr * grad``).
    The first ``n_coef`` entries are then soft-thresholded at ``threshold``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import sgd_step
    >>> p = np.array([1.0, 0.05]); v = np.zeros(2)
    >>> sgd_step(p, np.array([1.0, 0.0]), v, 2, 0.5, 0.0, False, 0.1)
    >>> p
    array([0.4, 0. ])
    """
    zero = params.dtype.type(0)
    n_params = params.shape[0]
    for j in range(n_params):
        g = grad[j]
        vel = momentum * velocity[j] - lr * g
        velocity[j] = vel
        if nesterov:
            params[j] += momentum * vel - lr * g
        else:
            params[j] += vel
    if threshold > zero:
        for j in range(n_coef):
            # soft-threshold without branches: w - clip(w, -thr, thr); the
            # result is exactly 0.0 whenever |w| <= thr
            w = params[j]
            params[j] = w - min(max(w, -threshold), threshold)


@njit(error_model="numpy")
def adam_step(
    params, grad, m, v, n_coef, lr_t, prox_lr, beta_1, beta_2, epsilon, l1_scale
):
    """Adam step as scikit-learn takes it, then the per-coordinate L1 prox.

    scikit-learn folds both bias corrections into
    ``lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` and moves by
    ``-lr_t * m / (sqrt(v) + epsilon)``.  Written with the bias-corrected
    gradient estimate ``m_hat = m / (1 - beta_1**t)`` this is
    ``-s * m_hat`` with the per-coordinate step
    ``s_j = prox_lr / (sqrt(v_j) + epsilon)``, ``prox_lr = lr * sqrt(1 -
    beta_2**t)``.  The soft-threshold of weight ``j`` is ``s_j * l1_scale``
    (``l1_scale = alpha * l1_ratio / n_b``), the proximal step in the same
    metric, so fixed points satisfy the L1 optimality conditions.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import adam_step
    >>> p = np.array([1.0]); m = np.zeros(1); v = np.zeros(1)
    >>> adam_step(p, np.array([2.0]), m, v, 1, 0.1, 0.1, 0.0, 0.0, 0.0, 0.0)
    >>> p
    array([0.9])
    """
    one = params.dtype.type(1)
    zero = params.dtype.type(0)
    n_params = params.shape[0]
    start = 0
    if l1_scale > zero:
        # weights: update and proximal step fused in one pass
        scale = prox_lr * l1_scale
        for j in range(n_coef):
            g = grad[j]
            mj = beta_1 * m[j] + (one - beta_1) * g
            vj = beta_2 * v[j] + (one - beta_2) * (g * g)
            m[j] = mj
            v[j] = vj
            denom = np.sqrt(vj) + epsilon
            w = params[j] - lr_t * mj / denom
            thr = scale / denom
            params[j] = w - min(max(w, -thr), thr)
        start = n_coef
    for j in range(start, n_params):
        g = grad[j]
        mj = beta_1 * m[j] + (one - beta_1) * g
        vj = beta_2 * v[j] + (one - beta_2) * (g * g)
        m[j] = mj
        v[j] = vj
        params[j] -= lr_t * mj / (np.sqrt(vj) + epsilon)


@njit(error_model="numpy", inline="always")
def optimizer_step(
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
):
    """One SGD or Adam step (``solver``) with the L1 prox of the weights.

    The L1 penalty is ``alpha * l1_ratio / sw_sum`` times ``||W||_1``, as in
    :func:`loss_grad`.

    For Adam, ``t`` is incremented and the bias corrections are folded into
    the learning rates as in :func:`adam_step`.

    Returns
    -------
    t : int
        Adam's step count after the step (unchanged for SGD).
    prox_lr : float
        The learning rate of the proximal steps (``lr`` for SGD, ``lr *
        sqrt(1 - beta_2**t)`` for Adam).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import ADAM, optimizer_step
    >>> p = np.array([1.0]); m = np.zeros(1); v = np.zeros(1)
    >>> t, prox_lr = optimizer_step(p, np.array([2.0]), m, v, 1, ADAM, 0.1, 0.0,
    ...                             False, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0)
    >>> t, float(prox_lr), p
    (1, 0.1, array([0.9]))
    """
    l1_scale = alpha * l1_ratio / sw_sum
    if solver == SGD:
        sgd_step(params, grad, state_1, n_coef, lr, momentum, nesterov, lr * l1_scale)
        return t, lr
    dt = params.dtype.type
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
    return t, prox_lr


@njit(error_model="numpy")
def run_epoch(
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
):
    """One epoch of minibatch SGD or Adam over the rows in ``order``.

    Batches are consecutive slices of ``order`` of ``batch_size`` rows (the
    last one shorter), as ``sklearn.utils.gen_batches`` makes them.  For SGD
    ``state_1`` is the velocity; for Adam ``state_1``/``state_2`` are the first
    and second moments and ``t`` the number of Adam steps taken so far.

    Stops before updating when a batch loss is not finite.

    Returns
    -------
    loss_sum : float
        Sum over batches of ``batch_loss * rows_in_batch``.
    t : int
        Adam's step count after the epoch.
    n_done : int
        Number of batches completed; smaller than the number of batches only
        when a non-finite loss was met.

    Examples
    --------
    One epoch of plain SGD, in two batches, on ``y = 2 x`` with one weight:

    >>> import numpy as np
    >>> from skreg._kernels.mlp import IDENTITY, SGD, SQUARED, run_epoch
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]]); Y = 2 * X
    >>> params = np.array([0.0, 0.0]); vel = np.zeros(2)
    >>> e = np.zeros(1, dtype=np.int64)
    >>> loss_sum, t, n_done = run_epoch(
    ...     params, np.zeros(2), vel, vel, np.array([1, 1]), np.array([0]),
    ...     np.array([1]), 1, X, X[0], e, e, False, Y, np.ones(4),
    ...     np.arange(4), 2, np.zeros(2), np.zeros(2), np.zeros(2), np.zeros(2),
    ...     np.zeros(2), np.array([0, 0]), IDENTITY, IDENTITY, SQUARED, 0.0, 0.0,
    ...     1e-16, SGD, 0.1, 0.0, False, 0.9, 0.999, 1e-8, 0)
    >>> n_done, bool(params[0] > 1.0)
    (2, True)
    """
    n = order.shape[0]
    loss_sum = 0.0
    n_done = 0
    start = 0
    while start < n:
        stop = min(start + batch_size, n)
        rows = order[start:stop]
        loss, sw_sum = loss_grad(
            params,
            grad,
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
            rows,
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
        )
        if not np.isfinite(loss):
            return float(loss), t, n_done
        loss_sum += float(loss) * (stop - start)
        t, _ = optimizer_step(
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
        n_done += 1
        start = stop
    return loss_sum, t, n_done
