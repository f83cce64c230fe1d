"""The logistic benchmark's bookkeeping (``benchmarks/bench_logistic.py``).

The harness computes every solver's objective itself and converts each
library's parametrization to scikit-learn's ``C``; a slip in either would
misreport every ratio, so the pure functions are pinned here, against
scikit-learn's own loss and ``l1_min_c`` where it has them. No timing.
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.svm import l1_min_c

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
try:
    import bench_logistic as bl
finally:
    sys.path.remove(str(BENCH))

nan, inf = np.nan, np.inf


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_binary_objective_matches_a_hand_computed_value():
    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    y = np.array(["a", "b", "b"])  # codes 0, 1, 1
    coef, b = np.array([[0.5, -1.0]]), 0.25
    z = X @ coef[0] + b
    loss = np.log1p(np.exp(z[0])) + np.log1p(np.exp(-z[1])) + np.log1p(np.exp(-z[2]))
    C, l1_ratio = 2.0, 0.3
    pen = l1_ratio * 1.5 + (1 - l1_ratio) / 2 * 1.25
    codes = bl.encode(y)[1]
    assert bl.objective(X, codes, coef, b, C, l1_ratio) == pytest.approx(
        C * loss + pen, rel=1e-14
    )
    w = np.array([1.0, 0.0, 3.0])
    weighted = bl.logistic_loss(X, codes, coef, b, sample_weight=w)
    repeated = bl.logistic_loss(X[[0, 2, 2, 2]], codes[[0, 2, 2, 2]], coef, b)
    assert weighted == pytest.approx(repeated, rel=1e-14)


def test_multinomial_objective_is_sklearns_log_loss_plus_penalty():
    X, y = load_iris(return_X_y=True)
    est = LogisticRegression(C=0.7, max_iter=1000).fit(X, y)
    from sklearn.metrics import log_loss

    codes = bl.encode(y)[1]
    value = bl.objective(X, codes, est.coef_, est.intercept_, 0.7, 0.0)
    expected = 0.7 * len(y) * log_loss(y, est.predict_proba(X)) + 0.5 * np.sum(
        est.coef_**2
    )
    assert value == pytest.approx(expected, rel=1e-12)


def test_objective_is_nan_for_non_finite_coefficients():
    X = np.eye(2)
    assert np.isnan(bl.objective(X, [0, 1], [[nan, 0.0]], 0.0, 1.0, 1.0))


def test_sparse_and_dense_objectives_agree(cancer):
    X, y = cancer
    coef = np.random.default_rng(0).standard_normal((1, X.shape[1]))
    codes = bl.encode(y)[1]
    dense = bl.objective(X, codes, coef, 0.1, 1.0, 0.5)
    assert bl.objective(sp.csr_matrix(X), codes, coef, 0.1, 1.0, 0.5) == (
        pytest.approx(dense, rel=1e-13)
    )


def test_c_min_is_sklearns_l1_min_c_without_intercept(cancer):
    X, y = cancer
    assert bl.c_min(X, y, 2, fit_intercept=False) == pytest.approx(
        l1_min_c(X, y, loss="log", fit_intercept=False), rel=1e-12
    )


@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("dataset", ["cancer", "iris"])
def test_c_min_is_where_the_l1_solution_leaves_zero(dataset, fit_intercept, cancer):
    X, y = cancer if dataset == "cancer" else load_iris(return_X_y=True)
    n_classes = len(np.unique(y))
    c = bl.c_min(X, y, n_classes, fit_intercept)

    def n_nonzero(C):
        est = LogisticRegression(
            C=C,
            l1_ratio=1.0,
            solver="saga",
            tol=1e-10,
            max_iter=20000,
            fit_intercept=fit_intercept,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # saga's max_iter on the large C
            est.fit(X, y)
        return np.count_nonzero(np.abs(est.coef_) > 1e-8)

    assert n_nonzero(0.98 * c) == 0
    assert n_nonzero(1.2 * c) > 0


def test_parametrization_conversions_round_trip_and_match_glmnet_scaling():
    n = 50
    C = 0.3
    alpha = bl.alpha_from_C(C, n)
    assert alpha == pytest.approx(1 / 15)
    assert bl.C_from_alpha(alpha, n) == pytest.approx(C)
    assert bl.glmnet_lambda(C, n_samples=n) == pytest.approx(alpha)
    # glmnet rescales weights to sum to one: lambda = 1/(C·sum w).
    w = np.full(n, 2.0)
    assert bl.glmnet_lambda(C, sample_weight=w) == pytest.approx(alpha / 2)


def test_mean_loss_objective_at_alpha_is_sklearns_divided_by_C_n(cancer):
    # The identity behind alpha = 1/(C n): skglm's/glmnet's objective times
    # C·n is sklearn's, so both have the same minimizer.
    X, y = cancer
    codes = bl.encode(y)[1]
    coef = np.random.default_rng(1).standard_normal((1, X.shape[1])) * 0.1
    C, l1_ratio, n = 0.05, 0.4, X.shape[0]
    alpha = bl.alpha_from_C(C, n)
    mean_form = bl.logistic_loss(X, codes, coef, 0.0) / n + alpha * bl.penalty(
        coef, l1_ratio
    )
    assert mean_form * C * n == pytest.approx(
        bl.objective(X, codes, coef, 0.0, C, l1_ratio), rel=1e-13
    )


def run(solver, tol, seconds, objective, **extra):
    return bl.Run(solver, tol, [seconds], objective, extra)


def test_suboptimality_is_relative_to_the_best_and_clipped():
    assert bl.suboptimality(10.001, 10.0) == pytest.approx(1e-4)
    assert bl.suboptimality(-9.99, -10.0) == pytest.approx(1e-3)
    assert bl.suboptimality(9.0, 10.0) == 0.0
    assert bl.suboptimality(nan, 10.0) == inf


def test_time_to_takes_the_fastest_ladder_run_at_the_level():
    runs = [
        run("a", 1e-2, 1.0, 10.1),
        run("a", 1e-4, 2.0, 10.0 + 1e-5),
        run("a", 1e-6, 3.0, 10.0),
        run("a", None, 0.1, 10.0),  # defaults never count
    ]
    best = bl.best_objective(runs)
    assert best == 10.0
    assert bl.time_to(runs, best, 1e-4) == (2.0, runs[1])
    assert bl.time_to(runs, best, 1e-7) == (3.0, runs[2])
    seconds, hit = bl.time_to(runs[:2], 9.0, 1e-4)
    assert np.isnan(seconds) and hit is None


def test_best_objective_ignores_nan():
    runs = [run("a", 1e-2, 1.0, nan), run("b", 1e-2, 1.0, 5.0)]
    assert bl.best_objective(runs) == 5.0
    assert np.isnan(bl.best_objective([run("a", 1e-2, 1.0, nan)]))


def test_speedup_edge_cases():
    assert bl.speedup(3.0, 1.5) == 2.0
    assert bl.speedup(nan, 1.0) == inf
    assert bl.speedup(1.0, nan) == 0.0
    assert np.isnan(bl.speedup(nan, nan))


def test_tol_ladder_and_stability():
    ladder = bl.tol_ladder(1e-1, 1e-12)
    assert len(ladder) == 12
    assert ladder[0] == pytest.approx(1e-1) and ladder[-1] == pytest.approx(1e-12)
    assert bl.stable(100.0, 100.0 + 1e-10)
    assert not bl.stable(100.0, 100.0 + 1e-8)
    assert not bl.stable(nan, 100.0)


def test_cv_run_counts_only_with_the_reference_choice():
    good = run("a", 1e-4, 1.0, 10.0, choice=3)
    other = run("a", 1e-4, 1.0, 10.0, choice=4)
    loose = run("a", 1e-2, 1.0, 10.1, choice=3)
    assert bl.cv_reached(good, 3, 10.0, 1e-4)
    assert not bl.cv_reached(other, 3, 10.0, 1e-4)
    assert not bl.cv_reached(loose, 3, 10.0, 1e-4)


def test_analyse_reports_ratios_against_the_fastest_anchor():
    task = bl.Task(
        "t",
        "single",
        np.eye(2),
        np.array([0, 1]),
        1.0,
        1.0,
        False,
        ("celer", "saga", "skreg"),
        (1e-4, 1e-7),
    )
    results = {
        "celer": (
            [run("celer", 1e-4, 2.0, 10.0 + 1e-5), run("celer", 1e-8, 4.0, 10.0)],
            "",
        ),
        "saga": ([run("saga", 1e-4, 3.0, 10.0)], ""),
        "skreg": (
            [run("skreg", 1e-4, 1.0, 10.0 + 5e-3), run("skreg", 1e-6, 1.5, 10.0)],
            "",
        ),
    }
    a = bl.analyse(task, results)
    assert a["ratios"][1e-4]["fastest"] == "celer"
    assert a["ratios"][1e-4]["vs_fastest"] == pytest.approx(2.0 / 1.5)
    assert a["ratios"][1e-7]["fastest"] == "saga"
    assert a["ratios"][1e-7]["vs_fastest"] == pytest.approx(3.0 / 1.5)
    assert a["ratios"][1e-7]["vs_saga"] == pytest.approx(2.0)
    # skreg that never ran: not measured, not "0x".
    results["skreg"] = ([], "n/a")
    a = bl.analyse(task, results)
    assert np.isnan(a["ratios"][1e-4]["vs_fastest"])


def test_text_problems_have_the_requested_density_and_classes():
    X = bl.text_X(20000, 30000, 2e-3)  # the size (1 s)
    assert sp.issparse(X) and X.format == "csr"
    assert 1.8e-3 < X.nnz / (20000 * 30000) < 2.2e-3
    X = bl.text_X(2000, 3000, 2e-3)
    y = bl.text_labels(X, 10, 5)
    assert set(np.unique(y)) == set(range(10))
    y2 = bl.text_labels(X, 2, 20)
    assert 0.2 < y2.mean() < 0.8
