"""The one place where skreg imports scikit-learn's private helpers.

scikit-learn moves private helpers between releases; keeping every such import
here means one file to adapt when it does.  skreg supports scikit-learn 1.6 and
newer.  Everything else in skreg imports these names from this module.
"""

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
# private module.
from sklearn.linear_model._base import (  # noqa: E402
    LinearClassifierMixin,
    SparseCoefMixin,
)

__all__ += ["LinearClassifierMixin", "SparseCoefMixin"]

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
