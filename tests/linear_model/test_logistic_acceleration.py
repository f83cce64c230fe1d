"""Anderson extrapolation of the multinomial class cycles: it is used, and the
optimum is the one reached without it."""

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.datasets import load_digits

import skreg.linear_model._logistic_solver as solver
from tests.conftest import record_returns


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5], ids=["l1", "en"])
def test_extrapolation_is_used_and_keeps_the_optimum(monkeypatch, l1_ratio):
    X, y = load_digits(return_X_y=True)
    X = X[:600] / 16.0
    y = y[:600]
    s = np.random.RandomState(0).rand(600) + 0.5
    kwargs = dict(
        Cs=[0.05, 0.5],
        l1_ratio=l1_ratio,
        fit_intercept=True,
        sample_weight=s,
        penalty_factor=None,
        tol=1e-10,
        max_iter=2000,
        multinomial=True,
    )
    accepted = record_returns(monkeypatch, solver, "_try_extrapolated")
    coefs, intercepts, n_iters = solver.logistic_path(X, y, **kwargs)
    assert any(accepted)
    monkeypatch.setattr(solver, "ANDERSON_MEMORY", 0)
    accepted.clear()
    plain, plain_b, plain_iters = solver.logistic_path(X, y, **kwargs)
    assert not accepted
    for m, C in enumerate(kwargs["Cs"]):
        # the same objective (the coefficients of this flat elastic-net
        # problem differ by 3e-6 between two solves certified at tol=1e-10)
        faster = _objective(X, y, s, coefs[m], intercepts[m], C, l1_ratio)
        slower = _objective(X, y, s, plain[m], plain_b[m], C, l1_ratio)
        assert abs(faster - slower) <= 1e-9 * slower
    np.testing.assert_allclose(coefs, plain, atol=1e-4)
    assert n_iters.sum() < plain_iters.sum()


def _objective(X, y, s, W, b, C, l1_ratio):
    Z = X @ W.T + b
    loss = s @ (logsumexp(Z, axis=1) - Z[np.arange(len(y)), y])
    pen = l1_ratio * np.abs(W).sum() + 0.5 * (1 - l1_ratio) * (W * W).sum()
    return C * loss + pen


def _digits_path(**kwargs):
    X, y = load_digits(return_X_y=True)
    X, y = X[:500] / 16.0, y[:500]
    args = dict(
        Cs=[0.05],
        l1_ratio=1.0,
        fit_intercept=True,
        sample_weight=None,
        penalty_factor=None,
        max_iter=2000,
        multinomial=True,
    )
    args.update(kwargs)
    return X, y, solver.logistic_path(X, y, **args)


def test_gap_after_every_step_keeps_the_optimum(monkeypatch):
    """On 64 features the gap is evaluated after every class cycle (the full
    gradient is cheap): the solver then stops at the first cycle whose gap is
    small enough, at the optimum the working-set rounds reach."""
    gaps = record_returns(monkeypatch, solver, "duality_gap", lambda out: out[0])
    X, y, (coefs, intercepts, n_iters) = _digits_path(tol=1e-10)
    # one gap per cycle, plus the one at the start
    assert len(gaps) == n_iters[0] + 1
    monkeypatch.setattr(solver, "FULL_GRADIENT_RATIO", 0)
    _, _, plain = _digits_path(tol=1e-10)
    _assert_same_optimum(X, y, (coefs, intercepts), plain, 1e-10, 1e-5)


def test_softmax_cache_of_the_cycles_keeps_the_optimum(monkeypatch):
    """The gradient read from the softmax cache that the class cycles update
    (CACHE_CYCLES) against one recomputed from Z every time."""
    X, y, cached = _digits_path(tol=1e-11)
    monkeypatch.setattr(solver, "CACHE_CYCLES", 0)
    _, _, fresh = _digits_path(tol=1e-11)
    _assert_same_optimum(X, y, cached, fresh, 1e-11, 1e-6)


def _assert_same_optimum(X, y, fit, reference, rtol, atol):
    """Two ``(coefs, intercepts, ...)`` of ``_digits_path``: the same
    objective within ``rtol``, coefficients within ``atol``."""
    s = np.ones(len(y))
    value = _objective(X, y, s, fit[0][0], fit[1][0], 0.05, 1.0)
    expected = _objective(X, y, s, reference[0][0], reference[1][0], 0.05, 1.0)
    assert abs(value - expected) <= rtol * expected
    np.testing.assert_allclose(fit[0], reference[0], atol=atol)
