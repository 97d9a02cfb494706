"""Row-block threading for the divergences on large inputs.

NumPy's ufuncs and the compiled kernels of :mod:`numerics._jit` (``nogil``) release the GIL, so
independent blocks of rows (the leading axis) can run in threads, each with its own scratch
buffers (:func:`numerics._kernels.scratch` is per thread). Used only for ≥ :data:`MIN_ELEMENTS`
elements (:data:`MIN_ELEMENTS_FEW_CALLS` for the logits and Normal KLs), where the work dwarfs the
hand-off. Every element (row) is computed by the same code
whatever the block, and every series length depends on its own element only, so the result is
the one-thread result bit for bit (``tests/numerics/test_jit_kernels.py`` checks 1, 2 and 3
threads).

The thread count is ``NUMERICS_THREADS`` if set (1 turns threading off), else the number of
CPUs this process may use, at most 4.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

MIN_ELEMENTS = 1 << 18
#: the threshold for the kernels whose blocks each run a handful of long calls (the logits and
#: Normal KLs): a second thread pays from here when the second core is free (measured at 10⁵
#: elements, 2 threads, nothing else running: categorical logits 2.15 → 1.3 ms, Bernoulli logits
#: 1.95 → 1.2 ms, Normal 0.58 → 0.44 ms; blocks that alternate Python with short calls gain nothing
#: there, the threads handing the GIL back and forth)
MIN_ELEMENTS_FEW_CALLS = 1 << 15
_MAX_DEFAULT = 4

try:
    _AVAILABLE = len(os.sched_getaffinity(0))
except AttributeError:  # pragma: no cover - not Linux
    _AVAILABLE = os.cpu_count() or 1

_state = threading.local()
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def thread_count() -> int:
    """Threads for the row blocks: ``NUMERICS_THREADS`` when set (a positive integer, else
    ``ValueError`` naming it), otherwise the CPUs this process may use, at most 4."""
    env = os.environ.get("NUMERICS_THREADS", "").strip()
    if env:
        if not env.isdigit() or int(env) < 1:
            raise ValueError(f"NUMERICS_THREADS: expected a positive integer, got {env!r}")
        return int(env)
    return max(1, min(_AVAILABLE, _MAX_DEFAULT))


def row_blocks(rows: int, elements: int, min_elements: int | None = None) -> list[slice]:
    """Contiguous blocks of the leading axis: one per thread, each ≥ ``min_elements``/2 elements
    (default :data:`MIN_ELEMENTS`); one block below ``min_elements``."""
    least = MIN_ELEMENTS if min_elements is None else min_elements
    if elements < least or getattr(_state, "inside", False):
        return [slice(None)]
    k = min(thread_count(), rows, max(1, (2 * elements) // least))
    if k <= 1:
        return [slice(None)]
    bounds = [rows * i // k for i in range(k + 1)]
    return [slice(a, b) for a, b in itertools.pairwise(bounds)]


def _forget_pool_after_fork() -> None:
    """A forked child inherits the pool object but not its threads: work submitted to it would
    never run. The child starts a pool of its own when it needs one."""
    global _executor, _lock
    _executor = None
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def _get_executor(workers: int) -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None or _executor._max_workers < workers:
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="numerics")
        return _executor


def _guarded(fn: Callable[[slice], None], block: slice) -> None:
    _state.inside = True  # a kernel that calls another threaded kernel runs it serially
    try:
        fn(block)
    finally:
        _state.inside = False


def run_blocks(fn: Callable[[slice], None], blocks: list[slice]) -> None:
    """fn(block) for every block: the first in this thread, the others in the pool."""
    if len(blocks) == 1:
        fn(blocks[0])
        return
    pool = _get_executor(len(blocks) - 1)
    futures = [pool.submit(_guarded, fn, b) for b in blocks[1:]]
    try:
        _guarded(fn, blocks[0])
    finally:
        for f in futures:
            f.result()
