"""First use of the MLPs: numba loads at the first fit, not at import.

Runs in a fresh process (the test session has numba loaded already) with its
own empty ``NUMBA_CACHE_DIR``; nothing is timed (speed lives in
``benchmarks/bench_mlp_first_use.py``).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CODE = """
import json, sys, warnings
warnings.simplefilter("ignore")
loaded = lambda: [m for m in ("sklearn", "numba", "skreg._kernels.mlp")
                  if m in sys.modules]
steps = {}
from skreg import MLPClassifier, MLPRegressor
steps["import"] = loaded()
est = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]] * 3
est.fit(X, [0, 1, 1, 0] * 3)
steps["fit"] = loaded()
steps["loss"] = est.loss_
print(json.dumps(steps))
"""


def test_estimator_import_loads_no_numba_and_fit_does(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    env["NUMBA_CACHE_DIR"] = str(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", CODE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    steps = json.loads(proc.stdout.splitlines()[-1])
    assert steps["import"] == ["sklearn"]
    assert steps["fit"] == ["sklearn", "numba", "skreg._kernels.mlp"]
    assert 0 < steps["loss"] < 10
