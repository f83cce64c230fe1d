"""Quick starts that compile nothing: plain CD's kernel and every kernel it
calls run by the interpreter (skreg._numba.interpreted_throughout), while
the family's rent is below INTERPRETED_RENT, for a budget of sweeps; where it
runs out, the compiled quick start goes on (skreg._quick_start).

The suite runs with ``SKREG_QUICK_START=0`` (conftest); these tests turn it
on with a ledger of their own.
"""

import json
import types
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso as SkLasso
from sklearn.linear_model import lasso_path as sk_lasso_path

import skreg
from skreg import _numba, _quick_start
from skreg._kernels import cd, cd_plain, problems
from skreg.linear_model import _cd_solver
from tests.conftest import (
    equicorrelated,
    fresh_python,
    quick_start_ledger,
    relative_deviation,
)

pytestmark = pytest.mark.skipif(
    _numba.jit_disabled(), reason="everything is interpreted already"
)


@pytest.fixture
def ledger(monkeypatch, tmp_path):
    """Quick starts on, interpreted ones too, with an empty ledger."""
    return quick_start_ledger(monkeypatch, tmp_path, interpret=True)


@pytest.fixture
def tiers(monkeypatch):
    """Count the alphas run interpreted throughout, and the calls of plain
    CD's kernel as a compiled quick start (its sweeps compiled) and as the
    engine."""
    calls = {"interpreted": 0, "compiled quick": 0, "engine": 0}
    throughout = _cd_solver.interpreted_throughout

    def counted_throughout(kernel, compiled=()):
        python = throughout(kernel, compiled)
        tier = "compiled quick" if compiled else "interpreted"

        def run(*args):
            calls[tier] += 1
            return python(*args)

        return run

    kernel = _cd_solver.plain_cd_path

    def engine(*args):
        calls["engine"] += 1
        return kernel(*args)

    engine.py_func = kernel.py_func
    monkeypatch.setattr(_cd_solver, "interpreted_throughout", counted_throughout)
    monkeypatch.setattr(_cd_solver, "plain_cd_path", engine)
    return calls


def _budget(monkeypatch, sweeps):
    """Interpreted quick starts of ``sweeps`` sweeps in all."""
    seconds = _quick_start.INTERPRETED_RENT / (sweeps + 0.5)  # (rounded down)
    monkeypatch.setattr(_quick_start, "interpreted_sweep_seconds", lambda *_: seconds)


def _wide(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 150))
    return X, X[:, :5] @ np.arange(1.0, 6.0) + rng.standard_normal(60)


def _engine(make, X, y, **fit_params):
    with _quick_start.engine_only():
        return make().fit(X, y, **fit_params)


@pytest.mark.parametrize(
    "make, data",
    [
        (lambda: skreg.Lasso(alpha=0.05), "dense"),
        (lambda: skreg.Lasso(alpha=0.05), "float32"),
        (lambda: skreg.ElasticNet(alpha=0.05, l1_ratio=0.5, positive=True), "dense"),
        (lambda: skreg.Lasso(alpha=0.05, penalty_factor=np.arange(150) / 75), "dense"),
        (lambda: skreg.ElasticNet(alpha=0.01, l1_ratio=0.7), "sparse weighted"),
        (lambda: skreg.Lasso(alpha=0.01), "sparse large"),
        (lambda: skreg.Lasso(alpha=0.01), "tall"),
    ],
)
def test_a_first_fit_compiles_nothing(ledger, tiers, monkeypatch, make, data):
    """Interpreted throughout, a first fit reaches the coefficients of the
    compiled quick start, the same code (to rounding: the compiled sweeps
    reassociate their sums), without calling a compiled kernel; its time is
    charged to its family."""
    rng = np.random.default_rng(1)
    X, y = _wide()
    fit_params = {}
    if data == "float32":
        X, y = X.astype(np.float32), y.astype(np.float32)
    elif data == "sparse weighted":
        X = sp.random(120, 80, density=0.1, random_state=0, format="csc")
        y = X[:, :6] @ np.ones(6) + 0.1 * rng.standard_normal(120)
        fit_params = {"sample_weight": rng.uniform(0.5, 2.0, 120)}
    elif data == "sparse large":
        # More entries than a quick start densifies: the sparse layout.
        monkeypatch.setattr(_quick_start, "QUICK_START_DENSIFY_ENTRIES", 100)
        X = sp.random(300, 200, density=0.05, random_state=1, format="csc")
        y = X[:, :6] @ np.ones(6) + 0.1 * rng.standard_normal(300)
    elif data == "tall":
        X, y = equicorrelated(200, 20, rho=0.3)  # covariance mode
    compiled_before = _numba.compile_seconds()
    quick = make().fit(X, y, **fit_params)
    assert tiers["interpreted"] == 1
    assert tiers["compiled quick"] == tiers["engine"] == 0
    assert _numba.compile_seconds() == compiled_before
    assert sum(entry["rent"] for entry in ledger.entries.values()) > 0
    monkeypatch.setenv("SKREG_INTERPRET", "0")
    compiled = make().fit(X, y, **fit_params)
    assert tiers["compiled quick"] == 1
    assert quick.coef_.dtype == compiled.coef_.dtype == X.dtype
    scale = np.max(np.abs(compiled.coef_))
    atol = (1e-5 if X.dtype == np.float32 else 1e-10) * scale
    np.testing.assert_allclose(quick.coef_, compiled.coef_, rtol=0, atol=atol)
    assert quick.n_iter_ == compiled.n_iter_


def test_a_path_compiles_nothing_and_agrees_with_scikit_learn(
    ledger, tiers, monkeypatch
):
    X, y = _wide()
    _budget(monkeypatch, sweeps=30_000)
    alphas, coefs, gaps = skreg.lasso_path(X, y, alphas=30, eps=0.05, tol=1e-10)
    assert tiers["interpreted"] == 30 and tiers["compiled quick"] == 0
    _, reference, _ = sk_lasso_path(X, y, alphas=alphas, tol=1e-12, max_iter=100000)
    np.testing.assert_allclose(coefs, reference, rtol=0, atol=1e-6)


def test_an_alpha_out_of_interpreted_sweeps_goes_on_compiled(
    ledger, tiers, monkeypatch
):
    """An alpha that spends its interpreted sweeps unconverged is resumed by
    the compiled quick start from where it stopped: its sweeps count
    towards max_iter, and the layout's later alphas are compiled."""
    X, y = equicorrelated(60, 150, rho=0.3)
    _budget(monkeypatch, sweeps=5)
    options = dict(alpha=0.1, tol=1e-8, max_iter=5000)
    fit = skreg.Lasso(**options).fit(X, y)
    assert tiers["interpreted"] == 1 and tiers["compiled quick"] >= 1
    assert fit.n_iter_ > 5
    engine = _engine(lambda: skreg.Lasso(**options), X, y)
    assert fit.n_iter_ <= engine.n_iter_ + 1  # the same solve, resumed
    np.testing.assert_allclose(fit.coef_, engine.coef_, rtol=0, atol=1e-8)


def test_an_unconverged_handed_over_fit_stops_at_max_iter(ledger, monkeypatch):
    X, y = equicorrelated(60, 150, rho=0.3)
    _budget(monkeypatch, sweeps=5)
    with pytest.warns(ConvergenceWarning, match="max_iter=12") as caught:
        fit = skreg.Lasso(alpha=0.001, tol=1e-14, max_iter=12).fit(X, y)
    assert len(caught) == 1
    assert fit.n_iter_ == 12
    # 12 sweeps in all, 5 of them interpreted: the compiled quick start's 12.
    monkeypatch.setenv("SKREG_INTERPRET", "0")
    with pytest.warns(ConvergenceWarning):
        compiled = skreg.Lasso(alpha=0.001, tol=1e-14, max_iter=12).fit(X, y)
    np.testing.assert_allclose(fit.coef_, compiled.coef_, rtol=0, atol=1e-12)


def test_a_path_handed_over_midway(ledger, tiers, monkeypatch):
    """The alphas before the hand-over stay as the interpreter left them, the
    one handed over and the next are the compiled quick start's: the path is
    the engine's (no coefficient left over from the unfinished alpha)."""
    X, y = equicorrelated(60, 150, rho=0.3)
    _budget(monkeypatch, sweeps=240)
    quick = skreg.lasso_path(X, y, alphas=20, eps=0.05, tol=1e-8, return_n_iter=True)
    assert 0 < tiers["interpreted"] < 20 and tiers["compiled quick"] >= 1
    with _quick_start.engine_only():
        engine = skreg.lasso_path(X, y, alphas=20, eps=0.05, tol=1e-8)
    np.testing.assert_allclose(quick[0], engine[0])
    scale = np.max(np.abs(engine[1]))
    np.testing.assert_allclose(quick[1], engine[1], rtol=0, atol=1e-6 * scale)
    assert np.all(quick[2] <= 1e-8 * np.sum((y - y.mean()) ** 2) / len(y) + 1e-15)


def test_a_path_that_would_outspend_its_budget_is_handed_over_early(
    ledger, tiers, monkeypatch
):
    """Once the alphas left, at the mean sweeps of those solved, would cost
    more than the budget left, the path goes on compiled: before its budget
    runs out, and with the same result."""
    X, y = equicorrelated(60, 150, rho=0.3)
    options = dict(alphas=20, eps=0.05, tol=1e-8, return_n_iter=True)
    _budget(monkeypatch, sweeps=10**6)
    *interpreted, n_iters = skreg.lasso_path(X, y, **options)
    assert tiers["interpreted"] == 20 and tiers["compiled quick"] == 0
    costs = np.cumsum(np.asarray(n_iters) + 1)  # each alpha's gap: a sweep
    granted = int(costs[-1] // 2)
    runs_out = int(np.searchsorted(costs, granted)) + 1
    for entry in ledger.entries.values():
        entry["rent"] = 0.0
    tiers["interpreted"] = 0
    _budget(monkeypatch, sweeps=granted)
    *handed_over, _ = skreg.lasso_path(X, y, **options)
    assert _quick_start.INTERPRETED_PROJECTED_AFTER <= tiers["interpreted"] < runs_out
    assert tiers["compiled quick"] >= 1
    scale = np.max(np.abs(interpreted[1]))
    np.testing.assert_allclose(handed_over[1], interpreted[1], atol=1e-6 * scale)


def test_the_projection_of_a_path(monkeypatch):
    """The mean sweeps of the alphas solved, times those left, against the
    sweeps left; none before INTERPRETED_PROJECTED_AFTER alphas."""
    monkeypatch.setattr(_quick_start, "INTERPRETED_PROJECTED_AFTER", 3)
    assert _quick_start.projected_past(100, 70, 3, 8)  # 80 > 70
    assert not _quick_start.projected_past(100, 70, 3, 7)  # 70
    assert not _quick_start.projected_past(100, 10, 2, 50)


def test_the_budget_is_the_rent_left(ledger, monkeypatch):
    """Sweeps in all: the rent left below INTERPRETED_RENT over the cost of a
    sweep; fewer than INTERPRETED_MIN_SWEEPS an alpha: compiled."""
    from skreg.linear_model._layouts import DenseLayout

    X, y = _wide()
    _budget(monkeypatch, sweeps=100)

    def budget(n_alphas=1, max_iter=1000):
        layout = DenseLayout(np.asfortranarray(X), y)
        return _quick_start.interpreted_budget(layout, n_alphas, max_iter)

    assert budget() == 100
    assert budget(max_iter=30) == 30
    assert budget(n_alphas=10, max_iter=5) == 50
    assert budget(n_alphas=20) == 100
    assert budget(n_alphas=21) is None  # fewer than 5 sweeps an alpha
    family = "DenseProblem-float64-ones"
    ledger.entries[family]["rent"] = 0.75 * _quick_start.INTERPRETED_RENT
    assert budget() == 25
    ledger.entries[family]["rent"] = _quick_start.INTERPRETED_RENT
    assert budget() is None


def test_a_cv_search_the_rent_covers_is_interpreted_throughout(ledger, tiers):
    """Every path of a small search runs interpreted: nothing compiles, and
    the search chooses what the engine's chooses."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 30))
    y = X[:, :5].sum(axis=1) + rng.standard_normal(100)
    compiled = _numba.compile_seconds()
    ours = skreg.LassoCV(cv=3).fit(X, y)
    assert _numba.compile_seconds() == compiled
    assert tiers["interpreted"] > 4 and tiers["compiled quick"] == 0
    assert tiers["engine"] == 0
    assert _quick_start._search == {"depth": 0, "solves": 0, "interpret": None}
    engine = _engine(lambda: skreg.LassoCV(cv=3), X, y)
    assert ours.alpha_ == engine.alpha_
    np.testing.assert_allclose(ours.mse_path_, engine.mse_path_, rtol=1e-3)
    np.testing.assert_allclose(ours.coef_, engine.coef_, atol=1e-6 * np.abs(y).max())


def test_a_cv_search_the_rent_cannot_cover_is_compiled(ledger, tiers, monkeypatch):
    """A search whose paths the rent cannot all pay (5 sweeps an alpha on
    each) compiles its quick starts at once, though one path alone would be
    interpreted: interpreting the first folds would pay rent and compiler
    both."""
    X, y = _wide()
    _budget(monkeypatch, sweeps=1000)  # 5 x 100 alphas, but not on 4 paths
    skreg.LassoCV(cv=3).fit(X, y)
    assert tiers["interpreted"] == 0 and tiers["compiled quick"] > 0
    assert _quick_start._search == {"depth": 0, "solves": 0, "interpret": None}
    skreg.lasso_path(X, y)  # one path alone: interpreted
    assert tiers["interpreted"] > 0


def test_a_cv_search_is_priced_at_its_paths_smallest_alphas(ledger, tiers):
    """At real prices, the folds' paths of a search on a wide design (solved
    alpha by alpha) cost more than the rent: compiled.  Priced at their first
    alpha, where few features move, they were interpreted."""
    X, y = _wide()
    skreg.LassoCV(cv=3).fit(X, y)
    assert tiers["interpreted"] == 0 and tiers["compiled quick"] > 0


def test_a_path_solved_alpha_by_alpha_draws_on_one_budget(ledger, tiers, monkeypatch):
    """The folds' paths of a search run alpha by alpha, each alpha from what
    its layout's interpreted budget has left: a path that needs more sweeps
    than its budget goes on compiled once it is spent (the later folds find
    the rent spent: compiled), and the search chooses what the engine's
    chooses."""
    X, y = equicorrelated(60, 150, rho=0.3)
    granted = 2000  # 5 sweeps for each of the 4 paths' 100 alphas
    _budget(monkeypatch, sweeps=granted)
    spent = {}

    def spend(layout, sweeps):
        spent[id(layout)] = spent.get(id(layout), 0) + sweeps
        _quick_start.spend_interpreted(layout, sweeps)

    monkeypatch.setattr(_cd_solver, "spend_interpreted", spend)
    ours = skreg.LassoCV(cv=3, tol=1e-8).fit(X, y)
    # The first fold's path (alpha by alpha: a call each) spent its budget
    # before its 100 alphas; each alpha may overdraw by its gap's sweep.
    first = next(iter(spent.values()))
    assert granted <= first <= granted + 1
    assert 0 < tiers["interpreted"] < 100
    assert tiers["compiled quick"] > 0
    engine = _engine(lambda: skreg.LassoCV(cv=3, tol=1e-8), X, y)
    assert ours.alpha_ == engine.alpha_


def test_interpreted_quick_starts_can_be_turned_off(ledger, tiers, monkeypatch):
    monkeypatch.setenv("SKREG_INTERPRET", "0")
    X, y = _wide()
    skreg.Lasso(alpha=0.05).fit(X, y)
    assert tiers["interpreted"] == 0 and tiers["compiled quick"] == 1


def test_interpreted_throughout_leaves_no_compiled_kernel():
    """Every kernel, module and table of operations that plain CD's kernel
    reaches is a Python copy; the modules themselves are untouched."""
    kernel = _numba.interpreted_throughout(cd_plain.plain_cd_path)
    assert isinstance(kernel, types.FunctionType)
    assert kernel.__code__ is cd_plain.plain_cd_path.py_func.__code__
    namespace = kernel.__globals__
    budget = namespace["plain_budget"]
    assert budget.__code__ is cd_plain.plain_budget.py_func.__code__
    sweep = budget.__globals__["layout_sweep"]
    operations = sweep.__globals__["_OPERATIONS"]
    for table in operations.values():
        for operation in table.values():
            assert isinstance(operation, types.FunctionType)
    # Kernels with a NumPy version run it (numpy_version_of).
    sparse_sweep = operations[problems.SparseProblem]["sweep"]
    assert sparse_sweep.__code__ is cd._cd_sweep_sparse_numpy.__code__
    assert sparse_sweep.__globals__ is not cd.__dict__
    assert isinstance(namespace["cd_strong"].strong_budget, types.FunctionType)
    assert cd_plain.plain_budget is not budget
    assert problems._OPERATIONS[problems.SparseProblem]["sweep"] is not sparse_sweep


def test_scikit_learns_lasso_on_interpreted_quick_starts(ledger, tiers):
    """The first fits of a quick start agree with scikit-learn to 1e-6."""
    X, y = _wide(3)
    ours = skreg.Lasso(alpha=0.05, tol=1e-10).fit(X, y)
    theirs = SkLasso(alpha=0.05, tol=1e-10, max_iter=100000).fit(X, y)
    assert tiers["interpreted"] == 1
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)


def test_a_handed_over_alpha_keeps_no_stale_coefficient(ledger, tiers, monkeypatch):
    """The interpreted sweeps of an alpha handed over leave non-zeros (a
    first sweep from zero on correlated features) that its solve removes:
    the path returns the solve's."""
    X, y = equicorrelated(100, 60, rho=0.7)
    monkeypatch.setattr(_quick_start, "INTERPRETED_MIN_SWEEPS", 1)
    _budget(monkeypatch, sweeps=1)
    alpha = 0.05
    _, coefs, _ = skreg.lasso_path(X, y, alphas=[alpha], tol=1e-10, precompute=True)
    assert tiers["interpreted"] == 1 and tiers["compiled quick"] >= 1
    first_sweep = skreg.Lasso(
        alpha=alpha, fit_intercept=False, max_iter=1, tol=0, precompute=True
    )
    with pytest.warns(ConvergenceWarning):
        first_sweep.fit(X, y)
    reference = SkLasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100_000)
    reference.fit(X, y)
    stale = (first_sweep.coef_ != 0) & (reference.coef_ == 0)
    assert stale.any()  # the case this test is about
    np.testing.assert_array_equal(coefs[:, 0] != 0, reference.coef_ != 0)


def test_scikit_learns_checks_pass_on_interpreted_quick_starts(ledger, tiers):
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(skreg.Lasso())
    assert tiers["interpreted"] > 0
    assert not any(entry["engine"] for entry in ledger.entries.values())


def test_what_an_interpreted_sweep_costs():
    """Each layout's array at its own prices a stored entry and a feature
    (skreg._quick_start.INTERPRETED_SECONDS_PER_ENTRY and _PER_FEATURE)."""
    from skreg.linear_model._preprocess import make_layouts

    X, y = _wide()
    prices = _quick_start.INTERPRETED_SECONDS_PER_ENTRY
    per_feature = _quick_start.INTERPRETED_SECONDS_PER_FEATURE
    sparse = sp.random(60, 150, density=0.1, random_state=0, format="csc")
    for data, precompute, name, entries in (
        (X, False, "X", X.size),
        (X, True, "gram", 150 * 150),
        (sparse, False, "data", sparse.nnz),
    ):
        (layout,) = make_layouts(
            data, y.reshape(-1, 1), None, np.zeros(150), precompute
        )
        expected = prices[name] * entries + per_feature[name] * 150
        assert _quick_start.interpreted_sweep_seconds(layout) == pytest.approx(expected)
        # A sweep expected to move few coordinates goes by runs: each of
        # those is priced with its run, the others as idle; where more move
        # (cd.RUNS_MAX_BUSY of 150: 25), or unknown, every coordinate.
        run = _quick_start.INTERPRETED_SECONDS_PER_RUN[name]
        idle = _quick_start.INTERPRETED_SECONDS_PER_IDLE_FEATURE
        by_runs = prices[name] * entries + (per_feature[name] + run) * 10 + idle * 140
        for moving, price in ((10, by_runs), (30, expected), (None, expected)):
            assert _quick_start.interpreted_sweep_seconds(
                layout, lambda moving=moving: moving
            ) == pytest.approx(price)


@pytest.mark.parametrize(
    "fit, lasso",
    [
        (lambda X, y: skreg.Lasso(alpha=0.05).fit(X, y), True),
        (lambda X, y: skreg.ElasticNet(alpha=0.05, l1_ratio=0.5).fit(X, y), False),
        (lambda X, y: skreg.lasso_path(X, y, alphas=5), True),
        (lambda X, y: skreg.enet_path(X, y, l1_ratio=0.5, alphas=5), False),
    ],
)
def test_a_lasso_is_priced_by_the_coordinates_expected_to_move(
    ledger, tiers, monkeypatch, fit, lasso
):
    """Fits without a ridge term price their sweeps by the coordinates
    expected to move (_strategy.moving_coordinates); others by every one."""
    priced = []

    def price(layout, moving=None):
        priced.append(moving())
        return 1e-6

    monkeypatch.setattr(_quick_start, "interpreted_sweep_seconds", price)
    fit(*_wide())
    assert tiers["interpreted"] > 0
    assert priced
    if lasso:
        assert all(0 < moving <= 150 for moving in priced)
    else:
        assert priced == [None] * len(priced)


def test_the_coordinates_expected_to_move():
    """Those whose correlation at zero exceeds their threshold, and every
    unpenalized feature."""
    from skreg.linear_model._layouts import DenseLayout
    from skreg.linear_model._strategy import moving_coordinates

    X, y = _wide()
    X = np.asfortranarray(X)
    correlations = np.abs(X.T @ y)
    l1_max = correlations.max()
    for l1 in (0.9 * l1_max, 0.6 * l1_max, 0.2 * l1_max):
        expected = np.count_nonzero(correlations > l1)
        assert 0 < moving_coordinates(DenseLayout(X, y), l1, 0.0) == expected
    assert moving_coordinates(DenseLayout(X, y), 0.6 * l1_max, 1.0) is None
    factor = np.ones(150)
    factor[np.argsort(correlations)[:4]] = 0  # the least correlated: unpenalized
    factor[np.argmax(correlations)] = 10.0  # the most: no longer above
    layout = DenseLayout(X, y, factor)
    expected = np.count_nonzero(correlations > 0.6 * l1_max) - 1 + 4
    assert moving_coordinates(layout, 0.6 * l1_max, 0.0) == expected


@pytest.fixture
def before_numba(ledger, monkeypatch):
    """A process that has not loaded numba yet (BEFORE_NUMBA_RENT)."""
    monkeypatch.setattr(_quick_start, "numba_loaded", lambda: False)
    return ledger


def _objective(model, X, y):
    residual = y - X @ model.coef_ - model.intercept_
    return (
        residual @ residual / (2 * X.shape[0]) + model.alpha * np.abs(model.coef_).sum()
    )


def test_before_numba_a_small_fit_of_an_engine_family_runs_interpreted(
    before_numba, tiers
):
    """The family uses its engine (in the cache), yet a process's first small
    fit runs interpreted on the process's allowance, charged to it and not to
    the ledger, and reaches the engine's objective to ``tol``."""
    X, y = _wide()
    engine = _engine(lambda: skreg.Lasso(alpha=0.05), X, y)
    key = "DenseProblem-float64-ones"
    assert before_numba.entries[key]["engine"]
    compiled_before = _numba.compile_seconds()
    before = dict(tiers)
    quick = skreg.Lasso(alpha=0.05).fit(X, y)
    assert tiers["interpreted"] == before["interpreted"] + 1
    assert tiers["compiled quick"] == before["compiled quick"]
    assert tiers["engine"] == before["engine"]
    assert _numba.compile_seconds() == compiled_before
    assert _quick_start._before_numba["rent"] > 0
    assert _quick_start.BEFORE_NUMBA not in before_numba.entries
    assert before_numba.entries[key]["rent"] == 0
    gap = abs(_objective(quick, X, y) - _objective(engine, X, y))
    assert gap <= 1e-4 * (y @ y) / y.shape[0]


def test_before_numba_a_fit_past_its_allowance_goes_on_with_the_engine(
    before_numba, tiers, monkeypatch
):
    X, y = equicorrelated(200, 100, rho=0.7)
    engine = _engine(lambda: skreg.Lasso(alpha=0.05, tol=1e-6), X, y)
    assert engine.n_iter_ > 12
    seconds = _quick_start.BEFORE_NUMBA_RENT / 12.5  # 12 sweeps
    monkeypatch.setattr(_quick_start, "interpreted_sweep_seconds", lambda *_: seconds)
    before = tiers["interpreted"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        quick = skreg.Lasso(alpha=0.05, tol=1e-6).fit(X, y)
    assert tiers["interpreted"] == before + 1
    assert _quick_start.BEFORE_NUMBA not in before_numba.entries
    gap = abs(_objective(quick, X, y) - _objective(engine, X, y))
    assert gap <= 1e-6 * (y @ y) / y.shape[0]
    # Once the allowance is spent, fits use the engine at once.
    _quick_start._before_numba["rent"] = _quick_start.BEFORE_NUMBA_RENT
    skreg.Lasso(alpha=0.06).fit(X, y)
    assert tiers["interpreted"] == before + 1


def test_before_numba_nothing_when_the_allowance_buys_too_few_sweeps(
    before_numba, tiers, monkeypatch
):
    X, y = _wide()
    _engine(lambda: skreg.Lasso(alpha=0.05), X, y)
    too_few = _quick_start.QUICK_START_MIN_SWEEPS - 1
    seconds = _quick_start.BEFORE_NUMBA_RENT / (too_few + 0.5)
    monkeypatch.setattr(_quick_start, "interpreted_sweep_seconds", lambda *_: seconds)
    before = tiers["interpreted"]
    skreg.Lasso(alpha=0.05).fit(X, y)
    assert tiers["interpreted"] == before
    assert _quick_start._before_numba["rent"] == 0


def test_a_fresh_process_fits_an_engine_family_without_loading_numba(tmp_path):
    """A first process compiles the engine into the cache; in the next one a
    small fit runs interpreted before numba (BEFORE_NUMBA_RENT): numba is
    never imported, and the coefficients are the engine's to ``tol``."""
    code = (
        "import json, sys, numpy as np, skreg; "
        "rng = np.random.default_rng(0); X = rng.standard_normal((200, 50)); "
        "y = X[:, :5].sum(axis=1) + rng.standard_normal(200); "
        "m = skreg.Lasso(alpha=0.1, tol=1e-8).fit(X, y); "
        "print(json.dumps(['numba' in sys.modules, m.coef_.tolist()]))"
    )
    runs = []
    for quick_start in ("0", "1"):
        out = fresh_python(
            code, tmp_path, SKREG_QUICK_START=quick_start, SKREG_INTERPRET="1"
        )
        assert out.returncode == 0, out.stderr
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    (engine_loaded, engine_coef), (quick_loaded, quick_coef) = runs
    assert engine_loaded and not quick_loaded
    assert relative_deviation(np.array(quick_coef), np.array(engine_coef)) < 1e-5
