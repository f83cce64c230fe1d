"""Shared fixtures: small real data sets that ship with scikit-learn."""

import os

# The suite tests the engine's strategies (working sets, strong rules,
# routes), which a quick start would replace on small problems until its
# rent is paid (skreg._quick_start): tests of the quick start turn it on.
# Subprocesses inherit the setting.
os.environ["SKREG_QUICK_START"] = "0"

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from hypothesis import settings  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.preprocessing import PolynomialFeatures, StandardScaler  # noqa: E402

# No per-example deadline: the first example of a property test may compile a
# kernel, and CI shares two cores; a deadline there fails on load, not on code.
settings.register_profile("skreg", deadline=None)
settings.load_profile("skreg")


@pytest.fixture(scope="session")
def diabetes_poly():
    """Diabetes with degree-2 polynomial features, standardized: 442 x 65."""
    X, y = load_diabetes(return_X_y=True)
    X = PolynomialFeatures(2, include_bias=False).fit_transform(X)
    X = StandardScaler().fit_transform(X)
    return np.asfortranarray(X), y


def equicorrelated(n_samples=400, n_features=100, rho=0.7, seed=0):
    """Features with pairwise correlation ``rho``; the first 10 drive ``y``.

    Coordinate descent crawls on them (Newton steps on the support help).
    """
    rng = np.random.RandomState(seed)
    X = np.sqrt(1 - rho) * rng.randn(n_samples, n_features)
    X += np.sqrt(rho) * rng.randn(n_samples, 1)
    coef = np.zeros(n_features)
    coef[:10] = rng.randn(10)
    return X, X @ coef + rng.randn(n_samples)


def warm_solve(layout, coef, l1, *, tol, path_gap, previous=None, buffers=None):
    """One alpha of a Lasso path: ``solve_enet`` at ``l1``, warm-started from
    the ``previous`` alpha's result (its bounds and state), as solve_path does."""
    from skreg.linear_model._cd_solver import solve_enet

    return solve_enet(
        layout,
        coef,
        l1,
        0.0,
        max_iter=10_000,
        tol=tol,
        warm_stats=None if previous is None else previous.stats,
        warm_state=None if previous is None else previous.state,
        path_gap=path_gap,
        buffers=buffers,
    )


def lasso_alpha_max(X, y):
    """``max |X_c' y_c| / n``: the smallest alpha giving all-zero coefficients."""
    Xc = X - X.mean(axis=0)
    return float(np.max(np.abs(Xc.T @ (y - y.mean()))) / X.shape[0])


def assert_rejects_invalid_max_iter(estimator):
    """``max_iter=-1`` fails at fit with scikit-learn's error naming the parameter."""
    from sklearn.base import clone
    from sklearn.utils._param_validation import InvalidParameterError

    X = np.random.RandomState(0).rand(20, 3)
    y = np.arange(20) % 2
    with pytest.raises(InvalidParameterError, match="'max_iter' parameter"):
        clone(estimator).set_params(max_iter=-1).fit(X, y)


def assert_keeps_dataframe_column_names(estimator):
    """Fitting on a DataFrame records its columns; predict on them stays silent."""
    import warnings

    import pandas as pd
    from sklearn.base import clone

    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.rand(30, 3), columns=["a", "b", "c"])
    y = np.arange(30) % 2
    fitted = clone(estimator).fit(X, y)
    assert list(fitted.feature_names_in_) == ["a", "b", "c"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        fitted.predict(X)


def record_returns(monkeypatch, owner, name, record=lambda value: value):
    """Wrap ``owner.name`` (for the test) to append ``record(value)`` of what
    each call returns to the list returned here."""
    recorded = []
    original = getattr(owner, name)

    def spy(*args):
        value = original(*args)
        recorded.append(record(value))
        return value

    monkeypatch.setattr(owner, name, spy)
    return recorded


def sparse_regression(n=120, p=400, density=0.05, seed=0, dtype=np.float64,
                      n_informative=8):  # fmt: skip
    """CSC ``X`` with Gaussian entries and ``y`` from its first
    ``n_informative`` columns plus a little noise."""
    rng = np.random.RandomState(seed)
    X = sp.random(n, p, density=density, format="csc", random_state=rng)
    X.data = rng.randn(X.nnz)
    y = X[:, :n_informative] @ rng.randn(n_informative) + 0.1 * rng.randn(n)
    return X.astype(dtype), y.astype(dtype)


def relative_deviation(got, want):
    """The largest ``|got - want|`` over the scale of ``want`` (its largest
    finite magnitude, at least 1); NaN where ``want`` has NaN counts as
    agreement, and a different shape or dtype as ``inf``."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape or got.dtype != want.dtype:
        return np.inf
    got, want = got.astype(np.float64), want.astype(np.float64)
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    difference = np.where(same, 0.0, np.abs(got - want))
    finite = np.abs(want)[np.isfinite(want)]
    scale = max(float(np.max(finite, initial=0.0)), 1.0)
    return float(np.nan_to_num(difference, nan=np.inf).max(initial=0.0)) / scale


def quick_start_ledger(monkeypatch, tmp_path, interpret):
    """Quick starts on, with an empty ledger in ``tmp_path``; the interpreted
    ones (those that compile nothing) on or off by ``interpret``."""
    import weakref

    from skreg import _quick_start

    monkeypatch.setenv("SKREG_QUICK_START", "1")
    monkeypatch.setenv("SKREG_INTERPRET", "1" if interpret else "0")
    fresh = _quick_start._Ledger(directory=str(tmp_path))
    monkeypatch.setattr(_quick_start, "_ledger", fresh)
    # As after a compiled kernel: no allowance before numba (BEFORE_NUMBA_RENT),
    # whichever tests ran before in this process.
    monkeypatch.setattr(_quick_start, "numba_loaded", lambda: True)
    monkeypatch.setattr(_quick_start, "_before_numba", {"rent": 0.0, "engine": False})
    monkeypatch.setattr(_quick_start, "_decisions", weakref.WeakKeyDictionary())
    return fresh


def fresh_python(code, cache_dir, *args, **env):
    """Run ``python -c code *args`` in a fresh process, numba's cache in
    ``cache_dir``, the JIT on and the variables ``env`` set; return the
    ``subprocess.CompletedProcess`` (text output)."""
    import subprocess
    import sys

    full = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir), **env}
    full.pop("NUMBA_DISABLE_JIT", None)
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], env=full,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
