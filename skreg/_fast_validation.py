"""scikit-learn's parameter and input validation, at a smaller fixed cost.

A small fit pays scikit-learn's validation once per call: on a 50x10 Lasso
it was about half of the fit's 0.7 ms (``_validate_params`` re-reads the
constructor's signature each call and checks every parameter;
``check_array`` asks narwhals whether a NumPy array is a dataframe).
Users who fit many small models (grid searches, bootstraps, per-group fits)
pay it each time.  The helpers here give the same results and the same
errors:

- parameters still at their default (the very object the signature holds)
  are not checked again: scikit-learn's own tests require every default to
  satisfy its constraints;
- an input that is already what ``check_array`` would return (a float
  ``np.ndarray`` of an accepted dtype and order, or a CSR or CSC matrix of
  an accepted format, dtype and index type; non-empty and finite) skips
  ``check_array``; anything else, including every input that would fail,
  takes scikit-learn's path and gets its error.
"""

import functools
import inspect
import re

import numpy as np
import scipy.sparse as sp

from skreg import _sklearn
from skreg._sklearn import (
    InvalidParameterError,
    config_context,
    get_config,
    validate_parameter_constraints,
)

__all__ = [
    "ParamsAtDefaultMixin",
    "check_array",
    "validate_data",
    "validate_params",
]

_FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
# The check_array keywords a clean array meets without conversion; any other
# keyword (copy=True, ensure_min_samples, validate_separately, ...) takes
# scikit-learn's path.
_CLEAN_DATA_KEYWORDS = frozenset(
    {"accept_sparse", "accept_large_sparse", "copy", "dtype", "order",
     "multi_output", "y_numeric", "reset"}
)  # fmt: skip
_CLEAN_ARRAY_KEYWORDS = frozenset(
    {"accept_sparse", "accept_large_sparse", "copy", "dtype", "order",
     "ensure_2d", "input_name", "estimator"}
)  # fmt: skip


def _accepted_dtype(dtype, accepted):
    """Whether ``check_array(dtype=accepted)`` keeps an array of ``dtype``."""
    if dtype not in _FLOAT_DTYPES:
        return False
    if accepted is None or (isinstance(accepted, str) and accepted == "numeric"):
        return True
    if isinstance(accepted, (list, tuple)):
        return dtype in accepted
    return dtype == accepted


def _is_clean(a, params, ndims=(2,)):
    """Whether ``check_array(a, **params)`` would return ``a`` itself: a
    finite, non-empty float ``np.ndarray`` with ``ndim`` in ``ndims``, of an
    accepted dtype and order, or such a CSR or CSC matrix."""
    if sp.issparse(a):
        return _is_clean_sparse(a, params)
    if type(a) is not np.ndarray or a.ndim not in ndims or 0 in a.shape:
        return False
    if not _accepted_dtype(a.dtype, params.get("dtype", "numeric")):
        return False
    order = params.get("order")
    if (order == "F" and not a.flags.f_contiguous) or (
        order == "C" and not a.flags.c_contiguous
    ):
        return False
    return _finite(a)


def _is_clean_sparse(X, params):
    """:func:`_is_clean` for a sparse ``X``: CSR or CSC in an accepted
    format, with 32-bit indices unless large ones are accepted."""
    accepted = params.get("accept_sparse", False)
    if isinstance(accepted, str):
        accepted = (accepted,)
    if not isinstance(accepted, (list, tuple)) or X.format not in accepted:
        return False
    if X.format not in ("csr", "csc") or 0 in X.shape:
        return False
    if not _accepted_dtype(X.dtype, params.get("dtype", "numeric")):
        return False
    if not params.get("accept_large_sparse", True) and not (
        X.indices.dtype == np.int32 and X.indptr.dtype == np.int32
    ):
        return False
    return _finite(X.data)


def _is_clean_y(y, n_samples, multi_output):
    """Whether scikit-learn's ``_check_y`` would accept ``y`` as it is."""
    if type(y) is not np.ndarray or y.shape[:1] != (n_samples,):
        return False
    if not (y.ndim == 1 or (y.ndim == 2 and multi_output and y.shape[1] > 0)):
        return False
    if y.dtype.kind in "iu":
        return True
    return y.dtype in _FLOAT_DTYPES and _finite(y)


def _finite(a):
    """scikit-learn's first-pass finiteness test: one sum."""
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(a.sum()))


def validate_data(estimator, X="no_validation", y="no_validation", **params):
    """:func:`sklearn.utils.validation.validate_data`, faster on clean arrays.

    Parameters
    ----------
    estimator : estimator instance
        The estimator validating its data (feature names and
        ``n_features_in_`` are checked and set on it as scikit-learn does).
    X : array-like or sparse matrix, or 'no_validation'
        The input samples.
    y : array-like or 'no_validation', default='no_validation'
        The targets.
    **params : dict
        Keywords of scikit-learn's ``validate_data`` (``reset``, ``dtype``,
        ``order``, ``accept_sparse``, ``multi_output``, ...).

    Returns
    -------
    out : ndarray, sparse matrix or tuple
        What scikit-learn's ``validate_data`` returns; a clean ``X`` (and
        ``y``) is returned as the same object, as scikit-learn does with
        ``copy=False``.
    """
    clean = (
        params.keys() <= _CLEAN_DATA_KEYWORDS
        and not params.get("copy", False)
        and not (isinstance(X, str) or get_config()["array_api_dispatch"])
        and _is_clean(X, params)
        and (
            isinstance(y, str)
            or _is_clean_y(y, X.shape[0], params.get("multi_output", False))
        )
    )
    if not clean:
        return _sklearn.validate_data(estimator, X, y, **params)
    reset = params.get("reset", True)
    if hasattr(estimator, "feature_names_in_"):
        return _sklearn.validate_data(
            estimator, X, y, reset=reset, skip_check_array=True
        )
    # An array has no feature names and the estimator none to compare them
    # with: scikit-learn's check of the names would do nothing (it asks
    # narwhals whether X is a dataframe: 20-30 us of a 0.4 ms fit).
    _sklearn._check_n_features(estimator, X, reset=reset)
    return X if isinstance(y, str) else (X, y)


def check_array(array, **params):
    """:func:`sklearn.utils.check_array`, returning a clean array as it is.

    Parameters
    ----------
    array : object
        The input to check.
    **params : dict
        Keywords of scikit-learn's ``check_array``.

    Returns
    -------
    array : ndarray or sparse matrix
        ``array`` itself when it is already what ``check_array`` would return
        (see :func:`_is_clean`), else scikit-learn's result.
    """
    ndims = (2,) if params.get("ensure_2d", True) else (1, 2)
    if (
        params.keys() <= _CLEAN_ARRAY_KEYWORDS
        and not params.get("copy", False)
        and not get_config()["array_api_dispatch"]
        and _is_clean(array, params, ndims)
    ):
        return array
    return _sklearn.check_array(array, **params)


@functools.cache
def _init_parameters(cls):
    """``(names, defaults)``: the constructor's parameters and ``{name: default}``."""
    names = tuple(cls._get_param_names())
    signature = inspect.signature(cls.__init__).parameters
    defaults = {
        name: signature[name].default
        for name in names
        if signature[name].default is not inspect.Parameter.empty
    }
    return names, defaults


class ParamsAtDefaultMixin:
    """``_validate_params`` that skips parameters left at their default.

    Put it before ``BaseEstimator`` in the bases.  The checks and messages of
    the parameters that were set are scikit-learn's
    (``validate_parameter_constraints``).
    """

    def _validate_params(self):
        cls = type(self)
        names, defaults = _init_parameters(cls)
        changed = {}
        for name in names:
            value = getattr(self, name)
            if name not in defaults or value is not defaults[name]:
                changed[name] = value
        validate_parameter_constraints(
            self._parameter_constraints, changed, caller_name=cls.__name__
        )


def validate_params(parameter_constraints, *, prefer_skip_nested_validation):
    """:func:`sklearn.utils._param_validation.validate_params`, cheaper per call.

    The signature is read once, not per call, and only the arguments passed
    are checked (defaults satisfy their constraints).  Errors, nested
    validation and the ``_skl_parameter_constraints`` attribute are
    scikit-learn's.

    Parameters
    ----------
    parameter_constraints : dict
        ``{parameter name: list of constraints}``, as scikit-learn's.
    prefer_skip_nested_validation : bool
        Whether the functions and estimators called inside skip their own
        parameter validation.

    Returns
    -------
    decorator : callable
        Decorates a function.
    """

    def decorator(func):
        func._skl_parameter_constraints = parameter_constraints
        signature = inspect.signature(func)
        variadic = {
            p.name
            for p in signature.parameters.values()
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        } | {"self", "cls"}

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            skip = get_config()["skip_parameter_validation"]
            if skip:
                return func(*args, **kwargs)
            arguments = signature.bind(*args, **kwargs).arguments
            validate_parameter_constraints(
                parameter_constraints,
                {k: v for k, v in arguments.items() if k not in variadic},
                caller_name=func.__qualname__,
            )
            try:
                with config_context(
                    skip_parameter_validation=prefer_skip_nested_validation
                ):
                    return func(*args, **kwargs)
            except InvalidParameterError as error:
                # As scikit-learn: a wrapper's inner estimator is named as the
                # function in the message.
                message = re.sub(
                    r"parameter of \w+ must be",
                    f"parameter of {func.__qualname__} must be",
                    str(error),
                )
                raise InvalidParameterError(message) from error

        return wrapper

    return decorator
