"""
skreg vs scikit-learn: fit time
===============================

A small timing, measured each time this page is built: the same problems fitted
by skreg and by scikit-learn with one BLAS thread, after one untimed fit so
that numba's compilation is not counted.  The full benchmarks, with more
solvers and larger problems, are described in :doc:`/benchmarks`.

Timings on a shared machine are noisy; the ratio is what to read.  The bars
also report how closely the two packages agree, since a fast answer to a
different problem would be worthless.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn import linear_model as sk_linear
from sklearn import neural_network as sk_neural
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

import skreg

threadpool_limits(1)
warnings.simplefilter("ignore", ConvergenceWarning)

# A design with correlated columns (x_j = 0.5 x_{j-1} + noise), as in the
# benchmarks, 40 true non-zeros.
rng = np.random.default_rng(0)
n_samples, n_features = 300, 2000
Z = rng.standard_normal((n_samples, n_features))
X = np.empty_like(Z, order="F")
X[:, 0] = Z[:, 0]
for j in range(1, n_features):
    X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(0.75) * Z[:, j]
w_true = np.zeros(n_features)
w_true[rng.choice(n_features, 40, replace=False)] = rng.standard_normal(40)
y = X @ w_true
y += rng.standard_normal(n_samples) * np.linalg.norm(y) / np.sqrt(n_samples) / 3
X_digits, y_digits = load_digits(return_X_y=True)
X_digits = X_digits / 16.0


def best_time(fit, repeats=3):
    """Best of ``repeats`` wall times of ``fit()`` and its last result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - start)
    return min(times), result


cases = {
    "lasso_path\n(100 alphas)": (
        lambda pkg: lambda: pkg.lasso_path(X, y, alphas=100, eps=1e-2, tol=1e-6),
        lambda out: out[1],
    ),
    "LassoCV\n(5 folds)": (
        lambda pkg: lambda: pkg.LassoCV(cv=5, alphas=30, eps=1e-2).fit(X, y),
        lambda out: out.coef_,
    ),
    "MLPClassifier\n(digits, 30 epochs)": (
        lambda pkg: (
            lambda: pkg.MLPClassifier(
                hidden_layer_sizes=(64,), max_iter=30, random_state=0
            ).fit(X_digits, y_digits)
        ),
        lambda out: out.coefs_[0],
    ),
}

# One untimed fit of each skreg case: numba compiles (or loads its cache).
for make, _ in cases.values():
    make(skreg)()

# %%
# Time both packages
# ------------------

rows = []
for label, (make, params_of) in cases.items():
    reference = sk_neural if "MLP" in label else sk_linear
    t_skreg, ours = best_time(make(skreg))
    t_sklearn, theirs = best_time(make(reference))
    agreement = np.max(np.abs(params_of(ours) - params_of(theirs)))
    rows.append((label, t_skreg, t_sklearn, agreement))
    print(
        f"{label.replace(chr(10), ' '):<40} skreg {1e3 * t_skreg:7.1f} ms   "
        f"sklearn {1e3 * t_sklearn:7.1f} ms   speed-up {t_sklearn / t_skreg:5.1f}x   "
        f"max |difference| {agreement:.1e}"
    )

# %%
# Plot the speed-ups
# ------------------

labels = [row[0] for row in rows]
speedups = [row[2] / row[1] for row in rows]
fig, ax = plt.subplots(figsize=(7, 3.8))
bars = ax.barh(labels, speedups, color="C0")
ax.axvline(1.0, color="k", linewidth=1)
for bar, (_, t_skreg, t_sklearn, _) in zip(bars, rows, strict=True):
    ax.text(
        bar.get_width(),
        bar.get_y() + bar.get_height() / 2,
        f"  {t_sklearn / t_skreg:.1f}x "
        f"({1e3 * t_sklearn:.0f} ms / {1e3 * t_skreg:.0f} ms)",
        va="center",
    )
ax.set_xlabel("speed-up: scikit-learn time / skreg time (1 BLAS thread)")
ax.set_xlim(0, max(speedups) * 1.6)
ax.invert_yaxis()
ax.set_title("skreg vs scikit-learn on small problems")
fig.tight_layout()
plt.show()
