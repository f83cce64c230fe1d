"""Paths run their alpha loop in one kernel (``plain_cd_path`` or
``working_set_cd``); the solves, hence the results, are those of the
per-alpha driver loop."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

import skreg
from skreg.linear_model import _cd_solver, _path, _strategy
from tests.conftest import equicorrelated


@pytest.fixture
def loops(monkeypatch):
    """Count kernel-run paths, and the Newton steps their kernels hand back."""
    calls = {"kernel": 0, "handed_back": 0}
    kernel, steps = _path._solve_path_in_kernel, _cd_solver.take_newton_steps

    def counted_kernel(*args, **kwargs):
        calls["kernel"] += 1
        return kernel(*args, **kwargs)

    def counted_steps(*args, **kwargs):
        calls["handed_back"] += 1
        return steps(*args, **kwargs)

    monkeypatch.setattr(_path, "_solve_path_in_kernel", counted_kernel)
    monkeypatch.setattr(_cd_solver, "take_newton_steps", counted_steps)
    return calls


def _both_ways(monkeypatch, run):
    """``run()`` with the alpha loop in the kernel, then in Python.

    The kernel's warm-start extrapolation and its trust in Newton steps from
    alpha to alpha, which the per-alpha loop has not (it solves one alpha at
    a time), are switched off for both: see
    :func:`test_extrapolated_warm_starts` and
    :func:`test_trusted_newton_steps` for them.
    """
    monkeypatch.setattr(_cd_solver, "PATH_EXTRAPOLATION", False)
    monkeypatch.setattr(_cd_solver, "TRUSTED_NEWTON_BUDGET", 0)
    in_kernel = run()
    with monkeypatch.context() as m:
        m.setattr(_path, "_path_kernel", lambda *args: None)
        in_python = run()
    return in_kernel, in_python


@pytest.mark.parametrize(
    "case",
    [
        "tall-crawling",
        "wide",
        "sparse",
        "sparse-empty-columns",
        "float32",
        "enet-positive",
        "penalty-factor",
        "working-set",
        "working-set-crawling",
        "working-set-sparse",
        "working-set-enet-weights",
    ],
)
def test_the_kernel_loop_gives_the_per_alpha_loop_path(case, monkeypatch, loops):
    X, y = equicorrelated(400, 60)
    kwargs = dict(tol=1e-8, max_iter=100000, return_n_iter=True)
    path = skreg.lasso_path
    if case == "wide":
        X, y = equicorrelated(50, 120)
    elif case == "sparse":
        X = sp.csc_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    elif case == "sparse-empty-columns":  # the layout leaves them out
        X = np.where(np.abs(X) > 1.0, X, 0.0)
        X[:, 40:] = 0.0
        X = sp.csc_matrix(X)
        kwargs["coef_init"] = np.r_[np.zeros(50), 3.0, np.zeros(9)]
    elif case == "float32":
        X, y = X.astype(np.float32), y.astype(np.float32)
        kwargs["tol"] = 1e-5
    elif case == "enet-positive":
        path = skreg.enet_path
        kwargs.update(l1_ratio=0.5, positive=True)
    elif case == "penalty-factor":
        path = skreg.enet_path
        kwargs.update(penalty_factor=np.r_[0.0, np.ones(59)])
    elif case.startswith("working-set"):  # >= 200 features: working sets
        X, y = equicorrelated(80, 240)
        if case == "working-set-crawling":  # budgets of 1 sweep: Newton steps
            monkeypatch.setattr(_cd_solver, "NEWTON_FIRST_BUDGET", 1)
            monkeypatch.setattr(_cd_solver, "NEWTON_PROGRESS", 1e30)
            monkeypatch.setattr(_cd_solver, "SWEEPS_PER_NEWTON_STEP", 1)
            kwargs["n_alphas"] = 20
        elif case == "working-set-sparse":
            # Sparse paths run strong rules (test_strong_rules.py); the
            # working-set kernel still runs staged CV searches on them.
            monkeypatch.setattr(_strategy, "strong_rule_path", lambda layout: False)
            X = np.where(np.abs(X) > 1.0, X, 0.0)
            X[:, 200:] = 0.0  # left out of the layout
            X = sp.csc_matrix(X)
        elif case == "working-set-enet-weights":
            path = skreg.enet_path
            kwargs.update(l1_ratio=0.7, penalty_factor=np.r_[0.0, np.ones(239)])
    (a1, c1, g1, n1), (a2, c2, g2, n2) = _both_ways(
        monkeypatch, lambda: path(X, y, **kwargs)
    )
    assert loops["kernel"] == 1  # the first run only
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(c1, c2)
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_array_equal(n1, n2)
    assert c1.dtype == X.dtype
    if case in ("tall-crawling", "working-set-crawling"):
        assert loops["handed_back"] > 0  # some alphas crawled into Newton steps
    if case == "sparse-empty-columns":  # a left-out column keeps its start
        assert np.all(c1[50] == 3.0) and not np.any(c1[41:50])


def test_alphas_that_hit_max_iter_warn_as_before(monkeypatch):
    X, y = equicorrelated(400, 60)

    def run():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            skreg.lasso_path(X, y, tol=1e-12, max_iter=5, n_alphas=10)
        return [
            (str(w.message), w.filename)
            for w in caught
            if issubclass(w.category, ConvergenceWarning)
        ]

    in_kernel, in_python = _both_ways(monkeypatch, run)
    assert len(in_kernel) >= 5  # one per alpha that hit max_iter
    assert in_kernel == in_python  # same messages, same line (enet_path's)


@pytest.mark.parametrize("shape", [(200, 40), (80, 240)])
def test_lasso_cv_and_random_selection_paths(monkeypatch, loops, shape):
    """LassoCV's folds take the kernel loop (with working sets on 240
    features, their staged search too); a random selection does not (its
    coordinates are drawn in NumPy)."""
    X, y = equicorrelated(*shape, seed=3)
    monkeypatch.setattr(_cd_solver, "PATH_EXTRAPOLATION", False)
    monkeypatch.setattr(_cd_solver, "TRUSTED_NEWTON_BUDGET", 0)
    model = skreg.LassoCV(cv=3, alphas=20).fit(X, y)
    assert loops["kernel"] >= 3
    kernel_runs = loops["kernel"]
    skreg.lasso_path(X, y, selection="random", random_state=0, n_alphas=10)
    assert loops["kernel"] == kernel_runs
    in_python = _both_ways(
        monkeypatch, lambda: skreg.LassoCV(cv=3, alphas=20).fit(X, y).mse_path_
    )[1]
    np.testing.assert_array_equal(model.mse_path_, in_python)


@pytest.mark.parametrize("kind", ["dense", "sparse", "enet-positive"])
def test_extrapolated_warm_starts(monkeypatch, kind):
    """A working-set path moves each warm start along the path: the same
    path up to the tolerance, in fewer sweeps."""
    rng = np.random.RandomState(0)
    X = rng.randn(80, 300)
    X[:, 1:] += 0.6 * X[:, :-1]  # correlated neighbours
    y = X[:, :8] @ rng.randn(8) + 0.1 * rng.randn(80)
    path, kwargs = skreg.lasso_path, {}
    if kind == "sparse":
        # The working-set kernel's (sparse paths run strong rules otherwise).
        monkeypatch.setattr(_strategy, "strong_rule_path", lambda layout: False)
        X = sp.csc_matrix(np.where(np.abs(X) > 0.8, X, 0.0))
    elif kind == "enet-positive":
        path, kwargs = skreg.enet_path, dict(l1_ratio=0.7, positive=True)
    kwargs.update(alphas=50, eps=1e-2, tol=1e-8, return_n_iter=True)
    monkeypatch.setattr(_cd_solver, "PATH_EXTRAPOLATION", True)
    alphas, moved, gaps, moved_iters = path(X, y, **kwargs)
    monkeypatch.setattr(_cd_solver, "PATH_EXTRAPOLATION", False)
    _, plain, _, plain_iters = path(X, y, **kwargs)
    # (the elastic net's path is not affine in alpha: a smaller saving)
    saving = 0.95 if kind == "enet-positive" else 0.8
    assert np.sum(moved_iters) < saving * np.sum(plain_iters)
    # both certified at 1e-8: the objectives agree to the tolerance
    dense = X.toarray() if sp.issparse(X) else X
    l1_ratio = kwargs.get("l1_ratio", 1.0)
    y_norm2 = y @ y

    def objective(coef, alpha):
        residual = y - dense @ coef
        return residual @ residual / (2 * len(y)) + alpha * (
            l1_ratio * np.abs(coef).sum() + (1 - l1_ratio) / 2 * coef @ coef
        )

    for k, alpha in enumerate(alphas):
        assert objective(moved[:, k], alpha) == pytest.approx(
            objective(plain[:, k], alpha), abs=2e-8 * y_norm2 / len(y)
        )
    assert np.all(gaps <= 1e-8 * y_norm2 / len(y) * (1 + 1e-9))
    if kind == "enet-positive":
        assert np.all(moved >= 0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_trusted_newton_steps(monkeypatch, loops, dtype):
    """Once a Newton step finished its alpha, the next alphas of plain CD's
    path step after a few sweeps: the same path up to the tolerance, in fewer
    sweeps; and trust ends where a step does not finish its alpha."""
    X, y = equicorrelated(400, 100)
    X, y = X.astype(dtype), y.astype(dtype)
    tol = 1e-4
    kwargs = dict(alphas=100, eps=1e-2, tol=tol, return_n_iter=True)
    alphas, trusted, gaps, trusted_iters = skreg.lasso_path(X, y, **kwargs)
    trusted_steps = loops["handed_back"]
    monkeypatch.setattr(_cd_solver, "TRUSTED_NEWTON_BUDGET", 0)
    _, plain, plain_gaps, plain_iters = skreg.lasso_path(X, y, **kwargs)
    assert trusted_steps > 0 and loops["handed_back"] > trusted_steps
    assert np.sum(trusted_iters) < 0.7 * np.sum(plain_iters)
    # Both certified: every gap within its target, the objectives within it.
    y64 = y.astype(np.float64)
    limit = tol * (y64 @ y64) / len(y)
    assert np.all(gaps <= limit * (1 + 1e-6)) and np.all(
        plain_gaps <= limit * (1 + 1e-6)
    )
    X64 = X.astype(np.float64)

    def objective(coef, alpha):
        residual = y64 - X64 @ coef
        return residual @ residual / (2 * len(y)) + alpha * np.abs(coef).sum()

    for k, alpha in enumerate(alphas):
        difference = objective(trusted[:, k], alpha) - objective(plain[:, k], alpha)
        assert abs(difference) <= limit
    assert trusted.dtype == dtype


def test_a_step_that_does_not_finish_its_alpha_ends_the_trust(monkeypatch):
    """The path driver's trust flag: set after a step followed by at most
    ``TRUSTED_NEWTON_BUDGET`` sweeps, cleared after one followed by more."""
    from skreg._kernels.cd_plain import NEWTON_TRUSTED

    states = []
    original = _cd_solver.take_newton_steps

    def recorded(layout, state, coef, l1, l2, positive, newton):
        states.append(newton[NEWTON_TRUSTED])
        return original(layout, state, coef, l1, l2, positive, newton)

    monkeypatch.setattr(_cd_solver, "take_newton_steps", recorded)
    X, y = equicorrelated(400, 100)
    skreg.lasso_path(X, y, alphas=100, eps=1e-2, tol=1e-4)
    # The state each step was taken in: untrusted first; trusted after a
    # step that finished its alpha; untrusted again after one that did not
    # (this path has both).
    assert states[0] == 0.0
    pairs = set(zip(states[:-1], states[1:], strict=True))
    assert (0.0, 1.0) in pairs and (1.0, 0.0) in pairs
    # Trust off: every step untrusted.
    states.clear()
    monkeypatch.setattr(_cd_solver, "TRUSTED_NEWTON_BUDGET", 0)
    skreg.lasso_path(X, y, alphas=100, eps=1e-2, tol=1e-4)
    assert states and set(states) == {0.0}
