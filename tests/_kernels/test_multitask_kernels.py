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
