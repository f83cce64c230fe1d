"""LogisticRegression: scikit-learn plumbing around skreg's proximal-Newton solver."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.extmath import softmax
from sklearn.utils.multiclass import check_classification_targets

from skreg._fast_validation import ParamsAtDefaultMixin, validate_data
from skreg._sklearn import (
    Hidden,
    Interval,
    LinearClassifierMixin,
    SparseCoefMixin,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    check_is_fitted,
)
from skreg._validation import check_non_negative_sample_weight, check_penalty_factor
from skreg.linear_model._logistic_solver import logistic_path


def resolve_penalty(penalty, C, l1_ratio):
    """Apply scikit-learn 1.9's deprecated ``penalty``; return ``(C, l1_ratio)``.

    Warnings and errors are scikit-learn's, with its sentences.
    """
    if penalty == "deprecated":
        if l1_ratio is None:
            warnings.warn(
                "'l1_ratio=None' was deprecated in version 1.8 and will "
                "trigger an error in 1.10. Use 0<=l1_ratio<=1 instead.",
                FutureWarning,
            )
            l1_ratio = 0.0
        return C, float(l1_ratio)
    warnings.warn(
        "'penalty' was deprecated in version 1.8 and will be removed in"
        " 1.10. To avoid this warning, leave 'penalty' set to its default"
        " value and use 'l1_ratio' or 'C' instead."
        " Use l1_ratio=0 instead of penalty='l2',"
        " l1_ratio=1 instead of penalty='l1',"
        " l1_ratio set to a float between 0 and 1 instead of"
        " penalty='elasticnet', and C=np.inf instead of penalty=None.",
        FutureWarning,
    )
    if penalty != "elasticnet" and (l1_ratio is not None and 0 < l1_ratio < 1):
        warnings.warn(
            "l1_ratio parameter is only used when penalty is "
            f"'elasticnet'. Got (penalty={penalty})"
        )
    if (penalty == "l2" and l1_ratio != 0) or (penalty == "l1" and l1_ratio != 1):
        warnings.warn(
            f"Inconsistent values: penalty={penalty} with "
            f"l1_ratio={l1_ratio}. penalty is deprecated. Please use "
            "l1_ratio only."
        )
    if penalty == "elasticnet":
        if l1_ratio is None:
            raise ValueError("l1_ratio must be specified when penalty is elasticnet.")
        return C, float(l1_ratio)
    if penalty is None:
        if C != 1.0:
            warnings.warn(
                "Setting penalty=None will ignore the C and l1_ratio parameters"
            )
        return np.inf, 0.0
    return C, 1.0 if penalty == "l1" else 0.0


def class_sample_weight(class_weight, classes, y, y_encoded, sample_weight):
    """``sample_weight`` times the weight of each sample's class, as scikit-learn."""
    from sklearn.utils.class_weight import compute_class_weight

    if class_weight is None:
        return sample_weight
    try:
        weights = compute_class_weight(
            class_weight, classes=classes, y=y, sample_weight=sample_weight
        )
    except TypeError:  # scikit-learn < 1.7 has no sample_weight here
        weights = compute_class_weight(class_weight, classes=classes, y=y)
    return sample_weight * weights[y_encoded]


class LogisticRegression(
    LinearClassifierMixin, SparseCoefMixin, ParamsAtDefaultMixin, BaseEstimator
):
    """Logistic regression with L1, L2 and elastic-net penalties.

    Minimizes scikit-learn's objective::

        C * sum_i s_i loss_i(W, b)
        + l1_ratio * sum_j pf_j ||W[:, j]||_1
        + (1 - l1_ratio) / 2 * sum_j pf_j ||W[:, j]||_2^2

    with the binary logistic loss for two classes (``coef_`` of shape
    ``(1, n_features)``) and the multinomial (softmax) loss for more
    (``coef_`` of shape ``(n_classes, n_features)``, scikit-learn's symmetric
    parametrization).  ``s_i`` are the sample weights times the class weights;
    ``pf_j`` the ``penalty_factor``; the intercept is never penalized.

    Every ``solver`` runs skreg's proximal-Newton coordinate descent (glmnet's
    IRLS with working sets, as in celer and skglm) in numba kernels, which
    supports every penalty, multiclass, dense and sparse ``X``.

    Parameters
    ----------
    penalty : {'l1', 'l2', 'elasticnet', None}, default='l2'
        Deprecated in scikit-learn 1.8, kept with its warnings: ``'l1'`` is
        ``l1_ratio=1``, ``'l2'`` is ``l1_ratio=0``, ``'elasticnet'`` uses
        ``l1_ratio``, ``None`` is ``C=np.inf``.
    C : float, default=1.0
        Inverse of regularization strength; ``np.inf`` means no penalty.
    l1_ratio : float, default=0.0
        Elastic-net mixing parameter, ``0 <= l1_ratio <= 1`` (1: pure L1).
    dual : bool, default=False
        Accepted for compatibility and ignored: skreg solves the primal.
    tol : float, default=1e-4
        The solver stops when the certified duality gap of the objective above
        (divided by ``C``) is at most ``tol * sum(s) * log(K)`` (``K = 2`` for
        the binary loss): ``tol`` times the objective of the all-zero model.
        Features with ``penalty_factor=0`` (and all features when
        ``C=np.inf``) add their Newton decrement to the gap instead of a
        certified bound.
    fit_intercept : bool, default=True
        Whether to fit an unpenalized intercept.
    intercept_scaling : float, default=1
        Accepted for compatibility and ignored: the intercept is never
        penalized, whatever the solver (scikit-learn's 'liblinear' penalizes it).
    class_weight : dict or 'balanced', default=None
        Weights of the classes, multiplied into ``sample_weight`` as in
        scikit-learn.
    random_state : int, RandomState instance, default=None
        Accepted for compatibility; the solver is deterministic.
    solver : {'lbfgs', 'liblinear', 'newton-cg', 'newton-cholesky', 'sag', \
'saga'}, default='lbfgs'
        Accepted for compatibility: every value runs the same proximal-Newton
        solver with every penalty and multiclass (scikit-learn refuses many
        combinations; skreg fits them all).  With 'liblinear' the intercept
        stays unpenalized, unlike in scikit-learn.
    max_iter : int, default=100
        Maximum number of proximal-Newton steps (cycles over the classes for
        the multinomial loss).
    verbose : int, default=0
        Print the objective and the duality gap at each working set.
    warm_start : bool, default=False
        Start from the previous solution.
    n_jobs : int, default=None
        Deprecated in scikit-learn 1.8 and without effect; warns when set.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative per-feature penalty weights (glmnet's ``penalty.factor``);
        0 leaves a feature unpenalized. ``None`` means all ones.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients, in ``X``'s dtype.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts (zero when ``fit_intercept=False``); multinomial intercepts
        sum to zero.
    n_iter_ : ndarray of shape (1,)
        Proximal-Newton steps run.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The estimator whose contract this follows.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg import LogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegression(C=0.1, l1_ratio=1.0).fit(X, y)
    >>> int((clf.coef_ != 0).sum()) < X.shape[1]
    True
    >>> round(clf.score(X, y), 2)
    0.97
    """

    _parameter_constraints: dict = {
        "penalty": [
            StrOptions({"l1", "l2", "elasticnet"}),
            None,
            Hidden(StrOptions({"deprecated"})),
        ],
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "dual": ["boolean"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "intercept_scaling": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "random_state": ["random_state"],
        "solver": [
            StrOptions(
                {"lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"}
            )
        ],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "n_jobs": [None, Integral],
        "penalty_factor": ["array-like", None],
    }

    def __init__(
        self,
        penalty="deprecated",
        *,
        C=1.0,
        l1_ratio=0.0,
        dual=False,
        tol=1e-4,
        fit_intercept=True,
        intercept_scaling=1,
        class_weight=None,
        random_state=None,
        solver="lbfgs",
        max_iter=100,
        verbose=0,
        warm_start=False,
        n_jobs=None,
        penalty_factor=None,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.penalty_factor = penalty_factor

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by proximal-Newton coordinate descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32, sparse stays sparse.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        C, l1_ratio = resolve_penalty(self.penalty, self.C, self.l1_ratio)
        if self.n_jobs is not None:
            warnings.warn(
                "'n_jobs' has no effect since 1.8 and will be removed in 1.10. "
                f"You provided 'n_jobs={self.n_jobs}', please leave it unspecified.",
                category=FutureWarning,
            )
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            accept_large_sparse=False,
        )
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        n_classes = self.classes_.size
        if n_classes < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes"
                " in the data, but the data contains only one"
                f" class: {self.classes_[0]!r}"
            )
        n_features = X.shape[1]
        y_encoded = np.searchsorted(self.classes_, y)
        check_non_negative_sample_weight(sample_weight)
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        sample_weight = class_sample_weight(
            self.class_weight, self.classes_, y, y_encoded, sample_weight
        )
        penalty_factor = self._check_penalty_factor(n_features)
        multinomial = n_classes > 2
        n_rows = n_classes if multinomial else 1
        coef_init = None
        if self.warm_start and hasattr(self, "coef_"):
            coef = np.asarray(
                self.coef_.todense() if hasattr(self.coef_, "todense") else self.coef_
            )
            if coef.shape == (n_rows, n_features):
                coef_init = np.hstack([coef, np.reshape(self.intercept_, (n_rows, 1))])
        coefs, intercepts, n_iters = logistic_path(
            X,
            y_encoded,
            Cs=[C],
            l1_ratio=l1_ratio,
            fit_intercept=self.fit_intercept,
            sample_weight=sample_weight,
            penalty_factor=penalty_factor,
            tol=self.tol,
            max_iter=self.max_iter,
            coef_init=coef_init,
            multinomial=multinomial,
            verbose=self.verbose,
        )
        self.coef_ = coefs[0].astype(X.dtype)
        self.intercept_ = intercepts[0].astype(X.dtype)
        if not self.fit_intercept:
            self.intercept_[:] = 0
        self.n_iter_ = np.asarray(n_iters[:1], dtype=np.int32)
        return self

    def _check_penalty_factor(self, n_features):
        return check_penalty_factor(self.penalty_factor, n_features)

    def predict_proba(self, X):
        """Probability estimates, columns in the order of ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Sigmoid (binary) or softmax (multinomial) of the decision function.
        """
        check_is_fitted(self)
        if self.classes_.size <= 2:
            return super()._predict_proba_lr(X)
        return softmax(self.decision_function(X), copy=False)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        return np.log(self.predict_proba(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
