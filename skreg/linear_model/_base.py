"""Prediction shared by skreg's linear models."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin

from skreg._fast_validation import ParamsAtDefaultMixin, validate_data
from skreg._sklearn import _align_api_if_sparse, check_is_fitted


class LinearRegressorBase(
    MultiOutputMixin, RegressorMixin, ParamsAtDefaultMixin, BaseEstimator
):
    """``predict`` and ``sparse_coef_`` for fitted ``coef_`` and ``intercept_``."""

    def predict(self, X):
        """Predict using the linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"], reset=False)
        if sp.issparse(X):
            scores = np.asarray(X @ self.coef_.T)
        else:
            scores = X @ self.coef_.T
        return scores + self.intercept_

    @property
    def sparse_coef_(self):
        """Sparse representation of the fitted ``coef_``."""
        return _align_api_if_sparse(sp.csr_matrix(np.atleast_2d(self.coef_)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
