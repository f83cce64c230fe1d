"""LassoCV and ElasticNetCV: scikit-learn's model selection around skreg's solver.

scikit-learn's ``LinearModelCV`` only splits folds, centers each training fold,
scores held-out MSE and refits; every solve goes through the class's ``path``
and ``_get_estimator``.  Pointing those at skreg's :func:`enet_path` and
estimators makes the whole search run on skreg's kernels.  Folds and
``l1_ratio`` values run in joblib threads (``n_jobs``); the kernels release the
GIL, and each fold warm-starts along its own path.  Tall dense data skips that
loop: its folds are solved from Gram matrices (:mod:`._cv_gram`).
"""

import sys
import threading
import time
from numbers import Integral, Real

import numpy as np
from joblib import parallel_config
from sklearn.linear_model import ElasticNetCV as _SklearnElasticNetCV
from sklearn.linear_model import LassoCV as _SklearnLassoCV
from sklearn.model_selection import check_cv
from sklearn.utils import check_array

from skreg._validation import check_non_negative_sample_weight, check_penalty_factor
from skreg.linear_model._alpha_grid import alpha_grid
from skreg.linear_model._coordinate_descent import ElasticNet, Lasso
from skreg.linear_model._cv_gram import gram_search, gram_search_applies
from skreg.linear_model._cv_refine import DeferredRefit, StagedPaths
from skreg.linear_model._cv_ties import refit_best
from skreg.linear_model._path import enet_path, lasso_path


class _PathProgress:
    """Wraps ``path`` during a verbose ``fit``: one line per fold's path.

    scikit-learn's ``LinearModelCV`` calls ``self.path`` once per (l1_ratio,
    fold) job, in that order, possibly from several threads; the lock keeps
    the job numbering and the lines intact.
    """

    def __init__(self, path, name, n_folds, n_jobs, verbose):
        self.path = path
        self.name = name
        self.n_folds = n_folds
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.started = 0
        self.lock = threading.Lock()

    def __call__(self, X, y, **params):
        start = time.perf_counter()
        out = self.path(X, y, **params)
        y = np.asarray(y, dtype=np.float64)
        tol = params.get("tol", 1e-4) * float(y @ y) / y.shape[0]
        self.report(out[0], out[2], tol, params.get("l1_ratio"), start)
        return out

    def report(self, alphas, gaps, tol, l1_ratio, start):
        """Print the line of the next path: its ``alphas``, worst gap and time.

        ``tol`` is the path's gap tolerance (per sample), ``start`` its
        ``time.perf_counter()`` at the start.
        """
        elapsed = time.perf_counter() - start
        with self.lock:
            job = self.started
            self.started += 1
        if self.n_folds:
            where = f"fold {job % self.n_folds + 1}/{self.n_folds}"
            if self.n_jobs > self.n_folds:
                where = f"path {job + 1}/{self.n_jobs}, " + where
        else:
            where = f"path {job + 1}"
        if l1_ratio is not None and self.name == "ElasticNetCV":
            where += f" (l1_ratio={l1_ratio:g})"
        worst = float(np.max(gaps)) if len(gaps) else 0.0
        status = "all converged" if worst <= tol else "NOT all converged"
        line = (
            f"[{self.name}] {where}: {len(alphas)} alphas "
            f"{alphas[0]:.2e} .. {alphas[-1]:.2e}, worst dual gap {worst:.2e} "
            f"(tol {tol:.2e}, {status}), {elapsed:.2f} s"
        )
        with self.lock:
            if self.verbose == 1:
                # End scikit-learn's row of dots (stderr) before the line.
                sys.stderr.write("\n")
                sys.stderr.flush()
            print(line, flush=True)


class _ProgressMixin:
    """Fold-by-fold progress for ``verbose > 0``; silent and unchanged otherwise.

    scikit-learn's ``verbose`` reaches the path function (dots, or a line per
    alpha) and joblib; skreg adds a line per fold's path and a closing line
    with the chosen parameters.
    """

    def fit(self, X, y, sample_weight=None, **params):
        """Fit the model with coordinate descent along each fold's path.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.
        sample_weight : float or array-like of shape (n_samples,), default=None
            Sample weights used for fitting and evaluation of the weighted
            mean squared error of each cv-fold.
        **params : dict, default=None
            Parameters to be passed to the CV splitter (metadata routing).

        Returns
        -------
        self : object
            Returns an instance of fitted model.
        """
        # scikit-learn takes sqrt(sample_weight) and fails later with
        # "Input contains NaN", which names neither input nor cause.
        check_non_negative_sample_weight(sample_weight)
        # The grid with penalty factors is computed before scikit-learn's fit
        # validates the parameters: validate first, with its errors.
        self._validate_params()
        grids = self._penalty_factor_grids(X, y, sample_weight)
        if grids is None:
            return self._fit(X, y, sample_weight, **params)
        if len(grids) > 1:
            return self._fit_each_l1_ratio(X, y, sample_weight, grids, **params)
        requested = self.alphas
        # scikit-learn's grid ignores the factors: pass skreg's explicitly.
        self.alphas = grids[0]
        try:
            self._fit(X, y, sample_weight, **params)
        finally:
            self.alphas = requested
        return self

    def _penalty_factor_grids(self, X, y, sample_weight):
        """The automatic grid of each l1_ratio with ``penalty_factor``, or None.

        scikit-learn computes its grid from ``X'y``; with penalty factors it
        must start at the alpha where every penalized coefficient is zero
        (:func:`skreg.linear_model._alpha_grid.alpha_max`).
        """
        if self.penalty_factor is None or not isinstance(self.alphas, Integral):
            return None
        X_checked = check_array(
            X, accept_sparse="csc", dtype=[np.float64, np.float32], input_name="X"
        )
        pf = check_penalty_factor(self.penalty_factor, X_checked.shape[1])
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 1:
            return None  # scikit-learn's own error for 2-D y comes first
        if isinstance(sample_weight, Real) or sample_weight is None:
            sample_weight = None
        else:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        return [
            alpha_grid(
                X_checked,
                y,
                l1_ratio=l1_ratio,
                fit_intercept=self.fit_intercept,
                eps=self.eps,
                n_alphas=self.alphas,
                sample_weight=sample_weight,
                positive=self.positive,
                penalty_factor=pf,
            )
            for l1_ratio in np.atleast_1d(getattr(self, "l1_ratio", 1.0))
        ]

    def _fit_each_l1_ratio(self, X, y, sample_weight, grids, **params):
        """Several l1_ratios with penalty factors: one search per l1_ratio.

        scikit-learn shares an explicit grid across l1_ratios, while each
        l1_ratio has its own automatic grid; so each gets its own search (on
        the same folds) and the best one is kept, as scikit-learn would.
        """
        requested_alphas, requested_ratios = self.alphas, self.l1_ratio
        runs = []
        try:
            ratios = np.atleast_1d(requested_ratios)
            for l1_ratio, grid in zip(ratios, grids, strict=True):
                self.alphas, self.l1_ratio = grid, l1_ratio
                self._fit(X, y, sample_weight, **params)
                best = float(np.min(np.mean(self.mse_path_, axis=-1)))
                runs.append((best, dict(vars(self))))
        finally:
            self.alphas, self.l1_ratio = requested_alphas, requested_ratios
        best_run = min(range(len(runs)), key=lambda k: runs[k][0])
        for name, value in runs[best_run][1].items():
            if name not in ("alphas", "l1_ratio"):
                setattr(self, name, value)
        self.alphas_ = np.asarray(grids)
        self.mse_path_ = np.stack([state["mse_path_"] for _, state in runs])
        return self

    def _search(self, X, y, sample_weight, progress, **params):
        """scikit-learn's fold loop, in stages (see ``_cv_refine``), no refit.

        ``progress`` wraps the first stage's path for verbose output (or is
        None).  Returns the number of refinement stages run.
        """
        staged = StagedPaths(type(self).path)
        requested_cv = self.cv
        if not (
            requested_cv is None
            or isinstance(requested_cv, Integral)
            or hasattr(requested_cv, "split")
        ):
            # An iterable of splits can be read once; every stage needs it.
            self.cv = list(requested_cv)
        refit_model = self._get_estimator()
        # Instance attributes shadow the class's ``path`` and
        # ``_get_estimator`` only during the search.
        self._get_estimator = lambda: DeferredRefit(refit_model)
        self.path = staged if progress is None else progress(staged)
        try:
            # The stages share ``staged`` between the fold jobs: scikit-learn's
            # fold loop must run in threads (as it prefers), whatever joblib
            # backend is active outside (a dask worker's, say), or the state
            # would be pickled away from this process.
            with parallel_config(backend="threading"):
                super().fit(X, y, sample_weight=sample_weight, **params)
                self.path = staged
                l1_ratios = np.atleast_1d(getattr(self, "l1_ratio", 1.0))
                refinements = 0
                while staged.request(self.mse_path_, l1_ratios):
                    super().fit(X, y, sample_weight=sample_weight, **params)
                    refinements += 1
        finally:
            del self.path, self._get_estimator
            self.cv = requested_cv
        return refinements

    def _fit(self, X, y, sample_weight, **params):
        gram = gram_search_applies(self, X, y, params)
        requested_cv = self.cv
        if gram and not (
            requested_cv is None
            or isinstance(requested_cv, Integral)
            or hasattr(requested_cv, "split")
        ):
            # An iterable of splits can be read once; the fold loop may need
            # it again after the Gram search declined.
            self.cv = list(requested_cv)
        # Here, not at the import: it imports numba (import skreg does not).
        from skreg._quick_start import search

        n_folds, n_l1_ratios = self._search_size(X, y, params)
        alphas = self.alphas
        n_alphas = alphas if isinstance(alphas, Integral) else len(alphas)
        try:
            # Its paths' quick starts are interpreted all or none (folds not
            # counted: scikit-learn's default, 5).
            with search(((n_folds or 5) * n_l1_ratios + 1) * n_alphas):
                return self._search_and_refit(X, y, sample_weight, gram, **params)
        finally:
            self.cv = requested_cv

    def _search_size(self, X, y, params):
        """``(folds, l1_ratios)`` of the search; folds None when they cannot
        be counted without reading the splits (an iterator of them)."""
        l1_ratios = np.atleast_1d(getattr(self, "l1_ratio", 1.0))
        cv, n_folds = self.cv, None
        if cv is None or isinstance(cv, Integral) or hasattr(cv, "get_n_splits"):
            try:
                n_folds = check_cv(cv).get_n_splits(X, y, params.get("groups"))
            except Exception:  # noqa: BLE001 - a count for display and planning
                n_folds = None
        elif hasattr(cv, "__len__"):
            n_folds = len(cv)
        return n_folds, len(l1_ratios)

    def _search_either_way(self, X, y, sample_weight, gram, progress, **params):
        """The Gram search where it applies, else the staged fold loop.

        Returns the number of refinement stages of the fold loop (0 for the
        Gram search, which solves every path tightly at once) and the Gram
        search's refit (None after the fold loop).
        """
        report = None if progress is None else progress(None)
        if gram:
            refit = gram_search(self, X, y, sample_weight, report)
            if refit is not None:
                return 0, refit
        return self._search(X, y, sample_weight, progress, **params), None

    def _search_and_refit(self, X, y, sample_weight, gram, **params):
        if not self.verbose:
            _, refit = self._search_either_way(
                X, y, sample_weight, gram, None, **params
            )
            refit_best(self, X, y, sample_weight, refit)
            return self
        name = type(self).__name__
        n_folds, n_l1_ratios = self._search_size(X, y, params)
        n_jobs = n_folds * n_l1_ratios if n_folds else 0
        print(
            f"[{name}] {n_folds or '?'} folds x {n_l1_ratios} l1_ratio: "
            f"fitting {n_jobs or 'all'} paths, then refitting the best alpha",
            flush=True,
        )
        start = time.perf_counter()

        def progress(path):
            return _PathProgress(path, name, n_folds, n_jobs, self.verbose)

        stages, refit = self._search_either_way(
            X, y, sample_weight, gram, progress, **params
        )
        if stages:
            print(
                f"[{name}] re-solved the alphas around the minimum to a tighter "
                f"gap in {stages} more pass{'es' if stages > 1 else ''}",
                flush=True,
            )
        refit_best(self, X, y, sample_weight, refit)
        mean_mse = np.mean(self.mse_path_, axis=-1)
        alphas = np.asarray(self.alphas_)
        # Locate the chosen model in the grid rather than re-deriving the
        # choice, so the line reports whatever rule picked alpha_.
        if mean_mse.ndim == 2:  # ElasticNetCV with several l1_ratios
            ratios = np.atleast_1d(self.l1_ratio)
            row = int(np.argmin(np.abs(ratios - self.l1_ratio_)))
            mean_mse = mean_mse[row]
            alphas = alphas[row] if alphas.ndim == 2 else alphas
        index = int(np.argmin(np.abs(alphas - self.alpha_)))
        chosen = f"alpha={self.alpha_:.4e} ({index + 1}/{mean_mse.size})"
        if name == "ElasticNetCV":
            chosen += f", l1_ratio={self.l1_ratio_:g}"
        print(
            f"[{name}] best {chosen}, mean held-out MSE {mean_mse[index]:.4e}; "
            f"refit: dual gap {float(np.max(self.dual_gap_)):.2e}, "
            f"{self.n_iter_} sweeps; total {time.perf_counter() - start:.2f} s",
            flush=True,
        )
        return self


class LassoCV(_ProgressMixin, _SklearnLassoCV):
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
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multiplier of the penalty (glmnet's ``penalty.factor``,
        not rescaled), passed to every path and to the refit; None means all
        ones, 0 leaves a feature unpenalized. The automatic grid then starts
        at the smallest alpha at which every penalized coefficient is zero.

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
    >>> bool(reg.score(X, y) > 0.999)
    True
    >>> reg.mse_path_.shape  # (n_alphas, n_folds)
    (100, 5)
    """

    _parameter_constraints: dict = {
        **_SklearnLassoCV._parameter_constraints,
        "penalty_factor": ["array-like", None],
    }
    path = staticmethod(lasso_path)

    def __init__(
        self,
        *,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        copy_X=True,
        cv=None,
        verbose=False,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        super().__init__(
            eps=eps,
            alphas=alphas,
            fit_intercept=fit_intercept,
            precompute=precompute,
            max_iter=max_iter,
            tol=tol,
            copy_X=copy_X,
            cv=cv,
            verbose=verbose,
            n_jobs=n_jobs,
            positive=positive,
            random_state=random_state,
            selection=selection,
        )
        self.penalty_factor = penalty_factor

    def _get_estimator(self):
        return Lasso()


class ElasticNetCV(_ProgressMixin, _SklearnElasticNetCV):
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
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multiplier of both penalty terms (glmnet's
        ``penalty.factor``, not rescaled), passed to every path and to the
        refit; None means all ones, 0 leaves a feature unpenalized. The
        automatic grid of each l1_ratio then starts at the smallest alpha at
        which every penalized coefficient is zero; with several l1_ratios each
        is searched on its own grid and the best is kept.

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
    >>> regr = ElasticNetCV(l1_ratio=[0.5, 0.9, 1.0], cv=5, random_state=0).fit(X, y)
    >>> print(f"alpha_={regr.alpha_:.3f}, l1_ratio_={regr.l1_ratio_}")
    alpha_=..., l1_ratio_=1.0
    >>> print(regr.coef_.round(0))
    [29. 96.]
    """

    _parameter_constraints: dict = {
        **_SklearnElasticNetCV._parameter_constraints,
        "penalty_factor": ["array-like", None],
    }
    path = staticmethod(enet_path)

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        cv=None,
        copy_X=True,
        verbose=0,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
        penalty_factor=None,
    ):
        super().__init__(
            l1_ratio=l1_ratio,
            eps=eps,
            alphas=alphas,
            fit_intercept=fit_intercept,
            precompute=precompute,
            max_iter=max_iter,
            tol=tol,
            cv=cv,
            copy_X=copy_X,
            verbose=verbose,
            n_jobs=n_jobs,
            positive=positive,
            random_state=random_state,
            selection=selection,
        )
        self.penalty_factor = penalty_factor

    def _get_estimator(self):
        return ElasticNet()
