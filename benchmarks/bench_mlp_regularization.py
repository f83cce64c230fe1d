"""Feature selection and regularizer effects of skreg's MLPs, in one run.

Run as ``python benchmarks/bench_mlp_regularization.py [--quick]``.

Table 1 -- input-feature selection on ``make_classification(5000, 1000,
n_informative=50, n_redundant=0, random_state=0)`` (standardized, 75/25
train/test split): held-out accuracy, number of input features the model
uses, and fit time of

- scikit-learn's ``MLPClassifier`` with the best ``alpha`` of a small grid
  (chosen on a validation split of the training rows, then refit);
- skreg with ``l1_ratio=1`` (elementwise L1; a feature counts when any of its
  first-layer weights is non-zero), for a few ``alpha``;
- skreg with ``input_group_alpha``: a warm-started path of increasing
  strength (x1.1 per step, 4 epochs per step, Adam, batches of 500), reported
  at its densest point keeping <= 150 features, and the same selection refit
  without the penalty;
- LassoNet's path (``lassonet.LassoNetClassifier.path``, CPU torch, one
  thread) at its densest point keeping <= 150 features.

Both paths are read with the same rule (densest point with <= 150 features,
held-out accuracy), and their time is that of the whole path.  LassoNet runs
with ``path_multiplier=1.1, n_iters=(300, 30)`` -- coarser than its defaults
(1.02, (1000, 100)), which take several times longer -- so the time ratio
below is conservative for skreg.

Table 2 -- each regularizer's effect on a small noisy problem
(``make_classification(600, 40, n_informative=5, flip_y=0.15)``, 5 seeds):
held-out accuracy with and without it, reported as measured, including the
regularizers that do not help here.

All timing with BLAS threads pinned to one (``threadpoolctl``) and torch to
one thread.  numba kernels are compiled by a warm-up before timing.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Time the compiled engine, not a family's first fits (which run interpreted
# until they have paid its compilation: skreg/neural_network/_first_epochs.py).
os.environ.setdefault("SKREG_QUICK_START", "0")
sys.path.insert(1, str(REPO))

import numpy as np  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from skreg import MLPClassifier  # noqa: E402

MAX_FEATURES = 150
HIDDEN = (100,)


def _selection_problem():
    X, y = make_classification(
        5000, 1000, n_informative=50, n_redundant=0, random_state=0
    )
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0)
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _n_used(coef0):
    return int(np.count_nonzero(np.any(coef0 != 0, axis=1)))


def _sklearn_best_alpha(X_tr, X_te, y_tr, y_te, epochs):
    X_a, X_v, y_a, y_v = train_test_split(X_tr, y_tr, test_size=0.2, random_state=0)
    params = dict(hidden_layer_sizes=HIDDEN, max_iter=epochs, random_state=0)

    def search():
        scores = {}
        for alpha in (1e-4, 1e-1, 1.0, 10.0):
            est = SkMLPClassifier(alpha=alpha, **params).fit(X_a, y_a)
            scores[alpha] = est.score(X_v, y_v)
        best = max(scores, key=scores.get)
        return best, SkMLPClassifier(alpha=best, **params).fit(X_tr, y_tr)

    (best, est), seconds = _timed(search)
    return [
        (
            f"sklearn MLP, best alpha={best:g}",
            est.score(X_te, y_te),
            _n_used(est.coefs_[0]),
            seconds,
            "4-alpha search + refit",
        )
    ]


def _skreg_l1(X_tr, X_te, y_tr, y_te, epochs):
    rows = []
    for alpha in (0.3, 1.0, 3.0):
        est, seconds = _timed(
            lambda a=alpha: MLPClassifier(
                hidden_layer_sizes=HIDDEN,
                alpha=a,
                l1_ratio=1.0,
                max_iter=epochs,
                random_state=0,
            ).fit(X_tr, y_tr)
        )
        rows.append(
            (
                f"skreg l1_ratio=1, alpha={alpha:g}",
                est.score(X_te, y_te),
                _n_used(est.coefs_[0]),
                seconds,
                "one fit",
            )
        )
    return rows


def _skreg_group_path(X_tr, X_te, y_tr, y_te):
    est = MLPClassifier(
        hidden_layer_sizes=HIDDEN,
        input_group_alpha=1.5,
        batch_size=500,
        max_iter=4,
        n_iter_no_change=np.inf,
        warm_start=True,
        random_state=0,
    )
    strength = 1.5
    chosen = None
    t0 = time.perf_counter()
    for _ in range(60):
        est.set_params(input_group_alpha=strength).fit(X_tr, y_tr)
        n_sel = est.selected_features_.size
        if n_sel <= MAX_FEATURES and chosen is None:
            chosen = (
                strength,
                est.score(X_te, y_te),
                n_sel,
                est.selected_features_.copy(),
                time.perf_counter() - t0,
            )
        if n_sel < 30:
            break
        strength *= 1.1
    path_seconds = time.perf_counter() - t0
    if chosen is None:
        return [("skreg input_group_alpha path", np.nan, -1, path_seconds, "")], None
    strength, acc, n_sel, selected, seconds_to = chosen
    rows = [
        (
            "skreg input_group_alpha path",
            acc,
            n_sel,
            path_seconds,
            f"at input_group_alpha={strength:.2f} (reached in {seconds_to:.1f} s)",
        )
    ]
    refit, seconds = _timed(
        lambda: MLPClassifier(
            hidden_layer_sizes=HIDDEN, max_iter=40, random_state=0
        ).fit(X_tr[:, selected], y_tr)
    )
    rows.append(
        (
            "  + refit on its selection",
            refit.score(X_te[:, selected], y_te),
            n_sel,
            path_seconds + seconds,
            "path + unpenalized refit",
        )
    )
    return rows, path_seconds


def _lassonet(X_tr, X_te, y_tr, y_te):
    try:
        import torch
        from lassonet import LassoNetClassifier
    except Exception as exc:  # noqa: BLE001 - report whatever breaks the import
        return [("LassoNet path", np.nan, -1, np.nan, f"did not run: {exc!r}")]
    torch.set_num_threads(1)
    model = LassoNetClassifier(
        hidden_dims=HIDDEN,
        path_multiplier=1.1,
        n_iters=(300, 30),
        verbose=0,
        random_state=0,
        torch_seed=0,
    )
    try:
        path, seconds = _timed(lambda: model.path(X_tr, y_tr, return_state_dicts=True))
    except Exception as exc:  # noqa: BLE001
        return [("LassoNet path", np.nan, -1, np.nan, f"did not run: {exc!r}")]
    for item in path:
        n_sel = int(item.selected.sum())
        if n_sel <= MAX_FEATURES:
            model.load(item.state_dict)
            acc = float(np.mean(model.predict(X_te) == y_te))
            return [
                (
                    "LassoNet path",
                    acc,
                    n_sel,
                    seconds,
                    f"{len(path)} lambdas, at lambda={item.lambda_:.3g}",
                )
            ]
    return [("LassoNet path", np.nan, -1, seconds, "no point <= 150 features")]


def _print_table(title, header, rows, fmt):
    print(title)
    line = fmt.format(*header)
    print(line)
    print("-" * len(line))
    for row in rows:
        print(fmt.format(*row), flush=True)
    print()


def feature_selection(epochs, run_lassonet):
    X_tr, X_te, y_tr, y_te = _selection_problem()
    # warm-up: compile (or load from the cache) both epoch kernels
    for extra in ({}, {"input_group_alpha": 1.0}, {"l1_ratio": 1.0}):
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, **extra).fit(
            X_tr[:300], y_tr[:300]
        )
    rows = []
    rows += _sklearn_best_alpha(X_tr, X_te, y_tr, y_te, epochs)
    rows += _skreg_l1(X_tr, X_te, y_tr, y_te, epochs)
    group_rows, group_seconds = _skreg_group_path(X_tr, X_te, y_tr, y_te)
    rows += group_rows
    lassonet_rows = _lassonet(X_tr, X_te, y_tr, y_te) if run_lassonet else []
    rows += lassonet_rows
    fmt = "{:<36} {:>8} {:>9} {:>8}  {}"
    table = [
        (name, f"{acc:.4f}", n, f"{sec:.1f}", note) for name, acc, n, sec, note in rows
    ]
    _print_table(
        "Feature selection, make_classification 5000x1000 (50 informative), "
        f"held-out accuracy at <= {MAX_FEATURES} features where it applies",
        ("model", "accuracy", "features", "seconds", "notes"),
        table,
        fmt,
    )
    if lassonet_rows and np.isfinite(lassonet_rows[0][3]) and group_seconds:
        print(
            f"LassoNet path time / skreg group-lasso path time: "
            f"{lassonet_rows[0][3] / group_seconds:.1f}x"
        )
        print()


REGULARIZERS = [
    ("none (alpha=1e-4)", {}),
    ("alpha=1 (L2 penalty)", {"alpha": 1.0}),
    ("alpha=1, l1_ratio=0.5", {"alpha": 1.0, "l1_ratio": 0.5}),
    ("dropout=0.5", {"dropout": 0.5}),
    ("input_dropout=0.2", {"input_dropout": 0.2}),
    ("batch_norm", {"batch_norm": True}),
    ("early_stopping (score)", {"early_stopping": True}),
    (
        "early_stopping (loss)",
        {"early_stopping": True, "early_stopping_metric": "loss"},
    ),
    ("weight_decay=1 (AdamW)", {"weight_decay": 1.0}),
    ("input_noise=0.5", {"input_noise": 0.5}),
    ("input_group_alpha=2", {"input_group_alpha": 2.0}),
    ("solver='rmsprop'", {"solver": "rmsprop"}),
    (
        "dropout+batch_norm+l1+early(loss)",
        {
            "dropout": 0.3,
            "batch_norm": True,
            "alpha": 0.3,
            "l1_ratio": 0.5,
            "early_stopping": True,
            "early_stopping_metric": "loss",
        },
    ),
]


def regularizer_effects(seeds):
    base = dict(hidden_layer_sizes=(128,), max_iter=200, learning_rate_init=0.003)
    # warm-up: compile (or load from the cache) the kernels before timing
    X, y = make_classification(100, 40, random_state=0)
    for _, extra in REGULARIZERS:
        MLPClassifier(hidden_layer_sizes=(4,), max_iter=1, **extra).fit(X, y)
    rows = []
    baseline = None
    for name, extra in REGULARIZERS:
        scores, train_scores, seconds = [], [], []
        for seed in range(seeds):
            X, y = make_classification(
                600,
                40,
                n_informative=5,
                n_redundant=0,
                flip_y=0.15,
                random_state=seed,
            )
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.5, random_state=seed
            )
            scaler = StandardScaler().fit(X_tr)
            X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
            est = MLPClassifier(random_state=seed, **base, **extra)
            _, sec = _timed(lambda est=est, X=X_tr, y=y_tr: est.fit(X, y))
            scores.append(est.score(X_te, y_te))
            train_scores.append(est.score(X_tr, y_tr))
            seconds.append(sec)
        mean = float(np.mean(scores))
        if baseline is None:
            baseline = mean
        rows.append(
            (
                name,
                f"{np.mean(train_scores):.3f}",
                f"{mean:.3f}",
                f"{np.std(scores):.3f}",
                f"{mean - baseline:+.3f}",
                f"{np.mean(seconds):.2f}",
            )
        )
    _print_table(
        "Regularizer effects, make_classification(600, 40, n_informative=5, "
        f"flip_y=0.15), 50/50 split, MLP (128,), adam, mean of {seeds} seeds",
        ("regularizer", "train acc", "test acc", "std", "vs none", "seconds"),
        rows,
        "{:<36} {:>9} {:>8} {:>6} {:>8} {:>8}",
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip LassoNet")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    with threadpool_limits(1):
        regularizer_effects(args.seeds)
        feature_selection(epochs=40, run_lassonet=not args.quick)


if __name__ == "__main__":
    main()
