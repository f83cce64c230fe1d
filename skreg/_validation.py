"""Input checks shared by every skreg estimator."""

import numpy as np


def check_non_negative_sample_weight(sample_weight):
    """Refuse sample weights with a negative entry.

    skreg refuses negative weights in every estimator (a deliberate difference
    from scikit-learn, whose estimators treat them inconsistently; see the
    README).

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,) or None
        Already validated weights (None: unit weights, nothing to check).

    Raises
    ------
    ValueError
        Naming ``sample_weight`` and its minimum.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg._validation import check_non_negative_sample_weight
    >>> check_non_negative_sample_weight(np.array([1.0, 0.0]))
    >>> check_non_negative_sample_weight(np.array([1.0, -2.0]))
    Traceback (most recent call last):
    ...
    ValueError: sample_weight must be non-negative; got a minimum of -2.0. skreg refuses negative weights in every estimator (see README: deliberate differences).
    """  # noqa: E501
    if sample_weight is None:
        return
    sample_weight = np.asarray(sample_weight)
    if sample_weight.size == 0:
        return
    low = sample_weight.min()
    if low < 0:
        raise ValueError(
            f"sample_weight must be non-negative; got a minimum of {float(low)!r}. "
            "skreg refuses negative weights in every estimator (see README: "
            "deliberate differences)."
        )
