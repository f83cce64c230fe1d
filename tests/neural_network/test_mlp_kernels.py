"""Each numba kernel of skreg._kernels.mlp against a plain NumPy reference.

These tests also run with ``NUMBA_DISABLE_JIT=1`` (see
``test_mlp_kernels_without_jit`` in test_mlp_behaviour.py).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, xlogy

from skreg._kernels import mlp as K
from skreg.neural_network._kernel_inputs import kernel_X, penalty, work
from skreg.neural_network._network import Layout

ACT_NAMES = {
    K.IDENTITY: "identity",
    K.LOGISTIC: "logistic",
    K.TANH: "tanh",
    K.RELU: "relu",
    K.SOFTMAX: "softmax",
    K.EXP: "exp",
}


def np_act(Z, code):
    if code == K.LOGISTIC:
        return expit(Z)
    if code == K.TANH:
        return np.tanh(Z)
    if code == K.RELU:
        return np.maximum(Z, 0)
    if code == K.SOFTMAX:
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)
    if code == K.EXP:
        return np.exp(Z)
    return Z.copy()


def np_dact(A, code):
    if code == K.LOGISTIC:
        return A * (1 - A)
    if code == K.TANH:
        return 1 - A**2
    if code == K.RELU:
        return (A != 0).astype(A.dtype)
    return np.ones_like(A)


def np_loss(Y, P, sw, code, eps):
    if code == K.SQUARED:
        return 0.5 * np.average((Y - P) ** 2, weights=sw, axis=0).mean()
    if code == K.POISSON:
        return np.average(xlogy(Y, Y / P) - Y + P, weights=sw, axis=0).sum()
    P = np.clip(P, eps, 1 - eps)
    if code == K.LOG_LOSS:
        return -np.average(xlogy(Y, P), weights=sw, axis=0).sum()
    return -np.average(xlogy(Y, P) + xlogy(1 - Y, 1 - P), weights=sw, axis=0).sum()


def np_loss_grad(coefs, intercepts, X, Y, sw, hidden, out, lcode, alpha, l1_ratio):
    """Textbook backprop; returns loss, weight grads, intercept grads."""
    acts = [X]
    for i, (W, b) in enumerate(zip(coefs, intercepts, strict=False)):
        code = out if i == len(coefs) - 1 else hidden
        acts.append(np_act(acts[-1] @ W + b, code))
    n_b = sw.sum()
    eps = np.finfo(X.dtype).eps
    loss = np_loss(Y, acts[-1], sw, lcode, eps)
    loss += alpha * (1 - l1_ratio) * 0.5 * sum((W**2).sum() for W in coefs) / n_b
    loss += alpha * l1_ratio * sum(np.abs(W).sum() for W in coefs) / n_b
    D = (acts[-1] - Y) * sw[:, None]
    gW, gb = [None] * len(coefs), [None] * len(coefs)
    for i in range(len(coefs) - 1, -1, -1):
        gW[i] = (acts[i].T @ D + alpha * (1 - l1_ratio) * coefs[i]) / n_b
        gb[i] = D.sum(axis=0) / n_b
        if i > 0:
            D = (D @ coefs[i].T) * np_dact(acts[i], hidden)
    return loss, gW, gb


def _problem(rng, units, n, lcode, dtype=np.float64):
    X = rng.normal(size=(n, units[0])).astype(dtype)
    if lcode == K.LOG_LOSS:
        Y = np.eye(units[-1])[rng.randint(units[-1], size=n)]
    elif lcode == K.BINARY_LOG_LOSS:
        Y = (rng.uniform(size=(n, units[-1])) > 0.5).astype(float)
    elif lcode == K.POISSON:
        Y = rng.poisson(2.0, size=(n, units[-1])).astype(float)
    else:
        Y = rng.normal(size=(n, units[-1]))
    coefs = [
        rng.uniform(-0.5, 0.5, (a, b)).astype(dtype)
        for a, b in zip(units[:-1], units[1:], strict=False)
    ]
    intercepts = [rng.uniform(-0.5, 0.5, b).astype(dtype) for b in units[1:]]
    sw = rng.uniform(0.5, 2.0, size=n).astype(dtype)
    return X, Y.astype(dtype), coefs, intercepts, sw


OUT_FOR_LOSS = {
    K.SQUARED: K.IDENTITY,
    K.LOG_LOSS: K.SOFTMAX,
    K.BINARY_LOG_LOSS: K.LOGISTIC,
    K.POISSON: K.EXP,
}


def _net(layout, hidden, out, lcode, dtype):
    return K.Network(
        layout.units,
        layout.coef_start,
        layout.intercept_start,
        layout.n_coef,
        hidden,
        out,
        lcode,
        np.dtype(dtype).type(np.finfo(dtype).eps),
    )


def _kernel_loss_grad(
    layout, params, X, Y, sw, rows, hidden, out, lcode, alpha, l1_ratio, sparse=None
):
    dtype = params.dtype
    grad = np.zeros_like(params)
    Xk = np.ascontiguousarray(X) if sparse is None else kernel_X(sparse, dtype)
    loss, sw_sum = K.loss_grad(
        params,
        grad,
        _net(layout, hidden, out, lcode, dtype),
        Xk,
        Y,
        sw,
        rows,
        0,
        work(layout, rows.shape[0], dtype, sparse is None),
        penalty(dtype, alpha, l1_ratio),
        None,
        None,
        None,
    )
    return loss, sw_sum, grad


@pytest.mark.parametrize(
    "code", [K.IDENTITY, K.LOGISTIC, K.TANH, K.RELU, K.SOFTMAX, K.EXP]
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activate_matches_numpy(code, dtype):
    Z = np.random.RandomState(0).normal(size=(7, 5)).astype(dtype)
    expected = np_act(Z.astype(np.float64), code)
    K.activate(Z, code)
    assert Z.dtype == dtype
    np.testing.assert_allclose(Z, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("code", [K.IDENTITY, K.LOGISTIC, K.TANH, K.RELU])
def test_activation_derivative_matches_numpy(code):
    rng = np.random.RandomState(1)
    A = np_act(rng.normal(size=(6, 4)), code)
    D = rng.normal(size=(6, 4))
    expected = D * np_dact(A, code)
    K.activation_derivative(A, D, code)
    np.testing.assert_allclose(D, expected, rtol=1e-12)


@pytest.mark.parametrize("lcode", [K.SQUARED, K.LOG_LOSS, K.BINARY_LOG_LOSS, K.POISSON])
def test_data_loss_matches_numpy(lcode):
    rng = np.random.RandomState(2)
    X, Y, coefs, intercepts, sw = _problem(rng, [3, 4], 9, lcode)
    P = np_act(rng.normal(size=Y.shape), OUT_FOR_LOSS[lcode])
    P[0, 0] = 1.0 if lcode != K.POISSON else P[0, 0]  # exercises the clipping
    got = K.data_loss(Y, P, sw, lcode, np.finfo(np.float64).eps)
    expected = np_loss(Y, P, sw, lcode, np.finfo(np.float64).eps)
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("lcode", [K.SQUARED, K.LOG_LOSS, K.BINARY_LOG_LOSS, K.POISSON])
@pytest.mark.parametrize("hidden", [K.IDENTITY, K.LOGISTIC, K.TANH, K.RELU])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.3])
def test_loss_grad_matches_numpy_backprop(lcode, hidden, l1_ratio):
    rng = np.random.RandomState(3)
    units = [5, 6, 4, 3]
    X, Y, coefs, intercepts, sw = _problem(rng, units, 20, lcode)
    rows = np.array([4, 0, 11, 7, 19, 3, 2], dtype=np.int64)
    layout = Layout(units)
    params = layout.pack(coefs, intercepts, np.float64)
    out = OUT_FOR_LOSS[lcode]
    loss, sw_sum, grad = _kernel_loss_grad(
        layout, params, X, Y, sw, rows, hidden, out, lcode, 0.7, l1_ratio
    )
    ref_loss, gW, gb = np_loss_grad(
        coefs,
        intercepts,
        X[rows],
        Y[rows],
        sw[rows],
        hidden,
        out,
        lcode,
        0.7,
        l1_ratio,
    )
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    assert sw_sum == pytest.approx(sw[rows].sum())
    np.testing.assert_allclose(
        grad, layout.pack(gW, gb, np.float64), rtol=1e-10, atol=1e-13
    )


@pytest.mark.parametrize("lcode", [K.SQUARED, K.LOG_LOSS, K.BINARY_LOG_LOSS])
def test_loss_grad_is_the_gradient_of_the_loss(lcode):
    # independent of the backprop reference: central finite differences
    rng = np.random.RandomState(4)
    units = [3, 5, 1 if lcode != K.LOG_LOSS else 3]
    X, Y, coefs, intercepts, sw = _problem(rng, units, 12, lcode)
    layout = Layout(units)
    params = layout.pack(coefs, intercepts, np.float64)
    rows = np.arange(12, dtype=np.int64)
    args = (X, Y, sw, rows, K.TANH, OUT_FOR_LOSS[lcode], lcode, 0.5, 0.0)
    _, _, grad = _kernel_loss_grad(layout, params, *args)
    fd = np.empty_like(params)
    h = 1e-6
    for j in range(params.size):
        p_plus, p_minus = params.copy(), params.copy()
        p_plus[j] += h
        p_minus[j] -= h
        fd[j] = (
            _kernel_loss_grad(layout, p_plus, *args)[0]
            - _kernel_loss_grad(layout, p_minus, *args)[0]
        ) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-8)


def test_loss_grad_sparse_matches_dense():
    import scipy.sparse as sp

    rng = np.random.RandomState(5)
    units = [8, 6, 3]
    X, Y, coefs, intercepts, sw = _problem(rng, units, 15, K.LOG_LOSS)
    X[rng.uniform(size=X.shape) < 0.6] = 0.0
    layout = Layout(units)
    params = layout.pack(coefs, intercepts, np.float64)
    rows = np.array([3, 14, 0, 9, 9], dtype=np.int64)
    args = (X, Y, sw, rows, K.RELU, K.SOFTMAX, K.LOG_LOSS, 0.1, 0.0)
    dense = _kernel_loss_grad(layout, params, *args)
    sparse = _kernel_loss_grad(layout, params, *args, sparse=sp.csr_matrix(X))
    assert sparse[0] == pytest.approx(dense[0], rel=1e-12)
    np.testing.assert_allclose(sparse[2], dense[2], rtol=1e-10, atol=1e-14)


def test_forward_activations_match_numpy():
    # loss_grad leaves every layer's activations of the batch in work.acts
    rng = np.random.RandomState(6)
    units = [4, 5, 2]
    X, Y, coefs, intercepts, sw = _problem(rng, units, 6, K.SQUARED)
    layout = Layout(units)
    params = layout.pack(coefs, intercepts, np.float64)
    buffers = work(layout, 6, np.float64, True)
    K.loss_grad(
        params,
        np.zeros_like(params),
        _net(layout, K.TANH, K.IDENTITY, K.SQUARED, np.float64),
        X,
        Y,
        sw,
        np.arange(6, dtype=np.int64),
        0,
        buffers,
        penalty(np.float64, 0.0),
        None,
        None,
        None,
    )
    out = buffers.acts[buffers.act_start[2] :].reshape(6, 2)
    expected = np.tanh(X @ coefs[0] + intercepts[0]) @ coefs[1] + intercepts[1]
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def np_soft(w, t):
    return np.sign(w) * np.maximum(np.abs(w) - t, 0)


@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_step_matches_numpy(nesterov):
    rng = np.random.RandomState(7)
    p, g, vel = rng.normal(size=(3, 10))
    n_coef, lr, mom, thr = 6, 0.1, 0.9, 0.05
    new_vel = mom * vel - lr * g
    upd = mom * new_vel - lr * g if nesterov else new_vel
    expected = p + upd
    expected[:n_coef] = np_soft(expected[:n_coef], thr)
    K.sgd_step(p, g, vel, n_coef, lr, mom, nesterov, thr)
    np.testing.assert_allclose(p, expected, rtol=1e-14)
    np.testing.assert_allclose(vel, new_vel, rtol=1e-14)


def test_adam_step_matches_numpy():
    rng = np.random.RandomState(8)
    p, g, m, v = rng.normal(size=(4, 10))
    v = np.abs(v)
    n_coef, lr_t, prox_lr, b1, b2, eps, l1 = 7, 0.01, 0.002, 0.9, 0.999, 1e-8, 0.3
    m_new = b1 * m + (1 - b1) * g
    v_new = b2 * v + (1 - b2) * g**2
    expected = p - lr_t * m_new / (np.sqrt(v_new) + eps)
    thr = prox_lr * l1 / (np.sqrt(v_new) + eps)
    expected[:n_coef] = np_soft(expected[:n_coef], thr[:n_coef])
    K.adam_step(p, g, m, v, n_coef, lr_t, prox_lr, b1, b2, eps, l1)
    np.testing.assert_allclose(p, expected, rtol=1e-13)
    np.testing.assert_allclose(v, v_new, rtol=1e-14)


@settings(max_examples=50, deadline=None)
@given(
    w=st.lists(st.floats(-10, 10), min_size=1, max_size=20),
    t=st.floats(0.0, 5.0),
)
def test_sgd_prox_is_soft_threshold(w, t):
    p = np.array(w)
    zeros = np.zeros_like(p)
    K.sgd_step(p, zeros, zeros.copy(), p.size, 1.0, 0.0, False, t)
    expected = np_soft(np.array(w), t)
    np.testing.assert_allclose(p, expected, atol=1e-12)
    assert np.all(np.abs(p) <= np.abs(np.array(w)))


@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_run_epoch_matches_numpy_loop(solver, dtype):
    rng = np.random.RandomState(9)
    units = [6, 5, 3]
    X, Y, coefs, intercepts, sw = _problem(rng, units, 23, K.LOG_LOSS, dtype)
    layout = Layout(units)
    params = layout.pack(coefs, intercepts, dtype)
    order = rng.permutation(23).astype(np.int64)
    alpha, l1_ratio, lr, mom, b1, b2, eps = 0.3, 0.4, 0.05, 0.9, 0.9, 0.999, 1e-8
    bs = 5
    # NumPy reference loop
    ref = (
        [c.astype(np.float64) for c in coefs],
        [b.astype(np.float64) for b in intercepts],
    )
    p_ref = layout.pack(*ref, np.float64)
    s1, s2 = np.zeros_like(p_ref), np.zeros_like(p_ref)
    loss_sum, t = 0.0, 0
    for start in range(0, 23, bs):
        r = order[start : start + bs]
        cw, cb = layout.unpack(p_ref)
        loss, gW, gb = np_loss_grad(
            cw,
            cb,
            X[r].astype(np.float64),
            Y[r].astype(np.float64),
            sw[r].astype(np.float64),
            K.RELU,
            K.SOFTMAX,
            K.LOG_LOSS,
            alpha,
            l1_ratio,
        )
        loss_sum += loss * r.size
        g = layout.pack(gW, gb, np.float64)
        l1 = alpha * l1_ratio / sw[r].astype(np.float64).sum()
        if solver == "sgd":
            s1 = mom * s1 - lr * g
            p_ref += mom * s1 - lr * g
            p_ref[: layout.n_coef] = np_soft(p_ref[: layout.n_coef], lr * l1)
        else:
            t += 1
            s1 = b1 * s1 + (1 - b1) * g
            s2 = b2 * s2 + (1 - b2) * g**2
            # textbook Adam on bias-corrected moments, eps rescaled the way
            # scikit-learn's lr_t folding implies
            m_hat = s1 / (1 - b1**t)
            v_hat = s2 / (1 - b2**t)
            step = lr / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2**t))
            p_ref -= step * m_hat
            p_ref[: layout.n_coef] = np_soft(
                p_ref[: layout.n_coef], step[: layout.n_coef] * l1
            )
    dt = np.dtype(dtype).type
    st1, st2 = np.zeros_like(params), np.zeros_like(params)
    if solver == "sgd":
        opt = K.SGD(st1, dt(lr), dt(mom), True)
    else:
        opt = K.Adam(st1, st2, dt(lr), dt(b1), dt(b2), dt(eps))
    got_loss, got_t, n_done = K.run_epoch(
        params,
        np.zeros_like(params),
        _net(layout, K.RELU, K.SOFTMAX, K.LOG_LOSS, dtype),
        X,
        Y,
        sw,
        order,
        bs,
        work(layout, bs, dtype, True),
        penalty(dtype, alpha, l1_ratio),
        opt,
        0,
        None,
        None,
        None,
    )
    assert n_done == 5
    assert got_t == (5 if solver == "adam" else 0)
    assert params.dtype == dtype
    rtol = 1e-10 if dtype == np.float64 else 2e-4
    assert got_loss == pytest.approx(loss_sum, rel=rtol)
    np.testing.assert_allclose(params, p_ref, rtol=rtol, atol=rtol * 1e-2)
    # the prox produced exact zeros in the weights, never in the reference-free part
    assert np.array_equal(params[: layout.n_coef] == 0, p_ref[: layout.n_coef] == 0)


def test_run_epoch_stops_before_a_non_finite_update():
    units = [2, 2, 1]
    layout = Layout(units)
    params = np.full(layout.n_params, 1e200)
    X = np.full((4, 2), 1e200)
    Y = np.zeros((4, 1))
    before = params.copy()
    loss, t, n_done = K.run_epoch(
        params,
        np.zeros_like(params),
        _net(layout, K.IDENTITY, K.IDENTITY, K.SQUARED, np.float64),
        X,
        Y,
        np.ones(4),
        np.arange(4),
        2,
        work(layout, 2, np.float64, True),
        penalty(np.float64, 0.0),
        K.SGD(np.zeros_like(params), 0.1, 0.0, False),
        0,
        None,
        None,
        None,
    )
    assert n_done == 0 and not np.isfinite(loss)
    np.testing.assert_array_equal(params, before)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_view_is_the_block_of_the_buffer(dtype):
    from skreg._kernels.mlp_blas import python_view, view
    from skreg._numba import njit

    @njit(cache=False)
    def write_through(buf, start, n, m):
        block = view(buf, start, (n, m))
        block[n - 1, m - 1] = -7
        return view(buf, start, (n, m)).copy(), view(block, 1, (n * m - 1,)).copy()

    buf = np.arange(20).astype(dtype)
    expected = buf[3:15].reshape((3, 4)).copy()
    expected[2, 3] = -7
    block, tail = write_through(buf, 3, 3, 4)
    assert block.dtype == dtype
    np.testing.assert_array_equal(block, expected)
    np.testing.assert_array_equal(tail, expected.ravel()[1:])
    assert buf[14] == -7  # written into the caller's buffer, not a copy
    np.testing.assert_array_equal(python_view(buf, 3, (3, 4)), expected)
