"""Coordinate-descent linear models with scikit-learn's contract."""

from skreg.linear_model._coordinate_descent import ElasticNet, Lasso
from skreg.linear_model._cv import ElasticNetCV, LassoCV
from skreg.linear_model._logistic import LogisticRegression
from skreg.linear_model._logistic_cv import LogisticRegressionCV
from skreg.linear_model._path import enet_path, lasso_path

__all__ = [
    "ElasticNet",
    "ElasticNetCV",
    "Lasso",
    "LassoCV",
    "LogisticRegression",
    "LogisticRegressionCV",
    "enet_path",
    "lasso_path",
]
