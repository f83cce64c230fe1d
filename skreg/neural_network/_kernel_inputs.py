"""Convert validated inputs once into the arrays the numba kernels take."""

import numpy as np
import scipy.sparse as sp


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
