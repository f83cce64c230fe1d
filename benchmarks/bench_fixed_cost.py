"""What a call costs besides its sweeps: small fits, predictions and paths.

Users who fit many small models (grid searches, bootstraps, one model per
group) pay each call's fixed cost -- parameter and input validation,
preprocessing, the solver's setup -- as many times.  This script times, in
one process with every kernel already compiled (quick starts off), skreg
and scikit-learn on problems where the solve itself takes microseconds:
dense and CSC designs of 50 x 10 and 200 x 50, fits with and without an
intercept, ``predict`` and a one-alpha ``lasso_path``.  The calls of the two
libraries alternate; each row is the best of ``--rounds`` rounds of
``--calls`` calls, in microseconds per call, BLAS pinned to one thread.

    python benchmarks/bench_fixed_cost.py [--rounds 5] [--calls 300]
"""

import argparse
import os
import time

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits


def cases(skreg, sklearn_lm):
    """``(name, skreg call, scikit-learn call)`` of the rows."""
    rng = np.random.default_rng(0)
    rows = []
    for n_samples, n_features in ((50, 10), (200, 50)):
        X = np.asfortranarray(rng.standard_normal((n_samples, n_features)))
        y = X[:, :3].sum(axis=1) + 0.1 * rng.standard_normal(n_samples)
        rows += _rows_of(skreg, sklearn_lm, X, y)
    return rows


def _rows_of(skreg, sklearn_lm, X, y):
    """The rows of one problem (a function of its own: each lambda binds
    this call's ``X`` and ``y``)."""
    X_csc = sp.csc_matrix(np.where(np.abs(X) > 1.0, X, 0.0))
    size = "x".join(map(str, X.shape))
    alphas = np.array([0.1])
    ours, theirs = skreg.Lasso(alpha=0.1), sklearn_lm.Lasso(alpha=0.1)
    ours.fit(X, y)
    theirs.fit(X, y)
    return [
        (f"Lasso.fit dense {size}",
         lambda: skreg.Lasso(alpha=0.1).fit(X, y),
         lambda: sklearn_lm.Lasso(alpha=0.1).fit(X, y)),
        (f"Lasso.fit CSC {size}",
         lambda: skreg.Lasso(alpha=0.1).fit(X_csc, y),
         lambda: sklearn_lm.Lasso(alpha=0.1).fit(X_csc, y)),
        (f"Lasso(fit_intercept=False).fit dense {size}",
         lambda: skreg.Lasso(alpha=0.1, fit_intercept=False).fit(X, y),
         lambda: sklearn_lm.Lasso(alpha=0.1, fit_intercept=False).fit(X, y)),
        (f"Lasso.predict dense {size}",
         lambda: ours.predict(X),
         lambda: theirs.predict(X)),
        (f"lasso_path dense {size}, 1 alpha",
         lambda: skreg.lasso_path(X, y, alphas=alphas),
         lambda: sklearn_lm.lasso_path(X, y, alphas=alphas)),
    ]  # fmt: skip


def best_per_call(functions, rounds, calls):
    """Best of ``rounds`` of ``calls`` calls of each function, alternating
    the functions round by round; microseconds per call."""
    best = [np.inf] * len(functions)
    for _ in range(rounds):
        for k, function in enumerate(functions):
            start = time.perf_counter()
            for _ in range(calls):
                function()
            best[k] = min(best[k], (time.perf_counter() - start) / calls * 1e6)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    os.environ["SKREG_QUICK_START"] = "0"  # the engine, compiled once below
    import sklearn.linear_model as sklearn_lm

    import skreg

    with threadpool_limits(1):
        rows = cases(skreg, sklearn_lm)
        for _, ours, theirs in rows:  # compile (or load) and warm up
            ours()
            theirs()
        print(f"{'call':44s} {'skreg [us]':>11s} {'sklearn [us]':>13s} {'ratio':>7s}")
        print("-" * 78)
        for name, ours, theirs in rows:
            t_ours, t_theirs = best_per_call((ours, theirs), args.rounds, args.calls)
            ratio = t_theirs / t_ours
            print(f"{name:44s} {t_ours:11.1f} {t_theirs:13.1f} {ratio:6.2f}x")
    print("ratio: scikit-learn's time over skreg's (above 1: skreg is faster)")


if __name__ == "__main__":
    main()
