"""Quick starts (skreg._quick_start): plain CD's kernel run by the interpreter
around its compiled budget, until the engine has been paid for (those run
wholly by the interpreter before: tests/test_interpreted_quick_start.py).

The suite runs with ``SKREG_QUICK_START=0`` (conftest); these tests turn it
on with a ledger of their own.
"""

import json
import os

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso as SkLasso
from sklearn.utils.estimator_checks import check_estimator

import skreg
from skreg import _numba, _quick_start
from skreg._kernels import cd, cd_plain, problems
from skreg.linear_model import _cd_solver
from tests.conftest import equicorrelated, quick_start_ledger


@pytest.fixture
def ledger(monkeypatch, tmp_path):
    """Quick starts on, with an empty ledger in ``tmp_path``; those that
    compile nothing off (tests/test_interpreted_quick_start.py has them)."""
    return quick_start_ledger(monkeypatch, tmp_path, interpret=False)


@pytest.fixture
def kernels(monkeypatch):
    """Count the calls of the engine's two path kernels, and the quick
    starts (the calls of plain CD's kernel interpreted)."""
    calls = {"plain": 0, "working_set": 0, "quick": 0}
    charged = _cd_solver.charged

    def counted_quick(layout):
        calls["quick"] += 1
        return charged(layout)

    monkeypatch.setattr(_cd_solver, "charged", counted_quick)
    for name, key in (("plain_cd_path", "plain"), ("working_set_cd", "working_set")):
        kernel = getattr(_cd_solver, name)

        def counted(*args, _kernel=kernel, _key=key):
            calls[_key] += 1
            return _kernel(*args)

        counted.py_func = kernel.py_func  # what a quick start interprets
        monkeypatch.setattr(_cd_solver, name, counted)
    return calls


def _rents(ledger):
    return {family: entry["rent"] for family, entry in ledger.entries.items()}


def _problems():
    rng = np.random.default_rng(0)
    X_tall, y_tall = equicorrelated(400, 100, rho=0.7)  # covariance mode, Newton
    X_wide = rng.standard_normal((60, 150))
    y_wide = X_wide[:, :5] @ np.arange(1.0, 6.0) + rng.standard_normal(60)
    X_sparse = sp.random(120, 80, density=0.1, random_state=0, format="csc")
    y_sparse = X_sparse[:, :6] @ np.ones(6) + 0.1 * rng.standard_normal(120)
    weights = rng.uniform(0.5, 2.0, 120)
    return {
        "gram-crawling": (
            lambda: skreg.Lasso(alpha=0.002, tol=1e-8, max_iter=5000),
            X_tall,
            y_tall,
            {},
        ),
        "dense-p>n": (lambda: skreg.Lasso(alpha=0.05), X_wide, y_wide, {}),
        "sparse-weighted": (
            lambda: skreg.ElasticNet(alpha=0.01, l1_ratio=0.7),
            X_sparse,
            y_sparse,
            {"sample_weight": weights},
        ),
        "float32": (
            lambda: skreg.Lasso(alpha=0.05),
            X_wide.astype(np.float32),
            y_wide.astype(np.float32),
            {},
        ),
        "enet-positive": (
            lambda: skreg.ElasticNet(alpha=0.05, l1_ratio=0.5, positive=True),
            X_wide,
            y_wide,
            {},
        ),
        "penalty-factor": (
            lambda: skreg.Lasso(alpha=0.05, penalty_factor=np.linspace(0, 2, 150)),
            X_wide,
            y_wide,
            {},
        ),
        "lasso-cv": (lambda: skreg.LassoCV(cv=3), X_wide, y_wide, {}),
    }


PROBLEMS = _problems()


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_a_quick_start_is_the_engines_plain_cd(name, ledger, kernels, monkeypatch):
    """Below the working-set width the engine runs plain CD's kernel; a quick
    start runs the same kernel interpreted around the same compiled budget,
    and reaches the same coefficients, to rounding."""
    make, X, y, fit_params = PROBLEMS[name]
    quick = make().fit(X, y, **fit_params)
    assert kernels["quick"] > 0
    assert not any(entry["engine"] for entry in ledger.entries.values())
    assert kernels["plain"] == 0 and kernels["working_set"] == 0
    monkeypatch.setenv("SKREG_QUICK_START", "0")
    engine = make().fit(X, y, **fit_params)
    assert kernels["plain"] > 0
    assert quick.coef_.dtype == engine.coef_.dtype
    scale = np.max(np.abs(engine.coef_))
    np.testing.assert_allclose(quick.coef_, engine.coef_, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(quick.intercept_, engine.intercept_, rtol=1e-10)
    if name == "lasso-cv":
        assert quick.alpha_ == engine.alpha_
        np.testing.assert_allclose(quick.mse_path_, engine.mse_path_, rtol=1e-10)


def test_paths_start_quickly(ledger, kernels, monkeypatch):
    """A path's certified starts get their sweep over the support (the alpha
    loop's, interpreted), as the compiled kernel's do."""
    X, y = PROBLEMS["dense-p>n"][1:3]
    quick = skreg.lasso_path(X, y, alphas=30)
    assert kernels["quick"] > 0 and kernels["plain"] == 0
    monkeypatch.setenv("SKREG_QUICK_START", "0")
    engine = skreg.lasso_path(X, y, alphas=30)
    for ours, theirs in zip(quick[:2], engine[:2], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)
    # The quick start's gaps are NumPy's sums: equal to rounding, which a
    # gap (a difference of objectives) carries at the objective's scale.
    scale = np.mean((y - y.mean()) ** 2)
    np.testing.assert_allclose(quick[2], engine[2], rtol=1e-10, atol=1e-13 * scale)


def test_wide_and_sparse_quick_starts_agree_with_scikit_learn(ledger, kernels):
    """Where the engine would use working sets, a quick start still solves
    the problem: to scikit-learn's coefficients at a tight tolerance."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((50, 300))
    y = X[:, :4].sum(axis=1) + 0.1 * rng.standard_normal(50)
    for data in (X, sp.csc_matrix(X)):
        ours = skreg.Lasso(alpha=0.05, tol=1e-10).fit(data, y)
        theirs = SkLasso(alpha=0.05, tol=1e-10).fit(data, y)
        np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)
        assert ours.dual_gap_ <= 1e-10 * np.sum((y - y.mean()) ** 2) / len(y)
    assert kernels["working_set"] == 0


def test_sparse_data_too_large_to_densify_starts_sparse(ledger, kernels, monkeypatch):
    """Sparse data whose dense copy would be too large, but whose stored
    entries are few, starts quickly on the sparse layout itself."""
    make, X, y, fit_params = PROBLEMS["sparse-weighted"]
    monkeypatch.setattr(_quick_start, "QUICK_START_DENSIFY_ENTRIES", X.nnz)
    densified = _quick_start.densifies
    answers = []

    def densifies(*args):
        answers.append(densified(*args))
        return answers[-1]

    monkeypatch.setattr(_quick_start, "densifies", densifies)
    quick = make().fit(X, y, **fit_params)
    assert answers == [False]
    assert kernels["quick"] > 0 and kernels["plain"] == 0
    monkeypatch.setenv("SKREG_QUICK_START", "0")
    engine = make().fit(X, y, **fit_params)
    np.testing.assert_allclose(quick.coef_, engine.coef_, rtol=0, atol=1e-12)


def test_the_engine_when_quick_starts_are_off(ledger, kernels, monkeypatch):
    X, y = PROBLEMS["dense-p>n"][1:3]
    monkeypatch.setenv("SKREG_QUICK_START", "0")
    skreg.Lasso(alpha=0.05).fit(X, y)
    assert kernels["plain"] == 1
    assert _rents(ledger) == {"DenseProblem-float64-ones": 0.0}
    # The engine ran for the family: later fits use it too.
    assert ledger.entries["DenseProblem-float64-ones"]["engine"]
    monkeypatch.setenv("SKREG_QUICK_START", "1")
    skreg.Lasso(alpha=0.05).fit(X, y)
    assert kernels["plain"] == 2


def test_engine_only_fills_the_engine(ledger, kernels):
    X, y = PROBLEMS["dense-p>n"][1:3]
    with _quick_start.engine_only():
        skreg.Lasso(alpha=0.05).fit(X, y)
    assert kernels["plain"] == 1
    assert ledger.entries["DenseProblem-float64-ones"]["engine"]


def test_the_engine_once_the_rent_is_paid(ledger, kernels):
    """Quick starts are charged their solving time; once a family's reaches
    the rent, its fits use the engine (working sets on wide data)."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 250))
    y = X[:, :3].sum(axis=1)
    for _ in range(2):  # the second compiles nothing: it is charged
        skreg.Lasso(alpha=0.05).fit(X, y)
    family = "DenseProblem-float64-ones"
    assert kernels["working_set"] == 0 and kernels["quick"] == 2
    assert 0 < ledger.entries[family]["rent"] < _quick_start.QUICK_START_RENT
    ledger.entries[family]["rent"] = _quick_start.QUICK_START_RENT
    skreg.Lasso(alpha=0.05).fit(X, y)
    assert kernels["working_set"] == 1
    assert ledger.entries[family]["engine"]
    with open(ledger.path) as f:  # written at once, for other processes
        assert json.load(f)[family]["engine"]


def test_large_problems_too_large_for_a_budget_compile_the_engine(
    ledger, kernels, monkeypatch
):
    X, y = PROBLEMS["dense-p>n"][1:3]
    _large(monkeypatch, X, budget=_quick_start.QUICK_START_MIN_SWEEPS - 1)
    skreg.Lasso(alpha=0.05).fit(X, y)
    assert kernels["plain"] == 1 and kernels["quick"] == 0
    monkeypatch.setattr(_quick_start, "QUICK_START_MAX_ENTRIES", X.size)
    assert ledger.entries["DenseProblem-float64-ones"]["engine"]  # stays


def _large(monkeypatch, X, budget=None):
    """Make ``X`` large data for a quick start, with a budget of ``budget``
    sweeps (None: the rent's, more than these tests need)."""
    monkeypatch.setattr(_quick_start, "QUICK_START_MAX_ENTRIES", X.size - 1)
    if budget is not None:
        # (half a sweep more: the budget is rounded down)
        seconds = _quick_start.QUICK_START_RENT / (X.size * (budget + 0.5))
        monkeypatch.setattr(_quick_start, "QUICK_START_SECONDS_PER_ENTRY", seconds)


def _crawling(seed=1):
    """A correlated 40x250 design on which plain CD crawls."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 250))
    X[:, 1:] += 0.9 * X[:, :-1]
    y = X[:, :3].sum(axis=1) + 0.1 * rng.standard_normal(40)
    return X, y


def test_paths_on_large_data_compile_the_engine(ledger, kernels, monkeypatch):
    X, y = PROBLEMS["dense-p>n"][1:3]
    _large(monkeypatch, X)
    skreg.lasso_path(X, y, alphas=5)
    assert kernels["quick"] == 0 and kernels["plain"] == 1
    assert ledger.entries["DenseProblem-float64-ones"]["engine"]


def test_a_large_single_fit_starts_quickly_within_its_budget(
    ledger, kernels, monkeypatch
):
    """Above QUICK_START_MAX_ENTRIES a single fit starts quickly for the
    sweeps its rent buys; this one converges within them."""
    X, y = PROBLEMS["dense-p>n"][1:3]
    _large(monkeypatch, X)
    quick = skreg.Lasso(alpha=0.05, tol=1e-10).fit(X, y)
    assert kernels["quick"] == 1 and kernels["plain"] == kernels["working_set"] == 0
    family = "DenseProblem-float64-ones"
    assert not ledger.entries[family]["engine"]
    assert 0 < ledger.entries[family]["rent"] < _quick_start.QUICK_START_RENT
    reference = SkLasso(alpha=0.05, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(quick.coef_, reference.coef_, rtol=0, atol=1e-6)


@pytest.mark.parametrize("positive", [False, True])
def test_a_large_fit_out_of_budget_goes_on_with_the_engine(
    ledger, kernels, monkeypatch, positive
):
    """A budgeted quick start that has not converged hands the fit to the
    engine (working sets here) from where it stopped: one fit, certified,
    its sweeps those of both; the family uses the engine from then on."""
    X, y = _crawling()
    budget = _quick_start.QUICK_START_MIN_SWEEPS
    _large(monkeypatch, X, budget)
    options = dict(alpha=0.01, tol=1e-8, max_iter=5000, positive=positive)
    fit = skreg.Lasso(**options).fit(X, y)
    assert kernels["quick"] == 1 and kernels["working_set"] == 1
    assert ledger.entries["DenseProblem-float64-ones"]["engine"]
    assert 0 < fit.n_iter_ < options["max_iter"]  # the engine's sweeps
    assert fit.dual_gap_ <= options["tol"] * np.sum((y - y.mean()) ** 2) / len(y)
    with _quick_start.engine_only():
        engine = skreg.Lasso(**options).fit(X, y)
    np.testing.assert_allclose(fit.coef_, engine.coef_, rtol=0, atol=1e-3)
    np.testing.assert_allclose(fit.score(X, y), engine.score(X, y), rtol=1e-6)
    skreg.Lasso(**options).fit(X, y)  # the family's engine: no quick start
    assert kernels["quick"] == 1


def test_a_large_fit_is_budgeted_the_rent_its_family_has_left(ledger, monkeypatch):
    from skreg.linear_model._layouts import DenseLayout

    X, y = PROBLEMS["dense-p>n"][1:3]
    _large(monkeypatch, X, budget=100)

    def budget():
        return _quick_start.quick_start_budget(DenseLayout(np.asfortranarray(X), y))

    assert budget() == 100
    family = "DenseProblem-float64-ones"
    ledger.entries[family]["rent"] = 0.75 * _quick_start.QUICK_START_RENT
    assert budget() == 25
    ledger.entries[family]["rent"] = 0.96 * _quick_start.QUICK_START_RENT
    assert budget() is None  # fewer than QUICK_START_MIN_SWEEPS


def test_a_large_fit_out_of_budget_warns_once(ledger, monkeypatch):
    X, y = PROBLEMS["dense-p>n"][1:3]
    _large(monkeypatch, X, budget=10)
    with pytest.warns(ConvergenceWarning, match="max_iter=12") as caught:
        fit = skreg.Lasso(alpha=0.001, tol=1e-14, max_iter=12).fit(X, y)
    assert len(caught) == 1  # the engine's, not the quick start's
    assert fit.n_iter_ == 12


def test_compilation_is_not_rent(ledger, monkeypatch):
    """Rent is solving time: a fit that compiled is not charged (here, every
    reading of the compilation clock moves on)."""
    readings = iter(range(0, 1000, 10))
    monkeypatch.setattr(_quick_start, "compile_seconds", lambda: next(readings))
    X, y = PROBLEMS["dense-p>n"][1:3]
    skreg.Lasso(alpha=0.05).fit(X, y)
    assert _rents(ledger) == {"DenseProblem-float64-ones": 0.0}


def test_families(ledger):
    """Each layout, dtype and penalty-factor choice pays its own rent."""
    X, y = PROBLEMS["dense-p>n"][1:3]
    for _ in range(2):  # the second compiles nothing: each family is charged
        skreg.Lasso(alpha=0.05).fit(X, y)
        skreg.Lasso(alpha=0.05).fit(X.astype(np.float32), y.astype(np.float32))
        skreg.Lasso(alpha=0.05).fit(sp.csc_matrix(X), y)
        skreg.Lasso(alpha=0.05, penalty_factor=np.ones(X.shape[1])).fit(X, y)
    assert all(rent > 0 for rent in _rents(ledger).values())
    assert sorted(_rents(ledger)) == [
        "DenseProblem-float32-ones",
        "DenseProblem-float64-factors",
        "DenseProblem-float64-ones",
        "SparseProblem-float64-ones",
    ]


def test_the_ledger_adds_up_across_processes(tmp_path):
    """Two processes' rents add up in the file; a damaged file is no ledger."""
    first, second = (_quick_start._Ledger(directory=str(tmp_path)) for _ in range(2))
    first.entry("f")["rent"] += 0.5
    second.entry("f")["rent"] += 0.25
    second.entry("g")["engine"] = True
    first.dirty = second.dirty = True
    first.save()
    second.save()
    with open(tmp_path / _numba.LEDGER_NAME) as f:
        on_disk = json.load(f)
    assert on_disk["f"]["rent"] == pytest.approx(0.75)
    assert on_disk["g"] == {"rent": 0.0, "engine": True}
    third = _quick_start._Ledger(directory=str(tmp_path))
    assert third.entry("f")["rent"] == pytest.approx(0.75)
    (tmp_path / _numba.LEDGER_NAME).write_text("{not json")
    assert _quick_start._Ledger(directory=str(tmp_path)).entry("f")["rent"] == 0.0


def test_a_stale_cache_drops_the_ledger(tmp_path):
    """The ledger speaks of the kernels in its directory: it goes with them."""
    (tmp_path / _numba.LEDGER_NAME).write_text("{}")
    (tmp_path / _numba.STAMP_NAME).write_text("another version")
    _numba._purge_if_stale(str(tmp_path))
    assert not os.path.exists(tmp_path / _numba.LEDGER_NAME)


def test_a_compiled_quick_start_compiles_its_sweeps_alone():
    """The compiled quick start runs plain CD's kernel in the interpreter,
    its budget and gaps as Python and NumPy, but its sweeps compiled; the
    modules' own names are untouched."""
    if _numba.jit_disabled():
        pytest.skip("nothing is compiled")
    driver = _numba.interpreted_throughout(
        cd_plain.plain_cd_path, _cd_solver.QUICK_START_COMPILED
    )
    assert driver.__code__ is cd_plain.plain_cd_path.py_func.__code__
    namespace = driver.__globals__
    budget = namespace["plain_budget"]
    assert budget.__code__ is cd_plain.plain_budget.py_func.__code__
    assert budget is not cd_plain.plain_budget
    layouts = budget.__globals__["layout_sweep"].__globals__  # problems' copy
    for kernel in _cd_solver.QUICK_START_COMPILED:
        assert layouts[kernel.__name__] is kernel
    assert layouts["residual_stats_dense"] is not problems.residual_stats_dense
    assert cd_plain.gap_target is not namespace["gap_target"]
    # Built once, and again when a module's globals it copied are rebound.
    again = _numba.interpreted_throughout(
        cd_plain.plain_cd_path, _cd_solver.QUICK_START_COMPILED
    )
    assert again is driver
    everything = _numba.interpreted_throughout(cd_plain.plain_cd_path)
    assert everything is not driver
    sweep_numpy = cd._sweep_numpy
    try:
        cd._sweep_numpy = lambda *args: sweep_numpy(*args)
        rebuilt = _numba.interpreted_throughout(cd_plain.plain_cd_path)
    finally:
        cd._sweep_numpy = sweep_numpy
    assert rebuilt is not everything


def test_scikit_learns_checks_pass_on_a_quick_start(ledger):
    check_estimator(skreg.Lasso())
    assert not any(entry["engine"] for entry in ledger.entries.values())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
def test_quick_starts_sum_sparse_columns_with_scipy(
    ledger, monkeypatch, dtype, weighted
):
    """A sparse layout built for quick starts sums its columns with scipy
    (no kernel to compile), to the kernel's values; once the family uses the
    engine, with the kernel."""
    from skreg.linear_model import _layouts

    X = sp.random(60, 40, density=0.2, format="csc", random_state=0, dtype=dtype)
    X = sp.csc_matrix(X.toarray() * (np.arange(40) != 7))  # an empty column
    rng = np.random.default_rng(0)
    sample_weight = (rng.uniform(0.5, 2.0, 60) if weighted else np.ones(60)).astype(
        dtype
    )
    kernel_sums = _layouts.column_sums(X, sample_weight, weighted)
    scipy_sums = _layouts.column_sums(X, sample_weight, weighted, compiled=False)
    for ours, reference in zip(scipy_sums, kernel_sums, strict=True):
        assert ours.dtype == np.float64
        np.testing.assert_allclose(
            ours, reference, rtol=1e-6 if dtype == np.float32 else 1e-13
        )
    calls = []
    monkeypatch.setattr(
        _layouts, "sparse_column_sums", lambda *args: calls.append(args)
    )
    y = rng.standard_normal(60)
    _layouts.SparseLayout(X, y, sample_weight, np.zeros(40))
    assert calls == []
    ledger.entry(f"SparseProblem-{np.dtype(dtype)}-ones")["engine"] = True
    _layouts.SparseLayout(X, y, sample_weight, np.zeros(40))  # (stubbed) kernel
    assert len(calls) == 1


def test_quick_starts_do_not_screen(ledger, kernels, monkeypatch):
    """A quick start passes ``screen_here=None`` to plain CD's budget: its
    copies need not run gap-safe screening, which the engine's plain CD
    does (a bool)."""
    X = sp.random(150, 90, density=0.1, random_state=3, format="csc")
    y = X[:, :5] @ np.ones(5) + 0.01 * np.arange(150)
    # More entries than a quick start densifies: the sparse layout.
    X = sp.hstack([X, sp.random(150, 900, density=0.01, random_state=4)]).tocsc()
    screening = []
    arguments = _cd_solver._plain_arguments

    def recorded(*args):
        kept = arguments(*args)
        screening.append(kept[2][-3])  # the kernel's screening
        return kept

    monkeypatch.setattr(_cd_solver, "_plain_arguments", recorded)
    skreg.Lasso(alpha=0.001).fit(X, y)
    assert kernels["quick"] > 0
    assert screening and all(value is None for value in screening)


@pytest.mark.parametrize("sparse", [False, True])
def test_a_quick_starts_warm_start_compiles_nothing(ledger, monkeypatch, sparse):
    """While a layout's fits start quickly, its warm start's residual is
    NumPy's (or SciPy's), equal to the kernel's its engine uses."""
    from skreg.linear_model import _layouts

    rng = np.random.default_rng(0)
    X = sp.random(80, 40, density=0.3, format="csc", random_state=0)
    y = rng.standard_normal(80)
    w = np.where(np.arange(40) % 3 == 0, rng.standard_normal(40), 0.0)

    def build():
        if sparse:
            return _layouts.SparseLayout(X, y, np.ones(80), np.full(40, 0.1))
        return _layouts.DenseLayout(np.asfortranarray(X.toarray()), y)

    kernel = "sparse_columns_axpy" if sparse else "dense_columns_axpy"
    family = f"{'Sparse' if sparse else 'Dense'}Problem-float64-ones"
    ledger.entry(family)["engine"] = True
    engine_state = build().start(w)
    ledger.entry(family)["engine"] = False

    def no_kernel(*args):
        raise AssertionError("a quick start compiled a kernel for its residual")

    monkeypatch.setattr(_layouts, kernel, no_kernel)
    quick_state = build().start(w)
    for ours, theirs in zip(quick_state, engine_state, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
