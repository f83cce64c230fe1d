"""Single fits: solved at once, or routed down a short path first.

``skreg.linear_model._strategy.continuation_penalties`` sends a sparse or
wide dense single fit far below alpha_max down a geometric grid of penalties
(warm starts) before the fit's own.  This script measures both routes on the
sparse and wide dense designs of the benchmark matrix (quick sizes), in one
process, the two
arms alternating fit by fit (the machine's drift hits both alike): for each
cell, the time to a suboptimality of 1e-3 and 1e-6 over a ladder of tols
(against the optimum of a fit at tol=1e-13), and the time at the default
tol=1e-4.  Min CPU time of ``--repeats`` fits; BLAS pinned to one thread.

    python benchmarks/bench_continuation.py [--divisors 30,100,300,1000]
        [--repeats 12] [--per-decade 1,2] [--families sparse-text,dense-iid]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _matrix_problems import FAMILIES, make_cell, make_data  # noqa: E402

LADDER = (1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 1e-5, 1e-6)
FAMILY_NAMES = (
    "sparse-text",
    "sparse-text-noint",
    "sparse-uniform",
    "sparse-wide",
    # dense, 5 or 10 times more features than samples
    "dense-iid",
    "dense-iid-f32",
    "dense-ar1-0.9",
    "dense-ar1-0.9-noint",
)


def arms(per_decade):
    """``{name: continuation_penalties replacement}``: at once, then routed
    with each number of penalties a decade."""
    from skreg.linear_model import _cd_solver, _strategy

    route = _strategy.continuation_penalties

    def routed(k):
        def choose(*args):
            _strategy.CONTINUATION_PER_DECADE = k
            return route(*args)

        return choose

    out = {"at once": lambda *args: None}
    out.update({f"routed {k:g}/decade": routed(k) for k in per_decade})
    return _cd_solver, out


def run_cell(family_name, divisor, repeats, per_decade):
    import skreg

    family = FAMILIES[family_name]
    fit_intercept = family.fit_intercept
    X, y = make_data(family, quick=True)
    n = X.shape[0]
    alpha = make_cell(family, f"{family_name}/a{divisor}", X, y).alphas[0]
    y64 = y.astype(np.float64)

    def objective(model):
        r = y64 - X @ model.coef_.astype(np.float64) - model.intercept_
        return 0.5 * r @ r / n + alpha * np.abs(model.coef_).sum()

    module, choices = arms(per_decade)
    module.continuation_penalties = choices["at once"]
    best = skreg.Lasso(
        alpha=alpha, fit_intercept=fit_intercept, tol=1e-13, max_iter=100000
    ).fit(X, y)
    p_star = objective(best)
    centred = y64 - (y64.mean() if fit_intercept else 0.0)
    p0 = 0.5 * centred @ centred / n
    results = {name: [] for name in choices}
    for tol in LADDER:
        times = {name: np.inf for name in choices}
        subopt = {}
        for _ in range(repeats):
            for name, choose in choices.items():
                module.continuation_penalties = choose
                start = time.process_time()
                model = skreg.Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=tol)
                model.fit(X, y)
                times[name] = min(times[name], time.process_time() - start)
                subopt[name] = max((objective(model) - p_star) / p0, 0.0)
        for name in choices:
            results[name].append((tol, 1e3 * times[name], subopt[name]))
    rows = {}
    for name, runs in results.items():
        reach = {
            level: min([t for _, t, s in runs if s <= level], default=np.inf)
            for level in (1e-3, 1e-6)
        }
        default = next(t for tol, t, _ in runs if tol == 1e-4)
        rows[name] = (reach[1e-3], reach[1e-6], default)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--divisors", default="30,100,300,1000")
    parser.add_argument("--repeats", type=int, default=12)
    parser.add_argument("--per-decade", default="1")
    parser.add_argument("--families", default=",".join(FAMILY_NAMES))
    args = parser.parse_args()
    divisors = [int(d) for d in args.divisors.split(",")]
    per_decade = [float(k) for k in args.per_decade.split(",")]
    warnings.simplefilter("ignore")
    from skreg.linear_model import _cd_solver, _strategy

    route, k0 = _cd_solver.continuation_penalties, _strategy.CONTINUATION_PER_DECADE
    print(
        "single fits (quick matrix designs), alpha_max / divisor; "
        f"min CPU ms of {args.repeats}, arms alternating; t@level = fastest "
        "tol of the ladder reaching that suboptimality"
    )
    header = f"{'cell':<26}{'route':<20}{'t@1e-3':>9}{'t@1e-6':>9}{'tol=1e-4':>10}"
    print(header)
    print("-" * len(header))
    ratios = {}
    with threadpool_limits(1):
        for family_name in args.families.split(","):
            for divisor in divisors:
                rows = run_cell(family_name, divisor, args.repeats, per_decade)
                _cd_solver.continuation_penalties = route
                _strategy.CONTINUATION_PER_DECADE = k0
                cell = f"{family_name}/a{divisor}"
                base = rows["at once"]
                for name, values in rows.items():
                    print(f"{cell:<26}{name:<20}" + "".join(
                        f"{v:>9.2f}" if i < 2 else f"{v:>10.2f}"
                        for i, v in enumerate(values)
                    ))  # fmt: skip
                    if name != "at once":
                        group = (name, family_name.split("-")[0])
                        ratios.setdefault(group, []).append((base, values))
    for (name, group), pairs in ratios.items():
        print(f"{name}, {group} cells: {_summary(pairs)}")


def _summary(pairs):
    """At-once time over routed time per column, geometric mean (worst) over
    the cells where both arms reached the level, and how many cells only one
    arm reached."""
    parts = []
    for k, label in enumerate(("t@1e-3", "t@1e-6", "tol=1e-4")):
        base = np.array([b[k] for b, _ in pairs])
        routed = np.array([v[k] for _, v in pairs])
        both = np.isfinite(base) & np.isfinite(routed)
        text = f"{label} n/a"
        if both.any():
            ratio = base[both] / routed[both]
            geo = np.exp(np.log(ratio).mean())
            text = f"{label} {geo:.2f}x ({ratio.min():.2f}x) over {both.sum()}"
        only_routed = int((np.isinf(base) & np.isfinite(routed)).sum())
        only_once = int((np.isfinite(base) & np.isinf(routed)).sum())
        if only_routed or only_once:
            text += f", only routed in {only_routed}, only at once in {only_once}"
        parts.append(text)
    return "at-once time / routed time, geometric mean (worst): " + "; ".join(parts)


if __name__ == "__main__":
    main()
