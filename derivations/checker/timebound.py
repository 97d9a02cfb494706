"""Run a computation under a hard wall-clock bound (DESIGN.md, "The step checker").

SymPy's simplification and mpmath's quadrature can run for a very long time. Every decision
of the step checker runs inside :func:`time_bound`; when the bound is hit the computation is
*stopped* (it consumes no more CPU) and the caller reports *undecided* (never "passed").

Design. ``fn`` runs in the calling thread, whatever thread that is (the main thread, a worker
thread, ``asyncio.to_thread``, a pytest-xdist worker). One shared watchdog thread keeps the
deadlines of all active bounds; at a deadline it raises an exception *in the computing thread*
with ``PyThreadState_SetAsyncExc``. SymPy and mpmath are pure Python, so the exception lands
within a few bytecodes (a long call into C, e.g. ``time.sleep`` or one huge integer product,
is interrupted when it returns). The watchdog exits when no bound is active, so nothing is
left running after :func:`time_bound` returns.

Nesting. Each bound injects its own exception class (a fresh subclass of the private
``_Expiry``, which is *not* a :class:`TimeBoundExceeded`), so an inner :func:`time_bound` tells
its own expiry from an enclosing one's: it converts its own into a plain
:class:`TimeBoundExceeded` and lets an enclosing bound's pass. An enclosing bound that has
expired cannot be swallowed by an inner ``try: time_bound(...) except TimeBoundExceeded:``
(not even by one retried forever): its exception is not caught there, it is raised again every
:data:`REFIRE_INTERVAL_S` seconds until its own :func:`time_bound` has unwound, every inner
:func:`time_bound` entered or left meanwhile raises it, and its own :func:`time_bound` raises
it even if ``fn`` returned. An inner bound longer than the enclosing one is therefore cut at
the enclosing deadline.
"""

from __future__ import annotations

import ctypes
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

#: How often an expired bound whose exception was swallowed is raised again.
REFIRE_INTERVAL_S = 0.05
#: The watchdog never sleeps longer than this between checks.
MAX_SLEEP_S = 60.0
#: Longest bound accepted (seconds): one day.
MAX_SECONDS = 86_400.0


class TimeBoundExceeded(BaseException):
    """Raised by :func:`time_bound` when its computation exceeds the bound.

    A ``BaseException`` so that SymPy's internal ``except Exception`` clauses do not swallow it.
    """


class _Expiry(BaseException):
    """What the watchdog injects into a computing thread at a bound's deadline (one subclass per
    bound). Deliberately *not* a :class:`TimeBoundExceeded`: code inside the bounded computation
    that catches an inner bound's ``TimeBoundExceeded`` (to report *undecided* and go on) cannot
    swallow an enclosing bound's expiry, so the enclosing bound stops its computation at once
    instead of waiting for a re-fire to land outside every inner ``try``. Only the bound's own
    :func:`time_bound` converts it into ``TimeBoundExceeded``."""


_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
_set_async_exc.argtypes = (ctypes.c_ulong, ctypes.py_object)
_set_async_exc.restype = ctypes.c_int


class _Flush(BaseException):
    """Replaces a bound's possibly pending exception in its own thread and is caught at once."""


def _discard_pending_exception() -> None:
    """Make sure no injected exception is pending for the calling thread.

    Clearing with ``PyThreadState_SetAsyncExc(id, NULL)`` is not used: CPython 3.11 then leaves
    the interpreter's async-exception signal set for good, which slows every thread and, under a
    profiler or tracer, spins forever on the next function entry. Instead a harmless exception
    replaces the pending one and is raised (at the loop's next eval-breaker check) and caught here.
    """
    try:
        _set_async_exc(threading.get_ident(), _Flush)
        for _ in range(10_000_000):  # lands within one iteration; the bound is only a guard
            pass
    except _Flush:
        pass


@dataclass(eq=False)
class _Bound:
    """One active bound: the thread it guards, its deadline and its own exception class."""

    thread_id: int
    seconds: float
    deadline: float
    exc_class: type[_Expiry]
    next_fire: float = field(init=False)
    fired: bool = False

    def __post_init__(self) -> None:
        self.next_fire = self.deadline

    def message(self) -> str:
        return f"time bound of {self.seconds:g} s exceeded"


class _Watchdog(threading.Thread):
    """The watchdog thread; ``stop`` is set (under ``_lock``) when the last bound is released."""

    def __init__(self) -> None:
        super().__init__(name="time_bound watchdog", daemon=True)
        self.stop = False

    def run(self) -> None:
        _watch(self)


# Only C-level primitives are used by the computing threads (a plain Lock as a context manager,
# Lock.release): an exception injected into such a thread cannot leave a lock half-taken, as it
# could inside threading.Condition's Python-level methods.
_lock = threading.Lock()
_wake = threading.Lock()  # released to wake the watchdog early; the watchdog re-acquires it
_wake.acquire()
_active: list[_Bound] = []  # in registration order: an enclosing bound precedes inner ones
_watchdog: _Watchdog | None = None


def _wake_watchdog() -> None:
    try:
        _wake.release()
    except RuntimeError:  # already released: a wake-up is pending
        pass


def _watch(me: _Watchdog) -> None:
    """Fire every due bound (the outermost due one per thread), then sleep until the next."""
    while True:
        with _lock:
            if me.stop:
                return
            now = time.monotonic()
            done_threads: set[int] = set()
            for b in _active:
                if now < b.next_fire:
                    continue
                if b.thread_id in done_threads:  # an enclosing bound of that thread just fired
                    b.next_fire = now + REFIRE_INTERVAL_S
                    continue
                b.fired = True
                b.next_fire = now + REFIRE_INTERVAL_S
                _set_async_exc(b.thread_id, b.exc_class)
                done_threads.add(b.thread_id)
            wake = min((b.next_fire for b in _active), default=now + 1.0)
        # capped: Lock.acquire raises OverflowError for a timeout beyond ~292 years, which would
        # kill the watchdog and leave every other thread's bound unwatched
        _wake.acquire(timeout=min(max(wake - time.monotonic(), 1e-3), MAX_SLEEP_S))


def _fired_enclosing(thread_id: int, inner: _Bound | None) -> _Bound | None:
    """The outermost expired bound of ``thread_id`` other than ``inner`` (caller holds _lock)."""
    for b in _active:
        if b.thread_id == thread_id and b is not inner and b.fired:
            return b
    return None


def _new_bound(seconds: float) -> _Bound:
    return _Bound(
        threading.get_ident(), seconds, time.monotonic() + seconds,
        type("TimeBoundExpiry", (_Expiry,), {"__module__": __name__}),
    )


def _register(bound: _Bound) -> None:
    global _watchdog
    start = None
    with _lock:
        outer = _fired_enclosing(bound.thread_id, None)
        if outer is not None:  # an enclosing bound has expired: no new work under it
            raise outer.exc_class(outer.message())
        _active.append(bound)
        if _watchdog is None:
            start = _watchdog = _Watchdog()
    if start is not None:  # no other bound of this thread exists: nothing can interrupt this
        start.start()
    _wake_watchdog()


def _unregister(bound: _Bound) -> _Bound | None:
    """Remove ``bound``, clear its pending exception; return an expired enclosing bound."""
    global _watchdog
    watchdog = None
    with _lock:
        if bound in _active:
            _active.remove(bound)
        if bound.fired:  # its exception may still be pending: it must not land after return
            _discard_pending_exception()
        outer = _fired_enclosing(bound.thread_id, bound)
        if not _active and _watchdog is not None:
            watchdog, _watchdog = _watchdog, None
            watchdog.stop = True
    if watchdog is not None:  # nothing is left running once the last bound is released
        _wake_watchdog()
        watchdog.join()
    return outer


def _after_fork_in_child() -> None:
    """A forked child has only the forking thread: keep its bounds, forget the parent's watchdog
    and locks (possibly held at the fork), and watch the kept bounds with a watchdog of its own."""
    global _lock, _wake, _active, _watchdog
    _lock = threading.Lock()
    _wake = threading.Lock()
    _wake.acquire()
    me = threading.get_ident()
    _active = [b for b in _active if b.thread_id == me]
    _watchdog = None
    if _active:
        _watchdog = _Watchdog()
        _watchdog.start()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _validate(seconds: float) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ValueError(f"seconds: expected a number of seconds, got {seconds!r}")
    if not math.isfinite(seconds) or seconds <= 0 or seconds > MAX_SECONDS:
        raise ValueError(
            f"seconds: the time bound must be finite, positive and at most {MAX_SECONDS:g} s "
            f"(a day), got {seconds!r}"
        )
    return float(seconds)


def time_bound(fn: Callable[[], T], seconds: float) -> T:
    """Return ``fn()``, or raise :class:`TimeBoundExceeded` once ``seconds`` have passed.

    ``fn`` runs in the calling thread and is stopped at the deadline (see the module
    docstring for the mechanism and for nesting). ``seconds`` must be finite, positive and at
    most a day (:data:`MAX_SECONDS`).
    """
    seconds = _validate(seconds)
    if not callable(fn):
        raise ValueError(f"fn: expected a callable, got {type(fn).__name__}")
    bound = _new_bound(seconds)
    result: T | None = None
    error: BaseException | None = None
    try:
        _register(bound)  # inside the try: whatever lands during registration, it is undone
        result = fn()
    except BaseException as exc:  # re-raised below, once the bound is released
        error = exc
    finally:
        outer: _Bound | None = None
        while True:  # an enclosing bound's exception may land here: retry until released
            try:
                outer = _unregister(bound)
                break
            except _Expiry as exc:
                error = exc
    if outer is not None:
        raise outer.exc_class(outer.message()) from error
    if bound.fired:
        raise TimeBoundExceeded(bound.message()) from None
    if error is not None:
        raise error
    return result  # type: ignore[return-value]
