"""The matrix's threads row: independent Lasso fits in two threads vs serial.

Issue 12's measurement: two threads each fit 5 Lasso models (300×600,
``tol=1e-10``, alpha_max / 100), against the same 10 fits one after the
other, for skreg and sklearn. BLAS is pinned to one thread, so the only
parallelism is the two Python threads; a solver whose fit holds the GIL
gets about 1×, one that runs in compiled code releasing it up to the core
count. The speed-up is the median serial time over the median threaded time,
measured interleaved.
"""

import os
import threading
import time
import warnings

import numpy as np
from _problems import alpha_max, ar1_design, response
from threadpoolctl import threadpool_limits

N_FITS = 10  # 5 per thread


def problems(n_samples=300, n_features=600, n_fits=N_FITS):
    out = []
    for seed in range(n_fits):
        X = ar1_design(n_samples, n_features, rho=0.5, seed=100 + seed)
        y = response(X, seed=100 + seed)
        # alpha_max / 100: at / 10 a fit lasts 3 ms and thread start-up
        # dominates; here sklearn takes ~0.1 s and skreg ~0.04 s a fit.
        out.append((X, y, alpha_max(X, y) / 100))
    return out


def _fit_all(Lasso, items):
    return [
        Lasso(alpha=a, tol=1e-10, max_iter=100_000).fit(X, y).coef_ for X, y, a in items
    ]


def _threaded(Lasso, items):
    halves = [items[0::2], items[1::2]]
    out = [None, None]

    def work(k):
        out[k] = _fit_all(Lasso, halves[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def threads_row(estimators, repeats=3, quick=False):
    """``{name: {"serial", "threads", "speedup", "identical"}}`` per estimator.

    Parameters
    ----------
    estimators : dict
        ``{name: Lasso class}``.
    """
    size = (200, 400) if quick else (300, 600)
    items = problems(*size)
    out = {}
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")
        for name, Lasso in estimators.items():
            _threaded(
                Lasso, [(X[:50, :60], y[:50], a) for X, y, a in items[:2]]
            )  # warm-up
            serial, parallel, identical = [], [], True
            for _ in range(repeats):
                start = time.perf_counter()
                a = _fit_all(Lasso, items)
                serial.append(time.perf_counter() - start)
                start = time.perf_counter()
                b = _threaded(Lasso, items)
                parallel.append(time.perf_counter() - start)
                identical &= all(
                    np.array_equal(u, v)
                    for u, v in zip(a[0::2] + a[1::2], b[0] + b[1], strict=True)
                )
            s, p = float(np.median(serial)), float(np.median(parallel))
            out[name] = {
                "size": "{}x{}".format(*size),
                "serial": s,
                "threads": p,
                "speedup": s / p,
                "identical": identical,
            }
    return out


def threads_lines(rows):
    usable = len(os.sched_getaffinity(0))
    out = [
        f"threads: {N_FITS} independent Lasso fits (tol=1e-10, alpha_max / 100), "
        "serial vs 2 threads; "
        f"{usable} core(s) usable by this process, load average "
        f"{os.getloadavg()[0]:.1f}"
        + (" -- one usable core: no speed-up is possible" if usable < 2 else "")
    ]
    for name, r in rows.items():
        out.append(
            f"  {name} {r['size']}: serial {r['serial']:.3f} s, "
            f"2 threads {r['threads']:.3f} s, "
            f"speed-up {r['speedup']:.2f}x, identical coefficients {r['identical']}"
        )
    return out
