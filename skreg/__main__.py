"""``python -m skreg``: skreg against scikit-learn on a dataset that ships with it.

Fits Lasso and ElasticNet from both packages on standardized diabetes with
degree-2 polynomial features (442 x 65), and MLPClassifier / MLPRegressor on
digits and diabetes with the same seed, and prints per model: fit time (median
of repeated fits, BLAS pinned to one thread), the objective (linear models) or
final training loss (MLPs) reached, and the largest coefficient difference.
The first skreg fits compile (or load from cache) the numba kernels; that
one-time cost is printed separately.  The closing lines point to the docs.
"""

import time
import warnings

import numpy as np
from sklearn import linear_model as sklearn_linear_model
from sklearn import neural_network as sklearn_neural_network
from sklearn.datasets import load_diabetes, load_digits
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from threadpoolctl import threadpool_limits

import skreg


def _objective(model, X, y, alpha, l1_ratio):
    residual = y - X @ model.coef_ - model.intercept_
    w = model.coef_
    return (
        0.5 * np.mean(residual**2)
        + alpha * l1_ratio * np.abs(w).sum()
        + 0.5 * alpha * (1 - l1_ratio) * (w @ w)
    )


def _median_fit_time(estimator_class, params, X, y, repeats=5):
    times = []
    for _ in range(repeats):
        model = estimator_class(**params)
        start = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), model


def _mlp_rows(repeats):
    """MLPs on digits and diabetes: same seed, same model (``l1_ratio=0``)."""
    X_digits, y_digits = load_digits(return_X_y=True)
    X_digits = X_digits / 16.0
    X_diab, y_diab = load_diabetes(return_X_y=True)
    X_diab = StandardScaler().fit_transform(X_diab)
    y_diab = (y_diab - y_diab.mean()) / y_diab.std()
    cases = [
        ("MLPClassifier", "digits 1797x64, (64,), 50 epochs", X_digits, y_digits),
        ("MLPRegressor", "diabetes 442x10, (32,), 50 epochs", X_diab, y_diab),
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
        rows.append((f"{name} ({label})", ours_t, ref_t, ours.loss_, ref.loss_, diff))
    return rows


def _print_table(title, rows, objective):
    print(title)
    header = (
        f"{'model':<50} {'skreg [ms]':>10} {'sklearn [ms]':>12} {'speed-up':>8} "
        f"{objective + ' skreg':>16} {objective + ' sklearn':>18} {'max|dcoef|':>10}"
    )
    print(header)
    print("-" * len(header))
    for label, ours_t, ref_t, ours_obj, ref_obj, diff in rows:
        print(
            f"{label:<50} {1e3 * ours_t:>10.2f} {1e3 * ref_t:>12.2f} "
            f"{ref_t / ours_t:>7.2f}x {ours_obj:>16.8f} {ref_obj:>18.8f} {diff:>10.1e}"
        )
    print()


def main():
    """Run the demo and print the comparison tables."""
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(
        PolynomialFeatures(2, include_bias=False).fit_transform(X)
    )
    n = X.shape[0]
    alpha_max = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / n

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        skreg.Lasso(alpha=alpha_max / 10).fit(X[:50], y[:50])
        first_fit = time.perf_counter() - start
        start = time.perf_counter()
        skreg.MLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit(
            X[:50], y[:50] > 150
        )
        first_mlp_fit = time.perf_counter() - start

    rows = []
    cases = [
        ("Lasso", "alpha_max/100", alpha_max / 100, 1.0),
        ("ElasticNet", "alpha_max/100, l1_ratio=0.5", alpha_max / 100, 0.5),
        ("Lasso", "alpha_max/10", alpha_max / 10, 1.0),
    ]
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, label, alpha, l1_ratio in cases:
            params = {"alpha": alpha, "tol": 1e-8, "max_iter": 100_000}
            if name == "ElasticNet":
                params["l1_ratio"] = l1_ratio
            ours_t, ours = _median_fit_time(getattr(skreg, name), params, X, y)
            ref_t, ref = _median_fit_time(
                getattr(sklearn_linear_model, name), params, X, y
            )
            rows.append(
                (
                    f"{name} ({label})",
                    ours_t,
                    ref_t,
                    _objective(ours, X, y, alpha, l1_ratio),
                    _objective(ref, X, y, alpha, l1_ratio),
                    float(np.max(np.abs(ours.coef_ - ref.coef_))),
                )
            )
        cv_params = {"cv": 5, "alphas": 100, "eps": 1e-3}
        ours_t, ours = _median_fit_time(skreg.LassoCV, cv_params, X, y, repeats=3)
        ref_t, ref = _median_fit_time(
            sklearn_linear_model.LassoCV, cv_params, X, y, repeats=3
        )
        rows.append(
            (
                "LassoCV (5 folds x 100 alphas, default tol)",
                ours_t,
                ref_t,
                _objective(ours, X, y, ours.alpha_, 1.0),
                _objective(ref, X, y, ref.alpha_, 1.0),
                float(np.max(np.abs(ours.coef_ - ref.coef_))),
            )
        )
        mlp_rows = _mlp_rows(repeats=3)

    print("skreg vs scikit-learn, BLAS threads pinned to 1, median of repeated fits")
    print(
        f"first skreg fits (numba kernels compiled or loaded from cache): "
        f"Lasso {first_fit:.2f} s, MLP {first_mlp_fit:.2f} s\n"
    )
    _print_table(
        "Lasso family: diabetes, degree-2 polynomial features (442 x 65), "
        "tol=1e-8 unless stated",
        rows,
        "objective",
    )
    _print_table(
        "MLPs: same seed, l1_ratio=0 (scikit-learn's model); loss = final "
        "training loss",
        mlp_rows,
        "loss",
    )
    print(
        "objective: 1/(2n)||y - Xw - b||^2 + penalty, the quantity both packages "
        "minimize;\nmax|dcoef|: largest difference between the two packages' "
        "coefficients (MLP: weights)."
    )
    print(
        "\nSwap `from sklearn.linear_model import Lasso` for `from skreg import Lasso`;"
        "\nskreg's MLPs add l1_ratio (exactly-zero weights), e.g. "
        "MLPClassifier(alpha=1.0, l1_ratio=1.0)."
    )
    print(
        "\nDocs:       docs/ (quick start, regularization guide, gallery, API); build "
        'with\n            pip install -e ".[docs]" && sphinx-build -W -b html docs '
        "docs/_build/html\n            then open docs/_build/html/index.html"
    )
    print("Benchmarks: python benchmarks/run.py lasso   (see benchmarks/README.md)")


if __name__ == "__main__":
    main()
