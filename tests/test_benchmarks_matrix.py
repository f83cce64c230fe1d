"""The benchmark matrix's bookkeeping, on synthetic numbers (no timing).

``benchmarks/_matrix_protocol.py`` decides which run counts as reaching an
accuracy and what the summary line says; a bug there would misreport every
cell, so its pure functions are pinned here on hand-made runs.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
try:
    import _matrix_protocol as mp
    from _gap import enet_primal_dual, lasso_objectives
    from _matrix import parse, selected_cells
    from _matrix_problems import (
        FAMILIES,
        cell_names,
        equicorrelated_design,
        text_design,
    )
finally:
    sys.path.remove(str(BENCH))

nan, inf = np.nan, np.inf


def run(solver, tol, seconds, primal, dual=None, choice=None):
    primal = np.asarray(primal, dtype=float)
    dual = primal - 1e-9 if dual is None else np.asarray(dual, dtype=float)
    return mp.Run(solver, tol, [seconds], primal, dual, choice)


def test_tol_ladder_is_half_decades_loose_to_tight():
    ladder = mp.tol_ladder(1e-1, 1e-12)
    assert len(ladder) == 23
    assert ladder[0] == pytest.approx(1e-1)
    assert ladder[1] == pytest.approx(10**-1.5)
    assert ladder[-1] == pytest.approx(1e-12)
    assert all(a > b for a, b in zip(ladder[:-1], ladder[1:], strict=True))


def test_best_objective_is_the_lowest_per_alpha_ignoring_missing():
    runs = [
        run("a", 1e-2, 1.0, [3.0, 5.0, nan]),
        run("b", 1e-2, 1.0, [4.0, 2.0, nan]),
        run("c", None, 1.0, [3.5, inf, nan]),
    ]
    np.testing.assert_array_equal(mp.best_objective(runs), [3.0, 2.0, nan])


def test_path_suboptimality_is_the_worst_alpha_against_its_own_p_star():
    p_star = np.array([1.0, 2.0, 3.0])
    r = run("a", 1e-4, 1.0, [1.0 + 1e-3, 2.0 + 5e-3, 3.0])
    assert mp.suboptimality(r, p_star, p0=10.0) == pytest.approx(5e-4)
    # Only the required alpha counts (cross-validation's reference choice).
    assert mp.suboptimality(r, p_star, 10.0, required=0) == pytest.approx(1e-4)
    # A path that stopped early has no objective at the last alphas.
    short = run("glmnet", 1e-4, 1.0, [1.0, 2.0, nan])
    assert mp.suboptimality(short, p_star, 10.0) == inf
    # Rounding can put a run a hair below P*: clipped to 0, never negative.
    assert mp.suboptimality(run("a", 1, 1, [1 - 1e-15, 2, 3]), p_star, 1.0) == 0.0


def test_certified_gap_is_worst_primal_minus_dual_over_p0():
    r = run("a", 1e-3, 1.0, [2.0, 3.0, nan], dual=[1.5, 2.9, nan])
    assert mp.certified(r, 10.0) == pytest.approx(0.05)
    assert mp.certified(run("a", 1, 1, [nan], dual=[nan]), 1.0) == inf


def test_time_to_takes_the_fastest_run_that_reached_the_level():
    runs = [
        run("a", 1e-2, 0.1, [0]),
        run("a", 1e-4, 0.5, [0]),
        run("a", 1e-6, 0.4, [0]),  # tighter but faster (noise): it counts
        run("a", None, 0.01, [0]),  # defaults never count
    ]
    subopts = [1e-2, 5e-4, 1e-7, 0.0]
    assert mp.time_to(runs, subopts, 1e-3) == (0.4, runs[2])
    assert mp.time_to(runs, subopts, 1e-1) == (0.1, runs[0])
    seconds, chosen = mp.time_to(runs, subopts, 1e-8)
    assert np.isnan(seconds) and chosen is None


def test_seconds_is_the_median_of_the_timed_repeats():
    r = run("a", 1e-3, 0.3, [0])
    r.times += [0.1, 0.2]
    assert r.seconds == pytest.approx(0.2)


def test_reference_index_is_the_majority_of_each_solvers_tightest_run():
    runs = [
        run("a", 1e-2, 1, [nan, 1.0, nan], choice=1),  # loose: no vote
        run("a", 1e-6, 1, [1.0, nan, nan], choice=0),
        run("b", 1e-8, 1, [1.0, nan, nan], choice=0),
        run("c", 1e-8, 1, [nan, nan, 1.0], choice=2),
        run("c", None, 1, [nan, 1.0, nan], choice=1),  # defaults: no vote
    ]
    assert mp.reference_index(runs) == 0
    # A tie goes to the choice of the run with the smallest certified gap.
    tie = [
        run("a", 1e-8, 1, [1.0, nan], dual=[0.9, nan], choice=0),
        run("b", 1e-8, 1, [nan, 1.0], dual=[nan, 0.999], choice=1),
    ]
    assert mp.reference_index(tie) == 1
    assert mp.reference_index([run("a", None, 1, [1.0], choice=0)]) is None


def test_speedup_marks_unreached_levels():
    assert mp.speedup(2.0, 0.5) == pytest.approx(4.0)
    assert mp.speedup(nan, 0.5) == inf  # only skreg reached the level
    assert mp.speedup(2.0, nan) == 0.0  # only the anchor reached it
    assert np.isnan(mp.speedup(nan, nan))


def test_skreg_ratios_pick_the_fastest_anchor_that_reached_the_level():
    times = {"sklearn": 3.0, "glmnet": 1.0, "celer": nan, "skreg": 2.0}
    r = mp.skreg_ratios(times)
    assert r["fastest"] == "glmnet"
    assert r["vs_fastest"] == pytest.approx(0.5)
    assert r["vs_sklearn"] == pytest.approx(1.5)
    r = mp.skreg_ratios({"sklearn": nan, "skreg": 2.0})
    assert r["fastest"] is None and r["vs_fastest"] == inf


def test_geometric_mean_skips_unrated_entries():
    assert mp.geometric_mean([2.0, 8.0]) == pytest.approx(4.0)
    assert mp.geometric_mean([2.0, 8.0, nan, inf, 0.0]) == pytest.approx(4.0)
    assert np.isnan(mp.geometric_mean([nan]))


def test_summarize_counts_cells_below_the_targets():
    entries = [
        {"cell": "a", "level": 1e-3, "vs_fastest": 2.0, "vs_sklearn": 4.0},
        {"cell": "a", "level": 1e-6, "vs_fastest": 0.5, "vs_sklearn": 0.9},
        {"cell": "b", "level": 1e-3, "vs_fastest": 0.0, "vs_sklearn": 0.0},
        {"cell": "b", "level": 1e-6, "vs_fastest": nan, "vs_sklearn": nan},
        {"cell": "c", "level": 1e-3, "vs_fastest": 0.79, "vs_sklearn": 1.0},
    ]
    s = mp.summarize(entries)
    assert s["n"] == 4  # the entry nobody reached is not rated
    assert s["geomean"] == pytest.approx((2.0 * 0.5 * 0.79) ** (1 / 3))
    assert s["worst"] == ("b", 1e-3, 0.0)
    assert s["below_sklearn"] == 2  # 0.9 and 0.0; exactly 1.0 is not below
    assert s["below_fastest"] == 3  # 0.5, 0.0 and 0.79
    assert s["unreached"] == 1
    assert mp.verdict(True) == "met" and mp.verdict(False) == "NOT met"


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_lasso_objectives_match_the_one_at_a_time_gap(fit_intercept):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 40))
    y = rng.standard_normal(30)
    coefs = rng.standard_normal((40, 3)) * (rng.random((40, 3)) < 0.3)
    intercepts = rng.standard_normal(3) if fit_intercept else np.zeros(3)
    alphas = np.array([0.5, 0.1, 0.01])
    primal, dual = lasso_objectives(X, y, coefs, intercepts, alphas, fit_intercept)
    for k in range(3):
        p, d = enet_primal_dual(
            X, y, coefs[:, k], intercepts[k], alphas[k], fit_intercept=fit_intercept
        )
        assert primal[k] == pytest.approx(p, rel=1e-12)
        assert dual[k] == pytest.approx(d, rel=1e-12)
        assert dual[k] <= primal[k]


def test_quick_cells_drop_the_smallest_alpha_and_most_cv():
    full = cell_names(FAMILIES["dense-tall"])
    quick = cell_names(FAMILIES["dense-tall"], quick=True)
    assert full == [f"dense-tall/{t}" for t in ("a10", "a100", "a1000", "path", "cv")]
    assert quick == ["dense-tall/a10", "dense-tall/a100", "dense-tall/path"]
    # alpha_max / 1000 only where n > p.
    assert "dense-iid/a1000" not in cell_names(FAMILIES["dense-iid"])
    assert "sparse-text/cv" in cell_names(FAMILIES["sparse-text"], quick=True)


def test_family_and_cell_filters():
    args = parse(
        ["--quick", "--families", "dense-iid,sparse-text", "--cells", "*/path"]
    )
    chosen = {f.name: names for f, names in selected_cells(args)}
    assert chosen == {
        "dense-iid": ["dense-iid/path"],
        "sparse-text": ["sparse-text/path"],
    }
    # A bare task name selects that task in every family.
    args = parse(["--families", "sparse-wide", "--cells", "a100,cv"])
    assert [n for _, names in selected_cells(args) for n in names] == [
        "sparse-wide/a100",
        "sparse-wide/cv",
    ]
    with pytest.raises(SystemExit):
        parse(["--families", "no-such-family"])


def test_text_design_is_power_law_with_unit_rows():
    X = text_design(2000, 3000, 40, seed=0)
    assert X.format == "csc"
    row_norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    nonempty = row_norms > 0
    np.testing.assert_allclose(row_norms[nonempty], 1.0)
    # 40 terms a row before the most common are capped at half the rows.
    assert 0.5 * 40 < X.nnz / 2000 < 40
    per_column = np.sort(np.diff(X.indptr))[::-1]
    # Zipf: the top 1% of terms hold a large share of the non-zeros, and
    # most terms are rare.
    assert per_column[:30].sum() > 0.3 * X.nnz
    assert np.median(per_column) <= 5
    assert (X.data > 0).all()


def test_equicorrelated_design_has_the_asked_correlation():
    X = equicorrelated_design(4000, 20, rho=0.7, seed=0)
    corr = np.corrcoef(X, rowvar=False)[np.triu_indices(20, 1)]
    assert np.abs(corr - 0.7).max() < 0.05
