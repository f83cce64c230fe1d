"""When covariance (Gram) mode pays for a single Lasso fit on tall dense data.

Run as ``python benchmarks/bench_gram_strategy.py [--grid choose|check|both]
[--quick]``.

On dense data with ``n_samples >= 2 * n_features`` (and at most 1000
features) skreg can solve from ``X'X`` instead of the residual; the product
costs about ``n_features / 2`` passes over ``X`` and pays where the solve
needs many coordinate updates, that is at small alphas.  The rule
(``skreg.linear_model._strategy.gram_pays``) builds the matrix when
``n_features**2 <= GRAM_PAYS_RATIO * alpha_max / alpha``.  For each problem
this times ``Lasso(alpha).fit`` at default settings (``tol=1e-4``) in each
mode, forced, and at the rule, against scikit-learn's ``Lasso``:

- ``gram``: always the complete matrix;
- ``residual``: never (working sets from 200 features);
- ``rule``: skreg's choice, which the last column names (``plain``: plain
  CD on the residual, ``skreg.linear_model._strategy.plain_suits``).

Two grids of problems: ``choose`` (the one the ratio was read from: AR(1)
0.5 and 0.9, equicorrelated 0.7; 1000x300 .. 10000x1000; alpha_max / 10, /
100, / 1000) and ``check`` (others it was checked on: iid, block-correlated
0.8, AR(1) 0.7; 1500x400 .. 12000x600; alpha_max / 5, / 30, / 300, / 3000).
Times are the minimum CPU time of 2-3 fits, BLAS pinned to one thread; the
summary line per mode gives the geometric mean of scikit-learn's time over
skreg's, the worst cell and the cells below scikit-learn.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(1, str(REPO))  # the working tree's skreg

import numpy as np  # noqa: E402
import sklearn.linear_model as sklearn_linear_model  # noqa: E402
from _problems import alpha_max, ar1_design, response  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import skreg  # noqa: E402
from skreg.linear_model import _strategy  # noqa: E402

MODES = {"gram": True, "residual": False, "rule": None}


def equicorrelated(n_samples, n_features, rho, seed):
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal((n_samples, 1))
    own = rng.standard_normal((n_samples, n_features))
    return np.asfortranarray(np.sqrt(rho) * shared + np.sqrt(1 - rho) * own)


def block_correlated(n_samples, n_features, seed, rho=0.8, size=10):
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal((n_samples, n_features // size + 1))
    blocks = np.repeat(shared, size, axis=1)[:, :n_features]
    own = rng.standard_normal((n_samples, n_features))
    return np.asfortranarray(np.sqrt(rho) * blocks + np.sqrt(1 - rho) * own)


def iid(n_samples, n_features, seed):
    rng = np.random.default_rng(seed)
    return np.asfortranarray(rng.standard_normal((n_samples, n_features)))


GRIDS = {
    "choose": (
        [
            (1000, 300),
            (5000, 300),
            (2000, 500),
            (20000, 500),
            (3000, 1000),
            (10000, 1000),
        ],
        [
            ("ar0.5", lambda n, p: ar1_design(n, p, rho=0.5, seed=21)),
            ("ar0.9", lambda n, p: ar1_design(n, p, rho=0.9, seed=22)),
            ("eq0.7", lambda n, p: equicorrelated(n, p, 0.7, 23)),
        ],
        [10, 100, 1000],
    ),
    "check": (
        [(1500, 400), (4000, 700), (8000, 350), (2500, 900), (12000, 600)],
        [
            ("iid", lambda n, p: iid(n, p, 31)),
            ("blk0.8", lambda n, p: block_correlated(n, p, 32)),
            ("ar0.7", lambda n, p: ar1_design(n, p, rho=0.7, seed=33)),
        ],
        [5, 30, 300, 3000],
    ),
}
QUICK = {"choose": [(1000, 300), (2000, 500)], "check": [(1500, 400), (4000, 700)]}


def min_cpu_ms(fit, repeats):
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fit()
        times.append(time.process_time() - start)
    return 1e3 * min(times)


def fit_ms(estimator_class, alpha, X, y, repeats):
    """Minimum CPU milliseconds of ``estimator_class(alpha=alpha).fit(X, y)``."""
    return min_cpu_ms(lambda: estimator_class(alpha=alpha).fit(X, y), repeats)


def run_grid(name, quick, log=print):
    shapes, designs, divisors = GRIDS[name]
    if quick:
        shapes = QUICK[name]
    rows = []
    gram_pays = _strategy.gram_pays
    considered = _strategy.weakly_coupled_tall_shape
    try:
        for n_samples, n_features in shapes:
            for design, make in designs:
                X = make(n_samples, n_features)
                y = response(X, seed=24)
                top = alpha_max(X, y, fit_intercept=True)
                for divisor in divisors:
                    alpha = top / divisor
                    repeats = 3 if n_samples * n_features <= 3e6 else 2
                    row = {
                        "sklearn": fit_ms(
                            sklearn_linear_model.Lasso, alpha, X, y, repeats
                        )
                    }
                    for mode, forced in MODES.items():
                        # A forced mode is the matrix or residual updates with
                        # working sets, as before plain_suits; the rule is
                        # skreg's own choice.
                        _strategy.gram_pays = (
                            gram_pays
                            if forced is None
                            else (lambda n, ratio, forced=forced: forced)
                        )
                        _strategy.weakly_coupled_tall_shape = (
                            considered
                            if forced is None
                            else (lambda n_samples, n_features: False)
                        )
                        skreg.Lasso(alpha=alpha).fit(X, y)  # compiled, warm
                        row[mode] = fit_ms(skreg.Lasso, alpha, X, y, repeats)
                    _strategy.gram_pays = gram_pays
                    _strategy.weakly_coupled_tall_shape = considered
                    chose = skreg_choice(X, y, alpha)
                    rows.append(row)
                    cells = " ".join(f"{key} {value:.1f}" for key, value in row.items())
                    log(
                        f"{name} {n_samples}x{n_features} {design} a/{divisor}: "
                        f"{cells} ms (rule: {chose})"
                    )
    finally:
        _strategy.gram_pays = gram_pays
        _strategy.weakly_coupled_tall_shape = considered
    return rows


def skreg_choice(X, y, alpha):
    """What ``Lasso(alpha).fit(X, y)`` solves by: ``gram``, ``residual``
    (working sets) or ``plain`` (plain CD on the residual,
    ``_strategy.plain_suits``)."""
    from skreg.linear_model._layouts import GramLayout
    from skreg.linear_model._preprocess import center_and_weight, make_layouts

    X_work, y_work, x_offset, _ = center_and_weight(
        X, y, None, True, center_dense=False
    )
    l1 = alpha * X.shape[0]
    (layout,) = make_layouts(
        X_work, y_work[:, None], None, x_offset, False, centered=False, l1=l1
    )
    if isinstance(layout, GramLayout):
        return "gram"
    return "plain" if _strategy.plain_suits(layout, l1) else "residual"


def summary(rows, log=print):
    for mode in MODES:
        ratios = np.array([row["sklearn"] / row[mode] for row in rows])
        log(
            f"  {mode:8s} vs scikit-learn: geometric mean "
            f"{np.exp(np.mean(np.log(ratios))):.2f}x, worst {ratios.min():.2f}x, "
            f"below 1x in {int(np.sum(ratios < 1))} of {ratios.size}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=["choose", "check", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="two shapes per grid")
    args = parser.parse_args(argv)
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    grids = ["choose", "check"] if args.grid == "both" else [args.grid]
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in grids:
            rows = run_grid(name, args.quick)
            print(f"{name} grid, {len(rows)} fits:")
            summary(rows)


if __name__ == "__main__":
    main()
