"""Persistence, determinism, thread safety and read-only inputs, for every estimator."""

import importlib
import os
import pickle
import pkgutil
import subprocess
import sys
import threading
import time

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.utils._param_validation import generate_valid_param, make_constraint

import skreg


def _estimators():
    return [
        skreg.Lasso(alpha=0.1),
        skreg.ElasticNet(alpha=0.1, l1_ratio=0.3, selection="random", random_state=0),
        skreg.LassoCV(cv=3, alphas=10),
        skreg.ElasticNetCV(cv=3, alphas=10, l1_ratio=[0.2, 0.8]),
        skreg.MLPRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0),
        skreg.MLPClassifier(
            hidden_layer_sizes=(8,), max_iter=30, random_state=0, l1_ratio=0.5
        ),
    ]


def _data(estimator, seed=0):
    if isinstance(estimator, skreg.MLPClassifier):
        return make_classification(n_samples=80, n_features=6, random_state=seed)
    return make_regression(n_samples=80, n_features=30, noise=1.0, random_state=seed)


IDS = [type(est).__name__ for est in _estimators()]


@pytest.fixture(autouse=True)
def _quiet(recwarn):
    """Short fits may not converge; convergence is not what these tests check."""


@pytest.mark.parametrize("estimator", _estimators(), ids=IDS)
def test_pickle_and_joblib_round_trip(estimator, tmp_path):
    X, y = _data(estimator)
    fitted = estimator.fit(X, y)
    expected = fitted.predict(X)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(fitted)).predict(X), expected
    )
    path = tmp_path / "model.joblib"
    joblib.dump(fitted, path)
    np.testing.assert_array_equal(joblib.load(path).predict(X), expected)


def test_unpickle_in_fresh_process(tmp_path):
    X, y = make_regression(n_samples=50, n_features=20, random_state=1)
    model = skreg.Lasso(alpha=0.5).fit(X, y)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "pred.npy", model.predict(X))
    joblib.dump(model, tmp_path / "m.joblib")
    code = (
        "import joblib, numpy as np, sys; d = sys.argv[1]; "
        "m = joblib.load(d + '/m.joblib'); X = np.load(d + '/X.npy'); "
        "assert np.array_equal(m.predict(X), np.load(d + '/pred.npy')); print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


@pytest.mark.parametrize("estimator", _estimators(), ids=IDS)
def test_clone_and_params_round_trip(estimator):
    params = estimator.get_params()
    copy = clone(estimator)
    assert copy.get_params() == params
    copy.set_params(**params)
    assert copy.get_params() == params


@pytest.mark.parametrize("estimator", _estimators(), ids=IDS)
def test_same_random_state_gives_bitwise_identical_models(estimator):
    X, y = _data(estimator)
    a = clone(estimator).fit(X, y)
    b = clone(estimator).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    b2 = pickle.loads(pickle.dumps(b))
    np.testing.assert_array_equal(a.predict(X), b2.predict(X))


@pytest.mark.parametrize("estimator", _estimators(), ids=IDS)
def test_read_only_and_memmap_inputs(estimator, tmp_path):
    X, y = _data(estimator)
    expected = clone(estimator).fit(X, y).predict(X)
    X_ro, y_ro = X.copy(), y.copy()
    X_ro.flags.writeable = False
    y_ro.flags.writeable = False
    np.testing.assert_array_equal(
        clone(estimator).fit(X_ro, y_ro).predict(X_ro), expected
    )
    np.save(tmp_path / "X.npy", X)
    X_mm = np.load(tmp_path / "X.npy", mmap_mode="r")
    np.testing.assert_array_equal(clone(estimator).fit(X_mm, y).predict(X_mm), expected)


def test_two_threads_fitting_at_once_match_serial_fits():
    estimators = _estimators()[:2] + _estimators()[4:5]
    data = [_data(est, seed=k) for k, est in enumerate(estimators)]
    serial = [
        clone(est).fit(X, y).predict(X)
        for est, (X, y) in zip(estimators, data, strict=True)
    ]
    results = [None] * len(estimators)

    def work(k):
        X, y = data[k]
        results[k] = clone(estimators[k]).fit(X, y).predict(X)

    for _ in range(3):
        threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for got, want in zip(results, serial, strict=True):
            np.testing.assert_array_equal(got, want)


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    return type(a) is type(b) and a == b


def _another_valid_value(name, default, constraints):
    """A value of parameter ``name`` allowed by its constraints, not ``default``."""
    if name == "random_state":
        return 7
    if isinstance(default, bool):
        return not default
    for constraint in map(make_constraint, constraints):
        candidates = sorted(getattr(constraint, "options", ()), key=str)
        try:
            candidates.append(generate_valid_param(constraint))
        except NotImplementedError:
            pass
        candidates += [v for v in (0.25, 0.75, 3, 7.5) if constraint.is_satisfied_by(v)]
        for value in candidates:
            if not _same(value, default):
                return value
    raise AssertionError(f"no alternative value for {name}={default!r}")


@pytest.mark.parametrize("estimator", _estimators(), ids=IDS)
def test_every_parameter_round_trips_through_set_params_clone_and_pickle(estimator):
    Estimator = type(estimator)
    defaults = Estimator().get_params()
    constraints = Estimator._parameter_constraints
    assert set(constraints) == set(defaults)
    changed = {
        name: _another_valid_value(name, value, constraints[name])
        for name, value in defaults.items()
    }
    est = Estimator().set_params(**changed)
    copies = {
        "get_params": est,
        "clone": clone(est),
        "constructor": Estimator(**est.get_params()),
        "pickle": pickle.loads(pickle.dumps(est)),
    }
    for how, copy in copies.items():
        params = copy.get_params()
        for name, value in changed.items():
            assert not _same(value, defaults[name]), name
            assert _same(params[name], value), (how, name, params[name], value)
    # And back: every default restored by set_params.
    restored = clone(est).set_params(**defaults).get_params()
    assert all(_same(restored[name], defaults[name]) for name in defaults)


_FRESH_PROCESS_CHECK = """
import sys, joblib, numpy as np
from sklearn.base import clone
d = sys.argv[1]
for k in range(int(sys.argv[2])):
    model = joblib.load(f"{d}/m{k}.joblib")
    X, y = np.load(f"{d}/X{k}.npy"), np.load(f"{d}/y{k}.npy")
    expected = np.load(f"{d}/pred{k}.npy")
    assert np.array_equal(model.predict(X), expected), ("load", k)
    # Refitting with the same random_state in another process: bitwise equal.
    refit = clone(model).fit(X, y)
    assert np.array_equal(refit.predict(X), expected), ("refit", k)
print("ok")
"""


def test_every_estimator_unpickles_and_refits_identically_in_a_fresh_process(
    tmp_path,
):
    estimators = _estimators()
    for k, estimator in enumerate(estimators):
        X, y = _data(estimator, seed=k)
        model = estimator.fit(X, y)
        np.save(tmp_path / f"X{k}.npy", X)
        np.save(tmp_path / f"y{k}.npy", y)
        np.save(tmp_path / f"pred{k}.npy", model.predict(X))
        joblib.dump(model, tmp_path / f"m{k}.joblib")
    out = subprocess.run(
        [
            sys.executable,
            "-W",
            "ignore",
            "-c",
            _FRESH_PROCESS_CHECK,
            str(tmp_path),
            str(len(estimators)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


class _ThreadRecordingLassoCV(skreg.LassoCV):
    """LassoCV whose path records the thread and process it runs in."""

    seen = []

    @staticmethod
    def path(X, y, **params):
        _ThreadRecordingLassoCV.seen.append((threading.get_ident(), os.getpid()))
        return skreg.lasso_path(X, y, **params)


def test_cv_n_jobs_runs_folds_in_threads_with_serial_results():
    # Fewer than 2 samples per feature: scikit-learn's fold loop runs (tall
    # data is searched by Gram folds, skreg.linear_model._cv_gram).
    X, y = make_regression(n_samples=120, n_features=80, noise=1.0, random_state=0)
    serial = skreg.LassoCV(cv=4, alphas=20, n_jobs=1).fit(X, y)
    _ThreadRecordingLassoCV.seen = []
    threaded = _ThreadRecordingLassoCV(cv=4, alphas=20, n_jobs=2).fit(X, y)
    seen = _ThreadRecordingLassoCV.seen
    # Four fold paths, all in worker threads of this process (not processes).
    assert len(seen) == 4
    assert {pid for _, pid in seen} == {os.getpid()}
    assert threading.get_ident() not in {ident for ident, _ in seen}
    np.testing.assert_array_equal(threaded.mse_path_, serial.mse_path_)
    np.testing.assert_array_equal(threaded.coef_, serial.coef_)
    assert threaded.alpha_ == serial.alpha_
    enet_serial = skreg.ElasticNetCV(cv=3, alphas=10, l1_ratio=[0.3, 0.9]).fit(X, y)
    enet_threaded = skreg.ElasticNetCV(
        cv=3, alphas=10, l1_ratio=[0.3, 0.9], n_jobs=2
    ).fit(X, y)
    np.testing.assert_array_equal(enet_threaded.mse_path_, enet_serial.mse_path_)
    np.testing.assert_array_equal(enet_threaded.coef_, enet_serial.coef_)


def test_every_kernel_releases_the_gil():
    import numba

    from skreg import _kernels, _numba

    # A kernel is a Kernel until its dispatcher is made, which then replaces
    # it in the modules' globals.
    types = (_numba.Kernel, numba.core.registry.CPUDispatcher)
    kernels = []
    for info in pkgutil.iter_modules(_kernels.__path__):
        module = importlib.import_module(f"skreg._kernels.{info.name}")
        kernels += [
            obj
            for obj in vars(module).values()
            if isinstance(obj, types) and obj.__module__ == module.__name__
        ]
    assert len(kernels) >= 10
    for kernel in kernels:
        options = getattr(kernel, "dispatcher", kernel).targetoptions
        assert options.get("nogil") is True, kernel.__name__


def _longest_stall_of_this_thread(kernel, args):
    """Run ``kernel(*args)`` in a thread; return the longest pause of a Python
    loop running meanwhile here, and the kernel's duration.

    A kernel holding the GIL stops this loop for its whole duration.
    """
    thread = threading.Thread(target=kernel, args=args)
    begin = last = time.perf_counter()
    longest = 0.0
    thread.start()
    while thread.is_alive():
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    return longest, time.perf_counter() - begin


def _spin(n):
    total = 0.0
    for i in range(n):
        total += (i % 7) * 0.5
    return total


def test_a_running_kernel_does_not_block_other_python_threads():
    from skreg import _numba
    from skreg._kernels.cd import cd_sweep_dense

    rng = np.random.RandomState(0)
    X = np.asfortranarray(rng.randn(2000, 50))
    w = np.zeros(50)
    residual = rng.randn(2000)
    norms = (X**2).sum(axis=0)
    # One call sweeping the columns many times: about 0.3 s of compiled code.
    order = np.tile(np.arange(50), 8000)
    no_pf = np.empty(0)  # penalty factors: all ones
    args = (X, residual, w, norms, 1e-3, 0.0, False, order, no_pf)
    cd_sweep_dense(
        X, residual.copy(), w.copy(), norms, 1e-3, 0.0, False, order[:5], no_pf
    )
    stall, duration = _longest_stall_of_this_thread(cd_sweep_dense, args)
    assert duration > 0.1
    assert stall < 0.5 * duration, (stall, duration)

    # Negative control: the same measurement sees a kernel that keeps the GIL.
    holds_gil = _numba.njit(nogil=False, cache=False)(_spin)
    holds_gil(10)
    n = int(3e8 * duration / 0.3)
    stall, duration = _longest_stall_of_this_thread(holds_gil, (n,))
    assert duration > 0.1 and stall > 0.5 * duration, (stall, duration)
