"""How a problem is solved: the strategy choices of skreg's CD, in one place.

Every choice changes the speed, never the solution beyond ``tol``: the stopping
rule is always the certified duality gap of the full problem.  Each constant
carries the measurement that chose it; the broad check is
``python benchmarks/run.py matrix``.
"""

from skreg._kernels.problems import SparseProblem

# Covariance updates make every coordinate update cost n_features instead of
# n_samples, and a full-gap pass n_features instead of n_samples * n_features.
# The Gram matrix is built lazily (glmnet's covariance mode): row j, n * p
# flops in one BLAS product per working set, only once feature j enters, so a
# solution with support S costs n * p * |S| to set up, not n * p**2.  Then it
# pays whenever n_samples is a few times n_features: measured on the matrix
# (benchmarks/run.py matrix, issue 12 notes) on 50000x200 (where the complete
# Gram matrix alone cost more than sklearn's whole fit) and 2000x500
# equicorrelated (6-8x faster than residual updates at alpha_max/1000, 416
# non-zeros).  The cap bounds the memory of the (untouched until filled)
# p x p array; the ratio keeps it at most half of X's.
AUTO_GRAM_MAX_FEATURES = 1000
AUTO_GRAM_MIN_RATIO = 2  # n_samples >= 2 * n_features
# Below this many features the whole Gram matrix is cheap (one BLAS call that
# exploits symmetry) and a large support would fill its rows in several
# batches, each reading X: 1000x100 AR(1) at alpha_max/10 took 0.9 ms
# complete, 1.5 ms lazy; 50000x200 at alpha_max/1000 (144 non-zeros) 74 ms
# complete, 150 ms lazy, while at alpha_max/10 (14 non-zeros) complete and
# lazy are within 10% once X is centered implicitly.
LAZY_GRAM_MIN_FEATURES = 300


def resolve_precompute(precompute, n_samples, n_features, sparse):
    """How to use the Gram matrix, from the ``precompute`` parameter.

    Returns ``True`` (build the complete Gram matrix), ``"lazy"`` (build its
    rows as features enter), ``False`` (no Gram matrix) or the user's array.
    ``True`` / an array: the user's choice.  ``'auto'``: scikit-learn's rule
    (``n_samples > n_features``), the complete matrix: a path of many alphas
    uses most rows, and one product for all of them costs less than rows built
    alpha after alpha (50000x200, 100 alphas: 64 ms complete, 200 ms lazy).
    ``False`` (the estimators' default): skreg still uses covariance updates
    on tall dense data, where they are faster at the same certified gap.
    """
    if sparse:
        return False
    if hasattr(precompute, "__array__"):
        return precompute
    if isinstance(precompute, str) and precompute == "auto":
        return n_samples > n_features
    if precompute:
        return True
    if (
        n_features <= AUTO_GRAM_MAX_FEATURES
        and n_samples >= AUTO_GRAM_MIN_RATIO * n_features
    ):
        return "lazy" if n_features >= LAZY_GRAM_MIN_FEATURES else True
    return False


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


def strong_rule_path(layout):
    """Run a path's alphas with strong rules and active-set cycling
    (:mod:`skreg._kernels.cd_strong`, glmnet's algorithm) instead of working
    sets?

    On sparse data a pass over ``X`` costs about as much as many sweeps over
    the support, and the working-set kernel makes about two per alpha (a
    certificate at the warm start, another after the subproblems) besides
    screening, ranking and Anderson steps; strong rules make about one.
    Quick matrix paths (100 alphas to alpha_max / 100; time to
    suboptimality 1e-3 / 1e-6 on a ladder of tols 1e-2 .. 1e-6, ms; issue
    12): 2000x5000 uniform CSC 20.2 / 25.4 with working sets, 10.0 / 12.3
    with strong rules; 1000x3000 text-like 12.2 / 17.2 -> 7.1 / 9.4;
    100x20000 wide 6.4 / 7.3 -> 3.4 / 4.3.  On dense data the working-set
    kernel stays: its passes are not the cost that dominates.  From the first
    alpha where coordinate descent alone crawls, working sets take the rest
    of the path (see ``cd_strong.STRONG_BUDGET``).
    """
    return isinstance(layout.problem, SparseProblem)
