"""Choosing the CV alpha when held-out errors tie up to rounding.

scikit-learn picks ``argmin`` of the mean held-out error.  When several alphas
give the same error (for example once every fold's model interpolates its
training data), the pick follows rounding noise of order 1e-16 and differs
between mathematically equivalent fits, such as integer sample weights
versus repeated rows.  skreg treats errors within ``TIE_RTOL`` of the minimum
as ties and keeps scikit-learn's order among them: the first l1_ratio in the
order given, then the largest alpha.  Away from ties the choice is
scikit-learn's.
"""

import numpy as np

TIE_RTOL = 1e-10


def best_index(mse_path, n_l1_ratio):
    """``(l1_ratio index, alpha index)`` of the chosen model.

    Parameters
    ----------
    mse_path : ndarray of shape (n_alphas, n_folds) or (n_l1_ratio, n_alphas, n_folds)
        Held-out errors, as in ``LassoCV.mse_path_`` / ``ElasticNetCV.mse_path_``.
    n_l1_ratio : int
        Number of l1_ratios searched.

    Returns
    -------
    l1_index, alpha_index : int
    """
    mean = np.mean(mse_path, axis=-1).reshape(n_l1_ratio, -1)
    best = np.min(mean)
    tied = mean <= best + TIE_RTOL * abs(best)
    l1_index = int(np.argmax(tied.any(axis=1)))
    return l1_index, int(np.argmax(tied[l1_index]))


def refit_best(estimator, X, y, sample_weight, solve=None):
    """Refit ``estimator`` (a searched LassoCV/ElasticNetCV) at its best choice.

    The choice is :func:`best_index` of ``mse_path_``; the refit is
    scikit-learn's: the shared parameters, the chosen ``alpha`` (and
    ``l1_ratio``), and ``precompute=False`` when it was a string.  ``solve``
    (a :class:`skreg.linear_model._cv_gram.GramRefit`), when given, fits that
    model from the search's sums instead of ``fit(X, y)``.
    """
    l1_ratios = np.atleast_1d(getattr(estimator, "l1_ratio", 1.0))
    l1_index, alpha_index = best_index(estimator.mse_path_, len(l1_ratios))
    # alphas_ is one grid per l1_ratio, or the user's grid shared by all.
    alphas = np.asarray(estimator.alphas_)
    alphas = np.broadcast_to(alphas, (len(l1_ratios), alphas.shape[-1]))
    alpha = float(alphas[l1_index, alpha_index])
    l1_ratio = float(l1_ratios[l1_index])
    model = estimator._get_estimator()
    shared = {
        name: value
        for name, value in estimator.get_params().items()
        if name in model.get_params()
    }
    model.set_params(**shared)
    model.set_params(alpha=alpha)
    if "l1_ratio" in model.get_params():
        model.set_params(l1_ratio=l1_ratio)
    if isinstance(getattr(estimator, "precompute", None), str):
        model.set_params(precompute=False)  # as scikit-learn's refit does
    names = ("coef_", "intercept_", "dual_gap_", "n_iter_")
    if solve is not None:
        fitted = solve(model, alpha, l1_ratio)
    else:
        if sample_weight is None:
            model.fit(X, y)
        else:
            model.fit(X, y, sample_weight=sample_weight)
        fitted = [getattr(model, name) for name in names]
    estimator.alpha_ = alpha
    if hasattr(estimator, "l1_ratio_"):
        estimator.l1_ratio_ = l1_ratio
    for name, value in zip(names, fitted, strict=True):
        setattr(estimator, name, value)
