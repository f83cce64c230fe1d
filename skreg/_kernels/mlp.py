"""The one engine of skreg's multi-layer perceptrons (numba kernels).

:func:`run_epoch` runs one epoch of a stochastic solver (SGD, Adam, RMSprop)
and :func:`loss_grad` computes one batch's penalized loss and gradient (the
full batch for L-BFGS).  scikit-learn's model and every option of the
regularization toolkit (dropout, batch normalization, input noise, group lasso
on the inputs, decoupled weight decay) go through this one forward and
backward pass; options that are off are passed as ``None`` and compile away.

All parameters of a network live in one flat vector ``params``: the weight
matrices first (layer by layer, each C-ordered ``(fan_in, fan_out)``), then the
intercepts.  ``coef_start[i]`` and ``intercept_start[i]`` give where layer
``i``'s block starts.  Because the weights come first, ``params[:n_coef]`` is
exactly the penalized part, so optimizer updates and the L1 proximal step are
single flat loops.  With batch normalization, ``params[n_base:]`` holds the
scales of every hidden unit and then the shifts (see :class:`BatchNorm`);
optimizers update the whole vector, penalties and weight decay only the
weights.

Per-batch work buffers (``x_buf``, ``acts``, ``deltas``) are flat too; the
block of layer ``l`` (``l >= 1``) starts at ``act_start[l]`` and is viewed as
``(n_rows, units[l])`` for the rows of the current batch.

The codes of the activations and losses and the named tuples that group
the arguments live in :mod:`skreg._kernels.mlp_types` (no numba there, so
the estimators import without loading numba) and are re-exported here.

Randomness (dropout masks, input noise) is drawn in NumPy by the driver and
passed in (:class:`Perturb`).

Every kernel is compiled with ``error_model="numpy"``: a float division by
zero gives inf/NaN (caught by the divergence checks) instead of raising, and,
more importantly, the division no longer carries a zero test that stops LLVM
from vectorizing the loops (the Adam update is 4x faster with it).
"""

from types import FunctionType

import numpy as np

from skreg._kernels.mlp_blas import matmul, python_view, view
from skreg._kernels.mlp_types import (  # noqa: F401 - the engine's public names
    BINARY_LOG_LOSS,
    CSR,
    EXP,
    IDENTITY,
    LOG_LOSS,
    LOGISTIC,
    POISSON,
    RELU,
    SGD,
    SOFTMAX,
    SQUARED,
    TANH,
    Adam,
    BatchNorm,
    BinaryLogLoss,
    Exp,
    Logistic,
    LogLoss,
    Network,
    Penalty,
    Perturb,
    PoissonLoss,
    Relu,
    RMSprop,
    Softmax,
    SquaredLoss,
    Tanh,
    Work,
    code_of,
)
from skreg._numba import FASTMATH, inner_kernel, njit, overload_when_loaded

# Overload implementations are called from kernels only: numba then need not
# build (and optimize) their Python and C entry points.
_JIT_OPTIONS = {
    "fastmath": set(FASTMATH),
    "error_model": "numpy",
    "nogil": True,
    "no_cpython_wrapper": True,
    "no_cfunc_wrapper": True,
}


# One small kernel per activation, derivative and loss term: the engine
# passes the codes as types (mlp_types._Code), and the overloads below
# compile the loop of a fit's own activations and loss only (a default
# classifier: ReLU and softmax, of six).  With an ``int`` code every branch
# is compiled and chosen at run time.  The implementations are plain
# functions: the overload compiles each once, with _JIT_OPTIONS.
def _identity(Z, code):
    pass


def _logistic(Z, code):
    one = Z.dtype.type(1)
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            Z[i, j] = one / (one + np.exp(-Z[i, j]))


def _tanh(Z, code):
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            Z[i, j] = np.tanh(Z[i, j])


def _relu(Z, code):
    zero = Z.dtype.type(0)
    # One flat loop over the C-contiguous block (a view): LLVM unswitches,
    # unrolls and vectorizes a 2-D loop nest into four times the code, and
    # compiles that in every fit.  An unconditional store of a select:
    # vectorizes, and keeps NaN (like np.maximum) because NaN < 0 is false.
    flat = view(Z, 0, (Z.size,))
    for i in range(flat.shape[0]):
        z = flat[i]
        flat[i] = zero if z < zero else z


def _softmax(Z, code):
    n, m = Z.shape
    for i in range(n):
        zmax = Z[i, 0]
        for j in range(1, m):
            if Z[i, j] > zmax:
                zmax = Z[i, j]
        s = Z.dtype.type(0)
        for j in range(m):
            Z[i, j] = np.exp(Z[i, j] - zmax)
            s += Z[i, j]
        for j in range(m):
            Z[i, j] /= s


def _exp(Z, code):
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            Z[i, j] = np.exp(Z[i, j])


def _activate_any(Z, code):
    if code == LOGISTIC:
        activate(Z, Logistic())
    elif code == TANH:
        activate(Z, Tanh())
    elif code == RELU:
        activate(Z, Relu())
    elif code == SOFTMAX:
        activate(Z, Softmax())
    elif code == EXP:
        activate(Z, Exp())


def _d_identity(A, D, code):
    pass


def _d_logistic(A, D, code):
    one = A.dtype.type(1)
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            D[i, j] *= A[i, j] * (one - A[i, j])


def _d_tanh(A, D, code):
    one = A.dtype.type(1)
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            D[i, j] *= one - A[i, j] * A[i, j]


def _d_relu(A, D, code):
    zero = A.dtype.type(0)
    # one flat loop, as _relu's (A and D are C blocks of one shape)
    a = view(A, 0, (A.size,))
    d = view(D, 0, (D.size,))
    for i in range(a.shape[0]):
        d[i] = zero if a[i] == zero else d[i]


def _derivative_any(A, D, code):
    if code == LOGISTIC:
        activation_derivative(A, D, Logistic())
    elif code == TANH:
        activation_derivative(A, D, Tanh())
    elif code == RELU:
        activation_derivative(A, D, Relu())


_ACTIVATE = {
    IDENTITY: _identity,
    LOGISTIC: _logistic,
    TANH: _tanh,
    RELU: _relu,
    SOFTMAX: _softmax,
    EXP: _exp,
}
_DERIVATIVE = {
    IDENTITY: _d_identity,
    LOGISTIC: _d_logistic,
    TANH: _d_tanh,
    RELU: _d_relu,
}


def _rebind(func, names):
    """A copy of ``func`` whose global names ``names`` (name -> object) differ.

    The optimizer steps call public kernels, which Python code calls too
    (doctests, ``NUMBA_DISABLE_JIT``); their copies compiled into the engine
    call variants pasted in as numba IR (``inline="always"``).  The activations
    called from Python take :func:`~skreg._kernels.mlp_blas.view` in Python.
    """
    namespace = {**func.__globals__, **names}
    return FunctionType(func.__code__, namespace, func.__name__, func.__defaults__)


def _check_c_contiguous(**arrays):
    # the loops run over flat views; a reshaped copy would be written instead
    for name, a in arrays.items():
        if not a.flags.c_contiguous:
            raise ValueError(f"{name} must be C-contiguous")


def activate(Z, code):
    """Apply activation ``code`` to the C-contiguous 2-D array ``Z`` in place.

    ``code`` is an ``int`` or a code type (:mod:`skreg._kernels.mlp_types`).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import RELU, activate
    >>> Z = np.array([[-1.0, 2.0]])
    >>> activate(Z, RELU)
    >>> Z
    array([[0., 2.]])
    """
    _check_c_contiguous(Z=Z)
    _rebind(_ACTIVATE[code_of(code)], {"view": python_view})(Z, code)


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
    _rebind(_DERIVATIVE[code_of(code)], {"view": python_view})(A, D, code)


def _is_code_type(code):
    from numba.core import types  # compiling: numba is loaded

    return isinstance(code, types.NamedTuple) and hasattr(code.instance_class, "CODE")


@overload_when_loaded(activate, jit_options=_JIT_OPTIONS)
def _ov_activate(Z, code):
    if not _is_code_type(code):
        return _activate_any
    return _ACTIVATE[code.instance_class.CODE]


@overload_when_loaded(activation_derivative, jit_options=_JIT_OPTIONS)
def _ov_activation_derivative(A, D, code):
    if not _is_code_type(code):
        return _derivative_any
    return _DERIVATIVE[code.instance_class.CODE]


@njit(error_model="numpy")
def _xlogy(x, y):
    if x == 0:
        return x * 0
    return x * np.log(y)


def _squared_term(y, p, one, code, clip_eps):
    return (y - p) * (y - p)


def _log_loss_term(y, p, one, code, clip_eps):
    # conditional expressions, not min/max: each builtin compiles a function
    # of its own; a NaN probability stays NaN
    p = clip_eps if p < clip_eps else p
    p = one - clip_eps if p > one - clip_eps else p
    return -_xlogy(y, p)


def _binary_log_loss_term(y, p, one, code, clip_eps):
    p = clip_eps if p < clip_eps else p
    p = one - clip_eps if p > one - clip_eps else p
    return -(_xlogy(y, p) + _xlogy(one - y, one - p))


def _poisson_term(y, p, one, code, clip_eps):
    return _xlogy(y, y / p) - y + p


def _any_term(y, p, one, code, clip_eps):
    if code == SQUARED:
        return loss_term(y, p, one, SquaredLoss(), clip_eps)
    if code == POISSON:
        return loss_term(y, p, one, PoissonLoss(), clip_eps)
    if code == LOG_LOSS:
        return loss_term(y, p, one, LogLoss(), clip_eps)
    return loss_term(y, p, one, BinaryLogLoss(), clip_eps)


_TERMS = {
    SQUARED: _squared_term,
    LOG_LOSS: _log_loss_term,
    BINARY_LOG_LOSS: _binary_log_loss_term,
    POISSON: _poisson_term,
}


def loss_term(y, p, one, code, clip_eps):
    """One entry's data loss (the squared error not yet halved).

    ``one`` is 1 in the dtype of ``p``; probabilities are clipped to
    ``[clip_eps, one - clip_eps]``.

    Examples
    --------
    >>> from skreg._kernels.mlp import LOG_LOSS, loss_term
    >>> round(float(loss_term(1.0, 0.5, 1.0, LOG_LOSS, 1e-16)), 6)
    0.693147
    """
    return _TERMS[code_of(code)](y, p, one, code, clip_eps)


@overload_when_loaded(loss_term, jit_options=_JIT_OPTIONS)
def _ov_loss_term(y, p, one, code, clip_eps):
    if not _is_code_type(code):
        return _any_term
    return _TERMS[code.instance_class.CODE]


def _code_value(code):
    return code


@overload_when_loaded(code_of, jit_options=_JIT_OPTIONS)
def _ov_code_of(code):
    if not _is_code_type(code):
        return _code_value
    value = code.instance_class.CODE
    return lambda code: value


@njit(error_model="numpy")
def data_loss(Y, P, sw, loss_code, clip_eps):
    """Weighted data loss of predictions ``P`` for targets ``Y``.

    Same definitions and scaling as scikit-learn: the squared error is halved
    and averaged over outputs; the log losses and the Poisson deviance are
    summed over outputs; every loss is a ``sw``-weighted average over rows.
    Probabilities are clipped to ``[clip_eps, 1 - clip_eps]``.  ``loss_code``
    is an ``int`` or a code type (:mod:`skreg._kernels.mlp_types`).

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
            row += loss_term(Y[i, j], P[i, j], one, loss_code, clip_eps)
        total += sw[i] * row
    total /= sw_sum
    if code_of(loss_code) == SQUARED:
        total *= P.dtype.type(0.5) / m
    return total


# Every separately compiled numba function costs ~0.1-0.4 s of cold compile,
# and pasting a function into the engine at numba-IR level
# (``inline="always"``) costs too: each pasted call copies its arguments and
# numba's inlining pass runs the callee's front end.  Measured on a default
# MLPClassifier with an empty cache: writing the five small loops (gathering
# a batch, intercepts, penalty, output delta) out in :func:`_batches` took
# the engine's lowering from 0.45-0.6 to 0.23 s.  The loop nests worth it on
# their own are compiled once (below).
@inner_kernel(error_model="numpy")
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


@inner_kernel(error_model="numpy")
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


@inner_kernel(error_model="numpy")
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
    fo = G.shape[1]
    zero = G.dtype.type(0)
    # one flat loop over the C blocks G and W (see _relu)
    g = view(G, 0, (G.size,))
    w = view(W, 0, (W.size,))
    for a in range(g.shape[0]):
        g[a] = (g[a] + l2 * w[a]) / sw_sum
    for k in range(fo):
        gb[k] = zero
    for r in range(D.shape[0]):
        for k in range(fo):
            gb[k] += D[r, k]
    for k in range(fo):
        gb[k] /= sw_sum


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
            c = -threshold if w < -threshold else w
            params[j] = w - (threshold if c > threshold else c)


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
            c = -thr if w < -thr else w
            params[j] = w - (thr if c > thr else c)
        start = n_coef
    for j in range(start, n_params):
        g = grad[j]
        mj = beta_1 * m[j] + (one - beta_1) * g
        vj = beta_2 * v[j] + (one - beta_2) * (g * g)
        m[j] = mj
        v[j] = vj
        params[j] -= lr_t * mj / (np.sqrt(vj) + epsilon)


@njit(error_model="numpy")
def rmsprop_step(params, grad, v, n_coef, lr, rho, epsilon, l1_scale):
    """RMSprop step, then the per-coordinate L1 prox of the weights.

    ``v <- rho * v + (1 - rho) * g**2``; ``w <- w - lr * g / (sqrt(v) + eps)``.
    The soft-threshold of weight ``j`` is ``lr * l1_scale / (sqrt(v_j) + eps)``,
    the proximal step in the optimizer's metric.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import rmsprop_step
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
            c = -thr if w < -thr else w
            w = w - (thr if c > thr else c)
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
    >>> from skreg._kernels.mlp import group_prox_rows
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


@inner_kernel(error_model="numpy")
def apply_mask(src, dst, masks, start):
    """``dst = src * mask`` with the mask block of ``src``'s shape at ``start``.

    ``src`` and ``dst`` are C-contiguous, of one shape, and may be the same
    array (masking in place).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import apply_mask
    >>> Z = np.ones((1, 2))
    >>> apply_mask(Z, Z, np.array([9.0, 0.0, 2.0]), 1)
    >>> Z
    array([[0., 2.]])
    """
    # one flat loop over the C blocks (see _relu)
    s = view(src, 0, (src.size,))
    d = view(dst, 0, (dst.size,))
    for i in range(s.shape[0]):
        d[i] = s[i] * masks[start + i]


# ---------------------------------------------------------------------------
# The engine's arguments, grouped.  Options that are off are passed as None:
# numba prunes ``if bn is not None`` branches on an argument typed None, so a
# default fit compiles none of the toolkit's code (and each combination of
# options compiles one specialization, on first use).  The optimizer and the
# input layout are told apart by their named-tuple type (dispatch through
# ``overload``), so a dense Adam fit compiles neither SGD nor the CSR loops.
# ---------------------------------------------------------------------------


@inner_kernel(error_model="numpy")
def _scatter_csr(X, rows, x_buf, n_features):
    """The CSR rows ``rows`` scattered into a dense view of ``x_buf`` (the
    input is perturbed)."""
    nb = rows.shape[0]
    xb = view(x_buf, 0, (nb, n_features))
    xb[:, :] = x_buf.dtype.type(0)
    for r in range(nb):
        row = rows[r]
        for p in range(X.indptr[row], X.indptr[row + 1]):
            xb[r, X.indices[p]] = X.data[p]
    return xb


def _step_sgd(
    opt, params, grad, n_coef, l1_scale, group_alpha, n_b, n_rows0, n_cols0, t
):
    sgd_step(
        params,
        grad,
        opt.velocity,
        n_coef,
        opt.lr,
        opt.momentum,
        opt.nesterov,
        opt.lr * l1_scale,
    )
    if group_alpha is not None:
        group_step = group_alpha / n_b
        # SGD's metric is the identity
        group_prox_rows(
            params,
            n_rows0,
            n_cols0,
            opt.lr * group_step,
            opt.velocity,
            False,
            params.dtype.type(1),
        )
    return t


def _step_adam(
    opt, params, grad, n_coef, l1_scale, group_alpha, n_b, n_rows0, n_cols0, t
):
    dt = params.dtype.type
    t += 1
    # a float exponent: libm's pow, as scikit-learn's Python float ** int
    # (an int one compiles numba's exponentiation by squaring)
    root = np.sqrt(1.0 - float(opt.beta_2) ** float(t))
    lr_t = dt(opt.lr * root / (1.0 - float(opt.beta_1) ** float(t)))
    prox_lr = dt(opt.lr * root)
    adam_step(
        params,
        grad,
        opt.m,
        opt.v,
        n_coef,
        lr_t,
        prox_lr,
        opt.beta_1,
        opt.beta_2,
        opt.epsilon,
        l1_scale,
    )
    if group_alpha is not None:
        group_step = group_alpha / n_b
        group_prox_rows(
            params,
            n_rows0,
            n_cols0,
            prox_lr * group_step,
            opt.v,
            True,
            opt.epsilon,
        )
    return t


def _step_rmsprop(
    opt, params, grad, n_coef, l1_scale, group_alpha, n_b, n_rows0, n_cols0, t
):
    t += 1
    rmsprop_step(params, grad, opt.v, n_coef, opt.lr, opt.rho, opt.epsilon, l1_scale)
    if group_alpha is not None:
        group_step = group_alpha / n_b
        group_prox_rows(
            params, n_rows0, n_cols0, opt.lr * group_step, opt.v, True, opt.epsilon
        )
    return t


def optimizer_step(
    opt, params, grad, n_coef, l1_scale, group_alpha, n_b, n_rows0, n_cols0, t
):
    """One step of the optimizer ``opt`` (:class:`SGD`, :class:`Adam` or
    :class:`RMSprop`), with the proximal steps of the penalties.

    ``l1_scale = alpha * l1_ratio / n_b`` scales the L1 soft-threshold (in the
    optimizer's metric, see :func:`adam_step`); ``group_alpha / n_b``
    (``group_alpha`` None: no group lasso) the block soft-threshold of the
    first layer's ``n_rows0`` rows of ``n_cols0`` weights
    (:func:`group_prox_rows`).  Adam folds its bias corrections into the
    learning rates as scikit-learn does.  (``group_alpha`` is divided here,
    not by the caller: a call site per case would compile two
    specializations.)

    Returns
    -------
    t : int
        The step count after the step (unchanged by SGD).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import Adam, optimizer_step
    >>> p = np.array([1.0])
    >>> opt = Adam(np.zeros(1), np.zeros(1), 0.1, 0.0, 0.0, 0.0)
    >>> t = optimizer_step(opt, p, np.array([2.0]), 1, 0.0, None, 1.0, 1, 1, 0)
    >>> t, p
    (1, array([0.9]))
    """
    if isinstance(opt, SGD):
        step = _step_sgd
    elif isinstance(opt, Adam):
        step = _step_adam
    else:
        step = _step_rmsprop
    return step(
        opt, params, grad, n_coef, l1_scale, group_alpha, n_b, n_rows0, n_cols0, t
    )


# Pasted into the optimizer's step (numba IR): one function compiled per
# optimizer instead of two, each with its own LLVM optimization and machine
# code, linked and optimized again into the engine.
_STEP_KERNELS = {
    name: njit(error_model="numpy", cache=False, inline="always")(
        getattr(globals()[name], "py_func", globals()[name])
    )
    for name in ("sgd_step", "adam_step", "rmsprop_step", "group_prox_rows")
}
_ENGINE_STEPS = {
    SGD: _rebind(_step_sgd, _STEP_KERNELS),
    Adam: _rebind(_step_adam, _STEP_KERNELS),
    RMSprop: _rebind(_step_rmsprop, _STEP_KERNELS),
}


@overload_when_loaded(optimizer_step, jit_options=_JIT_OPTIONS, inline="never")
def _ov_optimizer_step(
    opt, params, grad, n_coef, l1_scale, group_alpha, n_b, n_rows0, n_cols0, t
):
    return _ENGINE_STEPS.get(getattr(opt, "instance_class", None))


# Called from Python only: no C entry point (a function pointer for cfunc
# callers, about 200 lines of IR for the engine's signature).
@njit(error_model="numpy", no_cfunc_wrapper=True)
def _batches(
    params,
    grad,
    net,
    X,
    Xs,
    Xd,
    Y,
    sw,
    order,
    batch_size,
    pos0,
    work,
    pen,
    opt,
    t,
    group_alpha,
    bn,
    perturb,
):
    """The engine: loss and gradient of each batch, then the optimizer's step.

    One compiled function for :func:`run_epoch` and :func:`loss_grad` (which
    is this with ``opt=None``: one batch, no step): a kernel that called
    another would link and optimize the callee's code again, so one body
    costs about half the cold compilation of two (benchmarks/
    bench_mlp_first_use.py).  ``pos0`` is the epoch position of ``order[0]``
    (the row of the dropout masks and noise).  The input comes as one of
    ``X`` (dense), ``Xs`` (:class:`CSR`, read by the first layer) or ``Xd``
    (:class:`CSR` made dense batch by batch: the input is perturbed); the
    other two are None (see :func:`_split`).

    Returns
    -------
    loss_sum, t, n_done
        As :func:`run_epoch`.
    loss, n_b
        The last batch's penalized loss and weight sum, as :func:`loss_grad`.
    """
    # the fields read in the loops, read once: each read of an array field
    # is a reference count taken and dropped in the kernel's code
    units = net.units
    act_start = work.act_start
    acts = work.acts
    deltas = work.deltas
    coef_start = net.coef_start
    intercept_start = net.intercept_start
    last = units.shape[0] - 1
    n_features = units[0]
    n_out = units[last]
    dt = params.dtype.type
    one = dt(1)
    zero = dt(0)
    n_coef = net.n_coef
    l2 = pen.alpha * (one - pen.l1_ratio)
    n = order.shape[0]
    loss_sum = 0.0
    n_done = 0
    loss = zero
    sw_sum = zero
    start = 0
    while start < n:
        stop = start + batch_size if start + batch_size < n else n
        rows = view(order, start, (stop - start,))
        nb = stop - start
        pos = pos0 + start
        # two of X, Xs and Xd are None; numba prunes the branches of an
        # ``arg is not None`` test on an argument typed None (not those of
        # ``is None`` on the other), so each layout's code is compiled alone.
        sparse_first = False
        if X is not None:
            xb = view(work.x_buf, 0, (nb, n_features))
            # the batch's rows, targets and weights gathered (the small loops
            # of the engine are written out: see above sparse_rows_dot)
            for r in range(nb):
                row = rows[r]
                for j in range(n_features):
                    xb[r, j] = X[row, j]
        if Xs is not None:
            # the first layer reads the CSR arrays; xb is not read
            xb = view(work.x_buf, 0, (0, n_features))
            sparse_first = True
        if Xd is not None:
            xb = _scatter_csr(Xd, rows, work.x_buf, n_features)
        if perturb is not None:
            if perturb.use_noise:
                x = view(xb, 0, (xb.size,))
                off = pos * n_features
                for j in range(x.shape[0]):
                    x[j] += perturb.noise[off + j]
            if perturb.mask_start[0] >= 0:
                apply_mask(
                    xb, xb, perturb.masks, perturb.mask_start[0] + pos * n_features
                )
        yb = view(work.y_buf, 0, (nb, n_out))
        sw_b = view(work.sw_buf, 0, (nb,))
        sw_sum = zero
        for r in range(nb):
            row = rows[r]
            sw_b[r] = sw[row]
            sw_sum += sw[row]
            for j in range(n_out):
                yb[r, j] = Y[row, j]

        # forward
        prev = xb
        for i in range(last):
            fo = units[i + 1]
            W = view(params, coef_start[i], (units[i], fo))
            b = view(params, intercept_start[i], (fo,))
            Z = view(acts, act_start[i + 1], (nb, fo))
            if i > 0 or not sparse_first:
                matmul(prev, W, Z)
            elif Xs is not None:
                sparse_rows_dot(Z, W, rows, Xs.data, Xs.indices, Xs.indptr)
            for r in range(nb):
                for k in range(fo):
                    Z[r, k] += b[k]
            if i + 1 == last:
                activate(Z, net.out)
                continue
            if bn is not None:
                # batch normalization, written out (a kernel of its own is
                # compiled twice: alone, and again linked into the engine):
                # zhat = (Z - mean) / sqrt(var + eps) with the sw-weighted
                # mean and (biased) variance over the rows, so that a row of
                # weight 2 counts as two rows; Z <- scale * zhat + shift.
                # zhat and std are kept for the backward pass.  The running
                # statistics move towards the batch's, with the unbiased
                # variance var * S / (S - 1) (S = sw_sum): run <- momentum *
                # run + (1 - momentum) * batch (Keras's convention).
                h0 = bn.hid_start[i + 1]
                H = bn.n_hidden
                s0 = bn.n_base + h0
                momentum = bn.momentum
                running = bn.running
                zhat = view(bn.zhat, act_start[i + 1], (nb, fo))
                for k in range(fo):
                    mu = zero
                    for r in range(nb):
                        mu += sw_b[r] * Z[r, k]
                    mu /= sw_sum
                    var = zero
                    for r in range(nb):
                        d = Z[r, k] - mu
                        var += sw_b[r] * (d * d)
                    var /= sw_sum
                    sd = np.sqrt(var + bn.eps)
                    bn.std[h0 + k] = sd
                    scale = params[s0 + k]
                    shift = params[s0 + H + k]
                    for r in range(nb):
                        zh = (Z[r, k] - mu) / sd
                        zhat[r, k] = zh
                        Z[r, k] = scale * zh + shift
                    unbiased = var * sw_sum / (sw_sum - one) if sw_sum > one else var
                    m0 = h0 + k
                    v0 = H + h0 + k
                    running[m0] = momentum * running[m0] + (one - momentum) * mu
                    running[v0] = momentum * running[v0] + (one - momentum) * unbiased
            activate(Z, net.hidden)
            prev = Z
            if perturb is not None:
                if perturb.mask_start[i + 1] >= 0:
                    prev = view(perturb.drop_acts, act_start[i + 1], (nb, fo))
                    apply_mask(
                        Z, prev, perturb.masks, perturb.mask_start[i + 1] + pos * fo
                    )

        A_out = view(acts, act_start[last], (nb, n_out))
        # the public kernel: early stopping's validation loss (called from
        # Python) shares this specialization
        loss = data_loss(yb, A_out, sw_b, net.loss, net.clip_eps)
        sq = zero
        ab = zero
        for j in range(n_coef):
            w = params[j]
            sq += w * w
            ab += abs(w)
        loss += dt(0.5) * l2 * sq / sw_sum + pen.alpha * pen.l1_ratio * ab / sw_sum
        if group_alpha is not None:
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
        D = view(deltas, act_start[last], (nb, n_out))
        for r in range(nb):
            for j in range(n_out):
                D[r, j] = (A_out[r, j] - yb[r, j]) * sw_b[r]
        for layer in range(last, 0, -1):
            fi = units[layer - 1]
            D = view(deltas, act_start[layer], (nb, units[layer]))
            fo = units[layer]
            W = view(params, coef_start[layer - 1], (fi, fo))
            G = view(grad, coef_start[layer - 1], (fi, fo))
            gb = view(grad, intercept_start[layer - 1], (fo,))
            dropped = False
            A_in = acts
            if perturb is not None:
                dropped = perturb.mask_start[layer - 1] >= 0
                if dropped:
                    A_in = perturb.drop_acts
            if layer > 1:
                matmul(view(A_in, act_start[layer - 1], (nb, fi)).T, D, G)
            elif not sparse_first:
                matmul(xb.T, D, G)
            elif Xs is not None:
                sparse_rows_grad(G, D, rows, Xs.data, Xs.indices, Xs.indptr)
            finish_layer_grad(G, gb, W, D, l2, sw_sum)
            if layer == 1:
                continue
            A_prev = view(acts, act_start[layer - 1], (nb, fi))
            D_prev = view(deltas, act_start[layer - 1], (nb, fi))
            matmul(D, W.T, D_prev)
            if perturb is not None:
                if dropped:
                    apply_mask(
                        D_prev,
                        D_prev,
                        perturb.masks,
                        perturb.mask_start[layer - 1] + pos * fi,
                    )
            activation_derivative(A_prev, D_prev, net.hidden)
            if bn is not None:
                # back through the batch normalization, written out (as its
                # forward pass): the gradients of the scale and shift
                # (divided by sw_sum as every gradient of the loss), and D
                # becomes the gradient w.r.t. the pre-normalization input,
                # scale / std * (D - sw * (sum(D) + zhat * sum(D * zhat)) /
                # sw_sum) (with unit weights the textbook D - mean(D) - zhat
                # * mean(D * zhat)).
                h0 = bn.hid_start[layer - 1]
                H = bn.n_hidden
                s0 = bn.n_base + h0
                zhat = view(bn.zhat, act_start[layer - 1], (nb, fi))
                for k in range(fi):
                    s1 = zero
                    s2 = zero
                    for r in range(nb):
                        d = D_prev[r, k]
                        s1 += d
                        s2 += d * zhat[r, k]
                    g_scale = s2 / sw_sum
                    g_shift = s1 / sw_sum
                    grad[s0 + k] = g_scale
                    grad[s0 + H + k] = g_shift
                    c = params[s0 + k] / bn.std[h0 + k]
                    for r in range(nb):
                        d = D_prev[r, k] - sw_b[r] * (g_shift + zhat[r, k] * g_scale)
                        D_prev[r, k] = c * d

        # not np.isfinite: numba computes it as ``ord(x - x)``, and with the
        # reassoc flag LLVM folds ``x - x`` to 0 once the loss's code is in
        # the same function (a NaN loss then passed).  An ordered compare
        # with inf is kept by every flag of FASTMATH.
        if not abs(loss) < np.inf:
            return float(loss), t, n_done, loss, sw_sum
        loss_sum += float(loss) * nb
        if opt is not None:
            if pen.weight_decay > zero:
                shrink = one - opt.lr * pen.weight_decay
                for j in range(n_coef):
                    params[j] *= shrink
            l1_scale = pen.alpha * pen.l1_ratio / sw_sum
            n_rows0 = units[0]
            n_cols0 = units[1]
            t = optimizer_step(
                opt,
                params,
                grad,
                n_coef,
                l1_scale,
                group_alpha,
                sw_sum,
                n_rows0,
                n_cols0,
                t,
            )
        n_done += 1
        start = stop
    return loss_sum, t, n_done, loss, sw_sum


def _split(X, perturb):
    """``X`` as the engine's ``X, Xs, Xd`` (see :func:`_batches`).

    A CSR input whose entries are perturbed (input noise or dropout) is made
    dense batch by batch; the kernel compiled for it has no sparse products.
    """
    if not isinstance(X, CSR):
        return X, None, None
    if perturb is not None and (perturb.use_noise or perturb.mask_start[0] >= 0):
        return None, None, X
    return None, X, None


def loss_grad(
    params, grad, net, X, Y, sw, rows, pos, work, pen, group_alpha, bn, perturb
):
    """Penalized loss of the rows ``rows`` and its gradient (smooth part).

    The objective is scikit-learn's data loss plus
    ``alpha / n_b * (l1_ratio * ||W||_1 + (1 - l1_ratio) / 2 * ||W||^2)``
    (and ``group_alpha / n_b * sum_j ||W1[j]||``) with ``n_b`` the sum of the
    batch's sample weights.  ``grad`` receives the gradient of the data loss
    and of the L2 part only (the L1 and group parts are the proximal steps of
    :func:`optimizer_step`).

    Parameters
    ----------
    params, grad : ndarray
        Flat parameters and their gradient (same layout).
    net : Network
    X : ndarray of shape (n_samples, n_features) or CSR
    Y : ndarray of shape (n_samples, n_outputs)
    sw : ndarray of shape (n_samples,)
    rows : ndarray of int64
        The batch's rows.
    pos : int
        Position of the batch in the epoch (row of the dropout masks and
        noise).
    work : Work
    pen : Penalty
    group_alpha : float or None
        Strength of the group lasso on the first layer's rows (None: off).
    bn : BatchNorm or None
        With batch normalization, its running statistics are updated.
    perturb : Perturb or None
        Dropout masks and input noise.

    Returns
    -------
    loss : float
        The penalized loss (including the L1 and group parts).
    n_b : float
        Sum of the sample weights of the rows (the penalty's scaling).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp import (IDENTITY, SQUARED, Network, Penalty, Work,
    ...                                 loss_grad)
    >>> net = Network(np.array([1, 1]), np.array([0]), np.array([1]), 1,
    ...               IDENTITY, IDENTITY, SQUARED, 1e-16)
    >>> X = np.array([[1.0], [2.0]])
    >>> params = np.array([1.0, 0.0]); grad = np.zeros(2)
    >>> work = Work(*(np.zeros(2) for _ in range(5)), np.array([0, 0]))
    >>> loss, n_b = loss_grad(params, grad, net, X, X.copy(), np.ones(2),
    ...                       np.arange(2), 0, work, Penalty(0.0, 0.0, 0.0), None,
    ...                       None, None)
    >>> float(loss), float(n_b), grad.tolist()
    (0.0, 2.0, [0.0, 0.0])
    """
    head = (params, grad, net, *_split(X, perturb), Y, sw)
    tail = (work, pen, None, 0, group_alpha, bn, perturb)
    _, _, _, loss, n_b = _batches(*head, rows, rows.shape[0], pos, *tail)
    return loss, n_b


def run_epoch(
    params, grad, net, X, Y, sw, order, batch_size, work, pen, opt, t, *options
):
    """One epoch of minibatch SGD, Adam or RMSprop over the rows in ``order``.

    Batches are consecutive slices of ``order`` of ``batch_size`` rows (the
    last one shorter), as ``sklearn.utils.gen_batches`` makes them.  Per
    batch: :func:`loss_grad`; decoupled weight decay
    ``W <- (1 - lr * weight_decay) * W`` (before the step, as PyTorch's
    ``AdamW`` takes it, with the un-corrected learning rate); then
    :func:`optimizer_step` with the proximal steps.  Stops before updating
    when a batch loss is not finite.

    The arguments are those of :func:`loss_grad`, with the row ``order`` and
    ``batch_size`` instead of the rows and position, plus the optimizer
    ``opt`` (:class:`SGD`, :class:`Adam` or :class:`RMSprop`, updated in
    place) and its step count ``t``; ``*options`` are ``group_alpha, bn,
    perturb``, as in :func:`loss_grad` (None: off).

    Returns
    -------
    loss_sum : float
        Sum over batches of ``batch_loss * rows_in_batch``.
    t : int
        The optimizer's step count after the epoch.
    n_done : int
        Number of batches completed; smaller than the number of batches only
        when a non-finite loss was met.

    Examples
    --------
    One epoch of plain SGD, in two batches, on ``y = 2 x`` with one weight:

    >>> import numpy as np
    >>> from skreg._kernels.mlp import (IDENTITY, SGD, SQUARED, Network, Penalty,
    ...                                 Work, run_epoch)
    >>> net = Network(np.array([1, 1]), np.array([0]), np.array([1]), 1,
    ...               IDENTITY, IDENTITY, SQUARED, 1e-16)
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0]]); Y = 2 * X
    >>> params = np.array([0.0, 0.0])
    >>> work = Work(*(np.zeros(2) for _ in range(5)), np.array([0, 0]))
    >>> loss_sum, t, n_done = run_epoch(
    ...     params, np.zeros(2), net, X, Y, np.ones(4), np.arange(4), 2, work,
    ...     Penalty(0.0, 0.0, 0.0), SGD(np.zeros(2), 0.1, 0.0, False), 0,
    ...     None, None, None)
    >>> n_done, bool(params[0] > 1.0)
    (2, True)
    """
    head = (params, grad, net, *_split(X, options[-1]), Y, sw)
    # options: group_alpha, bn, perturb (as loss_grad's)
    tail = (work, pen, opt, t, *options)
    loss_sum, t, n_done, _, _ = _batches(*head, order, batch_size, 0, *tail)
    return loss_sum, t, n_done


# At the end: the NumPy versions register themselves for the kernels above
# (skreg._numba.numpy_version_of).
from skreg._kernels import mlp_numpy  # noqa: E402, F401
