"""Run a symbolic computation under a wall-clock bound.

SymPy's simplification can run for a very long time. Every symbolic check runs inside
:func:`time_bound`; when the bound is hit the computation is interrupted and the caller
reports *undecided* (never "passed").

On POSIX in the main thread the bound is enforced with ``SIGALRM`` (the computation is
interrupted). Elsewhere (a worker thread) the computation runs in a daemon thread and the
caller stops waiting at the bound.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class TimeBoundExceeded(BaseException):
    """Raised when a computation exceeds its time bound.

    A ``BaseException`` so that SymPy's internal ``except Exception`` clauses do not swallow it.
    """


def _can_use_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def time_bound(fn: Callable[[], T], seconds: float) -> T:
    """Return ``fn()``, or raise :class:`TimeBoundExceeded` after ``seconds``."""
    if seconds <= 0:
        raise ValueError(f"seconds: the time bound must be positive, got {seconds!r}")
    if _can_use_alarm():
        def _handler(signum: int, frame: object) -> None:
            raise TimeBoundExceeded(f"time bound of {seconds:g} s exceeded")

        outer_remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        previous_handler = signal.signal(signal.SIGALRM, _handler)
        start = time.monotonic()
        # An enclosing bound that expires first wins: the inner computation is cut there too.
        signal.setitimer(
            signal.ITIMER_REAL, min(seconds, outer_remaining) if outer_remaining > 0 else seconds
        )
        try:
            return fn()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_handler)
            if outer_remaining > 0:  # re-arm the enclosing bound with what is left of it
                left = outer_remaining - (time.monotonic() - start)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
    box: dict[str, object] = {}

    def _target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=_target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise TimeBoundExceeded(f"time bound of {seconds:g} s exceeded")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
