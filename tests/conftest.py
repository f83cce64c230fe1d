"""Shared fixtures: small real data sets that ship with scikit-learn."""

import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import PolynomialFeatures, StandardScaler


@pytest.fixture(scope="session")
def diabetes_poly():
    """Diabetes with degree-2 polynomial features, standardized: 442 x 65."""
    X, y = load_diabetes(return_X_y=True)
    X = PolynomialFeatures(2, include_bias=False).fit_transform(X)
    X = StandardScaler().fit_transform(X)
    return np.asfortranarray(X), y


def lasso_alpha_max(X, y):
    """``max |X_c' y_c| / n``: the smallest alpha giving all-zero coefficients."""
    Xc = X - X.mean(axis=0)
    return float(np.max(np.abs(Xc.T @ (y - y.mean()))) / X.shape[0])
