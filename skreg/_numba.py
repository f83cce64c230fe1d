"""The one numba policy of skreg.

Every kernel in :mod:`skreg._kernels` is compiled through :func:`njit` defined
here, so caching, GIL release and floating-point flags are decided in one place.

- ``cache=True`` unless the environment variable ``SKREG_NUMBA_CACHE=0`` is set.
- When neither the package directory nor numba's user cache directory is
  writable (read-only installs), the cache is relocated to a temporary
  directory; if even that fails the cache is switched off with one warning.
  Importing skreg never fails because of the cache.
- ``fastmath`` is an explicit flag set. ``fastmath=True`` would add ``nnan`` and
  ``ninf``, which let LLVM delete NaN/inf checks used to detect divergence.
  ``reassoc`` is kept because without it reductions do not vectorize.
"""

import os
import tempfile
import warnings

import numba

FASTMATH = frozenset({"nsz", "arcp", "contract", "afn", "reassoc"})


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


def _resolve_cache():
    """Decide whether to cache compiled kernels and where.

    Returns
    -------
    enabled : bool
        Whether ``cache=True`` is passed to numba.
    """
    if os.environ.get("SKREG_NUMBA_CACHE", "1").strip().lower() in {"0", "false", "no"}:
        return False
    if numba.config.CACHE_DIR:
        # The user chose a location through NUMBA_CACHE_DIR; respect it.
        return True
    package_cache = os.path.join(os.path.dirname(__file__), "_kernels", "__pycache__")
    if _dir_is_writable(package_cache):
        return True
    for candidate in (
        _user_cache_dir(),
        os.path.join(tempfile.gettempdir(), "skreg-numba"),
    ):
        if _dir_is_writable(candidate):
            numba.config.CACHE_DIR = candidate
            return True
    warnings.warn(
        "skreg could not find a writable directory for numba's cache; kernels "
        "will be compiled again in every process. Set NUMBA_CACHE_DIR to a "
        "writable directory to avoid this.",
        RuntimeWarning,
        stacklevel=2,
    )
    return False


CACHE = _resolve_cache()


def njit(*args, **kwargs):
    """Compile a kernel with skreg's numba policy.

    Used as ``@njit`` or ``@njit(...)``; keyword arguments override the policy
    (for example a kernel that must not use ``reassoc``).
    """
    options = {"cache": CACHE, "nogil": True, "fastmath": set(FASTMATH)}
    options.update(kwargs)

    def decorate(func):
        try:
            return numba.njit(**options)(func)
        except RuntimeError:
            # numba raises at decoration time when no cache locator works;
            # compile without the cache rather than failing the import.
            options["cache"] = False
            return numba.njit(**options)(func)

    if len(args) == 1 and callable(args[0]):
        return decorate(args[0])
    return decorate


prange = numba.prange

__all__ = ["CACHE", "FASTMATH", "njit", "prange"]
