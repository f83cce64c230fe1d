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
    n_layers = units.shape[0]
    nb = rows.shape[0]
    zero = params.dtype.type(0)
    if is_sparse:
        prev = x_buf[:0].reshape((0, 0))
    else:
        prev = x_buf[: nb * units[0]].reshape((nb, units[0]))
    for i in range(n_layers - 1):
        fi = units[i]
        fo = units[i + 1]
        W = params[coef_start[i] : coef_start[i] + fi * fo].reshape((fi, fo))
        b = params[intercept_start[i] : intercept_start[i] + fo]
        Z = acts[act_start[i + 1] : act_start[i + 1] + nb * fo].reshape((nb, fo))
        if i == 0 and is_sparse:
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
        if i + 1 == n_layers - 1:
            activate(Z, out_code)
        else:
            activate(Z, hidden_code)
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
    n_layers = units.shape[0]
    nb = rows.shape[0]
    n_features = units[0]
    n_out = units[n_layers - 1]
    dt = params.dtype.type
    zero = dt(0)

    # gather the batch
    if not is_sparse:
        xb = x_buf[: nb * n_features].reshape((nb, n_features))
        for r in range(nb):
            row = rows[r]
            for j in range(n_features):
                xb[r, j] = X[row, j]
    yb = y_buf[: nb * n_out].reshape((nb, n_out))
    sw_sum = zero
    for r in range(nb):
        row = rows[r]
        sw_buf[r] = sw[row]
        sw_sum += sw[row]
        for j in range(n_out):
            yb[r, j] = Y[row, j]

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
    last = n_layers - 1
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

    # output delta for the canonical link: prediction - target, times weight
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
        if layer == 1 and is_sparse:
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
                A_prev = x_buf[: nb * fi].reshape((nb, fi))
            else:
                A_prev = acts[act_start[layer - 1] : act_start[layer - 1] + nb * fi]
                A_prev = A_prev.reshape((nb, fi))
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
            A_prev = acts[act_start[layer - 1] : act_start[layer - 1] + nb * fi]
            A_prev = A_prev.reshape((nb, fi))
            D_prev = deltas[act_start[layer - 1] : act_start[layer - 1] + nb * fi]
            D_prev = D_prev.reshape((nb, fi))
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
    dt = params.dtype.type
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
        l1_scale = alpha * l1_ratio / sw_sum
        if solver == SGD:
            sgd_step(
                params, grad, state_1, n_coef, lr, momentum, nesterov, lr * l1_scale
            )
        else:
            t += 1
            root = np.sqrt(1.0 - float(beta_2) ** t)
            lr_t = dt(lr * root / (1.0 - float(beta_1) ** t))
            adam_step(
                params,
                grad,
                state_1,
                state_2,
                n_coef,
                lr_t,
                dt(lr * root),
                beta_1,
                beta_2,
                epsilon,
                l1_scale,
            )
        n_done += 1
        start = stop
    return loss_sum, t, n_done
