"""LassoCV / ElasticNetCV search in stages: loose paths, tight around the minimum."""

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.model_selection import KFold

import skreg
from skreg.linear_model._cv_refine import LOOSE_SUPPORT, WINDOW, StagedPaths
from skreg.linear_model._path import PATH_GAP


def _data(n_samples=60, n_features=150, seed=3):
    X, y = make_regression(
        n_samples, n_features, n_informative=10, noise=5, random_state=seed
    )
    return X - X.mean(0), y - y.mean()


def _primal(X, y, alphas, coefs):
    residual = y[:, None] - X @ coefs
    return 0.5 * (residual**2).sum(0) / len(y) + alphas * np.abs(coefs).sum(0)


def test_first_stage_is_loose_then_the_window_is_tight():
    X, y = _data()
    staged = StagedPaths(skreg.lasso_path)
    tol = 1e-4
    alphas, loose, loose_gaps = (a.copy() for a in staged(X, y, alphas=100, tol=tol))
    # The first stage is tight while the warm start's support is small.
    support = np.count_nonzero(loose, axis=0)
    head = np.flatnonzero(np.r_[0, support[:-1]] <= LOOSE_SUPPORT * len(y))
    np.testing.assert_array_equal(head, np.arange(head.size))
    assert head.size < 85 - WINDOW, "alpha 85 must be in the loose part"
    primal = _primal(X, y, alphas[head], loose[:, head])
    assert np.all(loose_gaps[head] <= PATH_GAP * tol * primal * (1 + 1e-9))
    # Pretend the held-out error is lowest at alpha 85 (one fold).
    mse_path = np.abs(np.arange(100) - 85.0)[:, None]
    assert staged.request(mse_path, [1.0])
    _, refined, gaps = staged(X, y, alphas=alphas, tol=tol)
    # The tight path continues from its end through the window's last alpha;
    # the alphas outside that span are returned as they were.
    span = np.arange(head.size, 85 + WINDOW + 1)
    outside = np.setdiff1d(np.arange(100), span)
    np.testing.assert_array_equal(refined[:, outside], loose[:, outside])
    np.testing.assert_array_equal(gaps[outside], loose_gaps[outside])
    primal = _primal(X, y, alphas[span], refined[:, span])
    assert np.all(gaps[span] <= PATH_GAP * tol * primal * (1 + 1e-9))
    # ... which the loose stage did not, or the test would show nothing.
    loose_primal = _primal(X, y, alphas[span], loose[:, span])
    assert np.any(loose_gaps[span] > PATH_GAP * tol * loose_primal)
    # The refined span is the single tight path's solution at those alphas.
    _, single, _ = skreg.lasso_path(X, y, alphas=alphas, tol=tol, path_gap=PATH_GAP)
    np.testing.assert_allclose(refined[:, span], single[:, span], rtol=1e-6, atol=1e-8)
    # Every alpha around the minimum is now tight: nothing more to request.
    assert not staged.request(mse_path, [1.0])


def test_a_fold_not_seen_in_the_first_stage_is_solved_tightly():
    X, y = _data()
    staged = StagedPaths(skreg.lasso_path)
    staged(X[:50], y[:50], alphas=30)
    staged.stage = 1  # a later stage, whose folds differ from the first's
    alphas, coefs, gaps = staged(X, y, alphas=30, tol=1e-4)
    primal = _primal(X, y, alphas, coefs)
    bound = np.minimum(
        1e-4 * (y @ y) / len(y),
        np.maximum(PATH_GAP * 1e-4 * primal, 1e-2 * 1e-4 * (y @ y) / len(y)),
    )
    assert np.all(gaps <= bound * (1 + 1e-9))


@pytest.mark.parametrize("name", ["LassoCV", "ElasticNetCV"])
def test_refit_is_a_direct_fit_at_the_chosen_alpha(name):
    X, y = make_regression(80, 200, n_informative=10, noise=5, random_state=0)
    model = getattr(skreg, name)(cv=4).fit(X, y)
    single = skreg.Lasso if name == "LassoCV" else skreg.ElasticNet
    params = {} if name == "LassoCV" else {"l1_ratio": model.l1_ratio_}
    direct = single(alpha=model.alpha_, **params).fit(X, y)
    np.testing.assert_allclose(model.coef_, direct.coef_, rtol=1e-10, atol=1e-12)
    assert model.intercept_ == pytest.approx(direct.intercept_, rel=1e-10)
    assert model.n_iter_ == direct.n_iter_
    # The search's stand-ins do not outlive the fit.
    assert "path" not in vars(model)
    assert "_get_estimator" not in vars(model)


def test_an_iterable_of_splits_is_read_once_and_reused():
    X, y = make_regression(80, 200, n_informative=10, noise=5, random_state=1)
    splits = list(KFold(4).split(X))
    from_list = skreg.LassoCV(cv=splits).fit(X, y)
    generator = (split for split in splits)
    model = skreg.LassoCV(cv=generator)
    from_generator = model.fit(X, y)
    assert from_generator.alpha_ == from_list.alpha_
    np.testing.assert_array_equal(from_generator.mse_path_, from_list.mse_path_)
    assert model.cv is generator  # the parameter is given back unchanged


def test_folds_drawn_anew_on_each_call_still_give_a_searched_model():
    X, y = make_regression(80, 200, n_informative=10, noise=5, random_state=2)
    model = skreg.LassoCV(cv=KFold(4, shuffle=True)).fit(X, y)
    assert model.alpha_ in model.alphas_
    index = int(np.argmin(model.mse_path_.mean(axis=1)))
    assert model.alpha_ == model.alphas_[index]


def test_the_search_restores_the_estimator_after_an_error():
    X, y = make_regression(40, 50, random_state=0)
    y[3] = np.nan
    splits = [(np.arange(20), np.arange(20, 40))]
    model = skreg.LassoCV(cv=iter(splits))
    with pytest.raises(ValueError, match="NaN"):
        model.fit(X, y)
    assert "path" not in vars(model)
    assert "_get_estimator" not in vars(model)
    assert not isinstance(model.cv, list)
