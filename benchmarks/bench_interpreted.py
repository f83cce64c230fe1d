"""What interpreted fits cost: the prices of ``skreg/_quick_start.py`` (CD
sweeps) and of ``skreg/neural_network/_first_epochs.py`` (MLP epochs).

A family's first fits run plain CD in the interpreter, its sweeps and gaps
by their NumPy versions (``skreg._numba.numpy_version_of``), for the sweeps
that ``INTERPRETED_SECONDS_PER_FEATURE`` and ``INTERPRETED_SECONDS_PER_ENTRY``
price within the rent.  This script measures a sweep's time on dense,
covariance-mode and CSC designs: ``Lasso(tol=1e-30)`` fits of 5 and 45
sweeps (the fewest seconds of 3 each; quick starts kept interpreted by an
unlimited rent, with a new empty numba cache), their difference over 40
sweeps, and prints it a feature and against the prices.  With ``--mlp``, the
same for an epoch of ``MLPClassifier`` (fits of 2 and 12 epochs, Adam,
``tol=0``): the epoch's time against its price.  Nothing compiles; BLAS
pinned to one thread.

    python benchmarks/bench_interpreted.py [--mlp]
"""

import os
import sys
import tempfile
import time
import warnings

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

SWEEPS = (5, 45)
EPOCHS = (2, 12)
# (rows, features, hidden layers, batch size) of the MLP rows
NETWORKS = (
    (200, 20, (100,), 200),
    (1000, 20, (100,), 200),
    (2000, 64, (100,), 200),
    (2000, 64, (100,), 32),
    (500, 300, (50, 50), 200),
    (5000, 10, (20,), 200),
)
DENSE = ((200, 50), (1000, 50), (100, 300), (100, 1000), (500, 500), (300, 3000))
GRAM = ((200, 50), (1000, 50), (5000, 100))
SPARSE = (
    (2000, 10000, 0.003),
    (2000, 2000, 0.01),
    (500, 5000, 0.01),
    (5000, 1000, 0.05),
    (20000, 2000, 0.02),
    (1000, 30000, 0.002),
)


def _seconds_a_sweep(X, y, alpha, precompute):
    from skreg import Lasso

    best = [np.inf, np.inf]
    for _ in range(3):
        for k, max_iter in enumerate(SWEEPS):
            model = Lasso(
                alpha=alpha, tol=1e-30, max_iter=max_iter, precompute=precompute
            )
            started = time.perf_counter()
            model.fit(X, y)
            best[k] = min(best[k], time.perf_counter() - started)
    return (best[1] - best[0]) / (SWEEPS[1] - SWEEPS[0])


def _alpha(X, y):
    centred = y - y.mean()
    return float(np.max(np.abs(X.T @ centred))) / X.shape[0] / 20


def _report(label, seconds, n_features, entries, array):
    from skreg import _quick_start

    price = (
        _quick_start.INTERPRETED_SECONDS_PER_FEATURE[array] * n_features
        + _quick_start.INTERPRETED_SECONDS_PER_ENTRY[array] * entries
    )
    print(
        f"{label:<28} {seconds * 1e3:8.3f} ms a sweep {seconds / n_features * 1e6:6.2f}"
        f" us a feature  price {price * 1e3:8.3f} ms ({seconds / price:4.2f} of it)"
    )


def _seconds_an_epoch(X, y, hidden, batch_size):
    from skreg import MLPClassifier

    best = [np.inf, np.inf]
    for _ in range(3):
        for k, max_iter in enumerate(EPOCHS):
            model = MLPClassifier(
                hidden, batch_size=batch_size, max_iter=max_iter, tol=0, random_state=0
            )
            started = time.perf_counter()
            model.fit(X, y)
            best[k] = min(best[k], time.perf_counter() - started)
    n_params = sum(c.size for c in model.coefs_ + model.intercepts_)
    return (best[1] - best[0]) / (EPOCHS[1] - EPOCHS[0]), n_params


def _mlp_rows(rng):
    from skreg.neural_network import _first_epochs

    _first_epochs.INTERPRETED_RENT = 1e9
    for n, p, hidden, batch_size in NETWORKS:
        X = rng.standard_normal((n, p))
        y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
        seconds, n_params = _seconds_an_epoch(X, y, hidden, batch_size)
        price = _first_epochs.epoch_seconds(n, batch_size, n_params)
        print(
            f"MLP {n}x{p} {hidden} batch {batch_size:<4}"
            f" {seconds * 1e3:8.3f} ms an epoch"
            f"  price {price * 1e3:8.3f} ms ({seconds / price:4.2f} of it)"
        )


def main():
    if "NUMBA_CACHE_DIR" not in os.environ:
        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="skreg-sweeps-")
        os.execv(sys.executable, [sys.executable, *sys.argv])
    warnings.simplefilter("ignore")
    from skreg import _quick_start
    from skreg._numba import compile_seconds

    _quick_start.QUICK_START_RENT = _quick_start.INTERPRETED_RENT = 1e9
    rng = np.random.default_rng(0)
    with threadpool_limits(1):
        if "--mlp" in sys.argv:
            _mlp_rows(rng)
            print(f"compiled: {compile_seconds():.2f} s (0: every fit ran interpreted)")
            return
        for n, p in DENSE:
            X = rng.standard_normal((n, p))
            y = X[:, :5].sum(axis=1) + rng.standard_normal(n)
            seconds = _seconds_a_sweep(X, y, _alpha(X, y), False)
            _report(f"dense {n}x{p}", seconds, p, n * p, "X")
        for n, p in GRAM:
            X = rng.standard_normal((n, p))
            y = X[:, :5].sum(axis=1) + rng.standard_normal(n)
            seconds = _seconds_a_sweep(X, y, _alpha(X, y), True)
            _report(f"covariance {n}x{p}", seconds, p, p * p, "gram")
        for n, p, density in SPARSE:
            X = sp.random(n, p, density=density, random_state=0, format="csc")
            y = X[:, :5].toarray().sum(axis=1) + rng.standard_normal(n)
            seconds = _seconds_a_sweep(X, y, _alpha(X, y), False)
            _report(f"CSC {n}x{p} at {density}", seconds, p, X.nnz, "data")
    print(f"compiled: {compile_seconds():.2f} s (0: every fit ran interpreted)")


if __name__ == "__main__":
    main()
