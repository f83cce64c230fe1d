"""The numba policy: flags, and a cache that never breaks an import."""

import gc
import json
import os
import shutil
import subprocess
import sys

import numba
import numpy as np
import pytest

import skreg
from skreg import _numba
from tests.conftest import fresh_python


def test_fastmath_flags_are_explicit_and_keep_nan_checks():
    assert _numba.FASTMATH == {"nsz", "arcp", "contract", "afn", "reassoc"}
    assert "nnan" not in _numba.FASTMATH and "ninf" not in _numba.FASTMATH


def test_kernels_compile_with_the_policy():
    from skreg._kernels.cd import cd_sweep_dense
    from skreg._kernels.cd_plain import plain_cd_path

    # An inner kernel's dispatcher serves the calls from Python.
    for kernel in (plain_cd_path, cd_sweep_dense.dispatcher):
        options = kernel.targetoptions
        assert options["nogil"] is True
        assert options["fastmath"] == set(_numba.FASTMATH)
        # numba keeps the cache as an object rather than an option.
        assert (type(kernel._cache).__name__ == "FunctionCache") is _numba.CACHE


@_numba.inner_kernel(cache=False)
def _twice_the_sum(values):
    total = 0.0
    for i in range(values.shape[0]):
        total += 2.0 * values[i]
    return total


@_numba.njit(cache=False)
def _calls_an_inner_kernel(values):
    return _twice_the_sum(values) + 1.0


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="compiles")
def test_inner_kernel_compiles_into_its_callers_not_through_its_dispatcher():
    values = np.arange(4.0)
    assert _calls_an_inner_kernel(values) == 13.0
    # The caller compiled it through the overload (no Python wrappers), not
    # through its dispatcher, which builds them for every signature.
    assert not _twice_the_sum.dispatcher.overloads
    # From Python it is an njit kernel, compiled on that first call.
    assert _twice_the_sum(values) == 12.0
    assert len(_twice_the_sum.dispatcher.overloads) == 1
    assert _twice_the_sum.py_func(values) == 12.0


@_numba.inner_kernel(cache=False)
def _leaf(x):
    return x + 1.0


@_numba.inner_kernel(cache=False)
def _middle(x):
    return 2.0 * _leaf(x)


@_numba.njit(cache=False)
def _top(x):
    # _leaf from a kernel called from Python and from another inner kernel:
    # the two callers compile with different flags (the wrappers).
    return _leaf(x) + _middle(x)


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="compiles")
@pytest.mark.parametrize("share", [True, False])
def test_an_inner_kernel_compiles_once_per_signature(share, monkeypatch):
    """One compilation of _leaf for its callers; numba's own key (switched
    off) compiles it once per caller's flags."""
    if not _numba.SHARE_INNER_KERNELS:
        pytest.skip("numba's overload template lacks the cache this relies on")
    if not share:
        for inner in (_leaf, _middle):
            monkeypatch.setattr(inner.overload, "_skreg_inner_kernel", False)
    compiled = []

    class Record(numba.core.event.Listener):
        def on_start(self, ev):
            compiled.append(getattr(ev.data["dispatcher"], "py_func", None))

        def on_end(self, ev):
            pass

    kernel = _numba.njit(cache=False)(_top.py_func)  # a fresh dispatcher
    with numba.core.event.install_listener("numba:compile", Record()):
        assert kernel(1.0) == 2.0 + 4.0
    leaves = [f for f in compiled if f is _leaf.py_func]
    assert len(leaves) == (1 if share else 2)


def test_cache_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("SKREG_NUMBA_CACHE", "0")
    assert _numba._resolve_cache() is False


def test_unwritable_package_dir_relocates_the_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("SKREG_NUMBA_CACHE", raising=False)
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    user_dir = str(tmp_path / "user-cache")
    monkeypatch.setattr(_numba, "_user_cache_dir", lambda: user_dir)
    package_cache = os.path.join(os.path.dirname(_numba.__file__), "_kernels")
    real = _numba._dir_is_writable
    monkeypatch.setattr(
        _numba,
        "_dir_is_writable",
        lambda path: False if path.startswith(package_cache) else real(path),
    )
    assert _numba._resolve_cache() is True
    assert numba.config.CACHE_DIR == user_dir


def test_nothing_writable_disables_cache_with_one_warning(monkeypatch):
    monkeypatch.delenv("SKREG_NUMBA_CACHE", raising=False)
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    monkeypatch.setattr(_numba, "_dir_is_writable", lambda path: False)
    with pytest.warns(RuntimeWarning, match="NUMBA_CACHE_DIR"):
        assert _numba._resolve_cache() is False


def test_fit_works_in_a_process_without_cache(tmp_path):
    code = (
        "import numpy as np, skreg, skreg._numba as p; p.load_numba(); "
        "assert p.CACHE is False; "
        "X = np.random.RandomState(0).randn(30, 4); "
        "m = skreg.Lasso(alpha=0.01).fit(X, X[:, 0]); "
        "assert abs(m.coef_[0] - 1) < 0.05; print('ok')"
    )
    env = {**os.environ, "SKREG_NUMBA_CACHE": "0", "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
    assert list(tmp_path.rglob("*.nb?")) == []  # nothing was cached


# ---------------------------------------------------------------------------
# Cache faults, each in fresh processes with their own cache directory.

_FIT_AND_REPORT = """
import json, numba, numpy as np, skreg, skreg._numba as policy
from skreg._kernels import bounds, cd, cd_plain, cd_working_set, gap, problems, prox
X = np.random.RandomState(0).randn(40, 5)
y = X @ np.arange(1.0, 6.0)
coef = skreg.Lasso(alpha=0.01, tol=1e-10).fit(X, y).coef_
hits = misses = 0
for module in (bounds, cd, cd_plain, cd_working_set, gap, problems, prox):
    for obj in vars(module).values():
        stats = getattr(obj, "stats", None)
        if stats is not None:
            hits += sum(stats.cache_hits.values())
            misses += sum(stats.cache_misses.values())
print(json.dumps({"coef": coef.tolist(), "hits": hits, "misses": misses,
                  "cache": policy.CACHE, "dir": numba.config.CACHE_DIR,
                  "defer": policy.DEFER_CODEGEN, **policy.DEFERRED_CODEGEN}))
"""


def _env(**changes):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.pop("SKREG_NUMBA_CACHE", None)
    env.update({k: str(v) for k, v in changes.items()})
    return env


def _report(out):
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fit_in_fresh_process(env, prelude=""):
    out = subprocess.run(
        [sys.executable, "-c", prelude + _FIT_AND_REPORT],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return _report(out)


def _expected_coef():
    X = np.random.RandomState(0).randn(40, 5)
    return skreg.Lasso(alpha=0.01, tol=1e-10).fit(X, X @ np.arange(1.0, 6.0)).coef_


def _cache_files(directory):
    return sorted(p.name for p in directory.rglob("*") if p.suffix in {".nbi", ".nbc"})


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    """An empty cache filled by two processes compiling the same kernels at once."""
    cache = tmp_path_factory.mktemp("numba-cache")
    env = _env(NUMBA_CACHE_DIR=cache)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _FIT_AND_REPORT],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    reports = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        reports.append(
            _report(
                subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
            )
        )
    return cache, reports


def test_two_processes_compiling_at_once_then_a_third_loads(warm_cache):
    cache, reports = warm_cache
    expected = _expected_coef()
    for report in reports:
        assert report["cache"] is True and report["dir"] == str(cache)
        assert report["misses"] > 0  # the cache started empty: both compiled
        np.testing.assert_allclose(report["coef"], expected, rtol=1e-12)
    np.testing.assert_array_equal(reports[0]["coef"], reports[1]["coef"])
    assert any(name.endswith(".nbi") for name in _cache_files(cache))
    third = _fit_in_fresh_process(_env(NUMBA_CACHE_DIR=cache))
    assert third["misses"] == 0 and third["hits"] > 0
    np.testing.assert_array_equal(third["coef"], reports[0]["coef"])


def test_only_the_code_that_runs_gets_machine_code(warm_cache, tmp_path):
    """Compiling, the inner kernels' libraries get no machine code of their own
    (deferred, never emitted); the kernels called from Python do, and the
    result is the same bit for bit as with numba's own finalization."""
    _, reports = warm_cache
    for report in reports:
        assert report["defer"] is True
        assert report["emitted"] >= 1
        assert report["deferred"] > 5 * report["emitted"]
    off = _fit_in_fresh_process(
        _env(NUMBA_CACHE_DIR=tmp_path / "cache", SKREG_DEFER_CODEGEN=0)
    )
    assert off["defer"] is False and off["deferred"] == off["emitted"] == 0
    assert off["misses"] > 0
    np.testing.assert_array_equal(off["coef"], reports[0]["coef"])


def test_corrupt_cache_files_are_recompiled_not_fatal(warm_cache, tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(warm_cache[0], cache)
    corrupted = [p for p in cache.rglob("*") if p.suffix in {".nbi", ".nbc"}]
    assert corrupted
    for path in corrupted:
        path.write_bytes(b"truncated by a full disk")
    report = _fit_in_fresh_process(_env(NUMBA_CACHE_DIR=cache))
    np.testing.assert_allclose(report["coef"], _expected_coef(), rtol=1e-12)
    assert report["misses"] > 0
    # The broken entries were replaced: the next process loads every kernel.
    again = _fit_in_fresh_process(_env(NUMBA_CACHE_DIR=cache))
    assert again["misses"] == 0 and again["hits"] > 0


def test_stale_stamp_purges_only_skreg_cache_files(warm_cache, tmp_path):
    cache = tmp_path / "cache"
    shutil.copytree(warm_cache[0], cache)
    (kernel_dir,) = {p.parent for p in cache.rglob("*.nbi")}
    stamp = kernel_dir / _numba.STAMP_NAME
    assert stamp.read_text() == _numba._sources_stamp()
    assert _numba._purge_if_stale(str(kernel_dir)) is False
    n_files = len(_cache_files(cache))
    # An upgrade: another numba, or kernels from an older skreg.
    stamp.write_text(stamp.read_text().replace(numba.__version__, "0.0.old"))
    (kernel_dir / "removed_kernel.old-3.py311.nbi").write_bytes(b"old")
    (kernel_dir / "notes.txt").write_text("not ours")
    assert len(_cache_files(cache)) == n_files + 1
    assert _numba._purge_if_stale(str(kernel_dir)) is True
    assert _cache_files(cache) == []
    assert (kernel_dir / "notes.txt").exists()
    assert stamp.read_text() == _numba._sources_stamp()
    # A purged cache is filled again by the next process.
    report = _fit_in_fresh_process(_env(NUMBA_CACHE_DIR=cache))
    assert report["misses"] > 0
    assert len(_cache_files(cache)) == n_files


def test_stamp_tracks_every_kernel_source_and_the_policy():
    stamp = _numba._sources_stamp()
    kernels = os.path.join(os.path.dirname(_numba.__file__), "_kernels")
    for name in os.listdir(kernels):
        if name.endswith(".py"):
            assert f"\n{name} " in stamp
    assert "\n_numba.py " in stamp and f"numba {numba.__version__}" in stamp


def test_read_only_package_dir_relocates_cache_in_a_fresh_process(tmp_path):
    """The package's __pycache__ refuses writes; the kernels cache elsewhere."""
    package_kernels = os.path.join(os.path.dirname(_numba.__file__), "_kernels")
    prelude = (
        "import os, tempfile\n"
        "_real = tempfile.NamedTemporaryFile\n"
        "def _refuse(*args, dir=None, **kwargs):\n"
        f"    if dir and os.path.abspath(dir).startswith({package_kernels!r}):\n"
        "        raise PermissionError(13, 'Read-only file system', dir)\n"
        "    return _real(*args, dir=dir, **kwargs)\n"
        "tempfile.NamedTemporaryFile = _refuse\n"
    )
    xdg = tmp_path / "xdg"
    report = _fit_in_fresh_process(_env(XDG_CACHE_HOME=xdg), prelude)
    relocated = xdg / "skreg" / "numba"
    assert report["cache"] is True and report["dir"] == str(relocated)
    np.testing.assert_allclose(report["coef"], _expected_coef(), rtol=1e-12)
    assert any(name.endswith(".nbi") for name in _cache_files(relocated))


def test_stamp_follows_content_not_modification_time(tmp_path, monkeypatch):
    """A cache built where the same sources were installed earlier stays valid."""
    kernels = tmp_path / "_kernels"
    shutil.copytree(
        _numba._KERNEL_DIR, kernels, ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.setattr(_numba, "_KERNEL_DIR", str(kernels))
    before = _numba._sources_stamp()
    for path in kernels.glob("*.py"):
        os.utime(path, (1_000_000, 1_000_000))  # installed at another time
    assert _numba._sources_stamp() == before
    with open(kernels / "prox.py", "a") as f:
        f.write("\n# an edit\n")
    changed = set(_numba._sources_stamp().splitlines()) ^ set(before.splitlines())
    assert {line.split()[0] for line in changed} == {"prox.py"}


def _index_targets(cache):
    """The (triple, cpu name, cpu features) of every entry in numba's indexes."""
    import pickle

    targets = set()
    for index in cache.rglob("*.nbi"):
        with open(index, "rb") as f:
            pickle.load(f)  # numba's version
            _, overloads = pickle.loads(f.read())
        targets.update(key[1] for key in overloads)
    return targets


@pytest.mark.slow
def test_generic_cpu_cache_does_not_depend_on_the_host_cpu(tmp_path):
    """NUMBA_CPU_NAME=generic keys (and compiles) the cache for any x86-64 CPU."""
    cache = tmp_path / "cache"
    generic = _env(NUMBA_CACHE_DIR=cache, NUMBA_CPU_NAME="generic")
    first = _fit_in_fresh_process(generic)
    assert first["misses"] > 0
    targets = _index_targets(cache)
    assert {(cpu, features) for _, cpu, features in targets} == {("generic", "")}
    np.testing.assert_allclose(first["coef"], _expected_coef(), rtol=1e-10)
    # A process with the same setting loads every kernel ...
    second = _fit_in_fresh_process(generic)
    assert second["misses"] == 0 and second["hits"] > 0
    np.testing.assert_array_equal(second["coef"], first["coef"])
    # ... one without it compiles for its own CPU: consumers must set it too.
    host = _fit_in_fresh_process(_env(NUMBA_CACHE_DIR=cache))
    assert host["misses"] > 0
    assert len(_index_targets(cache)) == 2


def _compile_event(module):
    def kernel():
        pass

    kernel.__module__ = module
    return numba.core.event.Event(
        "numba:compile", numba.core.event.EventStatus.START,
        data={"dispatcher": numba.njit(kernel)},
    )  # fmt: skip


@pytest.mark.parametrize("user_disabled", [False, True])
def test_the_collector_pauses_while_a_skreg_kernel_compiles(user_disabled):
    pause = _numba._compilation_listener(numba.core.event)()
    outer, callee = _compile_event("skreg._kernels.mlp"), _compile_event("numpy")
    was_enabled = gc.isenabled()
    try:
        if user_disabled:
            gc.disable()
        else:
            gc.enable()
        pause.on_start(outer)
        pause.on_start(callee)  # a callee compiled meanwhile: still paused
        assert not gc.isenabled() and pause.skreg
        pause.on_end(callee)
        assert not gc.isenabled() and pause.skreg
        pause.on_end(outer)
        assert gc.isenabled() is not user_disabled and not pause.skreg
        # another library's compilation leaves the collector alone
        pause.on_start(_compile_event("mypackage.kernels"))
        assert gc.isenabled() is not user_disabled and not pause.skreg
    finally:
        (gc.enable if was_enabled else gc.disable)()


def test_import_and_an_interpreted_fit_load_no_numba(tmp_path):
    """numba is loaded at the first compiled kernel (load_numba), not with
    skreg or its kernels' modules: first fits that run interpreted (a
    Lasso's, an MLP's) never import it."""
    code = (
        "import sys, numpy as np, skreg, skreg._numba as p; "
        "assert 'numba' not in sys.modules, 'import'; "
        "X = np.random.RandomState(0).randn(30, 4); "
        "m = skreg.Lasso(alpha=0.01).fit(X, X[:, 0]); "
        "assert 'numba' not in sys.modules, 'interpreted fit'; "
        "assert not p.numba_loaded(); "
        "from skreg._kernels.cd import cd_sweep_dense; "
        "assert isinstance(cd_sweep_dense.dispatcher, p.Kernel); "
        "assert 'numba' not in sys.modules, 'kernel attribute'; "
        "import skreg._kernels.mlp; "
        "skreg.MLPClassifier((5,), max_iter=3).fit(X, X[:, 0] > 0); "
        "assert 'numba' not in sys.modules, 'interpreted MLP fit'"
    )
    out = fresh_python(code, tmp_path, SKREG_QUICK_START="1", SKREG_INTERPRET="1")
    assert out.returncode == 0, out.stderr


def test_an_mlp_imports_no_linear_models(tmp_path):
    """skreg's MLP, imported and fitted, leaves sklearn.linear_model (and the
    linear classifier mixins skreg._sklearn offers on first access)
    unimported; LogisticRegression then imports them."""
    code = (
        "import sys, numpy as np, skreg; "
        "X = np.random.RandomState(0).randn(30, 4); "
        "skreg.MLPClassifier((5,), max_iter=3).fit(X, X[:, 0] > 0); "
        "assert 'sklearn.linear_model' not in sys.modules, 'MLP'; "
        "from skreg._sklearn import LinearClassifierMixin; "
        "assert 'sklearn.linear_model' in sys.modules; "
        "assert skreg.LogisticRegression.__mro__[1] is LinearClassifierMixin"
    )
    out = fresh_python(code, tmp_path, SKREG_QUICK_START="1", SKREG_INTERPRET="1")
    assert out.returncode == 0, out.stderr


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="compiles")
def test_a_kernel_calling_a_kernel_compiles_and_caches_through_the_proxy(tmp_path):
    """A kernel's global that is another Kernel is typed as its dispatcher;
    the caller is cached (a second process loads it, compiling nothing)."""
    module = tmp_path / "lazy_kernels.py"
    module.write_text(
        "from skreg._numba import njit\n"
        "@njit\n"
        "def leaf(x):\n    return x + 1.0\n"
        "@njit\n"
        "def top(x):\n    return 2.0 * leaf(x)\n"
    )
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import lazy_kernels as k; "
        "assert k.top(1.0) == 4.0; print(sum(k.top.stats.cache_hits.values()))"
    )
    runs = [fresh_python(code, tmp_path / "cache", tmp_path) for _ in range(2)]
    for out in runs:
        assert out.returncode == 0, out.stderr
    assert [out.stdout.strip() for out in runs] == ["0", "1"]


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="numba's locators")
def test_the_cache_directory_found_without_numba_is_numbas():
    from skreg._kernels.cd_plain import plain_cd_path

    assert _numba.kernels_cache_directory() == _numba.cache_directory(plain_cd_path)


def test_jit_disabled_reads_numbas_config_or_its_variable(monkeypatch):
    assert _numba.jit_disabled() is bool(numba.config.DISABLE_JIT)
    monkeypatch.setattr(numba.config, "DISABLE_JIT", 1)
    assert _numba.jit_disabled() is True
    monkeypatch.setitem(sys.modules, "numba", None)  # as if numba were not loaded
    monkeypatch.setenv("NUMBA_DISABLE_JIT", "0")
    assert _numba.jit_disabled() is False
    monkeypatch.setenv("NUMBA_DISABLE_JIT", "1")
    assert _numba.jit_disabled() is True


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="compiles")
def test_compiled_stand_ins_replace_their_function_in_kernel_modules_only():
    """Once numba is loaded, the MLP engine's modules bind the intrinsics of
    matmul and view (compiled_in_kernels); Python callers' alias and
    interpreted copies keep the Python functions."""
    from skreg._kernels import mlp, mlp_blas

    _numba.load_numba()
    for name in ("matmul", "view"):
        stand_in = getattr(mlp, name)
        python = _numba._PYTHON_OF_STAND_IN[id(stand_in)]
        assert python.__name__ == name and stand_in is not python
        assert getattr(mlp_blas, name) is stand_in
        assert _numba._as_python({})(stand_in) is python
    assert mlp_blas.python_view(np.arange(8.0), 2, (2, 3)).tolist() == [
        [2.0, 3.0, 4.0],
        [5.0, 6.0, 7.0],
    ]


@pytest.mark.skipif(numba.config.DISABLE_JIT, reason="compiles")
def test_a_made_dispatcher_replaces_its_kernel_in_skregs_modules(monkeypatch):
    """Drivers then call numba's dispatcher directly, not through the Kernel;
    an inner kernel's caller from Python calls it too."""
    import types as pytypes

    module = pytypes.ModuleType("skreg._probe_kernels")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(
        "from skreg._numba import inner_kernel, njit\n"
        "@njit(cache=False)\ndef plus_one(x):\n    return x + 1.0\n"
        "@inner_kernel(cache=False)\ndef plus_two(x):\n    return x + 2.0\n",
        vars(module),
    )
    kernel = module.plus_one
    assert isinstance(kernel, _numba.Kernel)
    assert kernel(1.0) == 2.0
    assert module.plus_one is kernel.dispatcher
    assert isinstance(module.plus_one, numba.core.registry.CPUDispatcher)
    assert module.plus_two(1.0) == 3.0
    calls = module.plus_two.__closure__
    assert any(
        cell.cell_contents == [module.plus_two.dispatcher.dispatcher] for cell in calls
    )
