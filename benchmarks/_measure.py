"""Calibrate a solver's tol to a certified gap, then time it.

The tol ladder is shared by all solvers (half-decades from 1e-1 to 1e-14);
each solver keeps the loosest rung at which the gap recomputed by
:mod:`_gap` meets the problem's target, so no solver is timed at a tighter
certificate than it needs. The run that passes calibration is the first timed
sample: calibration already compiled and warmed everything.
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from _gap import max_relative_gap, relative_gap

LADDER = tuple(10.0 ** -(e / 2) for e in range(2, 29))


@dataclass
class Row:
    """One line of the table."""

    problem: str
    size: str
    solver: str
    tol: float | None = None
    times: list = field(default_factory=list)
    gap: float = np.nan
    speedup: float | None = None  # anchor time / skreg time
    note: str = ""
    extra: dict = field(default_factory=dict)
    status: str = ""  # non-empty: the solver did not run (reason printed)

    @property
    def median(self):
        return float(np.median(self.times)) if self.times else np.nan


def certified_gap(problem, fit):
    """The relative gap of ``fit`` on the full ``problem`` (max over a path)."""
    if problem.kind == "path":
        return max_relative_gap(
            problem.X,
            problem.y,
            fit.coef,
            fit.intercept,
            problem.alphas,
            fit_intercept=False,
        )
    alpha = fit.alpha if problem.kind == "cv" else problem.alpha
    return relative_gap(
        problem.X,
        problem.y,
        fit.coef,
        fit.intercept,
        alpha,
        fit_intercept=problem.fit_intercept,
    )


def timed(fit, problem, tol):
    with warnings.catch_warnings():
        # Loose rungs of the ladder warn about convergence by design.
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        result = fit(problem, tol)
        return time.perf_counter() - start, result


def calibrate(fit, problem, budget):
    """Loosest ladder rung whose certified gap meets the target.

    Walks the ladder from loose to tight, skipping ahead by as many
    half-decades as the gap misses the target by (gaps shrink at least about
    linearly with tol for most solvers); after a skip that passes, looser
    untried rungs are tried back, so the rung returned is always one whose
    looser neighbour failed. Stops early once one run exceeds ``budget``
    seconds, and at the end of the ladder.

    Returns
    -------
    tol, seconds, gap, result : the chosen rung, its run, and its gap.
    n_tried : int
        Calibration runs made.
    """
    tried = {}  # rung index -> (seconds, gap)
    i = 0
    while True:
        seconds, result = timed(fit, problem, LADDER[i])
        gap = certified_gap(problem, result)
        tried[i] = (seconds, gap, result)
        if gap <= problem.target_gap:
            if i > 0 and i - 1 not in tried:
                i -= 1  # a skip may have jumped over a looser passing rung
                continue
            break
        if i + 1 in tried or i + 1 == len(LADDER) or seconds > budget:
            if i + 1 in tried:
                i += 1  # the tighter neighbour passed
            break
        ratio = gap / problem.target_gap
        skip = int(2 * np.log10(ratio)) if np.isfinite(ratio) else 1
        i = min(i + max(1, skip), len(LADDER) - 1)
        while i in tried:
            i -= 1
    seconds, gap, result = tried[i]
    return LADDER[i], seconds, gap, result, len(tried)


def measure(fit, problem, row, repeats=3, slow=10.0, budget=600.0, tol=None):
    """Fill ``row`` with tol, times and gap of ``fit`` on ``problem``.

    Parameters
    ----------
    fit : callable
        ``fit(problem, tol) -> Fit`` from :mod:`_solvers`.
    repeats : int
        Timed runs when a run is fast; a run longer than ``slow`` seconds is
        timed once.
    budget : float
        Stop tightening tol once a single run exceeds this many seconds.
    tol : float, optional
        Fixed tol instead of calibration (cross-validation).
    """
    if tol is None:
        tol, seconds, gap, result, row.extra["rungs"] = calibrate(fit, problem, budget)
    else:
        seconds, result = timed(fit, problem, tol)
        gap = certified_gap(problem, result)
    row.tol, row.gap, row.times = tol, gap, [seconds]
    if problem.kind == "cv":
        row.note = f"alpha_={result.alpha:.4g}"
    elif np.isinf(gap):
        row.note = "path incomplete (fewer alphas returned)"
    elif not gap <= problem.target_gap:
        row.note = f"target {problem.target_gap:.0e} not reached"
    while len(row.times) < repeats and seconds < slow:
        seconds, _ = timed(fit, problem, tol)
        row.times.append(seconds)
    return row
