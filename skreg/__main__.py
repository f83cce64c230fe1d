"""``python -m skreg``: skreg against scikit-learn; ``python -m skreg compile``.

Without arguments, a demo: Lasso and ElasticNet from both packages on
standardized diabetes with degree-2 polynomial features (442 x 65), and
MLPClassifier / MLPRegressor on digits and diabetes with the same seed. Per
model it prints the fit time (median of repeated fits, BLAS pinned to one
thread), the objective (linear models) or final training loss (MLPs) reached,
and the largest coefficient difference. The first line comes before anything
heavy is imported; the one-time numba compilation is announced while it runs
(it is skipped when the kernels are already cached).

``python -m skreg compile [--all]`` fills numba's cache ahead of time (see
:mod:`skreg._warmup`): for container images, CI jobs and cluster workers.
"""

import argparse
import sys
import time
import warnings

# Only the standard library above: the first line is printed before numpy,
# scikit-learn and numba are imported.

WIDTH = 100  # every line of output fits in this many columns


def say(text=""):
    print(text, flush=True)


def _objective(model, X, y, alpha, l1_ratio):
    import numpy as np

    residual = y - X @ model.coef_ - model.intercept_
    w = model.coef_
    return (
        0.5 * np.mean(residual**2)
        + alpha * l1_ratio * np.abs(w).sum()
        + 0.5 * alpha * (1 - l1_ratio) * (w @ w)
    )


def _median_fit_time(estimator_class, params, X, y, repeats=5):
    import numpy as np

    times = []
    for _ in range(repeats):
        model = estimator_class(**params)
        start = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), model


def _linear_rows():
    """Lasso family on diabetes with degree-2 polynomial features."""
    import numpy as np
    from sklearn import linear_model as sklearn_linear_model
    from sklearn.datasets import load_diabetes
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    import skreg

    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(
        PolynomialFeatures(2, include_bias=False).fit_transform(X)
    )
    alpha_max = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / X.shape[0]
    cases = [
        ("Lasso", "alpha_max/100", alpha_max / 100, 1.0),
        ("ElasticNet", "alpha_max/100, l1=0.5", alpha_max / 100, 0.5),
        ("Lasso", "alpha_max/10", alpha_max / 10, 1.0),
    ]
    rows = []
    for name, label, alpha, l1_ratio in cases:
        params = {"alpha": alpha, "tol": 1e-8, "max_iter": 100_000}
        if name == "ElasticNet":
            params["l1_ratio"] = l1_ratio
        ours_t, ours = _median_fit_time(getattr(skreg, name), params, X, y)
        ref_t, ref = _median_fit_time(getattr(sklearn_linear_model, name), params, X, y)
        rows.append(
            (
                f"{name} {label}",
                ours_t,
                ref_t,
                _objective(ours, X, y, alpha, l1_ratio),
                _objective(ref, X, y, alpha, l1_ratio),
                float(np.max(np.abs(ours.coef_ - ref.coef_))),
            )
        )
    cv_params = {"cv": 5, "alphas": 100, "eps": 1e-3}
    ours_t, ours = _median_fit_time(skreg.LassoCV, cv_params, X, y, repeats=3)
    ref_t, ref = _median_fit_time(sklearn_linear_model.LassoCV, cv_params, X, y, 3)
    rows.append(
        (
            "LassoCV 5 folds x 100 alphas",
            ours_t,
            ref_t,
            _objective(ours, X, y, ours.alpha_, 1.0),
            _objective(ref, X, y, ref.alpha_, 1.0),
            float(np.max(np.abs(ours.coef_ - ref.coef_))),
        )
    )
    return rows


def _mlp_rows(repeats):
    """MLPs on digits and diabetes: same seed, same model (``l1_ratio=0``)."""
    import numpy as np
    from sklearn import neural_network as sklearn_neural_network
    from sklearn.datasets import load_diabetes, load_digits
    from sklearn.preprocessing import StandardScaler

    import skreg

    X_digits, y_digits = load_digits(return_X_y=True)
    X_digits = X_digits / 16.0
    X_diab, y_diab = load_diabetes(return_X_y=True)
    X_diab = StandardScaler().fit_transform(X_diab)
    y_diab = (y_diab - y_diab.mean()) / y_diab.std()
    cases = [
        ("MLPClassifier", "digits, (64,)", X_digits, y_digits),
        ("MLPRegressor", "diabetes, (32,)", X_diab, y_diab),
    ]
    rows = []
    for name, label, X, y in cases:
        params = {"hidden_layer_sizes": (64,) if "Class" in name else (32,)}
        params.update(max_iter=50, random_state=0)
        ours_t, ours = _median_fit_time(getattr(skreg, name), params, X, y, repeats)
        ref_t, ref = _median_fit_time(
            getattr(sklearn_neural_network, name), params, X, y, repeats
        )
        diff = max(
            float(np.max(np.abs(a - b)))
            for a, b in zip(ours.coefs_, ref.coefs_, strict=True)
        )
        rows.append((f"{name} {label}", ours_t, ref_t, ours.loss_, ref.loss_, diff))
    return rows


def table(title, rows, objective):
    """The lines of one comparison table, at most ``WIDTH`` columns wide."""
    header = (
        f"{'model':<32} {'skreg ms':>9} {'sklearn ms':>10} {'speed-up':>8} "
        f"{objective + ' skreg':>12} {objective + ' sklearn':>12} {'max|dcoef|':>10}"
    )
    lines = [title, header, "-" * len(header)]
    for label, ours_t, ref_t, ours_obj, ref_obj, diff in rows:
        lines.append(
            f"{label:<32} {1e3 * ours_t:>9.2f} {1e3 * ref_t:>10.2f} "
            f"{ref_t / ours_t:>7.2f}x {ours_obj:>12.8g} {ref_obj:>12.8g} {diff:>10.1e}"
        )
    return [*lines, ""]


def _warm_up_demo():
    """Compile (or load) the kernels the demo uses; say so only when compiling."""
    import numpy as np

    import skreg
    from skreg import _warmup

    variants = [
        _warmup.Variant("Lasso", _warmup._linear(skreg.Lasso, None, np.float64)),
        _warmup.Variant("LassoCV", _warmup._linear(skreg.LassoCV, None, np.float64)),
        _warmup.Variant(
            "MLPClassifier", _warmup._mlp(skreg.MLPClassifier, None, np.float64, "clf")
        ),
        _warmup.Variant(
            "MLPRegressor", _warmup._mlp(skreg.MLPRegressor, None, np.float64, "reg")
        ),
    ]

    def announce():
        say(
            "compiling skreg's numba kernels for Lasso, LassoCV and the MLPs (once: "
            "later runs load them"
        )
        say(f"from the cache{_cache_note()}) ...")

    start = time.perf_counter()
    with _warmup.compiling(on_first=announce) as counter:
        _warmup.warm_up(variants, report=lambda line: None)
    seconds = time.perf_counter() - start
    if counter.count:
        say(f"compiled {counter.count} kernel specializations in {seconds:.1f} s\n")
    else:
        say(f"kernels loaded from numba's cache in {seconds:.2f} s\n")


def _cache_note():
    from skreg import _warmup

    where = _warmup.cache_dir()
    if where is None:
        return " -- off: SKREG_NUMBA_CACHE=0 or nowhere writable"
    return "" if len(where) > WIDTH - 40 else f" in {where}"


def demo():
    """Run the demo and print the comparison tables."""
    say(
        "skreg vs scikit-learn on datasets that ship with scikit-learn (BLAS: 1 thread)"
    )
    from threadpoolctl import threadpool_limits

    _warm_up_demo()
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        say("fitting both packages (median of repeated fits) ...\n")
        linear = _linear_rows()
        mlp = _mlp_rows(repeats=3)
    lines = [
        *table(
            "Lasso family: diabetes, degree-2 polynomial features (442 x 65), tol=1e-8",
            linear,
            "obj.",
        ),
        *table(
            "MLPs: 50 epochs, same seed, l1_ratio=0 (scikit-learn's model); "
            "loss = final training loss",
            mlp,
            "loss",
        ),
        "obj.: the objective 1/(2n)||y - Xw - b||^2 + penalty, which both packages "
        "minimize;",
        "max|dcoef|: largest difference between the two packages' coefficients "
        "(MLP: weights).",
        "",
        "Swap `from sklearn.linear_model import Lasso` for `from skreg import Lasso`;",
        "skreg's MLPs add l1_ratio (exactly-zero weights), e.g. "
        "MLPClassifier(alpha=1.0, l1_ratio=1.0).",
        "",
        "Docs:       docs/ (quick start, regularization guide, gallery, API); "
        "build with",
        '            pip install -e ".[docs]" && sphinx-build -W -b html docs '
        "docs/_build/html",
        "            then open docs/_build/html/index.html",
        "Benchmarks: python benchmarks/run.py lasso   (see benchmarks/README.md)",
        "Warm-up:    python -m skreg compile [--all]   fills numba's cache ahead "
        "of time",
    ]
    for line in lines:
        say(line)


def compile_kernels(every=False):
    """Fill numba's cache; print each variant, what it compiled and how long."""
    from skreg import _warmup

    kind = "every variant" if every else "the common variants (--all: every one)"
    say(f"skreg: compiling numba kernels for {kind}")
    where = _warmup.cache_dir()
    say(f"cache: {where}" if where else "cache: off (SKREG_NUMBA_CACHE=0?)")
    variants = _warmup.all_variants() if every else _warmup.common_variants()
    compiled, seconds = _warmup.warm_up(variants, report=say)
    say(
        f"done: {compiled} kernel specializations compiled in {seconds:.1f} s "
        f"({len(variants)} variants)"
    )
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m skreg",
        description="skreg against scikit-learn on bundled datasets (no arguments), "
        "or fill numba's cache ahead of time (compile).",
    )
    parser.add_argument("command", nargs="?", choices=["compile"])
    parser.add_argument(
        "--all",
        action="store_true",
        help="with compile: every kernel specialization skreg can use",
    )
    args = parser.parse_args(argv)
    if args.command == "compile":
        return compile_kernels(every=args.all)
    if args.all:
        parser.error("--all goes with the compile command")
    demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
