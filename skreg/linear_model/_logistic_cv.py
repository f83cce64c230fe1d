"""LogisticRegressionCV: scikit-learn 1.9's estimator on skreg's logistic path.

Every (fold, l1_ratio) pair fits its whole ``Cs`` grid with
:func:`~skreg.linear_model._logistic_solver.logistic_path`, warm-starting each
``C`` from the previous one; the pairs run in joblib threads (the kernels
release the GIL). Selection, refit and the fitted attributes (legacy and new,
``use_legacy_attributes``) follow scikit-learn 1.9's ``LogisticRegressionCV``.
"""

import inspect
import numbers
import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from scipy.special import expit
from sklearn.metrics import get_scorer, get_scorer_names, make_scorer
from sklearn.model_selection import check_cv
from sklearn.utils.extmath import safe_sparse_dot, softmax
from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping
from sklearn.utils.multiclass import check_classification_targets

from skreg._fast_validation import validate_data
from skreg._sklearn import (
    Hidden,
    Interval,
    StrOptions,
    _check_method_params,
    _check_sample_weight,
    _fit_context,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from skreg._validation import check_non_negative_sample_weight
from skreg.linear_model._logistic import LogisticRegression, class_sample_weight
from skreg.linear_model._logistic_solver import logistic_path


class LogisticRegressionCV(LogisticRegression):
    """Logistic regression with ``C`` (and ``l1_ratio``) chosen by cross-validation.

    A drop-in for scikit-learn 1.9's ``LogisticRegressionCV``: same
    parameters, warnings, selection rule and attributes, plus
    ``penalty_factor``. The objective at each ``C`` and ``l1_ratio`` is the one
    of :class:`~skreg.LogisticRegression`; every fold fits its ``Cs`` path with
    skreg's proximal-Newton coordinate descent, warm-started from one ``C`` to
    the next in the order given, and the (fold, l1_ratio) pairs run in threads.

    Parameters
    ----------
    Cs : int or array-like of float, default=10
        The grid of ``C``; an int ``k`` means ``np.logspace(-4, 4, k)``. Fitted
        in the order given (warm starts work best from small to large ``C``).
    l1_ratios : array-like of float, default=None
        Elastic-net mixing parameters to cross-validate (1: L1, 0: L2).
        ``None`` (the default, deprecated in scikit-learn 1.8 and warned about
        as there) is the L2 penalty.
    fit_intercept : bool, default=True
        Whether to fit an unpenalized intercept.
    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn: ``None`` is 5-fold ``StratifiedKFold``.
    dual : bool, default=False
        Accepted for compatibility and ignored: skreg solves the primal.
    penalty : {'l1', 'l2', 'elasticnet'}, default='l2'
        Deprecated in scikit-learn 1.8, kept with its warnings; ``'l1'`` fits
        ``l1_ratio=1`` and ``'l2'`` ``l1_ratio=0``.
    scoring : str, callable or None, default=None
        Scorer of the held-out folds; ``None`` is accuracy (scikit-learn 1.9
        warns that its default becomes ``'neg_log_loss'`` in 1.11, and so does
        skreg).
    solver : {'lbfgs', 'liblinear', 'newton-cg', 'newton-cholesky', 'sag', \
'saga'}, default='lbfgs'
        Accepted for compatibility: every value runs skreg's proximal-Newton
        solver, with every penalty and multiclass (see
        :class:`~skreg.LogisticRegression`).
    tol : float, default=1e-4
        Stopping tolerance of each fit (the certified duality gap rule of
        :class:`~skreg.LogisticRegression`).
    max_iter : int, default=100
        Maximum number of proximal-Newton steps per ``C``.
    class_weight : dict or 'balanced', default=None
        Class weights; ``'balanced'`` is computed once on the whole ``y``, as
        in scikit-learn.
    n_jobs : int, default=None
        Number of threads running the (fold, l1_ratio) fits.
    verbose : int, default=0
        Verbosity of the joblib loop.
    refit : bool, default=True
        Refit on all the data at the best ``C`` and ``l1_ratio`` (warm-started
        from the folds' mean coefficients); otherwise average the folds' best
        coefficients, ``C`` and ``l1_ratio``.
    intercept_scaling : float, default=1.0
        Accepted for compatibility and ignored: the intercept is never
        penalized.
    random_state : int, RandomState instance, default=None
        Accepted for compatibility; the solver is deterministic. As in
        scikit-learn it does not seed the cross-validation splitter.
    use_legacy_attributes : bool, default=True
        Shapes of ``C_``, ``l1_ratio_``, ``coefs_paths_``, ``scores_`` and
        ``n_iter_``, as in scikit-learn 1.9 (which warns when it is left
        unset; so does skreg). See the attributes.
    penalty_factor : array-like of shape (n_features,), default=None
        Non-negative per-feature penalty weights (glmnet's ``penalty.factor``);
        0 leaves a feature unpenalized. ``None`` means all ones.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients of the selected (refitted) model.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Its intercepts (zeros without ``fit_intercept``).
    Cs_ : ndarray of shape (n_cs,)
        The grid of ``C``.
    l1_ratios_ : ndarray of shape (n_l1_ratios,)
        The grid of ``l1_ratio`` (``[None]`` when ``l1_ratios`` is None).
    C_ : float or ndarray
        The selected ``C``: a float, or with ``use_legacy_attributes=True`` an
        array of shape (1,) (binary) or (n_classes,) repeating it.
    l1_ratio_ : float or ndarray
        The selected ``l1_ratio``, shaped as ``C_``.
    coefs_paths_ : ndarray or dict
        Coefficients (intercept last when fitted) of every fold and grid point:
        an array of shape (n_folds, n_l1_ratios, n_cs, n_classes or 1,
        n_dof), or with ``use_legacy_attributes=True`` a dict from class label
        to arrays of shape (n_folds, n_cs, n_l1_ratios, n_dof) (no
        ``n_l1_ratios`` axis when ``l1_ratios`` is None).
    scores_ : ndarray or dict
        Held-out scores, shape (n_folds, n_l1_ratios, n_cs), or a dict from
        class label to arrays of shape (n_folds, n_cs[, n_l1_ratios]).
    n_iter_ : ndarray
        Proximal-Newton steps of every fit, shape (n_folds, n_l1_ratios,
        n_cs), or (1, n_folds, n_cs[, n_l1_ratios]) with legacy attributes.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during ``fit`` (string names only).

    See Also
    --------
    LogisticRegression : The estimator at one ``C`` and ``l1_ratio``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skreg import LogisticRegressionCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = LogisticRegressionCV(
    ...     Cs=[0.01, 0.1, 1.0], l1_ratios=[1.0], scoring="neg_log_loss",
    ...     use_legacy_attributes=False,
    ... ).fit(X, y)
    >>> clf.C_ in (0.01, 0.1, 1.0)
    True
    >>> clf.scores_.shape
    (5, 1, 3)
    """

    _parameter_constraints: dict = {
        **LogisticRegression._parameter_constraints,
        "Cs": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "l1_ratios": ["array-like", None, Hidden(StrOptions({"warn"}))],
        "cv": ["cv_object"],
        "scoring": [
            StrOptions(set(get_scorer_names())),
            callable,
            None,
            Hidden(StrOptions({"warn"})),
        ],
        "refit": ["boolean"],
        "penalty": [
            StrOptions({"l1", "l2", "elasticnet"}),
            Hidden(StrOptions({"deprecated"})),
        ],
        "use_legacy_attributes": ["boolean", Hidden(StrOptions({"warn"}))],
    }
    for _param in ("C", "warm_start", "l1_ratio"):
        _parameter_constraints.pop(_param)
    del _param

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios="warn",
        fit_intercept=True,
        cv=None,
        dual=False,
        penalty="deprecated",
        scoring="warn",
        solver="lbfgs",
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        n_jobs=None,
        verbose=0,
        refit=True,
        intercept_scaling=1.0,
        random_state=None,
        use_legacy_attributes="warn",
        penalty_factor=None,
    ):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.dual = dual
        self.penalty = penalty
        self.scoring = scoring
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.solver = solver
        self.refit = refit
        self.intercept_scaling = intercept_scaling
        self.random_state = random_state
        self.use_legacy_attributes = use_legacy_attributes
        self.penalty_factor = penalty_factor

    def _resolve_options(self):
        """scikit-learn 1.9's deprecation handling, with its warnings.

        Returns ``(l1_ratios, l1_ratios_, penalty, scoring, legacy)``:
        ``l1_ratios`` as given (None for the 'warn' default), the grid of the
        attributes, the effective penalty name, the scorer spec and whether
        to use the legacy attributes.
        """
        if isinstance(self.l1_ratios, str) and self.l1_ratios == "warn":
            l1_ratios = None
            warnings.warn(
                "The default value for l1_ratios will change from None to (0.0,) "
                "in version 1.10. From version 1.10 onwards, only array-like "
                "with values in [0, 1] will be allowed, None will be forbidden. "
                "To avoid this warning, explicitly set a value, "
                "e.g. l1_ratios=(0,).",
                FutureWarning,
            )
        else:
            l1_ratios = self.l1_ratios
        if self.penalty == "deprecated":
            if self.l1_ratios is None:
                warnings.warn(
                    "'l1_ratios=None' was deprecated in version 1.8 and will "
                    "trigger an error in 1.10. Use an array-like with values"
                    "in [0, 1] instead.",
                    FutureWarning,
                )
            if l1_ratios is None or np.all(np.asarray(l1_ratios) == 0):
                penalty = "l2"
            elif np.all(np.asarray(l1_ratios) == 1):
                penalty = "l1"
            else:
                penalty = "elasticnet"
        else:
            penalty = self.penalty
            warnings.warn(
                "'penalty' was deprecated in version 1.8 and will be removed in"
                " 1.10. To avoid this warning, leave 'penalty' set to its default"
                " value and use 'l1_ratios' and 'Cs' instead."
                " Use l1_ratios=(0,) instead of penalty='l2',"
                " l1_ratios=(1,) instead of penalty='l1',"
                " l1_ratios set to floats between 0 and 1 instead of"
                " penalty='elasticnet', and Cs=(np.inf,) instead of penalty=None.",
                FutureWarning,
            )
        if self.scoring == "warn":
            warnings.warn(
                "The default value of the parameter 'scoring' will change from "
                "None, i.e. accuracy, to 'neg_log_loss' in version 1.11. To "
                "silence this warning, explicitly set the scoring parameter: "
                "scoring='neg_log_loss' for the new, scoring='accuracy' or "
                "scoring=None for the old default.",
                FutureWarning,
            )
            scoring = None
        else:
            scoring = self.scoring
        if self.use_legacy_attributes == "warn":
            name = type(self).__name__
            warnings.warn(
                f"The fitted attributes of {name} will be "
                "simplified in scikit-learn 1.10 to remove redundancy. Set"
                "`use_legacy_attributes=False` to enable the new behavior now, or "
                "set it to `True` to silence this warning during the transition "
                "period while keeping the deprecated behavior for the time being. "
                "The default value of use_legacy_attributes will change from True "
                f"to False in scikit-learn 1.10. See the docstring of {name} "
                "for more details.",
                FutureWarning,
            )
            legacy = True
        else:
            legacy = self.use_legacy_attributes
        if penalty == "elasticnet":
            if (
                l1_ratios is None
                or len(l1_ratios) == 0
                or any(
                    not isinstance(r, numbers.Number) or r < 0 or r > 1
                    for r in l1_ratios
                )
            ):
                raise ValueError(
                    "l1_ratios must be an array-like of numbers between "
                    f"0 and 1; got (l1_ratios={l1_ratios!r})"
                )
            l1_ratios_ = list(l1_ratios)
        else:
            if l1_ratios is not None and self.penalty != "deprecated":
                warnings.warn(
                    "l1_ratios parameter is only used when penalty "
                    f"is 'elasticnet'. Got (penalty={penalty})"
                )
            l1_ratios_ = [None] if l1_ratios is None else list(l1_ratios)
        return l1_ratios, l1_ratios_, penalty, scoring, legacy

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, **params):
        """Fit the model along the ``Cs`` grid on every fold, then refit.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; float32 stays float32, sparse stays sparse.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative sample weights (also passed to the scorer).
        **params : dict
            Parameters for the splitter and the scorer (metadata routing).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        _raise_for_params(params, self, "fit")
        l1_ratios, l1_ratios_, penalty, scoring, legacy = self._resolve_options()
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            accept_large_sparse=False,
        )
        check_classification_targets(y)
        self.classes_ = classes = np.unique(y)
        n_classes = classes.size
        if n_classes < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes"
                " in the data, but the data contains only one"
                f" class: {classes[0]!r}."
            )
        n_features = X.shape[1]
        is_binary = n_classes == 2
        y_encoded = np.searchsorted(classes, y)
        check_non_negative_sample_weight(sample_weight)
        if isinstance(self.class_weight, dict) and not set(self.class_weight) <= set(
            classes
        ):
            raise ValueError(
                "The given class_weight dict must have the class labels as keys; "
                f"classes={classes} but key={self.class_weight.keys()}"
            )
        if _routing_enabled():
            routed = process_routing(self, "fit", sample_weight=sample_weight, **params)
            split_params = routed.splitter.split
            score_params = routed.scorer.score
        else:
            split_params = {}
            score_params = {}
            if sample_weight is not None:
                score_params["sample_weight"] = sample_weight
        # Class weights ('balanced' from the whole y) times the sample weights,
        # sliced per fold: what scikit-learn's per-fold paths use.
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64)
        weights = class_sample_weight(self.class_weight, classes, y, y_encoded, weights)
        penalty_factor = self._check_penalty_factor(n_features)

        folds = list(check_cv(self.cv, y, classifier=True).split(X, y, **split_params))
        Cs = self.Cs
        Cs_ = (
            np.logspace(-4, 4, Cs)
            if isinstance(Cs, numbers.Integral)
            else np.asarray(Cs, dtype=np.float64)
        )
        self.Cs_ = Cs_
        multinomial = not is_binary
        scorer = _fold_scorer(scoring, classes)
        # The model that scores each grid point: skreg's own predict_proba.
        path_kwargs = dict(
            fit_intercept=self.fit_intercept,
            penalty_factor=penalty_factor,
            tol=self.tol,
            max_iter=self.max_iter,
            multinomial=multinomial,
        )

        def fold_path(train, test, l1_ratio):
            coefs, intercepts, n_iter = logistic_path(
                X[train],
                y_encoded[train],
                Cs=Cs_,
                l1_ratio=_effective_l1_ratio(penalty, l1_ratio),
                sample_weight=weights[train],
                **path_kwargs,
            )
            fold_params = _check_method_params(X, params=score_params, indices=test)
            model = LogisticRegression()
            model.classes_ = classes
            scores = np.empty(Cs_.size)
            for m in range(Cs_.size):
                model.coef_ = coefs[m].astype(X.dtype, copy=False)
                model.intercept_ = intercepts[m] if self.fit_intercept else 0.0
                scores[m] = scorer(model, X[test], y[test], fold_params)
            if self.fit_intercept:
                coefs = np.concatenate([coefs, intercepts[:, :, None]], axis=2)
            return coefs, scores, n_iter

        results = Parallel(n_jobs=self.n_jobs, verbose=self.verbose, prefer="threads")(
            delayed(fold_path)(train, test, l1_ratio)
            for train, test in folds
            for l1_ratio in l1_ratios_
        )
        n_folds, n_l1, n_cs = len(folds), len(l1_ratios_), Cs_.size
        n_rows = 1 if is_binary else n_classes
        n_dof = n_features + int(self.fit_intercept)
        shape = (n_folds, n_l1, n_cs)
        paths = np.reshape([r[0] for r in results], (*shape, n_rows, n_dof))
        scores = np.reshape([r[1] for r in results], shape)
        n_iter = np.reshape([r[2] for r in results], shape)

        if self.refit:
            # scikit-learn's rule: the first maximum of the scores summed over
            # folds, C varying fastest within each l1_ratio... in its
            # (n_cs, n_l1_ratios) layout, so C is the major index.
            total = scores.sum(axis=0).T  # (n_cs, n_l1)
            i_c, i_l1 = np.unravel_index(np.argmax(total), total.shape)
            C_, l1_ratio_ = Cs_[i_c], l1_ratios_[i_l1]
            start = paths[:, i_l1, i_c].mean(axis=0)  # (n_rows, n_dof)
            coefs, intercepts, _ = logistic_path(
                X,
                y_encoded,
                Cs=[C_],
                l1_ratio=_effective_l1_ratio(penalty, l1_ratio_),
                sample_weight=weights,
                coef_init=start,
                **path_kwargs,
            )
            coef, intercept = coefs[0], intercepts[0]
            C_list, l1_list = [C_], [l1_ratio_]
        else:
            flat = scores.transpose(0, 2, 1).reshape(n_folds, -1)  # (folds, cs*l1)
            best = np.unravel_index(np.argmax(flat, axis=1), (n_cs, n_l1))
            w = np.mean([paths[k, best[1][k], best[0][k]] for k in range(n_folds)], 0)
            coef = w[:, :n_features]
            intercept = w[:, n_features] if self.fit_intercept else np.zeros(n_rows)
            C_list = [np.mean(Cs_[best[0]])]
            if penalty == "elasticnet":
                l1_list = [np.mean(np.asarray(l1_ratios_, dtype=float)[best[1]])]
            else:
                l1_list = [0.0]
        self.coef_ = np.asarray(coef, dtype=X.dtype)
        self.intercept_ = (
            np.asarray(intercept, dtype=X.dtype)
            if self.fit_intercept
            else np.zeros(n_rows, dtype=X.dtype)
        )
        self.l1_ratios_ = np.asarray(l1_ratios_)
        if legacy:
            self._set_legacy_attributes(
                paths, scores, n_iter, C_list, l1_list, l1_ratios is None
            )
        else:
            self.C_ = float(C_list[0])
            if l1_ratios is None:
                self.l1_ratio_ = 1.0 if self.penalty == "l1" else 0.0
            else:
                self.l1_ratio_ = float(l1_list[0])
            self.coefs_paths_ = paths
            self.scores_ = scores
            self.n_iter_ = n_iter
        return self

    def _set_legacy_attributes(self, paths, scores, n_iter, C_list, l1_list, no_l1):
        """scikit-learn's ``use_legacy_attributes=True`` shapes."""
        classes = self.classes_
        keys = classes[1:] if classes.size == 2 else classes
        n_keys = keys.size
        # paths: (n_folds, n_l1, n_cs, n_rows, n_dof) -> per row
        # (n_folds, n_cs, n_l1, n_dof); scores/n_iter -> (n_folds, n_cs, n_l1).
        per_row = np.moveaxis(paths, 3, 0).swapaxes(2, 3)
        scores = scores.swapaxes(1, 2)
        n_iter = n_iter.swapaxes(1, 2)[None]
        if no_l1:
            per_row, scores, n_iter = per_row[..., 0, :], scores[..., 0], n_iter[..., 0]
        self.coefs_paths_ = dict(zip(keys, per_row, strict=True))
        self.scores_ = {k: scores.copy() for k in keys}
        self.n_iter_ = n_iter
        self.C_ = np.tile(np.asarray(C_list, dtype=float), n_keys)
        self.l1_ratio_ = np.tile(np.asarray(l1_list), n_keys)

    def score(self, X, y, sample_weight=None, **score_params):
        """Score with the ``scoring`` option (accuracy by default).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        **score_params : dict
            Parameters for the scorer (metadata routing).

        Returns
        -------
        score : float
            The scorer's value of the fitted model on ``X``, ``y``.
        """
        _raise_for_params(score_params, self, "score")
        if sample_weight is not None:
            score_params["sample_weight"] = sample_weight
        scoring = self._get_scorer()
        if _routing_enabled():
            score_params = process_routing(self, "score", **score_params).scorer.score
        else:
            weights = score_params.get("sample_weight")
            score_params = {} if weights is None else {"sample_weight": weights}
        return scoring(self, X, y, **score_params)

    def get_metadata_routing(self):
        """Metadata routing of this estimator (splitter and scorer).

        Returns
        -------
        routing : MetadataRouter
            The routing of ``fit`` to the splitter and of ``fit``/``score``
            to the scorer.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                splitter=self.cv,
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
            .add(
                scorer=self._get_scorer(),
                method_mapping=MethodMapping()
                .add(caller="score", callee="score")
                .add(caller="fit", callee="score"),
            )
        )

    def _get_scorer(self):
        if self.scoring == "warn":
            return get_scorer("accuracy")
        return get_scorer(self.scoring or "accuracy")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _effective_l1_ratio(penalty, l1_ratio):
    """The ``l1_ratio`` fitted: the penalty decides when it is not elastic-net
    (``l1_ratios_`` may then hold ``None`` or values scikit-learn ignores)."""
    if penalty == "l1":
        return 1.0
    if penalty == "l2":
        return 0.0
    return float(l1_ratio)


def _decision(model, X):
    """``model.decision_function(X)`` without input validation (fold data)."""
    Z = np.asarray(safe_sparse_dot(X, model.coef_.T, dense_output=True))
    Z = Z + model.intercept_
    return Z[:, 0] if Z.shape[1] == 1 else Z


def _fast_accuracy(model, X, y, params):
    """scikit-learn's ``accuracy`` scorer (``model.score``) on a fold."""
    Z = _decision(model, X)
    index = (Z > 0).astype(int) if Z.ndim == 1 else Z.argmax(axis=1)
    hits = model.classes_[index] == y
    return float(np.average(hits, weights=params.get("sample_weight")))


def _fast_neg_log_loss(model, X, y, params):
    """scikit-learn's ``neg_log_loss`` scorer on a fold: ``-log_loss`` of
    ``predict_proba`` with its clipping to ``[eps, 1 - eps]``."""
    Z = _decision(model, X)
    if Z.ndim == 1:
        p1 = expit(Z)
        proba = np.column_stack([1 - p1, p1])
    else:
        proba = softmax(Z, copy=False)
    eps = np.finfo(proba.dtype).eps
    picked = np.clip(proba, eps, 1 - eps)[
        np.arange(len(y)), np.searchsorted(model.classes_, y)
    ]
    return -float(np.average(-np.log(picked), weights=params.get("sample_weight")))


# Scorers computed here from the coefficients: scikit-learn's scorer objects
# validate their inputs at every call, 8 ms each, which was two thirds of a
# 5-fold, 10-C LogisticRegressionCV fit on a 500x1000 sparse problem.
# tests/linear_model/test_logistic_cv.py checks they equal the scorers.
_FAST_SCORERS = {
    None: _fast_accuracy,
    "accuracy": _fast_accuracy,
    "neg_log_loss": _fast_neg_log_loss,
}


def _fold_scorer(scoring, classes):
    """``score(model, X_test, y_test, params)`` as scikit-learn's CV scores.

    ``None`` is ``model.score`` (accuracy, weighted by the test fold's sample
    weights). Scorers whose metric takes ``labels`` get all the classes, so a
    fold missing a class still scores (scikit-learn does the same).
    """
    if isinstance(scoring, str | None) and scoring in _FAST_SCORERS:
        fast = _FAST_SCORERS[scoring]

        def score(model, X, y, params):
            if set(params) - {"sample_weight"}:  # routed extras: the scorer
                return get_scorer(scoring or "accuracy")(model, X, y, **params)
            return fast(model, X, y, params)

        return score
    scorer = get_scorer(scoring)
    sig = (
        inspect.signature(scorer._score_func).parameters
        if hasattr(scorer, "_score_func")
        else []
    )
    if "labels" in sig:
        pos_label = {}
        if classes.size <= 2 and "pos_label" in sig:
            pos_label["pos_label"] = classes[-1]
        scorer = make_scorer(
            scorer._score_func,
            greater_is_better=scorer._sign == 1,
            response_method=scorer._response_method,
            labels=classes,
            **pos_label,
            **getattr(scorer, "_kwargs", {}),
        )

    def score(model, X, y, params):
        return scorer(model, X, y, **params)

    return score
