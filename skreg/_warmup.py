"""Fill numba's cache ahead of time: ``python -m skreg compile [--all]``.

numba compiles a kernel for each combination of argument types on its first
call, and skreg caches the result on disk (see :mod:`skreg._numba`). A new
virtualenv, CI job, container image or dask worker therefore pays seconds of
compilation at its first fits. This module makes tiny fits that reach the
same kernel specializations as real ones, so that cost is paid once, ahead of
time, where the cache lives:

- the common variants: Lasso/ElasticNet on dense and sparse float64 and
  float32 data, ``LassoCV``, and the default ``MLPClassifier`` (several
  classes and two) and ``MLPRegressor``;
- ``--all``: every estimator option that selects other kernels (Gram
  matrices, multi-output paths, sample weights, every MLP solver and
  regularization option) in both dtypes, dense and sparse.

numba reports each compilation as a ``numba:compile`` event (cache misses
only), which is how the warm-up tells compiling from loading.
"""

import os
import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from skreg._quick_start import engine_only


@dataclass(frozen=True)
class Variant:
    """One tiny fit: what it is called and what it does."""

    label: str
    fit: object  # a callable of no argument


def _data(n_samples=40, n_features=6, dtype=np.float64, fmt=None, task="reg"):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_samples, n_features)).astype(dtype)
    if task == "reg":
        y = (X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(n_samples)).astype(dtype)
    elif task == "reg2":
        y = np.column_stack([X[:, 0], X[:, 1] - X[:, 2]]).astype(dtype)
    elif task == "multilabel":
        y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0]).astype(int)
    elif task == "binary":
        y = (X[:, 0] > 0).astype(int)
    elif task == "count":
        y = np.floor(np.exp(X[:, 0])).astype(dtype)
    else:
        y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 1)
    if fmt is not None:
        X = sp.random(
            n_samples, n_features, density=0.5, random_state=0, format=fmt, dtype=dtype
        )
    return X, y


# The CD strategies of skreg.linear_model._strategy, by problem shape: tall
# dense data runs covariance mode, narrow data scikit-learn's plain CD, wide
# data (>= 200 features) the working-set kernel.  A warm-up fits each.
_LINEAR_SHAPES = ((40, 6), (40, 30), (40, 250))


def _linear(estimator, fmt, dtype, task="reg", **fit_params):
    def fit():
        for n_samples, n_features in _LINEAR_SHAPES:
            X, y = _data(n_samples, n_features, dtype=dtype, fmt=fmt, task=task)
            if fit_params.get("sample_weight") is True:
                fit_params["sample_weight"] = np.linspace(0.5, 2.0, X.shape[0])
            estimator().fit(X, y, **fit_params)

    return fit


def _path(func, fmt, dtype, task="reg"):
    def fit():
        X, y = _data(dtype=dtype, fmt=fmt, task=task)
        func(X, y, alphas=5)

    return fit


def _newton_steps():
    # The Newton steps of a crawling solve, compiled at the first crawl rather
    # than with the solvers: one specialization for every layout (float64
    # work on the support, whatever the data), and the complete Gram matrix's
    # own kernel for each dtype.
    from skreg.linear_model._support_newton import compile_newton_steps

    compile_newton_steps()


def _mlp(estimator, fmt, dtype, task, **params):
    def fit():
        X, y = _data(dtype=dtype, fmt=fmt, task=task)
        params.setdefault("hidden_layer_sizes", (3,))
        estimator(max_iter=2, random_state=0, **params).fit(X, y)

    return fit


_DTYPES = {"float64": np.float64, "float32": np.float32}
_LAYOUTS = {"dense": None, "sparse": "csc"}


def common_variants():
    """Fits that reach the kernels most users need."""
    import skreg

    variants = []
    for layout, fmt in _LAYOUTS.items():
        for dname, dtype in _DTYPES.items():
            variants.append(
                Variant(
                    f"Lasso, ElasticNet {layout} {dname}",
                    _linear(skreg.Lasso, fmt, dtype),
                )
            )
    variants.append(
        Variant("LassoCV dense float64", _linear(skreg.LassoCV, None, np.float64))
    )
    variants.append(Variant("Newton steps of crawling solves", _newton_steps))
    # The MLP kernels are compiled per output activation and loss (softmax
    # for several classes, logistic for two): both classifiers.
    variants += [
        Variant(
            "MLPClassifier() float64",
            _mlp(skreg.MLPClassifier, None, np.float64, "clf"),
        ),
        Variant(
            "MLPClassifier() binary float64",
            _mlp(skreg.MLPClassifier, None, np.float64, "binary"),
        ),
        Variant(
            "MLPRegressor() float64", _mlp(skreg.MLPRegressor, None, np.float64, "reg")
        ),
    ]
    return variants


# MLP options that select other code, each switched on alone (the hidden
# activation too: the kernels are compiled per activation); the last entry
# switches every one on at once.
_MLP_OPTIONS = (
    {"activation": "tanh"},
    {"activation": "logistic"},
    {"activation": "identity"},
    {"solver": "sgd"},
    {"solver": "rmsprop"},
    {"solver": "lbfgs"},  # l1_ratio needs a stochastic solver
    {"l1_ratio": 0.5},
    {"dropout": 0.3},
    {"input_dropout": 0.2},
    {"batch_norm": True},
    {"weight_decay": 1e-3},
    {"input_noise": 0.1},
    {"input_group_alpha": 1e-3},
    {"early_stopping": True, "early_stopping_metric": "loss"},
    {"early_stopping": True},
    {
        "solver": "rmsprop",
        "l1_ratio": 0.5,
        "dropout": 0.3,
        "input_dropout": 0.2,
        "batch_norm": True,
        "weight_decay": 1e-3,
        "input_noise": 0.1,
        "input_group_alpha": 1e-3,
        "early_stopping": True,
        "early_stopping_metric": "loss",
    },
)


def all_variants():
    """Every option that selects other kernels, in both dtypes, dense and sparse."""
    import skreg

    variants = common_variants()
    for layout, fmt in _LAYOUTS.items():
        for dname, dtype in _DTYPES.items():
            where = f"{layout} {dname}"
            variants += [
                Variant(
                    f"Lasso sample_weight {where}",
                    _linear(skreg.Lasso, fmt, dtype, sample_weight=True),
                ),
                Variant(
                    f"Lasso 2 targets {where}", _linear(skreg.Lasso, fmt, dtype, "reg2")
                ),
                Variant(f"LassoCV {where}", _linear(skreg.LassoCV, fmt, dtype)),
                Variant(
                    f"LassoCV sample_weight {where}",
                    _linear(skreg.LassoCV, fmt, dtype, sample_weight=True),
                ),
                Variant(f"enet_path {where}", _path(skreg.enet_path, fmt, dtype)),
            ]
            if fmt is None:  # multi-task paths and Gram matrices: dense X only
                variants.append(
                    Variant(
                        f"lasso_path 2 targets {where}",
                        _path(skreg.lasso_path, fmt, dtype, "reg2"),
                    )
                )
                variants.append(
                    Variant(
                        f"Lasso precompute=True {where}",
                        _linear(lambda: skreg.Lasso(precompute=True), fmt, dtype),
                    )
                )
            for params in _MLP_OPTIONS:
                text = ", ".join(f"{k}={v!r}" for k, v in params.items())
                if len(params) > 2:
                    text = "every option"
                for name, task in (("MLPClassifier", "clf"), ("MLPRegressor", "reg")):
                    variants.append(
                        Variant(
                            f"{name}({text}) {where}",
                            _mlp(getattr(skreg, name), fmt, dtype, task, **params),
                        )
                    )
            variants += [
                Variant(
                    f"MLPClassifier() multilabel {where}",
                    _mlp(skreg.MLPClassifier, fmt, dtype, "multilabel"),
                ),
                Variant(
                    f"MLPRegressor() 2 targets {where}",
                    _mlp(skreg.MLPRegressor, fmt, dtype, "reg2"),
                ),
                Variant(
                    f"MLPClassifier() binary {where}",
                    _mlp(skreg.MLPClassifier, fmt, dtype, "binary"),
                ),
                Variant(
                    f"MLPRegressor(loss='poisson') {where}",
                    _mlp(skreg.MLPRegressor, fmt, dtype, "count", loss="poisson"),
                ),
            ]
    seen = set()  # LassoCV dense float64 is a common variant too
    return [v for v in variants if not (v.label in seen or seen.add(v.label))]


class _CompileCounter:
    """Counts numba compilations (cache misses); calls ``on_first`` once."""

    def __init__(self, on_first=None):
        self.count = 0
        self.on_first = on_first

    def __enter__(self):
        from numba.core import event

        counter = self

        class Listener(event.Listener):
            def on_start(self, ev):
                if counter.count == 0 and counter.on_first is not None:
                    counter.on_first()
                counter.count += 1

            def on_end(self, ev):
                pass

        self._listener = Listener()
        event.register("numba:compile", self._listener)
        return self

    def __exit__(self, *exc):
        from numba.core import event

        event.unregister("numba:compile", self._listener)
        return False


def compiling(on_first=None):
    """A context manager counting the kernel specializations compiled inside it.

    ``on_first`` is called once, when the first compilation starts (never when
    every kernel comes from the cache).
    """
    return _CompileCounter(on_first)


def cache_dir():
    """Where skreg's kernels are cached, or None when the cache is off."""
    from skreg._kernels.cd_plain import plain_cd_path

    cache_file = getattr(getattr(plain_cd_path, "_cache", None), "_cache_file", None)
    index_path = getattr(cache_file, "_index_path", None)
    return None if index_path is None else os.path.dirname(index_path)


def warm_up(variants, report=print):
    """Run ``variants``; report one line per variant. Returns (compiled, seconds)."""
    total, start = 0, time.perf_counter()
    with warnings.catch_warnings():
        # Two iterations of a tiny problem do not converge, by design.
        warnings.simplefilter("ignore")
        for variant in variants:
            began = time.perf_counter()
            try:
                # The engine's kernels, which later fits would otherwise reach
                # only after quick starts (skreg._quick_start).
                with compiling() as counter, engine_only():
                    variant.fit()
            except (ValueError, NotImplementedError) as exc:
                # An option combination the estimators reject: say so, go on.
                report(f"  {variant.label:<62} skipped: {exc}"[:100])
                continue
            total += counter.count
            report(
                f"  {variant.label:<62} {counter.count:>3} compiled "
                f"{time.perf_counter() - began:>6.2f} s"
            )
    return total, time.perf_counter() - start
