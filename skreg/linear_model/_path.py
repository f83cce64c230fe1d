"""``enet_path`` and ``lasso_path``: the elastic net along a grid of alphas.

Signatures, defaults, deprecations and return values are scikit-learn's
(1.9).  Each alpha is solved by :func:`skreg.linear_model._cd_solver.solve_enet`
warm-started from the previous solution.
"""

import sys
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_consistent_length, check_random_state

from skreg._fast_validation import check_array, validate_params
from skreg._sklearn import Hidden, Interval, StrOptions
from skreg._validation import check_penalty_factor
from skreg.linear_model._alpha_grid import alpha_grid
from skreg.linear_model._preprocess import check_gram, make_layouts

_PATH_PARAMS = {
    "X": ["array-like", "sparse matrix"],
    "y": ["array-like", "sparse matrix"],
    "eps": [Interval(Real, 0, None, closed="neither")],
    "n_alphas": [
        Interval(Integral, 1, None, closed="left"),
        Hidden(StrOptions({"deprecated"})),
    ],
    "alphas": [
        Interval(Integral, 1, None, closed="left"),
        "array-like",
        None,
        Hidden(StrOptions({"warn"})),
    ],
    "precompute": [StrOptions({"auto"}), "boolean", "array-like"],
    "Xy": ["array-like", None],
    "copy_X": ["boolean"],
    "coef_init": ["array-like", None],
    "verbose": ["verbose"],
    "return_n_iter": ["boolean"],
    "positive": ["boolean"],
    "penalty_factor": ["array-like", None],
}


def _resolve_alphas(n_alphas, alphas):
    """Apply scikit-learn 1.9's deprecation of ``n_alphas`` and ``alphas=None``."""
    resolved = 100
    if n_alphas != "deprecated":
        warnings.warn(
            "'n_alphas' was deprecated in 1.9 and will be removed in 1.11. "
            "'alphas' now accepts an integer value which removes the need to pass "
            "'n_alphas'. The default value of 'alphas' will change from None to "
            "100 in 1.11. Pass an explicit value to 'alphas' and leave 'n_alphas' "
            "to its default value to silence this warning.",
            FutureWarning,
            stacklevel=3,
        )
        resolved = n_alphas
    if isinstance(alphas, str) and alphas == "warn":
        pass
    elif alphas is None:
        warnings.warn(
            "'alphas=None' is deprecated and will be removed in 1.11, at which "
            "point the default value will be set to 100. Set 'alphas=100' "
            "to silence this warning.",
            FutureWarning,
            stacklevel=3,
        )
    else:
        resolved = alphas
    return resolved


@validate_params(
    {
        **_PATH_PARAMS,
        "l1_ratio": [Interval(Real, 0.0, 1.0, closed="both")],
        "check_input": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def enet_path(
    X,
    y,
    *,
    l1_ratio=0.5,
    eps=1e-3,
    n_alphas="deprecated",
    alphas="warn",
    precompute="auto",
    Xy=None,
    copy_X=True,
    coef_init=None,
    verbose=False,
    return_n_iter=False,
    positive=False,
    check_input=True,
    penalty_factor=None,
    **params,
):
    """Compute the elastic net path with coordinate descent.

    For each alpha the objective is::

        1 / (2 * n_samples) * ||y - Xw||^2_2
        + alpha * l1_ratio * sum_j pf_j |w_j|
        + 0.5 * alpha * (1 - l1_ratio) * sum_j pf_j w_j^2

    with ``pf`` the ``penalty_factor`` (all ones by default).

    No intercept is fitted: center ``X`` and ``y`` beforehand (or pass
    ``X_offset`` for sparse ``X``, as the estimators do).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,)
        Target values.
    l1_ratio : float, default=0.5
        Mixing parameter between L1 (1) and L2 (0) penalties.
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    n_alphas : int, default=100
        Deprecated as in scikit-learn 1.9: pass an integer ``alphas`` instead.
    alphas : array-like or int, default=None
        The alphas, or how many to place on the automatic grid.
    precompute : 'auto', bool or array-like of shape (n_features, n_features), \
            default='auto'
        Whether to use covariance mode (``'auto'`` does when
        ``n_samples > n_features``), or the Gram matrix itself.
    Xy : array-like of shape (n_features,), default=None
        ``X' y``, used with a precomputed Gram matrix.
    copy_X : bool, default=True
        Kept for compatibility; ``X`` is never written to.
    coef_init : array-like of shape (n_features,), default=None
        Initial coefficients.
    verbose : bool or int, default=False
        Progress, as in scikit-learn: 1 writes a dot per alpha to stderr; 2
        and more print one line per alpha with its index, the alpha, the
        certified duality gap against its tolerance and the number of sweeps.
    return_n_iter : bool, default=False
        Whether to return the number of sweeps per alpha.
    positive : bool, default=False
        Force the coefficients to be non-negative.
    check_input : bool, default=True
        Validate ``X``, ``y``, ``Xy`` and the Gram matrix.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multiplier of both penalty terms (glmnet's
        ``penalty.factor``, not rescaled); None means all ones, 0 leaves a
        feature unpenalized. The automatic grid then starts at the smallest
        alpha at which every penalized coefficient is zero. Not supported
        with 2-D ``y`` (the multi-task path).
    **params : kwargs
        ``tol``, ``max_iter``, ``random_state``, ``selection``,
        ``sample_weight`` (sparse ``X``), ``X_offset`` and ``X_scale``
        (implicit centering of sparse ``X``), ``do_screening``, and
        ``path_gap``: each solve's duality gap must also be at most
        ``path_gap * tol`` times its primal objective (default
        ``LOOSE_PATH_GAP``: ``tol * ||y||^2`` alone decides, scikit-learn's
        rule; LassoCV and ElasticNetCV ask for ``PATH_GAP``, see below), and
        ``loose_support`` (default None): alphas
        whose warm start has more than ``loose_support * n_samples``
        non-zeros are solved to ``tol * ||y||^2`` only (LassoCV's first
        stage, see :mod:`skreg.linear_model._cv_refine`).

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas along the path, in decreasing order.
    coefs : ndarray of shape (n_features, n_alphas)
        Coefficients along the path.
    dual_gaps : ndarray of shape (n_alphas,)
        The certified duality gaps at the end of optimization for each alpha.
    n_iters : list of int
        Number of sweeps per alpha (only when ``return_n_iter=True``).

    See Also
    --------
    lasso_path : The ``l1_ratio=1`` case.
    sklearn.linear_model.enet_path : The function whose contract this follows.

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import enet_path
    >>> X = np.array([[1.0, 2.0, 3.1], [2.3, 5.4, 4.3]]).T
    >>> y = np.array([1.0, 2.0, 3.1])
    >>> alphas, coefs, gaps = enet_path(X, y, alphas=[5.0, 1.0, 0.5])
    >>> coefs.shape
    (2, 3)
    """
    requested = _resolve_alphas(n_alphas, alphas)
    x_offset = params.pop("X_offset", None)
    x_scale = params.pop("X_scale", None)
    sample_weight = params.pop("sample_weight", None)
    tol = params.pop("tol", 1e-4)
    max_iter = params.pop("max_iter", 1000)
    random_state = params.pop("random_state", None)
    selection = params.pop("selection", "cyclic")
    do_screening = params.pop("do_screening", True)
    path_gap = float(params.pop("path_gap", LOOSE_PATH_GAP))
    loose_support = params.pop("loose_support", None)
    if params:
        raise ValueError("Unexpected parameters in params", params.keys())
    if selection not in ("random", "cyclic"):
        raise ValueError("selection should be either random or cyclic.")

    if check_input:
        X = check_array(
            X,
            accept_sparse="csc",
            dtype=[np.float64, np.float32],
            order="F",
            copy=False,
            input_name="X",
        )
        y = check_array(
            y,
            accept_sparse="csc",
            dtype=X.dtype.type,
            order="F",
            copy=False,
            ensure_2d=False,
            input_name="y",
        )
        check_consistent_length(X, y)
        if Xy is not None:
            Xy = check_array(
                Xy, dtype=X.dtype.type, order="C", copy=False, ensure_2d=False
            )
    else:
        _check_kernel_dtype(X)
    if sp.issparse(y):
        y = y.toarray()
    y = np.asarray(y)
    dtype = X.dtype
    n_samples, n_features = X.shape
    penalty_factor = check_penalty_factor(penalty_factor, n_features)
    if y.ndim != 1 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        if penalty_factor is not None:
            raise ValueError(
                "penalty_factor is not supported with 2-D y (the multi-task "
                "path); fit one target at a time, or use Lasso/ElasticNet, "
                "which apply the same penalty_factor to every target."
            )
        if positive:
            raise ValueError(
                "positive=True is not allowed for multi-output (y.ndim != 1)"
            )
        return _multitask_path(
            X,
            y,
            l1_ratio=l1_ratio,
            eps=eps,
            requested=requested,
            Xy=Xy,
            coef_init=coef_init,
            verbose=verbose,
            return_n_iter=return_n_iter,
            tol=tol,
            max_iter=max_iter,
            random_state=random_state,
            selection=selection,
            sample_weight=sample_weight,
            x_mean=_sparse_x_mean(X, x_offset, x_scale),
        )
    X_is_sparse = sp.issparse(X)
    if X_is_sparse:
        precompute = False
        x_mean = _sparse_x_mean(X, x_offset, x_scale)
    else:
        x_mean = np.zeros(n_features)
        if hasattr(precompute, "__array__") and check_input:
            precompute = check_gram(precompute, X, dtype)
        if isinstance(precompute, str) and precompute == "auto":
            precompute = n_samples > n_features
    if X_is_sparse and sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=dtype)
    else:
        # Dense data arrives already multiplied by sqrt(sample_weight).
        sample_weight = None

    (layout,) = make_layouts(
        X,
        np.asarray(y, dtype=dtype).reshape(n_samples, 1),
        sample_weight,
        x_mean.astype(dtype),
        precompute,
        Xy=Xy,
        penalty_factor=penalty_factor,
    )
    if isinstance(requested, Integral):
        path_alphas = alpha_grid(
            X,
            y,
            Xy=layout.xty if hasattr(layout, "xty") else None,
            l1_ratio=l1_ratio,
            fit_intercept=False,
            eps=eps,
            n_alphas=requested,
            positive=positive,
            sample_weight=sample_weight,
            penalty_factor=penalty_factor,
        )
    else:
        path_alphas = np.sort(np.asarray(requested, dtype=np.float64).ravel())[::-1]
    coef = (
        np.zeros(n_features, dtype=dtype)
        if coef_init is None
        else np.array(coef_init, dtype=dtype).ravel()
    )
    n_weight = n_samples if sample_weight is None else float(np.sum(sample_weight))
    coefs, dual_gaps, n_iters = solve_path(
        layout,
        coef,
        path_alphas,
        l1_ratio,
        n_weight,
        n_samples,
        tol=tol,
        max_iter=max_iter,
        positive=positive,
        rng=check_random_state(random_state),
        random=selection == "random",
        screening=do_screening,
        path_gap=path_gap,
        loose_support=loose_support,
        verbose=verbose,
    )
    if return_n_iter:
        return path_alphas, coefs, dual_gaps, n_iters
    return path_alphas, coefs, dual_gaps


# Along a path each alpha is warm-started from the previous solution, whose
# gap at the new alpha is often already below tol * ||y||^2: next to ||y||^2
# the objective changes little between neighbouring alphas once the model fits
# well.  Stopping there leaves the coefficients where they were, and LassoCV's
# held-out error becomes a staircase; and even solutions that moved are too
# coarse to rank neighbouring alphas by held-out error.  So every path makes
# one sweep at least at each alpha, as scikit-learn's solver always does, and
# the paths of LassoCV and ElasticNetCV ask each solve for a gap of at most
# PATH_GAP * tol times its primal objective too (within 100x of
# tol * ||y||^2; issue 14, D10).  On make_regression problems from 50x100 to
# 1000x1500, LassoCV(cv=8) then chooses within one grid step of its tol=1e-8
# choice (it was 10 steps off on 60x150); measured in the closing note of
# that issue.
PATH_GAP = 10.0
# A ``path_gap`` large enough that ``tol * ||y||^2`` decides (one sweep is
# still made): scikit-learn's rule, the default of enet_path and lasso_path.
# Called directly they stop by scikit-learn's rule at the same tol; with
# PATH_GAP they solved the alphas near interpolation up to 100x tighter, and
# at the default tol=1e-4 ran at 0.85-4.3x scikit-learn's speed (text-like
# 1000x3000 CSC to 0.85x), 1.14-9.8x with this rule (issue 12).
LOOSE_PATH_GAP = 1e30


def is_loose(n_nonzero, n_samples, loose_support):
    """Whether a warm start with ``n_nonzero`` non-zeros is solved loosely.

    Near interpolation (a support of the order of ``n_samples``) the solves
    converge slowly and are rarely the chosen model; a staged CV search
    solves them loosely first (:mod:`skreg.linear_model._cv_refine`).
    """
    return n_nonzero > loose_support * n_samples


def solve_path(
    layout,
    coef,
    path_alphas,
    l1_ratio,
    n_weight,
    n_samples,
    *,
    tol,
    max_iter,
    positive,
    rng,
    random,
    screening,
    path_gap,
    loose_support=None,
    verbose=False,
    warn=True,
):
    """Solve ``layout`` at each alpha of ``path_alphas``, warm-started.

    ``coef`` is the warm start of the first alpha, updated in place.  The
    penalties are ``alpha * l1_ratio * n_weight`` and ``alpha * (1 - l1_ratio)
    * n_weight``; gaps are reported per ``n_samples``.  See :func:`enet_path`
    for ``path_gap`` (no default: each caller states its stopping rule,
    ``LOOSE_PATH_GAP``, ``PATH_GAP`` or 0 for single fits) and
    ``loose_support``.  ``warn=False``: no
    ``ConvergenceWarning`` (a caller that reports its own).

    Returns
    -------
    coefs : ndarray of shape (n_features, n_alphas)
    dual_gaps : ndarray of shape (n_alphas,)
    n_iters : list of int
    """
    from skreg.linear_model._cd_solver import decide_interpreted_path, solve_enet

    n_path = len(path_alphas)
    n_features = coef.shape[0]
    # Zeros, then each alpha writes its support only: writing whole columns
    # of a (p, n_alphas) array costs more than the solves on wide data.
    coefs = np.zeros((n_features, n_path), dtype=coef.dtype)
    dual_gaps = np.empty(n_path)
    n_iters = []
    columns = layout.columns
    work = coef
    if columns is not None:
        # Warm-start values of columns the solver left out never change.
        nonzero = np.flatnonzero(coef)
        if nonzero.size:  # np.setdiff1d sorts columns even for nothing
            frozen = np.setdiff1d(nonzero, columns)
            coefs[frozen] = coef[frozen, None]
        # The solves update the layout's columns only (no O(n_features)
        # gather and scatter per alpha); coef gets them back at the end.
        work = coef[columns]
    options = dict(max_iter=max_iter, tol=tol, positive=positive, screening=screening)
    kernel = _path_kernel(layout, path_alphas, l1_ratio, random, loose_support)
    if kernel is not None:
        _solve_path_in_kernel(
            kernel,
            layout,
            work,
            path_alphas,
            l1_ratio,
            n_weight,
            n_samples,
            coefs=coefs,
            dual_gaps=dual_gaps,
            n_iters=n_iters,
            options=options,
            path_gap=path_gap * tol,
            loose_support=loose_support,
            verbose=verbose,
            warn=warn,
        )
        if columns is not None:
            coef[columns] = work
        return coefs, dual_gaps, n_iters
    decide_interpreted_path(
        layout, path_alphas * l1_ratio * n_weight,
        path_alphas * (1.0 - l1_ratio) * n_weight, max_iter, random,
    )  # fmt: skip
    warm_stats = warm_state = buffers = None
    warm_support = np.count_nonzero(coef)
    for i, alpha in enumerate(path_alphas):
        relative_gap = path_gap
        if loose_support is not None and is_loose(
            warm_support, n_samples, loose_support
        ):
            relative_gap = LOOSE_PATH_GAP
        result = solve_enet(
            layout,
            work,
            alpha * l1_ratio * n_weight,
            alpha * (1.0 - l1_ratio) * n_weight,
            **options,
            rng=rng,
            random=random,
            warm_stats=warm_stats,
            warm_state=warm_state,
            path_gap=relative_gap * tol,
            buffers=buffers,
            columns_only=True,
            warn=warn,
        )
        warm_stats, warm_state = result.stats, result.state
        buffers = result.buffers
        support = result.support
        warm_support = support.size
        coefs[support if columns is None else columns[support], i] = work[support]
        dual_gaps[i] = result.gap / n_samples
        n_iters.append(result.n_iter)
        tol_i = result.tol / n_samples
        _report_progress(verbose, i, n_path, alpha, dual_gaps[i], tol_i, result.n_iter)
    if columns is not None:
        coef[columns] = work
    return coefs, dual_gaps, n_iters


def _path_kernel(layout, path_alphas, l1_ratio, random, loose_support):
    """The kernel that runs the path's alpha loop, or None (a loop in Python).

    That is :func:`~skreg.linear_model._cd_solver.working_set_path_kernel`
    or :func:`~skreg.linear_model._cd_solver.plain_path_kernel`, whichever
    :func:`~skreg.linear_model._cd_solver.solve_enet` would run at every
    alpha: cyclic CD of a lasso-type penalty at positive alphas; plain CD's
    kernel has no staged search (``loose_support``).
    """
    from skreg.linear_model._cd_solver import (
        plain_path_kernel,
        strong_path_kernel,
        uses_working_set,
        working_set_path_kernel,
    )
    from skreg.linear_model._strategy import strong_rule_path

    if random or l1_ratio <= 0 or not bool(np.all(path_alphas > 0)):
        return None
    if uses_working_set(layout, 1.0, random):
        if loose_support is None and strong_rule_path(layout):
            return strong_path_kernel
        return working_set_path_kernel
    return plain_path_kernel if loose_support is None else None


def _solve_path_in_kernel(
    kernel,
    layout,
    work,
    path_alphas,
    l1_ratio,
    n_weight,
    n_samples,
    *,
    coefs,
    dual_gaps,
    n_iters,
    options,
    path_gap,
    loose_support,
    verbose,
    warn=True,
):
    """:func:`solve_path` with the alpha loop in ``kernel`` (see
    :func:`_path_kernel`).

    The kernel stops at an alpha where Newton steps on the support are due
    (it crawls).  Plain CD's kernel then goes on from that alpha after the
    steps; the working-set kernel would move the next alphas' warm starts
    from the stepped one, so :func:`~skreg.linear_model._cd_solver.solve_enet`
    finishes that alpha and the kernel goes on from the next.  The solves
    are those of the per-alpha loop, so are the results.  Fills ``coefs``
    (rows of the layout's ``columns``), ``dual_gaps`` and ``n_iters``;
    ``options`` are the keywords ``max_iter``, ``tol``, ``positive`` and
    ``screening`` of :func:`~skreg.linear_model._cd_solver.solve_enet`.
    """
    from skreg._kernels.cd_plain import NEWTON_N_ITER, NEWTON_TRUSTED
    from skreg.linear_model import _cd_solver
    from skreg.linear_model._cd_solver import (
        _path_outputs,
        cold_sweep,
        converged,
        new_bounds,
        new_buffers,
        new_newton_state,
        new_strong_work,
        newton_first_budget,
        solve_enet,
        strong_path_kernel,
        take_newton_steps,
        warn_if_unconverged,
        working_set_path_kernel,
    )

    n_path = path_alphas.shape[0]
    max_iter, tol = options["max_iter"], options["tol"]
    l1s = path_alphas * l1_ratio * n_weight
    l2s = path_alphas * (1.0 - l1_ratio) * n_weight
    path_gaps = np.full(n_path, path_gap)
    tol_scaled = tol * layout.y_norm2
    outputs = _path_outputs(n_path)
    gaps, sweeps = outputs
    newton = new_newton_state()

    def prepare(kernel):
        """``(working_set, first_budget, extra)`` of ``kernel``."""
        working_set = kernel is working_set_path_kernel
        first_budget = newton_first_budget(
            layout, l1s[0], working_set, path_gap, max_iter
        )
        extra = {}
        if working_set:
            extra = dict(
                stats=new_bounds(layout.col_norms2, layout.n_samples),
                buffers=new_buffers(layout.n_features, layout.n_samples, layout.dtype),
                cold=cold_sweep(layout),
            )
            if loose_support is not None:
                extra["loose"] = (loose_support * n_samples, LOOSE_PATH_GAP * tol)
        elif kernel is strong_path_kernel:
            # The strong and active sets go on after Newton steps.
            extra = dict(strong=new_strong_work(layout.n_features), reuse={})
        else:
            extra = dict(reuse={})  # the kernel's arguments, call after call
        return working_set, first_budget, extra

    working_set, first_budget, extra = prepare(kernel)
    # Plain CD's trust in its Newton steps: the alpha of the last step and the
    # sweeps it had made before it.
    trusted_budget = _cd_solver.TRUSTED_NEWTON_BUDGET
    plain_budget, last_step = first_budget, None
    state = layout.start(work)
    i = 0
    while i < n_path:
        stop, *_ = kernel(
            layout,
            state,
            work,
            l1s,
            l2s,
            start=i,
            **options,
            first_budget=first_budget,
            path_gaps=path_gaps,
            rows=layout.columns,
            coefs=coefs,
            newton=newton,
            outputs=outputs,
            **extra,
        )
        if verbose:
            # Printed as the path goes.
            for k in range(i, stop):
                if warn:
                    warn_if_unconverged(gaps[k], tol_scaled, l1s[k], int(sweeps[k]),
                                        max_iter, tol, 4)  # fmt: skip
                _record(verbose, k, n_path, path_alphas[k], gaps[k], int(sweeps[k]),
                        tol_scaled, n_samples, dual_gaps, n_iters)  # fmt: skip
        i = stop
        if i == n_path:
            break
        handed_over = kernel is strong_path_kernel and newton[NEWTON_N_ITER] < 0
        if handed_over:
            # Strong rules crawl at alpha i: the smaller alphas that follow
            # would crawl too (near interpolation), so working sets take the
            # rest of the path (alpha by alpha, a text-like 4000x20000 path
            # to alpha_max / 1000 at tol=1e-4 took 1.8 s; 1.2 s with working
            # sets throughout).
            kernel = working_set_path_kernel
            working_set, first_budget, extra = prepare(kernel)
        if not working_set:
            # Newton steps are due at alpha i: the kernel goes on from them.
            if kernel is not strong_path_kernel and trusted_budget > 0:
                # Trusted while the last step finished its alpha within
                # trusted_budget sweeps: the alphas from here on start with
                # that budget and may step after it (newton_step_budget).
                trusted = last_step is not None and last_step[0] < i
                if trusted:
                    spent_after = sweeps[last_step[0]] - last_step[1]
                    trusted = bool(spent_after <= trusted_budget)
                newton[NEWTON_TRUSTED] = trusted
                first_budget = plain_budget
                if trusted:
                    first_budget = min(trusted_budget, plain_budget)
                last_step = (i, int(newton[NEWTON_N_ITER]))
            state = take_newton_steps(
                layout, state, work, l1s[i], l2s[i], options["positive"], newton
            )
            continue
        # solve_enet finishes alpha i with working sets: the working-set
        # kernel's Newton hand-back, or strong rules that crawl.
        spent = int(sweeps[i]) if handed_over else 0
        result = solve_enet(
            layout,
            work,
            l1s[i],
            l2s[i],
            **{**options, "max_iter": max_iter - spent},
            working_set=True,
            warm_state=state,
            warm_stats=extra.get("stats"),
            buffers=extra.get("buffers"),
            path_gap=path_gaps[i],
            columns_only=True,
            newton=None if handed_over else newton,
            warn=False,
        )
        state = result.state
        support = result.support
        rows = support if layout.columns is None else layout.columns[support]
        coefs[rows, i] = work[support]
        # The alpha's record is now the driver's.
        gaps[i] = result.gap
        sweeps[i] = spent + result.n_iter
        if verbose:
            if warn:
                warn_if_unconverged(
                    result.gap, tol_scaled, l1s[i], result.n_iter, max_iter, tol, 4
                )
            _record(verbose, i, n_path, path_alphas[i], result.gap, result.n_iter,
                    tol_scaled, n_samples, dual_gaps, n_iters)  # fmt: skip
        i += 1
    if not verbose:
        # The same bookkeeping in NumPy, once for the whole path: alpha by
        # alpha in Python it was a sixth of a small path (500x50, 100 alphas:
        # 0.82-1.11 ms a path, 0.67-0.71 ms without it), and chunk by chunk
        # between Newton hand-backs 0.3-0.8 ms of a 400x100 equicorrelated
        # path's 4-9 ms (27 hand-backs).
        for k in np.flatnonzero(~converged(gaps, tol_scaled)) if warn else ():
            warn_if_unconverged(gaps[k], tol_scaled, l1s[k], int(sweeps[k]),
                                max_iter, tol, 4)  # fmt: skip
        dual_gaps[:] = gaps / n_samples
        n_iters.extend(sweeps.tolist())


def _record(verbose, i, n_path, alpha, gap, n_iter, tol_scaled, n_samples, gaps, iters):
    gaps[i] = gap / n_samples
    iters.append(n_iter)
    _report_progress(verbose, i, n_path, alpha, gaps[i], tol_scaled / n_samples, n_iter)


# The dtypes the kernels are compiled for; anything else would compile a new
# specialization (seconds) and then compute in the wrong type.
KERNEL_DTYPES = (np.float64, np.float32)


def _check_kernel_dtype(X):
    """Refuse, before any compilation, an ``X`` the kernels do not handle.

    ``check_input=False`` skips conversion, so ``X`` must already be what
    ``check_input=True`` would have made of it.  scikit-learn fails here with
    Cython's "No matching signature found"; skreg names ``X`` and the dtypes.
    """
    dtype = getattr(X, "dtype", None)
    if dtype is None or dtype not in KERNEL_DTYPES:
        shown = f"type {type(X).__name__}" if dtype is None else f"dtype {dtype}"
        raise TypeError(
            f"X has {shown}, but with check_input=False X must already be a "
            "float64 or float32 array (dense or sparse); convert it, e.g. "
            "X.astype(np.float64), or pass check_input=True."
        )


def _sparse_x_mean(X, x_offset, x_scale):
    """The implicit centering of sparse ``X`` (zeros when not given)."""
    if x_offset is None:
        return np.zeros(X.shape[1])
    return np.asarray(x_offset) / np.asarray(x_scale)


def _multitask_path(
    X,
    Y,
    *,
    l1_ratio,
    eps,
    requested,
    Xy,
    coef_init,
    verbose,
    return_n_iter,
    tol,
    max_iter,
    random_state,
    selection,
    sample_weight=None,
    x_mean=None,
):
    """The multi-task elastic net along the grid (2-D ``Y``).

    Sparse ``X`` is centered implicitly by ``x_mean`` and weighted by
    ``sample_weight``, as in the single-task path; dense ``X`` arrives
    centered and weighted already.
    """
    from skreg.linear_model._multitask_solver import (
        SparseMultitask,
        solve_multitask,
        solve_multitask_sparse,
    )

    dtype = X.dtype
    n_samples, n_features = X.shape
    if sp.issparse(X):
        X = X.tocsc()
        X.sort_indices()
        sw = (
            np.ones(n_samples, dtype=dtype)
            if sample_weight is None
            else np.ascontiguousarray(sample_weight, dtype=dtype)
        )
        problem = SparseMultitask(X, np.asarray(Y, dtype=dtype), sw, x_mean)
        n_weight = float(np.sum(sw))
    else:
        X = np.asfortranarray(X)
        sw, problem, n_weight = None, None, n_samples
    Y = np.asfortranarray(Y, dtype=dtype)
    n_tasks = Y.shape[1]
    if isinstance(requested, Integral):
        path_alphas = alpha_grid(
            X,
            Y,
            Xy=Xy,
            l1_ratio=l1_ratio,
            fit_intercept=False,
            eps=eps,
            n_alphas=requested,
            sample_weight=sw,
        )
    else:
        path_alphas = np.sort(np.asarray(requested, dtype=np.float64).ravel())[::-1]
    n_path = len(path_alphas)
    coefs = np.empty((n_tasks, n_features, n_path), dtype=dtype)
    dual_gaps = np.empty(n_path)
    n_iters = []
    W = (
        np.zeros((n_features, n_tasks), dtype=dtype)
        if coef_init is None
        else np.array(np.asarray(coef_init, dtype=dtype).T, order="C")
    )
    rng = check_random_state(random_state)
    for i, alpha in enumerate(path_alphas):
        penalties = (alpha * l1_ratio * n_weight, alpha * (1 - l1_ratio) * n_weight)
        options = dict(max_iter=max_iter, tol=tol, rng=rng)
        options["random"] = selection == "random"
        if problem is None:
            result = solve_multitask(X, Y, W, *penalties, **options)
        else:
            result = solve_multitask_sparse(problem, W, *penalties, **options)
        coefs[..., i] = W.T
        dual_gaps[i] = result.gap / n_samples
        n_iters.append(result.n_iter)
        tol_i = result.tol / n_samples
        _report_progress(verbose, i, n_path, alpha, dual_gaps[i], tol_i, result.n_iter)
    if return_n_iter:
        return path_alphas, coefs, dual_gaps, n_iters
    return path_alphas, coefs, dual_gaps


def _report_progress(verbose, index, n_path, alpha, gap, tol, n_iter):
    """scikit-learn's path progress: a dot per alpha, or a line with the gap.

    scikit-learn writes a dot to stderr at ``verbose=1`` and
    ``"Path: 000 out of 100"`` to stdout above; skreg keeps both and adds the
    alpha, the certified gap against its tolerance and the sweeps to the line.
    """
    if not verbose:
        return
    if verbose > 1:
        status = "ok" if gap <= tol else "NOT converged"
        print(
            f"Path: {index:03d} out of {n_path:03d}, alpha={alpha:.4e}, "
            f"dual gap={gap:.3e} (tol {tol:.3e}, {status}), sweeps={n_iter}"
        )
    else:
        sys.stderr.write(".")
        sys.stderr.flush()


@validate_params(_PATH_PARAMS, prefer_skip_nested_validation=True)
def lasso_path(
    X,
    y,
    *,
    eps=1e-3,
    n_alphas="deprecated",
    alphas="warn",
    precompute="auto",
    Xy=None,
    copy_X=True,
    coef_init=None,
    verbose=False,
    return_n_iter=False,
    positive=False,
    penalty_factor=None,
    **params,
):
    """Compute the Lasso path with coordinate descent.

    The objective at each alpha is ``(1 / (2 * n_samples)) * ||y - Xw||^2_2 +
    alpha * sum_j pf_j |w_j|`` (``pf`` the ``penalty_factor``, all ones by
    default); this is :func:`enet_path` with ``l1_ratio=1``.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,)
        Target values.
    eps : float, default=1e-3
        Length of the path: ``alpha_min / alpha_max = eps``.
    n_alphas : int, default=100
        Deprecated as in scikit-learn 1.9: pass an integer ``alphas`` instead.
    alphas : array-like or int, default=None
        The alphas, or how many to place on the automatic grid.
    precompute : 'auto', bool or array-like, default='auto'
        Whether to use covariance mode, or the Gram matrix itself.
    Xy : array-like of shape (n_features,), default=None
        ``X' y``, used with a precomputed Gram matrix.
    copy_X : bool, default=True
        Kept for compatibility; ``X`` is never written to.
    coef_init : array-like of shape (n_features,), default=None
        Initial coefficients.
    verbose : bool or int, default=False
        Progress, as in scikit-learn: 1 writes a dot per alpha to stderr; 2
        and more print one line per alpha with its index, the alpha, the
        certified duality gap against its tolerance and the number of sweeps.
    return_n_iter : bool, default=False
        Whether to return the number of sweeps per alpha.
    positive : bool, default=False
        Force the coefficients to be non-negative.
    penalty_factor : array-like of shape (n_features,), default=None
        Per-feature multiplier of the L1 penalty; see :func:`enet_path`.
    **params : kwargs
        Passed to :func:`enet_path`.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The alphas along the path.
    coefs : ndarray of shape (n_features, n_alphas)
        Coefficients along the path.
    dual_gaps : ndarray of shape (n_alphas,)
        Certified duality gaps for each alpha.
    n_iters : list of int
        Number of sweeps per alpha (only when ``return_n_iter=True``).

    Examples
    --------
    >>> import numpy as np
    >>> from skreg import lasso_path
    >>> X = np.array([[1.0, 2.0, 3.1], [2.3, 5.4, 4.3]]).T
    >>> y = np.array([1.0, 2.0, 3.1])
    >>> alphas, coefs, _ = lasso_path(X, y, alphas=[5.0, 1.0, 0.5])
    >>> print(coefs.round(4))
    [[0.     0.     0.4687]
     [0.2159 0.4426 0.2369]]

    ``verbose=2`` prints one line per alpha with its certified gap:

    >>> _ = lasso_path(X, y, alphas=[5.0, 1.0], verbose=2)  # doctest: +ELLIPSIS
    Path: 000 out of 002, alpha=5.0000e+00, dual gap=... (tol ..., ok), sweeps=...
    Path: 001 out of 002, alpha=1.0000e+00, dual gap=... (tol ..., ok), sweeps=...
    """
    return enet_path(
        X,
        y,
        l1_ratio=1.0,
        eps=eps,
        n_alphas=n_alphas,
        alphas=alphas,
        precompute=precompute,
        Xy=Xy,
        copy_X=copy_X,
        coef_init=coef_init,
        verbose=verbose,
        return_n_iter=return_n_iter,
        positive=positive,
        penalty_factor=penalty_factor,
        **params,
    )
