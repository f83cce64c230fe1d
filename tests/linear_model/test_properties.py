"""Property tests (hypothesis): optimality certificates hold on random problems."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

import skreg
from skreg._kernels.prox import soft_threshold

problems = st.tuples(
    st.integers(min_value=5, max_value=40),  # n_samples
    st.integers(min_value=1, max_value=30),  # n_features
    st.integers(min_value=0, max_value=2**31 - 1),  # seed
    st.floats(min_value=0.01, max_value=0.9),  # alpha / alpha_max
)


def _make(n, p, seed):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p)
    y = X @ rng.randn(p) + rng.randn(n)
    return X, y


@settings(max_examples=40, deadline=None)
@given(problems, st.sampled_from([1.0, 0.5]), st.booleans())
def test_kkt_within_gap_bound_and_gap_nonnegative(problem, l1_ratio, positive):
    n, p, seed, fraction = problem
    X, y = _make(n, p, seed)
    Xc, yc = X - X.mean(0), y - y.mean()
    alpha_max = np.max(np.abs(Xc.T @ yc)) / (n * l1_ratio)
    alpha = fraction * alpha_max
    model = skreg.ElasticNet(
        alpha=alpha, l1_ratio=l1_ratio, positive=positive, tol=1e-12, max_iter=100_000
    ).fit(X, y)
    w = model.coef_
    assert model.dual_gap_ >= -1e-12 * max(1.0, yc @ yc / n)
    # Subgradient conditions, with slack for the certified gap.
    grad = Xc.T @ (yc - Xc @ w) / n - alpha * (1 - l1_ratio) * w
    slack = 1e-5 * alpha * l1_ratio + 1e-8
    active = w != 0
    assert np.all(np.abs(grad[active] - alpha * l1_ratio * np.sign(w[active])) <= slack)
    if positive:
        assert np.all(w >= 0)
        assert np.all(grad[~active] <= alpha * l1_ratio + slack)
    else:
        assert np.all(np.abs(grad[~active]) <= alpha * l1_ratio + slack)


@settings(max_examples=30, deadline=None)
@given(problems)
def test_elastic_net_with_l1_ratio_one_is_lasso(problem):
    n, p, seed, fraction = problem
    X, y = _make(n, p, seed)
    a = skreg.Lasso(alpha=fraction, tol=1e-10).fit(X, y)
    b = skreg.ElasticNet(alpha=fraction, l1_ratio=1.0, tol=1e-10).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert a.intercept_ == b.intercept_


@settings(max_examples=30, deadline=None)
@given(problems, st.floats(min_value=0.1, max_value=100))
def test_scaling_y_scales_the_solution(problem, factor):
    n, p, seed, fraction = problem
    X, y = _make(n, p, seed)
    base = skreg.Lasso(alpha=fraction, tol=1e-12, max_iter=100_000).fit(X, y)
    scaled = skreg.Lasso(alpha=fraction * factor, tol=1e-12, max_iter=100_000)
    scaled.fit(X, y * factor)
    np.testing.assert_allclose(
        scaled.coef_,
        factor * base.coef_,
        rtol=1e-6,
        atol=1e-8 * factor * max(1.0, np.abs(base.coef_).max()),
    )


@given(st.floats(-1e6, 1e6), st.floats(0, 1e6))
def test_prox_of_l1_is_soft_threshold(x, threshold):
    got = soft_threshold(x, threshold)
    assert got == np.sign(x) * max(abs(x) - threshold, 0.0)
    # The prox minimizes 1/2 (z - x)^2 + threshold |z|.
    objective = lambda z: 0.5 * (z - x) ** 2 + threshold * abs(z)  # noqa: E731
    for z in (got + 1e-3, got - 1e-3, 0.0, x):
        assert objective(got) <= objective(z) + 1e-9 * max(1.0, abs(x)) ** 2


@settings(max_examples=25, deadline=None)
@given(problems, st.sampled_from([1.0, 0.5]))
def test_duplicating_a_row_equals_sample_weight_two(problem, l1_ratio):
    n, p, seed, fraction = problem
    X, y = _make(n, p, seed)
    row = seed % n
    X_dup = np.vstack([X, X[row : row + 1]])
    y_dup = np.append(y, y[row])
    weights = np.ones(n)
    weights[row] = 2.0
    params = {"alpha": fraction, "l1_ratio": l1_ratio, "tol": 1e-12}
    params["max_iter"] = 100_000
    duplicated = skreg.ElasticNet(**params).fit(X_dup, y_dup)
    weighted = skreg.ElasticNet(**params).fit(X, y, sample_weight=weights)
    scale = max(1.0, np.abs(duplicated.coef_).max())
    np.testing.assert_allclose(weighted.coef_, duplicated.coef_, atol=1e-6 * scale)
    np.testing.assert_allclose(
        weighted.intercept_, duplicated.intercept_, atol=1e-6 * max(1.0, abs(y).max())
    )


@settings(max_examples=25, deadline=None)
@given(problems, st.booleans())
def test_permuting_features_permutes_coef(problem, positive):
    n, p, seed, fraction = problem
    X, y = _make(n, p, seed)
    perm = np.random.RandomState(seed + 1).permutation(p)
    params = {"alpha": fraction, "tol": 1e-12, "max_iter": 100_000}
    base = skreg.Lasso(positive=positive, **params).fit(X, y)
    permuted = skreg.Lasso(positive=positive, **params).fit(X[:, perm], y)
    scale = max(1.0, np.abs(base.coef_).max())
    np.testing.assert_allclose(permuted.coef_, base.coef_[perm], atol=1e-6 * scale)
    # Both solutions certify the same optimum: equal objective values.
    np.testing.assert_allclose(
        permuted.predict(X[:, perm]), base.predict(X), atol=1e-6 * scale * p
    )


@settings(max_examples=15, deadline=None)
@given(
    st.integers(min_value=2, max_value=60),  # rows to predict
    st.integers(min_value=0, max_value=2**31 - 1),  # seed
    st.sampled_from(["regressor", "classifier"]),
)
def test_mlp_predictions_do_not_depend_on_row_order(n, seed, kind):
    rng = np.random.RandomState(seed)
    X_train = rng.randn(40, 5)
    y_train = X_train[:, 0] - X_train[:, 1]
    if kind == "classifier":
        model = skreg.MLPClassifier(hidden_layer_sizes=(7,), max_iter=20)
        y_train = (y_train > 0).astype(int) + (X_train[:, 2] > 1)
    else:
        model = skreg.MLPRegressor(hidden_layer_sizes=(7,), max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.set_params(random_state=seed % 1000).fit(X_train, y_train)
    X = rng.randn(n, 5)
    perm = rng.permutation(n)
    np.testing.assert_array_equal(model.predict(X[perm]), model.predict(X)[perm])
    if kind == "classifier":
        np.testing.assert_allclose(
            model.predict_proba(X[perm]), model.predict_proba(X)[perm], rtol=1e-12
        )
    # Predicting rows one by one gives what predicting the batch gives.
    single = np.concatenate([model.predict(X[i : i + 1]) for i in range(n)])
    if kind == "classifier":
        np.testing.assert_array_equal(single, model.predict(X))
    else:
        np.testing.assert_allclose(single, model.predict(X), rtol=1e-12, atol=1e-12)
