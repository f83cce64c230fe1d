"""Sparse paths run strong rules and active-set cycling (glmnet's algorithm,
``skreg._kernels.cd_strong``); an alpha where they crawl goes to working sets."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import enet_path as sk_enet_path

import skreg
from skreg.linear_model import _cd_solver, _path
from tests.conftest import record_returns, sparse_regression

_sparse_problem = sparse_regression


@pytest.fixture
def chosen(monkeypatch):
    """The path kernels chosen, by name."""
    return record_returns(
        monkeypatch, _path, "_path_kernel", lambda k: getattr(k, "__name__", None)
    )


def test_the_strategy_runs_strong_rules_on_sparse_paths_only(chosen):
    X, y = _sparse_problem()
    skreg.lasso_path(X, y, alphas=10)
    skreg.lasso_path(X.toarray(), y, alphas=10)
    skreg.lasso_path(X[:, :150], y, alphas=10)  # below WORKING_SET_MIN_FEATURES
    assert chosen == [
        "strong_path_kernel",
        "working_set_path_kernel",
        "plain_path_kernel",
    ]
    chosen.clear()
    # A staged CV search keeps the working-set kernel for its loose first
    # stage (one path per fold), not for the paths that refine it.
    skreg.LassoCV(cv=2, alphas=10).fit(X, y)
    assert chosen[:2] == ["working_set_path_kernel"] * 2


@pytest.mark.parametrize(
    "l1_ratio, positive", [(1.0, False), (0.6, False), (1.0, True)]
)
def test_sparse_paths_agree_with_scikit_learn(l1_ratio, positive):
    X, y = _sparse_problem()
    alphas, coefs, gaps = skreg.enet_path(
        X, y, l1_ratio=l1_ratio, positive=positive, alphas=30, tol=1e-10
    )
    _, sk_coefs, _ = sk_enet_path(
        X, y, l1_ratio=l1_ratio, positive=positive, alphas=alphas, tol=1e-12,
        max_iter=100_000,
    )  # fmt: skip
    dense = X.toarray()
    n = len(y)

    def objective(w, alpha):
        r = y - dense @ w
        return r @ r / (2 * n) + alpha * (
            l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * w @ w
        )

    for k, alpha in enumerate(alphas):
        assert objective(coefs[:, k], alpha) == pytest.approx(
            objective(sk_coefs[:, k], alpha), abs=1e-9 * (y @ y) / n
        )
    assert np.all(gaps <= 1e-10 * (y @ y) / n * (1 + 1e-9))
    np.testing.assert_allclose(coefs, sk_coefs, atol=1e-6)


def test_float32_sparse_paths_stay_float32():
    X, y = _sparse_problem(dtype=np.float32)
    y64 = y.astype(np.float64)
    _, coefs, gaps = skreg.lasso_path(X, y, alphas=20, tol=1e-5)
    assert coefs.dtype == np.float32
    assert np.all(gaps <= 1e-5 * (y64 @ y64) / len(y) * (1 + 1e-6))
    # With LassoCV's relative gap the float32 path is as close to the
    # float64 one as float32 allows.
    _, tight, _ = skreg.lasso_path(X, y, alphas=20, tol=1e-5, path_gap=_path.PATH_GAP)
    assert tight.dtype == np.float32
    _, coefs64, _ = skreg.lasso_path(X.astype(np.float64), y64, alphas=20, tol=1e-8)
    np.testing.assert_allclose(tight, coefs64, atol=2e-3)


def test_alphas_that_crawl_are_finished_by_working_sets(monkeypatch):
    """p > n near interpolation on correlated columns: coordinate descent
    alone crawls; that alpha goes to solve_enet (working sets, Anderson
    steps), the rest of the path to the working-set kernel, and every alpha
    is certified within max_iter."""
    rng = np.random.RandomState(0)
    n, p = 60, 400
    X = rng.randn(n, p)
    X[:, 1:] += 0.8 * X[:, :-1]
    y = X[:, :10] @ rng.randn(10) + 0.5 * rng.randn(n)
    calls, kernels = [], []
    solve, working_sets = _cd_solver.solve_enet, _cd_solver.working_set_path_kernel

    def counted(*args, **kwargs):
        calls.append(kwargs.get("working_set"))
        return solve(*args, **kwargs)

    def counted_kernel(*args, **kwargs):
        kernels.append(kwargs["start"])
        return working_sets(*args, **kwargs)

    monkeypatch.setattr(_cd_solver, "solve_enet", counted)
    monkeypatch.setattr(_cd_solver, "working_set_path_kernel", counted_kernel)
    max_iter = 1000
    alphas, coefs, gaps, n_iters = skreg.lasso_path(
        sp.csc_matrix(X), y, alphas=30, eps=1e-3, tol=1e-8, max_iter=max_iter,
        return_n_iter=True,
    )  # fmt: skip
    # The first alpha that crawls goes to working sets, and so does the rest
    # of the path, in the working-set kernel (which hands its own crawling
    # alphas to solve_enet for Newton steps).
    assert calls and all(calls)
    assert kernels and max(kernels) < len(alphas)
    assert np.all(gaps <= 1e-8 * (y @ y) / n * (1 + 1e-9))
    assert max(n_iters) <= max_iter
    # the same path as the working-set kernel's, to the tolerance
    monkeypatch.setattr(_cd_solver, "solve_enet", solve)
    monkeypatch.setattr(_cd_solver, "working_set_path_kernel", working_sets)
    _, ws_coefs, _ = skreg.lasso_path(X, y, alphas=alphas, tol=1e-8, max_iter=max_iter)

    def objective(w, alpha):
        r = y - X @ w
        return r @ r / (2 * n) + alpha * np.abs(w).sum()

    for k, alpha in enumerate(alphas):
        assert objective(coefs[:, k], alpha) == pytest.approx(
            objective(ws_coefs[:, k], alpha), abs=2e-8 * (y @ y) / n
        )
