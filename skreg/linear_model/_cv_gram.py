"""LassoCV and ElasticNetCV on tall dense data: every fold from Gram matrices.

scikit-learn's fold loop copies each training fold (``X[train]``), centers
the copy and computes its Gram matrix, for every fold; on 50000x200 that was
95% of ``LassoCV``'s time, the solves 5% (issue 12, dense-tall/cv).  When
``n_samples >= 2 * n_features`` skreg solves the folds in covariance mode,
which needs only ``X_T'X_T``, ``X_T'y_T`` and ``y_T'y_T`` of the centered,
weighted training rows.  When each training set is the complement of its test
set (KFold, StratifiedKFold, GroupKFold, ...), those are the whole data's sums
minus the test fold's, so the search reads each test fold once: one product of
its rows for the statistics, one for the held-out predictions.

Everything is computed on ``X`` centered by its global (weighted) mean, so
the fold means are small corrections and the Gram matrices do not cancel.
The held-out errors are computed from the held-out residuals themselves, as
scikit-learn does, not expanded through the Gram matrix (which cancels when
the model fits well).  Folds, alphas, weights, the error and the choice are
scikit-learn's; only the order of the arithmetic differs.
"""

import numbers
import time
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import check_cv
from sklearn.utils import check_consistent_length, check_random_state, check_scalar
from sklearn.utils.validation import column_or_1d

from skreg._fast_validation import validate_data
from skreg._sklearn import _check_sample_weight, _routing_enabled
from skreg._validation import check_penalty_factor
from skreg.linear_model._alpha_grid import alpha_grid
from skreg.linear_model._path import PATH_GAP, enet_path, lasso_path, solve_path


def gram_search_applies(estimator, X, y, params):
    """Whether ``estimator.fit(X, y, **params)`` can search by Gram folds.

    Cheap tests on the raw inputs, before any validation: dense 2-D ``X`` with
    ``n_samples >= AUTO_GRAM_MIN_RATIO * n_features`` (the rule by which a
    single fit uses covariance mode), 1-D ``y``, no precomputed Gram matrix,
    no routed splitter parameters, and skreg's own path function (not a
    subclass's).  Anything else goes
    through scikit-learn's fold loop.
    """
    # Imported here: _strategy loads the kernels, and numba with them, which
    # ``from skreg import LassoCV`` does not.
    from skreg.linear_model._strategy import (
        AUTO_GRAM_MAX_FEATURES,
        AUTO_GRAM_MIN_RATIO,
    )

    if params or _routing_enabled():
        return False
    if type(estimator).path not in (lasso_path, enet_path):
        return False  # a subclass's own path function must be called
    if sp.issparse(X) or not hasattr(X, "shape") or len(X.shape) != 2:
        return False
    y_shape = np.shape(y)
    if len(y_shape) == 2 and y_shape[1] == 1:
        y_shape = y_shape[:1]  # a column: scikit-learn ravels it, with a warning
    if len(y_shape) != 1 or hasattr(estimator.precompute, "__array__"):
        return False
    n_samples, n_features = X.shape
    return (
        0 < n_features <= AUTO_GRAM_MAX_FEATURES
        and n_samples >= AUTO_GRAM_MIN_RATIO * n_features
    )


class _FoldStatistics:
    """Weighted sums of the centered data over a set of rows.

    ``gram = Xc' diag(sw) Xc``, ``xty = Xc' diag(sw) yc``, ``yty``,
    ``x_sum = Xc' sw``, ``y_sum`` and ``weight = sum(sw)`` (float64 but
    ``gram``, which is in ``X``'s dtype as scikit-learn's fold Gram is).
    """

    def __init__(self, Xc, yc, sw):
        # ``A.T @ A`` of one array: numpy computes it with BLAS syrk.
        scaled = Xc if sw is None else Xc * np.sqrt(sw)[:, None].astype(Xc.dtype)
        self.gram = scaled.T @ scaled
        # Products with float64 vectors: no weighted copy of the rows.
        wy = yc if sw is None else yc * sw
        self.xty = Xc.T @ wy
        self.yty = float(wy @ yc)
        self.x_sum = Xc.sum(axis=0, dtype=np.float64) if sw is None else Xc.T @ sw
        self.y_sum = float(wy.sum())
        self.weight = float(len(yc) if sw is None else sw.sum())

    def _combine(self, other, sign):
        combined = object.__new__(_FoldStatistics)
        for name in ("gram", "xty", "yty", "x_sum", "y_sum", "weight"):
            setattr(combined, name, getattr(self, name) + sign * getattr(other, name))
        return combined

    def plus(self, other):
        """The sums over this set's rows and ``other``'s (disjoint)."""
        return self._combine(other, 1)

    def minus(self, other):
        """The sums over this set's rows that are not in ``other``'s."""
        return self._combine(other, -1)


def _complement_folds(folds, n_samples):
    """Whether every training set is exactly the complement of its test set."""
    for train, test in folds:
        if len(train) + len(test) != n_samples:
            return False
        seen = np.zeros(n_samples, dtype=bool)
        seen[train] = True
        seen[test] = True
        if not seen.all():
            return False
    return True


def _partition(folds, n_samples):
    """Whether the test folds hold every row exactly once."""
    counts = np.zeros(n_samples, dtype=np.intp)
    for _, test in folds:
        np.add.at(counts, test, 1)
    return bool(np.all(counts == 1))


def _layout(sums, n_rows, fit_intercept, dtype, penalty_factor):
    """The covariance-mode layout of the rows whose sums are ``sums``, and
    their means.

    scikit-learn rescales the weights to sum to the number of rows and
    centers by their weighted means; both are applied to the sums here.
    Returns ``(layout, x_mean, y_mean)`` with the means in centered
    coordinates (zeros without an intercept).
    """
    from skreg.linear_model._layouts import GramLayout

    scale = n_rows / sums.weight
    gram = sums.gram.astype(np.float64)
    xty, yty = sums.xty, sums.yty
    x_mean = np.zeros_like(sums.x_sum)
    y_mean = 0.0
    if fit_intercept:
        x_mean = sums.x_sum / sums.weight
        y_mean = sums.y_sum / sums.weight
        gram = gram - sums.weight * np.outer(x_mean, x_mean)
        xty = xty - sums.weight * x_mean * y_mean
        yty = yty - sums.weight * y_mean**2
    layout = GramLayout(
        (scale * gram).astype(dtype),
        (scale * xty).astype(dtype),
        scale * yty,
        penalty_factor=penalty_factor,
    )
    return layout, x_mean, y_mean


class GramRefit:
    """The refit of a Gram search, from the sums over every row.

    scikit-learn refits the chosen model with ``fit(X, y)``; on tall data
    that copied ``X`` to Fortran order and computed its Gram matrix again
    (50000x200: 0.13 s of LassoCV's 0.43 s), while the search already holds
    the sums.  The refit solves the same problem from them, in covariance
    mode as a single fit on such data does, from zero.
    """

    def __init__(self, total, x_center, y_center, n_samples, dtype, penalty_factor):
        self.total = total
        self.x_center = x_center
        self.y_center = y_center
        self.n_samples = n_samples
        self.dtype = dtype
        self.penalty_factor = penalty_factor

    def __call__(self, estimator, alpha, l1_ratio):
        """Fit at ``alpha`` and ``l1_ratio`` with ``estimator``'s parameters.

        Returns ``(coef, intercept, dual_gap, n_iter)`` as a single fit's
        ``coef_``, ``intercept_``, ``dual_gap_`` and ``n_iter_``.
        """
        from skreg.linear_model._cd_solver import solve_enet

        n = self.n_samples
        layout, x_mean, y_mean = _layout(
            self.total, n, estimator.fit_intercept, self.dtype, self.penalty_factor
        )
        coef = np.zeros(len(self.x_center), dtype=self.dtype)
        result = solve_enet(
            layout,
            coef,
            alpha * l1_ratio * n,
            alpha * (1.0 - l1_ratio) * n,
            max_iter=estimator.max_iter,
            tol=estimator.tol,
            positive=estimator.positive,
            rng=check_random_state(estimator.random_state),
            random=estimator.selection == "random",
        )
        intercept = 0.0
        if estimator.fit_intercept:
            x_offset = self.x_center.astype(np.float64) + x_mean
            intercept = self.dtype.type(
                self.y_center + y_mean - x_offset @ coef.astype(np.float64)
            )
        return coef, intercept, self.dtype.type(result.gap / n), result.n_iter


def _held_out_mse(Xc_test, yc_test, sw_test, coefs, x_mean, y_mean):
    """scikit-learn's (weighted) mean squared held-out error per column of ``coefs``."""
    intercepts = y_mean - x_mean @ coefs
    residues = (Xc_test @ coefs).astype(np.float64) - yc_test[:, None]
    residues += intercepts
    if sw_test is None:
        return (residues**2).mean(axis=0)
    return np.average(residues**2, weights=sw_test, axis=0)


def _validate(estimator, X, y, sample_weight):
    """scikit-learn's ``LinearModelCV.fit`` validation of dense inputs."""
    X, y = validate_data(
        estimator,
        X,
        y,
        validate_separately=(
            dict(accept_sparse=False, dtype=[np.float64, np.float32], copy=False),
            dict(copy=False, dtype=[np.float64, np.float32], ensure_2d=False),
        ),
    )
    check_consistent_length(X, y)
    y = column_or_1d(y, warn=True)
    if isinstance(sample_weight, numbers.Number):
        sample_weight = None
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
    return X, y, sample_weight


def _grids(estimator, X, y, l1_ratios, sample_weight):
    """One alpha grid per l1_ratio, as scikit-learn's ``LinearModelCV.fit``."""
    if isinstance(estimator.alphas, Integral):
        return [
            alpha_grid(
                X,
                y,
                l1_ratio=l1_ratio,
                fit_intercept=estimator.fit_intercept,
                positive=estimator.positive,
                eps=estimator.eps,
                n_alphas=estimator.alphas,
                sample_weight=sample_weight,
            )
            for l1_ratio in l1_ratios
        ]
    for index, alpha in enumerate(estimator.alphas):
        check_scalar(
            alpha,
            f"alphas[{index}]",
            target_type=Real,
            min_val=0.0,
            include_boundaries="left",
        )
    grid = np.sort(np.asarray(estimator.alphas, dtype=np.float64))[::-1]
    return [grid] * len(l1_ratios)


def gram_search(estimator, X, y, sample_weight, progress=None):
    """Search the alphas (and l1_ratios) of ``estimator`` by Gram folds.

    ``progress`` (verbose fits): its ``report`` prints a line per path, as
    for the fold loop (:class:`skreg.linear_model._cv._PathProgress`).

    Sets ``alphas_`` and ``mse_path_`` as scikit-learn's ``LinearModelCV.fit``
    does, and ``n_features_in_`` / ``feature_names_in_``; the caller chooses
    and refits (:func:`skreg.linear_model._cv_ties.refit_best`) with the
    returned :class:`GramRefit`.  Returns None, having set nothing but the
    feature attributes, when the folds are not complements of their test
    sets: the caller then runs scikit-learn's fold loop.
    """
    X, y, sample_weight = _validate(estimator, X, y, sample_weight)
    n_samples, n_features = X.shape
    folds = list(check_cv(estimator.cv).split(X, y))
    if not _complement_folds(folds, n_samples):
        return None
    l1_ratios = np.atleast_1d(getattr(estimator, "l1_ratio", 1.0))
    grids = _grids(estimator, X, y, l1_ratios, sample_weight)
    penalty_factor = check_penalty_factor(estimator.penalty_factor, n_features)
    dtype = X.dtype
    sw = None if sample_weight is None else sample_weight.astype(np.float64)
    y64 = y.astype(np.float64)
    if estimator.fit_intercept:
        x_center = np.average(X, axis=0, weights=sw).astype(dtype)
        y_center = float(np.average(y64, weights=sw))
    else:
        x_center, y_center = np.zeros(n_features, dtype=dtype), 0.0
    Xc = X - x_center
    yc = y64 - y_center
    # One copy of each test fold's rows (together, one copy of X), read twice:
    # for the fold's sums and for its held-out predictions.
    tests = [Xc[test] for _, test in folds]
    held_out = [
        _FoldStatistics(Xc_test, yc[test], None if sw is None else sw[test])
        for Xc_test, (_, test) in zip(tests, folds, strict=True)
    ]
    if _partition(folds, n_samples):
        # The test folds cover every row once: their sums are the total.
        total = held_out[0]
        for statistics in held_out[1:]:
            total = total.plus(statistics)
    else:
        total = _FoldStatistics(Xc, yc, sw)
    mse_paths = np.empty((len(l1_ratios), len(folds), len(grids[0])))
    for k, (train, test) in enumerate(folds):
        Xc_test = tests[k]
        sw_test = None if sw is None else sw[test]
        layout, x_mean, y_mean = _layout(
            total.minus(held_out[k]),
            len(train),
            estimator.fit_intercept,
            dtype,
            penalty_factor,
        )
        for r, (l1_ratio, grid) in enumerate(zip(l1_ratios, grids, strict=True)):
            start = time.perf_counter()
            coefs, gaps, _ = solve_path(
                layout,
                np.zeros(n_features, dtype=dtype),
                grid,
                float(l1_ratio),
                len(train),
                len(train),
                tol=estimator.tol,
                max_iter=estimator.max_iter,
                positive=estimator.positive,
                rng=check_random_state(estimator.random_state),
                random=estimator.selection == "random",
                screening=True,
                path_gap=PATH_GAP,
                verbose=estimator.verbose,
            )
            if progress is not None:
                tol = estimator.tol * layout.y_norm2 / len(train)
                progress.report(grid, gaps, tol, l1_ratio, start)
            mse_paths[r, k] = _held_out_mse(
                Xc_test, yc[test], sw_test, coefs, x_mean, y_mean
            )
    estimator.mse_path_ = np.squeeze(np.moveaxis(mse_paths, 2, 1))
    if hasattr(estimator, "l1_ratio"):
        estimator.l1_ratio_ = l1_ratios[0]  # the refit sets the chosen one
    alphas = np.asarray(grids)
    estimator.alphas_ = alphas[0] if len(l1_ratios) == 1 else alphas
    if not isinstance(estimator.alphas, Integral):
        estimator.alphas_ = alphas[0]
    return GramRefit(total, x_center, y_center, n_samples, dtype, penalty_factor)
