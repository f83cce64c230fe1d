"""The families and cells of the Lasso benchmark matrix (issue 12), fixed seeds.

A *family* is one design (dense or CSC, float64 or float32, with or without
an intercept) and its response; a *cell* is one task on it: a single alpha
(``alpha_max / 10``, ``/ 100``, ``/ 1000``), a 100-alpha path, or 5-fold
LassoCV. Every cell is a :class:`_problems.Problem`, so the solvers of
:mod:`_solvers` run on it unchanged. Nothing is downloaded.

Paths are ``lasso_path``'s problem: no intercept, X and y as given (``lasso_path``
has no ``fit_intercept``); the intercept is exercised by the single-alpha and
CV cells of every family with ``fit_intercept=True``.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from _problems import (
    Problem,
    alpha_grid,
    alpha_max,
    ar1_design,
    response,
    sparse_design,
)
from sklearn.model_selection import KFold

SEED = 12
N_ALPHAS = 100
PATH_EPS = 1e-2  # the path and CV grids go from alpha_max to alpha_max / 100
N_FOLDS = 5


def equicorrelated_design(n_samples, n_features, rho, seed=SEED):
    """Gaussian columns with ``corr(x_i, x_j) = rho`` for every ``i != j``.

    ``x_j = sqrt(rho)·z_0 + sqrt(1 - rho)·z_j``: one shared factor.
    """
    rng = np.random.default_rng(seed)
    shared = rng.standard_normal((n_samples, 1))
    X = np.sqrt(1.0 - rho) * rng.standard_normal((n_samples, n_features))
    return np.asfortranarray(X + np.sqrt(rho) * shared)


def text_design(n_samples, n_features, mean_terms, seed=SEED):
    """Bag-of-words-like CSC: power-law column frequencies, tf-idf values.

    The term of rank ``r`` (a random column) appears in a document with
    probability proportional to ``r^-1.1`` (Zipf), scaled so a document would
    hold ``mean_terms`` distinct terms, then capped at 1/2 for the most common
    terms (which leaves about 0.7·``mean_terms``); counts are
    ``1 + Poisson(0.5)``.
    Values are ``log(1 + count)·idf`` with ``idf = log(n / df)``, rows scaled
    to unit norm, as ``TfidfVectorizer(sublinear_tf=True)`` produces.
    """
    rng = np.random.default_rng(seed)
    freq = (np.arange(1, n_features + 1) ** -1.1)[rng.permutation(n_features)]
    freq = np.minimum(freq * mean_terms / freq.sum(), 0.5)
    nnz = rng.binomial(n_samples, freq)
    indptr = np.concatenate([[0], np.cumsum(nnz)])
    indices = np.concatenate(
        [np.sort(rng.choice(n_samples, k, replace=False)) for k in nnz]
    )
    counts = 1.0 + rng.poisson(0.5, size=indptr[-1])
    idf = np.log((1.0 + n_samples) / (1.0 + nnz)) + 1.0
    data = np.log1p(counts) * np.repeat(idf, nnz)
    X = sp.csc_matrix((data, indices, indptr), shape=(n_samples, n_features))
    row_norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    row_norms[row_norms == 0] = 1.0
    return sp.csc_matrix(sp.diags(1.0 / row_norms) @ X)


@dataclass(frozen=True)
class Family:
    """One design of the matrix.

    Attributes
    ----------
    name : str
    make : callable
        ``make(quick) -> X`` (dense Fortran-ordered, or CSC).
    divisors : tuple of int
        Single-alpha cells at ``alpha_max / d``. ``alpha_max / 1000`` only
        where n > p: with p > n it is close to interpolation (sklearn took
        125 s at tol 1e-7 on dense-iid 500×5000), a regime few users fit.
    tasks : tuple of str
        Cells beyond the single alphas: ``"path"``, ``"cv"``.
    dtype : numpy dtype
    fit_intercept : bool
        For the single-alpha and CV cells (paths never fit one).
    n_nonzero : int
        Non-zeros of the true coefficients.
    """

    name: str
    make: object
    divisors: tuple = (10, 100)
    tasks: tuple = ("path", "cv")
    dtype: type = np.float64
    fit_intercept: bool = True
    n_nonzero: int = 50


def _size(quick, full, small):
    return small if quick else full


FAMILIES = {
    f.name: f
    for f in (
        Family(
            "dense-iid",  # p >> n
            lambda q: np.asfortranarray(
                np.random.default_rng(SEED).standard_normal(
                    _size(q, (500, 5000), (100, 1000))
                )
            ),
        ),
        Family(
            "dense-ar1-0.9",
            lambda q: ar1_design(
                *_size(q, (500, 2000), (100, 500)), rho=0.9, seed=SEED
            ),
        ),
        Family(
            "dense-equicorr-0.7",  # n > p
            lambda q: equicorrelated_design(
                *_size(q, (2000, 500), (400, 100)), rho=0.7
            ),
            divisors=(10, 100, 1000),
        ),
        Family(
            # The small correlated problem where skglm's Anderson acceleration wins.
            "dense-n>p-ar1-0.9",
            lambda q: ar1_design(*_size(q, (1000, 100), (500, 50)), rho=0.9, seed=SEED),
            divisors=(10, 100, 1000),
            n_nonzero=10,
        ),
        Family(
            "dense-tall",  # n >> p
            lambda q: ar1_design(
                *_size(q, (50000, 200), (10000, 50)), rho=0.5, seed=SEED
            ),
            divisors=(10, 100, 1000),
            n_nonzero=20,
        ),
        Family(
            "sparse-text",
            lambda q: text_design(*_size(q, (10000, 30000, 60), (1000, 3000, 40))),
        ),
        Family(
            "sparse-uniform",  # thousands of non-zeros at small alpha
            lambda q: sparse_design(
                *_size(q, (20000, 50000, 1e-3), (2000, 5000, 5e-3)), seed=SEED
            ),
            # The largest design: its CV (5 folds x 100 alphas, every solver
            # along its ladder) would cost as much as the rest of the matrix;
            # sparse CV is measured on sparse-text and sparse-wide.
            tasks=("path",),
        ),
        Family(
            "sparse-wide",  # 200 x 100000, most columns empty
            lambda q: sparse_design(
                *_size(q, (200, 100000, 1e-3), (100, 20000, 2e-3)), seed=SEED
            ),
        ),
        Family(
            "dense-iid-f32",
            lambda q: FAMILIES["dense-iid"].make(q),
            tasks=("path",),
            dtype=np.float32,
        ),
        Family(
            "sparse-uniform-f32",
            lambda q: FAMILIES["sparse-uniform"].make(q),
            tasks=("path",),
            dtype=np.float32,
        ),
        Family(
            "dense-ar1-0.9-noint",
            lambda q: FAMILIES["dense-ar1-0.9"].make(q),
            tasks=(),
            fit_intercept=False,
        ),
        Family(
            "sparse-text-noint",
            lambda q: FAMILIES["sparse-text"].make(q),
            tasks=(),
            fit_intercept=False,
        ),
    )
}

# --quick: every family at small sizes, fewer cells (no alpha_max / 1000, CV
# only on one dense and one sparse family).
QUICK_DIVISORS = (10, 100)
QUICK_CV = ("dense-ar1-0.9", "sparse-text")


def cell_names(family, quick=False):
    """The cell names of ``family``, e.g. ``dense-iid/a10``, ``dense-iid/path``."""
    divisors = [d for d in family.divisors if not quick or d in QUICK_DIVISORS]
    tasks = [
        t for t in family.tasks if not quick or t != "cv" or family.name in QUICK_CV
    ]
    return [f"{family.name}/a{d}" for d in divisors] + [
        f"{family.name}/{t}" for t in tasks
    ]


def make_data(family, quick=False):
    """``(X, y)`` of ``family``; ``y`` has X's dtype (some solvers require it)."""
    X = family.make(quick)
    X64 = X.astype(np.float64)
    y = response(X64, n_nonzero=min(family.n_nonzero, X.shape[1] // 2), seed=SEED)
    return X.astype(family.dtype), y.astype(family.dtype)


def make_cell(family, cell, X, y):
    """The :class:`Problem` of ``cell`` (a name from :func:`cell_names`)."""
    task = cell.split("/")[1]
    if task.startswith("a"):
        a_max = alpha_max(X, y.astype(np.float64), family.fit_intercept)
        alphas = np.array([a_max / int(task[1:])])
        problem = Problem(cell, "single", X, y, alphas, family.fit_intercept, np.nan)
    elif task == "path":
        alphas = alpha_grid(alpha_max(X, y, fit_intercept=False), PATH_EPS, N_ALPHAS)
        problem = Problem(cell, "path", X, y, alphas, False, np.nan)
    else:
        a_max = alpha_max(X, y.astype(np.float64), family.fit_intercept)
        alphas = alpha_grid(a_max, PATH_EPS, N_ALPHAS)
        problem = Problem(cell, "cv", X, y, alphas, family.fit_intercept, np.nan)
        # glmnet cannot take a splitter, only group labels: GroupKFold over the
        # KFold(5) test-fold labels yields the same five folds.
        labels = np.empty(len(y), dtype=int)
        for k, (_, test) in enumerate(KFold(N_FOLDS).split(X)):
            labels[test] = k
        problem.extra.update(n_folds=N_FOLDS, eps=PATH_EPS, fold_labels=labels)
    problem.extra["family"] = family.name
    problem.extra["sparse"] = sp.issparse(X)
    return problem
