"""Drop-in fidelity of the MLPs (issue 14): one table, case -> skreg vs sklearn.

Every case runs the same code against skreg's and scikit-learn's estimator and
states what each must do: fit (and pass a check of the fitted model), raise
(an exception type and message), or "n/a" (a skreg-only option).  Rows where
the two columns differ are deliberate differences, each with its reason.
"""

import warnings

import numpy as np
import pytest
import sklearn.neural_network as sk_nn
from sklearn.datasets import load_digits, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning

import skreg

SK_NON_FINITE = (
    "Solver produced non-finite parameter weights. The input data may contain "
    "large values and need to be preprocessed."
)
NEGATIVE_WEIGHT = "Negative values in data passed to `sample_weight`"


class Fits:
    """The call returns; ``check(estimator, warnings)`` holds."""

    def __init__(self, check, what):
        self.check = check
        self.what = what

    def __repr__(self):
        return f"fits, {self.what}"


class Raises:
    def __init__(self, exc, match):
        self.exc = exc
        self.match = match

    def __repr__(self):
        return f"raises {self.exc.__name__}({self.match!r})"


NOT_APPLICABLE = None


def _digits():
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


def _diverging_regression():
    X, y = make_regression(300, 10, noise=1, random_state=0)
    return X, y


def _negative_weight(lib, incremental):
    X, y = _digits()
    sw = np.ones(len(y))
    sw[3] = -0.5
    est = lib.MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    if incremental:
        return est.partial_fit(X, y, sample_weight=sw, classes=np.arange(10))
    return est.fit(X, y, sample_weight=sw)


def _shape_change(lib, incremental):
    X, y = _digits()
    if incremental:
        est = lib.MLPClassifier(hidden_layer_sizes=(32,), solver="sgd")
        est.partial_fit(X, y, classes=np.arange(10))
        est.set_params(hidden_layer_sizes=(10,))
        return est.partial_fit(X, y)
    est = lib.MLPClassifier(hidden_layer_sizes=(32,), max_iter=5, warm_start=True)
    est.fit(X, y)
    est.set_params(hidden_layer_sizes=(10,))
    return est.fit(X, y)


def _batch_norm_batch_of_one(lib):
    X, y = _digits()
    return lib.MLPClassifier(
        hidden_layer_sizes=(8,), batch_norm=True, batch_size=1, max_iter=2
    ).fit(X[:40], y[:40])


def _diverged(lib, incremental):
    # issue 14's D9: diverges in epoch 3 of fit, in the first partial_fit call
    X, y = _diverging_regression()
    est = lib.MLPRegressor(
        solver="sgd",
        learning_rate_init=1e3,
        momentum=0.0,
        max_iter=20,
        random_state=0,
    )
    if incremental:
        for _ in range(3):
            est.partial_fit(X, y)
        return est
    return est.fit(X, y)


def _huge_inputs(lib):
    # sklearn's test_nonfinite_params
    rng = np.random.RandomState(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    y = rng.standard_normal(size=10)
    return lib.MLPRegressor().fit(X, y)


def _diverging_loss_with_early_stopping(lib):
    # sklearn's test_mlp_diverging_loss
    X, y = load_iris(return_X_y=True)
    return lib.MLPRegressor(
        hidden_layer_sizes=100,
        activation="identity",
        solver="sgd",
        learning_rate_init=1,
        max_iter=20,
        early_stopping=True,
        n_iter_no_change=10,
        random_state=0,
    ).fit(X, y)


def _predictions_finite(est, caught):
    X, _ = _diverging_regression()
    assert np.isfinite(est.predict(X)).all()
    assert any(
        issubclass(w.category, ConvergenceWarning) and "were restored" in str(w.message)
        for w in caught
    )


def _nan_validation_score(est, caught):
    assert isinstance(est.validation_scores_[-1], float)
    assert str(est.validation_scores_[-1]) == "nan"
    X, _ = load_iris(return_X_y=True)
    assert np.isfinite(est.predict(X)).all()


def _fitted(est, caught):
    assert hasattr(est, "coefs_")


def _kept_old_shape(est, caught):
    # scikit-learn ignores the new hidden_layer_sizes and keeps the old network
    assert est.coefs_[0].shape == (64, 32)


# case: (run, skreg's behaviour, sklearn's behaviour, reason when they differ)
CASES = {
    "D3 negative sample_weight, fit": (
        lambda lib: _negative_weight(lib, False),
        Raises(ValueError, NEGATIVE_WEIGHT),
        Fits(_fitted, "trains on the negative weight"),
        "deliberate: skreg refuses negative weights in every estimator (README)",
    ),
    "D3 negative sample_weight, partial_fit": (
        lambda lib: _negative_weight(lib, True),
        Raises(ValueError, NEGATIVE_WEIGHT),
        Fits(_fitted, "trains on the negative weight"),
        "deliberate: skreg refuses negative weights in every estimator (README)",
    ),
    "D7 warm_start after hidden_layer_sizes changed": (
        lambda lib: _shape_change(lib, False),
        Raises(ValueError, r"hidden_layer_sizes=\(10,\) differs.*warm_start=False"),
        Fits(_kept_old_shape, "silently keeps the old shape"),
        "deliberate: the new shape is not ignored silently (docstring)",
    ),
    "D7 partial_fit after hidden_layer_sizes changed": (
        lambda lib: _shape_change(lib, True),
        Raises(ValueError, r"hidden_layer_sizes=\(10,\) differs.*call fit"),
        Fits(_kept_old_shape, "silently keeps the old shape"),
        "deliberate: the new shape is not ignored silently (docstring)",
    ),
    "D8 batch_norm with batch_size=1": (
        _batch_norm_batch_of_one,
        Raises(ValueError, r"batch_norm=True.*batch_size of 1"),
        NOT_APPLICABLE,
        "skreg-only option",
    ),
    "D9 fit diverges after two epochs": (
        lambda lib: _diverged(lib, False),
        Fits(_predictions_finite, "lowest-loss epoch restored, warns"),
        Raises(ValueError, SK_NON_FINITE),
        "deliberate: the lowest-loss epoch's weights give finite predictions "
        "(docs/mlp_regularization.rst, Divergence)",
    ),
    "D9 partial_fit diverges": (
        lambda lib: _diverged(lib, True),
        Raises(ValueError, SK_NON_FINITE),
        Raises(ValueError, SK_NON_FINITE),
        None,
    ),
    "non-finite parameters from huge inputs": (
        _huge_inputs,
        Raises(ValueError, SK_NON_FINITE),
        Raises(ValueError, SK_NON_FINITE),
        None,
    ),
    "diverging loss with early stopping": (
        _diverging_loss_with_early_stopping,
        Fits(_nan_validation_score, "NaN validation score recorded"),
        Fits(_nan_validation_score, "NaN validation score recorded"),
        None,
    ),
}


@pytest.mark.parametrize("lib_name", ["skreg", "sklearn"])
@pytest.mark.parametrize("case", list(CASES))
def test_mlp_fidelity(case, lib_name):
    run, ours, theirs, _ = CASES[case]
    expected = ours if lib_name == "skreg" else theirs
    if expected is NOT_APPLICABLE:
        pytest.skip("option not in scikit-learn")
    lib = skreg if lib_name == "skreg" else sk_nn
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if isinstance(expected, Raises):
            with pytest.raises(expected.exc, match=expected.match):
                run(lib)
            return
        est = run(lib)
    expected.check(est, caught)


def test_every_difference_has_a_reason():
    for case, (_, ours, theirs, reason) in CASES.items():
        if repr(ours) != repr(theirs):
            assert reason, case


def test_batch_norm_warns_of_a_last_batch_of_one_row():
    X, y = _digits()
    est = skreg.MLPClassifier(
        hidden_layer_sizes=(8,), batch_norm=True, batch_size=20, max_iter=1
    )
    with pytest.warns(UserWarning, match=r"batch_norm=True with batch_size=20"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(X[:41], y[:41])


def test_refused_calls_leave_the_model_unchanged():
    # D3/D7/D9 errors come before (or undo) any update of a fitted model
    X, y = _digits()
    est = skreg.MLPClassifier(hidden_layer_sizes=(8,), solver="sgd", random_state=0)
    est.partial_fit(X, y, classes=np.arange(10))
    before = [c.copy() for c in est.coefs_]
    sw = np.ones(len(y))
    sw[0] = -1.0
    with pytest.raises(ValueError, match=NEGATIVE_WEIGHT):
        est.partial_fit(X, y, sample_weight=sw)
    est.set_params(learning_rate_init=1e6)
    with pytest.raises(ValueError, match="non-finite"):
        est.partial_fit(X * 1e150, y)
    for old, new in zip(before, est.coefs_, strict=True):
        np.testing.assert_array_equal(old, new)
