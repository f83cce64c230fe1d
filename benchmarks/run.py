"""skreg benchmarks: ratios against the anchors, measured in one run.

Usage::

    python benchmarks/run.py lasso [--quick] [--problems dense-single,cv,...]
    python benchmarks/run.py lasso-basic [--quick]
    python benchmarks/run.py matrix [--quick] [--families ...] [--cells ...]
    python benchmarks/run.py first-use [--rows mlp,...] [--breakdown] [--no-demo]
                                       [--generic]
    python benchmarks/run.py logistic [--quick] [--json FILE] [--tasks ...]

``lasso`` runs the five problems of issue 4 (dense-single, dense-path,
sparse-single, cv, cold-start) against sklearn, celer, skglm, python-glmnet and
adelie; ``lasso-basic`` is issue 3's check, skreg against sklearn on one dense
and one sparse problem; ``matrix`` is issue 12's benchmark matrix at equal
accuracy (see ``_matrix.py`` for its options); ``first-use`` is issue 13's
first fit in fresh processes with an empty and a warm numba cache (see
``_first_use.py``); ``logistic`` is issue 15's sparse logistic regression at
equal accuracy (see ``bench_logistic.py``). Every timing runs inside
``threadpool_limits(1)`` with numba's thread count set to 1; the gap column is
recomputed by the harness from the returned coefficients (see ``_gap.py``),
never taken from a solver.
Progress goes to stderr; the table to stdout at the end.
"""

import argparse
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Benchmark the working tree's skreg even when it is not installed.
sys.path.insert(1, str(REPO))

import numpy as np  # noqa: E402
from _cold_start import cold_start  # noqa: E402
from _first_use import first_use, portable_cost, select_cases  # noqa: E402
from _measure import Row, measure  # noqa: E402
from _problems import PROBLEMS, tiny_like  # noqa: E402
from _solvers import DEFAULT_TOL, SOLVERS, Unavailable, import_skreg  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

DISTRIBUTIONS = (
    "numpy",
    "scipy",
    "scikit-learn",
    "numba",
    "threadpoolctl",
    "celer",
    "skglm",
    "python-glmnet",
    "adelie",
)

# Targets as (problem, anchor, minimum skreg speed-up), per suite.
BASIC_TARGETS = (("dense-single", "sklearn", 1.0),)  # issue 3: not slower
TARGETS = (
    ("dense-single", "fastest of sklearn/celer/skglm", 1.5),
    ("dense-path", "glmnet", 1.0),
    ("dense-path", "sklearn", 10.0),
    ("sparse-single", "sklearn", 2.0),
    ("cv", "sklearn", 10.0),
    ("cv", "glmnet", 1.0),
)


def log(message):
    print(message, file=sys.stderr, flush=True)


def versions():
    found = {}
    for dist in DISTRIBUTIONS:
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    try:
        found["skreg"] = import_skreg().__version__
    except Unavailable as exc:
        found["skreg"] = str(exc)
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        found["skreg"] += f" (git {commit})"
    except (OSError, subprocess.CalledProcessError):
        pass
    return found


def _owner(filepath):
    """The package that ships a shared library: ``numpy.libs``, ``sklearn``..."""
    parts = Path(filepath).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    return Path(filepath).name


def environment():
    """Platform, versions and the thread pools as pinned: the header's first lines."""
    lines = [
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable)",
        "versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
    ]
    pools = ", ".join(
        f"{p['internal_api']}[{_owner(p['filepath'])}]={p['num_threads']}"
        for p in threadpool_info()
    )
    try:
        import numba

        pools += f", numba={numba.get_num_threads()}"
    except ImportError:
        pass
    lines.append(f"threads pinned to 1 (threadpoolctl): {pools}")
    return lines


def header(quick, repeats):
    lines = environment()
    lines.append(
        f"timing: median of k <= {repeats} runs (k=1 when a run exceeds 10 s), after "
        "an untimed warm-up fit; tol calibrated per solver on a half-decade "
        "ladder to the loosest value meeting the target rel. gap"
        + (" -- QUICK sizes, indicative only" if quick else "")
    )
    return lines


def run_problem(problem, solvers, repeats, budget):
    rows = []
    for name, loader in solvers.items():
        row = Row(problem.name, problem.shape, name)
        rows.append(row)
        try:
            fit = loader()
        except Unavailable as exc:
            row.status = str(exc)
            log(f"  {name}: {row.status}")
            continue
        try:
            # Limits apply to the pools loaded when entered: re-enter per solver
            # so pools its import just loaded (adelie's OpenMP...) are pinned too.
            with threadpool_limits(limits=1):
                fit(tiny_like(problem), 1e-3)  # numba compilation, imports, caches
                tol = DEFAULT_TOL.get(name) if problem.kind == "cv" else None
                measure(fit, problem, row, repeats=repeats, budget=budget, tol=tol)
        except Exception as exc:  # one broken solver must not hide the others
            row.status = f"failed: {type(exc).__name__}: {exc}"[:160]
        rungs = row.extra.get("rungs", 1)
        done = f"{row.median:.3g} s, rel. gap {row.gap:.2g}, {rungs} tol(s) tried"
        log(f"  {name}: {row.status or done}")
    skreg = next(r for r in rows if r.solver == "skreg")
    for row in rows:
        if row is not skreg and row.times and skreg.times:
            row.speedup = row.median / skreg.median
    return rows


def cold_start_rows(repeats):
    size = "200x50"
    rows = [
        Row("cold-start", size, s) for s in ("sklearn", "skreg", "skreg empty cache")
    ]
    try:
        res = cold_start(repeats=repeats)
    except Exception as exc:  # raised when the skreg child fails
        rows[0].status = "not run: the skreg child process failed"
        for row in rows[1:]:
            row.status = f"not available: {exc}"[:160]
        return rows
    sk, warm, empty = rows
    for row, key in ((sk, "sklearn"), (warm, "skreg"), (empty, "empty")):
        row.times = list(res[key][:, 0] + res[key][:, 1])
        imp, fit, wall = np.median(res[key], axis=0)
        row.note = f"import {imp:.2f} s + fit {fit:.2f} s; process {wall:.2f} s"
    empty.extra["compile"] = res["empty"][0, 1] - np.median(res["skreg"][:, 1])
    empty.note += f"; compile {empty.extra['compile']:.2f} s"
    sk.speedup = sk.median / warm.median
    return rows


def fmt(value, spec):
    return format(value, spec) if value is not None and np.isfinite(value) else "-"


def table(rows):
    head = (
        "problem",
        "size",
        "solver",
        "tol",
        "k",
        "time [s]",
        "rel. gap",
        "speed-up",
        "note",
    )
    cells = []
    for r in rows:
        if r.status:
            cells.append((r.problem, r.size, r.solver, "", "", "", "", "", r.status))
            continue
        cells.append(
            (
                r.problem,
                r.size,
                r.solver,
                fmt(r.tol, ".0e"),
                str(len(r.times)),
                fmt(r.median, ".4f"),
                fmt(r.gap, ".1e"),
                fmt(r.speedup, ".2f") + ("x" if r.speedup else ""),
                r.note,
            )
        )
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head) - 1)]
    rule = "-" * (sum(widths) + 2 * len(widths) + 4)

    def line(c):
        return (
            "  ".join(x.ljust(w) for x, w in zip(c[:-1], widths, strict=True))
            + "  "
            + c[-1]
        )

    out = [line(head)]
    for i, c in enumerate(cells):
        if i == 0 or c[0] != cells[i - 1][0]:
            out.append(rule)
        out.append(line(c).rstrip())
    return out


def targets(rows, basic=False):
    by = {(r.problem, r.solver): r for r in rows if r.times}
    issue = 3 if basic else 4
    out = [f"issue-{issue} targets (skreg speed-up = anchor time / skreg time):"]
    for problem, anchor, minimum in BASIC_TARGETS if basic else TARGETS:
        skreg = by.get((problem, "skreg"))
        if anchor.startswith("fastest"):
            cands = [by.get((problem, a)) for a in ("sklearn", "celer", "skglm")]
            cands = [c for c in cands if c is not None]
            ref = min(cands, key=lambda r: r.median) if cands else None
        else:
            ref = by.get((problem, anchor))
        if skreg is None or ref is None:
            continue
        ratio = ref.median / skreg.median
        verdict = "met" if ratio >= minimum else "NOT met"
        out.append(
            f"  {problem}: vs {ref.solver} {ratio:.2f}x (>= {minimum:g}x) {verdict}"
        )
    sk, warm, empty = (
        by.get(("cold-start", s)) for s in ("sklearn", "skreg", "skreg empty cache")
    )
    if sk and warm:
        ratio = warm.median / sk.median
        out.append(
            f"  cold-start: skreg/sklearn first fit {ratio:.2f} (<= 1.5) "
            + ("met" if ratio <= 1.5 else "NOT met")
        )
    if warm and empty:
        compile_s = empty.extra["compile"]
        out.append(
            f"  cold-start: compile {compile_s:.2f} s (< 10 s) "
            + ("met" if compile_s < 10 else "NOT met")
        )
    if len(out) == 1:
        out.append("  none measurable (skreg or the anchors did not run)")
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv

    def pinned_environment():
        with threadpool_limits(limits=1):  # every pool loaded by now, as timed
            return environment()

    if argv[:1] == ["matrix"]:
        from _matrix import main as matrix_main

        matrix_main(argv[1:], pinned_environment)
        return
    if argv[:1] == ["logistic"]:
        from bench_logistic import main as logistic_main

        logistic_main(argv[1:], pinned_environment)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "suite", choices=["lasso", "lasso-basic", "matrix", "first-use", "logistic"]
    )
    parser.add_argument(
        "--quick", action="store_true", help="scaled-down sizes, < 1 min"
    )
    parser.add_argument(
        "--problems",
        default=None,
        help="comma-separated subset of: " + ",".join([*PROBLEMS, "cold-start"]),
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed runs (default 3, 1 with --quick)",
    )
    parser.add_argument(
        "--breakdown", action="store_true", help="first-use: every row's kernels"
    )
    parser.add_argument(
        "--no-demo", action="store_true", help="first-use: skip python -m skreg"
    )
    parser.add_argument(
        "--rows",
        default=None,
        help="first-use: comma-separated row kinds (floor, lasso, engine, mlp, "
        "mlp-floor) or row names; default every row",
    )
    parser.add_argument(
        "--generic",
        action="store_true",
        help="first-use: also time Lasso fits with NUMBA_CPU_NAME=generic kernels",
    )
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.suite == "first-use":
        try:
            cases = select_cases(args.rows)
        except ValueError as exc:
            parser.error(str(exc))
        lines = first_use(args.repeats, cases, args.breakdown, not args.no_demo, log)
        if args.generic:
            log("portable kernels: NUMBA_CPU_NAME=generic vs this CPU ...")
            lines += ["", *portable_cost()]
        print("\n".join([*header(args.quick, args.repeats)[:2], "", *lines]))
        return

    if args.suite == "lasso-basic":
        names = ["dense-single", "sparse-single"]
        keep = ("sklearn", "skreg")
    else:
        names = [*PROBLEMS, "cold-start"]
        keep = None
    if args.problems:
        wanted = args.problems.split(",")
        unknown = set(wanted) - set(names)
        if unknown:
            parser.error(f"unknown problems {sorted(unknown)}; choose from {names}")
        names = [n for n in names if n in wanted]

    try:
        import numba

        numba.set_num_threads(1)
    except ImportError:
        pass
    budget = 20.0 if args.quick else 600.0
    rows = []
    with threadpool_limits(limits=1):
        for name in names:
            if name == "cold-start":
                log("cold-start: fresh processes ...")
                rows += cold_start_rows(args.repeats)
                continue
            log(f"{name}: generating ...")
            problem = PROBLEMS[name](quick=args.quick)
            solvers = SOLVERS[problem.kind]
            if keep:
                solvers = {k: v for k, v in solvers.items() if k in keep}
            rows += run_problem(problem, solvers, args.repeats, budget)
    with threadpool_limits(limits=1):  # every pool loaded by now, as timed
        lines = header(args.quick, args.repeats)
    print(
        "\n".join(
            [*lines, "", *table(rows), "", *targets(rows, basic=keep is not None)]
        )
    )


if __name__ == "__main__":
    main()
