"""When a single dense Lasso fit starts from zero with a sweep over every feature.

Run as ``python benchmarks/bench_cold_sweep.py [--quick]``.

The working-set solver grows its set from a few features by doubling; where
the support ends up large (dense designs of weakly correlated columns at
small alphas), those rounds cost more than they save, and one plain sweep
over every feature first finds most of the support at once.  On strongly
correlated designs the same sweep activates many features that must leave
again.  skreg sweeps where the features most correlated with ``y`` are
weakly correlated with each other
(``skreg.linear_model._strategy.cold_sweep`` and ``coupling``).

For each problem this prints the design's coupling and the time of
``Lasso(alpha).fit`` at default settings with the sweep never taken on dense
data (``never``), with skreg's rule (``rule``), and scikit-learn's ``Lasso``.
Times are the minimum CPU time of 5 fits (3 with ``--quick``), BLAS pinned
to one thread, quick starts off; the summary line gives the geometric mean
and the worst of never / rule, and the worst scikit-learn / skreg ratio of
each.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(1, str(REPO))  # the working tree's skreg
os.environ.setdefault("SKREG_QUICK_START", "0")

import numpy as np  # noqa: E402
import sklearn.linear_model as sklearn_linear_model  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import skreg  # noqa: E402
from skreg.linear_model import _strategy  # noqa: E402

DESIGNS = (
    ("iid", 1000, 1000),
    ("ar0.5", 1000, 1000),
    ("iid", 2000, 1000),
    ("iid", 600, 1000),
    ("iid", 300, 1000),
    ("iid", 100, 1000),
    ("iid", 500, 300),
    ("ar0.5", 700, 500),
    ("eq0.5", 600, 1000),
    ("eq0.5", 1000, 1000),
    ("eq0.7", 200, 600),
    ("ar0.9", 200, 2000),
    ("ar0.9", 100, 500),
    ("ar0.9", 1000, 1000),
)
QUICK_DESIGNS = (
    ("iid", 1000, 1000),
    ("ar0.5", 700, 500),
    ("iid", 300, 1000),
    ("eq0.5", 600, 1000),
    ("ar0.9", 200, 2000),
)
DIVISORS = (10, 100, 300)


def design(kind, n_samples, n_features, seed=0):
    """``(X, y)``: iid, AR(1) ``rho`` (``ar0.5``) or equicorrelated ``rho``
    (``eq0.5``) Gaussian columns; ``y`` from 20 features and noise."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n_samples, n_features))
    if kind.startswith("ar"):
        rho = float(kind[2:])
        X = Z.copy()
        for j in range(1, n_features):
            X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    elif kind.startswith("eq"):
        rho = float(kind[2:])
        shared = rng.standard_normal((n_samples, 1))
        X = np.sqrt(1 - rho) * Z + np.sqrt(rho) * shared
    else:
        X = Z
    X = np.asfortranarray(X)
    coef = np.zeros(n_features)
    coef[:20] = rng.standard_normal(20)
    signal = X @ coef
    y = signal + 0.5 * signal.std() * rng.standard_normal(n_samples)
    return X, y


def _fit_time(estimator, alpha, X, y, repeats):
    """The least CPU time of ``repeats`` fits (after one not timed)."""
    estimator(alpha=alpha).fit(X, y)
    times = []
    for _ in range(repeats):
        start = time.process_time()
        estimator(alpha=alpha).fit(X, y)
        times.append(time.process_time() - start)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="five designs")
    args = parser.parse_args(argv)
    designs = QUICK_DESIGNS if args.quick else DESIGNS
    repeats = 3 if args.quick else 5
    warnings.simplefilter("ignore")
    rule = _strategy.COLD_SWEEP_MAX_COUPLING
    rows = []
    header = ("design", "coupling", "alpha", "never", "rule", "sklearn")
    print(f"{header[0]:18s} " + " ".join(f"{h:>8s}" for h in header[1:]) + "  [ms]")
    with threadpool_limits(1):
        for kind, n, p in designs:
            X, y = design(kind, n, p)
            layout_coupling = _coupling(X, y)
            a_max = np.abs((X - X.mean(0)).T @ (y - y.mean())).max() / n
            for divisor in DIVISORS:
                alpha = a_max / divisor
                times = []
                for threshold in (-1.0, rule):
                    _strategy.COLD_SWEEP_MAX_COUPLING = threshold
                    times.append(_fit_time(skreg.Lasso, alpha, X, y, repeats))
                _strategy.COLD_SWEEP_MAX_COUPLING = rule
                reference = _fit_time(
                    sklearn_linear_model.Lasso, alpha, X, y, max(1, repeats - 2)
                )
                rows.append((*times, reference))
                cells = (1e3 * times[0], 1e3 * times[1], 1e3 * reference)
                print(
                    f"{kind + f' {n}x{p}':18s} {layout_coupling:8.2f} "
                    f"{'/' + str(divisor):>7s} " + " ".join(f"{c:8.1f}" for c in cells),
                    flush=True,
                )
    never, ruled, reference = np.array(rows).T
    gain = never / ruled
    print(
        f"rule vs never: geometric mean {np.exp(np.mean(np.log(gain))):.2f}x, "
        f"worst {gain.min():.2f}x, best {gain.max():.2f}x; scikit-learn / skreg: "
        f"worst {(reference / never).min():.2f}x never, "
        f"{(reference / ruled).min():.2f}x rule"
    )


def _coupling(X, y):
    """The coupling skreg computes for ``(X, y)`` (centred, as Lasso's)."""
    from skreg.linear_model._layouts import DenseLayout

    Xc = np.asfortranarray(X - X.mean(axis=0))
    return _strategy.coupling(DenseLayout(Xc, y - y.mean()))


if __name__ == "__main__":
    main()
