"""First use: a light ``import skreg``, ``python -m skreg`` and its ``compile``.

The subprocess tests run the working tree's skreg with their own temporary
``NUMBA_CACHE_DIR``; none of them times anything (speed lives in
``benchmarks/run.py first-use``).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skreg import _warmup
from skreg._numba import njit

ROOT = Path(__file__).resolve().parent.parent


def _env(cache_dir):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    env["NUMBA_CACHE_DIR"] = str(cache_dir)
    env.pop("SKREG_NUMBA_CACHE", None)
    return env


def _python(args, cache_dir, timeout=900):
    proc = subprocess.run(
        [sys.executable, *args],
        env=_env(cache_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_import_loads_neither_sklearn_nor_numba(tmp_path):
    code = """
import json, sys
loaded = lambda: [m for m in ("sklearn", "numba") if m in sys.modules]
import skreg
steps = {"import skreg": loaded()}
from skreg import Lasso
steps["from skreg import Lasso"] = loaded()
Lasso(alpha=0.1).fit([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]], [0.0, 1.0, 2.0])
steps["Lasso().fit"] = loaded()
steps["names"] = sorted(set(skreg.__all__) - set(dir(skreg)))
print(json.dumps(steps))
"""
    steps = json.loads(_python(["-c", code], tmp_path).splitlines()[-1])
    assert steps["import skreg"] == []
    assert steps["from skreg import Lasso"] == ["sklearn"]
    assert steps["Lasso().fit"] == ["sklearn", "numba"]
    assert steps["names"] == []


def test_unknown_attribute_is_an_attribute_error():
    import skreg

    with pytest.raises(AttributeError, match="no attribute 'Lassso'"):
        skreg.Lassso  # noqa: B018
    assert skreg.Lasso is __import__("skreg.linear_model").linear_model.Lasso


def test_compiling_counts_compilations_and_announces_once():
    @njit(cache=False)
    def twice(x):
        return 2 * x

    calls = []
    with _warmup.compiling(on_first=lambda: calls.append(1)) as counter:
        assert twice(2.0) == 4.0
        assert twice(np.float32(2.0)) == 4.0  # a second specialization
        assert twice(3.0) == 6.0  # compiled already
    assert counter.count == 2
    assert calls == [1]
    with _warmup.compiling(on_first=lambda: calls.append(1)) as counter:
        twice(5.0)
    assert counter.count == 0 and calls == [1]


def test_variants_cover_every_dtype_and_layout():
    labels = [v.label for v in _warmup.all_variants()]
    assert len(labels) == len(set(labels))
    for where in ("dense float64", "dense float32", "sparse float64", "sparse float32"):
        assert f"Lasso, ElasticNet {where}" in labels
        assert f"MLPClassifier(every option) {where}" in labels
    common = [v.label for v in _warmup.common_variants()]
    assert set(common) <= set(labels)


# What a user's first fits do, in a fresh process; compile events are counted
# and each fit is checked against scikit-learn or for a finite loss, so a
# kernel loaded wrongly from the cache cannot pass.
FRESH_FITS = """
import json, warnings
import numpy as np, scipy.sparse as sp
from numba.core import event
import sklearn.linear_model as sk
import skreg
warnings.simplefilter("ignore")
compiled = []

class Count(event.Listener):
    def on_start(self, ev):
        compiled.append(ev.data["dispatcher"].__name__)

    def on_end(self, ev):
        pass

event.register("numba:compile", Count())
rng = np.random.default_rng(1)
X = rng.standard_normal((60, 12))
y = X[:, 0] - X[:, 1] + 0.1 * rng.standard_normal(60)
errors = {}
for name, data in {
    "dense": X,
    "float32": X.astype(np.float32),
    "csc": sp.csc_matrix(np.where(np.abs(X) > 0.5, X, 0.0)),
}.items():
    ours = skreg.Lasso(alpha=0.05, tol=1e-10).fit(data, y.astype(data.dtype))
    ref = sk.Lasso(alpha=0.05, tol=1e-10).fit(data, y.astype(data.dtype))
    errors[name] = float(np.max(np.abs(ours.coef_ - ref.coef_)))
ours = skreg.ElasticNet(alpha=0.05, l1_ratio=0.5, tol=1e-10).fit(X, y)
ref = sk.ElasticNet(alpha=0.05, l1_ratio=0.5, tol=1e-10).fit(X, y)
errors["enet"] = float(np.max(np.abs(ours.coef_ - ref.coef_)))
alphas = [m.LassoCV(cv=3, tol=1e-8).fit(X, y).alpha_ for m in (skreg, sk)]
errors["cv"] = abs(alphas[0] - alphas[1])
losses = [
    skreg.MLPClassifier(max_iter=3, random_state=0).fit(X, y > 0).loss_,
    skreg.MLPRegressor(max_iter=3, random_state=0).fit(X, y).loss_,
]
print(json.dumps({"compiled": compiled, "errors": errors, "losses": losses}))
"""


@pytest.fixture(scope="module")
def compiled_cache(tmp_path_factory):
    """A numba cache filled by ``python -m skreg compile``, and its output."""
    cache = tmp_path_factory.mktemp("numba-cache")
    out = _python(["-m", "skreg", "compile"], cache)
    return cache, out


@pytest.mark.slow
def test_compile_fills_the_cache_for_fresh_processes(compiled_cache):
    cache, out = compiled_cache
    lines = out.splitlines()
    assert lines[0].startswith("skreg: compiling numba kernels")
    done = lines[-1]
    assert done.startswith("done: ") and "kernel specializations compiled" in done
    assert int(done.split()[1]) > 0
    assert not any("skipped" in line for line in lines)
    assert any(f.suffix == ".nbc" for f in cache.rglob("*"))
    assert all(len(line) <= 100 for line in lines)

    result = json.loads(_python(["-c", FRESH_FITS], cache).splitlines()[-1])
    assert result["compiled"] == []
    errors = result["errors"]
    assert max(errors[k] for k in ("dense", "csc", "enet")) < 1e-8, errors
    assert errors["float32"] < 1e-4 and errors["cv"] == 0, errors
    assert all(np.isfinite(result["losses"]))

    again = _python(["-m", "skreg", "compile"], cache).splitlines()
    assert again[-1].startswith("done: 0 kernel specializations compiled")


@pytest.mark.slow
def test_demo_speaks_first_and_fits_in_100_columns(compiled_cache):
    cache, _ = compiled_cache
    lines = _python(["-m", "skreg"], cache).splitlines()
    assert lines[0].startswith("skreg vs scikit-learn")
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)
    # The cache is warm: nothing to announce, the load is reported instead.
    assert not any(line.startswith("compiling") for line in lines)
    assert any(line.startswith("kernels loaded from numba's cache") for line in lines)
    for model in ("Lasso alpha_max/100", "LassoCV", "MLPClassifier", "MLPRegressor"):
        assert any(line.startswith(model) for line in lines), model
