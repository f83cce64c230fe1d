"""LassoCV and ElasticNetCV: scikit-learn's model selection around skreg's solver.

scikit-learn's ``LinearModelCV`` only splits folds, centers each training fold,
scores held-out MSE and refits; every solve goes through the class's ``path``
and ``_get_estimator``.  Pointing those at skreg's :func:`enet_path` and
estimators makes the whole search run on skreg's kernels.  Folds and
``l1_ratio`` values run in joblib threads (``n_jobs``); the kernels release the
GIL, and each fold warm-starts along its own path.
"""

from sklearn.linear_model import ElasticNetCV as _SklearnElasticNetCV
from sklearn.linear_model import LassoCV as _SklearnLassoCV

from skreg.linear_model._coordinate_descent import ElasticNet, Lasso
from skreg.linear_model._path import enet_path, lasso_path


class LassoCV(_SklearnLassoCV):
    """Lasso with the regularization strength chosen by cross-validation.

    Same parameters, attributes and behaviour as
    :class:`sklearn.linear_model.LassoCV`; the paths and the final refit are
    solved by skreg's coordinate descent.

    Parameters
    ----------
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    alphas : int or array-like, default=100
        Number of alphas on the automatic grid, or the grid itself.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    precompute : 'auto', bool or array-like, default='auto'
        Whether to use covariance mode on the folds.
    max_iter : int, default=1000
        Maximum number of sweeps per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance relative to ``||y||^2 / n``.
    copy_X : bool, default=True
        Kept for compatibility; ``X`` is never written to by skreg.
    cv : int, cross-validation generator or iterable, default=None
        Cross-validation strategy (5-fold by default).
    verbose : bool or int, default=False
        Amount of progress output.
    n_jobs : int, default=None
        Number of threads running folds in parallel.
    positive : bool, default=False
        Force the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seed of the random coordinate selection when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Order in which coordinates are visited.

    Attributes
    ----------
    alpha_ : float
        The alpha chosen by cross-validation.
    coef_ : ndarray of shape (n_features,)
        Coefficients of the model refitted with ``alpha_``.
    intercept_ : float
        Intercept of the refitted model.
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        Held-out mean squared error for each fold along the path.
    alphas_ : ndarray of shape (n_alphas,)
        The grid of alphas.
    dual_gap_ : float
        Certified duality gap of the refitted model.
    n_iter_ : int
        Sweeps run by the refit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.linear_model.LassoCV : The estimator whose contract this follows.

    Examples
    --------
    >>> from skreg import LassoCV
    >>> from sklearn.datasets import make_regression
    >>> X, y = make_regression(noise=4, random_state=0)
    >>> reg = LassoCV(cv=5, random_state=0).fit(X, y)
    >>> round(reg.score(X, y), 4)
    0.9993
    """

    path = staticmethod(lasso_path)

    def _get_estimator(self):
        return Lasso()


class ElasticNetCV(_SklearnElasticNetCV):
    """Elastic net with alpha and l1_ratio chosen by cross-validation.

    Same parameters, attributes and behaviour as
    :class:`sklearn.linear_model.ElasticNetCV`; the paths and the final refit
    are solved by skreg's coordinate descent.

    Parameters
    ----------
    l1_ratio : float or list of float, default=0.5
        Mixing parameter(s) to try; each gets its own alpha grid.
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    alphas : int or array-like, default=100
        Number of alphas on the automatic grid, or the grid itself.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    precompute : 'auto', bool or array-like, default='auto'
        Whether to use covariance mode on the folds.
    max_iter : int, default=1000
        Maximum number of sweeps per alpha.
    tol : float, default=1e-4
        Duality-gap tolerance relative to ``||y||^2 / n``.
    cv : int, cross-validation generator or iterable, default=None
        Cross-validation strategy (5-fold by default).
    copy_X : bool, default=True
        Kept for compatibility; ``X`` is never written to by skreg.
    verbose : bool or int, default=0
        Amount of progress output.
    n_jobs : int, default=None
        Number of threads running folds and l1_ratios in parallel.
    positive : bool, default=False
        Force the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seed of the random coordinate selection when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Order in which coordinates are visited.

    Attributes
    ----------
    alpha_ : float
        The alpha chosen by cross-validation.
    l1_ratio_ : float
        The l1_ratio chosen by cross-validation.
    coef_ : ndarray of shape (n_features,)
        Coefficients of the refitted model.
    intercept_ : float
        Intercept of the refitted model.
    mse_path_ : ndarray of shape (n_l1_ratio, n_alphas, n_folds)
        Held-out mean squared error for each fold, l1_ratio and alpha.
    alphas_ : ndarray of shape (n_alphas,) or (n_l1_ratio, n_alphas)
        The grid(s) of alphas.
    dual_gap_ : float
        Certified duality gap of the refitted model.
    n_iter_ : int
        Sweeps run by the refit.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.linear_model.ElasticNetCV : The estimator whose contract this follows.

    Examples
    --------
    >>> from skreg import ElasticNetCV
    >>> from sklearn.datasets import make_regression
    >>> X, y = make_regression(n_features=2, random_state=0)
    >>> regr = ElasticNetCV(cv=5, random_state=0).fit(X, y)
    >>> round(float(regr.alpha_), 4)
    0.1994
    """

    path = staticmethod(enet_path)

    def _get_estimator(self):
        return ElasticNet()
