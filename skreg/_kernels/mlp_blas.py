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

Without JIT (``NUMBA_DISABLE_JIT=1``) :func:`matmul` is ``np.dot`` and
:func:`view` slices and reshapes.
"""

import numpy as np
from numba.core import cgutils, config, types
from numba.core.imputils import impl_ret_borrowed
from numba.core.typing import signature
from numba.extending import intrinsic
from numba.np.arrayobj import make_array, populate_array
from numba.np.linalg import call_xxdot, call_xxgemm, call_xxgemv, ensure_blas


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


@intrinsic
def _blas_matmul(typingctx, a, b, out):
    ok = (
        all(isinstance(t, types.Array) and t.ndim == 2 for t in (a, b, out))
        and a.dtype == b.dtype == out.dtype
        and a.layout in "CF"
        and b.layout in "CF"
        and out.layout == "C"
    )
    if not ok:
        return None

    def codegen(context, builder, sig, args):
        # numba.np.linalg.dot_3_mm, less its shape check (compiled as a
        # function of its own per signature): same BLAS routine, same flags.
        ensure_blas()
        xty, yty, outty = sig.args
        dtype = xty.dtype
        x = make_array(xty)(context, builder, args[0])
        y = make_array(yty)(context, builder, args[1])
        res = make_array(outty)(context, builder, args[2])
        x_shapes = cgutils.unpack_tuple(builder, x.shape)
        y_shapes = cgutils.unpack_tuple(builder, y.shape)
        out_shapes = cgutils.unpack_tuple(builder, res.shape)
        m, k = x_shapes
        n = y_shapes[1]
        zero = context.get_constant(types.intp, 0)
        one = context.get_constant(types.intp, 1)
        is_empty = builder.or_(
            builder.icmp_signed("==", k, zero),
            builder.or_(
                builder.icmp_signed("==", m, zero), builder.icmp_signed("==", n, zero)
            ),
        )
        with builder.if_else(is_empty, likely=False) as (empty, nonempty):
            with empty:
                cgutils.memset(
                    builder, res.data, builder.mul(res.itemsize, res.nitems), 0
                )
            with nonempty:
                is_left_vec = builder.icmp_signed("==", m, one)
                is_right_vec = builder.icmp_signed("==", n, one)
                with builder.if_else(is_right_vec) as (r_vec, r_mat):
                    with r_vec:
                        with builder.if_else(is_left_vec) as (v_v, m_v):
                            with v_v:
                                call_xxdot(
                                    context, builder, False, dtype, k, x.data,
                                    y.data, res.data,
                                )  # fmt: skip
                            with m_v:
                                call_xxgemv(
                                    context, builder, xty.layout == outty.layout,
                                    xty, x_shapes, x.data, y.data, res.data,
                                )  # fmt: skip
                    with r_mat:
                        with builder.if_else(is_left_vec) as (v_m, m_m):
                            with v_m:
                                call_xxgemv(
                                    context, builder, yty.layout != outty.layout,
                                    yty, y_shapes, y.data, x.data, res.data,
                                )  # fmt: skip
                            with m_m:
                                call_xxgemm(
                                    context, builder, xty, x_shapes, x.data,
                                    yty, y_shapes, y.data, outty, out_shapes,
                                    res.data,
                                )  # fmt: skip
        return context.get_dummy_value()

    return signature(types.none, a, b, out), codegen


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


@intrinsic
def _view(typingctx, buf, start, shape):
    ok = (
        isinstance(buf, types.Array)
        and buf.layout == "C"
        and isinstance(start, types.Integer)
        and isinstance(shape, types.BaseTuple)
        and len(shape) > 0
        and all(isinstance(t, types.Integer) for t in shape)
    )
    if not ok:
        return None
    out = types.Array(buf.dtype, len(shape), "C", readonly=not buf.mutable)

    def codegen(context, builder, sig, args):
        # what numba's basic indexing does for a view (arrayobj.make_view):
        # the parent's data pointer moved, its meminfo shared and borrowed
        aryty, startty, shapety = sig.args
        src = make_array(aryty)(context, builder, args[0])
        dst = make_array(sig.return_type)(context, builder)
        offset = context.cast(builder, args[1], startty, types.intp)
        dims = cgutils.unpack_tuple(builder, args[2])
        dims = [
            context.cast(builder, d, t, types.intp)
            for d, t in zip(dims, shapety, strict=True)
        ]
        strides, step = [], src.itemsize
        for d in reversed(dims):
            strides.insert(0, step)
            step = builder.mul(step, d)
        populate_array(
            dst,
            data=builder.gep(src.data, [offset]),
            shape=dims,
            strides=strides,
            itemsize=src.itemsize,
            meminfo=src.meminfo,
            parent=src.parent,
        )
        return impl_ret_borrowed(context, builder, sig.return_type, dst._getvalue())

    return signature(out, buf, start, shape), codegen


python_view = view  # for Python callers of code that kernels compile too

if not config.DISABLE_JIT:
    view = _view  # noqa: F811
    # The intrinsic itself, not an overload: an overload's implementation is
    # compiled as a function of its own even when inlined.
    matmul = _blas_matmul  # noqa: F811
