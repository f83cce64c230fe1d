"""skreg.LogisticRegression: scikit-learn's objective and contract.

Objectives are computed here from ``coef_`` and ``intercept_`` (not by skreg)
and compared with tight scikit-learn solves on standardized breast_cancer
(binary) and digits (multinomial).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn import linear_model as sk
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

import skreg
from skreg.linear_model._logistic_solver import logistic_path

SOLVERS = ["lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"]


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def objective(model, X, y, C, l1_ratio, sample_weight=None, penalty_factor=None):
    """scikit-learn's objective, from the fitted attributes."""
    W = np.asarray(model.coef_, dtype=np.float64)
    classes = model.classes_
    y_enc = np.searchsorted(classes, y)
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    Z = X @ W.T + model.intercept_
    if classes.size == 2:
        z = Z[:, 0]
        loss = np.logaddexp(0, z) - y_enc * z
    else:
        loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), y_enc]
    pf = np.ones(X.shape[1]) if penalty_factor is None else penalty_factor
    pen = l1_ratio * np.abs(W) @ pf + 0.5 * (1 - l1_ratio) * (W * W) @ pf
    return C * float(s @ loss) + float(pen.sum())


def rel(a, b):
    return abs(a - b) / abs(b)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5, 0.0], ids=["l1", "en", "l2"])
def test_binary_objective_matches_sklearn(cancer, l1_ratio):
    X, y = cancer
    C = 0.1
    ours = skreg.LogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-10).fit(X, y)
    solver = "lbfgs" if l1_ratio == 0 else "saga"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = sk.LogisticRegression(
            C=C, l1_ratio=l1_ratio, solver=solver, tol=1e-12, max_iter=100000
        ).fit(X, y)
    f_ours = objective(ours, X, y, C, l1_ratio)
    f_ref = objective(ref, X, y, C, l1_ratio)
    assert rel(f_ours, f_ref) < 1e-7
    assert ours.coef_.shape == (1, X.shape[1])
    assert ours.intercept_.shape == (1,)
    if l1_ratio > 0:
        assert 0 < np.count_nonzero(ours.coef_) < X.shape[1]


@pytest.mark.parametrize(
    "l1_ratio, C, solver, tol", [(1.0, 0.01, "saga", 1e-8), (0.0, 0.1, "lbfgs", 1e-10)]
)
def test_multinomial_objective_matches_sklearn(digits, l1_ratio, C, solver, tol):
    X, y = digits
    ours = skreg.LogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-10, max_iter=1000)
    ours.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = sk.LogisticRegression(
            C=C, l1_ratio=l1_ratio, solver=solver, tol=tol, max_iter=100000
        ).fit(X, y)
    assert ours.coef_.shape == (10, X.shape[1])
    assert ours.intercept_.shape == (10,)
    assert abs(ours.intercept_.sum()) < 1e-8
    f_ours = objective(ours, X, y, C, l1_ratio)
    f_ref = objective(ref, X, y, C, l1_ratio)
    assert rel(f_ours, f_ref) < 1e-7
    np.testing.assert_allclose(
        ours.predict_proba(X), ref.predict_proba(X), atol=1e-3, rtol=0
    )


def kkt_violation(model, X, y, C, l1_ratio):
    """Largest violation of the optimality conditions, in NumPy."""
    W = model.coef_
    y_enc = np.searchsorted(model.classes_, y)
    Z = X @ W.T + model.intercept_
    if W.shape[0] == 1:
        P = 1 / (1 + np.exp(-Z))
        Y = y_enc[:, None].astype(float)
    else:
        P = np.exp(Z - logsumexp(Z, axis=1, keepdims=True))
        Y = np.eye(W.shape[0])[y_enc]
    grad = C * (X.T @ (P - Y)).T + (1 - l1_ratio) * W
    grad_b = C * (P - Y).sum(axis=0)
    viol = np.where(
        W != 0,
        np.abs(grad + l1_ratio * np.sign(W)),
        np.maximum(np.abs(grad) - l1_ratio, 0),
    )
    return max(viol.max(), np.abs(grad_b).max())


@pytest.mark.parametrize("multiclass", [False, True])
def test_optimality_conditions_hold(cancer, digits, multiclass):
    X, y = digits if multiclass else cancer
    model = skreg.LogisticRegression(C=0.05, l1_ratio=0.8, tol=1e-10, max_iter=1000)
    model.fit(X, y)
    assert kkt_violation(model, X, y, 0.05, 0.8) < 1e-4
    # and a loose fit is measurably less optimal (the check can fail)
    loose = skreg.LogisticRegression(C=0.05, l1_ratio=0.8, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        loose.fit(X, y)
    assert kkt_violation(loose, X, y, 0.05, 0.8) > 1e-3


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("multiclass", [False, True])
def test_sparse_equals_dense(cancer, digits, fmt, multiclass):
    X, y = digits if multiclass else cancer
    X = X[:300]
    y = y[:300]
    X = np.where(np.abs(X) < 0.5, 0.0, X)  # really sparse
    params = dict(C=0.1, l1_ratio=0.7, tol=1e-10, max_iter=1000)
    dense = skreg.LogisticRegression(**params).fit(X, y)
    sparse = skreg.LogisticRegression(**params).fit(sp.csr_matrix(X).asformat(fmt), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-7)
    np.testing.assert_allclose(sparse.intercept_, dense.intercept_, atol=1e-7)
    assert np.any(dense.coef_ != 0)


@pytest.mark.parametrize("as_sparse", [False, True])
def test_float32_kept(cancer, as_sparse):
    X, y = cancer
    X32 = X.astype(np.float32)
    if as_sparse:
        X32 = sp.csr_matrix(X32)
    m32 = skreg.LogisticRegression(C=0.1, l1_ratio=1.0, tol=1e-8).fit(X32, y)
    m64 = skreg.LogisticRegression(C=0.1, l1_ratio=1.0, tol=1e-8).fit(X, y)
    assert m32.coef_.dtype == np.float32
    assert m32.intercept_.dtype == np.float32
    np.testing.assert_allclose(m32.coef_, m64.coef_, atol=1e-4)
    assert m32.decision_function(X32).dtype == np.float32


def test_callers_arrays_unchanged(digits):
    X, y = digits
    X = np.ascontiguousarray(X[:200])
    y = y[:200].copy()
    sw = np.random.RandomState(0).rand(200)
    Xs = sp.csr_matrix(np.where(np.abs(X) < 0.5, 0.0, X))
    copies = [X.copy(), y.copy(), sw.copy(), Xs.copy()]
    for data in (X, Xs):
        skreg.LogisticRegression(C=0.1, l1_ratio=0.5, class_weight="balanced").fit(
            data, y, sample_weight=sw
        )
    np.testing.assert_array_equal(X, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    np.testing.assert_array_equal(sw, copies[2])
    assert (Xs != copies[3]).nnz == 0
    assert Xs.has_canonical_format


@pytest.mark.parametrize("multiclass", [False, True])
def test_integer_weights_equal_repeated_rows(cancer, digits, multiclass):
    X, y = digits if multiclass else cancer
    X, y = X[:250], y[:250]
    w = np.random.RandomState(0).randint(0, 4, size=len(y))
    params = dict(C=0.1, l1_ratio=0.5, tol=1e-10, max_iter=1000)
    weighted = skreg.LogisticRegression(**params).fit(X, y, sample_weight=w)
    repeated = skreg.LogisticRegression(**params).fit(
        np.repeat(X, w, axis=0), np.repeat(y, w)
    )
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-6)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, atol=1e-6)


def test_class_weight_is_sample_weight(digits):
    X, y = digits
    X, y = X[:400], y[:400]
    cw = {k: 1.0 + k / 3 for k in range(10)}
    params = dict(C=0.1, l1_ratio=1.0, tol=1e-10, max_iter=1000)
    a = skreg.LogisticRegression(class_weight=cw, **params).fit(X, y)
    b = skreg.LogisticRegression(**params).fit(X, y, sample_weight=[cw[v] for v in y])
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
    plain = skreg.LogisticRegression(**params).fit(X, y)
    assert np.max(np.abs(plain.coef_ - a.coef_)) > 1e-3


def test_balanced_class_weight_matches_sklearn(cancer):
    X, y = cancer
    sw = np.random.RandomState(1).rand(len(y)) + 0.5
    ours = skreg.LogisticRegression(C=0.5, class_weight="balanced", tol=1e-10)
    ours.fit(X, y, sample_weight=sw)
    ref = sk.LogisticRegression(C=0.5, class_weight="balanced", tol=1e-10)
    ref.fit(X, y, sample_weight=sw)
    cw = compute_class_weight("balanced", classes=np.unique(y), y=y, sample_weight=sw)
    s = sw * cw[y]
    f_ours = objective(ours, X, y, 0.5, 0.0, sample_weight=s)
    f_ref = objective(ref, X, y, 0.5, 0.0, sample_weight=s)
    assert rel(f_ours, f_ref) < 1e-8
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)


def test_penalty_factor_all_ones_is_none(cancer):
    X, y = cancer
    a = skreg.LogisticRegression(C=0.1, l1_ratio=0.5).fit(X, y)
    b = skreg.LogisticRegression(
        C=0.1, l1_ratio=0.5, penalty_factor=np.ones(X.shape[1])
    ).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_penalty_factor_scaling_is_C(cancer):
    """``pf = c`` everywhere is the model at ``C / c``."""
    X, y = cancer
    c = 4.0
    a = skreg.LogisticRegression(
        C=0.2, l1_ratio=0.7, tol=1e-10, penalty_factor=np.full(X.shape[1], c)
    ).fit(X, y)
    b = skreg.LogisticRegression(C=0.2 / c, l1_ratio=0.7, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-7)
    np.testing.assert_allclose(a.intercept_, b.intercept_, atol=1e-7)


@pytest.mark.parametrize("multiclass", [False, True])
def test_penalty_factor_zero_leaves_feature_unpenalized(cancer, digits, multiclass):
    X, y = digits if multiclass else cancer
    j = 21 if multiclass else 7  # a feature with signal
    pf = np.ones(X.shape[1])
    pf[j] = 0.0
    C = 1e-4  # everything else is forced to zero
    model = skreg.LogisticRegression(
        C=C, l1_ratio=1.0, penalty_factor=pf, tol=1e-10, max_iter=1000
    ).fit(X, y)
    others = np.delete(model.coef_, j, axis=1)
    assert np.all(others == 0)
    assert np.all(model.coef_[:, j] != 0)
    # the free feature is the unpenalized fit on that feature alone
    alone = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000)
    alone.fit(X[:, [j]], y)
    # (multinomial coefficients of an unpenalized feature are unique only up
    # to a constant across classes, intercepts too: compare probabilities)
    np.testing.assert_allclose(
        model.predict_proba(X), alone.predict_proba(X[:, [j]]), atol=1e-5
    )
    # objective with pf as the reference sees it
    assert (
        rel(
            objective(model, X, y, C, 1.0, penalty_factor=pf),
            objective(alone, X[:, [j]], y, C, 1.0, penalty_factor=np.zeros(1)),
        )
        < 1e-8
    )


@pytest.mark.parametrize(
    "pf, match",
    [(np.ones(3), "penalty_factor must have shape"), (-np.ones(30), "non-negative")],
)
def test_penalty_factor_validation(cancer, pf, match):
    X, y = cancer
    with pytest.raises(ValueError, match=match):
        skreg.LogisticRegression(penalty_factor=pf).fit(X, y)


@pytest.mark.parametrize("multiclass", [False, True])
def test_warm_start(cancer, digits, multiclass):
    X, y = digits if multiclass else cancer
    params = dict(C=0.05, l1_ratio=1.0, tol=1e-8, max_iter=1000)
    cold = skreg.LogisticRegression(**params).fit(X, y)
    warm = skreg.LogisticRegression(warm_start=True, **params)
    warm.set_params(max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warm.fit(X, y)
    assert np.max(np.abs(warm.coef_ - cold.coef_)) > 1e-6
    warm.set_params(max_iter=1000).fit(X, y)
    np.testing.assert_allclose(warm.coef_, cold.coef_, atol=1e-5)
    # a converged model restarted from itself needs no step
    warm.fit(X, y)
    assert warm.n_iter_[0] == 0
    restarted = skreg.LogisticRegression(**params).fit(X, y)
    assert restarted.n_iter_[0] > 0


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_solver_value_runs_the_same_solver(digits, solver):
    X, y = digits
    X, y = X[:300], y[:300]
    default = skreg.LogisticRegression(C=0.1, l1_ratio=0.5).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        other = skreg.LogisticRegression(C=0.1, l1_ratio=0.5, solver=solver)
        other.fit(X, y)
    np.testing.assert_array_equal(other.coef_, default.coef_)
    binary = skreg.LogisticRegression(solver=solver, l1_ratio=1.0).fit(X, y == 3)
    assert binary.coef_.shape == (1, X.shape[1])
    assert binary.score(X, y == 3) > 0.9


def _warning_texts(record):
    return sorted(str(w.message) for w in record)


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"penalty": "l1"}, {"l1_ratio": 1.0}),
        ({"penalty": "l1", "l1_ratio": 1.0}, {"l1_ratio": 1.0}),
        ({"penalty": "l2"}, {"l1_ratio": 0.0}),
        ({"penalty": "elasticnet", "l1_ratio": 0.3}, {"l1_ratio": 0.3}),
        ({"penalty": None}, {"C": np.inf}),
        ({"penalty": None, "C": 3.0}, {"C": np.inf}),
        ({"penalty": "l2", "l1_ratio": 0.5}, {"l1_ratio": 0.0}),
        ({"l1_ratio": None}, {"l1_ratio": 0.0}),
    ],
)
def test_deprecated_penalty_as_sklearn(cancer, params, expected):
    X, y = cancer
    X, y = X[:200, :5], y[:200]  # not separable: C=inf has a solution
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = skreg.LogisticRegression(tol=1e-8, **params).fit(X, y)
    with warnings.catch_warnings(record=True) as ref_w:
        warnings.simplefilter("always")
        sk.LogisticRegression(solver="saga", max_iter=2, **params).fit(X, y)
    ref_texts = [t for t in _warning_texts(ref_w) if "max_iter" not in t]
    assert _warning_texts(ours_w) == ref_texts
    assert ref_texts  # every case warns
    same = skreg.LogisticRegression(tol=1e-8, **expected).fit(X, y)
    np.testing.assert_array_equal(ours.coef_, same.coef_)


def test_elasticnet_penalty_needs_l1_ratio(cancer):
    X, y = cancer
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match="l1_ratio"):
        skreg.LogisticRegression(penalty="elasticnet", l1_ratio=None).fit(X, y)


def test_unpenalized_matches_sklearn(cancer):
    X, y = cancer
    X, y = X[:, :5], y  # not separable
    ours = skreg.LogisticRegression(C=np.inf, tol=1e-10).fit(X, y)
    ref = sk.LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X, y)
    # correlated features: the objective is flat, coefficients agree to 1e-3
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-3)
    f_ours = objective(ours, X, y, 1.0, 0.0) - 0.5 * np.sum(ours.coef_**2)
    f_ref = objective(ref, X, y, 1.0, 0.0) - 0.5 * np.sum(ref.coef_**2)
    assert rel(f_ours, f_ref) < 1e-9


def test_no_intercept(digits):
    X, y = digits
    ours = skreg.LogisticRegression(C=0.1, fit_intercept=False, tol=1e-10).fit(X, y)
    ref = sk.LogisticRegression(C=0.1, fit_intercept=False, tol=1e-10).fit(X, y)
    assert np.all(ours.intercept_ == 0)
    assert rel(objective(ours, X, y, 0.1, 0.0), objective(ref, X, y, 0.1, 0.0)) < 1e-8


def test_n_iter_and_convergence_warning(cancer):
    X, y = cancer
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        model = skreg.LogisticRegression(C=10.0, l1_ratio=1.0, max_iter=1).fit(X, y)
    assert model.n_iter_.shape == (1,)
    assert model.n_iter_.dtype == np.int32
    assert model.n_iter_[0] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = skreg.LogisticRegression(C=10.0, l1_ratio=1.0).fit(X, y)
    assert 1 < model.n_iter_[0] <= 100


def test_probabilities(digits):
    X, y = digits
    model = skreg.LogisticRegression(C=0.1, l1_ratio=0.5).fit(X, y)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.log(proba), model.predict_log_proba(X))
    np.testing.assert_array_equal(
        model.classes_[proba.argmax(axis=1)], model.predict(X)
    )
    assert model.score(X, y) > 0.9
    binary = skreg.LogisticRegression().fit(X, y == 0)
    p = binary.predict_proba(X)[:, 1]
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-binary.decision_function(X))))


def test_sparsify(cancer):
    X, y = cancer
    model = skreg.LogisticRegression(C=0.05, l1_ratio=1.0).fit(X, y)
    dense_pred = model.decision_function(X)
    model.sparsify()
    assert sp.issparse(model.coef_)
    np.testing.assert_allclose(model.decision_function(X), dense_pred)
    model.densify()
    assert isinstance(model.coef_, np.ndarray)


def test_single_class_error(cancer):
    X, y = cancer
    with pytest.raises(ValueError, match="at least 2 classes"):
        skreg.LogisticRegression().fit(X, np.zeros(len(y)))


def test_path_warm_starts_and_matches_single_fits(cancer):
    X, y = cancer
    Cs = np.logspace(-2, 0, 5)
    coefs, intercepts, n_iters = logistic_path(
        X,
        y,
        Cs=Cs,
        l1_ratio=1.0,
        fit_intercept=True,
        sample_weight=None,
        penalty_factor=None,
        tol=1e-10,
        max_iter=100,
        multinomial=False,
    )
    assert coefs.shape == (5, 1, X.shape[1])
    assert intercepts.shape == (5, 1)
    assert n_iters.shape == (5,)
    nnz = [np.count_nonzero(c) for c in coefs]
    assert nnz == sorted(nnz) and nnz[0] < nnz[-1]
    for m, C in enumerate(Cs):
        single = skreg.LogisticRegression(C=C, l1_ratio=1.0, tol=1e-10).fit(X, y)
        np.testing.assert_allclose(coefs[m], single.coef_, atol=1e-6)
        np.testing.assert_allclose(intercepts[m], single.intercept_, atol=1e-6)


def test_path_multinomial_with_coef_init(digits):
    X, y = digits
    kwargs = dict(
        l1_ratio=0.5,
        fit_intercept=True,
        sample_weight=None,
        penalty_factor=None,
        tol=1e-8,
        max_iter=500,
        multinomial=True,
    )
    coefs, intercepts, _ = logistic_path(X, y, Cs=[0.05], **kwargs)
    init = np.hstack([coefs[0], intercepts[0][:, None]])
    again, _, n_iters = logistic_path(X, y, Cs=[0.05], coef_init=init, **kwargs)
    assert coefs.shape == (1, 10, X.shape[1])
    assert n_iters[0] == 0
    np.testing.assert_array_equal(again, coefs)
