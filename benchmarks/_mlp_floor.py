"""The compile-time floor of numba for an MLP: one self-contained epoch kernel.

One epoch of the default ``MLPClassifier`` (one hidden layer of 100 ReLU
units, softmax output, log loss, Adam, minibatches of 200) in a single
``@njit`` function with skreg's flags and array types (flat float64
parameters, C-contiguous views, int64 row order): forward, loss, backward,
Adam step.  Buffers come from the caller and the products go through skreg's
``matmul`` intrinsic (:mod:`skreg._kernels.mlp_intrinsics`; BLAS called
inline: ``np.dot(a, b, out)`` without numba's shape checks, whose error
messages alone compile string formatting; with
``np.dot`` and ``np.empty`` this kernel compiles in about 2.5 times the
time).  No options, no layouts, no dispatch.  ``first-use`` compiles it in a
fresh process with an empty cache: an engine with skreg's options cannot
compile a default fit in much less, so its time is what the MLP targets can
ask of skreg.  Run with ``X`` and ``y`` given as globals
(``runpy.run_path(..., init_globals=...)``).
"""

import numba
import numpy as np

from skreg._kernels.mlp_intrinsics import blas_matmul as matmul

FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}


@numba.njit(cache=True, nogil=True, fastmath=FLAGS, error_model="numpy")
def adam_epoch(X, Y, params, grad, m, v, bufs, order, n_hidden, batch_size, lr, t):
    """One epoch of Adam on ``params = [W1, W2, b1, b2]``; return ``(loss, t)``."""
    n_features = X.shape[1]
    n_out = Y.shape[1]
    n1 = n_features * n_hidden
    n2 = n1 + n_hidden * n_out
    W1 = params[:n1].reshape((n_features, n_hidden))
    W2 = params[n1:n2].reshape((n_hidden, n_out))
    b1 = params[n2 : n2 + n_hidden]
    b2 = params[n2 + n_hidden :]
    G1 = grad[:n1].reshape((n_features, n_hidden))
    G2 = grad[n1:n2].reshape((n_hidden, n_out))
    gb1 = grad[n2 : n2 + n_hidden]
    gb2 = grad[n2 + n_hidden :]
    xb = bufs[: batch_size * n_features].reshape((batch_size, n_features))
    o1 = batch_size * n_features
    A1 = bufs[o1 : o1 + batch_size * n_hidden].reshape((batch_size, n_hidden))
    o2 = o1 + batch_size * n_hidden
    D1 = bufs[o2 : o2 + batch_size * n_hidden].reshape((batch_size, n_hidden))
    o3 = o2 + batch_size * n_hidden
    A2 = bufs[o3 : o3 + batch_size * n_out].reshape((batch_size, n_out))
    eps = 2.220446049250313e-16
    loss_sum = 0.0
    n = order.shape[0]
    start = 0
    while start < n:
        stop = min(start + batch_size, n)
        nb = stop - start
        x = xb[:nb]
        for r in range(nb):
            for j in range(n_features):
                x[r, j] = X[order[start + r], j]
        a1 = A1[:nb]
        matmul(x, W1, a1)
        for r in range(nb):
            for k in range(n_hidden):
                z = a1[r, k] + b1[k]
                a1[r, k] = z if z > 0.0 else 0.0
        a2 = A2[:nb]
        matmul(a1, W2, a2)
        loss = 0.0
        for r in range(nb):
            zmax = -np.inf
            for k in range(n_out):
                a2[r, k] += b2[k]
                zmax = max(zmax, a2[r, k])
            s = 0.0
            for k in range(n_out):
                a2[r, k] = np.exp(a2[r, k] - zmax)
                s += a2[r, k]
            for k in range(n_out):
                a2[r, k] /= s
                y = Y[order[start + r], k]
                if y != 0.0:
                    loss -= y * np.log(min(max(a2[r, k], eps), 1.0 - eps))
                a2[r, k] -= y  # the output delta
        loss /= nb
        matmul(a1.T, a2, G2)
        d1 = D1[:nb]
        matmul(a2, W2.T, d1)
        for r in range(nb):
            for k in range(n_hidden):
                if a1[r, k] == 0.0:
                    d1[r, k] = 0.0
        matmul(x.T, d1, G1)
        for j in range(n2):
            grad[j] /= nb
        gb1[:] = 0.0
        gb2[:] = 0.0
        for r in range(nb):
            for k in range(n_hidden):
                gb1[k] += d1[r, k] / nb
            for k in range(n_out):
                gb2[k] += a2[r, k] / nb
        t += 1
        lr_t = lr * np.sqrt(1.0 - 0.999**t) / (1.0 - 0.9**t)
        for j in range(params.shape[0]):
            g = grad[j]
            m[j] = 0.9 * m[j] + 0.1 * g
            v[j] = 0.999 * v[j] + 0.001 * g * g
            params[j] -= lr_t * m[j] / (np.sqrt(v[j]) + 1e-8)
        loss_sum += loss * nb
        start = stop
    return loss_sum / n, t


X = np.ascontiguousarray(X, dtype=np.float64)  # noqa: F821 - given by the caller
classes = np.unique(y)  # noqa: F821
Y = (y[:, None] == classes[None, :]).astype(np.float64)  # noqa: F821
rng = np.random.RandomState(0)
n_params = X.shape[1] * 100 + 100 * len(classes) + 100 + len(classes)
params = rng.uniform(-0.1, 0.1, n_params)
grad, m, v = np.zeros(n_params), np.zeros(n_params), np.zeros(n_params)
batch = min(200, X.shape[0])
bufs = np.empty(batch * (X.shape[1] + 200 + len(classes)))
t = 0
for _ in range(20):
    order = rng.permutation(X.shape[0]).astype(np.int64)
    loss, t = adam_epoch(X, Y, params, grad, m, v, bufs, order, 100, batch, 1e-3, t)
