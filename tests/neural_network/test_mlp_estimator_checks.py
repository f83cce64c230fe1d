"""scikit-learn's estimator checks on MLPClassifier and MLPRegressor."""

import numba
import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
    parametrize_with_checks,
)

from skreg import MLPClassifier, MLPRegressor

# Without JIT every epoch runs in the Python interpreter; the full check suite
# then takes minutes, so only the kernel and behaviour tests run in that mode.
no_jit_skip = pytest.mark.skipif(
    numba.config.DISABLE_JIT, reason="estimator checks are too slow without JIT"
)

ESTIMATORS = [
    MLPClassifier(max_iter=100),
    MLPRegressor(max_iter=100),
    MLPClassifier(max_iter=100, solver="sgd", l1_ratio=0.5),
    MLPRegressor(max_iter=100, solver="lbfgs"),
]


@no_jit_skip
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@no_jit_skip
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


@no_jit_skip
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_dataframe_column_names_consistency(estimator):
    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
