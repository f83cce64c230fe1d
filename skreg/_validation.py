"""Input checks shared by every skreg estimator (linear models and MLPs)."""

import numpy as np

__all__ = ["check_non_negative_sample_weight"]


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
