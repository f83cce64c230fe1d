"""skreg._fast_validation gives scikit-learn's validation results and errors.

Each helper is compared with scikit-learn's own function on the same inputs:
clean arrays (the fast path) and every kind of input the fast path must hand
to scikit-learn (other dtypes and orders, lists, non-finite values, empty
arrays, wrong shapes).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.utils import check_array as sklearn_check_array
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import validate_data as sklearn_validate_data

import skreg
import skreg._fast_validation as fast
from skreg import Lasso

RNG = np.random.default_rng(0)
N, P = 6, 3


def _x(**kw):
    return np.asfortranarray(RNG.standard_normal((N, P)), **kw)


def _with(value, where=(1, 1), a=None):
    a = _x() if a is None else a.copy()
    a[where] = value
    return a


def _large_indices(X):
    X.indices = X.indices.astype(np.int64)
    X.indptr = X.indptr.astype(np.int64)
    return X


X_CASES = {
    "F float64": _x(),
    "C float64": np.ascontiguousarray(_x()),
    "F float32": _x(dtype=np.float32),
    "int64": np.asfortranarray(RNG.integers(0, 5, (N, P))),
    "float16": _x(dtype=np.float16),
    "list": _x().tolist(),
    "nan": _with(np.nan),
    "inf": _with(np.inf),
    "sum overflows, finite": np.full((N, P), 1e308, order="F"),
    "no samples": np.zeros((0, P), order="F"),
    "no features": np.zeros((N, 0), order="F"),
    "1-D": RNG.standard_normal(N),
    "3-D": RNG.standard_normal((N, P, 2)),
    "matrix": np.asmatrix(_x()),
    "complex": _x().astype(np.complex128),
    "strided": np.asfortranarray(RNG.standard_normal((N, 2 * P)))[:, ::2],
    "csc": sp.csc_matrix(_x()),
    "csr": sp.csr_matrix(_x()),
    "coo": sp.coo_matrix(_x()),
    "csc array": sp.csc_array(_x()),
    "csc float32": sp.csc_matrix(_x(dtype=np.float32)),
    "csc int": sp.csc_matrix(np.asfortranarray(RNG.integers(0, 5, (N, P)))),
    "csc nan": sp.csc_matrix(_with(np.nan)),
    "csc 64-bit indices": _large_indices(sp.csc_matrix(_x())),
    "csc no samples": sp.csc_matrix((0, P)),
}
Y_CASES = {
    "float64": RNG.standard_normal(N),
    "float32": RNG.standard_normal(N).astype(np.float32),
    "int": RNG.integers(0, 3, N),
    "column": RNG.standard_normal((N, 1)),
    "two targets": RNG.standard_normal((N, 2)),
    "no targets": np.zeros((N, 0)),
    "nan": _with(np.nan, 2, RNG.standard_normal(N)),
    "too short": RNG.standard_normal(N - 1),
    "list": RNG.standard_normal(N).tolist(),
    "strings": np.array(list("abcabc")),
    "None": None,
}
# The keywords of skreg's calls: Lasso/ElasticNet.fit, LogisticRegression.fit,
# the MLPs' fit, and predict.
CALLS = {
    "lasso": dict(
        accept_sparse="csc",
        order="F",
        dtype=[np.float64, np.float32],
        accept_large_sparse=False,
        copy=False,
        multi_output=True,
        y_numeric=True,
    ),
    "logistic": dict(
        accept_sparse=["csr", "csc"],
        dtype=[np.float64, np.float32],
        accept_large_sparse=False,
    ),
    "mlp": dict(
        accept_sparse=["csr", "csc"],
        multi_output=True,
        dtype=(np.float64, np.float32),
        reset=True,
    ),
    "copy": dict(copy=True, dtype=[np.float64, np.float32]),
}


def _outcome(function):
    """``("ok", result, warnings)`` or ``("raise", type, message, warnings)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = function()
        except Exception as error:  # noqa: BLE001 - any error is compared
            return ("raise", type(error), str(error), _messages(caught))
    return ("ok", result, _messages(caught))


def _messages(caught):
    return [f"{w.category.__name__}: {w.message}" for w in caught]


def _assert_same_array(ours, theirs):
    assert type(ours) is type(theirs)
    if sp.issparse(ours):
        assert ours.format == theirs.format and ours.dtype == theirs.dtype
        if ours.format in ("csr", "csc"):
            assert ours.indices.dtype == theirs.indices.dtype
        np.testing.assert_array_equal(ours.toarray(), theirs.toarray())
        return
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == theirs.dtype
    assert ours.flags.f_contiguous == theirs.flags.f_contiguous
    assert ours.flags.c_contiguous == theirs.flags.c_contiguous


def _assert_same_outcome(ours, theirs):
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "raise":
        assert ours[1:] == theirs[1:]
        return
    assert ours[2] == theirs[2]
    results = (ours[1], theirs[1])
    if not isinstance(results[0], tuple):
        results = ((results[0],), (results[1],))
    for a, b in zip(*results, strict=True):
        _assert_same_array(a, b)


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("y_case", Y_CASES)
@pytest.mark.parametrize("x_case", X_CASES)
def test_validate_data_as_sklearn(x_case, y_case, call):
    X, y, params = X_CASES[x_case], Y_CASES[y_case], CALLS[call]
    ours_estimator, their_estimator = Lasso(), Lasso()
    ours = _outcome(lambda: fast.validate_data(ours_estimator, X, y, **params))
    theirs = _outcome(lambda: sklearn_validate_data(their_estimator, X, y, **params))
    _assert_same_outcome(ours, theirs)
    assert vars(ours_estimator) == vars(their_estimator)


@pytest.mark.parametrize("x_case", X_CASES)
def test_validate_data_predict_as_sklearn(x_case):
    """``reset=False`` checks the feature count against the fitted one."""
    X = X_CASES[x_case]
    fitted = Lasso().fit(_x(), RNG.standard_normal(N))
    params = dict(accept_sparse=["csr", "csc", "coo"], reset=False)
    for n_features in (P, P + 1):
        fitted.n_features_in_ = n_features
        ours = _outcome(lambda: fast.validate_data(fitted, X, **params))
        theirs = _outcome(lambda: sklearn_validate_data(fitted, X, **params))
        _assert_same_outcome(ours, theirs)


@pytest.mark.parametrize("reset", [True, False])
@pytest.mark.parametrize("x_case", ["F float64", "csc", "C float64"])
def test_validate_data_after_a_fit_with_feature_names(x_case, reset):
    """An array after a dataframe: scikit-learn's warning, or the names
    dropped on reset, as scikit-learn does."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(_x(), columns=["a", "b", "c"])
    ours_estimator = Lasso().fit(frame, RNG.standard_normal(N))
    their_estimator = Lasso().fit(frame, RNG.standard_normal(N))
    X = X_CASES[x_case]
    params = dict(accept_sparse="csc", reset=reset)
    ours = _outcome(lambda: fast.validate_data(ours_estimator, X, **params))
    theirs = _outcome(lambda: sklearn_validate_data(their_estimator, X, **params))
    _assert_same_outcome(ours, theirs)
    assert hasattr(ours_estimator, "feature_names_in_") == (not reset)
    assert hasattr(their_estimator, "feature_names_in_") == (not reset)


def test_validate_data_returns_clean_arrays_themselves():
    """The fast path returns the caller's arrays, unchanged and not copied."""
    for X in (_x(), sp.csc_matrix(_x())):
        y = RNG.standard_normal(N)
        X_before, y_before = X.copy(), y.copy()
        X_out, y_out = fast.validate_data(Lasso(), X, y, **CALLS["lasso"])
        assert X_out is X and y_out is y
        assert (X != X_before).sum() == 0
        np.testing.assert_array_equal(y, y_before)


def test_validate_data_takes_the_fast_path(monkeypatch):
    """A clean array does not reach scikit-learn's check_array; others do."""
    calls = []

    def counting(*args, **kwargs):
        calls.append(kwargs.get("skip_check_array", False))
        return sklearn_validate_data(*args, **kwargs)

    monkeypatch.setattr(fast._sklearn, "validate_data", counting)
    for case in ("F float64", "csc", "C float64", "csr"):
        fast.validate_data(Lasso(), X_CASES[case], Y_CASES["float64"],
                           **CALLS["lasso"])  # fmt: skip
    # Lasso asks for F order and CSC: C order and CSR are converted; the
    # clean arrays do not reach scikit-learn's validate_data at all.
    assert calls == [False, False]
    named = Lasso()
    named.feature_names_in_ = np.array(["a", "b", "c"], dtype=object)
    fast.validate_data(named, X_CASES["F float64"], reset=False)
    assert calls == [False, False, True]  # names to compare: scikit-learn's


@pytest.mark.parametrize(
    "params", [{}, dict(dtype=[np.float64, np.float32], order="F"),
               dict(ensure_2d=False, dtype=np.float64), dict(copy=True)]
)  # fmt: skip
@pytest.mark.parametrize("case", {**X_CASES, **Y_CASES})
def test_check_array_as_sklearn(case, params):
    array = {**X_CASES, **Y_CASES}[case]
    ours = _outcome(lambda: fast.check_array(array, **params))
    theirs = _outcome(lambda: sklearn_check_array(array, **params))
    _assert_same_outcome(ours, theirs)
    if ours[0] == "ok" and not params.get("copy"):
        assert (ours[1] is array) == (theirs[1] is array)


def test_params_at_default_are_not_checked_again(monkeypatch):
    checked = []

    def recording(constraints, params, caller_name):
        checked.append(sorted(params))

    monkeypatch.setattr(fast, "validate_parameter_constraints", recording)
    Lasso()._validate_params()
    Lasso(alpha=0.5, max_iter=10)._validate_params()
    assert checked == [[], ["alpha", "max_iter"]]


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(alpha=-1.0), "The 'alpha' parameter of Lasso must be"),
        (dict(max_iter="many"), "The 'max_iter' parameter of Lasso must be"),
        (dict(selection="best"), "The 'selection' parameter of Lasso must be"),
    ],
)
def test_params_set_are_checked_as_sklearn(params, match):
    X, y = _x(), RNG.standard_normal(N)
    with pytest.raises(InvalidParameterError, match=match) as ours:
        Lasso(**params).fit(X, y)
    from sklearn.linear_model import Lasso as SklearnLasso

    with pytest.raises(InvalidParameterError) as theirs:
        SklearnLasso(**params).fit(X, y)
    assert str(ours.value) == str(theirs.value)


def test_path_functions_validate_as_sklearn():
    from sklearn.linear_model import lasso_path as sklearn_lasso_path

    X, y = _x(), RNG.standard_normal(N)
    for bad in (dict(eps=-1.0), dict(copy_X="yes"), dict(positive=2)):
        with pytest.raises(InvalidParameterError) as ours:
            skreg.lasso_path(X, y, **bad)
        with pytest.raises(InvalidParameterError) as theirs:
            sklearn_lasso_path(X, y, **bad)
        assert str(ours.value) == str(theirs.value)
    assert "eps" in skreg.lasso_path._skl_parameter_constraints
    assert "l1_ratio" in skreg.enet_path._skl_parameter_constraints


def test_validate_params_skips_nested_validation(monkeypatch):
    """As scikit-learn's: the decorated function's callees skip validation."""
    from sklearn import get_config

    seen = []

    @fast.validate_params({"a": [int]}, prefer_skip_nested_validation=True)
    def outer(a, b=1):
        seen.append(get_config()["skip_parameter_validation"])
        return a + b

    assert outer(1, b=2) == 3
    assert seen == [True]
    with pytest.raises(InvalidParameterError, match="'a' parameter of"):
        outer("1")
