"""Input checks shared by every skreg estimator (linear models and MLPs)."""

import numpy as np

__all__ = ["check_non_negative_sample_weight", "check_penalty_factor"]


def check_non_negative_sample_weight(sample_weight):
    """Refuse negative sample weights with one message for every estimator.

    scikit-learn is no guide here: its Lasso takes ``sqrt(sample_weight)`` and
    returns all-zero coefficients after a NaN warning, its LassoCV fails on
    "Input contains NaN", and its MLPs train on a non-convex, unbounded loss.
    A negative weight is almost always a bug upstream, so skreg refuses it in
    every estimator with the sentence scikit-learn's own
    ``_check_sample_weight(ensure_non_negative=True)`` uses.

    Parameters
    ----------
    sample_weight : None, float or array-like of shape (n_samples,)
        Weights as passed to ``fit``. Non-numeric input is left for the
        estimator's own validation to reject.

    Returns
    -------
    sample_weight : same as the input
        Returned unchanged, so the call can wrap the argument.

    Raises
    ------
    ValueError
        If any weight is negative; the message names ``sample_weight``.

    Examples
    --------
    >>> from skreg._validation import check_non_negative_sample_weight
    >>> check_non_negative_sample_weight([1.0, 0.0, 2.0])
    [1.0, 0.0, 2.0]
    >>> check_non_negative_sample_weight([1.0, -0.5])
    Traceback (most recent call last):
    ...
    ValueError: Negative values in data passed to `sample_weight`. skreg ...
    """
    if sample_weight is None:
        return sample_weight
    values = np.asarray(sample_weight)
    if values.dtype.kind not in "biuf":
        return sample_weight
    negative = values < 0
    if np.any(negative):
        raise ValueError(
            "Negative values in data passed to `sample_weight`. skreg refuses "
            "negative sample weights in every estimator (got "
            f"{int(np.count_nonzero(negative))} negative, smallest "
            f"{float(np.min(values))!r})."
        )
    return sample_weight


def check_penalty_factor(penalty_factor, n_features):
    """Validate glmnet's ``penalty.factor``: one weight per feature, finite, >= 0.

    Shared by every estimator of the coordinate-descent family (Lasso,
    ElasticNet, their CV and paths, LogisticRegression(CV)), so they accept
    and refuse the same values with the same messages.

    Parameters
    ----------
    penalty_factor : None or array-like of shape (n_features,)
        Per-feature multiplier of the penalty; None means all ones.
    n_features : int
        Number of features of ``X``.

    Returns
    -------
    penalty_factor : None or ndarray of shape (n_features,), float64
        None when given None, else a new float64 array.

    Raises
    ------
    ValueError
        If the shape is not ``(n_features,)`` or a value is negative, NaN or
        infinite; the message names ``penalty_factor``.

    Examples
    --------
    >>> from skreg._validation import check_penalty_factor
    >>> check_penalty_factor([1, 0, 2], 3)
    array([1., 0., 2.])
    >>> check_penalty_factor([1, -1], 2)
    Traceback (most recent call last):
    ...
    ValueError: penalty_factor must be finite and non-negative, got min=-1.0, max=1.0
    """
    if penalty_factor is None:
        return None
    try:
        pf = np.array(penalty_factor, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"penalty_factor must be an array of numbers, got {penalty_factor!r}"
        ) from exc
    if pf.shape != (n_features,):
        raise ValueError(
            "penalty_factor must have shape (n_features,) = "
            f"({n_features},), got shape {pf.shape}"
        )
    # NaN fails both comparisons, so ``not (pf >= 0)`` catches it too.
    if not np.all(pf >= 0) or not np.all(pf < np.inf):
        raise ValueError(
            "penalty_factor must be finite and non-negative, got "
            f"min={float(np.min(pf))!r}, max={float(np.max(pf))!r}"
        )
    return pf
