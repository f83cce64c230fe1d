"""The matrix's table, summary lines, targets and JSON, from the cell records."""

import json

import numpy as np
from _matrix_protocol import (
    LEVELS,
    MIN_GEOMEAN,
    MIN_VS_FASTEST,
    MIN_VS_GLMNET,
    MIN_VS_SKLEARN,
    certified,
    skreg_ratios,
    speedup,
    summarize,
    time_to,
    verdict,
)
from _matrix_run import suboptimalities

THREADS_TARGET = 1.6


def solver_results(record):
    """Per solver: times to each level, defaults, note; plus skreg's ratios."""
    subopts = suboptimalities(record)
    for run, s in zip(record["runs"], subopts, strict=True):
        run.extra["subopt"] = s
    out = {}
    for name in dict.fromkeys(
        [r.solver for r in record["runs"]] + list(record["notes"])
    ):
        mine = [
            (r, s)
            for r, s in zip(record["runs"], subopts, strict=True)
            if r.solver == name
        ]
        runs = [r for r, _ in mine]
        subs = [s for _, s in mine]
        default = next((r for r in runs if r.tol is None), None)
        ladder_subs = [s for r, s in mine if r.tol is not None]
        out[name] = {
            "times": {lvl: time_to(runs, subs, lvl)[0] for lvl in LEVELS},
            "tols": {
                lvl: getattr(time_to(runs, subs, lvl)[1], "tol", None) for lvl in LEVELS
            },
            "best_subopt": min(ladder_subs, default=np.nan),
            "default_time": default.seconds if default else np.nan,
            "default_subopt": default.extra["subopt"] if default else np.nan,
            "note": record["notes"].get(name, ""),
        }
    ratios = {}
    if "skreg" in out:
        for lvl in LEVELS:
            times = {k: v["times"][lvl] for k, v in out.items() if k in record["ran"]}
            ratios[lvl] = skreg_ratios(times)
            ratios[lvl]["vs_glmnet"] = speedup(
                times.get("glmnet", np.nan), times.get("skreg", np.nan)
            )
    return out, ratios


def fmt(value, spec):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if isinstance(value, float) and np.isinf(value):
        return "inf"
    return format(value, spec)


def _ratio(r):
    return fmt(r, ".2f") + ("x" if r is not None and np.isfinite(r) else "")


def table(cells):
    """Lines of the one table: a row per (cell, solver)."""
    head = (
        "cell",
        "size",
        "solver",
        "t@1e-3",
        "t@1e-6",
        "default t",
        "default subopt",
        "skreg vs fastest (1e-3 / 1e-6)",
        "skreg vs sklearn",
        "note",
    )
    rows = []
    for cell in cells:
        for name, res in cell["solvers"].items():
            extra = ("", "")
            if name == "skreg" and cell["ratios"]:
                r3, r6 = (cell["ratios"][lvl] for lvl in LEVELS)
                extra = (
                    f"{_ratio(r3['vs_fastest'])} {r3['fastest'] or ''} / "
                    f"{_ratio(r6['vs_fastest'])} {r6['fastest'] or ''}",
                    f"{_ratio(r3['vs_sklearn'])} / {_ratio(r6['vs_sklearn'])}",
                )
            ran = name in cell["ran"]
            rows.append(
                (
                    cell["name"],
                    cell["size"],
                    name,
                    fmt(res["times"][LEVELS[0]], ".4f") if ran else "",
                    fmt(res["times"][LEVELS[1]], ".4f") if ran else "",
                    fmt(res["default_time"], ".4f") if ran else "",
                    fmt(res["default_subopt"], ".1e") if ran else "",
                    *extra,
                    res["note"],
                )
            )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]

    def line(r):
        return (
            "  ".join(x.ljust(w) for x, w in zip(r[:-1], widths, strict=True))
            + "  "
            + r[-1]
        ).rstrip()

    out = [line(head)]
    rule = "-" * (sum(widths) + 2 * len(widths) + 4)
    for i, r in enumerate(rows):
        if i == 0 or r[0] != rows[i - 1][0]:
            out.append(rule)
        out.append(line(r))
    return out


def entries(cells, group=None):
    """(cell, level) ratio entries of skreg, optionally one group (dense/sparse)."""
    return [
        {"cell": c["name"], "level": lvl, **c["ratios"][lvl]}
        for c in cells
        if c["ratios"] and (group is None or c["group"] == group)
        for lvl in LEVELS
    ]


def summary_lines(cells):
    out = []
    for group in ("dense", "sparse", None):
        s = summarize(entries(cells, group))
        if not s["n"]:
            continue
        worst = s["worst"]
        out.append(
            f"summary {group or 'all'}: skreg vs fastest anchor geometric mean "
            f"{fmt(s['geomean'], '.2f')}x over {s['n']} cell-levels; worst "
            f"{worst[0]} @{worst[1]:.0e} {fmt(worst[2], '.2f')}x; below sklearn in "
            f"{s['below_sklearn']}; below {MIN_VS_FASTEST}x fastest anchor in "
            f"{s['below_fastest']} (skreg did not reach the level in {s['unreached']})"
        )
    return out


def _min_vs_glmnet(cells, kind):
    values = [
        (c["ratios"][lvl]["vs_glmnet"], c["name"], lvl)
        for c in cells
        if c["kind"] == kind and c["ratios"]
        for lvl in LEVELS
        if not np.isnan(c["ratios"][lvl]["vs_glmnet"])
    ]
    return min(values, default=None)


def target_lines(cells, threads=None):
    s = summarize(entries(cells))
    out = [
        "issue-12 targets (skreg speed-up = anchor time / skreg time, at equal "
        "suboptimality):"
    ]
    if s["n"]:
        ok = s["below_sklearn"] == 0 and s["below_fastest"] == 0
        out.append(
            f"  every cell >= {MIN_VS_SKLEARN:g}x sklearn and >= {MIN_VS_FASTEST}x "
            f"the fastest anchor: {s['below_sklearn']} below sklearn, "
            f"{s['below_fastest']} below {MIN_VS_FASTEST}x of {s['n']} {verdict(ok)}"
        )
        out.append(
            f"  geometric mean vs fastest anchor {fmt(s['geomean'], '.2f')}x (>= "
            f"{MIN_GEOMEAN:g}x) {verdict(s['geomean'] >= MIN_GEOMEAN)}"
        )
    for kind, label in (("path", "paths"), ("cv", "LassoCV")):
        worst = _min_vs_glmnet(cells, kind)
        if worst is not None:
            ratio, name, lvl = worst
            out.append(
                f"  {label} >= {MIN_VS_GLMNET:g}x glmnet: worst {name} @{lvl:.0e} "
                f"{fmt(ratio, '.2f')}x {verdict(ratio >= MIN_VS_GLMNET)}"
            )
    if threads:
        for name, row in threads.items():
            if name == "skreg":
                sk = threads.get("sklearn", {}).get("speedup", np.nan)
                out.append(
                    f"  threads: 2 threads vs serial {row['speedup']:.2f}x (>= "
                    f"{THREADS_TARGET}x; sklearn {sk:.2f}x) "
                    f"{verdict(row['speedup'] >= THREADS_TARGET)}"
                )
    if len(out) == 1:
        out.append("  none measurable (skreg or the anchors did not run)")
    return out


def _clean(value):
    """JSON-safe: nan/inf as strings, numpy scalars and arrays as Python."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    return value


def cell_json(record, cell):
    """Every measurement of a cell: all runs, P*, the certificate of P*."""
    p0 = record["p0"]
    p_star, d_star = record["p_star"], record["d_star"]
    return {
        **{
            k: cell[k]
            for k in ("name", "size", "kind", "group", "dtype", "fit_intercept")
        },
        "alphas": record["problem"].alphas,
        "p0": p0,
        "p_star": p_star,
        # How far P* itself may be from the optimum: (P* - best dual) / P(0).
        "p_star_certified": float(np.nanmax((p_star - d_star) / p0))
        if len(p_star)
        else None,
        "reference_choice": record.get("reference"),
        "runs": [
            {
                "solver": r.solver,
                "tol": "default" if r.tol is None else r.tol,
                "times": r.times,
                "subopt": r.extra["subopt"],
                "certified_gap": certified(r, p0),
                "choice": r.choice,
            }
            for r in record["runs"]
        ],
        "solvers": {
            k: {
                **v,
                "times": {f"{lvl:.0e}": t for lvl, t in v["times"].items()},
                "tols": {f"{lvl:.0e}": t for lvl, t in v["tols"].items()},
            }
            for k, v in cell["solvers"].items()
        },
        "ratios": {f"{lvl:.0e}": v for lvl, v in cell["ratios"].items()},
    }


def write_json(path, header, cells, records, threads, summary, targets):
    doc = {
        "header": header,
        "levels": LEVELS,
        "cells": [cell_json(r, c) for r, c in zip(records, cells, strict=True)],
        "threads": threads,
        "summary": summary,
        "targets": targets,
    }
    with open(path, "w") as fh:
        json.dump(_clean(doc), fh, indent=1)
