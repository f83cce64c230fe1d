"""First-fit time of a fresh Python process: ``import`` plus one small fit.

numba compiles on first call and caches to disk, so skreg's first fit in a
new process costs either a cache load (warm cache) or a full compile (empty
cache, ``NUMBA_CACHE_DIR`` pointed at a new temporary directory). sklearn's
first fit is the reference. The child process times ``import`` + ``fit`` itself
(numpy is imported before the clock starts: both libraries need it); the
parent also records the process wall time, interpreter start included.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((200, 50))
y = X[:, :5].sum(axis=1) + rng.standard_normal(200)
start = time.perf_counter()
if sys.argv[1] == "skreg":
    import skreg
    est = skreg.Lasso(alpha=0.1)
else:
    from sklearn.linear_model import Lasso
    est = Lasso(alpha=0.1)
imported = time.perf_counter()
est.fit(X, y)
done = time.perf_counter()
print(json.dumps({"import": imported - start, "fit": done - imported}))
"""


def _child_env(cache_dir=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO), env.get("PYTHONPATH")])
    )
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["NUMBA_NUM_THREADS"] = "1"
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    return env


def first_fit(library, cache_dir=None):
    """Run one fresh process; return (import seconds, fit seconds, process seconds)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, library],
        env=_child_env(cache_dir),
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(last)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return out["import"], out["fit"], wall


def cold_start(repeats=3):
    """``(import, fit, process)`` seconds of fresh processes, one row per run.

    Returns a dict of arrays of shape (n_runs, 3) with keys ``"sklearn"``,
    ``"skreg"`` (warm numba cache) and ``"empty"`` (skreg with an empty cache,
    one run). The compile time is the empty-cache fit minus the warm-cache fit:
    imports cost the same in both.

    Raises RuntimeError (with the child's last stderr line) when skreg cannot
    be imported or fit in the child.
    """
    results = {}
    for library in ("sklearn", "skreg"):
        if library == "skreg":
            first_fit(library)  # make sure the default cache is populated
        results[library] = np.array([first_fit(library) for _ in range(repeats)])
    with tempfile.TemporaryDirectory(prefix="skreg-bench-numba-") as cache_dir:
        results["empty"] = np.array([first_fit("skreg", cache_dir=cache_dir)])
    return results
