"""Newton steps on the support (``_support_newton``) and when the solver takes them."""

import numpy as np
import pytest
import scipy.sparse as sp

import skreg
from skreg.linear_model import _cd_solver
from skreg.linear_model import _layouts as layouts_module
from skreg.linear_model import _support_newton as newton_module
from skreg.linear_model._layouts import DenseLayout, GramLayout, SparseLayout
from skreg.linear_model._support_newton import support_newton_steps
from tests.conftest import equicorrelated


def _problem(n_samples=80, n_features=40, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    X[rng.rand(n_samples, n_features) < 0.6] = 0.0
    X += 0.5  # uncentred: the layouts must centre
    coef = np.zeros(n_features)
    coef[:6] = [2.0, -1.5, 1.0, -0.7, 0.5, 3.0]
    y = X @ coef + 0.1 * rng.randn(n_samples)
    sw = rng.uniform(0.5, 2.0, n_samples)
    return X, y, sw


def _layouts(X, y, sw):
    """The same centred, weighted problem in every layout, and its dense form."""
    sw = sw * len(sw) / sw.sum()
    x_mean = sw @ X / sw.sum()
    y_c = y - sw @ y / sw.sum()
    root = np.sqrt(sw)[:, None]
    Xc = np.asfortranarray(root * (X - x_mean))
    yc = np.sqrt(sw) * y_c
    layouts = {
        "dense": DenseLayout(Xc, yc),
        "gram": GramLayout(Xc.T @ Xc, Xc.T @ yc, yc @ yc),
        "sparse": SparseLayout(sp.csc_matrix(X), y_c, sw, x_mean),
    }
    return layouts, Xc, yc


@pytest.mark.parametrize(
    "name, dense_block_flops",
    [
        ("dense", None),
        ("gram", None),
        ("sparse", None),  # small: the columns are densified
        ("sparse", 0),  # by scipy's sparse product
    ],
)
def test_gram_block_and_correlations_agree_with_the_centred_design(
    name, dense_block_flops, monkeypatch
):
    if dense_block_flops is not None:
        monkeypatch.setattr(layouts_module, "DENSE_BLOCK_FLOPS", dense_block_flops)
    X, y, sw = _problem()
    layouts, Xc, yc = _layouts(X, y, sw)
    layout = layouts[name]
    rng = np.random.RandomState(1)
    w = np.zeros(X.shape[1])
    w[[0, 3, 7, 11]] = rng.randn(4)
    features = np.array([0, 3, 7, 11, 20])
    state = layout.start(w.copy())
    np.testing.assert_allclose(
        layout.gram_block(features), Xc[:, features].T @ Xc[:, features], atol=1e-10
    )
    residual = yc - Xc @ w
    np.testing.assert_allclose(
        layout.correlations(state, features), Xc[:, features].T @ residual, atol=1e-10
    )


def _objective(Xc, yc, w, l1, l2):
    r = yc - Xc @ w
    return 0.5 * r @ r + l1 * np.abs(w).sum() + 0.5 * l2 * w @ w


@pytest.mark.parametrize("name", ["dense", "gram", "sparse"])
@pytest.mark.parametrize("l2", [0.0, 3.0])
def test_steps_from_the_right_support_reach_the_minimizer(name, l2):
    """Started on the optimum's support and signs, one step lands on it."""
    X, y, sw = _problem()
    layouts, Xc, yc = _layouts(X, y, sw)
    l1 = 0.05 * np.abs(Xc.T @ yc).max()
    alpha, l1_ratio = (l1 + l2) / len(y), l1 / (l1 + l2)
    optimum = (
        skreg.ElasticNet(
            alpha=alpha,
            l1_ratio=l1_ratio,
            fit_intercept=False,
            tol=1e-14,
            max_iter=100000,
        )
        .fit(Xc, yc)
        .coef_
    )
    assert 3 <= np.count_nonzero(optimum) < X.shape[1]
    layout = layouts[name]
    rng = np.random.RandomState(2)
    coef = optimum * (1.0 + 0.2 * rng.rand(X.shape[1]))  # same signs and support
    before = _objective(Xc, yc, coef, l1, l2)
    state, n_steps = support_newton_steps(
        layout, layout.start(coef), coef, l1, l2, False, 5
    )
    assert n_steps >= 1
    assert state is not None
    assert _objective(Xc, yc, coef, l1, l2) < before
    np.testing.assert_allclose(coef, optimum, rtol=1e-7, atol=1e-9)
    # the returned state is the layout's state at the new coefficients
    fresh = layout.start(coef.copy())
    for got, expected in zip(state, fresh, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_steps_shrink_a_support_larger_than_the_rank():
    """More coefficients than samples: steps follow the flat valley to zeros,
    and the objective never goes up."""
    rng = np.random.RandomState(3)
    n_samples, n_features = 30, 80
    Xc = np.asfortranarray(rng.randn(n_samples, n_features))
    yc = rng.randn(n_samples)
    layout = DenseLayout(Xc, yc)
    l1 = 0.05 * np.abs(Xc.T @ yc).max()
    coef = rng.randn(n_features)  # 80 non-zeros on rank 30
    objective = _objective(Xc, yc, coef, l1, 0.0)
    for _ in range(5):
        state, _ = support_newton_steps(
            layout, layout.start(coef), coef, l1, 0.0, False, 200
        )
        if state is None:
            break
        new = _objective(Xc, yc, coef, l1, 0.0)
        assert new <= objective * (1 + 1e-12)  # rounding of the objective
        objective = new
    assert np.count_nonzero(coef) <= n_samples


def test_positive_steps_keep_coefficients_non_negative():
    X, y, sw = _problem()
    layouts, Xc, yc = _layouts(X, y, sw)
    layout = layouts["dense"]
    l1 = 0.02 * np.abs(Xc.T @ yc).max()
    coef = np.abs(np.random.RandomState(4).randn(X.shape[1]))
    support_newton_steps(layout, layout.start(coef), coef, l1, 0.0, True, 100)
    assert np.all(coef >= 0)


@pytest.fixture
def steps(monkeypatch):
    """The support sizes of the solver's calls to support_newton_steps."""
    calls = []
    original = _cd_solver.support_newton_steps

    def counted(*args):
        calls.append(np.count_nonzero(args[2]))
        return original(*args)

    monkeypatch.setattr(_cd_solver, "support_newton_steps", counted)
    return calls


def _stalling_problem():
    """Wide sparse data at a small alpha: about as many non-zeros as samples,
    where working-set CD alone crawls for tens of thousands of sweeps."""
    rng = np.random.default_rng(12)
    X = sp.random(100, 20000, density=2e-3, format="csc", random_state=rng)
    X.data = rng.standard_normal(X.data.size)
    coef = np.zeros(20000)
    coef[rng.choice(20000, 20, replace=False)] = rng.standard_normal(20)
    y = X @ coef + 0.5 * rng.standard_normal(100)
    alpha_max = np.abs(X.T @ (y - y.mean())).max() / 100
    return X, y, alpha_max / 300


def test_a_crawling_solve_gets_newton_steps_and_the_same_minimizer(monkeypatch, steps):
    X, y, alpha = _stalling_problem()
    # solved at once (a route down a path from alpha_max crawls far less)
    monkeypatch.setattr(_cd_solver, "continuation_penalties", lambda *args: None)
    fast = skreg.Lasso(alpha=alpha, tol=1e-8, max_iter=200000).fit(X, y)
    assert steps, "the crawling solve took no Newton step"
    # a step costs more than any crawl: never taken
    monkeypatch.setattr(_cd_solver, "SWEEPS_PER_NEWTON_STEP", 10**9)
    steps.clear()
    slow = skreg.Lasso(alpha=alpha, tol=1e-8, max_iter=200000).fit(X, y)
    assert not steps
    assert fast.n_iter_ * 5 < slow.n_iter_
    np.testing.assert_allclose(fast.coef_, slow.coef_, atol=1e-6)
    assert fast.intercept_ == pytest.approx(slow.intercept_, abs=1e-6)


def test_a_solve_within_the_first_budget_takes_no_newton_step(monkeypatch):
    monkeypatch.setattr(
        _cd_solver,
        "support_newton_steps",
        lambda *args: pytest.fail("Newton step on an easy problem"),
    )
    rng = np.random.RandomState(0)
    X = rng.randn(200, 400)
    y = X[:, :5] @ np.ones(5) + 0.1 * rng.randn(200)
    model = skreg.Lasso(alpha=0.1).fit(X, y)
    assert model.n_iter_ < _cd_solver.NEWTON_FIRST_BUDGET


def test_plain_cd_path_on_correlated_tall_data_takes_newton_steps(monkeypatch, steps):
    """Below WORKING_SET_MIN_FEATURES, with more samples than features, a
    crawling alpha of a path gets Newton steps: fewer sweeps, same path."""
    X, y = equicorrelated()
    params = dict(tol=1e-8, max_iter=100000, return_n_iter=True)
    _, fast, _, fast_iter = skreg.lasso_path(X, y, **params)
    assert steps
    # a step costs more than any crawl: never taken
    monkeypatch.setattr(_cd_solver, "SWEEPS_PER_NEWTON_STEP", 10**9)
    _, slow, _, slow_iter = skreg.lasso_path(X, y, **params)
    assert 2 * np.sum(fast_iter) < np.sum(slow_iter)
    np.testing.assert_allclose(fast, slow, atol=1e-6 * np.abs(slow).max())


def test_plain_cd_with_more_features_than_samples_takes_no_newton_step(
    monkeypatch, steps
):
    """There scikit-learn's algorithm alone decides which minimizer a fit
    (or each alpha of a LassoCV fold) lands on: no Newton step, although the
    path crawls long past the budgets at which one would be considered."""
    from sklearn.linear_model import lasso_path as sklearn_lasso_path

    X, y = equicorrelated(n_samples=60, n_features=150)
    alphas, coefs, _, n_iters = skreg.lasso_path(
        X, y, tol=1e-8, max_iter=20000, return_n_iter=True
    )
    assert steps == []
    assert np.max(n_iters) > 3 * _cd_solver.NEWTON_FIRST_BUDGET_PLAIN
    # scikit-learn's path (skreg's alphas also meet PATH_GAP, so the two
    # differ at the level of the tolerance near interpolation, 2e-5 here)
    _, reference, _ = sklearn_lasso_path(X, y, alphas=alphas, tol=1e-8, max_iter=20000)
    np.testing.assert_allclose(coefs, reference, atol=1e-4 * np.abs(reference).max())


@pytest.mark.parametrize("divisor", [100, 1000])
def test_a_crawling_tall_fit_converges_at_the_default_max_iter(divisor, steps):
    """Equicorrelated n > p at a small alpha: scikit-learn's CD stops at
    max_iter=1000 with a ConvergenceWarning; skreg's Newton steps on the
    support (covariance mode, from the first budget) reach the tolerance."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Lasso as SklearnLasso

    X, y = equicorrelated()
    alpha = np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / len(y) / divisor
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = skreg.Lasso(alpha=alpha).fit(X, y)
    assert steps and ours.n_iter_ < 1000
    with pytest.warns(ConvergenceWarning):
        theirs = SklearnLasso(alpha=alpha).fit(X, y)

    def objective(model):
        residual = y - model.predict(X)
        return residual @ residual / (2 * len(y)) + alpha * np.abs(model.coef_).sum()

    assert objective(ours) <= objective(theirs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l2", [0.0, 3.0])
def test_the_compiled_gram_step_is_the_numpy_step(dtype, positive, l2, monkeypatch):
    """A complete Gram matrix takes its steps in one compiled call
    (gram_newton_steps); the NumPy route of the other layouts must give the
    same coefficients and state, penalty factors (a zero among them: no kink)
    and positivity included."""
    X, y, sw = _problem()
    _, Xc, yc = _layouts(X, y, sw)
    Xc, yc = Xc.astype(dtype), yc.astype(dtype)
    factor = np.linspace(0.5, 1.5, X.shape[1])
    factor[2] = 0.0

    def layout():
        return GramLayout(Xc.T @ Xc, Xc.T @ yc, yc @ yc, penalty_factor=factor)

    l1 = 0.05 * float(np.abs(Xc.T @ yc).max())
    coef = np.random.RandomState(5).randn(X.shape[1]).astype(dtype)
    coef[np.abs(coef) < 0.8] = 0.0
    results = []
    for compiled in (True, False):
        if not compiled:  # the type test of support_newton_steps fails
            monkeypatch.setattr(newton_module, "GramProblem", type(None))
        gram = layout()
        work = coef.copy()
        state, n_steps = support_newton_steps(
            gram, gram.start(work), work, l1, l2, positive, 50
        )
        assert n_steps >= 1
        results.append((work, state[0]))
    (coef_a, gram_w_a), (coef_b, gram_w_b) = results
    assert coef_a.dtype == coef_b.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(coef_a, coef_b, rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(coef_a == 0, coef_b == 0)
    np.testing.assert_allclose(gram_w_a, gram_w_b, rtol=rtol, atol=rtol * 10)
    if positive:
        assert np.all(coef_a[factor != 0] >= 0)


def _rule_budget_by_budget(layout, coef, l1, max_iter, tol, working_set):
    """A solve with the Newton rule applied in Python after the first step,
    one kernel call per budget of sweeps, as the driver did before the
    kernels went on from a step themselves.  Returns ``(gap, n_iter)``."""
    from skreg._kernels.cd_plain import NEWTON_BUDGET, newton_step_budget
    from skreg.linear_model._strategy import cold_sweep

    if working_set:
        kernel = _cd_solver.working_set_path_kernel
        # the correlation bounds and work arrays carry over, as in solve_enet
        extra = dict(
            stats=_cd_solver.new_bounds(layout.col_norms2, layout.n_samples),
            buffers=_cd_solver.new_buffers(
                layout.n_features, layout.n_samples, layout.dtype
            ),
            cold=cold_sweep(layout),
        )
    else:
        kernel, extra = _cd_solver.plain_path_kernel, {}
    first_budget = _cd_solver.newton_first_budget(
        layout, l1, working_set, 0.0, max_iter
    )
    rule = _cd_solver._newton_rule(layout, first_budget, working_set)
    state = layout.start(coef)
    newton = _cd_solver.new_newton_state()
    common = dict(positive=False, tol=tol, screening=True, path_gap=0.0)
    gap, n_iter, due = _cd_solver._solve_alpha(
        kernel, layout, state, coef, l1, 0.0, max_iter=max_iter,
        first_budget=first_budget, newton=newton, **common, **extra,
    )  # fmt: skip
    if not due:
        return gap, n_iter
    budget, last_gap = int(newton[NEWTON_BUDGET]), gap
    step_budget = n_iter // _cd_solver.SWEEPS_PER_NEWTON_STEP
    n_steps = n_failed = 0
    stepped_last = False
    if working_set:
        extra["cold"] = False
    while True:
        if step_budget > 0:
            stepped, taken = support_newton_steps(
                layout, state, coef, l1, 0.0, False, step_budget
            )
            n_steps += taken
            if stepped is not None:
                state, stepped_last = stepped, True
        allowed = min(budget, max_iter - n_iter)
        gap, sweeps, _ = _cd_solver._solve_alpha(
            kernel, layout, state, coef, l1, 0.0, max_iter=allowed,
            first_budget=allowed, newton=None, **common, **extra,
        )  # fmt: skip
        n_iter += sweeps
        if sweeps < allowed or n_iter >= max_iter:
            return gap, n_iter
        budget *= 2
        n_failed += stepped_last
        stepped_last = False
        step_budget = getattr(newton_step_budget, "py_func", newton_step_budget)(
            gap, last_gap, tol * layout.y_norm2, sweeps, np.count_nonzero(coef),
            n_iter, n_steps, False, rule,
        )  # fmt: skip
        last_gap = gap
        if n_failed >= _cd_solver.NEWTON_MAX_FAILED:
            step_budget = 0


@pytest.mark.parametrize("working_set", [False, True])
def test_a_kernel_goes_on_from_newton_steps_as_the_budget_by_budget_rule(
    working_set, monkeypatch, steps
):
    """After a step the kernel applies the Newton rule itself (one call per
    step): the solve is the one of the rule applied budget by budget in
    Python, bit for bit."""
    if working_set:  # >= 200 features; budgets of one sweep, always crawling
        X, y = equicorrelated(80, 240)
        monkeypatch.setattr(_cd_solver, "NEWTON_FIRST_BUDGET", 1)
        monkeypatch.setattr(_cd_solver, "SWEEPS_PER_NEWTON_STEP", 1)
    else:
        X, y = equicorrelated()
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    layout = GramLayout(Xc.T @ Xc, Xc.T @ yc, yc @ yc)
    if working_set:
        layout = DenseLayout(np.asfortranarray(Xc), yc)
    l1 = np.abs(Xc.T @ yc).max() / 1000
    assert _cd_solver.uses_working_set(layout, l1, False) == working_set
    params = dict(max_iter=100000, tol=1e-10)
    result = _cd_solver.solve_enet(layout, np.zeros(X.shape[1]), l1, 0.0, **params)
    assert len(steps) >= 2  # a step decided after the kernel went on from one
    coef = np.zeros(X.shape[1])
    gap, n_iter = _rule_budget_by_budget(layout, coef, l1, working_set=working_set,
                                         **params)  # fmt: skip
    np.testing.assert_array_equal(result.coef, coef)
    assert (result.gap, result.n_iter) == (gap, n_iter)
