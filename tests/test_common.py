"""scikit-learn's estimator checks on every public skreg estimator."""

import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
    parametrize_with_checks,
)

import skreg
from tests.conftest import (
    assert_keeps_dataframe_column_names,
    assert_rejects_invalid_max_iter,
)

# Constructor arguments the checks need, as scikit-learn's own test suite sets
# them (sklearn/utils/_test_common/instance_generator.py): the checks' tiny
# classification sets have 3 samples per class, too few for 5 stratified folds.
INIT_PARAMS = {
    "LogisticRegressionCV": dict(
        cv=3, use_legacy_attributes=False, scoring="neg_log_loss"
    ),
}


def _all_estimators():
    """One instance of every public estimator class in ``skreg``."""
    estimators = []
    for name in skreg.__all__:
        obj = getattr(skreg, name)
        if isinstance(obj, type) and hasattr(obj, "fit"):
            estimators.append(obj(**INIT_PARAMS.get(name, {})))
    return estimators


ESTIMATORS = _all_estimators()


def test_every_public_estimator_is_checked():
    names = {type(est).__name__ for est in ESTIMATORS}
    assert {
        "Lasso",
        "ElasticNet",
        "LassoCV",
        "ElasticNetCV",
        "LogisticRegression",
    } <= names
    assert {"MLPClassifier", "MLPRegressor"} <= names


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda est: type(est).__name__)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)
    assert_rejects_invalid_max_iter(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda est: type(est).__name__)
def test_dataframe_column_names_consistency(estimator):
    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
    assert_keeps_dataframe_column_names(estimator)


class _LassoIgnoringConstraints(skreg.Lasso):
    """Declares a constraint its fit never enforces (``alpha`` may be anything)."""

    _parameter_constraints: dict = {
        **skreg.Lasso._parameter_constraints,
        "alpha": "no_validation",
    }


class _LassoForgettingFeatureNames(skreg.Lasso):
    """Fits, then drops the feature names a DataFrame gave it."""

    def fit(self, X, y, sample_weight=None, check_input=True):
        super().fit(X, y, sample_weight=sample_weight)
        self.__dict__.pop("feature_names_in_", None)
        return self


def test_param_validation_check_rejects_a_broken_estimator():
    """Negative control: the check used above fails when validation is missing."""
    with pytest.raises((AssertionError, ValueError, TypeError)):
        check_param_validation("broken", _LassoIgnoringConstraints())


def test_column_names_check_rejects_a_broken_estimator():
    """Negative control: the check used above fails when names are not kept."""
    with pytest.raises((AssertionError, ValueError), match="feature_names_in_"):
        check_dataframe_column_names_consistency(
            "broken", _LassoForgettingFeatureNames()
        )
