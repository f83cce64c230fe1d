"""Layout of a network's parameters in one flat vector, its init and predict.

The numba kernels of :mod:`skreg._kernels.mlp` see a network as one flat
parameter vector (weights of every layer, then intercepts) plus integer
offsets; this module builds those offsets, packs and unpacks the
``coefs_``/``intercepts_`` lists, draws scikit-learn's initial weights and
computes predictions with NumPy (prediction is not a hot path and NumPy
handles sparse inputs through ``safe_sparse_dot``).
"""

import numpy as np
from scipy.special import expit
from sklearn.utils.extmath import safe_sparse_dot

from skreg._kernels import mlp_types as K

HIDDEN_CODES = {
    "identity": K.IDENTITY,
    "logistic": K.LOGISTIC,
    "tanh": K.TANH,
    "relu": K.RELU,
}
# Added to the batch variance before the square root (PyTorch's default).
BATCH_NORM_EPSILON = 1e-5

OUT_CODES = {
    "identity": K.IDENTITY,
    "logistic": K.LOGISTIC,
    "softmax": K.SOFTMAX,
    "exp": K.EXP,
}


def loss_code(loss, out_activation):
    """Kernel code of the loss; ``log_loss`` with a logistic output is binary.

    Examples
    --------
    >>> from skreg.neural_network._network import loss_code
    >>> loss_code("log_loss", "logistic")
    2
    """
    if loss == "squared_error":
        return K.SQUARED
    if loss == "poisson":
        return K.POISSON
    if out_activation == "logistic":
        return K.BINARY_LOG_LOSS
    return K.LOG_LOSS


class Layout:
    """Offsets of every layer's weights and intercepts in the flat vector.

    Parameters
    ----------
    layer_units : list of int
        ``[n_features, *hidden_layer_sizes, n_outputs]``.

    Examples
    --------
    >>> from skreg.neural_network._network import Layout
    >>> lay = Layout([3, 2, 1])
    >>> lay.n_coef, lay.n_params
    (8, 11)
    """

    def __init__(self, layer_units):
        self.units = np.asarray(layer_units, dtype=np.int64)
        fan = list(zip(layer_units[:-1], layer_units[1:], strict=True))
        coef_start, intercept_start = [], []
        pos = 0
        for fi, fo in fan:
            coef_start.append(pos)
            pos += fi * fo
        self.n_coef = pos
        for _, fo in fan:
            intercept_start.append(pos)
            pos += fo
        self.n_params = pos
        self.coef_start = np.asarray(coef_start, dtype=np.int64)
        self.intercept_start = np.asarray(intercept_start, dtype=np.int64)
        self.shapes = fan

    def pack(self, coefs, intercepts, dtype):
        """Concatenate weights then intercepts into a new flat vector."""
        flat = np.empty(self.n_params, dtype=dtype)
        for i, (fi, fo) in enumerate(self.shapes):
            c0, b0 = self.coef_start[i], self.intercept_start[i]
            flat[c0 : c0 + fi * fo] = np.asarray(coefs[i]).ravel()
            flat[b0 : b0 + fo] = np.asarray(intercepts[i]).ravel()
        return flat

    def unpack(self, flat):
        """Views of ``flat`` as the ``coefs_`` and ``intercepts_`` lists."""
        coefs, intercepts = [], []
        for i, (fi, fo) in enumerate(self.shapes):
            c0, b0 = self.coef_start[i], self.intercept_start[i]
            coefs.append(flat[c0 : c0 + fi * fo].reshape(fi, fo))
            intercepts.append(flat[b0 : b0 + fo])
        return coefs, intercepts

    def buffers(self, n_rows, dtype, dense_input):
        """Work buffers of the kernels for batches of at most ``n_rows`` rows."""
        units = self.units
        act_start = np.zeros(len(units), dtype=np.int64)
        pos = 0
        for layer in range(1, len(units)):
            act_start[layer] = pos
            pos += n_rows * int(units[layer])
        n_x = n_rows * int(units[0]) if dense_input else 1
        return dict(
            x_buf=np.empty(n_x, dtype=dtype),
            y_buf=np.empty(n_rows * int(units[-1]), dtype=dtype),
            sw_buf=np.empty(n_rows, dtype=dtype),
            acts=np.empty(max(pos, 1), dtype=dtype),
            deltas=np.empty(max(pos, 1), dtype=dtype),
            act_start=act_start,
        )


def init_coefs(layer_units, activation, random_state, dtype):
    """Glorot-uniform initial weights, drawn in scikit-learn's order.

    For each layer the weight matrix is drawn first, then the intercepts,
    both uniform on ``[-b, b]`` with ``b = sqrt(f / (fan_in + fan_out))``,
    ``f = 2`` for the logistic activation and ``6`` otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.neural_network._network import init_coefs
    >>> coefs, intercepts = init_coefs([4, 3, 1], "relu",
    ...                                np.random.RandomState(0), np.float64)
    >>> [c.shape for c in coefs], [b.shape for b in intercepts]
    ([(4, 3), (3, 1)], [(3,), (1,)])
    """
    coefs, intercepts = [], []
    factor = 2.0 if activation == "logistic" else 6.0
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:], strict=True):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coef = random_state.uniform(-bound, bound, (fan_in, fan_out))
        intercept = random_state.uniform(-bound, bound, fan_out)
        coefs.append(coef.astype(dtype, copy=False))
        intercepts.append(intercept.astype(dtype, copy=False))
    return coefs, intercepts


def _apply(Z, name):
    if name == "logistic":
        expit(Z, out=Z)
    elif name == "tanh":
        np.tanh(Z, out=Z)
    elif name == "relu":
        np.maximum(Z, 0, out=Z)
    elif name == "softmax":
        Z -= Z.max(axis=1, keepdims=True)
        np.exp(Z, out=Z)
        Z /= Z.sum(axis=1, keepdims=True)
    elif name == "exp":
        np.exp(Z, out=Z)
    return Z


def predict_raw(coefs, intercepts, X, activation, out_activation, batch_norm=None):
    """Output-layer activations for ``X`` (dense or sparse).

    ``batch_norm`` is None or ``(scales, shifts, running_means, running_vars)``
    (lists with one array per hidden layer): each hidden pre-activation is then
    normalized with the running statistics,
    ``scale * (z - mean) / sqrt(var + BATCH_NORM_EPSILON) + shift``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.neural_network._network import predict_raw
    >>> predict_raw([np.ones((2, 1))], [np.zeros(1)], np.eye(2), "relu",
    ...             "identity")
    array([[1.],
           [1.]])
    """
    A = X
    n = len(coefs)
    for i in range(n):
        A = safe_sparse_dot(A, coefs[i])
        A = np.asarray(A)
        A += intercepts[i]
        if batch_norm is not None and i < n - 1:
            scale, shift, mean, var = (part[i] for part in batch_norm)
            A -= mean
            A *= scale / np.sqrt(var + A.dtype.type(BATCH_NORM_EPSILON))
            A += shift
        _apply(A, activation if i < n - 1 else out_activation)
    return A
