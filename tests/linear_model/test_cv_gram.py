"""LassoCV / ElasticNetCV on tall dense data: the search by Gram folds.

Every case compares with scikit-learn's estimator at a tight tolerance (same
folds, grid, weights and choice), and checks that the Gram search ran, not
the fold loop it replaces.
"""

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sklm
from sklearn.model_selection import KFold, ShuffleSplit

import skreg.linear_model._cv_gram as cv_gram
from skreg import ElasticNetCV, LassoCV
from skreg.linear_model._cv import _ProgressMixin

TOL = 1e-10


def _data(n_samples=300, n_features=20, offset=0.0, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features)) + offset
    coef = np.zeros(n_features)
    coef[:5] = rng.standard_normal(5)
    y = X @ coef + 0.5 * rng.standard_normal(n_samples) + 3.0
    return X.astype(dtype), y.astype(dtype)


@pytest.fixture
def no_fold_loop(monkeypatch):
    """Fail if scikit-learn's fold loop runs (the Gram search must decide)."""

    def fold_loop(self, *args, **kwargs):
        raise AssertionError("the fold loop ran instead of the Gram search")

    monkeypatch.setattr(_ProgressMixin, "_search", fold_loop)


def _assert_same_search(ours, theirs, rtol=1e-8):
    np.testing.assert_allclose(ours.alphas_, theirs.alphas_, rtol=1e-12)
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=rtol)
    assert ours.alpha_ == pytest.approx(theirs.alpha_, rel=1e-12)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-6, atol=1e-8)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"fit_intercept": False},
        {"positive": True},
        {"alphas": [0.3, 0.01, 0.1]},
        {"cv": ShuffleSplit(4, random_state=0)},  # complements, not a partition
        {"precompute": False},
        {"precompute": True},
    ],
)
def test_lasso_cv_equals_scikit_learn(params, no_fold_loop):
    X, y = _data()
    ours = LassoCV(tol=TOL, **params).fit(X, y)
    theirs = sklm.LassoCV(tol=TOL, **params).fit(X, y)
    _assert_same_search(ours, theirs)


def test_sample_weight_equals_scikit_learn(no_fold_loop):
    X, y = _data()
    weights = np.random.default_rng(1).random(len(y)) * 3
    ours = LassoCV(tol=TOL).fit(X, y, sample_weight=weights)
    theirs = sklm.LassoCV(tol=TOL).fit(X, y, sample_weight=weights)
    _assert_same_search(ours, theirs)


def test_elastic_net_cv_l1_ratios_equal_scikit_learn(no_fold_loop):
    X, y = _data()
    ours = ElasticNetCV(l1_ratio=[0.2, 0.9], tol=TOL).fit(X, y)
    theirs = sklm.ElasticNetCV(l1_ratio=[0.2, 0.9], tol=TOL).fit(X, y)
    _assert_same_search(ours, theirs)
    assert ours.l1_ratio_ == theirs.l1_ratio_


def test_large_offsets_do_not_cancel(no_fold_loop):
    # Column means 1e4 times their spread: sums of raw products would lose
    # eight digits; the search works on globally centered data.
    X, y = _data(offset=1e4)
    ours = LassoCV(tol=TOL).fit(X, y)
    theirs = sklm.LassoCV(tol=TOL).fit(X, y)
    _assert_same_search(ours, theirs, rtol=1e-6)


def test_float32_stays_float32(no_fold_loop):
    X, y = _data(dtype=np.float32)
    ours = LassoCV(tol=1e-6).fit(X, y)
    theirs = sklm.LassoCV(tol=1e-6).fit(X, y)
    assert ours.coef_.dtype == np.float32
    np.testing.assert_allclose(ours.mse_path_, theirs.mse_path_, rtol=1e-4)
    assert ours.alpha_ == pytest.approx(theirs.alpha_, rel=1e-5)


def test_generator_cv_is_read_once(no_fold_loop):
    X, y = _data()
    folds = list(KFold(3, shuffle=True, random_state=2).split(X))
    ours = LassoCV(tol=TOL, cv=iter(folds)).fit(X, y)
    theirs = sklm.LassoCV(tol=TOL, cv=folds).fit(X, y)
    _assert_same_search(ours, theirs)


def test_caller_arrays_unchanged(no_fold_loop):
    X, y = _data()
    weights = np.ones(len(y))
    copies = X.copy(), y.copy(), weights.copy()
    LassoCV().fit(X, y, sample_weight=weights)
    for before, after in zip(copies, (X, y, weights), strict=True):
        np.testing.assert_array_equal(before, after)


def test_training_sets_not_complements_use_the_fold_loop(monkeypatch):
    X, y = _data()
    n = len(y)
    # Each training set leaves out rows that are not in its test set.
    folds = [(np.arange(0, n // 2), np.arange(n // 2, 3 * n // 4))] * 2
    ran = []
    original = _ProgressMixin._search

    def fold_loop(self, *args, **kwargs):
        ran.append(True)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(_ProgressMixin, "_search", fold_loop)
    ours = LassoCV(tol=TOL, cv=folds).fit(X, y)
    theirs = sklm.LassoCV(tol=TOL, cv=folds).fit(X, y)
    assert ran
    _assert_same_search(ours, theirs)


def test_penalty_factor_equals_the_fold_loop(monkeypatch):
    X, y = _data()
    factor = np.linspace(0.0, 2.0, X.shape[1])
    gram = LassoCV(tol=TOL, penalty_factor=factor).fit(X, y)
    monkeypatch.setattr(
        "skreg.linear_model._cv.gram_search_applies", lambda *args: False
    )
    loop = LassoCV(tol=TOL, penalty_factor=factor).fit(X, y)
    _assert_same_search(gram, loop)


def test_verbose_reports_each_fold_and_changes_nothing(capsys, no_fold_loop):
    X, y = _data()
    quiet = ElasticNetCV(l1_ratio=[0.5, 1.0], cv=3).fit(X, y)
    capsys.readouterr()
    loud = ElasticNetCV(l1_ratio=[0.5, 1.0], cv=3, verbose=1).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    lines = [line for line in out if "worst dual gap" in line]
    assert len(lines) == 6  # 3 folds x 2 l1_ratios
    assert "fold 1/3 (l1_ratio=0.5)" in lines[0]
    np.testing.assert_array_equal(loud.mse_path_, quiet.mse_path_)
    np.testing.assert_array_equal(loud.coef_, quiet.coef_)


@pytest.mark.parametrize(
    "make, params, applies",
    [
        (lambda X: X, {}, True),
        (lambda X: X[:30], {}, False),  # n_samples < 2 * n_features
        (sp.csc_matrix, {}, False),
        (lambda X: X, {"verbose": 1}, True),
        (lambda X: X, {"precompute": np.eye(20)}, False),
    ],
)
def test_when_the_gram_search_applies(make, params, applies):
    X, y = _data()
    X = make(X)
    assert cv_gram.gram_search_applies(LassoCV(**params), X, y[: X.shape[0]], {}) is (
        applies
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
def test_refit_from_the_search_sums_equals_a_single_fit(
    monkeypatch, no_fold_loop, dtype, weighted
):
    """The chosen model is fitted from the search's sums, not by fit(X, y),
    and equals that fit: same coefficients, attribute types and shapes."""
    from skreg import ElasticNet, Lasso

    X, y = _data(dtype=dtype)
    weights = np.random.default_rng(2).random(len(y)) * 3 if weighted else None
    tol = TOL if dtype == np.float64 else 1e-6
    single = Lasso(alpha=0.05, tol=tol).fit(X, y, sample_weight=weights)

    def no_fit(self, *args, **kwargs):
        raise AssertionError("the refit called fit(X, y)")

    monkeypatch.setattr(ElasticNet, "fit", no_fit)
    ours = LassoCV(alphas=[0.5, 0.05], tol=tol).fit(X, y, sample_weight=weights)
    assert ours.alpha_ == 0.05
    rtol = 1e-7 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(ours.coef_, single.coef_, rtol=rtol, atol=rtol)
    assert ours.intercept_ == pytest.approx(single.intercept_, rel=rtol)
    assert ours.coef_.dtype == single.coef_.dtype == dtype
    assert type(ours.intercept_) is type(single.intercept_)
    assert type(ours.dual_gap_) is type(single.dual_gap_)
    assert ours.dual_gap_ <= tol * np.sum((y - y.mean()) ** 2) / len(y)
    assert isinstance(ours.n_iter_, int) and ours.n_iter_ > 0
