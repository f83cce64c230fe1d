"""A family's first MLP fits run the engine's epochs in the interpreter, with
the NumPy versions of its kernels (skreg/neural_network/_first_epochs.py,
skreg/_kernels/mlp_numpy.py); the rest compile.

The versions are checked against the compiled kernels on the same
arguments; the policy by counting the calls of the compiled engine
(``mlp._batches``).  Nothing is timed: the speed is in
``benchmarks/run.py first-use`` and ``benchmarks/bench_interpreted.py``.
"""

import copy
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

import skreg
from skreg import _numba, _quick_start
from skreg._kernels import mlp, mlp_numpy
from skreg.neural_network import _first_epochs
from tests.conftest import quick_start_ledger, relative_deviation

pytestmark = pytest.mark.skipif(
    _numba.jit_disabled(), reason="everything is interpreted already"
)


def _version(kernel):
    return _numba._NUMPY_VERSIONS[kernel.py_func]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "code", [mlp.IDENTITY, mlp.LOGISTIC, mlp.TANH, mlp.RELU, mlp.SOFTMAX, mlp.EXP]
)
def test_activations_and_derivatives(code, dtype):
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((7, 5)).astype(dtype)
    Z[0, 0] = 0.0
    ours, theirs = Z.copy(), Z.copy()
    mlp_numpy.activate_numpy(ours, code)
    mlp.activate(theirs, code)
    assert relative_deviation(ours, theirs) <= rtol
    if code in (mlp.SOFTMAX, mlp.EXP):
        return
    D = rng.standard_normal((7, 5)).astype(dtype)
    ours_d, theirs_d = D.copy(), D.copy()
    mlp_numpy.activation_derivative_numpy(theirs, ours_d, code)
    mlp.activation_derivative(theirs, theirs_d, code)
    assert relative_deviation(ours_d, theirs_d) <= rtol


@pytest.mark.parametrize(
    "code", [mlp.SQUARED, mlp.LOG_LOSS, mlp.BINARY_LOG_LOSS, mlp.POISSON]
)
def test_data_loss(code):
    rng = np.random.default_rng(1)
    P = rng.uniform(0.01, 0.99, (9, 3))
    Y = (rng.random((9, 3)) > 0.5).astype(float)
    Y[0, 0] = 0.0  # xlogy's zero
    P[1, 1] = 1.0  # clipped
    sw = rng.uniform(0.5, 2.0, 9)
    got = mlp_numpy.data_loss_numpy(Y, P, sw, code, 1e-16)
    want = mlp.data_loss(Y, P, sw, code, 1e-16)
    assert relative_deviation(got, want) <= 1e-14


@pytest.mark.parametrize("l1_scale", [0.0, 0.3])
def test_optimizer_steps(l1_scale):
    rng = np.random.default_rng(2)
    params, grad = rng.standard_normal(12), rng.standard_normal(12)
    state = rng.uniform(0.1, 1.0, (2, 12))
    # two weights near zero, without gradient or momentum: the prox zeros them
    params[[0, 2]], grad[[0, 2]], state[0, [0, 2]] = 1e-5, 0.0, 1e-6
    cases = [
        (mlp.adam_step, (5, 0.01, 0.02, 0.9, 0.999, 1e-8, l1_scale), 2),
        (mlp.rmsprop_step, (5, 0.01, 0.9, 1e-8, l1_scale), 1),
        (mlp.sgd_step, (5, 0.1, 0.9, True, 0.1 * l1_scale), 1),
        (mlp.sgd_step, (5, 0.1, 0.5, False, 0.1 * l1_scale), 1),
    ]
    for kernel, scalars, n_state in cases:
        ours = [params.copy(), grad.copy(), *(s.copy() for s in state[:n_state])]
        theirs = copy.deepcopy(ours)
        _version(kernel)(*ours, *scalars)
        kernel(*theirs, *scalars)
        for got, want in zip(ours, theirs, strict=True):
            assert relative_deviation(got, want) <= 1e-14
        if l1_scale:
            assert np.any(ours[0][:5] == 0)  # the prox made exact zeros


def _digits(n_rows=120):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:n_rows] / 16.0, y[:n_rows]


@pytest.fixture
def ledger(monkeypatch, tmp_path):
    return quick_start_ledger(monkeypatch, tmp_path, interpret=True)


@pytest.fixture
def engine_calls(monkeypatch):
    """Count the compiled engine's batch loops (one call an epoch)."""
    calls = []
    compiled = mlp._batches

    def counted(*arguments):
        calls.append(1)
        return compiled(*arguments)

    counted.py_func = compiled.py_func  # interpreted copies: its NumPy version
    monkeypatch.setattr(mlp, "_batches", counted)
    return calls


def _fit(make, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return make().fit(X, y, **fit_params)


def _model_deviation(ours, engine):
    """The largest relative deviation of the coefficients, intercepts and
    loss curve of ``ours`` from ``engine``'s (inf for another dtype)."""
    pairs = zip(
        [*ours.coefs_, *ours.intercepts_, np.asarray(ours.loss_curve_)],
        [*engine.coefs_, *engine.intercepts_, np.asarray(engine.loss_curve_)],
        strict=True,
    )
    return max(relative_deviation(got, want) for got, want in pairs)


@pytest.mark.parametrize(
    "make",
    [
        lambda: skreg.MLPClassifier(max_iter=15, random_state=0),
        lambda: skreg.MLPClassifier(
            (20, 10), activation="tanh", solver="sgd", max_iter=15, random_state=0
        ),
        lambda: skreg.MLPClassifier(
            l1_ratio=0.5,
            alpha=1e-2,
            solver="rmsprop",
            weight_decay=1e-3,
            max_iter=15,
            random_state=0,
        ),
        lambda: skreg.MLPRegressor(activation="logistic", max_iter=15, random_state=0),
        lambda: skreg.MLPRegressor(loss="poisson", max_iter=15, random_state=0),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_first_fit_runs_interpreted_and_agrees_with_the_engine(
    ledger, engine_calls, make, dtype
):
    X, y = _digits()
    X = X.astype(dtype)
    if isinstance(make(), skreg.MLPRegressor):
        y = y.astype(dtype) / 3.0 + 0.1
    ours = _fit(make, X, y)
    assert engine_calls == []
    assert sum(entry["rent"] for entry in ledger.entries.values()) > 0
    with _quick_start.engine_only():
        engine = _fit(make, X, y)
    assert len(engine_calls) == engine.n_iter_
    assert ours.n_iter_ == engine.n_iter_
    assert _model_deviation(ours, engine) <= (1e-4 if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("sparse", [False, True])
def test_lbfgs_runs_interpreted_and_agrees_with_the_engine(
    ledger, engine_calls, sparse
):
    import scipy.sparse as sp

    X, y = _digits()
    X = sp.csr_matrix(X) if sparse else X

    def make():
        return skreg.MLPClassifier((20,), solver="lbfgs", max_iter=30, random_state=0)

    ours = _fit(make, X, y)
    assert engine_calls == []
    with _quick_start.engine_only():
        engine = _fit(make, X, y)
    assert len(engine_calls) >= engine.n_iter_ > 0
    for got, want in zip(ours.coefs_, engine.coefs_, strict=True):
        assert (
            relative_deviation(got, want) <= 1e-6
        )  # L-BFGS's line searches amplify rounding
    assert ours.n_iter_ == engine.n_iter_


def test_partial_fit_runs_interpreted(ledger, engine_calls):
    X, y = _digits()
    model = skreg.MLPClassifier(random_state=0)
    for _ in range(3):
        model.partial_fit(X, y, classes=np.arange(10))
    assert engine_calls == [] and model.t_ == 3 * len(X)


TOOLKIT = {
    "dropout": {"dropout": 0.3},
    "input dropout and noise": {"input_dropout": 0.1, "input_noise": 0.1},
    "batch norm": {"batch_norm": True, "hidden_layer_sizes": (16, 8)},
    "group lasso": {"input_group_alpha": 1e-2, "solver": "rmsprop"},
    "group lasso, sgd": {"input_group_alpha": 1e-2, "solver": "sgd"},
    "everything": {
        "dropout": 0.3,
        "input_dropout": 0.1,
        "batch_norm": True,
        "l1_ratio": 0.5,
        "weight_decay": 1e-3,
        "input_noise": 0.1,
        "input_group_alpha": 1e-3,
        "early_stopping": True,
        "class_weight": "balanced",
    },
}


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("options", list(TOOLKIT.values()), ids=list(TOOLKIT))
def test_the_toolkit_runs_interpreted_and_agrees_with_the_engine(
    ledger, engine_calls, options, sparse
):
    """Every option of the toolkit, on dense and CSR input (made dense batch
    by batch where the input is perturbed)."""
    import scipy.sparse as sp

    X, y = _digits()
    X = sp.csr_matrix(X) if sparse else X

    def make():
        return skreg.MLPClassifier(max_iter=8, random_state=0, **options)

    ours = _fit(make, X, y)
    assert engine_calls == []
    with _quick_start.engine_only():
        engine = _fit(make, X, y)
    assert len(engine_calls) == engine.n_iter_
    assert ours.n_iter_ == engine.n_iter_
    assert _model_deviation(ours, engine) <= 1e-9
    if options.get("batch_norm"):
        for name in ("batch_norm_running_means_", "batch_norm_running_vars_"):
            for got, want in zip(
                getattr(ours, name), getattr(engine, name), strict=True
            ):
                assert relative_deviation(got, want) <= 1e-9


def test_a_fit_the_rent_cannot_pay_compiles_and_the_family_keeps_the_engine(
    ledger, engine_calls, monkeypatch
):
    """Epochs priced past the rent left: compiled at once, and from then on
    for the family; another family still starts interpreted."""
    X, y = _digits()
    price = _first_epochs.INTERPRETED_RENT / 10.5
    monkeypatch.setattr(_first_epochs, "epoch_seconds", lambda *shape: price)
    _fit(lambda: skreg.MLPClassifier(max_iter=10, random_state=0), X, y)
    assert engine_calls == []
    _fit(lambda: skreg.MLPClassifier(max_iter=11, random_state=0), X, y)
    assert len(engine_calls) == 11
    (family,) = [key for key, entry in ledger.entries.items() if entry["engine"]]
    assert family.startswith("MLP-float64-adam")
    _fit(lambda: skreg.MLPClassifier(max_iter=1, random_state=0), X, y)
    assert len(engine_calls) == 12
    _fit(lambda: skreg.MLPClassifier(max_iter=1, solver="sgd", random_state=0), X, y)
    assert len(engine_calls) == 12


def test_interpreted_fits_can_be_turned_off(ledger, engine_calls, monkeypatch):
    monkeypatch.setenv("SKREG_INTERPRET", "0")
    X, y = _digits()
    _fit(lambda: skreg.MLPClassifier(max_iter=2, random_state=0), X, y)
    assert len(engine_calls) == 2
    assert not ledger.entries


def test_the_price_of_an_epoch():
    price = _first_epochs.epoch_seconds(1000, 200, 7510)
    assert price == pytest.approx(
        _first_epochs.SECONDS_PER_EPOCH
        + 5 * _first_epochs.SECONDS_PER_BATCH
        + 1000 * 7510 * _first_epochs.SECONDS_PER_ROW_PARAMETER
    )


@pytest.mark.parametrize("make", [skreg.MLPClassifier, skreg.MLPRegressor])
def test_scikit_learns_checks_pass_on_interpreted_fits(ledger, make):
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check_estimator(make(max_iter=30, random_state=0))
    assert sum(entry["rent"] for entry in ledger.entries.values()) > 0
    assert not any(entry["engine"] for entry in ledger.entries.values())


FRESH_PROCESS = """
import json, warnings
import numpy as np
warnings.simplefilter("ignore")
import skreg
from skreg._numba import compile_seconds
rng = np.random.default_rng(0)
X = rng.standard_normal((120, 6))
y = (X[:, 0] > 0).astype(int)
skreg.MLPClassifier(
    dropout=0.3, input_dropout=0.1, batch_norm=True, l1_ratio=0.5,
    solver="rmsprop", weight_decay=1e-3, input_noise=0.1, input_group_alpha=1e-3,
    early_stopping=True, early_stopping_metric="loss", class_weight="balanced",
    max_iter=5, random_state=0,
).fit(X, y)
skreg.MLPRegressor(solver="lbfgs", max_iter=5, random_state=0).fit(X, X[:, 0])
print(json.dumps(compile_seconds()))
"""


def test_a_fresh_process_compiles_nothing_for_its_first_fits(tmp_path):
    """The whole toolkit with early stopping on its validation loss, and
    L-BFGS, with an empty cache: no kernel compiles."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), SKREG_QUICK_START="1")
    env["SKREG_INTERPRET"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(root), env.get("PYTHONPATH")])
    )
    proc = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS],
        env=env, cwd=root, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.splitlines()[-1]) == 0


def test_before_numba_a_fit_of_an_engine_family_runs_interpreted(
    ledger, engine_calls, monkeypatch
):
    """The family's rent is spent, yet before numba is loaded in a process a
    fit that the allowance (BEFORE_NUMBA_RENT) pays runs interpreted, charged
    to it and not to the ledger; one it does not pay runs the engine, which
    the family uses from then on."""
    X, y = _digits()

    def make():
        return skreg.MLPClassifier(max_iter=10, random_state=0)

    with _quick_start.engine_only():
        engine = _fit(make, X, y)
    monkeypatch.setattr(_first_epochs, "INTERPRETED_RENT", 0.0)  # the family's
    monkeypatch.setattr(_quick_start, "numba_loaded", lambda: False)
    calls = len(engine_calls)
    ours = _fit(make, X, y)
    assert len(engine_calls) == calls
    assert _quick_start._before_numba["rent"] > 0
    assert _quick_start.BEFORE_NUMBA not in ledger.entries
    assert _model_deviation(ours, engine) <= 1e-10
    monkeypatch.setattr(_quick_start, "BEFORE_NUMBA_RENT", 1e-6)
    _fit(make, X, y)
    assert len(engine_calls) == calls + engine.n_iter_
    assert any(entry["engine"] for entry in ledger.entries.values())
