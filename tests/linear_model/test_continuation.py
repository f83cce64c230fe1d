"""Sparse and wide dense single fits far below alpha_max go down a short
path first (``_strategy.continuation_penalties``); the last solve is the
fit's."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet as SkElasticNet

import skreg
from skreg.linear_model import _cd_solver, _strategy
from skreg.linear_model._preprocess import center_and_weight, make_layouts
from tests.conftest import record_returns, sparse_regression


def _sparse_problem(seed=0, dtype=np.float64):
    return sparse_regression(150, 500, seed=seed, dtype=dtype, n_informative=10)


def _wide_dense_problem(seed=0, dtype=np.float64):
    """40 x 400: CONTINUATION_MIN_WIDTH (10) features per sample."""
    rng = np.random.RandomState(seed)
    X = rng.randn(40, 400)
    y = X[:, :6] @ rng.randn(6) + 0.1 * rng.randn(40)
    return sp.csc_matrix(X.astype(dtype)), y.astype(dtype)


PROBLEMS = {"sparse": _sparse_problem, "wide dense": _wide_dense_problem}


def _as(kind, X):
    """``X`` (CSC) as the layout ``kind`` takes it."""
    return X if kind == "sparse" else X.toarray()


def _alpha_max(X, y, fit_intercept=True, sample_weight=None):
    sw = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    sw = sw * X.shape[0] / sw.sum()
    Xd = X.toarray()
    if fit_intercept:
        Xd = Xd - np.average(Xd, axis=0, weights=sw)
        y = y - np.average(y, weights=sw)
    return np.abs(Xd.T @ (sw * y)).max() / X.shape[0]


def _layout(X, y, fit_intercept=True, sample_weight=None, penalty_factor=None):
    X_work, y_work, X_offset, _ = center_and_weight(X, y, sample_weight, fit_intercept)
    return make_layouts(
        X_work, y_work.reshape(-1, 1), sample_weight, X_offset, False,
        penalty_factor=penalty_factor,
    )[0]  # fmt: skip


@pytest.fixture
def routes(monkeypatch):
    """The penalties of every continuation taken (None: a solve at once)."""
    return record_returns(monkeypatch, _cd_solver, "continuation_penalties")


@pytest.mark.parametrize("kind", PROBLEMS)
def test_correlations_at_zero_are_those_of_the_centred_weighted_problem(kind):
    X, y = PROBLEMS[kind]()
    sw = np.random.RandomState(3).rand(X.shape[0]) + 0.5
    sw_scaled = sw * X.shape[0] / sw.sum()
    layout = _layout(_as(kind, X), y, sample_weight=sw_scaled)
    Xc = X.toarray() - np.average(X.toarray(), axis=0, weights=sw_scaled)
    yc = y - np.average(y, weights=sw_scaled)
    np.testing.assert_allclose(
        layout.correlations_at_zero(), Xc.T @ (sw_scaled * yc), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize("divisor", [10, 49])
def test_no_route_close_to_alpha_max(divisor):
    X, y = _sparse_problem()
    layout = _layout(X, y)
    l1 = _alpha_max(X, y) / divisor * X.shape[0]
    assert _strategy.continuation_penalties(layout, l1, 0.0) is None


def test_the_cauchy_schwarz_bound_spares_the_pass_over_x(monkeypatch):
    """Where even ||x_j|| ||y|| over l1 is below the ratio, the correlations
    (a pass over X) are not computed."""
    X, y = _sparse_problem()
    layout = _layout(X, y)
    bound = np.sqrt(np.max(layout.col_norms2) * layout.y_norm2)
    monkeypatch.setattr(
        layout, "correlations_at_zero", lambda: pytest.fail("a pass over X")
    )
    assert _strategy.continuation_penalties(layout, bound / 40, 0.0) is None
    with pytest.raises(pytest.fail.Exception):
        _strategy.continuation_penalties(layout, bound / 60, 0.0)


@pytest.mark.parametrize("divisor", [51, 100, 1000])
def test_the_route_is_geometric_and_ends_at_the_penalty(divisor):
    X, y = _sparse_problem()
    layout = _layout(X, y)
    l1_max = _alpha_max(X, y) * X.shape[0]
    l1, l2 = l1_max / divisor, 0.3 * l1_max / divisor
    l1s, l2s = _strategy.continuation_penalties(layout, l1, l2)
    assert l1s[-1] == pytest.approx(l1) and l2s[-1] == pytest.approx(l2)
    np.testing.assert_allclose(l2s / l1s, 0.3)  # the fit's l1_ratio all along
    steps = l1s[:-1] / l1s[1:]
    np.testing.assert_allclose(steps, steps[0])
    assert 1 < steps[0] <= 10 ** (1 / _strategy.CONTINUATION_PER_DECADE) + 1e-9
    # from alpha_max: its first penalty is one step below it
    assert l1_max / l1s[0] == pytest.approx(steps[0])


def test_penalty_factors_decide_alpha_max():
    """alpha_max is over the penalized features, each by its factor."""
    X, y = _sparse_problem()
    correlations = np.abs(_layout(X, y).correlations_at_zero())
    top = int(np.argmax(correlations))
    factor = np.ones(X.shape[1])
    factor[top] = 0.0  # the most correlated feature is left unpenalized
    layout = _layout(X, y, penalty_factor=factor)
    second = np.sort(correlations)[-2]  # l1_max without that feature
    l1s, _ = _strategy.continuation_penalties(layout, second / 60, 0.0)
    # one step below l1_max at first (two steps: 60 is between 10 and 100)
    assert len(l1s) == 2 and l1s[0] ** 2 / l1s[1] == pytest.approx(second)


def test_sparse_and_wide_dense_layouts_take_routes():
    rng = np.random.RandomState(0)
    sparse_X, y = _sparse_problem()  # 150 x 500
    wide = rng.randn(40, 400)  # 10 features a sample
    narrow = rng.randn(50, 400)  # 8
    tall = rng.randn(1000, 200)  # covariance mode

    def routed(X, y):
        layout = _layout(X, y)
        l1_max = np.abs(layout.correlations_at_zero()).max()
        return _strategy.continuation_penalties(layout, l1_max / 100, 0.0) is not None

    assert routed(sparse_X, y)
    assert routed(wide, wide[:, :3].sum(axis=1))
    assert not routed(narrow, narrow[:, :3].sum(axis=1))
    tall_y = tall[:, :3].sum(axis=1)
    X_work, y_work, X_offset, _ = center_and_weight(tall, tall_y, None, True)
    layout = make_layouts(X_work, y_work.reshape(-1, 1), None, X_offset, True)[0]
    assert layout.n_samples == 0  # the Gram layout
    assert _strategy.continuation_penalties(layout, 1e-3, 0.0) is None


@pytest.mark.parametrize("kind", PROBLEMS)
@pytest.mark.parametrize(
    "fit_intercept, l1_ratio, positive, weighted, dtype",
    [
        (True, 1.0, False, False, np.float64),
        (False, 1.0, False, False, np.float64),
        (True, 0.5, False, True, np.float64),
        (True, 1.0, True, False, np.float64),
        (True, 1.0, False, False, np.float32),
    ],
)
def test_a_routed_fit_is_the_fit(routes, kind, fit_intercept, l1_ratio, positive,
                                 weighted, dtype):  # fmt: skip
    X, y = PROBLEMS[kind](dtype=dtype)
    sw = np.random.RandomState(1).rand(X.shape[0]) + 0.5 if weighted else None
    alpha = _alpha_max(X, y.astype(np.float64), fit_intercept, sw) / 200 / l1_ratio
    tol = 1e-10 if dtype == np.float64 else 1e-5  # float32 rounding
    params = dict(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                  positive=positive, tol=tol, max_iter=100000)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = skreg.ElasticNet(**params).fit(_as(kind, X), y, sample_weight=sw)
    assert routes and routes[-1] is not None
    assert ours.coef_.dtype == dtype
    assert ours.dual_gap_ <= tol * float(np.sum(y.astype(np.float64) ** 2))
    assert 1 <= ours.n_iter_ <= params["max_iter"]
    ref = SkElasticNet(**{**params, "tol": 1e-10}).fit(
        X.astype(np.float64), y.astype(np.float64), sample_weight=sw
    )
    atol = 1e-2 if dtype == np.float32 else 1e-6
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=atol)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=atol)


@pytest.mark.parametrize("kind", PROBLEMS)
def test_the_route_changes_the_solution_within_tol_only(monkeypatch, routes, kind):
    X, y = PROBLEMS[kind](seed=2)
    alpha = _alpha_max(X, y) / 300
    routed = skreg.Lasso(alpha=alpha, tol=1e-8).fit(_as(kind, X), y)
    assert routes[-1] is not None
    monkeypatch.setattr(_cd_solver, "continuation_penalties", lambda *a: None)
    direct = skreg.Lasso(alpha=alpha, tol=1e-8).fit(_as(kind, X), y)

    def objective(model):
        r = y - X @ model.coef_ - model.intercept_
        return 0.5 * r @ r / len(y) + alpha * np.abs(model.coef_).sum()

    p0 = 0.5 * np.var(y)
    assert abs(objective(routed) - objective(direct)) <= 2e-8 * 2 * p0


def test_warm_starts_narrow_dense_data_and_random_selection_take_no_route(routes):
    X, y = _sparse_problem()
    alpha = _alpha_max(X, y) / 300
    model = skreg.Lasso(alpha=alpha, warm_start=True).fit(X, y)
    assert routes == [routes[0]] and routes[0] is not None
    model.fit(X, y)  # from the last coefficients: a solve at once
    assert len(routes) == 1
    skreg.Lasso(alpha=alpha).fit(X.toarray(), y)  # 150 x 500: 3.3 features a sample
    skreg.Lasso(alpha=alpha, selection="random", random_state=0).fit(X, y)
    assert all(route is None for route in routes[1:])


def test_an_unconverged_route_warns_once_for_the_fit():
    X, y = _sparse_problem()
    alpha = _alpha_max(X, y) / 1000
    with pytest.warns(ConvergenceWarning) as record:
        skreg.Lasso(alpha=alpha, tol=1e-14, max_iter=2).fit(X, y)
    assert len([w for w in record if w.category is ConvergenceWarning]) == 1
