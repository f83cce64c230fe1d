"""Per-epoch time of skreg's MLPs against scikit-learn's, in one run.

Run as ``python benchmarks/bench_mlp.py [--repeats K]``.

Every row fits both estimators with the same parameters (hidden (100,),
batch 200, adam, ``random_state=0``, a fixed number of epochs) on the same
data, BLAS threads pinned to one with ``threadpoolctl`` around all timing, and
reports the median over ``K`` interleaved runs of ``fit time / n_iter_``,
the held-out score (accuracy or R^2) of each, and the ratio sklearn / skreg.
The float32 rows feed float32 data to both estimators (skreg then trains in
float32; scikit-learn mixes float32 and float64).  numba kernels are compiled
(and cached) by a warm-up fit before any timing.

A second table gives the first-fit time of a fresh process with an empty and
with a warm numba cache.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Time the compiled engine, not a family's first fits (which run interpreted
# until they have paid its compilation: skreg/neural_network/_first_epochs.py).
os.environ.setdefault("SKREG_QUICK_START", "0")
# Benchmark the working tree's skreg even when it is not installed.
sys.path.insert(1, str(REPO))

import numpy as np  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_digits,
    make_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402
from sklearn.neural_network import MLPRegressor as SkMLPRegressor  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from skreg import MLPClassifier, MLPRegressor  # noqa: E402


def _problems():
    X, y = load_digits(return_X_y=True)
    yield "digits 1797x64", "clf", X / 16.0, y, 30
    X, y = make_classification(20000, 20, n_informative=10, random_state=0)
    yield "classif 20000x20", "clf", StandardScaler().fit_transform(X), y, 10
    X, y = make_classification(5000, 1000, n_informative=50, random_state=0)
    yield "classif 5000x1000", "clf", StandardScaler().fit_transform(X), y, 5
    X, y = make_regression(20000, 20, n_informative=10, noise=10.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    yield "regress 20000x20", "reg", X, (y - y.mean()) / y.std(), 10


def _params(epochs):
    return dict(
        hidden_layer_sizes=(100,),
        solver="adam",
        batch_size=200,
        max_iter=epochs,
        n_iter_no_change=np.inf,  # run exactly `epochs` epochs
        random_state=0,
    )


def _time_fit(est, X, y):
    t0 = time.perf_counter()
    est.fit(X, y)
    return (time.perf_counter() - t0) / est.n_iter_, est


def _bench_row(kind, X_tr, X_te, y_tr, y_te, epochs, repeats):
    ours_cls = MLPClassifier if kind == "clf" else MLPRegressor
    ref_cls = SkMLPClassifier if kind == "clf" else SkMLPRegressor
    params = _params(epochs)
    # warm-up: compile (or load from the cache) the kernels for this dtype
    ours_cls(**{**params, "max_iter": 1}).fit(X_tr[:500], y_tr[:500])
    times = {"sklearn": [], "skreg": []}
    models = {}
    for _ in range(repeats):
        for name, cls in (("sklearn", ref_cls), ("skreg", ours_cls)):
            t, models[name] = _time_fit(cls(**params), X_tr, y_tr)
            times[name].append(t)
    med = {k: float(np.median(v)) for k, v in times.items()}
    scores = {k: m.score(X_te, y_te) for k, m in models.items()}
    return med, scores


def _first_fit_seconds(cache_dir):
    code = (
        "import time; t0 = time.perf_counter()\n"
        "import numpy as np\n"
        "from skreg import MLPClassifier\n"
        "X = np.random.RandomState(0).rand(300, 8); y = X[:, 0] > 0.5\n"
        "MLPClassifier(max_iter=1).fit(X, y)\n"
        "print(time.perf_counter() - t0)\n"
    )
    env = {
        **os.environ,
        "NUMBA_CACHE_DIR": cache_dir,
        "PYTHONWARNINGS": "ignore",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p
        ),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-compile-table", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    header = (
        f"{'problem':<18} {'solver':<6} {'dtype':<7} {'sklearn s/ep':>12} "
        f"{'skreg s/ep':>10} {'sklearn score':>13} {'skreg score':>11} "
        f"{'sklearn/skreg':>13}"
    )
    print(header)
    print("-" * len(header))
    f32_vs_f64 = []
    with threadpool_limits(1):
        for name, kind, X, y, epochs in _problems():
            X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
            per_dtype = {}
            for dtype in (np.float64, np.float32):
                med, scores = _bench_row(
                    kind,
                    X_tr.astype(dtype),
                    X_te.astype(dtype),
                    y_tr,
                    y_te,
                    epochs,
                    args.repeats,
                )
                per_dtype[dtype] = med["skreg"]
                print(
                    f"{name:<18} {'adam':<6} {np.dtype(dtype).name:<7} "
                    f"{med['sklearn']:>12.5f} {med['skreg']:>10.5f} "
                    f"{scores['sklearn']:>13.4f} {scores['skreg']:>11.4f} "
                    f"{med['sklearn'] / med['skreg']:>12.2f}x",
                    flush=True,
                )
            f32_vs_f64.append((name, per_dtype[np.float64] / per_dtype[np.float32]))
    print()
    print("skreg float64 time / float32 time (>= 1 means float32 is no slower):")
    for name, r in f32_vs_f64:
        print(f"  {name:<18} {r:.2f}")

    if not args.no_compile_table:
        print()
        print("first fit in a fresh process (import + compile or cache load + fit):")
        with tempfile.TemporaryDirectory() as cache:
            cold = _first_fit_seconds(cache)
            warm = _first_fit_seconds(cache)
        print(f"  empty numba cache: {cold:.1f} s   warm cache: {warm:.1f} s")


if __name__ == "__main__":
    main()
