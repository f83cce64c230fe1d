"""How a problem is solved: the strategy choices of skreg's CD, in one place.

Every choice changes the speed, never the solution beyond ``tol``: the stopping
rule is always the certified duality gap of the full problem.  Each constant
carries the measurement that chose it; the broad check is
``python benchmarks/run.py matrix``.
"""

from skreg._kernels.problems import SparseProblem

# Covariance updates cost n_samples * n_features**2 once (BLAS), then every
# coordinate update costs n_features instead of n_samples.  On tall dense
# problems (5000x50, 10000x50 in the matrix) that is 3-7x faster; the Gram
# matrix only pays back when p**2 is small next to the CD work it saves, so
# skreg chooses it by itself only below this many features.
AUTO_GRAM_MAX_FEATURES = 300
AUTO_GRAM_MIN_RATIO = 2  # n_samples >= 2 * n_features


def resolve_precompute(precompute, n_samples, n_features, sparse):
    """Whether to build the Gram matrix, from the ``precompute`` parameter.

    ``True`` / an array: the user's choice.  ``'auto'``: scikit-learn's rule
    (``n_samples > n_features``).  ``False`` (the estimators' default): skreg
    still uses covariance updates on tall dense data with few features, where
    they are faster at the same certified gap.
    """
    if sparse:
        return False
    if hasattr(precompute, "__array__"):
        return precompute
    if isinstance(precompute, str) and precompute == "auto":
        return n_samples > n_features
    if precompute:
        return True
    return (
        n_features <= AUTO_GRAM_MAX_FEATURES
        and n_samples >= AUTO_GRAM_MIN_RATIO * n_features
    )


def cold_sweep(layout):
    """Start a solve from zero with one plain sweep over every feature?

    The sweep costs about one pass of the gap and finds most of the support at
    once, instead of growing the working set from a few features by doubling.
    On sparse data (nearly orthogonal columns) that is 1.4-2x faster
    (20000x50000 uniform, alpha_max/10: 69 -> 37 ms; text-like 10000x30000,
    alpha_max/100: 148 -> 89 ms).  On correlated dense designs a greedy sweep
    activates many correlated features that must then be removed again:
    1000x5000 AR(1) rho=0.5 at alpha_max/100 went 136 -> 202 ms, and an
    equicorrelated 2000x500 design at alpha_max/100 ended max_iter with a gap
    30x larger.  So only sparse data gets it.
    """
    return isinstance(layout.problem, SparseProblem)
