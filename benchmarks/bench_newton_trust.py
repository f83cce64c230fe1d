"""Trusted Newton steps along plain CD's paths: on against off, interleaved.

Run as ``python benchmarks/bench_newton_trust.py [--quick] [--repeats R]``.

Plain coordinate descent (fewer than 200 features) takes Newton steps on the
support of an alpha where it crawls, after budgets of 32 sweeps.  Once a step
finished its alpha, the next alphas of the path are *trusted*: they start
with budgets of ``TRUSTED_NEWTON_BUDGET`` sweeps and may step after the first
(``skreg.linear_model._path._solve_path_in_kernel``).  This times ``lasso_path``
(100 alphas to alpha_max / 100) with the budget skreg ships and with 0 (no
trust), the two alternating in one process, on equicorrelated designs
(rho 0.5 .. 0.95; 300x60 .. 2000x50), the benchmark matrix's n > p paths
and diabetes with squared features (degenerate: steps must stay off it), at
tols 1e-3, 1e-4 and 1e-6.  Each row gives both sweep and step counts and
median times; the summary line the sum of the medians, the geometric mean of
the ratios (off over on: above 1, trust is faster) and the worst row.
"""

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(1, str(REPO))  # the working tree's skreg
sys.path.insert(1, str(Path(__file__).resolve().parent))

import _matrix_problems  # noqa: E402
import _problems  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.preprocessing import PolynomialFeatures  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import skreg  # noqa: E402
from skreg.linear_model import _cd_solver  # noqa: E402


def problems(quick):
    """``(name, X, y, alphas or None)`` of the grid."""
    rhos = (0.7, 0.9) if quick else (0.5, 0.7, 0.9, 0.95)
    shapes = ((400, 100), (300, 60)) if quick else (
        (400, 100), (300, 60), (1000, 150), (2000, 50)
    )  # fmt: skip
    for rho in rhos:
        for shape in shapes:
            X = _matrix_problems.equicorrelated_design(*shape, rho)
            y = _problems.response(X, n_nonzero=10)
            yield f"equicorr {rho} {shape[0]}x{shape[1]}", X, y, None

    for name in ("dense-equicorr-0.7", "dense-n>p-ar1-0.9", "dense-tall"):
        family = _matrix_problems.FAMILIES[name]
        X, y = _matrix_problems.make_data(family, quick=True)
        cell = _matrix_problems.make_cell(family, f"{name}/path", X, y)
        yield f"matrix {name}", cell.X, cell.y, cell.alphas
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes squared", PolynomialFeatures(2).fit_transform(X), y, None


def counted_path(X, y, kwargs, budget, steps):
    """``lasso_path`` with ``TRUSTED_NEWTON_BUDGET = budget``; its sweeps, and
    the Newton steps it handed back counted in ``steps``."""
    _cd_solver.TRUSTED_NEWTON_BUDGET = budget
    steps[0] = 0
    *_, n_iters = skreg.lasso_path(X, y, return_n_iter=True, **kwargs)
    return int(np.sum(n_iters)), steps[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller grid")
    parser.add_argument("--repeats", type=int, default=9, help="timed runs each")
    args = parser.parse_args()
    threadpool_limits(1)
    shipped = _cd_solver.TRUSTED_NEWTON_BUDGET
    steps = [0]
    take_steps = _cd_solver.take_newton_steps

    def counted_steps(*a, **k):
        steps[0] += 1
        return take_steps(*a, **k)

    _cd_solver.take_newton_steps = counted_steps
    print(f"trusted budget {shipped} (on) against 0 (off); median of "
          f"{args.repeats} runs each, alternating")  # fmt: skip
    header = f"{'path':30s} {'tol':>6s}  {'sweeps on/off':>13s}  {'steps':>7s}"
    print(f"{header}  {'on [ms]':>8s} {'off [ms]':>8s}  ratio")
    totals, ratios = np.zeros(2), []
    for name, X, y, alphas in problems(args.quick):
        for tol in (1e-3, 1e-4, 1e-6):
            kwargs = dict(tol=tol, alphas=100 if alphas is None else alphas)
            if alphas is None:
                kwargs["eps"] = 1e-2
            counts = [counted_path(X, y, kwargs, b, steps) for b in (shipped, 0)]
            times = [[], []]
            for r in range(args.repeats):
                for k in (0, 1) if r % 2 == 0 else (1, 0):
                    _cd_solver.TRUSTED_NEWTON_BUDGET = (shipped, 0)[k]
                    start = time.perf_counter()
                    skreg.lasso_path(X, y, **kwargs)
                    times[k].append(time.perf_counter() - start)
            medians = np.array([np.median(t) for t in times]) * 1e3
            totals += medians
            ratios.append((medians[1] / medians[0], f"{name} tol={tol:g}"))
            print(f"{name:30s} {tol:6.0e}  {counts[0][0]:6d}/{counts[1][0]:<6d} "
                  f" {counts[0][1]:3d}/{counts[1][1]:<3d}  {medians[0]:8.2f} "
                  f"{medians[1]:8.2f}  {ratios[-1][0]:.2f}")  # fmt: skip
    _cd_solver.TRUSTED_NEWTON_BUDGET = shipped
    worst = min(ratios)
    geomean = np.exp(np.mean(np.log([r for r, _ in ratios])))
    print(
        f"summary: sum of medians on {totals[0]:.1f} ms, off {totals[1]:.1f} ms; "
        f"off/on geometric mean {geomean:.3f}, worst {worst[0]:.2f} ({worst[1]})"
    )


if __name__ == "__main__":
    main()
