"""The CV alpha choice ignores rounding-level differences between held-out errors."""

import numpy as np
import pytest
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes
from sklearn.model_selection import KFold, LeaveOneGroupOut

import skreg
from skreg.linear_model._cv_ties import TIE_RTOL, best_index


def test_best_index_is_argmin_without_ties():
    mse = np.array([[3.0, 3.0], [2.0, 2.0], [1.0, 1.0], [1.5, 1.5]])
    assert best_index(mse, 1) == (0, 2)


def test_best_index_takes_the_largest_alpha_among_ties():
    mean = np.array([3.0, 1.0 + 0.5 * TIE_RTOL, 1.0, 1.0 + 3 * TIE_RTOL])
    assert best_index(np.stack([mean, mean], axis=-1), 1) == (0, 1)


def test_best_index_keeps_the_first_l1_ratio_among_ties():
    mse = np.zeros((3, 4, 2))
    mse[0] = 5.0
    mse[1, 2] = mse[2, 0] = 1.0
    mse[1, [0, 1, 3]] = mse[2, 1:] = 4.0
    assert best_index(mse, 3) == (1, 2)
    mse[2, 0] = 0.5  # a real improvement wins over the order
    assert best_index(mse, 3) == (2, 0)


def _weighted_and_repeated():
    """The same problem as integer sample weights and as repeated rows."""
    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15).astype(float)
    sw = rng.randint(0, 5, size=15)
    X_w, y_w = np.vstack([X, X, X]), np.hstack([y, y, y])
    w = np.hstack([sw, np.ones(30)])
    X_r = np.vstack([X.repeat(sw, axis=0), X, X])
    y_r = np.hstack([y.repeat(sw), y, y])
    groups_w = np.repeat([0, 1, 2], [15, 15, 15])
    groups_r = np.repeat([0, 1, 2], [sw.sum(), 15, 15])
    cv_w = list(LeaveOneGroupOut().split(X_w, groups=groups_w))
    cv_r = list(LeaveOneGroupOut().split(X_r, groups=groups_r))
    weighted = skreg.LassoCV(cv=cv_w).fit(X_w, y_w, sample_weight=w)
    repeated = skreg.LassoCV(cv=cv_r).fit(X_r, y_r)
    return X, weighted, repeated


def test_weights_and_repeated_rows_choose_the_same_alpha():
    X, weighted, repeated = _weighted_and_repeated()
    # The grids agree to rounding: alpha_max comes from weighted vs repeated sums.
    assert weighted.alpha_ == pytest.approx(repeated.alpha_, rel=1e-12)
    # atol: a prediction near 0 may differ at rounding level (two layouts)
    np.testing.assert_allclose(
        weighted.predict(X), repeated.predict(X), rtol=1e-7, atol=1e-9
    )


def test_rounding_ties_choose_the_same_alpha(monkeypatch):
    """Held-out errors tie at 1e-19 here; the pick must not follow the noise.

    Paths without a sweep on warm starts that meet tol (skreg before issue
    14's D10 fix, and scikit-learn's choice is as fragile wherever a path
    stalls) give such ties: the coefficients stop moving once every fold's
    model interpolates its training data.
    """
    import skreg.linear_model._path as path_module

    monkeypatch.setattr(path_module, "PATH_GAP", 0.0)
    monkeypatch.setattr(path_module, "LOOSE_PATH_GAP", 0.0)
    X, weighted, repeated = _weighted_and_repeated()
    mean_w = weighted.mse_path_.mean(axis=1)
    assert np.sum(mean_w <= mean_w.min() * (1 + TIE_RTOL)) > 1, "the test needs ties"
    assert weighted.alpha_ == pytest.approx(repeated.alpha_, rel=1e-12)
    # atol: a prediction near 0 may differ at rounding level (two layouts)
    np.testing.assert_allclose(
        weighted.predict(X), repeated.predict(X), rtol=1e-7, atol=1e-9
    )
    # Ties go to the strongest penalty among them.
    assert (
        weighted.alpha_
        == weighted.alphas_[np.argmax(mean_w <= mean_w.min() * (1 + TIE_RTOL))]
    )


def test_choice_matches_sklearn_on_ordinary_data():
    X, y = load_diabetes(return_X_y=True)
    for ours, ref in [
        (skreg.LassoCV(cv=KFold(5)), sk.LassoCV(cv=KFold(5))),
        (
            skreg.ElasticNetCV(l1_ratio=[0.2, 0.7, 1.0], cv=KFold(5)),
            sk.ElasticNetCV(l1_ratio=[0.2, 0.7, 1.0], cv=KFold(5)),
        ),
    ]:
        ours.fit(X, y)
        ref.fit(X, y)
        assert ours.alpha_ == ref.alpha_
        assert getattr(ours, "l1_ratio_", None) == getattr(ref, "l1_ratio_", None)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-4, atol=1e-6)
