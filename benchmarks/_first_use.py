"""First use of skreg: fresh processes, an empty and a warm numba cache.

Every measurement runs in a new Python process with BLAS and numba threads
pinned to 1. A case builds its data first (numpy and scipy imported before the
clock), then times ``import`` and the first ``fit`` separately:

- *empty cache*: ``NUMBA_CACHE_DIR`` points at a new temporary directory, so
  the fit compiles every kernel it uses;
- *warm cache*: the same case again in new processes with that directory, now
  filled, so the fit loads its kernels from disk.

The child also records numba's ``numba:compile`` events (one per kernel
specialization compiled, nested when a kernel compiles its callees), which
give the per-kernel breakdown. Separately: a fresh process that imports skreg
and fits a small Lasso against the same with sklearn (process wall time,
interpreter start included), and the time to the first line of
``python -m skreg`` with an empty cache, read through a pseudo-terminal as a
user would see it.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent

DATA = {
    "regression": """
rng = np.random.default_rng(0)
X = rng.standard_normal((200, 50))
y = X[:, :5].sum(axis=1) + rng.standard_normal(200)
""",
    "sparse": """
rng = np.random.default_rng(0)
X = sp.random(200, 50, density=0.2, random_state=0, format="{fmt}")
y = X[:, :5].toarray().sum(axis=1) + rng.standard_normal(200)
""",
    # 300 features: the working-set kernel (200 or more), not plain CD.
    "wide": """
rng = np.random.default_rng(0)
X = rng.standard_normal((100, 300))
y = X[:, :5].sum(axis=1) + rng.standard_normal(100)
""",
    "sparse-wide": """
rng = np.random.default_rng(0)
X = sp.random(100, 300, density=0.2, random_state=0, format="csc")
y = X[:, :5].toarray().sum(axis=1) + rng.standard_normal(100)
""",
    # More than QUICK_START_MAX_ENTRIES stored entries (1e6): a single fit
    # starts quickly on a budget of sweeps, a path compiles the engine.
    "dense-large": """
rng = np.random.default_rng(0)
X = rng.standard_normal((2000, 1000))
y = X[:, :10].sum(axis=1) + rng.standard_normal(2000)
""",
    # Too large to densify for a quick start (more than 1e5 entries): the
    # sparse kernels compile.
    "sparse-mid": """
rng = np.random.default_rng(0)
X = sp.random(2000, 10000, density=0.003, random_state=0, format="csc")
y = X[:, :10].toarray().sum(axis=1) + 0.1 * rng.standard_normal(2000)
""",
    "sparse-large": """
rng = np.random.default_rng(0)
X = sp.random(10000, 20000, density=0.01, random_state=0, format="csc")
y = X[:, :10].toarray().sum(axis=1) + 0.1 * rng.standard_normal(10000)
""",
    "classification": """
rng = np.random.default_rng(0)
X = rng.standard_normal((200, 20))
y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
""",
}

# The whole MLP toolkit at once (issue 13: "any combination of the options").
TOOLKIT = (
    "dropout=0.3, input_dropout=0.1, batch_norm=True, l1_ratio=0.5, "
    "solver='rmsprop', weight_decay=1e-3, input_noise=0.1, "
    "input_group_alpha=1e-3, early_stopping=True, early_stopping_metric='loss', "
    "class_weight='balanced'"
)


@dataclass(frozen=True)
class Case:
    """One first fit: a name, its data and the statement that fits."""

    name: str
    data: str
    fit: str
    target: float  # seconds, empty cache, fit only (nan: none)
    kind: str = "lasso"
    env: tuple = ()  # (name, value) pairs for the child's environment
    floor: str = ""  # the floor row it is read against ("": FLOOR)


ENGINE = (("SKREG_QUICK_START", "0"),)
FLOOR_SCRIPT = REPO / "benchmarks" / "_numba_floor.py"
FLOOR = "numba floor: 1-kernel Lasso CD"
SPARSE_FLOOR_SCRIPT = REPO / "benchmarks" / "_numba_floor_sparse.py"
SPARSE_FLOOR = "numba floor: 1-kernel sparse Lasso"
MLP_FLOOR_SCRIPT = REPO / "benchmarks" / "_mlp_floor.py"

CASES = (
    # Not skreg: numba's compile time for the smallest Lasso CD kernel (one
    # function, dense, no screening), the floor under every Lasso row.
    Case(
        FLOOR,
        DATA["regression"],
        f"import runpy; runpy.run_path({str(FLOOR_SCRIPT)!r}, "
        "init_globals={'X': X, 'y': y})",
        float("nan"),
        "floor",
    ),
    # The same for sparse data too large to densify (CSC, centred implicitly),
    # the floor under the rows that compile the sparse kernels.
    Case(
        SPARSE_FLOOR,
        DATA["sparse-mid"],
        f"import runpy; runpy.run_path({str(SPARSE_FLOOR_SCRIPT)!r}, "
        "init_globals={'X': X, 'y': y})",
        float("nan"),
        "floor",
    ),
    Case("Lasso dense", DATA["regression"], "skreg.Lasso(alpha=0.1).fit(X, y)", 1.5),
    Case(
        "Lasso sparse CSC",
        DATA["sparse"].format(fmt="csc"),
        "skreg.Lasso(alpha=0.01).fit(X, y)",
        1.5,
    ),
    Case(
        "Lasso sparse CSR",
        DATA["sparse"].format(fmt="csr"),
        "skreg.Lasso(alpha=0.01).fit(X, y)",
        1.5,
    ),
    Case(
        "Lasso float32",
        DATA["regression"] + "X = X.astype(np.float32); y = y.astype(np.float32)\n",
        "skreg.Lasso(alpha=0.1).fit(X, y)",
        1.5,
    ),
    Case(
        "ElasticNet dense",
        DATA["regression"],
        "skreg.ElasticNet(alpha=0.1, l1_ratio=0.5).fit(X, y)",
        1.5,
    ),
    Case(
        "Lasso dense 100x300 (working sets)",
        DATA["wide"],
        "skreg.Lasso(alpha=0.05).fit(X, y)",
        1.5,
    ),
    Case(
        "Lasso CSC 100x300 (working sets)",
        DATA["sparse-wide"],
        "skreg.Lasso(alpha=0.01).fit(X, y)",
        1.5,
    ),
    Case(
        "Lasso dense 2000x1000 (2e6 entries)",
        DATA["dense-large"],
        "skreg.Lasso(alpha=0.05).fit(X, y)",
        1.5,
    ),
    Case(
        "Lasso CSC 2000x10000 (6e4 entries)",
        DATA["sparse-mid"],
        "skreg.Lasso(alpha=0.001).fit(X, y)",
        1.5,
        floor=SPARSE_FLOOR,
    ),
    Case(
        "Lasso CSC 10000x20000 (2e6 entries)",
        DATA["sparse-large"],
        "skreg.Lasso(alpha=0.001).fit(X, y)",
        1.5,
        floor=SPARSE_FLOOR,
    ),
    Case("LassoCV dense", DATA["regression"], "skreg.LassoCV().fit(X, y)", 2.0),
    # Wider than tall: the folds' paths reach near interpolation.
    Case("LassoCV dense 100x300", DATA["wide"], "skreg.LassoCV().fit(X, y)", 2.0),
    Case("LassoCV CSC 100x300", DATA["sparse-wide"], "skreg.LassoCV().fit(X, y)", 2.0),
    Case("lasso_path dense", DATA["regression"], "skreg.lasso_path(X, y)", 2.0),
    Case(
        "lasso_path CSC 100x300",
        DATA["sparse-wide"],
        "skreg.lasso_path(X, y)",
        2.0,
    ),
    # The CD engine itself (SKREG_QUICK_START=0), which the rows above reach
    # only once their quick starts have paid for its compilation
    # (skreg/_quick_start.py).
    *(
        Case(f"engine: {name}", data, fit, float("nan"), "engine", ENGINE)
        for name, data, fit in (
            ("Lasso dense", DATA["regression"], "skreg.Lasso(alpha=0.1).fit(X, y)"),
            (
                "Lasso CSC",
                DATA["sparse"].format(fmt="csc"),
                "skreg.Lasso(alpha=0.01).fit(X, y)",
            ),
            ("Lasso dense 100x300", DATA["wide"], "skreg.Lasso(alpha=0.05).fit(X, y)"),
            ("lasso_path CSC 100x300", DATA["sparse-wide"], "skreg.lasso_path(X, y)"),
            (
                "Lasso dense 2000x1000",
                DATA["dense-large"],
                "skreg.Lasso(alpha=0.05).fit(X, y)",
            ),
            (
                "Lasso CSC 10000x20000",
                DATA["sparse-large"],
                "skreg.Lasso(alpha=0.001).fit(X, y)",
            ),
        )
    ),
    # Not skreg's engine: one self-contained epoch kernel of the default
    # classifier (forward, backward, Adam over minibatches), the floor under
    # the MLP rows.
    Case(
        "numba floor: 1-kernel MLP epoch",
        DATA["classification"],
        f"import runpy; runpy.run_path({str(MLP_FLOOR_SCRIPT)!r}, "
        "init_globals={'X': X, 'y': y})",
        float("nan"),
        "mlp-floor",
    ),
    Case(
        "MLPClassifier()",
        DATA["classification"],
        "skreg.MLPClassifier(max_iter=20, random_state=0).fit(X, y)",
        3.0,
        "mlp",
    ),
    Case(
        "MLPRegressor()",
        DATA["regression"],
        "skreg.MLPRegressor(max_iter=20, random_state=0).fit(X, y)",
        3.0,
        "mlp",
    ),
    Case(
        "MLPClassifier(dropout, batch_norm)",
        DATA["classification"],
        "skreg.MLPClassifier(dropout=0.5, batch_norm=True, max_iter=20, "
        "random_state=0).fit(X, y)",
        4.0,
        "mlp",
    ),
    Case(
        "MLPClassifier(l1_ratio=0.5)",
        DATA["classification"],
        "skreg.MLPClassifier(l1_ratio=0.5, max_iter=20, random_state=0).fit(X, y)",
        4.0,
        "mlp",
    ),
    Case(
        "MLPClassifier(whole toolkit)",
        DATA["classification"],
        f"skreg.MLPClassifier({TOOLKIT}, max_iter=20, random_state=0).fit(X, y)",
        4.0,
        "mlp",
    ),
    # The worst combination found (a CSR input perturbed by noise and dropout
    # is made dense batch by batch in the kernel).
    Case(
        "MLPClassifier(whole toolkit) CSR",
        DATA["sparse"].format(fmt="csr") + "y = (y > 0).astype(int)\n",
        f"skreg.MLPClassifier({TOOLKIT}, max_iter=20, random_state=0).fit(X, y)",
        4.0,
        "mlp",
    ),
)

CHILD = """
import json, sys, time, warnings
import numpy as np
import scipy.sparse as sp
warnings.simplefilter("ignore")
{data}
start = time.perf_counter()
import skreg
# The estimator modules too (scikit-learn, numba, the kernel modules): the
# import excluded from the fit is everything a plain `import skreg` loaded
# before it loaded its names lazily, so the rows compare across versions.
skreg.Lasso, skreg.MLPClassifier
# numba as well, loaded by the first fit: excluded from every row alike (the
# compile recorder below imports it too, before the empty-cache fit).
import numba
imported = time.perf_counter()
events = []
if {record}:
    from numba.core import event

    class Recorder(event.Listener):
        def on_start(self, ev):
            d = ev.data["dispatcher"]
            name = d.py_func.__module__.rsplit(".", 1)[-1] + "." + d.__name__
            events.append(["start", name, [str(a) for a in ev.data["args"]],
                           time.perf_counter()])

        def on_end(self, ev):
            events.append(["end", None, None, time.perf_counter()])

    event.register("numba:compile", Recorder())
fit_start, cpu_start = time.perf_counter(), time.process_time()
{fit}
done, cpu_done = time.perf_counter(), time.process_time()
print(json.dumps({{"import": imported - start, "fit": done - fit_start,
                  "cpu": cpu_done - cpu_start, "events": events}}))
"""


def child_env(cache_dir=None, **extra):
    """The environment of every child: threads pinned, this tree's skreg."""
    env = dict(os.environ)
    env.pop("SKREG_QUICK_START", None)  # skreg's default, unless a case sets it
    env.update(extra)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO), env.get("PYTHONPATH")])
    )
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["NUMBA_NUM_THREADS"] = "1"
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    return env


def run_child(code, cache_dir, timeout=600, args=(), **extra_env):
    """Run ``python -c code *args`` in a fresh process.

    Returns (the last line of its stdout, the process wall time, the
    process CPU time); raises RuntimeError with the child's last stderr line
    when it fails.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=child_env(cache_dir, **extra_env),
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(last)
    return proc.stdout.strip().splitlines()[-1], wall, cpu


@dataclass
class Compiled:
    """One kernel specialization compiled during a fit."""

    kernel: str
    args: list
    inclusive: float  # seconds, its callees' compilation included
    own: float = 0.0  # seconds, callees' compilation excluded
    depth: int = 0


def compiled_kernels(events):
    """Nest the recorded compile events into one row per specialization."""
    out, stack = [], []
    for kind, name, args, stamp in events:
        if kind == "start":
            stack.append((Compiled(name, args, 0.0, depth=len(stack)), stamp, []))
            continue
        item, started, children = stack.pop()
        item.inclusive = stamp - started
        item.own = item.inclusive - sum(c.inclusive for c in children)
        out.append(item)
        if stack:
            stack[-1][2].append(item)
    return out


@dataclass
class Result:
    """The measurements of one case."""

    case: Case
    empty_fit: float = np.nan
    empty_cpu: float = np.nan  # CPU seconds of that fit: less sensitive to load
    empty_import: float = np.nan
    warm_fit: list = field(default_factory=list)
    compiled: list = field(default_factory=list)
    status: str = ""


def run_case(case, repeats, record=True):
    """Empty cache once, then ``repeats`` warm-cache runs from the same cache."""
    result = Result(case)
    with tempfile.TemporaryDirectory(prefix="skreg-first-use-") as cache_dir:
        try:
            line, *_ = run_child(
                CHILD.format(data=case.data, fit=case.fit, record=record),
                cache_dir,
                **dict(case.env),
            )
            out = json.loads(line)
            result.empty_fit, result.empty_import = out["fit"], out["import"]
            result.empty_cpu = out["cpu"]
            result.compiled = compiled_kernels(out["events"])
            for _ in range(repeats):
                line, *_ = run_child(
                    CHILD.format(data=case.data, fit=case.fit, record=False),
                    cache_dir,
                    **dict(case.env),
                )
                result.warm_fit.append(json.loads(line)["fit"])
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            result.status = f"failed: {exc}"[:100]
    return result


def fresh_process(repeats, cache_dir, children=("skreg", "sklearn", "numba-floor")):
    """Process wall time, import and fit of a small model, skreg and sklearn.

    ``children`` name the child's cases (benchmarks/_cold_start.py): a
    200x50 Lasso (``"skreg"``, ``"sklearn"``), its numba floor, or a small
    MLPClassifier (``"skreg-mlp"``, ``"sklearn-mlp"``). ``cache_dir`` must
    already hold skreg's compiled kernels. The cases alternate so that load on
    the machine hits them alike.

    Returns a dict of arrays by case, of rows ``(process wall, import, fit,
    process CPU)`` in seconds and whether the process loaded numba (1) or not
    (0); the numba floor imports scikit-learn and numba and loads one cached
    Lasso kernel, the least a numba-compiled drop-in can do.
    """
    from _cold_start import CHILD  # it imports this module

    runs = {child: [] for child in children}
    here = str(Path(__file__).resolve().parent)
    for _ in range(repeats):
        for library in runs:
            line, wall, cpu = run_child(CHILD, cache_dir, args=(library, here))
            out = json.loads(line)
            runs[library].append(
                (wall, out["import"], out["fit"], cpu, float(out["numba"]))
            )
    return {k: np.array(v) for k, v in runs.items()}


def demo_first_line(argv=("-m", "skreg"), timeout=900):
    """Run ``python -m skreg`` with an empty cache through a pseudo-terminal.

    Returns ``(seconds to the first line, first lines, total seconds, widest
    line)``; stdout is a terminal as for a user, so its buffering is a user's.
    """
    import pty
    import select

    with tempfile.TemporaryDirectory(prefix="skreg-first-use-") as cache_dir:
        leader, follower = pty.openpty()
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, *argv],
            env=child_env(cache_dir),
            cwd=str(REPO),
            stdout=follower,
            stderr=follower,
            close_fds=True,
        )
        os.close(follower)
        buf, first = b"", None
        while True:
            ready, _, _ = select.select([leader], [], [], 1.0)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                if not chunk:
                    break
                buf += chunk
                if first is None and b"\n" in buf:
                    first = time.perf_counter() - start
            elif proc.poll() is not None:
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                break
        proc.wait()
        total = time.perf_counter() - start
        os.close(leader)
    lines = buf.decode(errors="replace").replace("\r\n", "\n").splitlines()
    if proc.returncode != 0:
        raise RuntimeError(lines[-1] if lines else "python -m skreg failed")
    return first, lines, total, max((len(s) for s in lines), default=0)


def _verdict(ok):
    return "met" if ok else "NOT met"


def breakdown(result):
    """Lines: the kernels one case compiled, slowest own compile time first."""
    per_kernel = {}
    for item in result.compiled:
        entry = per_kernel.setdefault(item.kernel, [0, 0.0, 0.0, []])
        entry[0] += 1
        entry[1] += item.own
        entry[2] += item.inclusive
        entry[3].append(item.args)
    total = sum(c.inclusive for c in result.compiled if c.depth == 0)
    lines = [
        f"{result.case.name}: {len(result.compiled)} specializations of "
        f"{len(per_kernel)} kernels, {total:.2f} s of compilation "
        f"(fit {result.empty_fit:.2f} s)",
        f"  {'kernel':<34} {'n':>2} {'own [s]':>8} {'with callees':>12}",
    ]
    for name, (n, own, incl, sigs) in sorted(
        per_kernel.items(), key=lambda kv: -kv[1][1]
    ):
        lines.append(f"  {name:<34} {n:>2} {own:>8.2f} {incl:>12.2f}")
        if name.startswith(("arrayobj.", "builtins.")):
            continue  # numba's own implementations: many unrelated signatures
        # Where the specializations of one kernel differ: the types to unify.
        if len({len(s) for s in sigs}) != 1:
            continue
        for i, types in enumerate(zip(*sigs, strict=True)):
            if len(set(types)) > 1:
                shown = " | ".join(sorted(set(types)))
                lines.append(f"      argument {i} differs: {shown}"[:96])
    return lines


def select_cases(rows=None):
    """The cases named by ``rows``: comma-separated kinds (``floor``, ``lasso``,
    ``mlp-floor``, ``mlp``) or case names; None: every case.  ``mlp`` brings
    its floor along.

    Raises ValueError naming the parts that match nothing.
    """
    if rows is None:
        return list(CASES)
    wanted = [w.strip() for w in rows.split(",") if w.strip()]
    unknown = [w for w in wanted if not any(w in (c.kind, c.name) for c in CASES)]
    if unknown:
        kinds = sorted({c.kind for c in CASES})
        raise ValueError(
            f"--rows: no case named {unknown}; give kinds {kinds} or case names"
        )
    if "mlp" in wanted:
        wanted.append("mlp-floor")
    return [c for c in CASES if c.kind in wanted or c.name in wanted]


def first_use(repeats=3, cases=None, breakdown_all=False, demo=True, log=print):
    """Measure the cases, the fresh-process ratio and the demo; return lines.

    ``cases``: a list of :class:`Case` (default every case). The warm-cache
    fresh-process comparison (a Lasso fit) runs when a Lasso case is among
    them; the compile breakdown covers the Lasso and MLP rows, or every row
    with ``breakdown_all``.
    """
    cases = list(CASES) if cases is None else cases
    results = []
    for case in cases:
        log(f"{case.name}: empty cache, then {repeats} warm ...")
        results.append(run_case(case, repeats))
    lines = [
        "first fit in a fresh process, threads pinned to 1; 'empty cache' = new "
        "NUMBA_CACHE_DIR per row;",
        "fit time excludes the import (numpy, scipy, skreg's estimator modules, "
        f"sklearn, numba); warm = median of {repeats}.",
        "MLPs: max_iter=20 (the kernels compiled do not depend on it). CPU: CPU "
        "seconds of the empty-cache fit,",
        "less sensitive than wall time to other jobs on the machine; compile: "
        "seconds inside numba:compile.",
        "",
        f"{'first fit':<36} {'empty [s]':>9} {'target':>7} {'':>7} "
        f"{'CPU [s]':>7} {'warm [s]':>8} {'kernels':>7} {'compile':>7}",
        "-" * 96,
    ]
    for r in results:
        if r.status:
            lines.append(f"{r.case.name:<36} {r.status}")
            continue
        compile_s = sum(c.inclusive for c in r.compiled if c.depth == 0)
        target, verdict = "-", ""
        if not np.isnan(r.case.target):
            target = f"<= {r.case.target:g}"
            verdict = _verdict(r.empty_fit <= r.case.target)
        lines.append(
            f"{r.case.name:<36} {r.empty_fit:>9.2f} {target:>7}"
            f" {verdict:>7} {r.empty_cpu:>7.2f} "
            f"{np.median(r.warm_fit):>8.3f} {len(r.compiled):>7} {compile_s:>7.2f}"
        )
    for kind, rows in (("floor", "lasso"), ("mlp-floor", "mlp")):
        for floor in [r for r in results if r.case.kind == kind and not r.status]:
            over = [
                r
                for r in results
                if r.case.kind == rows
                and not r.status
                and (kind != "floor" or (r.case.floor or FLOOR) == floor.case.name)
            ]
            if over:
                lines.append(
                    f"empty-cache CPU over the {floor.case.name} "
                    f"({floor.empty_cpu:.2f} s): "
                    + ", ".join(
                        f"{r.case.name} {r.empty_cpu / floor.empty_cpu:.1f}x"
                        for r in over
                    )
                )
    lines.append("")
    if any(c.kind == "lasso" for c in cases):
        lines += _fresh_process_lines(repeats, log)
    if demo:
        log("python -m skreg with an empty cache ...")
        try:
            first, out, total, widest = demo_first_line()
            lines += [
                f"python -m skreg, empty cache: first line after {first:.2f} s (<= 2) "
                f"{_verdict(first <= 2)}; done after {total:.1f} s; widest line "
                f"{widest} (<= 100) {_verdict(widest <= 100)}",
                f"  first line: {out[0][:88]!r}" if out else "  no output",
            ]
        except (RuntimeError, OSError) as exc:
            lines.append(f"python -m skreg: failed: {exc}"[:100])
    lines.append("")
    lines.append("compile breakdown (numba:compile events; own = callees excluded)")
    for r in results:
        if not r.status and (breakdown_all or not r.case.kind.endswith("floor")):
            lines += breakdown(r)
    return lines


# Fresh processes per library at least, for the warm-cache comparison: one
# process's import varies by +-0.3 s on the two-core machine (15 alternating
# pairs of Lasso processes read skreg/sklearn 0.85-1.28, median 1.07), so a
# median of 5 moved by about 0.1 between runs (1.21 and 1.08 for the MLP).
FRESH_PROCESS_RUNS = 11


def _fresh_process_lines(repeats, log):
    """Lines: warm-cache fresh process, import + small Lasso fit vs sklearn,
    and the same for a small MLPClassifier."""
    n_runs = max(repeats + 2, FRESH_PROCESS_RUNS)
    log(
        f"fresh process: import + small Lasso and MLP fits, skreg vs sklearn, "
        f"{n_runs}x ..."
    )
    with tempfile.TemporaryDirectory(prefix="skreg-first-use-") as cache_dir:
        from _cold_start import CHILD as COLD_CHILD

        # Fill the cache with the engines, as fits of the families would once
        # their quick starts' rent is paid: the fits timed then find them there.
        for child in ("skreg", "skreg-mlp"):
            run_child(COLD_CHILD, cache_dir, args=(child,), SKREG_QUICK_START="0")
        floor_args = ("numba-floor", str(Path(__file__).parent))
        run_child(COLD_CHILD, cache_dir, args=floor_args)  # and the floor's
        lasso = fresh_process(n_runs, cache_dir)
        mlp = fresh_process(n_runs, cache_dir, ("skreg-mlp", "sklearn-mlp"))
    floor = np.median(lasso["numba-floor"], axis=0)
    lines = _versus_sklearn_lines(
        "Lasso", "sklearn.linear_model", lasso["skreg"], lasso["sklearn"]
    )
    sk, ours = np.median(lasso["sklearn"], axis=0), np.median(lasso["skreg"], axis=0)
    lines.append(
        f"  numba floor: process {floor[0]:.2f} s (import sklearn + numba + one "
        f"cached kernel {floor[1]:.3f} s, fit {floor[2]:.3f} s) = "
        f"{floor[0] / sk[0]:.2f}x sklearn, CPU {floor[3] / sk[3]:.2f}x; skreg = "
        f"{ours[0] / floor[0]:.2f}x the floor"
    )
    return lines + _versus_sklearn_lines(
        "MLPClassifier((20,), max_iter=50)",
        "sklearn.neural_network",
        mlp["skreg-mlp"],
        mlp["sklearn-mlp"],
    )


def _versus_sklearn_lines(model, sklearn_module, ours_runs, sklearn_runs):
    """Lines: one model's warm-cache fresh processes, skreg against sklearn
    (rows of :func:`fresh_process`)."""
    sk, ours = np.median(sklearn_runs, axis=0), np.median(ours_runs, axis=0)
    ratio = ours[0] / sk[0]
    n_runs = ours_runs.shape[0]
    return [
        f"warm cache, fresh process: import + first small {model} fit (median of "
        f"{n_runs}, alternating)",
        f"  sklearn: process {sk[0]:.2f} s (import {sklearn_module} {sk[1]:.3f} s,"
        f" fit {sk[2]:.3f} s)",
        f"  skreg:   process {ours[0]:.2f} s (import skreg {ours[1]:.3f} s, "
        f"fit {ours[2]:.3f} s)",
        f"  skreg/sklearn process time {ratio:.2f} (<= 1.2) {_verdict(ratio <= 1.2)};"
        f" process CPU time {ours[3]:.2f} / {sk[3]:.2f} s = {ours[3] / sk[3]:.2f}",
        f"  import skreg (and its estimator) costs {ours[1] - sk[1]:+.3f} s on top "
        f"of sklearn's; skreg's fit loaded numba in {int(ours_runs[:, 4].sum())} "
        f"of {n_runs} runs (the engine is in the cache)",
    ]


# Speed of portable (NUMBA_CPU_NAME=generic: baseline x86-64, no AVX) kernels
# against kernels compiled for this machine's CPU, on fits large enough for
# the vector width to matter. Each child warms its own cache first.
PORTABLE = """
import json, time, warnings
import numpy as np, scipy.sparse as sp
import skreg
warnings.simplefilter("ignore")
rng = np.random.default_rng(0)
X = np.asfortranarray(rng.standard_normal((2000, 1000)))
w = np.zeros(1000)
w[rng.choice(1000, 20, replace=False)] = rng.standard_normal(20)
y = X @ w + 0.5 * rng.standard_normal(2000)
S = sp.random(5000, 2000, density=0.01, format="csc", random_state=0)
ys = S @ rng.standard_normal(2000) + 0.1 * rng.standard_normal(5000)
# float32 cannot certify tol=1e-8: it would run to max_iter.
problems = {
    "dense float64 2000x1000": (X, y, 0.01, 1e-8),
    "dense float32 2000x1000": (
        X.astype(np.float32), y.astype(np.float32), 0.01, 1e-4),
    "sparse CSC 5000x2000": (S, ys, 0.0005, 1e-8),
}
times = {}
for name, (A, b, alpha, tol) in problems.items():
    skreg.Lasso(alpha=alpha, tol=tol).fit(A, b)
    runs = []
    for _ in range({repeats}):
        start = time.perf_counter()
        skreg.Lasso(alpha=alpha, tol=tol).fit(A, b)
        runs.append(time.perf_counter() - start)
    times[name] = float(np.median(runs))
print(json.dumps(times))
"""


def portable_cost(repeats=5, rounds=2):
    """Lines: Lasso fit times with generic and with host-CPU kernels."""
    results = {"host": [], "generic": []}
    with tempfile.TemporaryDirectory(prefix="skreg-first-use-") as root:
        for _ in range(rounds):  # alternate, so load hits both alike
            for kind in results:
                cpu = {"NUMBA_CPU_NAME": "generic"} if kind == "generic" else {}
                code = PORTABLE.replace("{repeats}", str(repeats))
                line, *_ = run_child(code, os.path.join(root, kind), **cpu)
                results[kind].append(json.loads(line))
    lines = [
        "portable cache: warm Lasso fits (tol 1e-8; float32 1e-4) with "
        f"NUMBA_CPU_NAME=generic vs this CPU, best of {rounds} medians of {repeats}",
        f"  {'problem':<26} {'host [s]':>9} {'generic [s]':>11} {'generic/host':>12}",
    ]
    for name in results["host"][0]:
        host = min(r[name] for r in results["host"])
        generic = min(r[name] for r in results["generic"])
        lines.append(
            f"  {name:<26} {host:>9.3f} {generic:>11.3f} {generic / host:>11.2f}x"
        )
    return lines
