"""Turn a saved ``run.py`` table into a bar chart of skreg's speed-ups.

Usage::

    python benchmarks/run.py lasso > benchmarks/results/lasso.txt
    python benchmarks/plot_results.py benchmarks/results/lasso.txt -o lasso.png

Reads the table ``run.py`` prints (columns located from its header line), and
draws, for every problem, one bar per anchor: ``anchor time / skreg time``
(the ``speed-up`` column), with the anchor's median time and relative gap as
the label.  Nothing is re-measured; bars above 1 mean skreg was faster.
"""

import argparse
import re
from pathlib import Path

COLUMNS = ("problem", "size", "solver", "tol", "k", "time [s]", "rel. gap", "speed-up")


def parse(text):
    """Rows of the table as dicts of strings (rows of solvers that ran)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("problem "))
    header = lines[start]
    edges = [header.index(name) for name in COLUMNS] + [header.index("note")]
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        if set(line) == {"-"}:
            continue
        cells = [line[a:b].strip() for a, b in zip(edges[:-1], edges[1:], strict=True)]
        row = dict(zip(COLUMNS, cells, strict=True))
        row["note"] = line[edges[-1] :].strip()
        rows.append(row)
    return rows


def speedups(rows):
    """``{problem: [(anchor, speed-up, time, gap), ...]}`` for the anchors."""
    out = {}
    for row in rows:
        if row["solver"] == "skreg" or not re.match(r"[\d.]+x$", row["speed-up"]):
            continue
        out.setdefault(row["problem"], []).append(
            (
                row["solver"],
                float(row["speed-up"][:-1]),
                row["time [s]"],
                row["rel. gap"],
            )
        )
    return out


def plot(results, title, output):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, values, colors = [], [], []
    for i, (problem, anchors) in enumerate(results.items()):
        for anchor, speedup, _, _ in anchors:
            labels.append(f"{problem}: vs {anchor}")
            values.append(speedup)
            colors.append(f"C{i % 10}")
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(labels) + 1.4))
    y = range(len(labels))
    ax.barh(y, values, color=colors, left=0)
    ax.set_xscale("log")
    ax.axvline(1.0, color="k", linewidth=1)
    ax.set_yticks(list(y), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(min(min(values), 1.0) / 2, max(max(values), 1.0) * 3)
    for yi, value in zip(y, values, strict=True):
        ax.text(value * 1.08, yi, f"{value:.2f}x", va="center", fontsize=8)
    ax.set_xlabel("anchor time / skreg time (log scale; right of 1: skreg faster)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(output, dpi=110)
    plt.close(fig)
    print(f"wrote {output}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", type=Path, help="saved stdout of benchmarks/run.py")
    parser.add_argument("-o", "--output", type=Path, default=Path("speedups.png"))
    parser.add_argument("--title", default=None)
    args = parser.parse_args()
    results = speedups(parse(args.table.read_text()))
    if not results:
        raise SystemExit(f"no speed-up rows found in {args.table}")
    title = args.title or f"skreg speed-up per anchor ({args.table.name})"
    plot(results, title, args.output)


if __name__ == "__main__":
    main()
