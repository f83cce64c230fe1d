"""The one numba policy of skreg.

Every kernel in :mod:`skreg._kernels` is compiled through :func:`njit` defined
here, so caching, GIL release and floating-point flags are decided in one place.

- ``cache=True`` unless the environment variable ``SKREG_NUMBA_CACHE=0`` is set.
- When neither the package directory nor numba's user cache directory is
  writable (read-only installs), the cache is relocated to a temporary
  directory; if even that fails the cache is switched off with one warning.
  Importing skreg never fails because of the cache.
- numba invalidates a cached kernel only when its own source file changes, not
  when a kernel it calls from another file does, nor when these flags change.
  skreg therefore stamps its cache directory with numba's and Python's
  versions and a hash of every kernel source and of this file;
  when the stamp differs (an upgrade, an edited kernel), skreg's ``.nbi`` and
  ``.nbc`` files there are deleted before anything is loaded.
- Loading a cached kernel skips numba's refresh of its typing and lowering
  registries (only numba's runtime is initialized), which would otherwise
  be most of a warm-cache first fit.
- A cache entry that cannot be read (a truncated or corrupt file) is deleted
  and the kernel compiled again, instead of failing the call.
- Python's cyclic garbage collector is paused while a skreg kernel compiles
  (:class:`_SkregCompilation`): numba's compiler allocates millions of small
  objects, and the full collections they trigger were measured at 0.3-0.4 s
  of a 2-4 s first MLP fit with an empty cache (benchmarks/run.py
  first-use); the pause costs about 20 MB of peak memory.
- While a skreg kernel compiles, numba's module optimization and machine code
  are made only for the code that runs (:func:`_defer_machine_code`), not
  also for each inner kernel and numba helper that callers only link in as
  IR. Measured (first fits, empty cache): Lasso dense 3.7 -> 2.8 s, working
  sets 11.1 -> 7.9 s.
- An inner kernel or helper is compiled once per signature, not once per
  signature and caller's flags (:func:`_share_inner_kernels`).
- numba itself is imported at the first kernel that runs compiled, not with
  skreg (:func:`load_numba`): importing it costs 0.3-0.5 s, and a first fit
  that runs its kernels' Python or NumPy versions (skreg._quick_start) needs
  none of it.  :func:`njit` returns a :class:`Kernel` that makes numba's
  dispatcher on its first compiled call; kernels that call another kernel
  see it through numba's ``typeof`` as that dispatcher.
- ``fastmath`` is an explicit flag set. ``fastmath=True`` would add ``nnan`` and
  ``ninf``, which let LLVM delete NaN/inf checks used to detect divergence.
  ``reassoc`` is kept because without it reductions do not vectorize.
"""

import functools
import gc
import glob
import hashlib
import importlib.metadata
import os
import sys
import tempfile
import threading
import time
import types
import warnings
import weakref

FASTMATH = frozenset({"nsz", "arcp", "contract", "afn", "reassoc"})
# For loops over indexed loads (the stored entries of a sparse column):
# ``reassoc`` lets LLVM vectorize them with gather instructions, slower than
# scalar code on columns of a few dozen entries (one pass of X'r on a
# 1000x3000 text-like CSC design: 41 us with, 32 us without; issue 12).
FASTMATH_GATHER = FASTMATH - {"reassoc"}


def _env_flag(name):
    """Whether the switch ``name`` is on: unset, or anything but 0/false/no."""
    return os.environ.get(name, "1").strip().lower() not in {"0", "false", "no"}


def _dir_is_writable(path):
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path):
            pass
    except OSError:
        return False
    return True


def _user_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(base, "skreg", "numba")


def _cache_root():
    """Where skreg's kernels are cached, decided without numba.

    Returns ``(enabled, root)``: whether ``cache=True`` is passed to numba,
    and the directory that numba's ``CACHE_DIR`` is set to (``""``: numba's
    own choice, the package's ``__pycache__``; the user's ``NUMBA_CACHE_DIR``
    when set).
    """
    if not _env_flag("SKREG_NUMBA_CACHE"):
        return False, ""
    chosen = _numba_cache_dir()
    if chosen:
        # The user chose a location through NUMBA_CACHE_DIR; respect it.
        return True, chosen
    package_cache = os.path.join(os.path.dirname(__file__), "_kernels", "__pycache__")
    if _dir_is_writable(package_cache):
        return True, ""
    for candidate in (
        _user_cache_dir(),
        os.path.join(tempfile.gettempdir(), "skreg-numba"),
    ):
        if _dir_is_writable(candidate):
            return True, candidate
    return False, ""


def _numba_setting(name, default):
    """numba's config ``name``: its value once numba is imported, else what
    numba would read from ``NUMBA_<name>`` (``default`` when unset)."""
    numba = sys.modules.get("numba")
    if numba is not None and hasattr(numba, "config"):
        return getattr(numba.config, name)
    return os.environ.get(f"NUMBA_{name}", default) or default


def _numba_cache_dir():
    """numba's ``CACHE_DIR`` (:func:`_numba_setting`)."""
    return _numba_setting("CACHE_DIR", "")


def _resolve_cache():
    """Decide whether to cache compiled kernels and where (numba's
    ``CACHE_DIR``), warning once when nowhere is writable.

    Returns
    -------
    enabled : bool
        Whether ``cache=True`` is passed to numba.
    """
    import numba

    if not _env_flag("SKREG_NUMBA_CACHE"):
        return False
    enabled, root = _cache_root()
    if not enabled:
        warnings.warn(
            "skreg could not find a writable directory for numba's cache; kernels "
            "will be compiled again in every process. Set NUMBA_CACHE_DIR to a "
            "writable directory to avoid this.",
            RuntimeWarning,
            stacklevel=2,
        )
        return False
    if root:
        numba.config.CACHE_DIR = root
    return True


def kernels_cache_directory():
    """The directory where numba caches skreg's kernels, found as numba's
    cache locators find it but without loading numba, or None when kernels
    are not cached.  (A kernel's own: :func:`cache_directory`.)"""
    enabled, root = _cache_root()
    if not enabled:
        return None
    if not root:
        return os.path.join(_KERNEL_DIR, "__pycache__")
    # numba's _CacheLocator.get_suitable_cache_subpath of a kernel's file.
    hashed = hashlib.sha1(_KERNEL_DIR.encode()).hexdigest()
    return os.path.join(root, f"{os.path.basename(_KERNEL_DIR)}_{hashed}")


_KERNEL_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_kernels")
STAMP_NAME = "skreg-cache-stamp.txt"
# What skreg notes about the kernels in a cache directory besides numba's
# files (:mod:`skreg._quick_start`); stale with them.
LEDGER_NAME = "skreg-quick-start.json"
_checked_dirs = set()


def _sources_stamp():
    """What skreg's compiled kernels depend on, as text.

    Sources are identified by their content, as numba identifies them, not by
    their modification time: a cache built on one machine (a container image,
    a shared ``NUMBA_CACHE_DIR``) stays valid on another where the same files
    were installed at another time.
    """
    lines = [f"numba {_numba_version()}", f"python {sys.version_info[:2]}"]
    for path in sorted(glob.glob(os.path.join(_KERNEL_DIR, "*.py"))) + [__file__]:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:16]
        lines.append(f"{os.path.basename(path)} {digest}")
    return "\n".join(lines) + "\n"


def _numba_version():
    """numba's version, read without importing numba."""
    try:
        return importlib.metadata.version("numba")
    except importlib.metadata.PackageNotFoundError:
        import numba

        return numba.__version__


def _purge_if_stale(cache_dir):
    """Delete the kernels cached in ``cache_dir`` unless the stamp is current.

    Returns whether anything was purged. Safe when several processes do it at
    once: numba tolerates a cache file removed under it, and the stamp is
    replaced atomically.
    """
    stamp = _sources_stamp()
    stamp_path = os.path.join(cache_dir, STAMP_NAME)
    try:
        with open(stamp_path) as f:
            if f.read() == stamp:
                return False
    except OSError:
        pass
    os.makedirs(cache_dir, exist_ok=True)
    purged = False
    for name in os.listdir(cache_dir):
        if name.endswith((".nbi", ".nbc")) or name == LEDGER_NAME:
            try:
                os.remove(os.path.join(cache_dir, name))
                purged = True
            except OSError:
                pass
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".skreg-stamp-")
    with os.fdopen(fd, "w") as f:
        f.write(stamp)
    os.replace(tmp, stamp_path)
    return purged


def _purge_once(cache_dir):
    """:func:`_purge_if_stale` of ``cache_dir``, once a process."""
    if cache_dir not in _checked_dirs:
        _checked_dirs.add(cache_dir)
        try:
            _purge_if_stale(cache_dir)
        except OSError:
            pass


def current_kernels_cache_directory():
    """:func:`kernels_cache_directory`, its stale files purged first (once a
    process): what skreg keeps next to numba's files goes with them."""
    directory = kernels_cache_directory()
    if directory is not None:
        _purge_once(directory)
    return directory


def _discard(path):
    try:
        os.remove(path)
    except OSError:
        pass


def _index_path(dispatcher):
    """Where numba keeps the cache index of ``dispatcher``, or None (no cache,
    or a numba whose ``Dispatcher._cache`` is not a ``FunctionCache``)."""
    cache_file = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    return getattr(cache_file, "_index_path", None)


def cache_directory(kernel):
    """The directory where ``kernel`` (an :func:`njit` kernel) is cached, or
    None when it is not."""
    index_path = _index_path(kernel)
    return None if index_path is None else os.path.dirname(index_path)


def _harden_cache(dispatcher):
    """Purge a stale cache directory once; survive unreadable cache entries.

    Relies on numba's ``Dispatcher._cache`` (a ``FunctionCache``); when numba
    changes that, the kernel keeps numba's own caching unchanged.
    """
    cache = getattr(dispatcher, "_cache", None)
    index_path = _index_path(dispatcher)
    if index_path is None:
        return
    _purge_once(os.path.dirname(index_path))
    load, save = cache.load_overload, cache.save_overload
    # numba's public load_overload first refreshes the target context, which
    # imports and installs every typing and lowering registry: measured, most
    # of a warm-cache first fit (benchmarks/run.py first-use). A cached kernel
    # needs only numba's runtime (NRT) to be initialized; a kernel that must
    # be compiled refreshes the context in numba's compiler anyway.
    rebuild = getattr(cache, "_load_overload", None)

    def load_overload(sig, target_context):
        try:
            if rebuild is None:
                return load(sig, target_context)
            from numba.core.runtime import rtsys

            rtsys.initialize(target_context)
            return rebuild(sig, target_context)
        except Exception:  # noqa: BLE001 - any unreadable entry: compile instead
            _discard(index_path)
            return None

    def save_overload(sig, data):
        try:
            save(sig, data)
        except Exception:  # noqa: BLE001 - a cache that cannot be written is no cache
            _discard(index_path)

    cache.load_overload = load_overload
    cache.save_overload = save_overload


def _flags_as_sets(options):
    """``options`` with a frozenset of fastmath flags as a set (numba's type)."""
    if isinstance(options.get("fastmath"), frozenset):
        return {**options, "fastmath": set(options["fastmath"])}
    return options


def jit_disabled():
    """Whether numba's JIT is off (``NUMBA_DISABLE_JIT``): numba's config once
    numba is loaded, else the environment variable as numba reads it."""
    try:
        return bool(int(_numba_setting("DISABLE_JIT", "0")))
    except ValueError:
        return False


class Kernel:
    """A kernel of skreg, compiled by numba at its first compiled call.

    Called from Python, it calls numba's dispatcher, made (and numba loaded,
    :func:`load_numba`) on that first call; other attributes are the
    dispatcher's.  A kernel that calls it compiles it as that dispatcher
    (numba types a :class:`Kernel` as its dispatcher).  ``py_func`` is the
    Python function, read without loading numba.

    Once made, the dispatcher replaces the kernel in the globals of skreg's
    modules (and in its inner kernel's caller, :func:`inner_kernel`): a
    call through the kernel costs 0.7-0.8 us more than the dispatcher's own
    0.5 us, and drivers call kernels thousands of times in a CV search.
    """

    def __init__(self, func, options):
        functools.update_wrapper(self, func)
        self.py_func = func
        self._options = options
        self._dispatcher = None
        self._on_dispatcher = []  # callbacks given the dispatcher once made

    @property
    def dispatcher(self):
        """numba's dispatcher of the kernel, made on first use."""
        dispatcher = self._dispatcher
        if dispatcher is None:
            with _load_lock:  # one dispatcher, whichever thread asks first
                if self._dispatcher is None:
                    made = _make_dispatcher(self.py_func, self._options)
                    self._dispatcher = made
                    _replace_in_modules(self, made)
                    for callback in self._on_dispatcher:
                        callback(made)
                dispatcher = self._dispatcher
        return dispatcher

    def __call__(self, *args, **kwargs):
        return self.dispatcher(*args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("__") or name in _KERNEL_ATTRIBUTES:
            raise AttributeError(name)
        return getattr(self.dispatcher, name)

    def __repr__(self):
        return f"<skreg kernel {self.py_func.__module__}.{self.py_func.__qualname__}>"


# A Kernel's own attributes: never the dispatcher's (a copy being built).
_KERNEL_ATTRIBUTES = frozenset(
    {"_dispatcher", "_options", "_on_dispatcher", "py_func", "dispatcher"}
)


def _replace_in_modules(original, replacement, package="skreg", name=None):
    """Bind ``replacement`` wherever a module of ``package`` binds
    ``original`` (only under ``name``, when given)."""
    for module_name, module in list(sys.modules.items()):
        if module is None or not (
            module_name == package or module_name.startswith(package + ".")
        ):
            continue
        namespace = vars(module)
        keys = [name] if name is not None else list(namespace)
        for key in keys:
            if namespace.get(key) is original:
                namespace[key] = replacement


def _make_dispatcher(func, requested):
    """numba's dispatcher of ``func`` with skreg's policy and the
    ``requested`` options (numba loaded first)."""
    numba = load_numba()
    options = {"cache": CACHE, "nogil": True, "fastmath": set(FASTMATH)}
    options.update(_flags_as_sets(requested))
    try:
        dispatcher = numba.njit(**options)(func)
    except RuntimeError:
        # numba raises at decoration time when no cache locator works;
        # compile without the cache rather than failing the call.
        options["cache"] = False
        return numba.njit(**options)(func)
    if options["cache"]:
        _harden_cache(dispatcher)
    return dispatcher


def njit(*args, **kwargs):
    """Compile a kernel with skreg's numba policy.

    Used as ``@njit`` or ``@njit(...)``; keyword arguments override the policy
    (for example a kernel that must not use ``reassoc``).  Returns a
    :class:`Kernel`, compiled at its first compiled call; without the JIT
    (``NUMBA_DISABLE_JIT=1``) the function itself, as numba does.
    """

    def decorate(func):
        if jit_disabled():
            return func
        return Kernel(func, kwargs)

    if len(args) == 1 and callable(args[0]):
        return decorate(args[0])
    return decorate


# What needs numba (overloads, intrinsics), run when it is loaded
# (when_numba_loaded), in the order registered.
_PENDING = []
_load_lock = threading.RLock()
_loaded = {}  # "numba": the module once loaded and set up
_loading = []  # non-empty while load_numba runs the pending registrations


def when_numba_loaded(callback):
    """Call ``callback()`` once numba is loaded (:func:`load_numba`): now if
    it is, else before any kernel compiles."""
    with _load_lock:
        if "numba" not in _loaded:
            _PENDING.append(callback)
            return
    callback()


def overload_when_loaded(func, **options):
    """``numba.extending.overload(func, **options)`` as a decorator, registered
    when numba is loaded; the decorated function is returned as it is."""

    def decorate(factory):
        def register():
            from numba.extending import overload

            overload(func, **options)(factory)

        when_numba_loaded(register)
        return factory

    return decorate


def _register_overload(target, options, factory):
    """The overload of an inner kernel or helper (:func:`inner_kernel`,
    :func:`inner_overload`), registered when numba is loaded."""
    factory._skreg_inner_kernel = True
    overload_when_loaded(target, jit_options=dict(options), strict=False)(factory)


# The plain functions of compiled stand-ins (compiled_in_kernels), by the
# stand-in's id.
_PYTHON_OF_STAND_IN = {}


def compiled_in_kernels(function):
    """Register the decorated factory of ``function``'s compiled stand-in (an
    intrinsic, say): once numba is loaded, the factory's result replaces
    ``function`` in the globals of the modules of :mod:`skreg._kernels` where
    it is bound to its own name, so that kernels compile it, while Python
    callers (and interpreted copies, :func:`interpreted_throughout`) keep
    ``function``."""

    def decorate(factory):
        def install():
            stand_in = factory()
            _PYTHON_OF_STAND_IN[id(stand_in)] = function
            # By its own name: an alias (a Python callers' copy) stays.
            _replace_in_modules(function, stand_in, _KERNEL_PACKAGE, function.__name__)

        when_numba_loaded(install)
        return factory

    return decorate


def load_numba():
    """Import numba and set skreg's policy up in it, once; return numba.

    The cache's location (:func:`_resolve_cache`), the compilation listener,
    deferred machine code, shared inner kernels, the type of a
    :class:`Kernel`, and what was registered to wait for numba
    (:func:`when_numba_loaded`).
    """
    numba = _loaded.get("numba")
    if numba is not None:
        return numba
    with _load_lock:
        if "numba" in _loaded:
            return _loaded["numba"]
        import numba

        if _loading:  # a registration that loads a kernel's module
            return numba
        _loading.append(True)
        try:
            from numba.core import event
            from numba.core.typing.typeof import typeof_impl

            global CACHE, DEFER_CODEGEN, SHARE_INNER_KERNELS, _COMPILING
            CACHE = _resolve_cache()
            _COMPILING = _compilation_listener(event)()
            event.register("numba:compile", _COMPILING)
            DEFER_CODEGEN = _defer_machine_code()
            SHARE_INNER_KERNELS = (
                _env_flag("SKREG_SHARE_INNER_KERNELS") and _share_inner_kernels()
            )

            @typeof_impl.register(Kernel)
            def _typeof_kernel(kernel, context):
                return kernel.dispatcher._numba_type_

            while _PENDING:
                _PENDING.pop(0)()
            _loaded["numba"] = numba
        finally:
            _loading.clear()
    return numba


def numba_loaded():
    """Whether a kernel has loaded numba in this process (:func:`load_numba`)."""
    return "numba" in _loaded


# Set when numba is loaded (load_numba).
CACHE = None  # whether kernels are cached
DEFER_CODEGEN = False
SHARE_INNER_KERNELS = False
_COMPILING = None


def inner_kernel(*args, **kwargs):
    """Compile a kernel that other kernels call, with skreg's numba policy.

    Used as ``@inner_kernel`` or ``@inner_kernel(...)`` (keyword arguments as
    for :func:`njit`).  Kernels that call it compile it through an
    ``overload``, without the wrappers that make a compiled function callable
    from Python (``no_cpython_wrapper``, ``no_cfunc_wrapper``): numba builds
    and optimizes those for every function it compiles, and they are about a
    third of the compilation of a small kernel (12 small callees: 0.96 s
    with wrappers, 0.66 s without; measured, issue 13).  Called from Python
    it runs as an :func:`njit` kernel (compiled and cached on first use), so
    drivers and tests can still call it; ``py_func`` is the Python function,
    ``dispatcher`` the :class:`Kernel` that serves calls from Python and
    ``overload`` the implementation kernels compile it through.
    """

    def decorate(func):
        kernel = njit(**kwargs)(func)
        target = [kernel]  # the Kernel, then its dispatcher once made

        @functools.wraps(func)
        def call_from_python(*call_args):
            return target[0](*call_args)

        if isinstance(kernel, Kernel):
            kernel._on_dispatcher.append(lambda made: target.__setitem__(0, made))
        call_from_python.py_func = func
        call_from_python.dispatcher = kernel
        call_from_python.overload = None  # what kernels compile it through
        if not jit_disabled():
            options = {"fastmath": set(FASTMATH), "no_cfunc_wrapper": True}
            options.update(_flags_as_sets(kwargs))

            def _compiled(*arg_types):
                return func

            _register_overload(call_from_python, options, _compiled)
            call_from_python.overload = _compiled

        return call_from_python

    if len(args) == 1 and callable(args[0]):
        return decorate(args[0])
    return decorate


def inner_overload(func, **kwargs):
    """``numba.extending.overload`` of ``func`` for a helper that only kernels call.

    Used as ``@inner_overload(func)`` on the function that returns the
    implementation for the argument types.  As for :func:`inner_kernel`, the
    implementation is compiled without a C-callable wrapper, and once per
    signature whichever kernel calls it (:func:`_share_inner_kernels`).  Its
    floating-point flags are its caller's, as with numba's ``overload``,
    unless keyword arguments set them (``fastmath=...``).  Registered when
    numba is loaded; the decorated function is returned as it is.
    """
    options = {"no_cfunc_wrapper": True}
    options.update(_flags_as_sets(kwargs))

    def decorate(overload_func):
        if not jit_disabled():
            _register_overload(func, options, overload_func)
        return overload_func

    return decorate


def _compilation_listener(event):
    """The class of :data:`_COMPILING`, a listener of numba's ``event``."""

    class _SkregCompilation(event.Listener):
        """Track a skreg kernel's compilation, from its start to its end
        (callees compiled meanwhile included), and pause the garbage collector
        meanwhile.

        numba compiles under its global compiler lock, so the events of one
        compilation do not interleave with another thread's.  A collector the
        user had disabled stays disabled.
        """

        def __init__(self):
            self.depth = 0
            self.skreg = False  # the outermost compilation is a skreg kernel's
            self.paused = False
            self.started = 0.0
            self.seconds = 0.0  # spent compiling skreg kernels in this process

        def on_start(self, ev):
            if self.depth == 0:
                py_func = getattr(ev.data.get("dispatcher"), "py_func", None)
                module = getattr(py_func, "__module__", "") or ""
                self.skreg = module.startswith("skreg.")
                self.started = time.perf_counter()
                if self.skreg and gc.isenabled():
                    gc.disable()
                    self.paused = True
            self.depth += 1

        def on_end(self, ev):
            self.depth -= 1
            if self.depth == 0:
                if self.skreg:
                    self.seconds += time.perf_counter() - self.started
                self.skreg = False
                if self.paused:
                    self.paused = False
                    gc.enable()

    return _SkregCompilation


def compile_seconds():
    """Seconds this process has spent compiling skreg kernels so far."""
    return 0.0 if _COMPILING is None else _COMPILING.seconds


def _with_globals(function, namespace):
    """``function`` (a Python function) reading its globals from ``namespace``."""
    copy = types.FunctionType(
        function.__code__,
        namespace,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__doc__ = function.__doc__
    return copy


# Kernel (its Python function) -> the same computation with NumPy array
# operations, which interpreted copies run instead (numpy_version_of).
_NUMPY_VERSIONS = {}


def numpy_version_of(kernel):
    """Register the decorated function as ``kernel`` written with NumPy array
    operations: what :func:`interpreted_throughout` runs in its place.

    A kernel's loops over elements cost some 0.7-2 us an element in the
    interpreter, where a compiled loop costs about a nanosecond; the same
    work as NumPy calls costs the interpreter a few microseconds a call
    (a column, a feature's update).  The version computes what the kernel
    does up to the order of its sums, so results agree to rounding, not
    bitwise.  ``kernel`` is a kernel of :mod:`skreg._kernels` (its
    ``py_func``) or a plain function that kernels call.
    """

    def decorate(function):
        _NUMPY_VERSIONS[getattr(kernel, "py_func", kernel)] = function
        return function

    return decorate


def interpreted_throughout(kernel, compiled=()):
    """``kernel`` and every kernel it reaches run by the Python interpreter,
    but the kernels ``compiled`` (none: nothing compiles).

    The same code as the compiled kernel: each function of
    :mod:`skreg._kernels` that the kernel reaches is rebuilt from its Python
    function (``py_func``) with module globals in which the kernels, the
    modules and the tables of functions of ``skreg._kernels`` are replaced
    the same way, except that a function with a NumPy version
    (:func:`numpy_version_of`) is replaced by that version's copy, and a
    kernel of ``compiled`` stays itself (a compiled quick start's sweeps).
    Building the copies costs about a millisecond for plain CD's kernel: they
    are kept, and built again once a module whose globals they copied has
    rebound one (a kernel made, a test's stand-in).  Without the JIT
    (``NUMBA_DISABLE_JIT=1``) the kernel is returned as it is.
    """
    if jit_disabled():
        return kernel
    kept = frozenset(id(k) for k in compiled)
    key = (id(kernel), kept)
    built = _BUILT.get(key)
    if built is not None and built[0] is kernel and _globals_unchanged(built[2]):
        return built[1]
    memo = {}
    copy = _as_python(memo, kept)(kernel)
    modules = [
        (original, _identities(original))
        for _, original in memo.values()
        if type(original) is dict and "__name__" in original
    ]
    # The kernels are held with their copies: their ids stay theirs.
    _BUILT[key] = (kernel, copy, modules, tuple(compiled))
    return copy


# interpreted_throughout's copies, by the kernel's id and those left
# compiled: (kernel, copy, [(module globals copied, their values' ids)], the
# kernels left compiled).
_BUILT = {}


def _identities(namespace):
    """The ids of a module's global values, in order."""
    return tuple(map(id, namespace.values()))


def _globals_unchanged(modules):
    """Whether the module globals copies were built from are as they were."""
    return all(_identities(namespace) == seen for namespace, seen in modules)


_KERNEL_PACKAGE = "skreg._kernels"


class _ModuleCopy:
    """A module of :mod:`skreg._kernels` as its interpreted copies see it."""


def _as_python(memo, kept=frozenset()):
    """A converter of objects into their interpreted copies (``memo``: the
    copies made so far, by ``id`` of the original, with the original kept
    alive next to each; ``kept``: the ids of objects left as they are)."""

    def in_package(name):
        return isinstance(name, str) and (
            name == _KERNEL_PACKAGE or name.startswith(_KERNEL_PACKAGE + ".")
        )

    def namespace(globals_dict):
        """The copy of a module's globals, registered before it is filled:
        the functions of one module call each other."""
        key = id(globals_dict)
        if key in memo:
            return memo[key][0]
        copied = dict(globals_dict)
        memo[key] = (copied, globals_dict)
        for name, value in globals_dict.items():
            copied[name] = convert(value)
        return copied

    def convert(value):
        key = id(value)
        if key in kept:
            return value
        if key in memo:
            return memo[key][0]
        if key in _PYTHON_OF_STAND_IN:
            return _PYTHON_OF_STAND_IN[key]
        func = getattr(value, "py_func", None)
        if isinstance(func, types.FunctionType) and in_package(func.__module__):
            copy = convert(func)
        elif isinstance(value, types.FunctionType) and value in _NUMPY_VERSIONS:
            copy = convert(_NUMPY_VERSIONS[value])
        elif isinstance(value, types.FunctionType) and in_package(value.__module__):
            # Registered before its module's globals are converted, which
            # may reach it again.
            copied = dict(value.__globals__)
            fill = id(value.__globals__) not in memo
            if fill:
                memo[id(value.__globals__)] = (copied, value.__globals__)
            else:
                copied = memo[id(value.__globals__)][0]
            copy = _with_globals(value, copied)
            memo[key] = (copy, value)
            if fill:
                for name, item in value.__globals__.items():
                    copied[name] = convert(item)
            return copy
        elif isinstance(value, types.ModuleType) and in_package(value.__name__):
            # Its attributes read the copied globals as they are filled.
            copy = _ModuleCopy()
            memo[key] = (copy, value)
            copy.__dict__ = namespace(vars(value))
            return copy
        elif (
            isinstance(value, dict)
            and value
            and all(isinstance(item, dict) or callable(item) for item in value.values())
        ):
            copy = {name: convert(item) for name, item in value.items()}
        else:
            return value
        memo[key] = (copy, value)
        return copy

    return convert


# Deferred machine code. numba finalizes the code library of every function it
# compiles: it links in the callees' IR, runs LLVM's module optimizations and
# emits machine code. A function that only other kernels call (an inner
# kernel, an overload, one of numba's own helpers) is linked into each caller
# as IR and optimized again there, so its own optimized module and machine code
# are never run. While a skreg kernel compiles, a finalized library is
# therefore optimized and given machine code only when something asks for its
# code: the address of a function it defines (a kernel's Python wrapper) or its
# object code (the on-disk cache).

DEFERRED_CODEGEN = {"deferred": 0, "emitted": 0}
_pending_envs = {}


def _defer_machine_code():
    """Make numba's JIT code libraries optimize and emit code on demand.

    Returns whether it was installed: not when ``SKREG_DEFER_CODEGEN=0``, and
    not when numba's code library lacks a method this relies on (numba then
    behaves as shipped).
    """
    if not _env_flag("SKREG_DEFER_CODEGEN"):
        return False
    from numba.core import codegen

    library_cls, jit_library_cls = codegen.CPUCodeLibrary, codegen.JITCodeLibrary
    codegen_cls = codegen.JITCPUCodegen
    needed = {
        library_cls: (
            "finalize",
            "_optimize_final_module",
            "_finalize_final_module",
            "_finalize_dynamic_globals",
            "_verify_declare_only_symbols",
            "_get_compiled_object",
            "_ensure_finalized",
        ),
        jit_library_cls: ("_finalize_specific", "get_pointer_to_function"),
        codegen_cls: ("set_env", "_add_module"),
    }
    for cls, names in needed.items():
        if not all(callable(getattr(cls, name, None)) for name in names):
            return False
    finalize = library_cls.finalize
    optimize_final_module = library_cls._optimize_final_module
    finalize_final_module = library_cls._finalize_final_module
    get_compiled_object = library_cls._get_compiled_object
    get_pointer_to_function = jit_library_cls.get_pointer_to_function
    set_env = codegen_cls.set_env

    def emit(library):
        # What numba's finalize skipped: the module optimization, then
        # _finalize_final_module from adding the module to the engine on.
        if not getattr(library, "_skreg_pending", False):
            return
        library._skreg_pending = False
        optimize_final_module(library)
        module = library._final_module
        module.verify()
        # numba's object-cache hooks find the library under this attribute.
        module._CPUCodeLibrary__library = weakref.proxy(library)
        library._codegen._add_module(module)
        library._finalize_specific()
        DEFERRED_CODEGEN["emitted"] += 1
        engine = library._codegen._engine
        for name in [name for name in _pending_envs if engine.is_symbol_defined(name)]:
            set_env(library._codegen, name, _pending_envs.pop(name))

    def finalize_deferred(self):
        self._skreg_defer = _COMPILING.depth > 0 and _COMPILING.skreg
        try:
            finalize(self)
        finally:
            self._skreg_defer = False

    def optimize_final_module_deferred(self):
        if not getattr(self, "_skreg_defer", False):
            optimize_final_module(self)

    def finalize_final_module_deferred(self):
        if not getattr(self, "_skreg_defer", False):
            return finalize_final_module(self)
        self._finalize_dynamic_globals()
        self._verify_declare_only_symbols()
        self._skreg_pending = True
        self._finalized = True
        DEFERRED_CODEGEN["deferred"] += 1

    def get_pointer_to_function_deferred(self, name):
        self._ensure_finalized()
        if getattr(self, "_skreg_pending", False):
            try:
                defined = not self._final_module.get_function(name).is_declaration
            except NameError:
                defined = False
            if defined:
                emit(self)
        return get_pointer_to_function(self, name)

    def get_compiled_object_deferred(self):
        self._ensure_finalized()
        emit(self)
        return get_compiled_object(self)

    def set_env_deferred(self, env_name, env):
        # The environment global of a deferred library has no address yet; it
        # is set once a module defining it (the library itself, or a caller
        # that linked it in) has machine code.
        if not self._engine.is_symbol_defined(env_name):
            _pending_envs[env_name] = env
            return
        set_env(self, env_name, env)

    library_cls.finalize = finalize_deferred
    library_cls._optimize_final_module = optimize_final_module_deferred
    library_cls._finalize_final_module = finalize_final_module_deferred
    library_cls._get_compiled_object = get_compiled_object_deferred
    jit_library_cls.get_pointer_to_function = get_pointer_to_function_deferred
    codegen_cls.set_env = set_env_deferred
    return True


# One compilation of an inner kernel per signature. numba caches an overload's
# compiled implementation by the argument types and by the compilation flags
# of the caller, so an inner kernel called from a kernel called from Python and
# from another inner kernel (whose flags differ by the wrappers) compiled
# twice: 7 of the 60 specializations of a working-set first fit. Of the
# caller's flags, only those the implementation inherits from it can change
# what is compiled (numba's CPU target: nrt, error_model, forceinline, and
# fastmath, which inner kernels set themselves); they make the key instead.
_INHERITED_FLAGS = ("nrt", "error_model", "forceinline", "fastmath")


def _share_inner_kernels():
    """Key inner kernels' implementations by the flags they inherit.

    Returns whether it was installed; not when numba's overload template
    lacks the cache this relies on.
    """
    from numba.core import targetconfig
    from numba.core.typing import templates

    template = templates._OverloadFunctionTemplate
    get_impl = getattr(template, "_get_impl", None)
    build_impl = getattr(template, "_build_impl", None)
    stack = getattr(targetconfig, "ConfigStack", None)
    if get_impl is None or build_impl is None or stack is None:
        return False

    def inherited(flags):
        values = []
        for name in _INHERITED_FLAGS:
            value = getattr(flags, name)
            if hasattr(value, "flags"):
                # numba's FastMathOptions is not hashable; its flag set is.
                value = frozenset(value.flags)
            values.append(value)
        return tuple(values)

    def get_impl_shared(self, args, kws):
        if not getattr(self._overload_func, "_skreg_inner_kernel", False):
            return get_impl(self, args, kws)
        flags = stack.top_or_none()
        key_flags = None if flags is None else inherited(flags)
        cache_key = self.context, tuple(args), tuple(kws.items()), key_flags
        cached = self._impl_cache.get(cache_key)
        if cached is not None:
            return cached
        return build_impl(self, cache_key, args, kws)

    template._get_impl = get_impl_shared
    return True


__all__ = [
    "CACHE",
    "cache_directory",
    "compile_seconds",
    "jit_disabled",
    "Kernel",
    "kernels_cache_directory",
    "load_numba",
    "numba_loaded",
    "compiled_in_kernels",
    "overload_when_loaded",
    "when_numba_loaded",
    "DEFER_CODEGEN",
    "FASTMATH",
    "FASTMATH_GATHER",
    "inner_kernel",
    "inner_overload",
    "njit",
]
