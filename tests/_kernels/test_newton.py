"""The compiled Newton steps (``_kernels.newton``) against a NumPy reading.

These tests also run with ``NUMBA_DISABLE_JIT=1`` (see
``tests/test_pure_python_kernels.py``).
"""

import numpy as np
import pytest
from scipy.linalg import cho_factor, cho_solve

from skreg._kernels.newton import RELATIVE_RIDGE, newton_steps


def _reference(hessian, gradient, w, kinked, max_steps):
    """The active-set loop in NumPy and SciPy (LAPACK's Cholesky)."""
    active = np.ones(w.size, dtype=bool)
    n_steps = 0
    while n_steps < max_steps and active.any():
        idx = np.flatnonzero(active)
        block, g, w_idx = hessian[np.ix_(idx, idx)], gradient[idx], w[idx]
        ridge = RELATIVE_RIDGE * np.trace(block) / idx.size
        direction = -cho_solve(cho_factor(block + ridge * np.eye(idx.size)), g)
        crossing = kinked[idx] & (w_idx * direction < 0)
        step, blocking = 1.0, -1
        ratios = np.where(crossing, -w_idx / np.where(crossing, direction, 1), np.inf)
        if ratios.min() < 1.0:
            blocking = int(np.argmin(ratios))
            step = ratios[blocking]
        delta = step * direction
        change = g @ delta + 0.5 * delta @ block @ delta
        leaving = [blocking] if blocking >= 0 else []
        if blocking >= 0:
            flipped = crossing & (np.abs(direction) > np.abs(w_idx))
            projected = np.where(flipped, -w_idx, direction)
            projected_change = g @ projected + 0.5 * projected @ block @ projected
            if projected_change < change:
                delta, change = projected, projected_change
                leaving = list(np.flatnonzero(flipped))
        if not change < 0:
            break
        w[idx] += delta
        gradient += hessian[:, idx] @ delta
        n_steps += 1
        if not leaving:
            break
        for k in leaving:
            j = idx[k]
            gradient -= hessian[:, j] * w[j]
            w[j] = 0.0
            active[j] = False
    return n_steps


def _problem(size, seed, n_samples=None):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples or 3 * size, size) + rng.randn(n_samples or 3 * size, 1)
    hessian = X.T @ X
    w = rng.randn(size)
    # far from the minimizer on some coordinates: steps stop at zeros
    gradient = rng.randn(size) * np.abs(hessian).max()
    kinked = rng.rand(size) < 0.9
    return hessian, gradient, w, kinked


def _run(hessian, gradient, w, kinked, max_steps):
    size = w.size
    return newton_steps(
        np.ascontiguousarray(hessian), gradient, w, kinked, max_steps,
        np.empty((size, size)), np.empty((3, size)), np.empty(size, dtype=np.intp),
    )  # fmt: skip


@pytest.mark.parametrize("size", [1, 5, 40])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_newton_steps_follow_the_numpy_reading(size, seed):
    hessian, gradient, w, kinked = _problem(size, seed)
    expected_w, expected_g = w.copy(), gradient.copy()
    expected_steps = _reference(hessian, expected_g, expected_w, kinked, 10)
    n_steps = _run(hessian, gradient, w, kinked, 10)
    assert n_steps == expected_steps
    scale = np.abs(expected_w).max() + 1.0
    np.testing.assert_allclose(w, expected_w, atol=1e-9 * scale)
    np.testing.assert_allclose(
        gradient, expected_g, atol=1e-9 * (np.abs(expected_g).max() + 1.0)
    )
    # a coefficient that left the support is exactly zero
    assert np.all((w == 0) == (expected_w == 0))


def test_a_full_step_solves_the_quadratic():
    """No coefficient crosses zero: one step, to ``w - H^-1 g``."""
    hessian, _, _, _ = _problem(6, 3)
    w = np.full(6, 10.0)
    gradient = hessian @ np.full(6, 0.5)  # minimizer at w - 0.5
    n_steps = _run(hessian, gradient, w, np.ones(6, dtype=bool), 5)
    assert n_steps == 1
    np.testing.assert_allclose(w, 9.5, rtol=1e-10)
    np.testing.assert_allclose(gradient, 0.0, atol=1e-8 * np.abs(hessian).max())


def test_the_step_budget_and_a_failed_factorization():
    hessian, gradient, w, kinked = _problem(8, 4)
    assert _run(hessian, gradient.copy(), w.copy(), kinked, 0) == 0
    # not positive definite: no step, nothing moved
    w_before = w.copy()
    assert _run(-hessian, gradient, w, kinked, 5) == 0
    np.testing.assert_array_equal(w, w_before)


def test_a_singular_hessian_steps_along_its_null_space_to_zeros():
    """More coefficients than samples: the ridge turns the solve into a step
    along the flat valley, which ends where coefficients reach zero."""
    hessian, gradient, w, kinked = _problem(12, 5, n_samples=4)
    kinked[:] = True
    gradient = hessian @ np.random.RandomState(6).randn(12)  # in H's range
    n_steps = _run(hessian, gradient, w, kinked, 50)
    assert n_steps >= 1
    assert np.all(np.isfinite(w))
    assert np.count_nonzero(w) < 12
