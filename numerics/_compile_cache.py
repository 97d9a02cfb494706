"""Where the compiled kernels of :mod:`numerics._jit` keep their machine code, tolerating a
file system that cannot be written.

numba's own ``cache=True`` looks for a *writable* directory (``NUMBA_CACHE_DIR``, the package's
``__pycache__``, the user's cache folder) when a function is decorated, and raises
``RuntimeError: cannot cache function …: no locator available`` when there is none — which made
every compiled function fail on an installation in a read-only place. Here, instead:

1. a writable location is used as numba would use it (the same locators, in the same order);
2. else a location that already holds a cache and can be read (a cache built at install time and
   shipped read-only) is used for loading, and new signatures are compiled in memory;
3. else the kernels are compiled in memory on every run.

In cases 2 and 3 (and whenever writing a cache file fails) one ``RuntimeWarning`` says so per
process; nothing raises. The machine code is the same in every case (the cache stores what the
compiler produced), so results are bit-identical
(``tests/numerics/test_compile_cache.py`` runs each case in a fresh process).
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable
from typing import Any

from numba.core import caching

_warned = threading.Event()


def _warn_once(message: str) -> None:
    if not _warned.is_set():
        _warned.set()
        warnings.warn(
            f"numerics: {message}; the kernels are compiled in memory", RuntimeWarning, stacklevel=3
        )


def _readable(path: str) -> None:
    """Raise OSError unless ``path`` is a directory this process can read that holds a numba
    cache index (``*.nbi``): a cache that was built there, not merely a folder."""
    try:
        if os.access(path, os.R_OK | os.X_OK) and any(n.endswith(".nbi") for n in os.listdir(path)):
            return
    except OSError:
        pass
    raise OSError(f"{path}: no readable compile cache")


class _ReadOnlyUserProvided(caching.UserProvidedCacheLocator):
    """``NUMBA_CACHE_DIR`` when it exists and can be read but not written."""

    def ensure_cache_path(self) -> None:
        _readable(self.get_cache_path())


class _ReadOnlyInTree(caching.InTreeCacheLocator):
    """The package's ``__pycache__`` when it exists and can be read but not written."""

    def ensure_cache_path(self) -> None:
        _readable(self.get_cache_path())


class _ReadOnlyUserWide(caching.UserWideCacheLocator):
    """The user's numba cache folder when it exists and can be read but not written."""

    def ensure_cache_path(self) -> None:
        _readable(self.get_cache_path())


class _TolerantLocating(caching.CompileResultCacheImpl):
    """numba's locating and serialising, with each writable location tried first and then the
    same location holding a cache that is read-only."""

    _locator_classes: list[type[object]] = [  # noqa: RUF012 (numba's name and type)
        caching.UserProvidedCacheLocator,
        _ReadOnlyUserProvided,
        caching.InTreeCacheLocator,
        _ReadOnlyInTree,
        caching.UserWideCacheLocator,
        _ReadOnlyUserWide,
        caching.IPythonCacheLocator,
        caching.ZipCacheLocator,
    ]


class TolerantCache(caching.FunctionCache):
    """numba's per-function cache with read-only locations as a second choice, and failures to
    write (or to read a damaged index) turned into one warning and an in-memory compile."""

    _impl_class = _TolerantLocating

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        try:
            return super().load_overload(sig, target_context)
        except Exception as exc:  # a damaged or unreadable cache file: compile instead
            _warn_once(f"could not read the compile cache ({exc})")
            return None

    def save_overload(self, sig: Any, data: Any) -> None:
        try:
            super().save_overload(sig, data)
        except OSError as exc:
            _warn_once(f"could not write the compile cache ({exc})")


def attach(dispatcher: Any, fn: Callable[..., object]) -> Any:
    """Give a numba dispatcher compiled without ``cache=True`` a :class:`TolerantCache`, or none
    (with one warning) if no location can be written or read."""
    try:
        dispatcher._cache = TolerantCache(fn)
    except RuntimeError as exc:  # no locator at all
        _warn_once(f"no compile cache can be written or read ({exc})")
    return dispatcher
