"""A quick start for coordinate descent: fits that would wait for the engine
to compile run first on the part of it that compiles in about a second.

skreg's CD engine (working sets with Anderson steps, strong rules, routes
down a path, Newton steps; :mod:`skreg.linear_model._cd_solver`) compiles in
2.6-14.7 s for each data layout and dtype with an empty numba cache (the
``engine`` rows of ``python benchmarks/run.py first-use``), where the fit
itself takes milliseconds.  Until a layout's family (below) has used the
engine with this cache, as a ledger next to numba's files records, a fit on
a small problem runs scikit-learn's algorithm as the engine writes it for
small problems: plain CD's own kernel,
:func:`~skreg._kernels.cd_plain.plain_cd_path`, whose alpha loop, budgets
and duality gaps run in the interpreter (the gaps as NumPy calls,
:func:`skreg._numba.interpreted_throughout`) around its compiled sweeps
(``skreg.linear_model._cd_solver.QUICK_START_COMPILED``).
The solution is certified by the same duality gap, to the same ``tol``.
A family's first quick starts compile nothing at all: they run every kernel
in the interpreter, for the sweeps their rent buys (``INTERPRETED_RENT``).

The engine is compiled once the quick starts of a layout (a *family*: the
problem's layout, dtype and whether it has penalty factors) have cost as much
solving time as the engine's compilation would (``QUICK_START_RENT``, summed
over the processes that share the cache, in the ledger):
the rule of renting skis until the rent paid equals the price.  A single
fit on more data (``QUICK_START_MAX_ENTRIES``) starts quickly for a budget
of sweeps that costs about the rent left (:func:`quick_start_budget`); one
that has not converged by then goes on with the engine, from where it
stopped.  A path or a CV search on such data compiles the engine at once,
as does any fit with ``SKREG_QUICK_START=0`` or inside :func:`engine_only`
(the warm-up command, benchmarks).  A family that once used the engine
keeps it: its kernels are in the cache from then on (the ledger is deleted
with them when the cache goes stale).
"""

import atexit
import contextlib
import json
import os
import tempfile
import threading
import time
import weakref

import numpy as np

from skreg._kernels.cd import runs_may_pay
from skreg._numba import (
    LEDGER_NAME,
    _env_flag,
    compile_seconds,
    current_kernels_cache_directory,
    jit_disabled,
    numba_loaded,
)

# Solving seconds a family's quick starts may cost before its engine is
# compiled: about what that compilation costs (the engine rows of
# benchmarks/run.py first-use: 2.6-5.2 s on plain CD's layouts, 8.5-14.7 s
# with working sets and strong rules; issue 13).
QUICK_START_RENT = 2.0
# Stored entries of X (the Gram matrix in covariance mode) above which a fit
# no longer starts quickly without a budget: a sweep then costs about a
# millisecond, and the engine's speed over plain CD (working sets, strong
# rules) can be worth its compilation within the one fit.
QUICK_START_MAX_ENTRIES = 1_000_000
# A single fit on more data starts quickly for at most the sweeps that cost
# about the rent left, at QUICK_START_SECONDS_PER_ENTRY a stored entry and a
# sweep: a budget in sweeps, not seconds, so that the result does not depend
# on the machine's load.  Fewer than QUICK_START_MIN_SWEEPS: the engine at
# once.  Not paths: their sweeps are a poor measure of their time (each
# alpha also makes passes for its gap), and a path of plain CD can cost far
# more than the engine's compilation (lasso_path on a 10000x20000 CSC
# design, 100 alphas to alpha_max / 1000: 9-11 s for scikit-learn's CD,
# 6.8 s for the engine's strong rules once compiled).
QUICK_START_SECONDS_PER_ENTRY = 2e-9
QUICK_START_MIN_SWEEPS = 10
# Sparse data with at most this many entries densified (n_samples *
# n_features) starts dense (:func:`densifies`): a dense sweep then costs tens
# of microseconds.  Not more: 2000x500 at density 0.05 (1e6 entries) ran its
# quick starts 5.4-8.3x slower dense than the engine on the sparse layout,
# where the sparse quick start runs about as fast as the engine (0.77-1.28x;
# benchmarks/bench_quick_start.py, issue 13).
QUICK_START_DENSIFY_ENTRIES = 100_000

# Quick starts that compile nothing: while a family's rent is below
# INTERPRETED_RENT, its quick starts run plain CD's kernel and every kernel
# it calls in the interpreter (:func:`skreg._numba.interpreted_throughout`),
# for at most the sweeps that cost about the rent left
# (:func:`interpreted_sweep_seconds`) over the call's alphas; where they run
# out before the alphas are solved, the compiled quick start goes on from
# where they stopped (:func:`interpreted_budget`).  The rent is about what
# compiling plain CD's budget costs, the next tier's price (the numba floor
# of issue 13's measurements: 1.3-2.1 s of CPU on a two-core machine).
# Fewer than INTERPRETED_MIN_SWEEPS an alpha: compiled at once; in a CV
# search, fewer than that for each alpha of each of its paths
# (:func:`search`).  ``SKREG_INTERPRET=0`` turns them off.
INTERPRETED_RENT = 1.5
INTERPRETED_MIN_SWEEPS = 5
INTERPRETED_PROJECTED_AFTER = 3  # alphas solved before a path's projection
# An interpreted sweep's seconds, by the layout's array: a feature and a
# stored entry.  The sweeps and the gap run their NumPy versions
# (skreg._numba.numpy_version_of): a column's dot product and update are a
# NumPy call each, so a sweep costs some microseconds a feature, where the
# kernels' own loops cost 0.7-2 us a stored entry in the interpreter (a
# 2000x1000 design is priced 10 ms a sweep; at 0.7 us an entry, 1.4 s).
# benchmarks/bench_interpreted.py prints each design's sweep against its
# price: 0.26-0.87 of it on dense designs from 200x50 to 300x3000, 0.20-0.85
# in covariance mode (two runs), 0.46-1.06 on CSC designs from 500x5000 to
# 20000x2000 at density 0.002-0.05 (one run at these prices).
INTERPRETED_SECONDS_PER_FEATURE = {"X": 6e-6, "gram": 4e-6, "data": 1.4e-5}
INTERPRETED_SECONDS_PER_ENTRY = {"X": 2e-9, "gram": 2e-9, "data": 2e-8}
# A sweep by runs (skreg._kernels.cd._by_runs: the NumPy versions' sweep
# over mostly zero coefficients) steps one by one only through the
# coordinates that move, each also starting a new run (a vectorized pass of
# some tens of microseconds, INTERPRETED_SECONDS_PER_RUN); those that stay
# zero cost a share of a vectorized pass, INTERPRETED_SECONDS_PER_IDLE_FEATURE
# each on top of their entries.  The caller estimates how many move
# (skreg.linear_model._strategy.moving_coordinates).  Measured by
# scratch timing of the NumPy sweep at a lasso's solution: a CSC 10000x20000
# design at density 0.01, 10 and 29 non-zeros, 120-211 ms a sweep one by
# one, 11-22 ms by runs (at alpha_max / 4, 10 features above their
# threshold: priced 320 ms, now 42 ms); dense 100x1000, 92 non-zeros, 3.00
# ms one by one, 1.61 ms by runs (at alpha_max / 100, 963 features above
# theirs: priced in full, 6.2 ms, as before).
INTERPRETED_SECONDS_PER_RUN = {"X": 1e-5, "gram": 1e-5, "data": 2e-5}
INTERPRETED_SECONDS_PER_IDLE_FEATURE = 1e-7
# Before numba is loaded in a process (skreg._numba.load_numba), a single fit
# whose family would use the engine, its kernels in the cache, still runs
# interpreted for the sweeps that cost BEFORE_NUMBA_RENT, spent once a
# process (its rent charged to BEFORE_NUMBA, not to the ledger; one that has
# not converged goes on with the engine, from where it stopped): loading numba
# and a cached kernel is itself a price, 0.3-0.6 s (the warm numba floor of
# benchmarks/run.py first-use: 0.42-0.56 s to fit with one cached kernel),
# where an interpreted small fit costs milliseconds.
BEFORE_NUMBA_RENT = 0.3
BEFORE_NUMBA = "before numba"
_before_numba = {"rent": 0.0, "engine": False}  # this process's, never saved
# CV searches running (search), in any thread: how many, their alphas to
# solve in all, and whether their quick starts are interpreted (None:
# undecided).
_search = {"depth": 0, "solves": 0, "interpret": None}

_lock = threading.Lock()
_local = threading.local()
_decisions = weakref.WeakKeyDictionary()  # layout -> quick start or not
_interpreted = weakref.WeakKeyDictionary()  # layout -> interpreted budget or None
# A layout built for a quick start (start_quickly) carries the family its
# rent goes to under this attribute; it starts quickly whatever the ledger.
_CHARGED_TO = "quick_start_family"


class _Ledger:
    """Each family's rent paid and whether it uses the engine, read from the
    cache directory once and written back when it changes (the engine) or at
    exit (the rent)."""

    def __init__(self, directory=None):
        self.directory = directory  # None: numba's cache directory of the kernels
        self.path = None
        self.entries = None
        self.saved_rent = {}  # what the file held of each family's rent
        self.dirty = False

    def load(self):
        if self.entries is not None:
            return
        self.entries = {}
        directory = self.directory
        if directory is None:
            directory = current_kernels_cache_directory()
        if directory is None:
            return
        self.path = os.path.join(directory, LEDGER_NAME)
        atexit.register(self.save)
        for key, value in _read(self.path).items():
            self.entries[key] = {
                "rent": float(value.get("rent", 0.0)),
                "engine": bool(value.get("engine", False)),
            }
            self.saved_rent[key] = self.entries[key]["rent"]

    def entry(self, family):
        self.load()
        return self.entries.setdefault(family, {"rent": 0.0, "engine": False})

    def save(self):
        """Write the ledger (merged with the file's, which other processes
        may have changed meanwhile); a ledger that cannot be written is none."""
        if not self.dirty or self.path is None:
            return
        self.dirty = False
        try:
            on_disk = _read(self.path)
            for family, entry in self.entries.items():
                theirs = on_disk.get(family, {})
                # This process's rent is added to what other processes wrote.
                paid = entry["rent"] - self.saved_rent.get(family, 0.0)
                entry["rent"] = float(theirs.get("rent", 0.0)) + paid
                entry["engine"] = entry["engine"] or bool(theirs.get("engine"))
                self.saved_rent[family] = entry["rent"]
                on_disk[family] = entry
            directory = os.path.dirname(self.path)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".skreg-ledger-")
            with os.fdopen(fd, "w") as f:
                json.dump(on_disk, f)
            os.replace(tmp, self.path)
        except (OSError, TypeError, ValueError):
            pass


def _read(path):
    """The ledger at ``path`` (families to dicts), empty when unreadable."""
    try:
        with open(path) as f:
            entries = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {key: value for key, value in entries.items() if isinstance(value, dict)}


_ledger = _Ledger()


@contextlib.contextmanager
def engine_only():
    """Fits in this block (this thread) use the engine, compiling it if need
    be: for a warm-up that fills the cache, and for benchmarks of its speed."""
    previous = getattr(_local, "engine_only", False)
    _local.engine_only = True
    try:
        yield
    finally:
        _local.engine_only = previous


def enabled():
    """Whether fits may start quickly: not with ``SKREG_QUICK_START=0``,
    inside :func:`engine_only`, or without the JIT (everything is Python)."""
    return (
        _env_flag("SKREG_QUICK_START")
        and not getattr(_local, "engine_only", False)
        and not jit_disabled()
    )


def family(layout):
    """The engine specializations ``layout`` needs, as a ledger key."""
    charged_to = getattr(layout, _CHARGED_TO, None)
    if charged_to is not None:
        return charged_to
    problem = layout.problem
    return family_key(type(problem), layout.dtype, problem.penalty is not None)


def family_key(problem_type, dtype, penalty_factors):
    """The ledger key of a problem type (``DenseProblem``, ...), a dtype and
    whether there are penalty factors."""
    factors = "factors" if penalty_factors else "ones"
    return f"{problem_type.__name__}-{np.dtype(dtype)}-{factors}"


def _stored_entries(problem):
    """What a sweep of ``problem`` reads: ``X``, the Gram matrix or the
    stored entries of sparse ``X``."""
    for name in ("X", "gram", "data"):
        array = getattr(problem, name, None)
        if array is not None:
            return array.size
    return 0


def quick_start(layout):
    """Whether fits on ``layout`` start quickly (see the module's docstring);
    decided once per layout, so that a path or a fit is solved one way."""
    if getattr(layout, _CHARGED_TO, None) is not None:
        return True
    with _lock:
        decision = _decisions.get(layout)
    if decision is None:
        decision = _decide(layout)
        with _lock:
            _decisions[layout] = decision
    return decision


def _decide(layout):
    key = family(layout)
    if _may_start_quickly(key, _stored_entries(layout.problem)):
        return True
    mark_engine(key)
    return False


def mark_engine(key):
    """Note that a fit of family ``key`` compiles the engine (or loads it):
    later fits of the family, in any process sharing the cache, use it."""
    if jit_disabled():
        return  # everything is Python: nothing compiled, nothing to note
    with _lock:
        entry = _ledger.entry(key)
        if entry["engine"]:
            return
        entry["engine"] = True
        _ledger.dirty = True
    _ledger.save()


def quick_start_budget(layout, moving=None):
    """The sweeps a single fit on ``layout`` may make as a quick start
    where its data are too large for an unbounded one, or None.

    None where :func:`quick_start` decides alone: small data, a layout
    already decided, quick starts off, or the family's engine in use or its
    rent paid.  Otherwise the fit starts quickly (the layout is decided so)
    for the sweeps that cost about the rent its family has left to pay
    (``QUICK_START_RENT`` less what its quick starts cost); once they are spent
    without convergence the caller hands the fit to the engine
    (:func:`use_the_engine`).  Plain CD converges in some tens of sweeps on
    many such problems (a dense 2000x1000 iid design, a sparse 10000x20000
    one), where the engine would first compile for 7-8 s.

    Where the family's engine is in use or its rent paid, but numba is not
    loaded yet in this process, the budget is the interpreted sweeps that
    the process's allowance before numba buys (``BEFORE_NUMBA_RENT``), on
    data of any size, if they are at least ``QUICK_START_MIN_SWEEPS``;
    ``moving``: the estimate of the coordinates a sweep moves, a function
    (:func:`interpreted_sweep_seconds`).
    """
    if getattr(layout, _CHARGED_TO, None) is not None:
        return None
    with _lock:
        if layout in _decisions:
            return None
    entries = _stored_entries(layout.problem)
    key = family(layout)
    if not _may_start_quickly(key, 0):
        return _before_numba_budget(layout, moving)
    if entries <= QUICK_START_MAX_ENTRIES:
        return None
    with _lock:
        left = QUICK_START_RENT - _ledger.entry(key)["rent"]
    sweeps = int(left / (QUICK_START_SECONDS_PER_ENTRY * entries))
    if sweeps < QUICK_START_MIN_SWEEPS:
        return None
    start_quickly(layout, key)
    return sweeps


def _before_numba_budget(layout, moving):
    """The interpreted sweeps of a single fit on ``layout`` before numba is
    loaded (``BEFORE_NUMBA_RENT``), or None; the layout then starts quickly,
    interpreted for exactly that budget."""
    left = before_numba_left()
    if left is None:
        return None
    sweeps = int(left / interpreted_sweep_seconds(layout, moving))
    if sweeps < QUICK_START_MIN_SWEEPS:
        return None
    start_quickly(layout, BEFORE_NUMBA)
    with _lock:
        _interpreted[layout] = sweeps
    return sweeps


def before_numba_left():
    """The seconds of this process's allowance before numba
    (``BEFORE_NUMBA_RENT``) left to interpreted fits, charged to
    ``BEFORE_NUMBA``; None once numba is loaded, and where interpreted fits
    are off (:func:`rent_left`)."""
    return None if numba_loaded() else rent_left(BEFORE_NUMBA, BEFORE_NUMBA_RENT)


def interpreted_budget(layout, n_alphas, max_iter, moving=None):
    """The sweeps that the ``n_alphas`` alphas of a quick start of
    ``layout`` may make in the interpreter in all (at most ``max_iter`` each),
    or None: compiled.  The caller reports those it spends
    (:func:`spend_interpreted`): later calls get what is left.

    Decided at a layout's first call, from the rent its family has left
    below ``INTERPRETED_RENT`` (see there); a layout handed over
    (:func:`stop_interpreting`) is compiled from then on.  In a CV search
    (:func:`search`) the first layout decides for the search: interpreted
    only if the rent left buys ``INTERPRETED_MIN_SWEEPS`` for each alpha of
    each of its paths.  The caller has decided that the layout starts quickly
    (:func:`quick_start`); ``moving``: the estimate of the coordinates a
    sweep moves, a function (:func:`interpreted_sweep_seconds`).
    """
    with _lock:
        known = layout in _interpreted
        budget = _interpreted.get(layout)
    if not known:
        budget = None
        with _lock:
            undecided = _search["depth"] and _search["interpret"] is None
            allowed = _search["interpret"] is not False
            in_search = _search["solves"]
        left = rent_left(family(layout), INTERPRETED_RENT) if allowed else None
        if left is not None:
            sweeps = int(left / interpreted_sweep_seconds(layout, moving))
            solves = in_search if undecided else max(n_alphas, 1)
            if sweeps >= INTERPRETED_MIN_SWEEPS * solves:
                budget = sweeps
            if undecided:
                with _lock:
                    _search["interpret"] = budget is not None
        with _lock:
            _interpreted[layout] = budget
    return None if budget is None else min(budget, max_iter * max(n_alphas, 1))


def interpreted_sweep_seconds(layout, moving=None):
    """What a sweep of ``layout`` costs in the interpreter, in seconds
    (``INTERPRETED_SECONDS_PER_ENTRY``, ``INTERPRETED_SECONDS_PER_FEATURE``).

    ``moving``: a function of no argument that estimates how many
    coordinates a sweep moves, or returns None for every one (called here
    only: the estimate costs a pass over ``X``); None: every one.  Where so
    few that the sweep goes by runs
    (:func:`skreg._kernels.cd.runs_may_pay`), each of those is priced with its
    run (``INTERPRETED_SECONDS_PER_RUN``) and the others at
    ``INTERPRETED_SECONDS_PER_IDLE_FEATURE``.
    """
    problem = layout.problem
    name = next(name for name in ("X", "gram", "data") if hasattr(problem, name))
    n_features = layout.n_features
    entries = getattr(problem, name).size * INTERPRETED_SECONDS_PER_ENTRY[name]
    per_feature = INTERPRETED_SECONDS_PER_FEATURE[name]
    moving = None if moving is None else moving()
    if moving is None or not runs_may_pay(n_features, moving):
        return entries + n_features * per_feature
    return (
        entries
        + moving * (per_feature + INTERPRETED_SECONDS_PER_RUN[name])
        + (n_features - moving) * INTERPRETED_SECONDS_PER_IDLE_FEATURE
    )


@contextlib.contextmanager
def search(n_solves):
    """Quick starts in the block are the paths of a CV search, about
    ``n_solves`` alphas in all (the folds' paths and the refit's), run in any
    thread (joblib's): interpreted all or none, as its first path decides
    (:func:`interpreted_budget`).  Interpreting the first folds and then
    compiling for the others would pay the rent and the compilation both.
    Searches running at once share one decision, over their alphas in all.
    """
    with _lock:
        _search["depth"] += 1
        _search["solves"] += n_solves
    try:
        yield
    finally:
        with _lock:
            _search["depth"] -= 1
            if not _search["depth"]:
                _search.update(solves=0, interpret=None)


def projected_past(granted, left, solved, to_solve):
    """Whether a path interpreted on a budget of ``granted`` sweeps, ``left``
    of them left after ``solved`` alphas, would spend them before its
    ``to_solve`` alphas left are solved, at the mean of those solved
    (projected once ``INTERPRETED_PROJECTED_AFTER`` alphas are solved).
    Handing over then, rather than when the budget runs out, saves the
    sweeps between: the compilation follows either way (a 100x300 path of
    100 alphas needed 1739 sweeps where its rent bought 806, and compiled
    after 43 alphas, 1.2 s of interpreted sweeps; issue 13)."""
    if solved < INTERPRETED_PROJECTED_AFTER:
        return False
    return (granted - left) / solved * to_solve > left


def spend_interpreted(layout, sweeps):
    """Take ``sweeps`` from ``layout``'s interpreted budget
    (:func:`interpreted_budget`), which its calls draw on in all: a path
    solved alpha by alpha calls once an alpha (a fold's path of a CV search,
    on 100x300, had spent 1529 interpreted sweeps, 4.1 s, on a budget of
    1000 an alpha).  A budget spent is compiled from then on."""
    with _lock:
        left = _interpreted.get(layout)
        if left is not None:
            left -= sweeps
            _interpreted[layout] = left if left > 0 else None


def stop_interpreting(layout):
    """From now on ``layout``'s quick starts are compiled: its interpreted
    sweeps (:func:`interpreted_budget`) ran out."""
    with _lock:
        _interpreted[layout] = None


def use_the_engine(layout):
    """From now on ``layout`` (and its family) is solved by the engine: a
    budgeted quick start (:func:`quick_start_budget`) that did not converge."""
    key = family(layout)
    if getattr(layout, _CHARGED_TO, None) is not None:
        delattr(layout, _CHARGED_TO)
    if key == BEFORE_NUMBA:
        key = family(layout)  # the layout's own: its engine is in use already
    with _lock:
        _decisions[layout] = False
    mark_engine(key)


def _may_start_quickly(key, entries):
    """Whether a fit of family ``key`` reading ``entries`` stored entries a
    sweep may start quickly: enabled, small enough, the family's engine not
    in use and its rent not paid."""
    if not enabled() or entries > QUICK_START_MAX_ENTRIES:
        return False
    with _lock:
        entry = _ledger.entry(key)
        return not entry["engine"] and entry["rent"] < QUICK_START_RENT


def starts_quickly(problem_type, dtype, penalty_factors):
    """Whether fits of this family may still start quickly (their engine
    not in use, its rent not paid): a layout then avoids compiling kernels
    that only the engine's fits would amortize."""
    return _may_start_quickly(family_key(problem_type, dtype, penalty_factors), 0)


def layout_starts_quickly(layout):
    """Whether fits on ``layout`` may start quickly (a layout built for a
    quick start, or one of a family that still starts quickly), without
    deciding it: its warm starts then compute their residual with NumPy and
    SciPy rather than compile a kernel for it."""
    if getattr(layout, _CHARGED_TO, None) is not None:
        return True
    problem = layout.problem
    return starts_quickly(type(problem), layout.dtype, problem.penalty is not None)


def densifies(problem_type, dtype, penalty_factors, n_samples, n_features):
    """Whether a quick start of sparse data solves it dense: where the
    family ``problem_type`` (``SparseProblem``) would start quickly and ``X``
    densified has at most ``QUICK_START_DENSIFY_ENTRIES`` entries.

    Dense kernels compile in about two thirds of the time of the sparse
    ones, which carry implicit centring and sample weights (first fits with
    an empty cache, 200x50 at density 0.2: 2.05-2.24 s sparse, 1.36-1.44 s
    dense; ``benchmarks/run.py first-use``).  The layout built is charged
    to the sparse family (:func:`start_quickly`): its engine is the sparse
    one.
    """
    if n_samples * n_features > QUICK_START_DENSIFY_ENTRIES:
        return False
    key = family_key(problem_type, dtype, penalty_factors)
    return _may_start_quickly(key, n_samples * n_features)


def start_quickly(layout, charged_to):
    """Decide that ``layout`` starts quickly, its rent charged to the family
    ``charged_to`` (a layout built for a quick start, whatever the ledger
    says of its own family)."""
    setattr(layout, _CHARGED_TO, charged_to)


def rent_left(key, rent):
    """The seconds that interpreted fits of family ``key`` (any name the
    ledger can hold) may still spend, out of ``rent``; None once the family
    uses its engine, and where interpreted fits are off (:func:`enabled`,
    ``SKREG_INTERPRET=0``)."""
    if not (enabled() and _env_flag("SKREG_INTERPRET")):
        return None
    with _lock:
        entry = _rent_entry(key)
        return None if entry["engine"] else max(rent - entry["rent"], 0.0)


def _rent_entry(key):
    """The ledger's entry of family ``key``, or this process's own for
    ``BEFORE_NUMBA`` (under the lock)."""
    return _before_numba if key == BEFORE_NUMBA else _ledger.entry(key)


def charged(layout):
    """Charge the solving time of the block to ``layout``'s family, as rent
    (:func:`renting`)."""
    return renting(family(layout))


@contextlib.contextmanager
def renting(key):
    """Charge the time of the block to the family ``key`` (any name the
    ledger can hold), as rent; nothing when the block compiled a kernel: its
    time is then mostly the compiler's and numba's first-call set-up (0.17 s
    before compiling begins, for a first fit of 0.3 ms), a one-time cost as
    the engine's own."""
    started, compiled = time.perf_counter(), compile_seconds()
    try:
        yield
    finally:
        seconds = time.perf_counter() - started
        if compile_seconds() == compiled:
            with _lock:
                _rent_entry(key)["rent"] += seconds
                _ledger.dirty = _ledger.dirty or key != BEFORE_NUMBA
