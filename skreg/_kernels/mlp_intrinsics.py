"""The intrinsics that kernels compile in place of :mod:`skreg._kernels.mlp_blas`'s
``matmul`` and ``view`` (see there): imported once numba is loaded."""

from numba.core import cgutils, types
from numba.core.imputils import impl_ret_borrowed
from numba.core.typing import signature
from numba.extending import intrinsic
from numba.np.arrayobj import make_array, populate_array
from numba.np.linalg import call_xxdot, call_xxgemm, call_xxgemv, ensure_blas


@intrinsic
def blas_matmul(typingctx, a, b, out):
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


@intrinsic
def array_view(typingctx, buf, start, shape):
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
