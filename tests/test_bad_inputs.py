"""Bad-input matrix: every public estimator and function against every bad input.

Each row of the table names one input and the outcome expected from skreg, and
from the scikit-learn equivalent run on the same input in the same test:

- ``Raises(Type, pattern)``: skreg raises ``Type`` with a message matching
  ``pattern`` (which names the offending input), and scikit-learn raises the
  same type, unless the row records a different scikit-learn outcome.
- ``FITS``: both fit; the linear models and paths agree with scikit-learn to
  1e-6, the MLPs return finite predictions of the right shape.

Whatever the outcome, the caller's arrays are compared with snapshots taken
before the call: skreg never modifies them, also when it raises.

The MLP targets run in their own parametrization (``test_bad_input_mlp``) so
that their failures are reported apart from the linear models'.
"""

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
import sklearn.linear_model as sklm
import sklearn.neural_network as sknn
from sklearn.utils._param_validation import InvalidParameterError

import skreg

# ---------------------------------------------------------------------------
# Targets: skreg's public estimators and functions beside their sklearn twins.


@dataclass(frozen=True)
class Target:
    name: str
    kind: str  # "regressor", "classifier" or "path"
    make: object  # module -> estimator, or module -> path function
    invalid_params: dict = field(default_factory=dict)


LINEAR_TARGETS = [
    Target(
        "Lasso",
        "regressor",
        lambda m, **kw: m.Lasso(**{"alpha": 0.1, "tol": 1e-10, **kw}),
        {"alpha": -1.0},
    ),
    Target(
        "ElasticNet",
        "regressor",
        lambda m, **kw: m.ElasticNet(**{"alpha": 0.1, "tol": 1e-10, **kw}),
        {"l1_ratio": 2.0},
    ),
    Target(
        "LassoCV",
        "regressor",
        lambda m, **kw: m.LassoCV(cv=3, alphas=5, tol=1e-10, **kw),
        {"eps": -1.0},
    ),
    Target(
        "ElasticNetCV",
        "regressor",
        lambda m, **kw: m.ElasticNetCV(cv=3, alphas=5, tol=1e-10, **kw),
        {"max_iter": 0},
    ),
    Target(
        "LogisticRegression",
        "classifier",
        lambda m, **kw: m.LogisticRegression(**{"tol": 1e-10, "max_iter": 1000, **kw}),
        {"C": -1.0},
    ),
    Target(
        "LogisticRegressionCV",
        "classifier",
        lambda m, **kw: m.LogisticRegressionCV(
            **{
                # Not Cs=3's C=1e4: on 20 samples sklearn's lbfgs stops short of
                # the optimum there and one prediction differs.
                "Cs": (0.01, 0.1, 1.0),
                "cv": 3,
                "l1_ratios": (0.0,),
                "scoring": "neg_log_loss",
                "use_legacy_attributes": False,
                "tol": 1e-10,
                "max_iter": 1000,
                **kw,
            }
        ),
        {"Cs": 0},
    ),
    Target("lasso_path", "path", lambda m: m.lasso_path, {"eps": -1.0}),
    Target("enet_path", "path", lambda m: m.enet_path, {"l1_ratio": 2.0}),
]

MLP_TARGETS = [
    Target(
        "MLPRegressor",
        "regressor",
        lambda m, **kw: m.MLPRegressor(
            **{"hidden_layer_sizes": (3,), "max_iter": 5, "random_state": 0, **kw}
        ),
        {"hidden_layer_sizes": (0,)},
    ),
    Target(
        "MLPClassifier",
        "classifier",
        lambda m, **kw: m.MLPClassifier(
            **{"hidden_layer_sizes": (3,), "max_iter": 5, "random_state": 0, **kw}
        ),
        {"learning_rate_init": -1.0},
    ),
]

# ---------------------------------------------------------------------------
# Outcomes.


@dataclass(frozen=True)
class Raises:
    type: type
    match: str


FITS = "fits"


@dataclass(frozen=True)
class Expect:
    skreg: object
    sklearn: object = None  # None: the same as skreg (same exception type)

    @property
    def sklearn_outcome(self):
        return self.skreg if self.sklearn is None else self.sklearn


# ---------------------------------------------------------------------------
# Inputs. A case builds the call's arguments from clean data for one target.

N, P = 20, 4


def _clean(target):
    rng = np.random.RandomState(0)
    X = rng.randn(N, P)
    if target.kind == "classifier":
        y = np.arange(N) % 3
    else:
        y = X @ rng.randn(P) + 0.1 * rng.randn(N)
    return X, y


@dataclass
class Call:
    X: object
    y: object
    sample_weight: object = None
    params: dict = field(default_factory=dict)
    action: str = "fit"  # "fit", "predict", "partial_fit", "partial_fit_no_classes"
    X_second: object = None  # predict / second partial_fit input
    y_second: object = None


def _with(X, index, value):
    X = X.astype(np.result_type(X, type(value)))
    X[index] = value
    return X


def _read_only(call):
    for name in ("X", "y"):
        arr = getattr(call, name).copy()
        arr.flags.writeable = False
        setattr(call, name, arr)
    return call


def _memmap(tmp_path):
    def build(X, y):
        path = tmp_path / "X.npy"
        np.save(path, X)
        return Call(np.load(path, mmap_mode="r"), y)

    return build


def _weights(value, n=N):
    sw = np.ones(n)
    sw[4] = value
    return sw


CASES = {
    # name: (build(X, y, target, tmp_path) -> Call, {target name or "*": Expect})
    "nan_X": (
        lambda X, y, t, d: Call(_with(X, (3, 1), np.nan), y),
        {"*": Expect(Raises(ValueError, r"Input X contains NaN"))},
    ),
    "inf_X": (
        lambda X, y, t, d: Call(_with(X, (3, 1), np.inf), y),
        {"*": Expect(Raises(ValueError, r"Input X contains infinity"))},
    ),
    "nan_y": (
        lambda X, y, t, d: Call(X, _with(y, 2, np.nan)),
        {"*": Expect(Raises(ValueError, r"Input y contains NaN"))},
    ),
    "inf_y": (
        lambda X, y, t, d: Call(X, _with(y, 2, np.inf)),
        {"*": Expect(Raises(ValueError, r"Input y contains infinity"))},
    ),
    "empty_X": (
        lambda X, y, t, d: Call(X[:0], y[:0]),
        {"*": Expect(Raises(ValueError, r"0 sample\(s\) \(shape=\(0, 4\)\)"))},
    ),
    "no_features": (
        lambda X, y, t, d: Call(X[:, :0], y),
        {"*": Expect(Raises(ValueError, r"0 feature\(s\) \(shape=\(20, 0\)\)"))},
    ),
    "one_sample": (
        lambda X, y, t, d: Call(X[:1], y[:1]),
        {
            "*": Expect(FITS),
            # 3-fold cross-validation needs 3 samples; sklearn says so too.
            "LassoCV": Expect(Raises(ValueError, r"n_splits=3 .* n_samples=1")),
            "ElasticNetCV": Expect(Raises(ValueError, r"n_splits=3 .* n_samples=1")),
            # One sample is one class.
            "LogisticRegression": Expect(Raises(ValueError, r"at least 2 classes")),
            "LogisticRegressionCV": Expect(Raises(ValueError, r"at least 2 classes")),
        },
    ),
    "one_feature": (
        lambda X, y, t, d: Call(X[:, :1], y),
        {"*": Expect(FITS)},
    ),
    "constant_feature": (
        lambda X, y, t, d: Call(_with(X, (slice(None), 2), 3.0), y),
        {"*": Expect(FITS)},
    ),
    "X_1d": (
        lambda X, y, t, d: Call(X[:, 0], y),
        {"*": Expect(Raises(ValueError, r"Expected 2D array, got 1D array"))},
    ),
    "strings": (
        lambda X, y, t, d: Call(np.full(X.shape, "a"), y),
        {"*": Expect(Raises(ValueError, r"could not convert string to float"))},
    ),
    "complex": (
        lambda X, y, t, d: Call(X + 1j, y),
        {"*": Expect(Raises(ValueError, r"Complex data not supported"))},
    ),
    "object_of_numbers": (
        lambda X, y, t, d: Call(X.astype(object), y),
        {"*": Expect(FITS)},
    ),
    "object_with_string": (
        lambda X, y, t, d: Call(_with(X.astype(object), (0, 0), "x"), y),
        {"*": Expect(Raises(ValueError, r"could not convert string to float: 'x'"))},
    ),
    "y_wrong_length": (
        lambda X, y, t, d: Call(X, y[:-1]),
        {
            "*": Expect(
                Raises(ValueError, r"inconsistent numbers of samples: \[20, 19\]")
            )
        },
    ),
    "predict_wrong_n_features": (
        lambda X, y, t, d: Call(X, y, action="predict", X_second=X[:, :3]),
        {"*": Expect(Raises(ValueError, r"X has 3 features, but \w+ is expecting 4"))},
    ),
    "negative_sample_weight": (
        lambda X, y, t, d: Call(X, y, sample_weight=_weights(-1.0)),
        {
            # skreg is stricter than sklearn here on purpose: sklearn's Lasso
            # silently fits a non-convex problem, its LassoCV fails on
            # sqrt(weight) with "Input contains NaN" naming nothing.
            "*": Expect(
                Raises(
                    ValueError, r"Negative values in data passed to `sample_weight`"
                ),
                sklearn=FITS,
            ),
            "LassoCV": Expect(
                Raises(ValueError, r"Negative values .* `sample_weight`"),
                sklearn=Raises(ValueError, r"Input contains NaN"),
            ),
            "ElasticNetCV": Expect(
                Raises(ValueError, r"Negative values .* `sample_weight`"),
                sklearn=Raises(ValueError, r"Input contains NaN"),
            ),
            # sklearn's MLPs accept negative weights; skreg refuses them in
            # every estimator (issue 14, D3).
            "MLPRegressor": Expect(
                Raises(ValueError, r"Negative values .* `sample_weight`"),
                sklearn=FITS,
            ),
            "MLPClassifier": Expect(
                Raises(ValueError, r"Negative values .* `sample_weight`"),
                sklearn=FITS,
            ),
        },
    ),
    "nan_sample_weight": (
        lambda X, y, t, d: Call(X, y, sample_weight=_weights(np.nan)),
        {"*": Expect(Raises(ValueError, r"Input sample_weight contains NaN"))},
    ),
    "sample_weight_wrong_length": (
        lambda X, y, t, d: Call(X, y, sample_weight=np.ones(N - 1)),
        {"*": Expect(Raises(ValueError, r"sample_weight.shape == \(19,\)"))},
    ),
    "all_zero_sample_weight": (
        lambda X, y, t, d: Call(X, y, sample_weight=np.zeros(N)),
        {"*": Expect(Raises(ValueError, r"[Ss]ample weights must contain"))},
    ),
    "invalid_parameter": (
        lambda X, y, t, d: Call(X, y, params=dict(t.invalid_params)),
        {
            "*": Expect(Raises(InvalidParameterError, r"parameter of \w+ must be")),
            # sklearn checks hidden_layer_sizes in fit, not in its constraints.
            "MLPRegressor": Expect(
                Raises(ValueError, r"hidden_layer_sizes must be > 0, got \[0\]")
            ),
        },
    ),
    "read_only": (
        lambda X, y, t, d: _read_only(Call(X, y)),
        {"*": Expect(FITS)},
    ),
    "memmap": (
        lambda X, y, t, d: _memmap(d)(X, y),
        {"*": Expect(FITS)},
    ),
    # partial_fit of the MLPs.
    "partial_fit_unseen_label": (
        lambda X, y, t, d: Call(X, y, action="partial_fit", X_second=X, y_second=y + 1),
        {"MLPClassifier": Expect(Raises(ValueError, r"`y` has classes not in"))},
    ),
    "partial_fit_without_classes": (
        lambda X, y, t, d: Call(X, y, action="partial_fit_no_classes"),
        {
            "MLPClassifier": Expect(
                Raises(ValueError, r"classes must be passed on the first call")
            )
        },
    ),
    "partial_fit_wrong_n_features": (
        lambda X, y, t, d: Call(
            X, y, action="partial_fit", X_second=X[:, :3], y_second=y
        ),
        {
            "MLPRegressor": Expect(
                Raises(ValueError, r"X has 3 features, but MLPRegressor is expecting 4")
            ),
            "MLPClassifier": Expect(
                Raises(ValueError, r"X has 3 features, but MLPClassifier is expecting")
            ),
        },
    ),
    "continuous_y_for_classifier": (
        lambda X, y, t, d: Call(X, y + 0.5),
        {
            "MLPClassifier": Expect(Raises(ValueError, r"Unknown label type")),
            "LogisticRegression": Expect(Raises(ValueError, r"Unknown label type")),
            "LogisticRegressionCV": Expect(Raises(ValueError, r"Unknown label type")),
        },
    ),
}

# Cases that do not apply to the path functions (no weights, no predict).
_ESTIMATOR_ONLY = {
    "predict_wrong_n_features",
    "negative_sample_weight",
    "nan_sample_weight",
    "sample_weight_wrong_length",
    "all_zero_sample_weight",
}


def _expectation(case, target):
    table = CASES[case][1]
    if target.name in table:
        return table[target.name]
    if "*" in table and not (target.kind == "path" and case in _ESTIMATOR_ONLY):
        return table["*"]
    return None


def _matrix(targets):
    return [
        pytest.param(case, target, id=f"{target.name}-{case}")
        for target in targets
        for case in CASES
        if _expectation(case, target) is not None
    ]


# ---------------------------------------------------------------------------
# Running one call against a module (skreg or sklearn).


def _run(module, target, call):
    """Run ``call``; return the predictions (or path coefficients)."""
    if target.kind == "path":
        params = {"alphas": 5, "tol": 1e-10, **call.params}
        _, coefs, _ = target.make(module)(call.X, call.y, **params)
        return coefs
    estimator = target.make(module, **call.params)
    kwargs = {} if call.sample_weight is None else {"sample_weight": call.sample_weight}
    if call.action == "partial_fit":
        if target.kind == "classifier":
            kwargs["classes"] = np.unique(call.y)
        estimator.partial_fit(call.X, call.y, **kwargs)
        kwargs.pop("classes", None)
        estimator.partial_fit(call.X_second, call.y_second, **kwargs)
        return estimator.predict(call.X_second)
    if call.action == "partial_fit_no_classes":
        estimator.partial_fit(call.X, call.y, **kwargs)
        return estimator.predict(call.X)
    estimator.fit(call.X, call.y, **kwargs)
    return estimator.predict(call.X if call.X_second is None else call.X_second)


def _outcome(module, target, call):
    with warnings.catch_warnings():
        # Short MLP fits and tiny problems warn (convergence, one sample);
        # those warnings are scikit-learn's and not what is tested here.
        warnings.simplefilter("ignore")
        try:
            return _run(module, target, call), None
        except Exception as error:  # noqa: BLE001 - compared below
            return None, error


def _snapshot(call):
    return {
        name: np.array(value, copy=True)
        for name, value in vars(call).items()
        if isinstance(value, np.ndarray)
    }


def _assert_unchanged(call, before):
    for name, value in before.items():
        now = getattr(call, name)
        assert now.dtype == value.dtype, name
        np.testing.assert_array_equal(np.asarray(now), value, err_msg=name)


def _check(case, target, tmp_path):
    expect = _expectation(case, target)
    X, y = _clean(target)
    build = CASES[case][0]
    call = build(X, y, target, tmp_path)
    before = _snapshot(call)
    got, error = _outcome(skreg, target, call)
    _assert_unchanged(call, before)
    sk_call = build(*_clean(target), target, tmp_path)
    want, sk_error = _outcome(
        sklm if target.name not in {"MLPRegressor", "MLPClassifier"} else sknn,
        target,
        sk_call,
    )

    # scikit-learn does what the table says it does on this input.
    if expect.sklearn_outcome == FITS:
        assert sk_error is None, f"sklearn raised {sk_error!r}"
    else:
        assert isinstance(sk_error, expect.sklearn_outcome.type), repr(sk_error)

    if expect.skreg == FITS:
        assert error is None, f"skreg raised {error!r}"
        assert got.shape == want.shape
        assert np.all(np.isfinite(got))
        if target.name.startswith("MLP"):
            return
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    else:
        assert error is not None, f"skreg accepted {case} ({target.name})"
        assert isinstance(error, expect.skreg.type), repr(error)
        if expect.sklearn is None:
            # The same exception type as sklearn, not merely a subclass of it.
            assert type(error) is type(sk_error), (repr(error), repr(sk_error))
        assert re.search(expect.skreg.match, str(error)), (
            f"{error!r} does not match {expect.skreg.match!r}"
        )


@pytest.mark.parametrize("case, target", _matrix(LINEAR_TARGETS))
def test_bad_input_linear(case, target, tmp_path):
    _check(case, target, tmp_path)


@pytest.mark.parametrize("case, target", _matrix(MLP_TARGETS))
def test_bad_input_mlp(case, target, tmp_path):
    _check(case, target, tmp_path)


def test_matrix_covers_every_public_estimator_and_function():
    covered = {target.name for target in LINEAR_TARGETS + MLP_TARGETS}
    public = {name for name in skreg.__all__ if not name.startswith("_")}
    assert covered == public
    # Every input row applies to at least one target, and the matrix is full.
    for case in CASES:
        assert any(
            _expectation(case, t) is not None for t in LINEAR_TARGETS + MLP_TARGETS
        ), case
    assert len(_matrix(LINEAR_TARGETS)) + len(_matrix(MLP_TARGETS)) >= 150
