"""Lasso and ElasticNet estimators: scikit-learn plumbing around skreg's CD driver."""

import numbers
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, check_random_state

from skreg._fast_validation import validate_data
from skreg._sklearn import (
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
)
from skreg._validation import check_non_negative_sample_weight, check_penalty_factor
from skreg.linear_model._base import LinearRegressorBase
from skreg.linear_model._path import enet_path
from skreg.linear_model._preprocess import (
    center_and_weight,
    check_gram,
    make_layouts,
    rescale_sample_weight,
)


class ElasticNet(LinearRegressorBase):
    """Linear regression with combined L1 and L2 priors as regularizer.

    Minimizes the objective function::

        1 / (2 * n_samples) * ||y - Xw - b||^2_2
        + alpha * l1_ratio * sum_j pf_j |w_j|
        + 0.5 * alpha * (1 - l1_ratio) * sum_j pf_j w_j^2

    where ``pf`` is ``penalty_factor`` (all ones by default: scikit-learn's
    objective), by coordinate descent with numba kernels and gap-safe
    screening.  Parameters, attributes, stopping rule and warnings are those of
    :class:`sklearn.linear_model.ElasticNet`.

    Parameters
    ----------
    alpha : float, default=1.0
        Constant that multiplies the penalty terms. ``alpha = 0`` is ordinary
        least squares (solved, with a warning as in scikit-learn).
    l1_ratio : float, default=0.5
        The mixing parameter, ``0 <= l1_ratio <= 1``: 0 is a pure L2 (ridge)
        penalty, 1 a pure L1 (lasso) penalty.
    fit_intercept : bool, default=True
        Whether to fit an intercept. Dense data is centered; sparse data is
        centered implicitly, never densified.
    precompute : bool or array-like of shape (n_features, n_features), default=False
        Whether to use a precomputed Gram matrix ``X' X`` (covariance mode), or
        the Gram matrix itself. Ignored for sparse input. With ``False`` skreg
        still uses covariance mode on tall dense data with few features
        (``n_samples >= 2 * n_features``, ``n_features <= 300``), where it is
        faster; the solution is the same to within ``tol``.
    max_iter : int, default=1000
        Maximum number of coordinate-descent sweeps.
    copy_X : bool, default=True
        Kept for compatibility. skreg never writes into ``X``: centering and
        weighting work on a copy whichever the value.
    tol : float, default=1e-4
        The solver stops when the duality gap is at most ``tol * ||y||^2 / n``
        (``y`` centered and weighted), checked when the largest coefficient
        update is below ``tol`` relative to the largest coefficient.
    warm_start : bool, default=False
        Reuse the solution of the previous call to fit as initialization.
    positive : bool, default=False
        Force the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seed of the random coordinate selection when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit coordinates in order, or at random (with replacement).
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multiplier of both penalty terms (glmnet's
        ``penalty.factor``); None means all ones. 0 leaves a feature
        unpenalized (it is fitted with the intercept, never screened out);
        values must be finite and non-negative. Unlike glmnet, skreg does not
        rescale the factors to sum to ``n_features``: to reproduce a glmnet
        fit pass ``pf * n_features / pf.sum()``. Each target of a 2-D ``y``
        uses the same factors.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Parameter vector (w in the objective).
    sparse_coef_ : sparse matrix of shape (1, n_features) or (n_targets, n_features)
        Sparse representation of ``coef_``.
    intercept_ : float or ndarray of shape (n_targets,)
        Independent term in the decision function.
    n_iter_ : int or list of int
        Number of sweeps run by the solver for each target.
    dual_gap_ : float or ndarray of shape (n_targets,)
        The certified duality gap at the end of optimization, per target.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    Lasso : The pure L1 case, ``l1_ratio=1``.
    sklearn.linear_model.ElasticNet : The estimator whose contract this follows.

    Examples
    --------
    >>> from skreg import ElasticNet
    >>> from sklearn.datasets import make_regression
    >>> X, y = make_regression(n_features=2, random_state=0)
    >>> regr = ElasticNet(random_state=0).fit(X, y)
    >>> print(regr.coef_.round(1))
    [18.8 64.6]
    >>> print(round(float(regr.intercept_), 1))
    1.5
    >>> print(regr.predict([[0, 0]]).round(1))
    [1.5]
    >>> bool(regr.dual_gap_ <= regr.tol * (y - y.mean()) @ (y - y.mean()) / len(y))
    True
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "precompute": ["boolean", "array-like"],
        "max_iter": [Interval(Integral, 1, None, closed="left"), None],
        "copy_X": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
        "penalty_factor": ["array-like", None],
    }

    path = staticmethod(enet_path)

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        precompute=False,
        max_iter=1000,
        copy_X=True,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.penalty_factor = penalty_factor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the model by coordinate descent.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse input is used as CSC without densifying.
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Target; cast to ``X``'s dtype.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Sample weights, rescaled internally to sum to ``n_samples``.
        check_input : bool, default=True
            Kept for compatibility with scikit-learn; inputs are always
            validated.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if self.alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are "
                "advised to use the LinearRegression estimator",
                stacklevel=2,
            )
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csc",
            order="F",
            dtype=[np.float64, np.float32],
            accept_large_sparse=False,
            copy=False,
            multi_output=True,
            y_numeric=True,
        )
        # validate_data checked y (finite, numeric, an array): only X's dtype
        # is left to give it; a second check_array cost 55-65 us of a 1 ms
        # fit (1000x3000 sparse text at alpha_max / 10).  Sparse y still gets
        # scikit-learn's error.
        if sp.issparse(y):
            y = check_array(y, dtype=X.dtype.type, ensure_2d=False)
        y = np.asarray(y, dtype=X.dtype)
        n_samples, n_features = X.shape
        penalty_factor = check_penalty_factor(self.penalty_factor, n_features)

        if isinstance(sample_weight, numbers.Number):
            sample_weight = None
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
            check_non_negative_sample_weight(sample_weight)
            sample_weight = rescale_sample_weight(sample_weight, n_samples)

        # Covariance mode centers X'X implicitly: no centered copy of X
        # (50000x200: 16 ms of a 60 ms fit).
        center = not _implicit_centering(self.precompute, X, sample_weight)
        X_work, y_work, X_offset, y_offset = center_and_weight(
            X, y, sample_weight, self.fit_intercept, center_dense=center
        )
        precompute = self.precompute
        if sp.issparse(X):
            precompute = False
        elif hasattr(precompute, "__array__"):
            # scikit-learn's tolerance (np.allclose to zero): the column means
            # of data centered in floating point are ~1e-16, not 0.
            if self.fit_intercept and not np.allclose(X_offset, 0):
                warnings.warn(
                    "Gram matrix was provided but X was centered to fit intercept: "
                    "recomputing Gram matrix.",
                    UserWarning,
                    stacklevel=2,
                )
                precompute = "auto"
            else:
                precompute = check_gram(precompute, X_work, X.dtype)
        y_2d = y_work.reshape(n_samples, -1)
        n_targets = y_2d.shape[1]
        layouts = make_layouts(
            X_work,
            y_2d,
            sample_weight,
            X_offset,
            precompute,
            centered=center,
            penalty_factor=penalty_factor,
            l1=self.alpha * self.l1_ratio * n_samples,
        )
        # The solver imports the kernels and numba: loaded at the first fit.
        from skreg.linear_model._cd_solver import solve_enet

        coef = self._initial_coef(n_targets, n_features, X.dtype)
        rng = check_random_state(self.random_state)
        l1 = self.alpha * self.l1_ratio * n_samples
        l2 = self.alpha * (1.0 - self.l1_ratio) * n_samples
        dual_gaps = np.zeros(n_targets, dtype=X.dtype)
        n_iters = []
        for k, layout in enumerate(layouts):
            result = solve_enet(
                layout,
                coef[k],
                l1,
                l2,
                max_iter=self.max_iter,
                tol=self.tol,
                positive=self.positive,
                rng=rng,
                random=self.selection == "random",
            )
            dual_gaps[k] = result.gap / n_samples
            n_iters.append(result.n_iter)

        # As scikit-learn: one target, given as (n,) or (n, 1), gives 1-D
        # coef_, a scalar dual_gap_ and an int n_iter_ (intercept_ keeps y's
        # trailing shape, so predict returns (n,) either way).
        if n_targets == 1:
            self.coef_ = coef[0]
            self.dual_gap_ = dual_gaps[0]
            self.n_iter_ = n_iters[0]
        else:
            self.coef_ = coef
            self.dual_gap_ = dual_gaps
            self.n_iter_ = n_iters
        if self.fit_intercept:
            self.intercept_ = y_offset - X_offset @ self.coef_.T
        else:
            self.intercept_ = 0.0
        if not (np.isfinite(self.coef_).all() and np.isfinite(self.intercept_).all()):
            raise ValueError(
                "Coordinate descent iterations resulted in non-finite parameter "
                "values. The input data may contain large values and need to be "
                "preprocessed."
            )
        return self

    def _initial_coef(self, n_targets, n_features, dtype):
        """Zeros, or the previous solution when ``warm_start`` (a fresh copy)."""
        if self.warm_start and hasattr(self, "coef_"):
            coef = np.array(np.atleast_2d(self.coef_), dtype=dtype, order="C")
            if coef.shape == (n_targets, n_features):
                return coef
        return np.zeros((n_targets, n_features), dtype=dtype)


def _implicit_centering(precompute, X, sample_weight):
    """Leave dense ``X`` uncentered for a Gram layout (float64, unweighted)."""
    if sp.issparse(X) or sample_weight is not None or X.dtype != np.float64:
        return False
    if hasattr(precompute, "__array__"):
        return False
    # The strategy module loads numba: only now, at the first fit.
    from skreg.linear_model._strategy import GRAM_IF_SMALL_ALPHA, resolve_precompute

    mode = resolve_precompute(precompute, *X.shape, False)
    return mode is True or mode == GRAM_IF_SMALL_ALPHA


class Lasso(ElasticNet):
    """Linear model trained with an L1 prior as regularizer (the Lasso).

    Minimizes::

        (1 / (2 * n_samples)) * ||y - Xw - b||^2_2 + alpha * sum_j pf_j |w_j|

    with ``pf`` the ``penalty_factor`` (all ones by default: ``alpha * ||w||_1``),
    by coordinate descent; the same model as :class:`sklearn.linear_model.Lasso`
    with the same parameters, attributes and stopping rule.

    Parameters
    ----------
    alpha : float, default=1.0
        Constant that multiplies the L1 term.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    precompute : bool or array-like of shape (n_features, n_features), default=False
        Whether to use a precomputed Gram matrix, or the matrix itself; with
        ``False`` skreg may still choose covariance mode on tall dense data
        (see :class:`Lasso`).
    copy_X : bool, default=True
        Kept for compatibility; skreg never writes into ``X``.
    max_iter : int, default=1000
        Maximum number of coordinate-descent sweeps.
    tol : float, default=1e-4
        Tolerance on the duality gap relative to ``||y||^2 / n``.
    warm_start : bool, default=False
        Reuse the previous solution as initialization.
    positive : bool, default=False
        Force the coefficients to be non-negative.
    random_state : int, RandomState instance or None, default=None
        Seed of the random coordinate selection when ``selection='random'``.
    selection : {'cyclic', 'random'}, default='cyclic'
        Visit coordinates in order, or at random.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multiplier of the L1 penalty (glmnet's ``penalty.factor``);
        None means all ones, 0 leaves a feature unpenalized. Not rescaled as
        glmnet does (see :class:`ElasticNet`).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Parameter vector.
    sparse_coef_ : sparse matrix of shape (1, n_features) or (n_targets, n_features)
        Sparse representation of ``coef_``.
    intercept_ : float or ndarray of shape (n_targets,)
        Independent term in the decision function.
    n_iter_ : int or list of int
        Number of sweeps run by the solver.
    dual_gap_ : float or ndarray of shape (n_targets,)
        Certified duality gap at the end of optimization.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    ElasticNet : L1 and L2 penalties combined.
    sklearn.linear_model.Lasso : The estimator whose contract this follows.

    Examples
    --------
    >>> from skreg import Lasso
    >>> clf = Lasso(alpha=0.1).fit([[0, 0], [1, 1], [2, 2]], [0, 1, 2])
    >>> print(clf.coef_)
    [0.85 0.  ]
    >>> print(clf.intercept_)
    0.15...
    """

    _parameter_constraints: dict = {
        key: value
        for key, value in ElasticNet._parameter_constraints.items()
        if key != "l1_ratio"
    }

    path = staticmethod(enet_path)

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        precompute=False,
        copy_X=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        positive=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        super().__init__(
            alpha=alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            precompute=precompute,
            copy_X=copy_X,
            max_iter=max_iter,
            tol=tol,
            warm_start=warm_start,
            positive=positive,
            random_state=random_state,
            selection=selection,
            penalty_factor=penalty_factor,
        )
