"""How a problem is solved: the strategy choices of skreg's CD, in one place.

Every choice changes the speed, never the solution beyond ``tol``: the stopping
rule is always the certified duality gap of the full problem.  Each constant
carries the measurement that chose it; the broad check is
``python benchmarks/run.py matrix``.
"""

import numpy as np

from skreg._kernels.problems import DenseProblem, SparseProblem
from skreg.linear_model._preprocess import _alpha_ratio

# Covariance updates make every coordinate update cost n_features instead of
# n_samples, and a full-gap pass n_features instead of n_samples * n_features,
# after one product X'X (BLAS syrk, about n * p**2 / 2 multiply-adds).  That
# product pays on tall dense data (n_samples at least AUTO_GRAM_MIN_RATIO
# times n_features; the cap bounds the p x p array) when the solve needs many
# coordinate updates, which it does at small alphas: relative to a pass over
# X it costs about p / 2 passes, and the support, and with it the work of the
# sweeps, grows as alpha falls.  So the complete matrix is built when
# ``n_features**2 <= GRAM_PAYS_RATIO * alpha_max / alpha`` (always for paths,
# which go down to small alphas), residual updates otherwise.  Measured on
# Lasso fits at default settings (``python benchmarks/bench_gram_strategy.py``,
# issue 12; scikit-learn's time over skreg's, geometric mean): 54 problems
# (1000x300 .. 20000x500 and 10000x1000; AR(1) 0.5 and 0.9, equicorrelated
# 0.7; alpha_max / 10 .. / 1000) chose the ratio: 2.61x (worst 0.45x),
# against 1.98x for the Gram matrix always and 1.71x for residual updates
# always.  60 others (1500x400 .. 12000x600; iid, block-correlated 0.8, AR(1)
# 0.7; alpha_max / 5 .. / 3000) checked it: 1.30x (worst 0.33x), against
# 0.94x and 0.89x.  The rule before it (the complete matrix below 300
# features, above that Gram rows built lazily as features entered a working
# set) gave 1.88x and 0.87x (worst 0.27x and 0.26x).  Its losses left are on
# well-conditioned designs (iid), where scikit-learn's sweeps converge in a
# few passes: the product, or the working sets, cost more than that.
AUTO_GRAM_MAX_FEATURES = 1000
AUTO_GRAM_MIN_RATIO = 2  # n_samples >= 2 * n_features
GRAM_PAYS_RATIO = 9000.0
# A sparse single fit at alpha_max / CONTINUATION_MIN_RATIO or below goes down
# a path first (:func:`continuation_penalties`), CONTINUATION_PER_DECADE
# penalties a decade.  Quick matrix sparse designs (text-like 1000x3000,
# uniform 2000x5000, wide 100x20000, text-like without intercept), one process
# alternating both (as ``benchmarks/bench_continuation.py``), time to
# suboptimality 1e-3, ms, at once -> routed: alpha_max / 100 2.95 -> 2.46,
# 3.98 -> 2.91, 4.55 -> 3.06, 2.11 -> 2.31; / 1000 6.69 -> 2.95, 31.5 ->
# 4.56, 5.44 -> 1.42, 10.1 -> 3.26.  At the default tol=1e-4 the same
# designs at / 100, / 300, / 1000: 4.68 -> 4.34, 9.47 -> 12.0, 32.9 -> 16.8;
# 9.23 -> 7.54, 19.0 -> 16.4, 49.3 -> 53.6; 4.73 -> 4.37, 7.79 -> 5.85, 6.72
# -> 6.03; 4.67 -> 3.95, 7.77 -> 9.29, 27.1 -> 20.2.  At / 30 and / 50 the
# route lost or tied (1.26 -> 1.48 ms to 1e-3 on the text-like design at / 30);
# two penalties a decade were slower than one at 1e-3 on 12 of 16 cells.
CONTINUATION_MIN_RATIO = 50.0
CONTINUATION_PER_DECADE = 1.0
# Dense single fits take the route too where the features outnumber the
# samples CONTINUATION_MIN_WIDTH times: the path's first penalties then have
# small supports and cost little next to the fit's own.  Measured at once ->
# routed (at-once time / routed time), alternating in one process:
# - quick matrix, iid 100x1000 float64 and float32 (10 features a sample),
#   alpha_max / 100, / 300, / 1000, min of 12 (bench_continuation.py): to
#   suboptimality 1e-3 1.56-1.92x at / 100 and / 300, 0.80-0.85x at / 1000
#   (fits of about 1 ms); at the default tol=1e-4 1.26-2.29x; at / 1000 only
#   the route reached 1e-6;
# - off the matrix at the default tol, / 60, / 200, / 1000: iid 500x5000
#   1.01x, 1.51x, 1.51x; iid 50x1000 1.17-1.82x; AR(1) 0.95 100x2000
#   1.17-1.39x; AR(1) 0.7 200x2000 0.97-2.15x; equicorrelated 0.5 300x3000
#   0.93x, 0.88x, 2.63x.
# Narrower designs lost: AR(1) 0.9 100x500 (5 a sample) reached 1e-3 0.72-
# 0.86x as fast at / 100 (below scikit-learn in the matrix), equicorrelated
# 0.8 200x1500 (7.5) ran 0.92x, 0.80x, 0.64x, iid 300x600 0.74x at / 200,
# equicorrelated 0.5 1000x3000 0.48x at / 1000: the intermediate solves
# cost about as much as the fit's own.
CONTINUATION_MIN_WIDTH = 10.0
# resolve_precompute's answer where the alpha decides (:func:`gram_pays`).
GRAM_IF_SMALL_ALPHA = "if small alpha"


def resolve_precompute(precompute, n_samples, n_features, sparse):
    """How to use the Gram matrix, from the ``precompute`` parameter.

    Returns ``True`` (build the complete Gram matrix), ``False`` (no Gram
    matrix), the user's array, or ``GRAM_IF_SMALL_ALPHA`` (the complete
    matrix when :func:`gram_pays` at the alpha of the fit).
    ``True`` / an array: the user's choice.  ``'auto'``: scikit-learn's rule
    (``n_samples > n_features``), the complete matrix.
    ``False`` (the estimators' default): skreg still uses covariance updates
    on tall dense data where they are faster at the same certified gap.
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
        return GRAM_IF_SMALL_ALPHA
    return False


def gram_pays(n_features, alpha_ratio):
    """Whether the complete Gram matrix pays for a fit at ``alpha_max / alpha
    = alpha_ratio`` (``inf`` for a path or no L1 penalty), where
    :func:`resolve_precompute` left it to the alpha."""
    return bool(n_features * n_features <= GRAM_PAYS_RATIO * alpha_ratio)


# A cold start sweeps every feature once (cold_sweep) where the
# COUPLING_FEATURES features most correlated with y are, on average, less
# correlated with each other than COLD_SWEEP_MAX_COUPLING (in absolute
# value).  Designs of iid or AR(1) 0.5 columns score 0.03-0.10, AR(1) 0.9
# and equicorrelated ones 0.44-0.70 (python benchmarks/bench_cold_sweep.py,
# Lasso fits at default settings at alpha_max / 10, / 100 and / 300; issue
# 12).
COLD_SWEEP_MAX_COUPLING = 0.2
COUPLING_FEATURES = 20
# plain_suits applies from this many features: below, covariance mode runs
# plain CD on a Gram matrix that costs little (AR(1) 0.5 10000x50 at
# alpha_max / 10 .. / 300: 2.2-2.3 ms in covariance mode, 3.1-4.2 ms by plain
# CD on the residual, scikit-learn 2.9-3.9 ms).
PLAIN_MIN_FEATURES = 200


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
    30x larger.  So dense data gets it only where the features that enter
    first are nearly uncorrelated (:func:`coupling`), as on sparse data:
    iid 1000x1000 at alpha_max / 100 went 15.2 -> 8.9 ms (scikit-learn 9.5),
    AR(1) 0.5 1000x1000 16.2 -> 9.6 ms (10.0), iid 2000x1000 36.4 -> 23.1 ms.
    Not on wide dense data (:func:`_takes_routes`): far below alpha_max its
    fits go down a path whose first solves have small supports, and nearer
    the support is small; there the coupling cost 3% of a 1 ms fit (the
    benchmark matrix's iid 100x1000 at alpha_max / 10) and the sweep saved
    nothing.
    """
    if isinstance(layout.problem, SparseProblem):
        return True
    if _takes_routes(layout):
        return False
    return coupling(layout) < COLD_SWEEP_MAX_COUPLING


def coupling(layout):
    """The mean absolute correlation between the ``COUPLING_FEATURES``
    features of ``layout`` most correlated with ``y`` (:func:`coupling_of`);
    computed once per layout (:func:`make_layouts` may have set it)."""
    value = getattr(layout, "_coupling", None)
    if value is None:
        xty = getattr(layout.problem, "xty", None)
        if xty is None:
            xty = _correlations_at_zero(layout)
        value = coupling_of(xty, layout.gram_block)
        layout._coupling = value
    return value


def coupling_of(xty, gram_block):
    """The mean absolute correlation between the ``COUPLING_FEATURES``
    features with the largest ``|x_j'y|`` (summed over the columns of a 2-D
    ``xty``): those that enter a solve from zero first.  ``gram_block(F)``
    gives their Gram block ``X_F'X_F``.  Costs that block alone."""
    score = np.abs(np.asarray(xty, dtype=np.float64))
    if score.ndim == 2:
        score = score.sum(axis=1)
    k = min(COUPLING_FEATURES, int(np.count_nonzero(score)))
    if k < 2:
        return 0.0
    top = np.argpartition(-score, k - 1)[:k]
    block = np.asarray(gram_block(top), dtype=np.float64)
    scale = np.sqrt(np.diag(block))
    correlations = np.abs(block) / np.outer(scale, scale)
    return float((correlations.sum() - np.trace(correlations)) / (k * (k - 1)))


def plain_suits(layout, l1):
    """Solve a single fit on ``layout`` by plain CD, residual updates, no
    working sets: tall dense data (where covariance mode is considered,
    :func:`resolve_precompute`) of ``PLAIN_MIN_FEATURES`` features or more
    whose entering features are weakly coupled
    (:func:`coupling`).  There coordinate descent converges in a few tens of
    sweeps, and the Gram matrix or the working sets cost more than they
    save: on iid and AR(1) 0.5 designs of 1000x400 to 5000x500 at
    ``alpha_max / 100`` and ``/ 300``, plain CD took 2.1-16.0 ms, the Gram
    rule 5.2-48.2 ms and working sets 4.2-27.4 ms (scikit-learn 2.3-17.8
    ms); at ``/ 10`` working sets were up to 1.4x faster than plain CD,
    which kept scikit-learn's speed.  ``python
    benchmarks/bench_gram_strategy.py --quick``, scikit-learn's time over
    skreg's: 1.68x (worst 0.45x) -> 1.89x (0.92x) on its choose grid, 1.10x
    (0.35x) -> 1.27x (0.83x) on its check grid; the later run also has the
    dense cold sweep (:func:`cold_sweep`)."""
    if not (
        isinstance(layout.problem, DenseProblem)
        and weakly_coupled_tall_shape(layout.n_samples, layout.n_features)
        and coupling(layout) < COLD_SWEEP_MAX_COUPLING
    ):
        return False
    # Only where the Gram matrix would have paid (small alphas): nearer
    # alpha_max working sets were faster (4000x700 AR(1) 0.7 at alpha_max /
    # 5: 11.4 ms against 17.1 ms by plain CD; scikit-learn 15.6 ms).
    penalty = layout.problem.penalty
    factor = None if penalty is None else penalty.factor
    ratio = _alpha_ratio(_correlations_at_zero(layout), l1, factor)
    return gram_pays(layout.n_features, ratio)


def _correlations_at_zero(layout):
    """``layout.correlations_at_zero()``, computed once per layout (or kept
    by ``make_layouts``, which computed it to choose the layout)."""
    xty = getattr(layout, "_xty", None)
    if xty is None:
        xty = layout._xty = layout.correlations_at_zero()
    return xty


def moving_coordinates(layout, l1, l2):
    """How many coordinates a sweep of a fit at penalty ``l1, l2`` is
    expected to move, or None (every one): the features whose correlation at
    ``w = 0`` exceeds their threshold (``|x_j'y| > pf_j l1``: those a first
    sweep from zero would move, were the others left at zero), and the
    unpenalized ones.  An estimate (on correlated designs the support takes
    in others), which prices interpreted sweeps
    (:func:`skreg._quick_start.interpreted_sweep_seconds`); a path asks at
    its smallest ``l1``.  With a ridge term the support is not bounded so,
    and every coordinate is counted."""
    if l2 > 0 or not l1 > 0:
        return None
    correlations = np.abs(_correlations_at_zero(layout))
    penalty = layout.problem.penalty
    if penalty is None:
        return int(np.count_nonzero(correlations > l1))
    factor = penalty.factor
    return int(np.count_nonzero((correlations > factor * l1) | (factor == 0)))


def weakly_coupled_tall_shape(n_samples, n_features):
    """Whether a dense design of this shape is one :func:`plain_suits`
    considers (its coupling decides)."""
    return (
        PLAIN_MIN_FEATURES <= n_features <= AUTO_GRAM_MAX_FEATURES
        and n_samples >= AUTO_GRAM_MIN_RATIO * n_features
    )


def continuation_penalties(layout, l1, l2):
    """The penalties of the short path a single fit goes down first, ending
    at ``(l1, l2)``: ``(l1s, l2s)``, or None to solve at ``(l1, l2)`` at once.

    Sparse or wide dense single fits (:func:`_takes_routes`) far below
    alpha_max (``CONTINUATION_MIN_RATIO``), as glmnet reaches one alpha: from
    alpha_max down a geometric grid of ``CONTINUATION_PER_DECADE`` penalties a
    decade, by the path's solver (strong rules on sparse data, working sets on
    dense), each warm-started from the last, and each solved to the fit's
    ``tol``.  The grid is only a route: the last solve
    is the fit's, certified as any other.
    """
    if l1 <= 0 or not _takes_routes(layout):
        return None
    penalty = layout.problem.penalty
    factor = None if penalty is None else penalty.factor
    # Cauchy-Schwarz bounds each correlation by ||x_j|| ||y||, for free: the
    # correlations cost a pass over X (80-100 us of a 0.8-1.5 ms fit at
    # alpha_max / 10 on the quick matrix's sparse designs).
    norms2 = layout.col_norms2
    if factor is not None:
        penalized = factor > 0
        norms2 = norms2[penalized] / factor[penalized] ** 2
    largest = float(norms2.max()) if norms2.size else 0.0
    if not np.sqrt(largest * layout.y_norm2) >= CONTINUATION_MIN_RATIO * l1:
        return None
    ratio = _alpha_ratio(_correlations_at_zero(layout), l1, factor)
    if not ratio >= CONTINUATION_MIN_RATIO:  # (nan: no penalized correlation)
        return None
    n_steps = int(np.ceil(CONTINUATION_PER_DECADE * np.log10(ratio)))
    scales = np.logspace(np.log10(ratio), 0.0, n_steps + 1)[1:]
    return l1 * scales, l2 * scales


def _takes_routes(layout):
    """Whether :func:`continuation_penalties` considers a route for
    ``layout``: sparse data, or dense data with ``CONTINUATION_MIN_WIDTH``
    times more features than samples (covariance mode, for tall data, never)."""
    if strong_rule_path(layout):
        return True
    return (
        isinstance(layout.problem, DenseProblem)
        and layout.n_features >= CONTINUATION_MIN_WIDTH * layout.n_samples
    )


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
