"""Two intrinsics of the MLP engine: ``matmul`` and ``view``.

``matmul(a, b, out)``: numba's ``np.dot(a, b, out)`` without its wrapper.

Inside a kernel, numba compiles ``np.dot(a, b, out)`` as a function of its
own for every combination of layouts (the implementation is a lambda around
an intrinsic), and every caller then links and optimizes that function again.
An MLP's forward and backward passes have three such combinations (``C @ C``,
``A.T @ D``, ``D @ W.T``): measured, about 0.1 s of cold compilation each,
repeated in every kernel that calls them (benchmarks/bench_mlp_first_use.py
``--kernels``, ``linalg.<lambda>``).  :func:`matmul` emits the same BLAS
calls straight into the caller: the same choice of ``gemm`` / ``gemv`` /
``dot`` and of the transposition flags as numba's ``dot_3_mm``, so results
are bitwise those of ``np.dot`` in a kernel.  Its arguments are 2-D arrays of
one dtype, each C- or F-contiguous (``.T`` of a C block is F), ``out``
C-contiguous with the product's shape; the kernels guarantee this by
construction.

``view(buf, start, shape)``: the C-ordered block of ``shape`` that starts at
``buf[start]``, as ``buf[start:start + size].reshape(shape)``.  In a kernel
a slice and a reshape lower to bounds normalization, a call to numba's
``normalize_reshape_value`` and the code that raises its errors: about 400
lines of LLVM IR per call site, of which the engine has a dozen.
:func:`view` builds the array structure directly, without checks (the
engine's offsets and shapes come from the layout that sized the buffers).
Measured on a default ``MLPClassifier`` with an empty cache: the engine's
raw IR 17400 -> 12800 lines, its LLVM module optimization 0.91 -> 0.47 s,
the first fit 4.2-4.4 -> 3.4-3.7 CPU s.

Here both are Python: :func:`matmul` is ``np.dot`` and :func:`view` slices
and reshapes, as Python callers and interpreted kernels run them (and
everything without JIT, ``NUMBA_DISABLE_JIT=1``).  Once numba is loaded,
their intrinsics (:mod:`skreg._kernels.mlp_intrinsics`) replace them in the
kernels' modules (:func:`skreg._numba.compiled_in_kernels`), so importing
this module loads no numba.
"""

import numpy as np

from skreg._numba import compiled_in_kernels


def matmul(a, b, out):
    """``out[:] = a @ b`` through BLAS, as ``np.dot(a, b, out)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp_blas import matmul
    >>> out = np.empty((1, 1))
    >>> matmul(np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]]), out)
    >>> out
    array([[11.]])
    """
    np.dot(a, b, out)


def view(buf, start, shape):
    """The C-ordered block of ``shape`` at flat index ``start`` of ``buf``.

    ``buf`` is C-contiguous, of any number of dimensions.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._kernels.mlp_blas import python_view  # view, from Python
    >>> python_view(np.arange(8.0), 2, (2, 3)).tolist()
    [[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]]
    """
    size = 1
    for n in shape:
        size *= n
    return buf.reshape(-1)[start : start + size].reshape(shape)


python_view = view  # for Python callers of code that kernels compile too


@compiled_in_kernels(matmul)
def _compiled_matmul():
    # The intrinsic itself, not an overload: an overload's implementation is
    # compiled as a function of its own even when inlined.
    from skreg._kernels.mlp_intrinsics import blas_matmul

    return blas_matmul


@compiled_in_kernels(view)
def _compiled_view():
    from skreg._kernels.mlp_intrinsics import array_view

    return array_view
