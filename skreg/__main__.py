"""``python -m skreg``: skreg against scikit-learn on a dataset that ships with it.

Fits Lasso and ElasticNet from both packages on standardized diabetes with
degree-2 polynomial features (442 x 65) and prints, per model: fit time
(median of 5, BLAS pinned to one thread), the objective reached, and the
largest coefficient difference.  The first skreg fit compiles (or loads from
cache) the numba kernels; that one-time cost is printed separately.
"""

import time
import warnings

import numpy as np
from sklearn import linear_model as sklearn_linear_model
from sklearn.datasets import load_diabetes
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


def main():
    """Run the demo and print the comparison table."""
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(
        PolynomialFeatures(2, include_bias=False).fit_transform(X)
    )
    n = X.shape[0]
    alpha_max = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / n

    start = time.perf_counter()
    skreg.Lasso(alpha=alpha_max / 10).fit(X[:50], y[:50])
    first_fit = time.perf_counter() - start

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

    print("skreg vs scikit-learn on diabetes, degree-2 polynomial features (442 x 65)")
    print(
        f"tol=1e-8, BLAS threads pinned to 1; first skreg fit (kernel load/compile): "
        f"{first_fit:.2f} s\n"
    )
    header = (
        f"{'model':<38} {'skreg [ms]':>10} {'sklearn [ms]':>12} {'speed-up':>8} "
        f"{'objective skreg':>16} {'objective sklearn':>18} {'max|dcoef|':>10}"
    )
    print(header)
    print("-" * len(header))
    for label, ours_t, ref_t, ours_obj, ref_obj, diff in rows:
        print(
            f"{label:<38} {1e3 * ours_t:>10.2f} {1e3 * ref_t:>12.2f} "
            f"{ref_t / ours_t:>7.2f}x {ours_obj:>16.8f} {ref_obj:>18.8f} {diff:>10.1e}"
        )
    print(
        "\nSwap `from sklearn.linear_model import Lasso` for `from skreg import Lasso`."
    )
    print("Benchmarks: python benchmarks/run.py lasso   (see benchmarks/README.md)")


if __name__ == "__main__":
    main()
