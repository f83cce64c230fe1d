"""Centering and sample-weight handling shared by estimators and paths.

Dense ``X`` is copied, centered and multiplied by ``sqrt(sample_weight)`` so the
sweeps run on a plain least-squares problem.  Sparse ``X`` is never densified
or modified: its (weighted) column means are returned and the sparse kernels
center implicitly.  The caller's arrays are never written to.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.sparsefuncs import mean_variance_axis


def rescale_sample_weight(sample_weight, n_samples):
    """Rescale weights to sum to ``n_samples``, as scikit-learn's ElasticNet does.

    The objective ``1/2 average(r^2, weights=sw) + alpha * penalty`` does not
    change, and the unweighted scaling ``alpha * n_samples`` stays valid.
    """
    total = np.sum(sample_weight)
    if not total > 0:
        raise ValueError(
            f"sample_weight must have a positive sum, got sum(sample_weight)={total!r}"
        )
    return sample_weight * (n_samples / total)


def center_and_weight(X, y, sample_weight, fit_intercept, center_dense=True):
    """Return ``(X_work, y_work, X_offset, y_offset)``.

    ``y_work`` is always a new array (centered when ``fit_intercept``); dense
    ``X_work`` is a new Fortran array when centering or weighting is needed and
    ``X`` itself otherwise (it is then only read).  With ``center_dense``
    False (no sample weights), dense ``X`` is left uncentered as well, for
    a layout that centers implicitly by ``X_offset`` (``make_layouts`` with
    ``centered=False``).
    """
    dtype = X.dtype
    n_features = X.shape[1]
    if fit_intercept:
        if sp.issparse(X) and X.format == "csc":
            # Column sums as one product with the weights (CSR's matvec, in
            # float64): mean_variance_axis also computes variances and costs
            # 5-10x more; a kernel of its own was no faster (20000x50000 at
            # density 1e-3: 0.95 ms, X'w 0.76-0.80 ms) and cost 0.23 s of
            # compilation in a first sparse fit (issue 13).
            weights = np.ones(X.shape[0]) if sample_weight is None else sample_weight
            col_sums = X.T @ np.asarray(weights, dtype=np.float64)
            total = X.shape[0] if sample_weight is None else np.sum(sample_weight)
            X_offset = (col_sums / total).astype(dtype)
        elif sp.issparse(X):
            X_offset, _ = mean_variance_axis(X, axis=0, weights=sample_weight)
            X_offset = np.asarray(X_offset, dtype=dtype)
        else:
            X_offset = np.average(X, axis=0, weights=sample_weight).astype(dtype)
        y_offset = np.average(y, axis=0, weights=sample_weight).astype(dtype)
        y_work = np.asarray(y - y_offset, dtype=dtype)
    else:
        X_offset = np.zeros(n_features, dtype=dtype)
        y_offset = np.zeros(y.shape[1:], dtype=dtype)[()]
        y_work = np.array(y, dtype=dtype, copy=True)
    if sp.issparse(X):
        return X, y_work, X_offset, y_offset
    if not center_dense and sample_weight is None:
        return np.asfortranarray(X), y_work, X_offset, y_offset
    if fit_intercept:
        X_work = np.asfortranarray(X - X_offset)
    else:
        X_work = X
    if sample_weight is not None:
        root = np.sqrt(sample_weight).astype(dtype)
        if X_work is X:
            X_work = np.asfortranarray(X * root[:, None])
        else:
            X_work *= root[:, None]
        y_work *= root if y_work.ndim == 1 else root[:, None]
    return np.asfortranarray(X_work), y_work, X_offset, y_offset


def check_gram(gram, X_work, dtype):
    """Validate a user Gram matrix against the processed design.

    First scikit-learn's check, with its tolerances and message: one entry
    ``(f1, f1 + 1)``, ``f1 = n_features // 2``, to ``rtol=1e-7`` (``1e-4`` when
    either side is float32) and ``atol=1e-5``.  Then a few whole columns at
    ``rtol=1e-4``, which catches a matrix that is wrong elsewhere (scikit-learn
    would silently fit the wrong problem) while accepting any Gram computed
    from the same data in another summation order.
    """
    gram = np.asarray(gram)
    n_features = X_work.shape[1]
    if gram.shape != (n_features, n_features):
        raise ValueError(
            "precompute must be a Gram matrix of shape (n_features, n_features) = "
            f"({n_features}, {n_features}), got shape {gram.shape}"
        )
    f1 = n_features // 2
    f2 = min(f1 + 1, n_features - 1)
    expected = np.dot(X_work[:, f1], X_work[:, f2])
    actual = gram[f1, f2]
    rtol = max(1e-4 if dt == np.float32 else 1e-7 for dt in (gram.dtype, dtype))
    if not np.isclose(expected, actual, rtol=rtol, atol=1e-5):
        raise ValueError(
            "Gram matrix passed in via 'precompute' parameter did not pass "
            "validation when a single element was checked - please check that "
            f"it was computed properly. For element ({f1},{f2}) we computed "
            f"{expected} but the user-supplied value was {actual}."
        )
    probe = np.unique(np.array([0, f1, n_features - 1]))
    expected = X_work.T @ X_work[:, probe]
    scale = max(float(np.max(np.abs(expected))), 1.0)
    if not np.allclose(gram[:, probe], expected, rtol=1e-4, atol=1e-6 * scale):
        raise ValueError(
            "Gram matrix passed in via 'precompute' parameter did not pass "
            f"validation: its columns {probe.tolist()} do not match X' X of the "
            "(centered, weighted) training data; please check that it was "
            "computed properly."
        )
    return np.ascontiguousarray(gram, dtype=dtype)


# Wide sparse data (text, one-hot encodings, a CV fold of them) often has
# columns with no stored entry; such a column is zero after centering, so its
# coefficient never moves.  At or above this fraction of empty columns the
# solver runs on the stored columns only: every per-feature loop of CD (gap,
# screening, working-set ranking) then skips them, at the cost of one copy of
# X's stored entries (200x100000 at density 1e-3, 82% empty: see the issue 12
# notes).
EMPTY_COLUMNS_TO_COMPACT = 0.25


def stored_columns(csc, x_offset):
    """Columns of ``csc`` that are not zero once centered, or None to keep all.

    A column without entries is zero after centering unless its offset is
    not zero (an offset the caller gave, not the column's own mean).
    """
    needed = (np.diff(csc.indptr) > 0) | (np.asarray(x_offset) != 0)
    n_needed = np.count_nonzero(needed)
    n_features = needed.shape[0]
    if n_needed == 0 or n_features - n_needed < EMPTY_COLUMNS_TO_COMPACT * n_features:
        return None
    return np.flatnonzero(needed)


# Implicit centering of a Gram matrix subtracts n * mean_j * mean_k from
# the raw x_j'x_k; it is used while every centered squared column norm keeps
# at least this fraction of the raw one, so the rounding of the difference
# stays below 1e4 * eps relative (else X is centered by a copy, as usual).
IMPLICIT_CENTERING_MIN_FRACTION = 1e-4


def _implicit_centering(raw_norms2, x_offset, n_samples):
    """``(x_mean, centered squared norms)`` for implicit centering, or Nones.

    The centered norms are the raw ones minus ``n * mean**2``: the rounding
    of that difference stays below ``eps / IMPLICIT_CENTERING_MIN_FRACTION``
    relative while every column keeps that fraction of its raw norm; else
    ``X`` must be centered by a copy.
    """
    raw_norms2 = np.asarray(raw_norms2, dtype=np.float64)
    norms2 = raw_norms2 - n_samples * x_offset.astype(np.float64) ** 2
    if np.all(norms2 >= IMPLICIT_CENTERING_MIN_FRACTION * raw_norms2):
        return x_offset, norms2.astype(x_offset.dtype)
    return None, None


def _alpha_ratio(Xy, l1, penalty_factor):
    """``alpha_max / alpha`` of a fit with L1 penalty ``l1`` (``inf`` for None
    or 0), from ``Xy`` (``X'y``, one column per target; the largest ratio of
    the targets): ``max_j |x_j'y| / pf_j`` over penalized features, over
    ``l1``."""
    if l1 is None or l1 <= 0:
        return np.inf
    correlations = np.abs(np.asarray(Xy, dtype=np.float64)).reshape(len(Xy), -1)
    if penalty_factor is not None:
        penalized = penalty_factor > 0
        correlations = correlations[penalized] / penalty_factor[penalized, None]
    if correlations.size == 0:
        return np.inf
    return float(correlations.max()) / float(l1)


def make_layouts(
    X_work,
    y_work,
    sample_weight,
    X_offset,
    precompute,
    Xy=None,
    centered=True,
    penalty_factor=None,
    l1=None,
):
    """Build one solver layout per target column of ``y_work`` (2-D).

    ``centered=False``: dense ``X_work`` is the caller's uncentered (and
    unweighted) ``X`` and ``X_offset`` its column means
    (``center_and_weight(..., center_dense=False)``).  A Gram layout then
    centers its rows implicitly instead of copying ``X``; a dense layout gets
    the centered copy.  ``penalty_factor`` (validated, or None for all ones)
    is shared by every target.  ``l1`` is the L1 penalty of a single fit
    (times the weighted number of samples), or None for a path: where the
    strategy leaves covariance mode to the alpha
    (:func:`~skreg.linear_model._strategy.gram_pays`), it decides.
    """
    # Imported here: the layouts import the kernels and numba, which
    # ``import skreg`` and ``from skreg import Lasso`` do not load.
    from skreg._kernels.problems import SparseProblem
    from skreg._quick_start import densifies, family_key
    from skreg.linear_model._layouts import (
        DenseLayout,
        GramLayout,
        SparseLayout,
        densified_layout,
    )
    from skreg.linear_model._strategy import (
        COLD_SWEEP_MAX_COUPLING,
        GRAM_IF_SMALL_ALPHA,
        coupling_of,
        gram_pays,
        resolve_precompute,
        weakly_coupled_tall_shape,
    )

    dtype = X_work.dtype
    n_samples, n_features = X_work.shape
    if sp.issparse(X_work):
        sw = (
            np.ones(n_samples, dtype=dtype)
            if sample_weight is None
            else np.ascontiguousarray(sample_weight, dtype=dtype)
        )
        factors = penalty_factor is not None
        if densifies(SparseProblem, dtype, factors, n_samples, n_features):
            sparse_family = family_key(SparseProblem, dtype, factors)
            return [
                densified_layout(
                    X_work,
                    y_work[:, k],
                    sw,
                    np.asarray(X_offset, dtype=dtype),
                    penalty_factor,
                    sparse_family,
                )
                for k in range(y_work.shape[1])
            ]
        csc = X_work.tocsc()
        csc.sort_indices()
        columns = stored_columns(csc, X_offset)
        if columns is not None:
            csc = csc[:, columns]
            X_offset = np.asarray(X_offset)[columns]
            if penalty_factor is not None:
                penalty_factor = penalty_factor[columns]
        return [
            SparseLayout(
                csc,
                np.ascontiguousarray(y_work[:, k]),
                sw,
                X_offset,
                columns,
                penalty_factor=penalty_factor,
            )
            for k in range(y_work.shape[1])
        ]
    precompute = resolve_precompute(precompute, n_samples, n_features, False)
    design_coupling = None
    if isinstance(precompute, str) and precompute == GRAM_IF_SMALL_ALPHA:
        # X'y of the centered problem: an uncentered X times a centered y is
        # that too.  Kept for the Gram layout.
        Xy = X_work.T @ y_work if Xy is None else Xy
        precompute = gram_pays(n_features, _alpha_ratio(Xy, l1, penalty_factor))
        if precompute and l1 is not None and weakly_coupled_tall_shape(*X_work.shape):
            # A single fit: not on weakly coupled designs (plain_suits).
            offset = 0.0 if centered else np.asarray(X_offset)

            def block(features):
                columns = X_work[:, features] - (0.0 if centered else offset[features])
                return columns.T @ columns

            design_coupling = coupling_of(Xy, block)
            precompute = design_coupling >= COLD_SWEEP_MAX_COUPLING
    x_mean = norms2 = raw_gram = None
    if not centered:
        X_offset = np.ascontiguousarray(X_offset, dtype=dtype)
        if precompute is True:
            # The raw Gram matrix holds the raw norms on its diagonal (and is
            # computed again from a centered copy in the rare case that
            # cancels: a mean of 100 times a column's spread).
            raw_gram = np.ascontiguousarray(X_work.T @ X_work)
            x_mean, norms2 = _implicit_centering(np.diag(raw_gram), X_offset, n_samples)
        if x_mean is None:
            X_work = np.asfortranarray(X_work - X_offset)
            raw_gram = None
    if precompute is False or precompute is None:
        layouts = [
            DenseLayout(X_work, np.ascontiguousarray(y_work[:, k]), penalty_factor)
            for k in range(y_work.shape[1])
        ]
        if design_coupling is not None:
            # What the strategy read to decide, kept for plain_suits (no
            # second X'y pass; see _strategy.coupling).
            xty = np.asarray(Xy, dtype=np.float64).reshape(n_features, -1)
            for k, layout in enumerate(layouts):
                layout._coupling = design_coupling
                layout._xty = xty[:, k]
        return layouts
    if Xy is None:
        Xy = X_work.T @ y_work
    Xy = np.asarray(Xy, dtype=dtype).reshape(n_features, -1)
    y_norms2 = np.einsum("ij,ij->j", y_work, y_work)
    if precompute is True:
        gram = raw_gram
        if gram is None:
            gram = np.ascontiguousarray(X_work.T @ X_work)
        if x_mean is not None:
            # Implicit centering: X_c'X_c = X'X - n mean mean', the diagonal
            # the centered norms the sweeps read.
            gram -= n_samples * np.outer(x_mean, x_mean)
            gram[np.diag_indices(n_features)] = norms2
    else:
        gram = precompute
    return [
        GramLayout(gram, Xy[:, k], y_norms2[k], penalty_factor=penalty_factor)
        for k in range(y_work.shape[1])
    ]
