"""LassoCV / ElasticNetCV paths: loose near interpolation unless chosen there.

To choose ``alpha_`` within one grid step of a ``tol=1e-8`` search, each
fold's path must solve to a gap relative to its primal objective
(``PATH_GAP`` in :mod:`skreg.linear_model._path`).  Paid at every alpha, that
accuracy costs most where the model nearly interpolates its training fold, at
the small alphas, which are rarely chosen.  So the search runs in stages,
each a scikit-learn ``fit`` of the same estimator with a different ``path``:

1. every fold solves its path tightly while the warm start's support is at
   most ``LOOSE_SUPPORT * n_samples``, and beyond that, near interpolation,
   to ``tol * ||y||^2`` only (with one sweep at least, so the held-out error
   is no staircase);
2. if some alphas within ``WINDOW`` steps of an l1_ratio's lowest mean
   held-out error were solved loosely, the tight path is continued from
   where it stopped through the last of them; the other alphas return their
   stage-1 coefficients unchanged;
3. stage 2 repeats while the minimum sits on an alpha whose neighbourhood is
   not yet tight (at most ``MAX_STAGES`` times).

The stages reuse scikit-learn's own fold loop, centering and scoring, so the
held-out errors are computed exactly as scikit-learn computes them.  A fold's
stage-1 path is found again by a fingerprint of its training targets; a fold
that is not found (a splitter that draws new folds on each call) solves its
whole path tightly instead, which is what a single-stage search does.  The
final refit is done once, at the end.
"""

import hashlib
import threading

import numpy as np

from skreg.linear_model import _path

# Alphas on each side of the minimum that are solved tightly.
WINDOW = 5
# Refinement stages after the loose one.
MAX_STAGES = 4
# In the first stage, alphas whose warm start has more non-zeros than this
# fraction of the fold's samples are solved loosely (near interpolation).
LOOSE_SUPPORT = 0.5
# Only Lasso paths (l1_ratio=1) are staged.  With an l2 term the tight solves
# near interpolation cost little more than the loose ones (make_regression
# 500x500 to 1000x1500, l1_ratio=0.7: 3-15% more sweeps), so a loose first
# pass would be paid twice when the minimum is there; for the Lasso they cost
# 1.4-2.4x the loose ones (see the closing note of issue 14).


def _fingerprint(X, y, params):
    """Key of one (fold, l1_ratio) path: its training targets and weights."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.ascontiguousarray(y).tobytes())
    weights = params.get("sample_weight")
    if weights is not None:
        digest.update(np.ascontiguousarray(weights).tobytes())
    return (float(params.get("l1_ratio", 1.0)), X.shape, digest.hexdigest())


class _FoldPath:
    """One fold's path: alphas, coefficients, gaps, and which alphas are tight."""

    def __init__(self, alphas, coefs, gaps, tight):
        self.alphas = alphas
        self.coefs = coefs
        self.gaps = gaps
        self.tight = tight


class StagedPaths:
    """The ``path`` callable of a staged LassoCV / ElasticNetCV search.

    Parameters
    ----------
    path : callable
        The estimator's path function (:func:`skreg.lasso_path` or
        :func:`skreg.enet_path`), called as scikit-learn calls ``path``.
    """

    def __init__(self, path):
        self.path = path
        self.folds = {}
        self.stage = 0
        # l1_ratio -> sorted indices of the alphas to solve tightly this stage.
        self.requested = {}
        # Folds met in the current stage (a splitter may draw new ones).
        self.seen = set()
        self.lock = threading.Lock()

    def __call__(self, X, y, **params):
        key = _fingerprint(X, y, params)
        with self.lock:
            fold = self.folds.get(key)
            self.seen.add(key)
        if fold is None:
            # Only the first stage of a Lasso path is loose (see LOOSE_SUPPORT).
            loose = self.stage == 0 and key[0] == 1.0
            out = self.path(
                X, y, **params, path_gap=_path.PATH_GAP,
                loose_support=LOOSE_SUPPORT if loose else None,
            )  # fmt: skip
            tight = np.ones(len(out[0]), dtype=bool)
            if loose:
                # As the path decided: by the support of each warm start.
                warm_support = np.count_nonzero(out[1][:, :-1], axis=0)
                loose_at = _path.is_loose(warm_support, X.shape[0], LOOSE_SUPPORT)
                tight[1:] = ~loose_at
            with self.lock:
                self.folds[key] = _FoldPath(out[0], out[1], out[2], tight)
            return out
        wanted = [
            index for index in self.requested.get(key[0], ()) if not fold.tight[index]
        ]
        if wanted:
            self._solve_tightly(fold, X, y, params, wanted[-1])
        return fold.alphas, fold.coefs, fold.gaps

    def _solve_tightly(self, fold, X, y, params, last):
        """Continue the tight path from its end through alpha ``last``.

        The path restarts at the first loose alpha, warm-started from the
        tight solution before it: the refined alphas are what a single tight
        path computes, whose warm-start chain decides which of the nearly
        optimal solutions of a p > n problem each alpha gets.
        """
        first = int(np.flatnonzero(~fold.tight)[0])
        params = dict(params)
        params["alphas"] = fold.alphas[first : last + 1]
        params["coef_init"] = fold.coefs[:, first - 1] if first > 0 else None
        params["verbose"] = False  # the first stage reported on the fold
        params["path_gap"] = _path.PATH_GAP
        _, coefs, gaps = self.path(X, y, **params)
        fold.coefs[:, first : last + 1] = coefs
        fold.gaps[first : last + 1] = gaps
        fold.tight[first : last + 1] = True

    def request(self, mse_path, l1_ratios):
        """Mark the alphas to refine next from a stage's ``mse_path_``.

        Returns False when every l1_ratio's minimum already has ``WINDOW``
        tight alphas on each side (or the stages are used up).
        """
        if self.stage >= MAX_STAGES:
            return False
        mean = np.mean(mse_path, axis=-1).reshape(len(l1_ratios), -1)
        self.requested = {}
        for l1_ratio, row in zip(l1_ratios, mean, strict=True):
            best = int(np.argmin(row))
            first, last = max(best - WINDOW, 0), min(best + WINDOW, row.size - 1)
            indices = range(first, last + 1)
            if not all(self._tight_everywhere(float(l1_ratio), k) for k in indices):
                self.requested[float(l1_ratio)] = list(indices)
        self.stage += 1
        self.seen = set()
        return bool(self.requested)

    def _tight_everywhere(self, l1_ratio, index):
        """Whether alpha ``index`` is tight on every fold of ``l1_ratio``."""
        folds = [self.folds[key] for key in self.seen if key[0] == l1_ratio]
        return bool(folds) and all(fold.tight[index] for fold in folds)


class DeferredRefit:
    """Stands in for the refit model during the stages; the search refits once.

    scikit-learn's ``fit`` ends by setting the chosen parameters on
    ``_get_estimator()`` and fitting it; during the stages that fit is
    skipped, and its attributes are set by the final refit.
    """

    def __init__(self, model):
        self.model = model

    def get_params(self, deep=True):
        """The parameters of the model this stands in for."""
        return self.model.get_params(deep=deep)

    def set_params(self, **params):
        """Set parameters on the model this stands in for."""
        self.model.set_params(**params)
        return self

    def fit(self, X, y, sample_weight=None):
        """Skip the fit: the search refits at the end."""
        self.coef_ = self.intercept_ = self.dual_gap_ = self.n_iter_ = None
        return self
