"""The logistic kernels against NumPy references, compiled and (in a
subprocess) with ``NUMBA_DISABLE_JIT=1``, so their pure-Python reading is
checked too."""

import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import entr, logsumexp, softmax

from skreg._kernels.logistic import (
    binary_derivatives,
    binary_loss_along,
    class_derivatives,
    class_loss_bound,
    class_loss_change,
    class_update,
    curvatures,
    dual_entropy,
    kkt_violations,
    newton_cd,
    softmax_cache,
    softmax_gradient,
    softmax_loss,
    sparse_xt_dot_column_sums,
    weighted_entropy,
    x_dot_add,
    xt_dot,
)
from skreg.linear_model._logistic_solver import (
    _gradient,
    _State,
    column_norms,
    make_design,
    make_problem,
)


def _data(layout, dtype=np.float64, n=40, p=12, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    X[rng.rand(n, p) < 0.6] = 0.0
    X = X.astype(dtype)
    if layout == "sparse":
        return X, make_design(sp.csr_matrix(X))
    return X, make_design(X)


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_products(layout, dtype):
    X, design = _data(layout, dtype)
    rng = np.random.RandomState(1)
    V = rng.randn(3, X.shape[0])
    features = np.array([0, 3, 5, 11], dtype=np.int64)
    out = np.zeros((3, X.shape[1]))
    xt_dot(*design.args(), features, V, out)
    expected = np.zeros_like(out)
    expected[:, features] = V @ X[:, features].astype(np.float64)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)

    W = rng.randn(3, X.shape[1])
    W[:, ::2] = 0.0
    Z = np.ones((3, X.shape[0]))
    x_dot_add(*design.args(), W, Z)
    np.testing.assert_allclose(Z, 1.0 + W @ X.T.astype(np.float64), rtol=1e-12)

    h = rng.rand(X.shape[0])
    lips = np.empty(features.size)
    hx = np.empty(features.size)
    curvatures(*design.args(), features, h, lips, hx)
    Xf = X[:, features].astype(np.float64)
    np.testing.assert_allclose(lips, h @ Xf**2, rtol=1e-12)
    np.testing.assert_allclose(hx, h @ Xf, rtol=1e-12)


def test_losses():
    rng = np.random.RandomState(0)
    z = rng.randn(50) * 30  # large margins: the stable forms matter
    y = (rng.rand(50) < 0.5).astype(np.float64)
    s = rng.rand(50)
    g = np.empty(50)
    h = np.empty(50)
    loss = binary_derivatives(z, y, s, g, h)
    p = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(loss, s @ (np.logaddexp(0, z) - y * z), rtol=1e-12)
    np.testing.assert_allclose(g, s * (p - y), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(h, s * p * (1 - p), rtol=1e-8, atol=1e-300)
    dz = rng.randn(50)
    expected = s @ (np.logaddexp(0, z + 0.3 * dz) - y * (z + 0.3 * dz))
    np.testing.assert_allclose(binary_loss_along(z, dz, 0.3, y, s), expected)

    Z = rng.randn(4, 50) * 10
    yk = rng.randint(0, 4, 50)
    P = np.empty_like(Z)
    loss = softmax_loss(Z, yk, s, P)
    ref = s @ (logsumexp(Z, axis=0) - Z[yk, np.arange(50)])
    np.testing.assert_allclose(loss, ref, rtol=1e-12)
    np.testing.assert_allclose(P, softmax(Z, axis=0), rtol=1e-10)


def test_weighted_entropy():
    rng = np.random.RandomState(4)
    P = softmax(rng.randn(3, 30) * 5, axis=0)
    P[1, 0] = 0.0
    s = rng.rand(30)
    np.testing.assert_allclose(
        weighted_entropy(P, s, False), s @ entr(P).sum(axis=0), rtol=1e-12
    )
    p = P[:1]
    binary = s @ (entr(p[0]) + entr(1.0 - p[0]))
    np.testing.assert_allclose(weighted_entropy(p, s, True), binary, rtol=1e-12)
    assert weighted_entropy(p - 2.0, s, True) == -np.inf  # infeasible point


def test_dual_entropy_forms_the_dual_point():
    """The entropy of the mixed and rescaled dual point, against the point
    formed in NumPy."""
    rng = np.random.RandomState(5)
    K, n = 3, 40
    P = softmax(rng.randn(K, n) * 3, axis=0)
    yk = rng.randint(0, K, n)
    Y = np.zeros((K, n))
    Y[yk, np.arange(n)] = 1.0
    s = rng.rand(n)
    c = np.array([0.2, 0.5, 0.3])
    for a, scale in ((0.0, 1.0), (0.3, 1.0), (0.0, 2.5), (0.3, 2.5)):
        Pd = (1.0 - a) * P + a * c[:, None] if a > 0 else P
        Pd = Y - (Y - Pd) / scale if scale > 1 else Pd
        np.testing.assert_allclose(
            dual_entropy(P, Y, s, a, c, scale, False),
            weighted_entropy(Pd, s, False),
            rtol=1e-13,
        )
        # binary: the row of class 1, class 0 its complement
        Pd = (1.0 - a) * P[1:2] + a * c[1] if a > 0 else P[1:2]
        Pd = Y[1:2] - (Y[1:2] - Pd) / scale if scale > 1 else Pd
        np.testing.assert_allclose(
            dual_entropy(P[1:2], Y[1:2], s, a, c[1:2], scale, True),
            weighted_entropy(Pd, s, True),
            rtol=1e-13,
        )
    assert weighted_entropy(P, s, False) > 0
    assert dual_entropy(P, Y, s, 0.0, c, 2.5, False) != weighted_entropy(P, s, False)


def test_softmax_gradient_from_z_and_from_the_cache():
    rng = np.random.RandomState(6)
    K, n = 4, 50
    Z = rng.randn(K, n) * 10
    yk = rng.randint(0, K, n)
    s = rng.rand(n)
    Y = np.zeros((K, n))
    Y[yk, np.arange(n)] = 1.0
    ref_P = softmax(Z, axis=0)
    ref_loss = s @ (logsumexp(Z, axis=0) - Z[yk, np.arange(n)])
    m, E = np.full(n, np.nan), np.full((K, n), np.nan)
    P, G = np.empty((K, n)), np.empty((K, n))
    loss = softmax_gradient(Z, yk, s, False, m, E, P, G)
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-12)
    np.testing.assert_allclose(P, ref_P, rtol=1e-10)
    np.testing.assert_allclose(G, s * (Y - ref_P), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(m, Z.max(axis=0))
    np.testing.assert_allclose(E, np.exp(Z - m), rtol=1e-14)
    # a class step moves Z and the cache (class_update); the cached pass
    # reads the softmax of the new Z without recomputing it from Z
    p, q, g, h, ez = (np.empty(n) for _ in range(5))
    dz = rng.randn(n)
    class_derivatives(E, 2, yk, s, p, q, g, h)
    class_loss_change(2, dz, 1.0, p, q, yk, s, ez)
    class_update(Z, m, E, 2, dz, 1.0, ez)
    Z_before = Z.copy()
    loss = softmax_gradient(Z, yk, s, True, m, E, P, G)
    np.testing.assert_array_equal(Z, Z_before)
    ref_P = softmax(Z, axis=0)
    np.testing.assert_allclose(
        loss, s @ (logsumexp(Z, axis=0) - Z[yk, np.arange(n)]), rtol=1e-12
    )
    np.testing.assert_allclose(P, ref_P, rtol=1e-10)
    np.testing.assert_allclose(G, s * (Y - ref_P), rtol=1e-10, atol=1e-15)


def test_class_loss_bound_is_an_upper_bound():
    """The line search's shortcut: never below the exact change, and within
    the model's curvature term of it (so that Newton steps pass on it)."""
    rng = np.random.RandomState(7)
    K, n = 5, 80
    yk = rng.randint(0, K, n)
    s = rng.rand(n)
    m, E = np.empty(n), np.empty((K, n))
    p, q, g, h, ez, ez2 = (np.empty(n) for _ in range(6))
    for scale in (10.0, 1.0, 1e-3):
        Z = rng.randn(K, n) * scale
        softmax_cache(Z, m, E)
        for c in range(K):
            class_derivatives(E, c, yk, s, p, q, g, h)
            for size in (3.0, 0.1, 1e-6):
                dz = size * rng.randn(n)
                exact = class_loss_change(c, dz, 1.0, p, q, yk, s, ez)
                bound = class_loss_bound(c, dz, p, q, yk, s, ez2)
                np.testing.assert_allclose(ez2, ez, rtol=1e-15)
                assert bound >= exact - 1e-15 * np.abs(s * dz).sum()
                if size <= 0.1:  # second order: at most the model's term
                    assert bound - exact <= 0.5 * h @ dz**2 + 1e-12
    dz = np.zeros(n)
    dz[0] = 800.0  # exp overflows: no bound
    assert class_loss_bound(0, dz, p, q, yk, s, ez) == np.inf


def test_class_kernels_match_the_softmax():
    """One class's derivatives and loss changes from the cached exp(Z - max),
    and the cache kept through updates (large steps included: no overflow)."""
    rng = np.random.RandomState(3)
    K, n = 4, 60
    Z = rng.randn(K, n) * 10
    yk = rng.randint(0, K, n)
    s = rng.rand(n)
    m, E = np.empty(n), np.empty((K, n))
    p, q, g, h, ez = (np.empty(n) for _ in range(5))
    softmax_cache(Z, m, E)
    np.testing.assert_allclose(m, Z.max(axis=0))
    np.testing.assert_allclose(E, np.exp(Z - Z.max(axis=0)), rtol=1e-14)

    def loss(Z):
        return s @ (logsumexp(Z, axis=0) - Z[yk, np.arange(n)])

    steps = ((2, rng.randn(n)), (0, 800.0 * rng.randn(n)), (3, 1e-9 * rng.randn(n)))
    for c, dz in steps:
        class_derivatives(E, c, yk, s, p, q, g, h)
        P = softmax(Z, axis=0)
        others = np.delete(P, c, axis=0).sum(0)  # 1 - p, no cancelling
        np.testing.assert_allclose(p, P[c], rtol=1e-10, atol=1e-300)
        np.testing.assert_allclose(q, others, rtol=1e-10, atol=1e-300)
        expected_g = np.where(yk == c, -s * others, s * P[c])
        np.testing.assert_allclose(g, expected_g, rtol=1e-10, atol=1e-300)
        np.testing.assert_allclose(h, s * P[c] * others, rtol=1e-10, atol=1e-300)
        Z2 = Z.copy()
        Z2[c] += 0.5 * dz
        change = class_loss_change(c, dz, 0.5, p, q, yk, s, ez)
        # the change is exact even where the two losses' difference is not
        np.testing.assert_allclose(change, loss(Z2) - loss(Z), rtol=1e-6, atol=1e-12)
        with np.errstate(over="ignore"):
            np.testing.assert_allclose(ez, np.exp(0.5 * dz), rtol=1e-12)
        class_update(Z, m, E, c, dz, 0.5, ez)
        np.testing.assert_array_equal(Z, Z2)
        assert np.all(E <= 1.0) and np.all(m >= Z.max(axis=0))
        np.testing.assert_allclose(E, np.exp(Z - m), rtol=1e-12, atol=1e-300)
    # a tiny step: the change keeps its digits (log1p/expm1), the difference
    # of the losses does not
    dz = 1e-9 * rng.randn(n)
    class_derivatives(E, 1, yk, s, p, q, g, h)
    change = class_loss_change(1, dz, 1.0, p, q, yk, s, ez)
    np.testing.assert_allclose(change, g @ dz, rtol=1e-6)


def _model_objective(Xf, d, db, w, g, h, l1, l2):
    xd = Xf @ d + db
    v = w + d
    return g @ xd + 0.5 * h @ xd**2 + l1 @ np.abs(v) + 0.5 * l2 @ v**2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_gradient_and_column_sums(dtype):
    X, design = _data("sparse", dtype)
    v = np.random.RandomState(3).randn(X.shape[0])
    out, sq, lin = (np.full(X.shape[1], np.nan) for _ in range(3))
    sparse_xt_dot_column_sums(
        design.data, design.indices, design.indptr, v, out, sq, lin
    )
    X64 = X.astype(np.float64)
    np.testing.assert_allclose(out, v @ X64, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sq, (X64**2).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(lin, X64.sum(axis=0), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("intercept", [False, True])
def test_column_norms_once_per_problem(layout, intercept):
    """The first full binary gradient fills the norms on sparse data; either
    way column_norms returns the (centered) norms and keeps them."""
    X, _ = _data(layout)
    Xin = sp.csr_matrix(X) if layout == "sparse" else X
    y = (np.arange(X.shape[0]) % 2).astype(np.int64)
    problem = make_problem(Xin, y, None, intercept, False)
    assert np.all(np.isnan(problem.col_sums))
    state = _State(problem, np.zeros((1, X.shape[1])), np.zeros(1))
    every = np.arange(X.shape[1], dtype=np.int64)
    _, _, minus_G, XtT = _gradient(problem, state, every)
    np.testing.assert_allclose(XtT, minus_G @ X, rtol=1e-12, atol=1e-12)
    assert np.isnan(problem.col_sums[0, 0]) == (layout == "dense")
    centered = X - X.mean(axis=0) if intercept else X
    norms = column_norms(problem)
    np.testing.assert_allclose(norms, np.linalg.norm(centered, axis=0), rtol=1e-10)
    assert not np.any(np.isnan(problem.col_sums))


@pytest.mark.parametrize("n_rows", [1, 3])
def test_kkt_violations_and_working_set_scores(n_rows):
    rng = np.random.RandomState(5)
    p = 30
    W = rng.randn(n_rows, p) * (rng.rand(n_rows, p) < 0.3)
    XtT = rng.randn(n_rows, p)
    l1 = rng.uniform(0.2, 1.5, p)
    l2 = rng.uniform(0.0, 0.5, p) * (rng.rand(p) < 0.5)
    features = np.array([0, 2, 3, 7, 11, 12, 20, 29], dtype=np.int64)
    score = np.full(features.size, np.nan)
    largest, n_support, n_positive = kkt_violations(W, XtT, l1, l2, features, score)
    # the definition: distance of -grad to the subdifferential of the penalty
    v = -XtT + l2 * W
    reference = np.where(
        W != 0, np.abs(v + l1 * np.sign(W)), np.maximum(np.abs(v) - l1, 0.0)
    )[:, features].max(axis=0)
    support = np.any(W[:, features] != 0, axis=0)
    assert largest == pytest.approx(reference.max())
    assert n_support == support.sum() > 0
    np.testing.assert_allclose(score[~support], reference[~support])
    assert np.all(np.isinf(score[support]))
    assert n_positive == np.count_nonzero(score > 0)


def test_canonical_csr_becomes_canonical_csc_and_duplicates_are_summed():
    X = sp.csr_matrix(np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]]))
    design = make_design(X)
    np.testing.assert_array_equal(design.indptr, [0, 1, 2, 3])
    # duplicate entries in a CSR matrix are summed, not kept twice
    dup = sp.csr_matrix(
        (np.array([1.0, 1.0, 3.0]), np.array([0, 0, 1]), np.array([0, 2, 3])),
        shape=(2, 2),
    )
    design = make_design(dup)
    np.testing.assert_array_equal(design.indptr, [0, 1, 2])
    np.testing.assert_array_equal(design.data, [2.0, 3.0])


@pytest.mark.parametrize("layout", ["dense", "sparse"])
@pytest.mark.parametrize("intercept", [False, True])
def test_newton_cd_solves_the_quadratic_model(layout, intercept):
    X, design = _data(layout)
    n, p = X.shape
    rng = np.random.RandomState(2)
    ws = np.arange(p, dtype=np.int64)
    w = rng.randn(p) * (rng.rand(p) < 0.5)
    g = rng.randn(n)
    h = rng.rand(n) + 0.1
    l1 = np.full(p, 0.5)
    l2 = np.full(p, 0.1)
    lips = np.empty(p)
    hx = np.empty(p)
    # (newton_cd fills lips and hx itself)
    d = np.zeros(p)
    xd = np.zeros(n)
    db = np.zeros(1 if intercept else 0)
    passes = newton_cd(
        *design.args(), ws, lips, hx, w, d, xd, g, h, l1, l2, db, 1000, 1e-13, 0.0
    )
    assert 1 < passes < 1000
    b = db[0] if intercept else 0.0
    np.testing.assert_allclose(xd, X @ d + b, atol=1e-12)
    # optimality of the model: KKT on features, zero derivative in the intercept
    resid = g + h * xd
    grad = X.T @ resid + l2 * (w + d)
    v = w + d
    viol = np.where(
        v != 0, np.abs(grad + l1 * np.sign(v)), np.maximum(0, np.abs(grad) - l1)
    )
    assert viol.max() < 1e-9
    if intercept:
        assert abs(resid.sum()) < 1e-9
    # and the model went down from d = 0
    f0 = _model_objective(X, np.zeros(p), 0.0, w, g, h, l1, l2)
    assert _model_objective(X, d, b, w, g, h, l1, l2) < f0 - 1e-3


@pytest.mark.skipif(
    os.environ.get("NUMBA_DISABLE_JIT") == "1", reason="already without JIT"
)
def test_kernels_without_jit():
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout
