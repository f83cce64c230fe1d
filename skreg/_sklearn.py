"""The one place where skreg imports scikit-learn's private helpers.

scikit-learn moves private helpers between releases; keeping every such import
here means one file to adapt when it does.  skreg supports scikit-learn 1.6 and
newer.  Everything else in skreg imports these names from this module.
"""

import importlib

import scipy.sparse as sp
from sklearn import config_context, get_config
from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    Hidden,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import (
    _check_n_features,
    _check_sample_weight,
    check_array,
    check_is_fitted,
    validate_data,
)

try:  # scikit-learn >= 1.9 lets users choose sparse arrays or matrices.
    from sklearn.utils._sparse import _align_api_if_sparse
except ImportError:  # pragma: no cover - depends on the installed version

    def _align_api_if_sparse(X):
        """Return ``X`` as a sparse matrix, the only interface before 1.9."""
        if sp.issparse(X) and not sp.isspmatrix(X):
            return getattr(sp, X.format + "_matrix")(X)
        return X


__all__ = [
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "_align_api_if_sparse",
    "_check_n_features",
    "_check_sample_weight",
    "_fit_context",
    "check_array",
    "check_is_fitted",
    "config_context",
    "get_config",
    "validate_data",
    "validate_parameter_constraints",
]

# Appended for skreg.neural_network: the MLPs accept ``n_iter_no_change=np.inf``
# exactly as scikit-learn's do, which needs the ``Options`` constraint.
from sklearn.utils._param_validation import Options  # noqa: E402

__all__ += ["Options"]

# Appended for skreg.linear_model.LogisticRegression: scikit-learn's classifier
# mixins (decision_function, predict, score, sparsify/densify) live in a
# private module.  Imported on first access (__getattr__ below): importing it
# imports all of sklearn.linear_model, which an MLP does not need (83 ms of
# an import of skreg's MLPClassifier, measured by python -X importtime).
_ON_FIRST_ACCESS = {
    "LinearClassifierMixin": "sklearn.linear_model._base",
    "SparseCoefMixin": "sklearn.linear_model._base",
}

__all__ += list(_ON_FIRST_ACCESS)

# Appended for skreg.linear_model.LogisticRegressionCV: scikit-learn's metadata
# routing helpers and per-fold slicing of fit parameters.
from sklearn.utils.metadata_routing import (  # noqa: E402
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.validation import _check_method_params  # noqa: E402

__all__ += [
    "_check_method_params",
    "_raise_for_params",
    "_routing_enabled",
    "process_routing",
]


def __getattr__(name):
    """The names of ``_ON_FIRST_ACCESS``, imported when first asked for."""
    module = _ON_FIRST_ACCESS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
