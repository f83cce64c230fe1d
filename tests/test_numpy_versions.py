"""The NumPy versions of the CD kernels (``skreg._numba.numpy_version_of``),
which first fits run in the interpreter, compute what the kernels compute.

Each test calls a kernel and its NumPy version on copies of the same
arguments and compares the results and every array argument afterwards (the
kernels update the coefficients and the layout's state in place).  The sums
run in another order, so the agreement is to rounding, not bitwise.
"""

import copy

import numpy as np
import pytest
import scipy.sparse as sp

from skreg import _numba
from skreg._kernels import cd, cd_plain, gap
from skreg.linear_model._layouts import DenseLayout, GramLayout, SparseLayout
from tests.conftest import relative_deviation


def _version(kernel):
    return _numba._NUMPY_VERSIONS[getattr(kernel, "py_func", kernel)]


def _arrays(value):
    """The arrays in ``value`` (an array, or a tuple of them and scalars)."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, tuple):
        return [array for item in value for array in _arrays(item)]
    return []


def _deviation(kernel, *arguments):
    """Run ``kernel`` and its NumPy version on copies of ``arguments``: the
    largest relative deviation of the version's result and arguments after
    the call from the kernel's (:func:`tests.conftest.relative_deviation`)."""
    ours, theirs = copy.deepcopy(arguments), copy.deepcopy(arguments)
    expected = kernel(*theirs)
    got = _version(kernel)(*ours)
    pairs = list(zip(_arrays(ours), _arrays(theirs), strict=True))
    pairs.append((np.atleast_1d(np.float64(got)), np.atleast_1d(np.float64(expected))))
    return max(relative_deviation(have, want) for have, want in pairs)


def _factor(n_features, rng):
    """Penalty factors with unpenalized features and a spread of weights."""
    factor = rng.uniform(0.5, 2.0, n_features)
    factor[[1, 4]] = 0.0
    return factor


def _design(rng, dtype, n_samples=40, n_features=25):
    X = rng.standard_normal((n_samples, n_features)).astype(dtype)
    X[:, 3] = 0  # a column of zeros: the sweeps skip it
    y = (X[:, :4].sum(axis=1) + rng.standard_normal(n_samples)).astype(dtype)
    return np.asfortranarray(X - X.mean(axis=0)), y - y.mean()


def _coefficients(n_features, rng, dtype):
    w = rng.standard_normal(n_features).astype(dtype)
    w[rng.random(n_features) < 0.5] = 0
    w[3] = 0
    return w


def _start(layout, rng, dtype):
    """Coefficients, the layout's state at them, a sweep's order and the
    tolerance of the dtype."""
    n_features = layout.n_features
    w = _coefficients(n_features, rng, dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    return w, layout.start(w), rng.permutation(n_features), rtol


def _sparse(rng, dtype, weighted, centered):
    """CSC data with empty columns (2 and 7) and repeated entries (they add
    up, as in scipy), its sample weights and column means."""
    n_samples, n_features = 50, 30
    entries = sp.random(n_samples, n_features, density=0.2, random_state=3).tocoo()
    rows = np.concatenate([entries.row, entries.row[:5]])
    cols = np.concatenate([entries.col, entries.col[:5]])
    data = np.concatenate([entries.data, entries.data[:5]]).astype(dtype)
    kept = ~np.isin(cols, [2, 7])
    by_column = np.argsort(cols[kept], kind="stable")
    counts = np.bincount(cols[kept], minlength=n_features)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    X = sp.csc_matrix(
        (data[kept][by_column], rows[kept][by_column].astype(np.int32), indptr),
        shape=(n_samples, n_features),
    )
    assert not X.has_canonical_format
    sample_weight = rng.uniform(0.5, 1.5, n_samples) if weighted else np.ones(n_samples)
    sample_weight *= n_samples / sample_weight.sum()
    x_mean = np.asarray(X.T @ sample_weight / n_samples).ravel()
    y = rng.standard_normal(n_samples)
    return X, y, sample_weight, x_mean if centered else np.zeros(n_features)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_dense_sweep_and_statistics(dtype, weighted, positive):
    rng = np.random.default_rng(0)
    X, y = _design(rng, dtype)
    n_features = X.shape[1]
    factor = _factor(n_features, rng).astype(dtype) if weighted else None
    layout = DenseLayout(X, y, factor)
    w, state, order, rtol = _start(layout, rng, dtype)
    l1, l2 = dtype(3.0), dtype(0.5)
    assert (
        _deviation(
            cd.cd_sweep_dense,
            X,
            state[0],
            w,
            layout.col_norms2,
            l1,
            l2,
            positive,
            order,
            factor,
        )
        <= rtol
    )
    for features in (np.arange(n_features), order[:7], order[:0]):
        for subtract_l2 in (True, False):
            assert (
                _deviation(
                    gap.residual_stats_dense,
                    X,
                    y,
                    state[0],
                    w,
                    l2,
                    subtract_l2,
                    features,
                    np.zeros(n_features, dtype),
                    factor,
                )
                <= rtol
            )


@pytest.mark.parametrize("weighted", [False, True])
def test_gram_sweep_and_statistics(weighted):
    rng = np.random.default_rng(1)
    X, y = _design(rng, np.float64)
    n_features = X.shape[1]
    factor = _factor(n_features, rng) if weighted else None
    layout = GramLayout(X.T @ X, X.T @ y, y @ y, factor)
    w = _coefficients(n_features, rng, np.float64)
    state = layout.start(w)
    assert (
        _deviation(
            cd.cd_sweep_gram,
            layout.problem,
            state,
            w,
            3.0,
            0.5,
            False,
            rng.permutation(n_features),
        )
        <= 1e-12
    )
    for features in (np.arange(n_features), np.array([5, 0, 9])):
        assert (
            _deviation(
                gap.residual_stats_gram,
                state[0],
                layout.xty,
                layout.y_norm2,
                w,
                0.5,
                True,
                features,
                np.zeros(n_features),
                factor,
            )
            <= 1e-12
        )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("centered", [False, True])
def test_sparse_sweep_and_statistics(dtype, weighted, centered):
    rng = np.random.default_rng(2)
    X, y, sample_weight, x_mean = _sparse(rng, dtype, weighted, centered)
    n_features = X.shape[1]
    factor = _factor(n_features, rng) if weighted else None
    layout = SparseLayout(X, y.astype(dtype), sample_weight, x_mean, None, factor)
    assert layout.problem.weighted == weighted
    assert layout.problem.centered == centered
    w, state, order, rtol = _start(layout, rng, dtype)
    l1, l2 = dtype(0.5), dtype(0.25)
    assert (
        _deviation(cd.cd_sweep_sparse, layout.problem, state, w, l1, l2, False, order)
        <= rtol
    )
    for features in (np.arange(n_features), order[:6], order[:0]):
        assert (
            _deviation(
                gap.residual_stats_sparse,
                layout.problem,
                state,
                w,
                l2,
                True,
                features,
                np.zeros(n_features, dtype),
            )
            <= rtol
        )


@pytest.mark.parametrize("l1, l2", [(2.0, 0.5), (2.0, 0.0), (0.0, 0.5), (0.0, 0.0)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
def test_gap_and_penalty(l1, l2, weighted, positive):
    rng = np.random.default_rng(3)
    X, y = _design(rng, np.float64)
    n_features = X.shape[1]
    factor = _factor(n_features, rng) if weighted else None
    layout = DenseLayout(X, y, factor)
    w = _coefficients(n_features, rng, np.float64)
    (residual,) = layout.start(w)
    xtr = X.T @ residual - (l2 * w if l1 > 0 else 0)
    arguments = (
        w, xtr, residual @ residual, residual @ y, l1, l2, positive,
        layout.problem.penalty, layout.col_norms2,
    )  # fmt: skip
    assert _deviation(gap.enet_gap, *arguments) <= 1e-12
    result = gap.enet_gap(*arguments)
    assert np.all(np.isfinite(result))
    for features in (np.arange(n_features), np.array([2, 0, 11])):
        assert _deviation(cd_plain.penalty, w, features, l1, l2, factor) <= 1e-12


def test_the_dual_norm_skips_nan_as_the_kernel_does():
    """enet_gap's running maximum never takes a NaN; nor does its version."""
    w = np.array([1.0, 0.0, 2.0])
    xtr = np.array([np.nan, -3.0, 0.5])
    assert (
        _deviation(gap.enet_gap, w, xtr, 2.0, 1.0, 1.0, 0.0, False, None, np.ones(3))
        <= 1e-12
    )


def _wide_sparse(rng, dtype, n_samples=60, n_features=400):
    """Wide CSC data whose lasso has a small support, with empty columns."""
    X = sp.random(n_samples, n_features, density=0.1, random_state=4, format="csc")
    X = sp.csc_matrix(X.multiply(X.getnnz(axis=0) > 0)).astype(dtype)
    X.data[X.indptr[7] : X.indptr[8]] = 0  # a column of stored zeros
    X.eliminate_zeros()
    y = (X[:, :6].toarray().sum(axis=1) + rng.standard_normal(n_samples)).astype(dtype)
    return X, y


def _sweeps_by_runs(kernel, runs, monkeypatch, *arguments, sweeps=3):
    """The largest deviation of ``sweeps`` NumPy-version sweeps of ``kernel``
    from the kernel's, and how many sweeps went by runs (``runs``: a list
    that counts them)."""

    def counted(*inner):
        runs.append(1)
        return by_runs(*inner)

    by_runs = cd._by_runs
    monkeypatch.setattr(cd, "_by_runs", counted)
    ours, theirs = copy.deepcopy(arguments), copy.deepcopy(arguments)
    worst = 0.0
    for _ in range(sweeps):
        expected = kernel(*theirs)
        got = _version(kernel)(*ours)
        pairs = list(zip(_arrays(ours), _arrays(theirs), strict=True))
        pairs.append((np.float64(got), np.float64(expected)))
        worst = max([worst] + [relative_deviation(a, b) for a, b in pairs])
    return worst


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("l1", [0.5, 2.0, 8.0])
def test_a_sweep_by_runs_is_the_sweep(dtype, weighted, positive, l1, monkeypatch):
    """Over an increasing order of mostly zero coefficients the NumPy
    versions sweep by runs (cd._by_runs): what the kernels compute, on each
    layout, from zero and from a few non-zeros, with moves in the middle of
    runs (larger l1: fewer)."""
    rng = np.random.default_rng(5)
    X, y = _wide_sparse(rng, dtype)
    n_samples, n_features = X.shape
    factor = _factor(n_features, rng).astype(dtype) if weighted else None
    rtol = 1e-4 if dtype == np.float32 else 1e-11
    l1, l2 = dtype(l1), dtype(0.1)
    order = np.flatnonzero(rng.random(n_features) < 0.9)  # increasing, with gaps
    x_mean = np.asarray(X.mean(axis=0)).ravel()
    sparse = SparseLayout(X, y - y.mean(), np.ones(n_samples), x_mean, None, factor)
    dense_X = np.asfortranarray(X.toarray() - x_mean)
    dense = DenseLayout(dense_X, y - y.mean(), factor)
    gram = GramLayout(dense_X.T @ dense_X, dense_X.T @ (y - y.mean()), 1.0, factor)
    for w in (np.zeros(n_features, dtype), _few(rng, n_features, dtype)):
        runs = []
        tail = (w, l1, l2, positive, order)
        kernels = (
            (cd.cd_sweep_sparse, (sparse.problem, sparse.start(w), *tail)),
            (cd.cd_sweep_gram, (gram.problem, gram.start(w), *tail)),
            (
                cd.cd_sweep_dense,
                (
                    dense_X,
                    dense.start(w)[0],
                    w,
                    dense.col_norms2,
                    l1,
                    l2,
                    positive,
                    order,
                    factor,
                ),
            ),  # fmt: skip
        )
        for kernel, arguments in kernels:
            deviation = _sweeps_by_runs(kernel, runs, monkeypatch, *arguments)
            assert deviation <= rtol, kernel
        # Most sweeps went by runs; at the smallest l1 the support outgrows
        # cd.RUNS_MAX_BUSY after the first sweep from zero.
        assert len(runs) >= (3 * len(kernels) - 1 if l1 >= 2 else len(kernels))


def _few(rng, n_features, dtype):
    w = np.zeros(n_features, dtype)
    w[rng.choice(n_features, 12, replace=False)] = rng.standard_normal(12)
    w[7] = 0
    return w


def test_sweeps_by_runs_only_where_they_may_pay():
    """Short, unordered or mostly non-zero: coordinate by coordinate."""
    order = np.arange(300)
    w = np.zeros(300)
    assert cd._runs_pay(order, w) == []
    assert cd._runs_pay(order[:100], w) is None  # fewer than RUNS_MIN_COORDINATES
    assert cd._runs_pay(order[::-1].copy(), w) is None
    w[:51] = 1.0  # more than RUNS_MAX_BUSY of them non-zero
    assert cd._runs_pay(order, w) is None
    w[10:51] = 0.0
    assert cd._runs_pay(order, w) == list(range(10))
