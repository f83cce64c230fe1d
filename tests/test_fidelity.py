"""Drop-in fidelity: each case runs skreg and scikit-learn on the same data.

Issue 14 found these by trying skreg as a new user would.  Every case asserts
what scikit-learn does and that skreg does the same, or, where skreg differs on
purpose (README, "Deliberate differences from scikit-learn"), what skreg does
instead and that scikit-learn really behaves otherwise.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk
from sklearn.datasets import make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold

import skreg
from skreg._validation import check_non_negative_sample_weight

LINEAR = ["Lasso", "ElasticNet"]


def issue_data():
    """The data of issue 14: 100 x 30, five informative features."""
    rng = np.random.RandomState(0)
    X = rng.randn(100, 30)
    y = X[:, :5].sum(1) + rng.randn(100)
    return X, y


def build_dataset(n_samples=50, n_features=200, n_informative=10, n_targets=1):
    """scikit-learn's ``test_coordinate_descent.build_dataset``."""
    rng = np.random.RandomState(0)
    w = rng.randn(n_features, n_targets) if n_targets > 1 else rng.randn(n_features)
    w[n_informative:] = 0.0
    X = rng.randn(n_samples, n_features)
    return X, X @ w


def both(name, **params):
    """The skreg estimator ``name`` and scikit-learn's, with the same params."""
    return getattr(skreg, name)(**params), getattr(sk, name)(**params)


# --- D1: y of shape (n, 1) ---------------------------------------------------


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("name", LINEAR)
def test_d1_column_y_gives_sklearn_shapes(name, sparse):
    X, y = issue_data()
    X = sp.csr_matrix(X) if sparse else X
    ours, ref = both(name, alpha=0.1)
    ours.fit(X, y[:, None])
    ref.fit(X, y[:, None])
    for attr in ("coef_", "intercept_", "dual_gap_"):
        assert np.shape(getattr(ours, attr)) == np.shape(getattr(ref, attr)), attr
    assert ours.coef_.shape == (30,)
    assert isinstance(ours.n_iter_, int) and isinstance(ref.n_iter_, int)
    assert ours.predict(X).shape == ref.predict(X).shape == (100,)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-5)
    assert ours.sparse_coef_.shape == ref.sparse_coef_.shape


# --- D2: positive=True with 2-D y ---------------------------------------------


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("name", LINEAR)
def test_d2_positive_with_2d_y_is_fitted_like_sklearn(name, sparse):
    X, y = issue_data()
    Y = np.c_[y, -y, 0.5 * y + X[:, 7]]
    X = sp.csr_matrix(X) if sparse else X
    ours, ref = both(name, alpha=0.1, positive=True, tol=1e-10, max_iter=10_000)
    ours.fit(X, Y)
    ref.fit(X, Y)
    assert ours.coef_.shape == ref.coef_.shape == (3, 30)
    assert ours.coef_.min() >= 0
    assert np.count_nonzero(ours.coef_[0]) > 0  # the first target has a fit
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-6)


# --- D3: negative sample weights, one message --------------------------------

NEGATIVE_MESSAGE = r"^Negative values in data passed to `sample_weight`\. skreg"


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "LassoCV", "ElasticNetCV"])
def test_d3_negative_sample_weight_refused_with_the_shared_message(name):
    X, y = issue_data()
    sample_weight = np.ones(len(y))
    sample_weight[3] = -0.5
    with pytest.raises(ValueError) as caught:
        check_non_negative_sample_weight(sample_weight)
    with pytest.raises(ValueError, match=NEGATIVE_MESSAGE) as ours:
        getattr(skreg, name)().fit(X, y, sample_weight=sample_weight)
    assert str(ours.value) == str(caught.value)


def test_d3_shared_check_accepts_non_negative_weights():
    weights = np.array([0.0, 1.0, 2.5])
    assert check_non_negative_sample_weight(weights) is weights
    assert check_non_negative_sample_weight(None) is None
    with pytest.raises(ValueError, match="1 negative, smallest -1.0"):
        check_non_negative_sample_weight(-1.0)


# --- D4 and the "Also" Gram cases ----------------------------------------------


@pytest.mark.parametrize("name", LINEAR)
def test_d4_gram_of_centered_data_is_used_silently(name):
    X, y = issue_data()
    Xc = X - X.mean(0)
    assert np.any(Xc.mean(0) != 0)  # ~1e-16: the case the exact test got wrong
    ours, ref = both(name, alpha=0.1, precompute=Xc.T @ Xc, tol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours.fit(Xc, y)
        ref.fit(Xc, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-10)


def test_gram_of_uncentered_data_still_warns_and_recomputes():
    X, y = issue_data()
    gram = X.T @ X
    ours, ref = both("Lasso", alpha=0.1, precompute=gram)
    for model in (ours, ref):
        with pytest.warns(UserWarning, match="recomputing Gram matrix"):
            model.fit(X + 1.0, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", LINEAR)
def test_incorrect_gram_is_refused_as_sklearn_does(name):
    # scikit-learn's test_elasticnet_precompute_incorrect_gram.
    X, _ = build_dataset()
    y = X[:, :4].sum(1)
    rng = np.random.RandomState(0)
    Xc = X - np.average(X, axis=0)
    garbage = rng.standard_normal(X.shape)
    for model in both(name, alpha=0.01, precompute=garbage.T @ garbage):
        with pytest.raises(ValueError, match="Gram matrix.*did not pass validation"):
            model.fit(Xc, y)


def test_gram_off_the_probed_entry_is_refused_with_sklearns_words():
    # skreg also probes whole columns: a matrix right at scikit-learn's single
    # entry but wrong elsewhere is refused (scikit-learn fits the wrong model).
    X, y = issue_data()
    Xc = X - X.mean(0)
    gram = Xc.T @ Xc
    gram[0, 0] *= 3
    with pytest.raises(ValueError, match="Gram matrix.*did not pass validation"):
        skreg.Lasso(alpha=0.1, precompute=gram).fit(Xc, y)


@pytest.mark.parametrize("name", LINEAR)
def test_gram_with_sample_weights_is_used_as_sklearn_does(name):
    # scikit-learn's test_elasticnet_precompute_gram_weighted_samples, at a
    # tolerance where both solvers are at the optimum.
    X, y = build_dataset()
    sample_weight = np.random.RandomState(0).lognormal(size=y.shape)
    w_norm = sample_weight * (y.shape / np.sum(sample_weight))
    X_c = X - np.average(X, axis=0, weights=w_norm)
    X_r = X_c * np.sqrt(w_norm)[:, np.newaxis]
    params = dict(alpha=0.01, tol=1e-12, max_iter=100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the Gram is used, not recomputed
        with_gram = getattr(skreg, name)(precompute=X_r.T @ X_r, **params)
        with_gram.fit(X_c, y, sample_weight=sample_weight)
    ref = getattr(sk, name)(precompute=False, **params)
    ref.fit(X, y, sample_weight=sample_weight)
    np.testing.assert_allclose(with_gram.coef_, ref.coef_, rtol=1e-6, atol=1e-9)


# --- D5: a non-finite gap never passes silently --------------------------------


@pytest.mark.parametrize("name", LINEAR)
def test_d5_overflow_raises_a_convergence_warning(name):
    X, y = issue_data()
    ours, ref = both(name, alpha=0.1)
    messages = []
    for model in (ours, ref):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X, y * 1e300)
        convergence = [w for w in caught if w.category is ConvergenceWarning]
        assert convergence, type(model).__module__
        assert not np.isfinite(model.dual_gap_)
        messages.append(str(convergence[0].message))
    assert "duality gap is not finite" in messages[0]


def test_d5_overflow_warns_along_a_path():
    X, y = issue_data()
    Y = np.c_[y, -y] * 1e300
    with pytest.warns(ConvergenceWarning, match="not finite"):
        skreg.lasso_path(X, Y[:, 0], alphas=[1e300])
    with pytest.warns(ConvergenceWarning):
        skreg.lasso_path(X, Y, alphas=[1e300])


# --- D6: dtypes the kernels do not handle, with check_input=False --------------


@pytest.mark.parametrize(
    "make_X",
    [
        lambda X: np.asfortranarray((X * 10).astype(np.int64)),
        lambda X: sp.csc_matrix((X * 10).astype(np.int32)),
        lambda X: np.asfortranarray(X.astype(np.float16)),
    ],
    ids=["int64", "sparse-int32", "float16"],
)
@pytest.mark.parametrize("path", ["lasso_path", "enet_path"])
def test_d6_unsupported_dtype_refused_before_compilation(path, make_X, monkeypatch):
    X, y = issue_data()
    X = make_X(X)
    # Nothing may reach the layouts (and so the kernels): refuse first.
    import skreg.linear_model._path as path_module

    def no_layouts(*args, **kwargs):
        raise AssertionError("layouts built for an unsupported dtype")

    monkeypatch.setattr(path_module, "make_layouts", no_layouts)
    with pytest.raises(TypeError, match=r"X has dtype \w+.*float64 or float32"):
        getattr(skreg, path)(X, y - y.mean(), alphas=[1, 0.1], check_input=False)
    if not sp.issparse(X):
        with pytest.raises(TypeError):  # scikit-learn: "No matching signature"
            getattr(sk, path)(X, y - y.mean(), alphas=[1, 0.1], check_input=False)


def test_d6_supported_dtypes_still_run_without_checks():
    X, y = issue_data()
    for dtype in (np.float64, np.float32):
        Xd = np.asfortranarray(X, dtype=dtype)
        yd = (y - y.mean()).astype(dtype)
        _, ours, _ = skreg.lasso_path(Xd, yd, alphas=[1, 0.1], check_input=False)
        _, ref, _ = sk.lasso_path(Xd, yd, alphas=[1, 0.1], check_input=False)
        assert ours.dtype == dtype
        np.testing.assert_allclose(ours, ref, rtol=1e-3, atol=1e-4)


# --- Cross-validation ----------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_enet_cv_picks_what_grid_search_picks(weighted):
    # scikit-learn's test_enet_cv_grid_search: a user grid shared by several
    # l1_ratios (alphas_ is then 1-D).
    n_samples = 200
    X, y = make_regression(
        n_samples=n_samples,
        n_features=10,
        effective_rank=10,
        n_informative=6,
        noise=10,
        random_state=0,
    )
    sample_weight = np.linspace(1, 5, num=n_samples) if weighted else None
    alphas = np.logspace(-5, 0, num=10)
    l1_ratios = [0.1, 0.5, 0.9]
    cv = KFold(5)
    reg = skreg.ElasticNetCV(cv=cv, alphas=alphas, l1_ratio=l1_ratios, tol=1e-8)
    reg.fit(X, y, sample_weight=sample_weight)
    grid = GridSearchCV(
        skreg.ElasticNet(tol=1e-8),
        {"alpha": alphas, "l1_ratio": l1_ratios},
        cv=cv,
        scoring="neg_mean_squared_error",
    ).fit(X, y, sample_weight=sample_weight)
    ref = sk.ElasticNetCV(cv=cv, alphas=alphas, l1_ratio=l1_ratios, tol=1e-8)
    ref.fit(X, y, sample_weight=sample_weight)
    assert reg.l1_ratio_ == grid.best_params_["l1_ratio"] == ref.l1_ratio_
    assert reg.alpha_ == pytest.approx(grid.best_params_["alpha"])
    assert reg.alpha_ == pytest.approx(ref.alpha_)
    np.testing.assert_allclose(reg.coef_, ref.coef_, rtol=1e-5, atol=1e-6)


# --- D10: LassoCV / ElasticNetCV paths must not stall --------------------------

D10_PROBLEMS = {
    "p>n": dict(n_samples=60, n_features=150, n_informative=18, random_state=1),
    "p~n": dict(n_samples=120, n_features=120, n_informative=15, random_state=3),
    "n>p": dict(n_samples=400, n_features=40, n_informative=5, random_state=3),
}


def _grid_index(model):
    return int(np.argmin(np.abs(model.alphas_ - model.alpha_)))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("shape", list(D10_PROBLEMS))
def test_d10_lassocv_default_tol_picks_within_one_step_of_tight_tol(shape):
    X, y = make_regression(noise=5, **D10_PROBLEMS[shape])
    default = skreg.LassoCV(cv=5).fit(X, y)
    tight = skreg.LassoCV(cv=5, tol=1e-8).fit(X, y)
    assert abs(_grid_index(default) - _grid_index(tight)) <= 1


# Small p > n problems where the held-out error is ~100x below ||y||^2 / n:
# tol * ||y||^2 alone left LassoCV 2-10 grid steps from its tol=1e-8 choice
# (60x150 seed 3: 10 steps; 100x400 seed 2: 4 steps).
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "n_samples, n_features, seed",
    [(60, 150, 3), (60, 150, 0), (50, 100, 2), (80, 300, 2), (100, 400, 2)],
)
def test_d10_small_p_greater_than_n_picks_within_one_step(n_samples, n_features, seed):
    X, y = make_regression(
        n_samples, n_features, n_informative=10, noise=5, random_state=seed
    )
    default = skreg.LassoCV(cv=8).fit(X, y)
    tight = skreg.LassoCV(cv=8, tol=1e-8).fit(X, y)
    assert abs(_grid_index(default) - _grid_index(tight)) <= 1


def test_d10_path_gap_is_relative_to_the_primal():
    # With path_gap=PATH_GAP (LassoCV's paths) each alpha also reaches
    # PATH_GAP * tol times its objective.
    from skreg.linear_model._path import PATH_GAP

    X, y = make_regression(60, 150, n_informative=10, noise=5, random_state=3)
    X, y = X - X.mean(0), y - y.mean()
    tol = 1e-4
    alphas, coefs, gaps = skreg.lasso_path(X, y, tol=tol, path_gap=PATH_GAP)
    n = len(y)
    residual = y[:, None] - X @ coefs
    primal = 0.5 * (residual**2).sum(0) / n + alphas * np.abs(coefs).sum(0)
    floor = 1e-2 * tol * (y @ y) / n
    bound = np.minimum(tol * (y @ y) / n, np.maximum(PATH_GAP * tol * primal, floor))
    assert np.all(gaps <= bound * (1 + 1e-9))
    # The relative bound is the binding one at small alphas: the test needs it.
    assert np.any(bound < 0.1 * tol * (y @ y) / n)


def test_a_public_path_stops_as_scikit_learns_does():
    """lasso_path and enet_path stop each alpha at tol * ||y||^2 (after one
    sweep at least), as scikit-learn's: no relative gap of their own."""
    X, y = make_regression(60, 150, n_informative=10, noise=5, random_state=3)
    X, y = X - X.mean(0), y - y.mean()
    tol, n = 1e-4, len(y)
    _, _, gaps, n_iters = skreg.lasso_path(X, y, tol=tol, return_n_iter=True)
    assert np.all(gaps <= tol * (y @ y) / n)
    assert min(n_iters[1:]) >= 1
    # The tight rule of LassoCV's paths stops later: the default is not it.
    tight = skreg.lasso_path(X, y, tol=tol, path_gap=10.0, return_n_iter=True)[3]
    assert sum(tight) > sum(n_iters)


@pytest.mark.parametrize("name", ["LassoCV", "ElasticNetCV"])
def test_cv_paths_ask_for_the_relative_gap(monkeypatch, name):
    from skreg.linear_model import _path

    asked = []
    enet_path = _path.enet_path

    def spy(X, y, **params):
        asked.append(params.get("path_gap"))
        return enet_path(X, y, **params)

    estimator = getattr(skreg, name)
    monkeypatch.setattr(estimator, "path", staticmethod(spy))
    X, y = make_regression(80, 30, noise=5, random_state=0)
    estimator(cv=3).fit(X, y)
    assert asked and all(gap == _path.PATH_GAP for gap in asked)


@pytest.mark.parametrize(
    "name, params", [("LassoCV", {}), ("ElasticNetCV", {"l1_ratio": 1.0})]
)
def test_d10_held_out_error_is_not_a_staircase(name, params):
    # Before the fix, a warm start that met tol made no sweep: runs of
    # consecutive alphas kept the same coefficients and the same CV error.
    X, y = make_regression(noise=5, **D10_PROBLEMS["p~n"])
    model = getattr(skreg, name)(cv=5, **params).fit(X, y)
    mean_mse = model.mse_path_.mean(axis=-1)
    repeated = np.abs(np.diff(mean_mse)) <= 1e-12 * mean_mse[1:]
    assert not repeated.any(), np.flatnonzero(repeated)


def test_d10_path_moves_at_every_alpha():
    X, y = make_regression(noise=5, **D10_PROBLEMS["p~n"])
    X, y = X - X.mean(0), y - y.mean()
    _, coefs, gaps, n_iters = skreg.lasso_path(X, y, alphas=100, return_n_iter=True)
    # Below alpha_max every alpha makes at least one sweep and changes coef_.
    moved = np.any(coefs[:, 1:] != coefs[:, :-1], axis=0)
    assert moved[5:].all()
    assert min(n_iters[1:]) >= 1
    assert np.all(gaps <= 1e-4 * (y @ y) / len(y))


# --- warm_start, max_iter, copy_X with check_input=False -----------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_warm_start_twice_five_sweeps_is_ten_sweeps_for_plain_cd():
    # scikit-learn's test_warm_start, below the working-set threshold where
    # skreg runs scikit-learn's algorithm (n_iter_ counts the same sweeps).
    X, y = build_dataset(n_features=150)
    for lib in (skreg, sk):
        twice = lib.ElasticNet(alpha=0.1, max_iter=5, warm_start=True)
        twice.fit(X, y)
        twice.fit(X, y)
        once = lib.ElasticNet(alpha=0.1, max_iter=10).fit(X, y)
        np.testing.assert_allclose(twice.coef_, once.coef_, rtol=1e-12, atol=1e-14)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("max_iter", [1, 5, 10, 14])
def test_working_sets_never_run_more_than_max_iter_sweeps(max_iter):
    # With 200+ features skreg sweeps working sets; a round used to run 13
    # sweeps whatever max_iter said (n_iter_ = 13 for max_iter=5).
    X, y = build_dataset(n_features=1000)
    ours = skreg.ElasticNet(alpha=0.1, max_iter=max_iter).fit(X, y)
    ref = sk.ElasticNet(alpha=0.1, max_iter=max_iter).fit(X, y)
    assert 1 <= ours.n_iter_ <= max_iter == ref.n_iter_


@pytest.mark.parametrize("name", LINEAR)
def test_copy_x_false_with_check_input_false_leaves_x_alone(name):
    # scikit-learn overwrites X here (its test asserts that X changed); skreg
    # never writes into X, and fits the same model.
    X, y = build_dataset()
    X = np.asfortranarray(X)
    original = X.copy()
    ours, ref = both(name, alpha=0.1, copy_X=False, tol=1e-10, max_iter=10_000)
    ours.fit(X, y, check_input=False)
    np.testing.assert_array_equal(X, original)
    ref.fit(X.copy(order="F"), y, check_input=False)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)


# --- Paths on sparse X with 2-D y ----------------------------------------------


@pytest.mark.parametrize("path", ["lasso_path", "enet_path"])
def test_csr_paths_with_2d_y_equal_the_dense_ones(path):
    # scikit-learn's test_sparse_dense_descent_paths with n_targets=2.
    X, Y = build_dataset(n_features=20, n_targets=2)
    _, dense, dense_gaps = getattr(skreg, path)(X, Y, tol=1e-10)
    _, sparse, sparse_gaps = getattr(skreg, path)(sp.csr_matrix(X), Y, tol=1e-10)
    _, ref, _ = getattr(sk, path)(sp.csr_matrix(X), Y, tol=1e-10)
    assert sparse.shape == dense.shape == (2, 20, 100)
    np.testing.assert_allclose(sparse, dense, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(sparse, ref, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(sparse_gaps, dense_gaps, rtol=1e-3, atol=1e-12)


def test_csr_multitask_path_with_centering_and_weights_matches_sklearn():
    # The estimators' call: implicit centering by X_offset, weights summing
    # to n_samples.
    rng = np.random.RandomState(1)
    X = sp.random(60, 25, density=0.3, random_state=1, format="csr")
    Y = rng.randn(60, 2) + X[:, :3].toarray() @ rng.randn(3, 2)
    sw = rng.rand(60) + 0.5
    sw *= 60 / sw.sum()
    x_mean = np.asarray(X.multiply(sw[:, None]).sum(0)).ravel() / 60
    Yc = Y - np.average(Y, axis=0, weights=sw)
    params = dict(
        l1_ratio=0.8,
        tol=1e-12,
        alphas=[0.1, 0.05, 0.01],
        X_offset=x_mean,
        X_scale=np.ones(25),
        sample_weight=sw,
    )
    _, ours, _ = skreg.enet_path(X, Yc, **params)
    _, ref, _ = sk.enet_path(X, Yc, **params)
    assert np.count_nonzero(ours[..., -1]) > 0
    np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-10)
    # The same problem, densified, centered and weighted by hand.
    dense = (X.toarray() - x_mean) * np.sqrt(sw)[:, None]
    dense_params = dict(l1_ratio=0.8, tol=1e-12, alphas=[0.1, 0.05, 0.01])
    _, by_hand, _ = skreg.enet_path(dense, Yc * np.sqrt(sw)[:, None], **dense_params)
    np.testing.assert_allclose(ours, by_hand, rtol=1e-7, atol=1e-10)


# --- MLP cases ---
# Reserved for the MLP side of issue 14 (D3 for the MLPs, D7, D8, D9 and
# non-finite MLP parameters); merged by the lead.
