"""Every solver behind one signature: ``fit(problem, tol) -> Fit``.

Each solver is a loader that imports its package and returns the ``fit``
function. Import errors become :class:`Unavailable` with a printable reason, so
a missing anchor is a row of the table ("not installed"), never a crash or a
silent omission. Loaders run lazily, when their row is measured.

``tol`` is passed through in each package's own meaning; the harness picks it
per solver so that the gap recomputed in :mod:`_gap` meets the target.
``tol=None`` runs the package at its defaults (its own ``tol`` and
``max_iter``): what users run. Settings that define the problem (alpha, the
grid, the intercept, ``standardize=False``) are passed either way.
"""

import importlib
import os
from dataclasses import dataclass

import numpy as np
from _problems import alpha_max

# Large enough that ``tol``, not an iteration cap, ends every solve.
MAX_ITER = 100_000
# Importing adelie pins the whole process to one CPU (sched_setaffinity); the
# CPUs allowed before any anchor was imported are restored after each import.
_AFFINITY = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None


class Unavailable(Exception):
    """The solver's package cannot be imported; ``str(exc)`` is the row text."""


@dataclass
class Fit:
    """Solver output: ``coef`` is (n_features,) or (n_features, n_alphas)."""

    coef: np.ndarray
    intercept: object = 0.0
    alpha: float | None = None  # alpha chosen by cross-validation


def _anchor_import(module):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as exc:
        raise Unavailable(f"not installed: {exc}") from exc
    except Exception as exc:  # a broken install: say so instead of crashing
        raise Unavailable(f"import failed: {type(exc).__name__}: {exc}") from exc
    finally:
        if _AFFINITY:
            os.sched_setaffinity(0, _AFFINITY)


def import_skreg():
    """Import skreg, or raise :class:`Unavailable` saying why not."""
    try:
        import skreg
    except Exception as exc:  # skreg is being written; report any failure
        raise Unavailable(f"not available: {type(exc).__name__}: {exc}") from exc
    # Compilation is excluded from these timings, and the Newton steps of a
    # crawling solve are compiled at the first crawl, which a warm-up fit may
    # not reach: load them now, as `python -m skreg compile` does.
    compile_newton_steps = getattr(
        importlib.import_module("skreg.linear_model._support_newton"),
        "compile_newton_steps",
        None,
    )
    if compile_newton_steps is not None:  # older trees compare too
        compile_newton_steps()
    return skreg


def _path_result(coefs, n_alphas):
    return Fit(np.asarray(coefs), np.zeros(n_alphas))


def _tol(tol, max_iter=MAX_ITER):
    """Keyword arguments for ``tol``: none at all for the defaults (``None``)."""
    return {} if tol is None else {"tol": tol, "max_iter": max_iter}


def _adelie_fit(ad, problem, lmda_path, tol):
    """``adelie.grpnet`` on ``problem``'s X (dense or CSC, its dtype), 1 thread.

    adelie's gaussian loss has weights 1/n, so ``lmda`` is sklearn's alpha.
    early_exit=False: by default adelie stops a path once the deviance ratio
    stalls, which would skip the small alphas the others are timed on.
    """
    X = problem.X
    if hasattr(X, "tocsc"):
        matrix = ad.matrix.sparse(X.tocsc(), method="naive", n_threads=1)
    else:
        matrix = ad.matrix.dense(X, method="naive", n_threads=1)
    return ad.grpnet(
        X=matrix,
        glm=ad.glm.gaussian(problem.y.astype(X.dtype)),
        lmda_path=np.asarray(lmda_path, dtype=X.dtype),
        intercept=problem.fit_intercept,
        early_exit=False,
        n_threads=1,
        progress_bar=False,
        **({} if tol is None else {"tol": tol}),
    )


def _glmnet(glmnet, problem, lambda_path, tol, **kwargs):
    # glmnet's gaussian objective is 1/(2n)||y - Xw||² + lambda·||w||₁, the
    # same scaling as sklearn's alpha; standardize=False keeps X as given
    # (glmnet standardizes by default and would solve another problem).
    return glmnet.ElasticNet(
        alpha=1.0,
        lambda_path=lambda_path,
        standardize=False,
        fit_intercept=problem.fit_intercept,
        **_tol(tol),
        **kwargs,
    )


# --------------------------------------------------------------------- single


def _sklearn_like_single(Lasso):
    def fit(problem, tol):
        est = Lasso(
            alpha=problem.alpha, fit_intercept=problem.fit_intercept, **_tol(tol)
        ).fit(problem.X, problem.y)
        return Fit(est.coef_, est.intercept_)

    return fit


def sklearn_single():
    return _sklearn_like_single(_anchor_import("sklearn.linear_model").Lasso)


def skreg_single():
    return _sklearn_like_single(import_skreg().Lasso)


def celer_single():
    celer = _anchor_import("celer")

    def fit(problem, tol):
        est = celer.Lasso(
            alpha=problem.alpha,
            fit_intercept=problem.fit_intercept,
            **_tol(tol, max_iter=1000),
        ).fit(problem.X, problem.y)
        return Fit(est.coef_, est.intercept_)

    return fit


def skglm_single():
    skglm = _anchor_import("skglm")

    def fit(problem, tol):
        est = skglm.Lasso(
            alpha=problem.alpha,
            fit_intercept=problem.fit_intercept,
            **_tol(tol, max_iter=1000),
        ).fit(problem.X, problem.y)
        return Fit(est.coef_, est.intercept_)

    return fit


def path_to(problem, per_decade=10):
    """Grid from alpha_max down to ``problem.alpha``, ``per_decade`` a decade.

    glmnet and adelie are path algorithms: their documentation advises
    against a single lambda (glmnet took 85 s for one alpha_max/100 on a
    500×5000 problem, where warm starts along a path make it competitive),
    so a single-alpha fit runs them along this grid and keeps the last point.
    """
    a_max = alpha_max(problem.X, problem.y, problem.fit_intercept)
    if problem.alpha >= a_max:
        return problem.alphas[:1]
    n = max(2, int(np.ceil(per_decade * np.log10(a_max / problem.alpha))) + 1)
    return np.geomspace(a_max, problem.alpha, n)


def glmnet_single():
    glmnet = _anchor_import("glmnet")

    def fit(problem, tol):
        grid = path_to(problem)
        est = _glmnet(glmnet, problem, grid, tol, n_splits=0)
        est.fit(problem.X, problem.y)
        if est.coef_path_.shape[1] < len(grid):  # glmnet stopped the path early
            return Fit(np.full(problem.X.shape[1], np.nan), np.nan)
        return Fit(est.coef_path_[:, -1], float(est.intercept_path_[-1]))

    return fit


def adelie_single():
    ad = _anchor_import("adelie")

    def fit(problem, tol):
        state = _adelie_fit(ad, problem, path_to(problem), tol)
        return Fit(state.betas.toarray()[-1], float(state.intercepts[-1]))

    return fit


# ----------------------------------------------------------------------- path


def sklearn_path():
    lasso_path = _anchor_import("sklearn.linear_model").lasso_path

    def fit(problem, tol):
        _, coefs, _ = lasso_path(
            problem.X, problem.y, alphas=problem.alphas, **_tol(tol)
        )
        return _path_result(coefs, len(problem.alphas))

    return fit


def skreg_path():
    lasso_path = import_skreg().lasso_path

    def fit(problem, tol):
        _, coefs, _ = lasso_path(
            problem.X, problem.y, alphas=problem.alphas, **_tol(tol)
        )
        return _path_result(coefs, len(problem.alphas))

    return fit


def celer_path():
    celer = _anchor_import("celer")

    def fit(problem, tol):
        _, coefs, _ = celer.celer_path(
            problem.X, problem.y, "lasso", alphas=problem.alphas, **_tol(tol, 1000)
        )
        return _path_result(coefs, len(problem.alphas))

    return fit


def skglm_path():
    skglm = _anchor_import("skglm")

    def fit(problem, tol):
        est = skglm.Lasso(alpha=problem.alpha, fit_intercept=False, **_tol(tol, 1000))
        _, coefs, *_ = est.path(problem.X, problem.y, problem.alphas)
        return _path_result(coefs, len(problem.alphas))

    return fit


def glmnet_path():
    glmnet = _anchor_import("glmnet")

    def fit(problem, tol):
        est = _glmnet(glmnet, problem, problem.alphas, tol, n_splits=0)
        est.fit(problem.X, problem.y)
        # glmnet may stop a path early; fewer columns than alphas -> gap inf.
        return _path_result(est.coef_path_, len(problem.alphas))

    return fit


def adelie_path():
    ad = _anchor_import("adelie")

    def fit(problem, tol):
        state = _adelie_fit(ad, problem, problem.alphas, tol)
        return _path_result(state.betas.toarray().T, len(problem.alphas))

    return fit


# ------------------------------------------------------------------------- cv


def _sklearn_like_cv(LassoCV):
    from sklearn.model_selection import KFold

    def fit(problem, tol):
        est = LassoCV(
            alphas=len(problem.alphas),
            eps=problem.extra["eps"],
            cv=KFold(problem.extra["n_folds"]),
            fit_intercept=problem.fit_intercept,
            **({} if tol is None else {"tol": tol}),
        ).fit(problem.X, problem.y)
        return Fit(est.coef_, est.intercept_, float(est.alpha_))

    return fit


def sklearn_cv():
    return _sklearn_like_cv(_anchor_import("sklearn.linear_model").LassoCV)


def skreg_cv():
    return _sklearn_like_cv(import_skreg().LassoCV)


def _celer_lasso_cv(celer):
    """celer's ``LassoCV`` made to construct under scikit-learn >= 1.9.

    celer 0.7 passes ``n_alphas`` to ``LinearModelCV.__init__``, which
    scikit-learn 1.9 no longer takes (``alphas`` is the count or the grid):
    the subclass passes ``alphas`` only. Fitting is celer's own (its ``path``
    inside scikit-learn's fold loop), as before.
    """
    from sklearn.linear_model._coordinate_descent import LinearModelCV

    class CelerLassoCV(celer.LassoCV):
        def __init__(
            self,
            eps=1e-3,
            alphas=100,
            fit_intercept=True,
            max_iter=100,
            tol=1e-4,
            cv=None,
            verbose=0,
            max_epochs=50000,
            p0=10,
            prune=True,
            precompute="auto",
            positive=False,
            n_jobs=None,
        ):
            LinearModelCV.__init__(
                self,
                eps=eps,
                alphas=alphas,
                max_iter=max_iter,
                tol=tol,
                cv=cv,
                fit_intercept=fit_intercept,
                verbose=verbose,
                n_jobs=n_jobs,
                precompute=precompute,
                positive=positive,
            )
            self.max_epochs, self.p0, self.prune = max_epochs, p0, prune

    try:
        celer.LassoCV()
    except TypeError:
        return CelerLassoCV
    return celer.LassoCV


def celer_cv():
    celer = _anchor_import("celer")
    from sklearn.model_selection import KFold

    LassoCV = _celer_lasso_cv(celer)

    def fit(problem, tol):
        est = LassoCV(
            alphas=problem.alphas,
            cv=KFold(problem.extra["n_folds"]),
            fit_intercept=problem.fit_intercept,
            **({} if tol is None else {"tol": tol}),
        ).fit(problem.X, problem.y)
        return Fit(est.coef_, est.intercept_, float(est.alpha_))

    return fit


def glmnet_cv():
    glmnet = _anchor_import("glmnet")

    def fit(problem, tol):
        # python-glmnet shuffles its KFold; passing the KFold(5) fold labels as
        # groups makes its GroupKFold use exactly sklearn's folds. scoring MSE
        # and cut_point=0 select the alpha of least mean CV error, as LassoCV.
        est = _glmnet(
            glmnet,
            problem,
            problem.alphas,
            tol,
            n_splits=problem.extra["n_folds"],
            scoring="mean_squared_error",
            cut_point=0.0,
        ).fit(problem.X, problem.y, groups=problem.extra["fold_labels"])
        alpha = float(np.atleast_1d(est.lambda_best_)[0])
        return Fit(est.coef_, float(est.intercept_), alpha)

    return fit


# Rows in table order; skreg last so anchors' ratios read against it.
SOLVERS = {
    "single": {
        "sklearn": sklearn_single,
        "celer": celer_single,
        "skglm": skglm_single,
        "skreg": skreg_single,
    },
    "path": {
        "sklearn": sklearn_path,
        "glmnet": glmnet_path,
        "celer": celer_path,
        "skglm": skglm_path,
        "adelie": adelie_path,
        "skreg": skreg_path,
    },
    "cv": {"sklearn": sklearn_cv, "glmnet": glmnet_cv, "skreg": skreg_cv},
}

# Each package's default tol, used for cross-validation where one fit covers
# many gaps and the table reports the gap of the final model instead.
DEFAULT_TOL = {"sklearn": 1e-4, "skreg": 1e-4, "glmnet": 1e-7}
