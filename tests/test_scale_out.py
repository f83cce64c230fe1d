"""Scale-out on dask: searches on a local cluster, a killed worker, out-of-core MLPs.

Everything runs on a ``LocalCluster`` bound to 127.0.0.1 with two single-threaded
worker processes, shared by the whole module so the cluster starts once.
Workers import skreg and load its kernels from numba's on-disk cache, which the
serial reference search in the test process fills first.
"""

import os
import warnings

import dask
import dask.array as da
import joblib
import numpy as np
import pytest
from distributed import Client, LocalCluster, get_task_stream, get_worker
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, RandomizedSearchCV

import skreg


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture(autouse=True)
def _quiet():
    """Short MLP fits in the searches do not converge; that is not tested here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _regression():
    return make_regression(n_samples=60, n_features=8, noise=1.0, random_state=0)


def _classification():
    return make_classification(
        n_samples=60, n_features=6, n_informative=4, random_state=0
    )


def _mlp(Estimator):
    return Estimator(hidden_layer_sizes=(5,), max_iter=20, random_state=0)


SEARCHES = {
    "Lasso-grid": (
        GridSearchCV,
        skreg.Lasso(),
        {"alpha": [0.01, 0.1, 1.0]},
        _regression,
    ),
    "ElasticNet-randomized": (
        RandomizedSearchCV,
        skreg.ElasticNet(),
        {"alpha": [0.01, 0.1, 1.0], "l1_ratio": [0.2, 0.5, 0.9]},
        _regression,
    ),
    "LassoCV-grid": (
        GridSearchCV,
        skreg.LassoCV(cv=3),
        {"alphas": [5, 10], "fit_intercept": [True, False]},
        _regression,
    ),
    "MLPRegressor-randomized": (
        RandomizedSearchCV,
        _mlp(skreg.MLPRegressor),
        {"alpha": [1e-4, 1e-2, 1.0], "learning_rate_init": [1e-3, 1e-2]},
        _regression,
    ),
    "MLPClassifier-grid": (
        GridSearchCV,
        _mlp(skreg.MLPClassifier),
        {"alpha": [1e-4, 1e-2], "l1_ratio": [0.0, 0.5]},
        _classification,
    ),
}


def _search(Search, estimator, grid):
    kwargs = {"cv": KFold(3)}
    if Search is RandomizedSearchCV:
        kwargs.update(n_iter=4, random_state=0)
    return Search(estimator, grid, **kwargs)


def _assert_same_search(got, want, X):
    assert got.best_params_ == want.best_params_
    for key in ("params", "mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(got.cv_results_[key], want.cv_results_[key])
    np.testing.assert_array_equal(
        got.best_estimator_.predict(X), want.best_estimator_.predict(X)
    )


@pytest.mark.parametrize("case", list(SEARCHES), ids=list(SEARCHES))
def test_search_on_dask_cluster_equals_serial_search(client, case):
    Search, estimator, grid, make_data = SEARCHES[case]
    X, y = make_data()
    serial = _search(Search, clone(estimator), grid).fit(X, y)
    with get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        distributed = _search(Search, clone(estimator), grid).fit(X, y)
    # The cross-validation fits ran as tasks on the cluster.
    assert any("fit_and_score" in task["key"] for task in tasks.data)
    _assert_same_search(distributed, serial, X)


class _KillWorkerOnce(RegressorMixin, BaseEstimator):
    """Fits ``estimator``; the first ``fit`` anywhere kills its process instead.

    The first caller creates ``flag`` atomically, writes its pid there and dies
    with ``os._exit`` (no cleanup, as in a crash or an OOM kill). Every later
    fit, including the retry of the killed task, finds the flag and fits.
    """

    def __init__(self, estimator=None, flag=None):
        self.estimator = estimator
        self.flag = flag

    def fit(self, X, y):
        try:
            fd = os.open(self.flag, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            self.estimator_ = clone(self.estimator).fit(X, y)
            return self
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        try:
            get_worker()
        except ValueError:  # not on a dask worker: never kill the test process
            raise RuntimeError("_KillWorkerOnce ran outside a dask worker") from None
        os._exit(1)

    def predict(self, X):
        return self.estimator_.predict(X)


def test_search_survives_a_worker_killed_mid_search(client, tmp_path):
    X, y = _regression()
    grid = {"estimator__alpha": [0.01, 0.1, 1.0], "estimator__l1_ratio": [0.3, 0.8]}
    serial = GridSearchCV(
        skreg.ElasticNet(), {k.split("__")[1]: v for k, v in grid.items()}, cv=3
    ).fit(X, y)
    pids_before = set(client.run(os.getpid).values())
    flag = tmp_path / "killed-pid"
    search = GridSearchCV(_KillWorkerOnce(skreg.ElasticNet(), str(flag)), grid, cv=3)
    # joblib scatters large arguments to one worker by default; that copy dies
    # with the worker and the search fails with FutureCancelledError. Scattering
    # X and y to every worker keeps a copy alive.
    with joblib.parallel_backend("dask", scatter=[X, y]):
        search.fit(X, y)
    killed = int(flag.read_text())
    assert killed in pids_before
    client.wait_for_workers(2, timeout=60)
    assert killed not in set(client.run(os.getpid).values())
    assert search.best_params_ == {
        f"estimator__{k}": v for k, v in serial.best_params_.items()
    }
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    np.testing.assert_array_equal(search.predict(X), serial.predict(X))


def _blocks(X, y):
    """Row blocks of dask arrays, each computed (on the cluster) only when needed."""
    for Xb, yb in zip(X.to_delayed().ravel(), y.to_delayed().ravel(), strict=True):
        yield dask.compute(Xb, yb)


@pytest.mark.parametrize("Estimator", [skreg.MLPRegressor, skreg.MLPClassifier])
def test_out_of_core_partial_fit_equals_in_memory_batches(client, Estimator):
    if Estimator is skreg.MLPClassifier:
        X, y = make_classification(
            n_samples=250, n_features=6, n_classes=3, n_informative=4, random_state=0
        )
        kwargs = {"classes": np.unique(y)}
    else:
        X, y = make_regression(n_samples=250, n_features=6, random_state=0)
        kwargs = {}
    X_dask = da.from_array(X, chunks=(64, -1))
    y_dask = da.from_array(y, chunks=64)
    assert X_dask.numblocks[0] == 4

    out_of_core = _mlp(Estimator)
    in_memory = _mlp(Estimator)
    n_blocks = 0
    for _epoch in range(2):
        for Xb, yb in _blocks(X_dask, y_dask):
            assert isinstance(Xb, np.ndarray) and len(Xb) <= 64
            out_of_core.partial_fit(Xb, yb, **kwargs)
            n_blocks += 1
        for start in range(0, len(X), 64):
            in_memory.partial_fit(
                X[start : start + 64], y[start : start + 64], **kwargs
            )
    assert n_blocks == 8
    for got, want in zip(
        out_of_core.coefs_ + out_of_core.intercepts_,
        in_memory.coefs_ + in_memory.intercepts_,
        strict=True,
    ):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(out_of_core.predict(X), in_memory.predict(X))
    assert out_of_core.t_ == in_memory.t_ == 2 * len(X)


def test_dask_ml_incremental_equals_in_memory_batches(client):
    """dask-ml's ``Incremental`` wrapper feeds the same blocks to ``partial_fit``."""
    from dask_ml.wrappers import Incremental

    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    wrapper = Incremental(_mlp(skreg.MLPClassifier), shuffle_blocks=False)
    wrapper.fit(
        da.from_array(X, chunks=(50, -1)), da.from_array(y, chunks=50), classes=[0, 1]
    )
    in_memory = _mlp(skreg.MLPClassifier)
    for start in range(0, len(X), 50):
        in_memory.partial_fit(
            X[start : start + 50], y[start : start + 50], classes=[0, 1]
        )
    assert wrapper.estimator_.t_ == len(X)
    for got, want in zip(wrapper.estimator_.coefs_, in_memory.coefs_, strict=True):
        np.testing.assert_array_equal(got, want)
