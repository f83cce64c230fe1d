"""The equal-accuracy bookkeeping of the matrix: pure functions of numbers.

Every solver run on a cell leaves its objective ``P(w)`` at each alpha of the
cell (``nan`` where it has none) and its time. From all runs of the cell:

- ``P*`` at each alpha is the best (lowest) objective ANY run reached there;
- a run's suboptimality is ``max_alpha (P(w) - P*) / P(0)`` over the alphas
  the cell requires: the one alpha of a single fit, every alpha of a path
  (its worst alpha), and for cross-validation the reference ``alpha_`` (see
  :func:`reference_index`), where a run that chose another alpha is ``inf``;
- a solver's time to accuracy ``eps`` is its fastest run with suboptimality
  ``<= eps`` (:func:`time_to`);
- skreg's ratio is the fastest anchor's time over skreg's (above 1: skreg is
  faster) and the summary takes geometric means of those ratios.

Only NumPy is needed, so the tests run these on synthetic numbers.
"""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

LEVELS = (1e-3, 1e-6)
# The targets.
MIN_VS_SKLEARN = 1.0
MIN_VS_FASTEST = 0.8
MIN_GEOMEAN = 1.5
MIN_VS_GLMNET = 1.5  # paths and CV


def tol_ladder(first=1e-1, last=1e-12):
    """Half-decades from ``first`` down to ``last``, loose to tight."""
    start, stop = round(-2 * np.log10(first)), round(-2 * np.log10(last))
    return tuple(10.0 ** (-e / 2) for e in range(start, stop + 1))


@dataclass
class Run:
    """One fit of one solver on one cell.

    ``tol is None`` marks the run at the library's default settings.
    ``primal`` and ``dual`` hold the objective and a dual bound at each alpha
    of the cell's grid (``nan`` where the run has no coefficients; a CV run
    has only its ``alpha_``). ``choice`` is the grid index of a CV run's
    ``alpha_``.
    """

    solver: str
    tol: float | None
    times: list
    primal: np.ndarray
    dual: np.ndarray
    choice: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def seconds(self):
        return float(np.median(self.times))


def certified(run, p0):
    """Worst ``(P - D) / P(0)`` over the alphas the run has: an upper bound of
    its suboptimality against the true optimum (``inf`` if none)."""
    gap = (np.asarray(run.primal) - np.asarray(run.dual)) / p0
    gap = gap[np.isfinite(gap)]
    return float(gap.max()) if gap.size else np.inf


def best_objective(runs):
    """``P*``: the lowest objective any run reached, per alpha (``nan`` if none)."""
    stack = np.array([r.primal for r in runs], dtype=float)
    stack[~np.isfinite(stack)] = np.inf
    best = stack.min(axis=0) if len(runs) else np.array([])
    best[np.isinf(best)] = np.nan
    return best


def best_dual(runs):
    """The best lower bound of the optimum any run certified, per alpha."""
    stack = np.array([r.dual for r in runs], dtype=float)
    stack[~np.isfinite(stack)] = -np.inf
    return stack.max(axis=0)


def reference_index(runs):
    """The reference ``alpha_`` of a CV cell, as a grid index.

    Each solver votes with its most accurate run (its tightest tolerance, the
    last of its ladder); the most common choice wins, ties going to the choice
    of the run with the smallest certified gap. ``None`` without votes.
    """
    last = {}
    for run in runs:
        if run.tol is not None and run.choice is not None:
            if run.solver not in last or run.tol < last[run.solver].tol:
                last[run.solver] = run
    if not last:
        return None
    votes = Counter(r.choice for r in last.values())
    top = max(votes.values())
    tied = [r for r in last.values() if votes[r.choice] == top]
    return min(tied, key=lambda r: np.nanmax(r.primal - r.dual)).choice


def suboptimality(run, p_star, p0, required=None):
    """``max (P(w) - P*) / P(0)`` over the ``required`` alphas (all by default).

    ``inf`` when the run has no objective at a required alpha (a path stopped
    early, a CV run that chose another alpha). Clipped at 0 from below.
    """
    primal = np.asarray(run.primal, dtype=float)
    idx = np.arange(len(primal)) if required is None else np.atleast_1d(required)
    if idx.size == 0:
        return np.inf
    values = (primal[idx] - np.asarray(p_star)[idx]) / p0
    if not np.all(np.isfinite(values)):
        return np.inf
    return float(max(values.max(), 0.0))


def time_to(runs, subopts, level):
    """Fastest time among ``runs`` whose suboptimality is ``<= level``.

    Returns ``(seconds, run)``, or ``(nan, None)`` when no run reached it.
    Default-settings runs (``tol is None``) do not count: they are reported
    apart.
    """
    hits = [
        (r.seconds, i)
        for i, (r, s) in enumerate(zip(runs, subopts, strict=True))
        if r.tol is not None and s <= level
    ]
    if not hits:
        return np.nan, None
    seconds, i = min(hits)
    return seconds, runs[i]


def skreg_ratios(times, skreg="skreg", sklearn="sklearn"):
    """skreg's speed-ups at one level from ``{solver: seconds}`` (nan = not reached).

    Returns
    -------
    dict
        ``fastest`` (name of the fastest anchor that reached the level),
        ``vs_fastest`` and ``vs_sklearn`` (:func:`speedup`).
    """
    anchors = {k: v for k, v in times.items() if k != skreg}
    reached = {k: v for k, v in anchors.items() if np.isfinite(v)}
    fastest = min(reached, key=reached.get) if reached else None
    t = times.get(skreg, np.nan)
    return {
        "fastest": fastest,
        "vs_fastest": speedup(reached[fastest] if fastest else np.nan, t),
        "vs_sklearn": speedup(anchors.get(sklearn, np.nan), t),
    }


def speedup(anchor_time, skreg_time):
    """``anchor_time / skreg_time``; nan times mean the level was not reached.

    ``inf`` when only skreg reached it, ``0`` when only the anchor did, ``nan``
    when neither did.
    """
    if not np.isfinite(skreg_time):
        return 0.0 if np.isfinite(anchor_time) else np.nan
    return anchor_time / skreg_time if np.isfinite(anchor_time) else np.inf


def geometric_mean(values):
    """Geometric mean of the finite positive ``values`` (nan if none)."""
    values = np.asarray([v for v in values if np.isfinite(v) and v > 0], dtype=float)
    return float(np.exp(np.log(values).mean())) if values.size else np.nan


def summarize(entries):
    """Summary of one group of cells.

    Parameters
    ----------
    entries : list of dict
        One per (cell, level) with keys ``cell``, ``level``, ``vs_fastest``,
        ``vs_sklearn`` as from :func:`skreg_ratios`.

    Returns
    -------
    dict
        ``n`` (entries with a ratio to the fastest anchor), ``geomean`` of the
        finite positive ratios to the fastest anchor, ``worst`` ``(cell,
        level, ratio)``, ``below_sklearn`` and ``below_fastest`` (entries under
        1× sklearn / under 0.8× the fastest anchor, a cell skreg did not reach
        counting as under), ``unreached`` (entries skreg did not reach).
    """
    rated = [e for e in entries if not np.isnan(e["vs_fastest"])]
    worst = min(rated, key=lambda e: e["vs_fastest"], default=None)
    return {
        "n": len(rated),
        "geomean": geometric_mean(e["vs_fastest"] for e in rated),
        "worst": None
        if worst is None
        else (worst["cell"], worst["level"], worst["vs_fastest"]),
        "below_sklearn": sum(e["vs_sklearn"] < MIN_VS_SKLEARN for e in entries),
        "below_fastest": sum(e["vs_fastest"] < MIN_VS_FASTEST for e in rated),
        "unreached": sum(e["vs_fastest"] == 0.0 for e in rated),
    }


def verdict(ok):
    return "met" if ok else "NOT met"
