"""What a quick start costs once compiled: its fits against the engine's and
scikit-learn's, at default settings (``skreg/_quick_start.py``).

A quick start runs plain CD (its alpha loop, budgets and gaps interpreted,
its sweeps compiled) until its family has paid the engine's compilation in
solving time; this script times that compiled quick start
(``SKREG_INTERPRET=0``), not the first fits of a family, which run in the
interpreter.  This script times, in one process with every kernel already
compiled, the same ``Lasso`` fit three ways: a quick start (a fresh ledger
for each fit, so that it stays one), the engine (``SKREG_QUICK_START=0``) and
scikit-learn.  Problems of several families, none of them a first-use row,
three of them large enough for a budgeted quick start (more than 1e6 stored
entries), which goes on with the engine where the budget runs out;
``alpha_max / 10`` and ``/ 100``; min CPU time of ``--repeats``; BLAS pinned
to one thread.

    python benchmarks/bench_quick_start.py [--repeats 3]
"""

import argparse
import os
import tempfile
import time
import warnings
import weakref

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits


def _response(rng, X, n_informative=20):
    coef = np.zeros(X.shape[1])
    coef[:n_informative] = rng.standard_normal(n_informative)
    signal = X @ coef
    return signal + 0.5 * np.std(signal) * rng.standard_normal(X.shape[0])


def problems():
    """``(name, X, y)`` of dense, correlated, wide and sparse designs."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 1000))
    yield "dense iid 1000x1000", X, _response(rng, X)
    noise = rng.standard_normal((2000, 300))
    X = np.empty_like(noise)
    X[:, 0] = noise[:, 0]
    for j in range(1, X.shape[1]):
        X[:, j] = 0.9 * X[:, j - 1] + np.sqrt(1 - 0.81) * noise[:, j]
    yield "dense ar1-0.9 2000x300", X, _response(rng, X)
    X = rng.standard_normal((100, 10000))
    yield "dense wide 100x10000", X, _response(rng, X)
    X = sp.random(2000, 500, density=0.05, format="csc", random_state=1)
    yield "sparse 2000x500 d=0.05", X, _response(rng, X)
    X = sp.random(5000, 20000, density=0.005, format="csc", random_state=2)
    yield "sparse 5000x20000 d=0.005", X, _response(rng, X)
    X = sp.random(200, 50, density=0.2, format="csc", random_state=0)
    yield "sparse 200x50 (densified)", X, _response(rng, X, 5)
    # More than QUICK_START_MAX_ENTRIES: quick starts on a budget of sweeps
    # (the last, wide and correlated, is plain CD's worst case within it).
    X = rng.standard_normal((2000, 1000))
    yield "dense iid 2000x1000 (budget)", X, _response(rng, X)
    X = sp.random(10000, 20000, density=0.01, format="csc", random_state=3)
    yield "sparse 10000x20000 (budget)", X, _response(rng, X)
    noise = rng.standard_normal((300, 5000))
    X = np.empty_like(noise)
    X[:, 0] = noise[:, 0]
    for j in range(1, X.shape[1]):
        X[:, j] = 0.95 * X[:, j - 1] + np.sqrt(1 - 0.95**2) * noise[:, j]
    yield "ar1-0.95 300x5000 (budget)", X, _response(rng, X)


def alpha_max(X, y):
    centred_y = y - y.mean()
    correlations = X.T @ centred_y if sp.issparse(X) else (X - X.mean(0)).T @ centred_y
    return float(np.max(np.abs(correlations))) / X.shape[0]


def min_cpu(run, args, repeats):
    """Min CPU seconds of ``run(*args)`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        run(*args)
        times.append(time.process_time() - start)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    import sklearn.linear_model as sklearn_linear

    import skreg
    from skreg import _quick_start

    def quick(alpha, X, y):
        os.environ["SKREG_QUICK_START"] = "1"
        # The compiled quick start: a fresh ledger would otherwise run the
        # first fits of each family in the interpreter (first-use times those).
        os.environ["SKREG_INTERPRET"] = "0"
        _quick_start._ledger = _quick_start._Ledger(directory=tempfile.mkdtemp())
        _quick_start._decisions = weakref.WeakKeyDictionary()
        return skreg.Lasso(alpha=alpha).fit(X, y)

    def engine(alpha, X, y):
        os.environ["SKREG_QUICK_START"] = "0"
        return skreg.Lasso(alpha=alpha).fit(X, y)

    def scikit_learn(alpha, X, y):
        return sklearn_linear.Lasso(alpha=alpha).fit(X, y)

    print(
        f"{'problem':28} {'alpha':>9} {'sklearn':>9} {'engine':>9} {'quick':>9} "
        f"{'quick/engine':>12} {'sklearn/quick':>13}"
    )
    with threadpool_limits(1):
        for name, X, y in problems():
            for divisor in (10, 100):
                alpha = alpha_max(X, y) / divisor
                runs = (quick, engine, scikit_learn)
                for run in runs:  # compile, or load, everything first
                    run(alpha, X, y)
                tq, te, ts = (min_cpu(run, (alpha, X, y), args.repeats) for run in runs)
                print(
                    f"{name:28} {'a/' + str(divisor):>9} {1e3 * ts:7.1f}ms "
                    f"{1e3 * te:7.1f}ms {1e3 * tq:7.1f}ms {tq / te:11.2f}x "
                    f"{ts / tq:12.2f}x"
                )


if __name__ == "__main__":
    main()
