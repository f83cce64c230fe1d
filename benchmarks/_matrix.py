"""``python benchmarks/run.py matrix``: the Lasso benchmark matrix at equal accuracy.

Usage::

    python benchmarks/run.py matrix [--quick] [--families dense-iid,sparse-text]
        [--cells '*/path,dense-iid/a10'] [--json PATH] [--repeats K] [--cap S]

Every family of :mod:`_matrix_problems` (``--families``), every cell of it
(``--cells``: names or shell patterns such as ``*/cv``), every solver (sklearn,
celer, skglm, python-glmnet, adelie, skreg) along its own tolerance ladder
(:mod:`_matrix_run`), judged by suboptimality against the best objective any
solver reached (:mod:`_matrix_protocol`); then the threads row
(:mod:`_matrix_threads`). Prints the table, the summary lines and the targets
(:mod:`_matrix_report`) and writes every measurement to a JSON file.
"""

import argparse
import fnmatch
import sys
import time
from pathlib import Path

import numpy as np
from _matrix_problems import FAMILIES, cell_names, make_cell, make_data
from _matrix_protocol import LEVELS, summarize, tol_ladder
from _matrix_report import (
    entries,
    solver_results,
    summary_lines,
    table,
    target_lines,
    write_json,
)
from _matrix_run import CellRunner
from _matrix_threads import threads_lines, threads_row
from _solvers import (
    SOLVERS,
    Unavailable,
    _anchor_import,
    adelie_single,
    celer_cv,
    glmnet_single,
    import_skreg,
)

RESULTS = Path(__file__).resolve().parent / "results"

# Rows in table order; skreg last.
MATRIX_SOLVERS = {
    "single": {
        **{k: v for k, v in SOLVERS["single"].items() if k != "skreg"},
        "glmnet": glmnet_single,
        "adelie": adelie_single,
        "skreg": SOLVERS["single"]["skreg"],
    },
    "path": SOLVERS["path"],
    "cv": {
        "sklearn": SOLVERS["cv"]["sklearn"],
        "celer": celer_cv,
        "glmnet": SOLVERS["cv"]["glmnet"],
        "skreg": SOLVERS["cv"]["skreg"],
    },
}


def log(message):
    print(message, file=sys.stderr, flush=True)


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="run.py matrix", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="scaled-down sizes, fewer cells (a few minutes)",
    )
    parser.add_argument(
        "--families",
        default=None,
        help="comma-separated subset of: " + ",".join(FAMILIES),
    )
    parser.add_argument(
        "--cells",
        default=None,
        help="comma-separated cell names or patterns (fnmatch), e.g. "
        "'*/path,*/cv,dense-iid/a100'; tasks are a10, a100, a1000, path, cv",
    )
    parser.add_argument(
        "--json", default=None, help="output file (default: results/matrix*.json)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="timed runs of a deciding run under 1 s (default 3, 1 with --quick)",
    )
    parser.add_argument(
        "--cap",
        type=float,
        default=None,
        help="seconds; a slower rung ends a solver's ladder "
        "(default 30, 2 with --quick; 2x for CV)",
    )
    parser.add_argument(
        "--no-threads", action="store_true", help="skip the threads row"
    )
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.cap is None:
        args.cap = 2.0 if args.quick else 30.0
    if args.families:
        wanted = args.families.split(",")
        unknown = set(wanted) - set(FAMILIES)
        if unknown:
            parser.error(
                f"unknown families {sorted(unknown)}; choose from {list(FAMILIES)}"
            )
    return args


def selected_cells(args):
    """``[(family, [cell names])]`` after the ``--families``/``--cells`` filters."""
    families = args.families.split(",") if args.families else list(FAMILIES)
    patterns = args.cells.split(",") if args.cells else ["*"]
    out = []
    for name in families:
        names = [
            c
            for c in cell_names(FAMILIES[name], args.quick)
            if any(fnmatch.fnmatchcase(c, p) or c.split("/")[1] == p for p in patterns)
        ]
        if names:
            out.append((FAMILIES[name], names))
    return out


def digest(record):
    problem = record["problem"]
    solvers, ratios = solver_results(record)
    X = problem.X
    return {
        "name": problem.name,
        "size": "{}x{}".format(*X.shape)
        + (" csc" if problem.extra["sparse"] else "")
        + (" f32" if X.dtype == np.float32 else "")
        + (" +b" if problem.fit_intercept else ""),
        "kind": problem.kind,
        "group": "sparse" if problem.extra["sparse"] else "dense",
        "dtype": str(X.dtype),
        "fit_intercept": problem.fit_intercept,
        "solvers": solvers,
        "ratios": ratios,
        "ran": record["ran"],
    }


def _threads_estimators():
    out = {}
    try:
        out["sklearn"] = _anchor_import("sklearn.linear_model").Lasso
        out["skreg"] = import_skreg().Lasso
    except Unavailable as exc:
        log(f"threads row: {exc}")
    return out


def main(argv, environment):
    """Run the matrix; ``environment()`` returns the header lines of run.py."""
    args = parse(argv)
    try:
        import numba

        numba.set_num_threads(1)
    except ImportError:
        pass
    ladder = tol_ladder(1e-2 if args.quick else 1e-1, 1e-14)
    if args.quick:
        ladder = ladder[::2]  # decades: indicative only
    runner = CellRunner(MATRIX_SOLVERS, ladder, args.cap, args.repeats, log)
    records, cells = [], []
    start = time.perf_counter()
    for family, names in selected_cells(args):
        log(f"{family.name}: generating ...")
        X, y = make_data(family, args.quick)
        for name in names:
            problem = make_cell(family, name, X, y)
            log(f"  {name} ({problem.kind}, {X.shape[0]}x{X.shape[1]}) ...")
            record = runner.run(problem)
            records.append(record)
            cells.append(digest(record))
            record["problem"].X = None  # free the data; the JSON keeps the alphas
    elapsed = time.perf_counter() - start
    threads = (
        {}
        if args.no_threads
        else threads_row(_threads_estimators(), args.repeats + 2, args.quick)
    )

    header = [
        *environment(),
        f"protocol: tol ladder {ladder[0]:.0e} .. {ladder[-1]:.0e} "
        f"({'decades' if args.quick else 'half-decades'}), suboptimality "
        "(P(w) - P*)/P(0), P* = best objective any run reached (per alpha); time@eps = "
        f"fastest run with suboptimality <= eps; median of <= {args.repeats} runs for "
        f"runs < 1 s; rung cap {args.cap:g} s; cells took {elapsed:.0f} s"
        + (" -- QUICK sizes, indicative only" if args.quick else ""),
    ]
    summary = summary_lines(cells)
    targets = target_lines(cells, threads)
    lines = [*header, "", *table(cells), "", *summary]
    if threads:
        lines += ["", *threads_lines(threads)]
    print("\n".join([*lines, "", *targets]))

    path = (
        Path(args.json)
        if args.json
        else RESULTS
        / (
            "matrix"
            + ("-quick" if args.quick else "")
            + ("-slice" if args.families or args.cells else "")
            + ".json"
        )
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    groups = {
        g or "all": summarize(entries(cells, g)) for g in ("dense", "sparse", None)
    }
    write_json(
        path, header, cells, records, threads, {"lines": summary, **groups}, targets
    )
    log(f"wrote {path}")
    return {"levels": LEVELS, "cells": cells}
