"""The numba policy: flags, and a cache that never breaks an import."""

import os
import subprocess
import sys

import numba
import pytest

from skreg import _numba


def test_fastmath_flags_are_explicit_and_keep_nan_checks():
    assert _numba.FASTMATH == {"nsz", "arcp", "contract", "afn", "reassoc"}
    assert "nnan" not in _numba.FASTMATH and "ninf" not in _numba.FASTMATH


def test_kernels_compile_with_the_policy():
    from skreg._kernels.cd import cd_sweep_dense

    options = cd_sweep_dense.targetoptions
    assert options["nogil"] is True
    assert options["fastmath"] == set(_numba.FASTMATH)
    # numba keeps the cache as an object rather than an option.
    assert (type(cd_sweep_dense._cache).__name__ == "FunctionCache") is _numba.CACHE


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


def test_fit_works_in_a_process_without_cache():
    code = (
        "import numpy as np, skreg, skreg._numba as p; assert p.CACHE is False; "
        "X = np.random.RandomState(0).randn(30, 4); "
        "m = skreg.Lasso(alpha=0.01).fit(X, X[:, 0]); "
        "assert abs(m.coef_[0] - 1) < 0.05; print('ok')"
    )
    env = {**os.environ, "SKREG_NUMBA_CACHE": "0"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
