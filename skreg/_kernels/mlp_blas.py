"""``matmul(a, b, out)``: numba's ``np.dot(a, b, out)`` without its wrapper.

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

Without JIT (``NUMBA_DISABLE_JIT=1``) :func:`matmul` is ``np.dot``.
"""

import numpy as np
from numba.core import cgutils, config, types
from numba.core.typing import signature
from numba.extending import intrinsic
from numba.np.arrayobj import make_array
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


if not config.DISABLE_JIT:
    # The intrinsic itself, not an overload: an overload's implementation is
    # compiled as a function of its own even when inlined.
    matmul = _blas_matmul  # noqa: F811
