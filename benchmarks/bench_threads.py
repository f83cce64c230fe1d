"""Thread scaling of skreg's linear models: n_jobs in LassoCV, fits in threads.

Run as ``python benchmarks/bench_threads.py [--repeats K] [--quick]``.

Two measurements, each the median of ``K`` interleaved runs, with BLAS pinned
to one thread (``threadpoolctl``) and numba's own pool at one thread, so the
only parallelism is the one under test:

- ``LassoCV(cv=4)`` with ``n_jobs=1`` against ``n_jobs=2``: scikit-learn's
  ``LinearModelCV`` runs the fold paths in joblib threads, which only overlap
  because skreg's kernels release the GIL (``nogil=True``).
- Two independent ``Lasso`` fits one after the other against the same two fits
  in two ``threading.Thread``s started together.
- The ceiling: two long calls of the ``cd_sweep_dense`` kernel alone, with no
  Python between sweeps, serial against two threads.

Each row checks that the parallel result equals the serial one bitwise and
prints ``speed-up = serial time / parallel time`` (at most the core count).
The machine's other load counts: compare the ratio, not the seconds.
"""

import argparse
import os
import platform
import sys
import threading
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Benchmark the working tree's skreg even when it is not installed.
sys.path.insert(1, str(REPO))

import numba  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

# The engine's threads, not a quick start's (skreg/_quick_start.py).
os.environ.setdefault("SKREG_QUICK_START", "0")
import skreg  # noqa: E402


def _problem(seed, n_samples, n_features):
    # Correlated columns (low effective rank): fits long enough to time.
    X, y = make_regression(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=n_features // 10,
        effective_rank=n_features // 10,
        noise=1.0,
        random_state=seed,
    )
    return np.asfortranarray(X), y


def _lasso_cv(n_jobs, X, y):
    return skreg.LassoCV(cv=4, alphas=50, tol=1e-8, n_jobs=n_jobs).fit(X, y)


def _two_fits_serial(problems, alpha):
    return [skreg.Lasso(alpha=alpha, tol=1e-8).fit(X, y) for X, y in problems]


def _two_fits_threads(problems, alpha):
    models = [None] * len(problems)

    def work(k):
        X, y = problems[k]
        models[k] = skreg.Lasso(alpha=alpha, tol=1e-8).fit(X, y)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(problems))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return models


def _kernel_calls(X, k_threads, n_sweeps):
    """``cd_sweep_dense`` alone: one long call per problem, no Python between.

    The ceiling of the two rows above: what threads give when only GIL-free
    compiled code runs.
    """
    from skreg._kernels.cd import cd_sweep_dense

    norms = (X**2).sum(axis=0)
    order = np.tile(np.arange(X.shape[1]), n_sweeps)
    outs = [np.zeros(X.shape[1]) for _ in range(2)]

    def work(k):
        residual = np.ones(X.shape[0])
        no_pf = np.empty(0)  # penalty factors: all ones
        cd_sweep_dense(X, residual, outs[k], norms, 1e-3, 0.0, False, order, no_pf)

    if k_threads == 1:
        for k in range(2):
            work(k)
    else:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return outs


def _timed(func, *args):
    start = time.perf_counter()
    out = func(*args)
    return time.perf_counter() - start, out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller problems")
    args = parser.parse_args(argv)
    scale = 0.4 if args.quick else 1.0
    n_samples, n_features = int(5000 * scale), int(1000 * scale)

    warnings.simplefilter("ignore", ConvergenceWarning)
    numba.set_num_threads(1)
    X, y = _problem(0, n_samples, n_features)
    problems = [_problem(seed, n_samples, n_features) for seed in (1, 2)]
    X0, y0 = problems[0]
    alpha = 0.01 * np.max(np.abs(X0.T @ (y0 - y0.mean()))) / n_samples

    rows = []
    with threadpool_limits(1):
        # Warm-up: compile (or load) every kernel before anything is timed.
        _lasso_cv(2, X[:200, :50], y[:200])
        _two_fits_threads([(Xp[:200], yp[:200]) for Xp, yp in problems], alpha)

        cases = {
            f"LassoCV cv=4, {n_samples}x{n_features}, 50 alphas": (
                lambda: _lasso_cv(1, X, y),
                lambda: _lasso_cv(2, X, y),
                lambda a, b: (
                    np.array_equal(a.mse_path_, b.mse_path_)
                    and np.array_equal(a.coef_, b.coef_)
                ),
                "n_jobs=1",
                "n_jobs=2",
            ),
            f"2 x Lasso, {n_samples}x{n_features} each": (
                lambda: _two_fits_serial(problems, alpha),
                lambda: _two_fits_threads(problems, alpha),
                lambda a, b: all(
                    np.array_equal(m.coef_, n.coef_) for m, n in zip(a, b, strict=True)
                ),
                "one after the other",
                "2 threads",
            ),
        }
        X_kernel = np.asfortranarray(X[:2000, :100])
        cases[f"2 x cd_sweep_dense, {X_kernel.shape[0]}x100, 2000 sweeps"] = (
            lambda: _kernel_calls(X_kernel, 1, 2000),
            lambda: _kernel_calls(X_kernel, 2, 2000),
            lambda a, b: all(np.array_equal(u, v) for u, v in zip(a, b, strict=True)),
            "one after the other",
            "2 threads",
        )
        pools = threadpool_info()
        for name, (serial, parallel, same, label_1, label_2) in cases.items():
            t_serial, t_parallel, identical = [], [], True
            for _ in range(args.repeats):
                dt, a = _timed(serial)
                t_serial.append(dt)
                dt, b = _timed(parallel)
                t_parallel.append(dt)
                identical &= bool(same(a, b))
            serial_s, parallel_s = np.median(t_serial), np.median(t_parallel)
            rows.append((name, label_1, label_2, serial_s, parallel_s, identical))

    print(
        f"skreg {skreg.__version__}, numba {numba.__version__}, numpy "
        f"{np.__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (other "
        f"processes compete for the cores); median of {args.repeats}; BLAS pinned: "
        + ", ".join(f"{p['internal_api']}={p['num_threads']}" for p in pools)
    )
    header = (
        f"{'problem':<46} {'serial':<20} {'parallel':<10} "
        f"{'serial s':>9} {'parallel s':>10} {'speed-up':>8}  identical"
    )
    print(header)
    print("-" * len(header))
    for name, label_1, label_2, serial_s, parallel_s, identical in rows:
        print(
            f"{name:<46} {label_1:<20} {label_2:<10} {serial_s:>9.3f} "
            f"{parallel_s:>10.3f} {serial_s / parallel_s:>7.2f}x  {identical}"
        )


if __name__ == "__main__":
    main()
