"""Duality gap of the ElasticNet/Lasso problem, computed from coefficients alone.

Every solver is judged by this one NumPy function, never by the gap it reports
itself: solvers differ in what their ``tol`` means (sklearn and celer scale a
duality gap by ``||y||² / n``, skglm bounds a KKT violation, glmnet and adelie
bound coefficient or deviance changes), so only a gap recomputed here on the
full problem makes their outputs comparable.
"""

import numpy as np


def enet_primal_dual(X, y, coef, intercept, alpha, l1_ratio=1.0, fit_intercept=True):
    """Primal and dual objective of sklearn's ElasticNet at ``coef``.

    The primal is sklearn's objective
    ``1/(2n) ||y - X w - b||² + alpha·l1_ratio·||w||₁ + ½·alpha·(1-l1_ratio)·||w||²``
    evaluated with the solver's own intercept ``b``. The dual point is the
    residual of the intercept-profiled problem (centred, so it is feasible for
    the intercept's constraint) rescaled into the dual feasible set, exactly as
    in sklearn's ``enet_coordinate_descent``; for ``l1_ratio < 1`` it is the
    dual of the Lasso on data augmented with ``sqrt(alpha·(1-l1_ratio)·n)·I``.

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix of shape (n_samples, n_features)
        Design matrix (never densified or centred: centring is implicit).
    y : ndarray of shape (n_samples,)
        Target.
    coef : ndarray of shape (n_features,)
        Coefficients returned by a solver.
    intercept : float
        Intercept returned by the solver (0 when it fits none).
    alpha : float
        Regularization strength, sklearn's scaling.
    l1_ratio : float, default=1.0
        ElasticNet mixing; 1 is the Lasso.
    fit_intercept : bool, default=True
        Whether the problem has an unpenalized intercept.

    Returns
    -------
    primal : float
    dual : float
        A lower bound of the optimal primal value; ``primal - dual >= 0``.
    """
    n_samples = X.shape[0]
    coef = np.asarray(coef, dtype=np.float64)
    residual = y - X @ coef - intercept
    l1_norm = np.abs(coef).sum()
    w_norm2 = coef @ coef
    primal = (
        0.5 * (residual @ residual) / n_samples
        + alpha * l1_ratio * l1_norm
        + 0.5 * alpha * (1.0 - l1_ratio) * w_norm2
    )

    if fit_intercept:
        # Profiling out the intercept centres the residual; a centred residual
        # satisfies the dual constraint sum(theta) = 0 of the intercept.
        residual = residual - residual.mean()
        y = y - y.mean()
    # sklearn's unscaled (times n) quantities.
    l1_reg = alpha * l1_ratio * n_samples
    l2_reg = alpha * (1.0 - l1_ratio) * n_samples
    dual_norm = np.abs(X.T @ residual - l2_reg * coef).max()
    scale = 1.0 if dual_norm <= l1_reg else l1_reg / dual_norm
    dual = (
        scale * (residual @ y)
        - 0.5 * scale**2 * (residual @ residual)
        - 0.5 * l2_reg * scale**2 * w_norm2
    ) / n_samples
    return float(primal), float(dual)


def relative_gap(X, y, coef, intercept, alpha, l1_ratio=1.0, fit_intercept=True):
    """``(primal - dual) / primal`` at ``coef``; see :func:`enet_primal_dual`."""
    primal, dual = enet_primal_dual(
        X, y, coef, intercept, alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept
    )
    return (primal - dual) / primal


def max_relative_gap(X, y, coefs, intercepts, alphas, fit_intercept=False):
    """Largest relative gap ``(primal - dual) / primal`` along a Lasso path.

    ``coefs`` is (n_features, n_alphas), ``intercepts`` and ``alphas``
    (n_alphas,); see :func:`lasso_objectives`. ``inf`` when the solver
    returned fewer coefficient vectors than alphas.
    """
    coefs = np.asarray(coefs)
    if coefs.ndim != 2 or coefs.shape[1] != len(alphas):
        return np.inf
    primal, dual = lasso_objectives(X, y, coefs, intercepts, alphas, fit_intercept)
    return float(((primal - dual) / primal).max())


def lasso_objectives(X, y, coefs, intercepts, alphas, fit_intercept=False):
    """Lasso primal and dual objectives of many coefficient vectors at once.

    The same quantities as :func:`enet_primal_dual` with ``l1_ratio=1``, one
    column per alpha, computed with one product ``X @ coefs`` and one
    ``X.T @ residuals`` instead of a loop (a 100-alpha path on a large CSC
    matrix is then evaluated in one pass).

    Parameters
    ----------
    coefs : ndarray of shape (n_features, k)
    intercepts : ndarray of shape (k,)
    alphas : ndarray of shape (k,)

    Returns
    -------
    primal, dual : ndarrays of shape (k,)
    """
    n_samples = X.shape[0]
    coefs = np.asarray(coefs, dtype=np.float64).reshape(X.shape[1], -1)
    alphas = np.asarray(alphas, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    residuals = y[:, None] - X @ coefs - np.asarray(intercepts, dtype=np.float64)
    primal = 0.5 * (residuals**2).sum(axis=0) / n_samples + alphas * np.abs(coefs).sum(
        axis=0
    )
    if fit_intercept:
        # Profiling out the intercept centres the residual (see enet_primal_dual).
        residuals = residuals - residuals.mean(axis=0)
        y = y - y.mean()
    dual_norm = np.abs(np.asarray(X.T @ residuals)).max(axis=0, initial=0.0)
    l1_reg = alphas * n_samples
    scale = np.where(dual_norm <= l1_reg, 1.0, l1_reg / np.maximum(dual_norm, 1e-300))
    dual = (
        scale * (y @ residuals) - 0.5 * scale**2 * (residuals**2).sum(axis=0)
    ) / n_samples
    return primal, dual
