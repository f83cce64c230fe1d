"""skreg: fast regularized estimators with scikit-learn's exact contract.

Coordinate-descent Lasso and ElasticNet and multi-layer perceptrons whose hot
paths are numba kernels.  Swapping ``sklearn.linear_model.Lasso`` for
``skreg.Lasso`` changes nothing but speed.

The public names are loaded on first access (PEP 562): ``import skreg`` alone
imports neither scikit-learn nor numba, ``skreg.Lasso`` loads the linear
models only, and ``python -m skreg`` can speak before anything heavy loads.
"""

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0.dev0"

_LOCATION = {
    "ElasticNet": "skreg.linear_model",
    "ElasticNetCV": "skreg.linear_model",
    "Lasso": "skreg.linear_model",
    "LassoCV": "skreg.linear_model",
    "LogisticRegression": "skreg.linear_model",
    "LogisticRegressionCV": "skreg.linear_model",
    "enet_path": "skreg.linear_model",
    "lasso_path": "skreg.linear_model",
    "MLPClassifier": "skreg.neural_network",
    "MLPRegressor": "skreg.neural_network",
}

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "LogisticRegression",
    "LogisticRegressionCV",
    "MLPClassifier",
    "MLPRegressor",
    "__version__",
    "enet_path",
    "lasso_path",
]

if TYPE_CHECKING:  # what static tools see; at run time __getattr__ loads these
    from skreg.linear_model import (
        ElasticNet,
        ElasticNetCV,
        Lasso,
        LassoCV,
        LogisticRegression,
        LogisticRegressionCV,
        enet_path,
        lasso_path,
    )
    from skreg.neural_network import MLPClassifier, MLPRegressor


def __getattr__(name):
    if name not in _LOCATION:
        raise AttributeError(f"module 'skreg' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LOCATION[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted({*globals(), *_LOCATION})
