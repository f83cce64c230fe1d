"""First-fit time of skreg's MLPs in a fresh process, empty and warm numba cache.

Run as ``python benchmarks/bench_mlp_first_use.py [--configs a,b] [--kernels]``.

Every configuration is fitted in a new Python process whose ``NUMBA_CACHE_DIR``
is a new empty directory (BLAS and numba threads pinned to 1), then once more
in another fresh process on the now warm cache.  The child times the first
``fit`` only (``import skreg`` and the data are excluded); the ``compile``
column is the empty-cache fit minus the warm-cache fit; ``kernel import`` the
import of numba and the kernel module, which the first fit of a process pays
on top (the estimators load them lazily), timed apart in the warm child;
``(cpu s)`` is the empty-cache fit's process CPU time, less sensitive than wall
time to other jobs on a shared machine (compilation is single-threaded).  With
``--kernels`` the child also records numba's ``numba:compile`` events and
prints every function compiled (kernels, overload implementations, numba's
own helpers) with its number of specializations and its own compile time
(callees excluded).

Issue 13's targets: <= 3 s for a default MLPClassifier or MLPRegressor, <= 4 s
for any combination of the toolkit options (empty cache); ~0.2 s warm.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _first_use import child_env, compiled_kernels

REPO = Path(__file__).resolve().parent.parent

# name -> (estimator, parameters); digits-size data (1797 x 64).
CONFIGS = {
    "clf-default": ("MLPClassifier", {}),
    "reg-default": ("MLPRegressor", {}),
    "clf-sgd": ("MLPClassifier", {"solver": "sgd"}),
    "clf-lbfgs": ("MLPClassifier", {"solver": "lbfgs"}),
    "clf-f32": ("MLPClassifier", {"_float32": True}),
    "clf-sparse": ("MLPClassifier", {"_sparse": True}),
    "clf-l1": ("MLPClassifier", {"l1_ratio": 0.5}),
    "clf-dropout-bn": ("MLPClassifier", {"dropout": 0.5, "batch_norm": True}),
    "clf-rmsprop-noise": ("MLPClassifier", {"solver": "rmsprop", "input_noise": 0.1}),
    "clf-group-wd-cw-es": (
        "MLPClassifier",
        {
            "input_group_alpha": 0.1,
            "weight_decay": 1e-3,
            "class_weight": "balanced",
            "early_stopping": True,
        },
    ),
    "clf-everything": (
        "MLPClassifier",
        {
            "dropout": 0.3,
            "input_dropout": 0.1,
            "batch_norm": True,
            "l1_ratio": 0.5,
            "input_noise": 0.1,
            "solver": "rmsprop",
            "class_weight": "balanced",
            "input_group_alpha": 0.1,
            "weight_decay": 1e-3,
            "early_stopping": True,
        },
    ),
    "reg-everything-sgd": (
        "MLPRegressor",
        {
            "dropout": 0.3,
            "input_dropout": 0.1,
            "batch_norm": True,
            "l1_ratio": 0.5,
            "input_noise": 0.1,
            "solver": "sgd",
            "input_group_alpha": 0.1,
            "weight_decay": 1e-3,
            "early_stopping": True,
        },
    ),
}

CHILD = r"""
import json, sys, time, warnings
import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_digits
import skreg
from skreg import MLPClassifier, MLPRegressor
warnings.simplefilter("ignore")
# The estimators load numba and the kernels at the first fit; that import is
# timed apart ("kernel import") so the fit column stays compile + run.
t0 = time.perf_counter()
import skreg._kernels.mlp
kernel_import = time.perf_counter() - t0
cls_name, params, kernels = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "1"
X, y = load_digits(return_X_y=True)
X = X / 16.0
if cls_name == "MLPRegressor":
    y = y / 9.0
if params.pop("_float32", False):
    X = X.astype(np.float32)
if params.pop("_sparse", False):
    X = sp.csr_matrix(X)
est = {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}[cls_name](
    max_iter=5, random_state=0, **params)
events = []
if kernels:
    from numba.core import event

    class Recorder(event.Listener):
        def on_start(self, ev):
            d = ev.data["dispatcher"]
            name = d.py_func.__module__.rsplit(".", 1)[-1] + "." + d.__name__
            events.append(["start", name, [], time.perf_counter()])

        def on_end(self, ev):
            events.append(["end", None, None, time.perf_counter()])

    event.register("numba:compile", Recorder())
c0 = time.process_time()
t0 = time.perf_counter()
est.fit(X, y)
fit = time.perf_counter() - t0
out = {"fit": fit, "cpu": time.process_time() - c0, "import": kernel_import,
       "events": events}
print(json.dumps(out))
"""


def _env(cache_dir):
    env = child_env(cache_dir)  # threads pinned to 1, this tree's skreg
    env.pop("SKREG_NUMBA_CACHE", None)
    # the engine's compilation, not a first fit run interpreted
    env["SKREG_QUICK_START"] = "0"
    return env


def first_fit(name, cache_dir, kernels=False):
    """Seconds of the first fit of configuration ``name`` in a fresh process."""
    cls_name, params = CONFIGS[name]
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, cls_name, json.dumps(params), str(int(kernels))],
        env=_env(cache_dir),
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{name}: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--kernels", action="store_true")
    args = parser.parse_args()
    names = args.configs.split(",")
    print(f"load: {os.getloadavg()[0]:.2f} (1-min average, {os.cpu_count()} cores)")
    header = (
        f"{'configuration':<22} {'empty cache s':>13} {'(cpu s)':>8} {'warm s':>7} "
        f"{'compile s':>9} {'kernel import s':>15}"
    )
    print(header)
    print("-" * len(header))
    worst = {}
    for name in names:
        with tempfile.TemporaryDirectory(prefix="skreg-mlp-first-use-") as cache:
            cold = first_fit(name, cache, kernels=args.kernels)
            warm = first_fit(name, cache)
        default = name in ("clf-default", "reg-default")
        worst[default] = max(worst.get(default, 0.0), cold["fit"])
        print(
            f"{name:<22} {cold['fit']:>13.2f} {cold['cpu']:>8.2f} {warm['fit']:>7.2f} "
            f"{cold['fit'] - warm['fit']:>9.2f} {warm['import']:>15.2f}",
            flush=True,
        )
        if args.kernels:
            # every specialization compiled, own time (callees excluded)
            own = {}
            for item in compiled_kernels(cold["events"]):
                n, t = own.get(item.kernel, (0, 0.0))
                own[item.kernel] = (n + 1, t + item.own)
            for kname, (n, t) in sorted(own.items(), key=lambda kv: -kv[1][1]):
                print(f"    {kname:<36} {n:>2} x {t:6.2f} s")
    print(f"load: {os.getloadavg()[0]:.2f}")
    for default, target in ((True, 3.0), (False, 4.0)):
        if default in worst:
            what = "default MLPs" if default else "toolkit options"
            verdict = "met" if worst[default] <= target else "NOT met"
            print(
                f"target {what}: worst empty-cache first fit {worst[default]:.2f} s "
                f"(<= {target:g} s) {verdict}"
            )


if __name__ == "__main__":
    main()
