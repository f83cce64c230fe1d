"""scikit-learn's estimator checks on MLPClassifier and MLPRegressor."""

import numba
import numpy as np
import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
    parametrize_with_checks,
)

from skreg import MLPClassifier, MLPRegressor
from tests.conftest import (
    assert_keeps_dataframe_column_names,
    assert_rejects_invalid_max_iter,
)

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
    # the regularization toolkit switched on (the separate epoch kernel)
    MLPClassifier(max_iter=100, batch_norm=True, weight_decay=1e-3, l1_ratio=0.2),
    MLPRegressor(
        max_iter=100,
        solver="rmsprop",
        batch_norm=True,
        weight_decay=1e-3,
        input_group_alpha=0.01,
    ),
    MLPClassifier(
        max_iter=100, dropout=0.1, input_dropout=0.05, input_noise=0.01, batch_norm=True
    ),
]

_RANDOM_MASKS = (
    "dropout masks and input noise are drawn per row: a row of weight 2 is not "
    "two rows with independent masks"
)


def _expected_failed_checks(estimator):
    """Only the randomized regularizers break weight/repetition equivalence."""
    params = estimator.get_params()
    randomized = (
        any(float(r) > 0 for r in np.atleast_1d(params["dropout"]))
        or params["input_dropout"] > 0
        or params["input_noise"] > 0
    )
    if not randomized:
        return {}
    return {
        "check_sample_weight_equivalence_on_dense_data": _RANDOM_MASKS,
        "check_sample_weight_equivalence_on_sparse_data": _RANDOM_MASKS,
    }


@no_jit_skip
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@no_jit_skip
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)
    assert_rejects_invalid_max_iter(estimator)


@no_jit_skip
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_dataframe_column_names_consistency(estimator):
    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)
    assert_keeps_dataframe_column_names(estimator)
