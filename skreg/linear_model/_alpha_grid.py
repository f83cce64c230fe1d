"""The regularization grid: ``alpha_max`` and the geometric sequence below it."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.sparsefuncs import mean_variance_axis


def alpha_max(
    X,
    y,
    *,
    Xy=None,
    l1_ratio=1.0,
    fit_intercept=True,
    sample_weight=None,
    positive=False,
    penalty_factor=None,
):
    """Smallest alpha for which every coefficient is zero.

    ``alpha_max = ||X_c' W y_c||_inf / (sum(sw) * l1_ratio)`` with ``X_c`` and
    ``y_c`` centered when ``fit_intercept`` (rows norm across targets for 2-D
    ``y``; the largest positive correlation with ``positive``).

    With ``penalty_factor`` ``pf`` (validated, 1-D ``y``): the smallest alpha
    at which every *penalized* coefficient is zero, ``max_j |x_j' W r0| /
    (sum(sw) * pf_j * l1_ratio)`` over ``pf_j > 0``, where ``r0`` is the
    residual of the unpenalized features (and the intercept) fitted alone.
    """
    if l1_ratio == 0:
        raise ValueError(
            "Automatic alpha grid generation is not supported for l1_ratio=0. "
            "Please supply a grid by providing your estimator with the "
            "appropriate `alphas=` argument."
        )
    if penalty_factor is not None and np.any(penalty_factor == 0):
        y = _unpenalized_residual(
            X, y, penalty_factor == 0, fit_intercept, sample_weight
        )
        Xy = None  # X'y is not X'r0
    if Xy is None:
        if fit_intercept:
            y = y - np.average(y, axis=0, weights=sample_weight)
            if sp.issparse(X):
                x_mean, _ = mean_variance_axis(X, axis=0, weights=sample_weight)
            else:
                x_mean = np.average(X, axis=0, weights=sample_weight)
        if sample_weight is None:
            yw = y
        else:
            yw = y * (sample_weight if y.ndim == 1 else sample_weight[:, None])
        Xy = X.T @ yw
        if fit_intercept:
            yw_sum = np.sum(yw, axis=0)
            Xy = Xy - (np.outer(x_mean, yw_sum) if y.ndim > 1 else x_mean * yw_sum)
    Xy = np.asarray(Xy)
    if Xy.ndim == 1:
        Xy = Xy[:, None]
    n_samples = X.shape[0] if sample_weight is None else np.sum(sample_weight)
    if penalty_factor is not None:
        penalized = penalty_factor > 0
        Xy = Xy[penalized] / penalty_factor[penalized, None]
        if Xy.shape[0] == 0:  # nothing penalized: every alpha gives one model
            return 0.0
    if positive:
        return max(0.0, float(np.max(Xy))) / (n_samples * l1_ratio)
    return float(np.sqrt(np.max(np.sum(Xy**2, axis=1)))) / (n_samples * l1_ratio)


def _unpenalized_residual(X, y, unpenalized, fit_intercept, sample_weight):
    """``y`` minus its weighted least-squares fit on the unpenalized columns.

    The intercept is fitted too when ``fit_intercept`` (the caller centers the
    result again, which then changes nothing).
    """
    X_u = X[:, np.flatnonzero(unpenalized)]
    X_u = X_u.toarray() if sp.issparse(X_u) else np.asarray(X_u, dtype=np.float64)
    target = np.asarray(y, dtype=np.float64)
    if fit_intercept:
        X_fit = X_u - np.average(X_u, axis=0, weights=sample_weight)
        target = target - np.average(target, weights=sample_weight)
    else:
        X_fit = X_u
    if sample_weight is not None:
        root = np.sqrt(np.asarray(sample_weight, dtype=np.float64))
        coef = np.linalg.lstsq(X_fit * root[:, None], target * root, rcond=None)[0]
    else:
        coef = np.linalg.lstsq(X_fit, target, rcond=None)[0]
    return np.asarray(y, dtype=np.float64) - X_u @ coef


def alpha_grid(
    X,
    y,
    *,
    Xy=None,
    l1_ratio=1.0,
    fit_intercept=True,
    eps=1e-3,
    n_alphas=100,
    sample_weight=None,
    positive=False,
    penalty_factor=None,
):
    """Geometric grid from ``alpha_max`` down to ``eps * alpha_max``."""
    top = alpha_max(
        X,
        y,
        Xy=Xy,
        l1_ratio=l1_ratio,
        fit_intercept=fit_intercept,
        sample_weight=sample_weight,
        positive=positive,
        penalty_factor=penalty_factor,
    )
    resolution = np.finfo(np.float64).resolution
    if top <= resolution:
        return np.full(n_alphas, resolution)
    return np.geomspace(top, top * eps, num=n_alphas)
