"""Anderson extrapolation of the multinomial class cycles: it is used, and the
optimum is the one reached without it."""

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.datasets import load_digits

import skreg.linear_model._logistic_solver as solver


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
    accepted = []
    try_extrapolated = solver._try_extrapolated

    def spy(*args):
        out = try_extrapolated(*args)
        accepted.append(out)
        return out

    monkeypatch.setattr(solver, "_try_extrapolated", spy)
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
