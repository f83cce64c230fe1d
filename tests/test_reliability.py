"""Persistence, determinism, thread safety and read-only inputs, for every estimator."""

import pickle
import subprocess
import sys
import threading

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression

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
