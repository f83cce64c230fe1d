"""Convert validated inputs once into the arrays the numba kernels take."""

import numpy as np
import scipy.sparse as sp

from skreg.neural_network._network import HIDDEN_CODES, OUT_CODES, loss_code


def kernel_inputs(X, dtype):
    """Dense C-contiguous ``X`` or CSR arrays, plus dummies for the other one.

    Never modifies ``X``; copies only when the dtype, order or format differ.

    Returns
    -------
    args : tuple
        ``(X_dense, X_data, X_indices, X_indptr, is_sparse)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg.neural_network._kernel_inputs import kernel_inputs
    >>> args = kernel_inputs(np.eye(2), np.float32)
    >>> args[0].dtype, args[-1]
    (dtype('float32'), False)
    """
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        return (
            np.zeros((1, 1), dtype=dtype),
            np.ascontiguousarray(X.data, dtype=dtype),
            np.ascontiguousarray(X.indices, dtype=np.int64),
            np.ascontiguousarray(X.indptr, dtype=np.int64),
            True,
        )
    return (
        np.ascontiguousarray(X, dtype=dtype),
        np.zeros(1, dtype=dtype),
        np.zeros(1, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
        False,
    )


def data_args(layout, x_args, Y, sw):
    """The network and data arguments the MLP kernels take after the state.

    ``x_args`` is what :func:`kernel_inputs` returns; ``Y`` and ``sw`` are
    already contiguous in the parameters' dtype.  :func:`loss_grad` takes the
    batch's rows next, :func:`run_epoch` the row order and the batch size.
    """
    starts = (layout.coef_start, layout.intercept_start)
    return (layout.units, *starts, layout.n_coef, *x_args, Y, sw)


def model_args(est, buf, dtype, l1_ratio):
    """The work buffers, activation and loss codes and penalty of the kernels.

    They follow the rows (or row order and batch size) of :func:`data_args`
    in :func:`skreg._kernels.mlp.loss_grad` and
    :func:`skreg._kernels.mlp.run_epoch`.
    """
    dt = np.dtype(dtype).type
    return (
        buf["x_buf"],
        buf["y_buf"],
        buf["sw_buf"],
        buf["acts"],
        buf["deltas"],
        buf["act_start"],
        HIDDEN_CODES[est.activation],
        OUT_CODES[est.out_activation_],
        loss_code(est.loss, est.out_activation_),
        dt(est.alpha),
        dt(l1_ratio),
        dt(np.finfo(dtype).eps),
    )
