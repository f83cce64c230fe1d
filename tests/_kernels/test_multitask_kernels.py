"""Multi-task block-CD kernels against NumPy references."""

import numpy as np
import pytest

from skreg._kernels.cd_multitask import cd_sweep_multitask_dense, multitask_gap_dense


@pytest.fixture
def problem():
    rng = np.random.RandomState(0)
    X = np.asfortranarray(rng.randn(25, 6))
    Y = np.asfortranarray(rng.randn(25, 3))
    W = rng.randn(6, 3) * 0.1
    return X, Y, W


def test_block_sweep_matches_group_soft_threshold(problem):
    X, Y, W0 = problem
    l1, l2 = 4.0, 1.0
    expected = W0.copy()
    for j in range(6):
        R = Y - X @ expected
        corr = X[:, j] @ R + (X[:, j] @ X[:, j]) * expected[j]
        norm = np.linalg.norm(corr)
        shrink = max(1 - l1 / norm, 0.0) if norm > 0 else 0.0
        expected[j] = shrink * corr / (X[:, j] @ X[:, j] + l2)
    W = W0.copy()
    residual = np.asfortranarray(Y - X @ W)
    cd_sweep_multitask_dense(X, residual, W, (X**2).sum(0), l1, l2, np.arange(6))
    np.testing.assert_allclose(W, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(residual, Y - X @ W, atol=1e-12)


def test_gap_matches_formula_and_is_nonnegative(problem):
    X, Y, W = problem
    l1, l2 = 3.0, 0.5
    R = Y - X @ W
    xtr = X.T @ R - l2 * W
    scale = min(1.0, l1 / np.max(np.linalg.norm(xtr, axis=1)))
    quad = np.sum(R**2) + l2 * np.sum(W**2)
    primal = 0.5 * quad + l1 * np.linalg.norm(W, axis=1).sum()
    dual = -0.5 * scale**2 * quad + scale * np.sum(R * Y)
    gap = multitask_gap_dense(X, Y, np.asfortranarray(R), W, l1, l2)
    assert gap == pytest.approx(primal - dual, rel=1e-12)
    assert gap >= 0


def test_sparse_block_sweep_matches_dense_sweep_on_the_centered_weighted_data():
    import scipy.sparse as sp

    from skreg._kernels.cd_multitask_sparse import cd_sweep_multitask_sparse

    rng = np.random.RandomState(1)
    X = sp.random(25, 6, density=0.4, random_state=1, format="csc")
    Y = rng.randn(25, 3)
    W0 = rng.randn(6, 3) * 0.1
    sw = rng.rand(25) + 0.5
    x_mean = rng.rand(6) * 0.3
    l1, l2 = 0.5, 0.2
    # Dense reference: X centered by x_mean and both sides scaled by sqrt(sw).
    root = np.sqrt(sw)[:, None]
    Xd = np.asfortranarray((X.toarray() - x_mean) * root)
    Yd = Y * root
    W_dense = W0.copy()
    residual = np.asfortranarray(Yd - Xd @ W_dense)
    norms = (Xd**2).sum(0)
    cd_sweep_multitask_dense(Xd, residual, W_dense, norms, l1, l2, np.arange(6))
    # Sparse kernel on the split residual raw + shift.
    col_wsum = np.asarray(X.multiply(sw[:, None]).sum(0)).ravel()
    W = W0.copy()
    raw = np.ascontiguousarray(Y - X @ W)
    shift = x_mean @ W
    r_wsum = sw @ raw
    state = (raw, shift, r_wsum)
    args = (X.data, X.indices, X.indptr, sw, x_mean, col_wsum, sw.sum(), norms)
    cd_sweep_multitask_sparse(*args, *state, W, l1, l2, np.arange(6))
    np.testing.assert_allclose(W, W_dense, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose((raw + shift) * root, residual, atol=1e-12)
    np.testing.assert_allclose(r_wsum, sw @ raw, rtol=1e-12)
