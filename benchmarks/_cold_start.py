"""First-fit time of a fresh Python process: ``import`` plus one small fit.

numba compiles on first call and caches to disk, so skreg's first fit in a
new process costs either a cache load (warm cache) or a full compile (empty
cache, ``NUMBA_CACHE_DIR`` pointed at a new temporary directory). sklearn's
first fit is the reference. The child process times ``import`` + ``fit`` itself
(numpy is imported before the clock starts: both libraries need it); the
parent also records the process wall time, interpreter start included.
"""

import json
import tempfile

import numpy as np
from _first_use import run_child

CHILD = """
import json, sys, time
import numpy as np
rng = np.random.default_rng(0)
X = rng.standard_normal((200, 50))
y = X[:, :5].sum(axis=1) + rng.standard_normal(200)
if sys.argv[1].endswith("-mlp"):
    import warnings
    warnings.simplefilter("ignore")  # max_iter=50 does not converge
    y = (y > 0).astype(int)
start = time.perf_counter()
if sys.argv[1] == "skreg":
    import skreg
    est = skreg.Lasso(alpha=0.1)
elif sys.argv[1] == "skreg-mlp":
    import skreg
    est = skreg.MLPClassifier((20,), max_iter=50, random_state=0)
elif sys.argv[1] == "sklearn-mlp":
    from sklearn.neural_network import MLPClassifier
    est = MLPClassifier((20,), max_iter=50, random_state=0)
elif sys.argv[1] == "numba-floor":
    # The least a numba Lasso with scikit-learn's API can load: scikit-learn,
    # numba and one cached kernel (benchmarks/_numba_floor.py).
    import runpy
    import numba
    import sklearn.linear_model
    class est:
        def fit(X, y):
            floor = sys.argv[2] + "/_numba_floor.py"
            runpy.run_path(floor, init_globals={"X": X, "y": y})
else:
    from sklearn.linear_model import Lasso
    est = Lasso(alpha=0.1)
imported = time.perf_counter()
est.fit(X, y)
done = time.perf_counter()
print(json.dumps({"import": imported - start, "fit": done - imported,
                  "numba": "numba" in sys.modules}))
"""


def first_fit(library, cache_dir=None):
    """Run one fresh process; return (import seconds, fit seconds, process seconds)."""
    line, wall, _ = run_child(CHILD, cache_dir, args=(library,))
    out = json.loads(line)
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
