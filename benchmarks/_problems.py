"""The Lasso benchmark problems of issue 4, generated from fixed seeds.

A :class:`Problem` carries its data, its regularization (one alpha, or a path
grid) and the relative duality gap every solver must certify on it.
"""

import os
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import KFold

# The speed benchmarks measure skreg's CD engine, compilation excluded; a
# quick start (skreg/_quick_start.py) would run plain CD instead until its
# rent is paid.  The first-use benchmark sets its children's own.
os.environ.setdefault("SKREG_QUICK_START", "0")

SEED = 0
SNR = 3.0
N_NONZERO = 50


@dataclass
class Problem:
    """One benchmark problem.

    Attributes
    ----------
    name : str
        Row label in the table.
    kind : {"single", "path", "cv"}
        What the solvers compute.
    X, y : arrays
        Data handed to every solver (dense ``X`` is Fortran-ordered, sparse is
        CSC). For paths they are already centred and solvers fit no intercept,
        because ``lasso_path`` has no ``fit_intercept``.
    alphas : ndarray
        One alpha for ``single``, the grid for ``path`` and ``cv``.
    fit_intercept : bool
    target_gap : float
        Relative gap ``(primal - dual) / primal`` to certify (max over the path).
    """

    name: str
    kind: str
    X: object
    y: np.ndarray
    alphas: np.ndarray
    fit_intercept: bool
    target_gap: float
    extra: dict = field(default_factory=dict)

    @property
    def alpha(self):
        return float(self.alphas[0])

    @property
    def shape(self):
        return "{}x{}{}".format(*self.X.shape, " sparse" if sp.issparse(self.X) else "")


def ar1_design(n_samples, n_features, rho=0.5, seed=SEED):
    """Gaussian design with ``corr(x_i, x_j) = rho**|i - j|``.

    Built column by column, ``x_j = rho·x_{j-1} + sqrt(1 - rho²)·z_j``, which is
    the stationary AR(1) process, so every column has unit variance.
    """
    rng = np.random.default_rng(seed)
    X = np.empty((n_samples, n_features), order="F")
    X[:, 0] = rng.standard_normal(n_samples)
    scale = np.sqrt(1.0 - rho**2)
    for j in range(1, n_features):
        X[:, j] = rho * X[:, j - 1] + scale * rng.standard_normal(n_samples)
    return X


def response(X, n_nonzero=N_NONZERO, snr=SNR, seed=SEED):
    """``y = X w* + noise`` with ``||X w*|| / ||noise|| = snr`` (celer's SNR).

    ``w*`` has ``n_nonzero`` standard normal entries at random positions.
    """
    rng = np.random.default_rng(seed + 1)
    n_samples, n_features = X.shape
    w_true = np.zeros(n_features)
    support = rng.choice(n_features, size=n_nonzero, replace=False)
    w_true[support] = rng.standard_normal(n_nonzero)
    signal = X @ w_true
    noise = rng.standard_normal(n_samples)
    noise *= np.linalg.norm(signal) / (snr * np.linalg.norm(noise))
    return signal + noise


def sparse_design(n_samples, n_features, density, seed=SEED):
    """``scipy.sparse.random`` CSC design with standard normal non-zeros."""
    rng = np.random.default_rng(seed)
    return sp.random(
        n_samples,
        n_features,
        density=density,
        format="csc",
        rng=rng,
        data_rvs=rng.standard_normal,
    )


def alpha_max(X, y, fit_intercept=True):
    """Smallest alpha with an all-zero solution, ``||X_cᵀ(y - ȳ)||_∞ / n``.

    ``X_cᵀ(y - ȳ) = Xᵀ(y - ȳ)`` because ``y - ȳ`` sums to zero, so sparse ``X``
    need not be centred.
    """
    if fit_intercept:
        y = y - y.mean()
    return float(np.abs(X.T @ y).max() / X.shape[0])


def alpha_grid(a_max, eps=1e-2, n_alphas=100):
    """Geometric grid from ``a_max`` down to ``eps·a_max``, as sklearn's."""
    return np.geomspace(a_max, a_max * eps, n_alphas)


# Full sizes from issue 4, and the --quick sizes.
SIZES = {
    False: {
        "dense": (1000, 5000),
        "path": (1000, 5000),
        "sparse": (20000, 50000, 1e-3),
    },
    # A 100-alpha path is the slowest quick problem: halve it to stay < 1 min.
    True: {"dense": (200, 1000), "path": (100, 500), "sparse": (2000, 5000, 5e-3)},
}


def dense_single(quick=False, target_gap=1e-6):
    X = ar1_design(*SIZES[quick]["dense"])
    y = response(X)
    alphas = np.array([alpha_max(X, y) / 100])
    return Problem("dense-single", "single", X, y, alphas, True, target_gap)


def dense_path(quick=False, target_gap=1e-4):
    X = ar1_design(*SIZES[quick]["path"])
    y = response(X)
    X = np.asfortranarray(X - X.mean(axis=0))
    y = y - y.mean()
    alphas = alpha_grid(alpha_max(X, y, fit_intercept=False))
    return Problem("dense-path", "path", X, y, alphas, False, target_gap)


def sparse_single(quick=False, target_gap=1e-6):
    X = sparse_design(*SIZES[quick]["sparse"])
    y = response(X)
    alphas = np.array([alpha_max(X, y) / 100])
    return Problem("sparse-single", "single", X, y, alphas, True, target_gap)


def dense_cv(quick=False, n_folds=5):
    """LassoCV on the dense-single design: sklearn's grid and ``KFold(5)`` folds.

    The grid is sklearn's LassoCV grid (alpha_max of the full data, ``eps=1e-2``,
    100 alphas); it is passed explicitly to solvers that take a grid.
    """
    X = ar1_design(*SIZES[quick]["dense"])
    y = response(X)
    alphas = alpha_grid(alpha_max(X, y))
    problem = Problem("cv", "cv", X, y, alphas, True, np.nan)
    problem.extra.update(n_folds=n_folds, eps=1e-2)
    # glmnet cannot take a splitter, only group labels: GroupKFold over the
    # KFold(5) test-fold labels yields the same five folds.
    labels = np.empty(len(y), dtype=int)
    for k, (_, test) in enumerate(KFold(n_folds).split(X)):
        labels[test] = k
    problem.extra["fold_labels"] = labels
    return problem


def tiny_like(problem):
    """A small problem of the same kind, to trigger numba compilation untimed."""
    rng = np.random.default_rng(SEED + 7)
    if sp.issparse(problem.X):
        X = sp.random(60, 80, density=0.1, format="csc", rng=rng)
    else:
        X = np.asfortranarray(rng.standard_normal((60, 80)))
    y = rng.standard_normal(60)
    # Same dtypes as the problem: float32 data compiles other specializations.
    X, y = X.astype(problem.X.dtype), y.astype(problem.y.dtype)
    if problem.kind == "path" and not sp.issparse(X):
        X = np.asfortranarray(X - X.mean(axis=0))
        y = y - y.mean()
    a_max = alpha_max(X, y, problem.fit_intercept)
    if problem.kind == "single":
        alphas = np.array([a_max / 10])
    else:
        alphas = alpha_grid(a_max, n_alphas=len(problem.alphas))
    tiny = Problem("tiny", problem.kind, X, y, alphas, problem.fit_intercept, 1e-3)
    if problem.kind == "cv":
        tiny.extra = {"n_folds": 5, "eps": 1e-2, "fold_labels": np.arange(60) * 5 // 60}
    return tiny


PROBLEMS = {
    "dense-single": dense_single,
    "dense-path": dense_path,
    "sparse-single": sparse_single,
    "cv": dense_cv,
}
