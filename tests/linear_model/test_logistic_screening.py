"""Gap-safe screening in the logistic solver never drops a feature of the
optimum's support, and screened fits reach the same optimum as unscreened ones."""

import numpy as np
import pytest
import scipy.sparse as sp

import skreg.linear_model._logistic_solver as solver
from tests.conftest import record_returns


def _problem(multinomial, sparse, weighted, seed=0, n=150, p=60):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) * (rng.rand(n, p) < 0.3)
    X[:, :5] += 0.5  # uncentered columns: the intercept matters
    W = np.zeros((3 if multinomial else 1, p))
    W[:, :6] = rng.randn(W.shape[0], 6) * 2.0
    Z = X @ W.T
    if multinomial:
        y = np.argmax(Z + rng.gumbel(size=Z.shape), axis=1)
    else:
        y = (rng.rand(n) < 1 / (1 + np.exp(-Z[:, 0]))).astype(np.int64)
    s = rng.rand(n) * 2.0 if weighted else None
    return (sp.csr_matrix(X) if sparse else X), y, s


def _path(X, y, s, multinomial, fit_intercept, l1_ratio, Cs, tol=1e-11):
    return solver.logistic_path(
        X,
        y,
        Cs=Cs,
        l1_ratio=l1_ratio,
        fit_intercept=fit_intercept,
        sample_weight=s,
        penalty_factor=None,
        tol=tol,
        max_iter=1000,
        multinomial=multinomial,
    )


@pytest.mark.parametrize("multinomial", [False, True], ids=["binary", "multi"])
@pytest.mark.parametrize("fit_intercept", [False, True], ids=["no-b", "b"])
@pytest.mark.parametrize("l1_ratio", [1.0, 0.6], ids=["l1", "en"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_screening_keeps_the_optimum(
    monkeypatch, multinomial, fit_intercept, l1_ratio, sparse
):
    X, y, s = _problem(multinomial, sparse, weighted=True)
    Cs = [0.2, 0.5, 2.0]
    dropped = record_returns(monkeypatch, solver, "screen", lambda out: int(out.sum()))
    coefs, intercepts, _ = _path(X, y, s, multinomial, fit_intercept, l1_ratio, Cs)
    assert sum(dropped) > 0  # screening did drop features on the way
    monkeypatch.setattr(solver, "GAP_SAFE_SCREENING", False)
    dropped.clear()
    plain, plain_b, _ = _path(X, y, s, multinomial, fit_intercept, l1_ratio, Cs)
    assert not dropped
    np.testing.assert_allclose(coefs, plain, atol=1e-6)
    np.testing.assert_allclose(intercepts, plain_b, atol=1e-6)
    for screened, unscreened in zip(coefs, plain, strict=True):
        assert np.count_nonzero(unscreened) > 0
        np.testing.assert_array_equal(
            np.abs(screened) > 1e-6, np.abs(unscreened) > 1e-6
        )


@pytest.mark.parametrize("multinomial", [False, True], ids=["binary", "multi"])
@pytest.mark.parametrize("fit_intercept", [False, True], ids=["no-b", "b"])
def test_screen_drops_only_zeros_of_the_optimum(
    monkeypatch, multinomial, fit_intercept
):
    """The rule applied at a point stopped early (tol=1e-4), against an
    unscreened tight solve: everything it drops is zero there."""
    X, y, s = _problem(multinomial, sparse=False, weighted=True, seed=1)
    C = 0.3
    monkeypatch.setattr(solver, "GAP_SAFE_SCREENING", False)
    exact = _path(X, y, s, multinomial, fit_intercept, 1.0, [C])[0][0]
    problem = solver.make_problem(X, y, s, fit_intercept, multinomial)
    n_rows = exact.shape[0]
    W, b = np.zeros((n_rows, X.shape[1])), np.zeros(n_rows)
    l1 = np.full(X.shape[1], 1.0 / C)
    l2 = np.zeros(X.shape[1])
    solver.solve(problem, W, b, l1, l2, tol=1e-4, max_iter=100)
    state = solver._State(problem, W, b)
    all_features = np.arange(X.shape[1], dtype=np.int64)
    loss, P, _, XtT = solver._gradient(problem, state, all_features)
    gap, primal, XtTd = solver.duality_gap(problem, W, loss, P, XtT, l1, l2)
    assert gap > 1e-5  # not at the optimum: the sphere is not a dot
    norms = solver.column_norms(problem)
    dropped = solver.screen(problem, gap, primal, XtTd, norms, l1)
    assert 0 < dropped.sum() < X.shape[1]
    assert np.count_nonzero(np.any(exact != 0, axis=0)) > 10
    assert not np.any(exact[:, dropped])
