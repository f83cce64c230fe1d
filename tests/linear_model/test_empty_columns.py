"""Sparse data with empty columns: the solver runs on the stored columns only.

Text-like and one-hot data (and CV folds of them) have many columns without a
stored entry.  ``make_layouts`` then leaves them out of the problem
(``_preprocess.EMPTY_COLUMNS_TO_COMPACT``); results must not change.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk

import skreg
from skreg.linear_model import _preprocess


def _wide_sparse(n_samples=60, n_features=400, n_stored=120, seed=0):
    """CSC data whose columns outside ``n_stored`` random ones are empty."""
    rng = np.random.default_rng(seed)
    stored = np.sort(rng.choice(n_features, n_stored, replace=False))
    dense = np.zeros((n_samples, n_features))
    block = rng.standard_normal((n_samples, n_stored))
    block[rng.random(block.shape) > 0.3] = 0
    dense[:, stored] = block
    y = dense[:, stored[:6]] @ np.arange(1.0, 7.0) + 0.1 * rng.standard_normal(
        n_samples
    )
    return sp.csc_matrix(dense), y, stored


def test_stored_columns_only_when_many_are_empty():
    X, _, stored = _wide_sparse()
    no_offset = np.zeros(X.shape[1])
    np.testing.assert_array_equal(_preprocess.stored_columns(X, no_offset), stored)
    # An empty column with a non-zero offset is not zero once centered.
    offset = no_offset.copy()
    empty = np.setdiff1d(np.arange(X.shape[1]), stored)[0]
    offset[empty] = 1.0
    assert empty in _preprocess.stored_columns(X, offset)
    full = sp.csc_matrix(np.ones((5, 8)))
    assert _preprocess.stored_columns(full, np.zeros(8)) is None
    # One empty column of eight is below the fraction: nothing is copied.
    few_empty = full.tolil()
    few_empty[:, 3] = 0
    few_empty = sp.csc_matrix(few_empty.tocsc())
    assert _preprocess.stored_columns(few_empty, np.zeros(8)) is None


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_lasso_on_empty_columns_matches_dense_and_sklearn(fit_intercept):
    X, y, stored = _wide_sparse()
    kw = {"alpha": 0.05, "fit_intercept": fit_intercept, "tol": 1e-10}
    sparse_fit = skreg.Lasso(**kw).fit(X, y)
    dense_fit = skreg.Lasso(**kw).fit(X.toarray(), y)
    reference = sk.Lasso(**kw, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(sparse_fit.coef_, dense_fit.coef_, atol=1e-8)
    np.testing.assert_allclose(sparse_fit.coef_, reference.coef_, atol=1e-6)
    empty = np.setdiff1d(np.arange(X.shape[1]), stored)
    assert np.all(sparse_fit.coef_[empty] == 0)
    assert sparse_fit.coef_.shape == (X.shape[1],)


def test_path_with_and_without_compaction_agree(monkeypatch):
    X, y, _ = _wide_sparse(seed=1)
    yc = y - y.mean()
    kw = {"alphas": 20, "eps": 1e-2, "tol": 1e-10}
    _, compact, _ = skreg.lasso_path(X, yc, **kw)
    monkeypatch.setattr(_preprocess, "EMPTY_COLUMNS_TO_COMPACT", 2.0)  # never
    _, full, _ = skreg.lasso_path(X, yc, **kw)
    np.testing.assert_allclose(compact, full, atol=1e-6)
    _, reference, _ = sk.lasso_path(X, yc, **kw)
    np.testing.assert_allclose(compact, reference, atol=1e-6)


def test_warm_start_on_an_empty_column_is_left_as_given():
    # scikit-learn's CD skips zero-norm columns, so a warm-start value there
    # stays; every point of the path reports it.
    X, y, stored = _wide_sparse(seed=2)
    empty = np.setdiff1d(np.arange(X.shape[1]), stored)[0]
    coef_init = np.zeros(X.shape[1])
    coef_init[empty] = 0.5
    alphas, coefs, _ = skreg.lasso_path(
        X, y - y.mean(), alphas=5, coef_init=coef_init, tol=1e-8
    )
    np.testing.assert_array_equal(coefs[empty], np.full(len(alphas), 0.5))
    others = np.delete(coefs, empty, axis=0)
    _, reference, _ = skreg.lasso_path(X, y - y.mean(), alphas=5, tol=1e-8)
    np.testing.assert_allclose(others, np.delete(reference, empty, axis=0), atol=1e-6)


def test_a_path_on_stored_columns_hands_back_its_last_coefficients():
    """``solve_path`` updates the warm start in place, empty columns or not.

    The solves work on the stored columns only and the caller's array gets
    them back at the end: the last point of the path, with the warm-start
    value of an empty column left as given.
    """
    from skreg.linear_model._path import PATH_GAP, solve_path
    from skreg.linear_model._preprocess import make_layouts

    X, y, stored = _wide_sparse(seed=3)
    n, p = X.shape
    (layout,) = make_layouts(X, (y - y.mean())[:, None], np.ones(n), np.zeros(p), False)
    assert layout.columns is not None and layout.columns.size == stored.size
    empty = np.setdiff1d(np.arange(p), stored)[0]
    coef = np.zeros(p)
    coef[empty] = -0.25
    alphas = np.geomspace(1.0, 0.01, 6)
    coefs, _, _ = solve_path(
        layout, coef, alphas, 1.0, n, n, tol=1e-8, max_iter=10_000,
        positive=False, rng=None, random=False, screening=True, path_gap=PATH_GAP,
    )  # fmt: skip
    assert np.count_nonzero(coefs[:, -1]) > 3
    np.testing.assert_array_equal(coef, coefs[:, -1])
    assert coef[empty] == -0.25
