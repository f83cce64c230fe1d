"""Run every solver of a matrix cell along its tolerance ladder, then at defaults.

For each solver: warm up on a tiny problem of the same kind, and once on the
cell itself at the loosest rung (compilation and loading kernels from a cache
are not timed), then fit at each rung of the ladder, loose to tight, recording the
time and the objective at every alpha of the cell (evaluated by
:func:`_gap.lasso_objectives` on float64 data, never taken from the solver).
A ladder stops early when

- the run's certified gap ``(P - D) / P(0)`` is below the tightest level
  (1e-6): tighter rungs can only be slower;
- or (every solver but the cell's first) its objective is within
  ``NEAR_BEST``·P(0) (1e-7) of the best objective the earlier solvers
  reached: the certified gap is a weak test, because the harness's dual
  point (the rescaled residual) converges like the square root of the
  primal (sklearn: gap 6e-6 at suboptimality 1e-9), while the first solver
  runs until its objective is stable (next item), so that best objective is
  within about 1e-8 of the optimum. These stops only save time: the
  suboptimality of every run is computed afterwards against the final P*;
- or its objective is stable: its gap is below 1e-3 and no alpha improved
  by more than 1e-8·P(0) since the previous rung (an objective that moves by
  1e-8 per half-decade of tol is within about that of its limit; the gap
  bound keeps two loose rungs that stop at the same crude point from
  counting);
- for CV, either of these and the same ``alpha_`` as the previous rung and
  as the earlier solvers' tightest runs (the choice depends on the accuracy
  of the fold paths, not of the final model);
- a run took longer than ``cap`` seconds (noted: tighter rungs skipped);
  ``CV_CAP_FACTOR`` times that for cross-validation, which fits 5 paths.

On float32 data the ladder ends at ``F32_LAST_TOL``: below it the solvers
that compute in float32 cannot improve, and some loop to their iteration cap
(celer took 52 s, skglm over 4 minutes at tol 1e-7 on a 100×1000 problem they
solve in 10 ms at 1e-6). glmnet computes in float64 and keeps the full ladder.

The runs that decide a time to accuracy are timed again afterwards
(``repeats``, median) when they are short, to tame the noise.
"""

import time
import warnings

import numpy as np
import scipy.sparse as sp
from _gap import lasso_objectives
from _matrix_protocol import (
    LEVELS,
    Run,
    best_dual,
    best_objective,
    certified,
    reference_index,
    suboptimality,
    time_to,
)
from _problems import tiny_like
from _solvers import Unavailable
from threadpoolctl import threadpool_limits


def p_zero(problem):
    """The objective at ``w = 0`` (with the best intercept when one is fit)."""
    y = np.asarray(problem.y, dtype=np.float64)
    if problem.fit_intercept:
        y = y - y.mean()
    return float(y @ y / (2 * len(y)))


def evaluate(problem, result, X64, y64):
    """``(primal, dual, choice)`` of a solver's :class:`_solvers.Fit` on the grid."""
    n_grid = len(problem.alphas)
    primal = np.full(n_grid, np.nan)
    dual = np.full(n_grid, np.nan)
    coef = np.asarray(result.coef, dtype=np.float64)
    choice = None
    if problem.kind == "cv":
        rel = np.abs(problem.alphas - result.alpha) / problem.alphas
        if rel.min() < 1e-4:  # alpha_ must be a grid value
            choice = int(rel.argmin())
            idx = [choice]
            coef, intercepts = coef[:, None], np.atleast_1d(result.intercept)
        else:
            return primal, dual, None
    elif problem.kind == "path":
        coef = coef.reshape(coef.shape[0], -1)
        k = min(coef.shape[1], n_grid)  # a path stopped early has fewer columns
        idx = list(range(k))
        coef, intercepts = coef[:, :k], np.zeros(k)
    else:
        idx = [0]
        coef, intercepts = coef[:, None], np.atleast_1d(result.intercept)
    if not np.all(np.isfinite(coef)):
        return primal, dual, choice
    primal[idx], dual[idx] = lasso_objectives(
        X64, y64, coef, intercepts, problem.alphas[idx], problem.fit_intercept
    )
    return primal, dual, choice


def _timed(fit, problem, tol):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # loose rungs warn about convergence
        start = time.perf_counter()
        result = fit(problem, tol)
        return time.perf_counter() - start, result


F32_LAST_TOL = 1e-6
CV_CAP_FACTOR = 2
FLOAT64_INSIDE = {"glmnet"}
STABLE = 1e-2 * LEVELS[-1]
NEAR_BEST = 1e-1 * LEVELS[-1]
STABLE_GAP = LEVELS[0]


def _near(run, best, p0, partial=False):
    """Within ``NEAR_BEST·P(0)`` of ``best`` wherever ``best`` is known.

    ``partial`` (CV): only where the run has an objective too.
    """
    known = np.isfinite(best)
    if partial:
        known &= np.isfinite(run.primal)
    if not known.any() or not np.all(np.isfinite(run.primal[known])):
        return False
    return float(((run.primal[known] - best[known]) / p0).max()) <= NEAR_BEST


def _stable(previous, run, p0):
    """Gap under ``STABLE_GAP`` and no alpha improved by more than ``STABLE·P(0)``."""
    finite = np.isfinite(run.primal)
    if not finite.any() or not np.array_equal(finite, np.isfinite(previous.primal)):
        return False
    change = float(((previous.primal[finite] - run.primal[finite]) / p0).max())
    # An identical objective means the tighter tol did not bind (skreg
    # returned the same model at 1e-3 and 10^-3.5, 3e-6 from the optimum),
    # not that the solver converged.
    return certified(run, p0) <= STABLE_GAP and 0.0 < change <= STABLE


def run_ladder(fit, name, problem, data, ladder, cap, p0, prior=()):
    """The runs of one solver along ``ladder``; returns ``(runs, note)``.

    ``prior``: the runs of the solvers run before on the cell; see the module
    docstring for when the ladder stops.
    """
    best = best_objective(prior) if prior else None
    # CV: the choice the earlier solvers' tightest runs agree on, if any.
    choice = reference_index(prior) if problem.kind == "cv" and prior else None
    runs, note = [], ""
    cap = cap * CV_CAP_FACTOR if problem.kind == "cv" else cap
    for tol in ladder:
        seconds, result = _timed(fit, problem, tol)
        run = Run(name, tol, [seconds], *evaluate(problem, result, *data))
        runs.append(run)
        previous = runs[-2] if len(runs) > 1 else None
        same_choice = problem.kind != "cv" or (
            previous is not None
            and previous.choice == run.choice
            and choice in (None, run.choice)
        )
        converged = (
            certified(run, p0) <= LEVELS[-1]
            or (previous is not None and _stable(previous, run, p0))
            or (best is not None and _near(run, best, p0, problem.kind == "cv"))
        )
        if converged and same_choice:
            break
        if seconds > cap:
            note = f"ladder stopped at tol={tol:.0e}: {seconds:.1f} s > cap {cap:g} s"
            break
    return runs, note


class CellRunner:
    """Runs cells, warming each solver up once per kind of data.

    Parameters
    ----------
    solvers : dict
        ``{task: {name: loader}}``, loaders as in :mod:`_solvers`.
    ladder : tuple of float
    cap : float
        Seconds; a slower rung ends the ladder.
    repeats : int
        Timed runs (median) for a deciding run shorter than ``slow`` seconds.
    log : callable
    """

    def __init__(self, solvers, ladder, cap, repeats, log, slow=1.0):
        self.solvers, self.ladder, self.cap = solvers, ladder, cap
        self.repeats, self.log, self.slow = repeats, log, slow
        self._fits, self._warm = {}, set()

    def _fit(self, kind, name):
        key = (kind, name)
        if key not in self._fits:
            try:
                self._fits[key] = self.solvers[kind][name]()
            except Unavailable as exc:
                self._fits[key] = exc
        return self._fits[key]

    def _ladder(self, name, problem):
        if problem.X.dtype == np.float64 or name in FLOAT64_INSIDE:
            return self.ladder
        return tuple(t for t in self.ladder if t >= F32_LAST_TOL)

    def _warm_up(self, fit, name, problem):
        key = (
            name,
            problem.kind,
            sp.issparse(problem.X),
            problem.X.dtype,
            problem.fit_intercept,
        )
        if key not in self._warm:
            tiny = tiny_like(problem)
            _timed(fit, tiny, 1e-3)  # numba compilation, imports, caches
            _timed(fit, tiny, None)
            self._warm.add(key)
        # The cell itself, at the loosest rung: a solver may take another
        # strategy on it than on the tiny problem (skreg's working sets from
        # 200 features, its Gram modes on tall data), and the first call of
        # those kernels in a process loads them from numba's cache (30 ms
        # measured on sparse-text/a10, against a 1.4 ms fit), or compiles
        # them after a kernel edit. First use is benchmarked on its own
        # (``run.py first-use``).
        _timed(fit, problem, self._ladder(name, problem)[0])

    def run(self, problem):
        """Every solver on ``problem``; returns the cell's record (a dict)."""
        data = (problem.X.astype(np.float64), np.asarray(problem.y, dtype=np.float64))
        p0 = p_zero(problem)
        runs, notes, fits = [], {}, {}
        for name in self.solvers[problem.kind]:
            fit = self._fit(problem.kind, name)
            if isinstance(fit, Unavailable):
                notes[name] = str(fit)
                continue
            start = time.perf_counter()
            try:
                # Limits apply to the pools loaded when entered: re-enter per
                # solver so pools its import just loaded (adelie's OpenMP) are pinned.
                with threadpool_limits(limits=1):
                    self._warm_up(fit, name, problem)
                    ladder_runs, notes[name] = run_ladder(
                        fit,
                        name,
                        problem,
                        data,
                        self._ladder(name, problem),
                        self.cap,
                        p0,
                        runs,
                    )
                    seconds, result = _timed(fit, problem, None)
                    default = Run(
                        name, None, [seconds], *evaluate(problem, result, *data)
                    )
            except Exception as exc:  # one broken solver must not hide the others
                notes[name] = f"failed: {type(exc).__name__}: {exc}"[:160]
                self.log(f"    {name}: {notes[name]}")
                continue
            runs += [*ladder_runs, default]
            fits[name] = fit
            self.log(
                f"    {name}: {len(ladder_runs)} rungs + defaults in "
                f"{time.perf_counter() - start:.1f} s {notes[name]}"
            )
        record = {
            "problem": problem,
            "p0": p0,
            "runs": runs,
            "notes": notes,
            "ran": set(fits),
        }
        self._retime(record, fits)
        return record

    def _retime(self, record, fits):
        """Time again (median of ``repeats``) the short runs that decide a time."""
        if self.repeats <= 1:
            return
        problem = record["problem"]
        subopts = suboptimalities(record)
        for name, fit in fits.items():
            mine = [i for i, r in enumerate(record["runs"]) if r.solver == name]
            runs = [record["runs"][i] for i in mine]
            chosen = [
                time_to(runs, [subopts[i] for i in mine], lvl)[1] for lvl in LEVELS
            ]
            chosen.append(next((r for r in runs if r.tol is None), None))
            with threadpool_limits(limits=1):
                for run in {id(r): r for r in chosen if r is not None}.values():
                    while len(run.times) < self.repeats and run.seconds < self.slow:
                        run.times.append(_timed(fit, problem, run.tol)[0])


def suboptimalities(record):
    """Suboptimality of every run of a cell record, in order; sets ``p_star``."""
    problem, runs, p0 = record["problem"], record["runs"], record["p0"]
    p_star = best_objective(runs) if runs else np.full(len(problem.alphas), np.nan)
    record["p_star"] = p_star
    record["d_star"] = best_dual(runs) if runs else p_star
    required = None
    if problem.kind == "cv":
        required = reference_index(runs)
        record["reference"] = required
        if required is None:
            return [np.inf] * len(runs)
    return [suboptimality(r, p_star, p0, required) for r in runs]
