"""skreg: fast regularized estimators with scikit-learn's exact contract.

Coordinate-descent Lasso and ElasticNet and multi-layer perceptrons whose hot
paths are numba kernels.  Swapping ``sklearn.linear_model.Lasso`` for
``skreg.Lasso`` changes nothing but speed.
"""

from skreg.linear_model import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    enet_path,
    lasso_path,
)
from skreg.neural_network import MLPClassifier, MLPRegressor

__version__ = "0.1.0.dev0"

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "MLPClassifier",
    "MLPRegressor",
    "__version__",
    "enet_path",
    "lasso_path",
]
