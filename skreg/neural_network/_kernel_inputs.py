"""Convert validated inputs once into the named tuples the numba engine takes.

See :mod:`skreg._kernels.mlp` for what each group holds.  Scalars are cast
to the parameters' dtype here so that a float32 fit compiles (and stays) in
float32, and indices to int64, so that every fit of a dtype and layout shares
one specialization of the kernels.
"""

import numpy as np
import scipy.sparse as sp

from skreg._kernels.mlp_types import (
    ACTIVATIONS,
    CSR,
    LOSSES,
    Network,
    Penalty,
    Work,
)
from skreg.neural_network._network import HIDDEN_CODES, OUT_CODES, loss_code


def kernel_X(X, dtype):
    """Dense C-contiguous ``X`` or its :class:`CSR` arrays (int64 indices).

    Never modifies ``X``; copies only when the dtype, order or format differ.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.neural_network._kernel_inputs import kernel_X
    >>> kernel_X(np.eye(2), np.float32).dtype
    dtype('float32')
    """
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        return CSR(
            np.ascontiguousarray(X.data, dtype=dtype),
            np.ascontiguousarray(X.indices, dtype=np.int64),
            np.ascontiguousarray(X.indptr, dtype=np.int64),
        )
    return np.ascontiguousarray(X, dtype=dtype)


def network(layout, activation, out_activation, loss, dtype):
    """The :class:`Network` of a layout, activations and loss.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.neural_network._network import Layout
    >>> from skreg.neural_network._kernel_inputs import network
    >>> net = network(Layout([3, 2, 1]), "relu", "identity", "squared_error",
    ...               np.float64)
    >>> net.n_coef, net.units.tolist()
    (8, [3, 2, 1])
    """
    dtype = np.dtype(dtype)
    return Network(
        layout.units,
        layout.coef_start,
        layout.intercept_start,
        int(layout.n_coef),
        # as code types: the kernels compile these activations and loss only
        ACTIVATIONS[HIDDEN_CODES[activation]],
        ACTIVATIONS[OUT_CODES[out_activation]],
        LOSSES[loss_code(loss, out_activation)],
        dtype.type(np.finfo(dtype).eps),
    )


def work(layout, n_rows, dtype, dense_input):
    """The :class:`Work` buffers for batches of at most ``n_rows`` rows."""
    buf = layout.buffers(n_rows, dtype, dense_input)
    return Work(
        buf["x_buf"],
        buf["y_buf"],
        buf["sw_buf"],
        buf["acts"],
        buf["deltas"],
        buf["act_start"],
    )


def penalty(dtype, alpha, l1_ratio=0.0, weight_decay=0.0):
    """The :class:`Penalty` with every strength in ``dtype``."""
    dt = np.dtype(dtype).type
    return Penalty(dt(alpha), dt(l1_ratio), dt(weight_decay))
