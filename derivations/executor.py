"""Run independent tasks on worker processes or a Dask cluster (stand-in; runner's version replaces it).

:func:`run_tasks` maps ``fn`` over ``items`` and returns the results in the order of ``items``:

* ``jobs=1``: in this process, one after the other;
* ``jobs=N`` (default: the CPUs available to this process): a local process pool;
* ``scheduler="tcp://host:port"`` (or a ``dask.distributed.Client``/``LocalCluster`` address):
  the tasks are submitted to that Dask distributed scheduler (the optional ``dask`` extra).

``fn`` and the items must be picklable (a module-level function). A progress bar (tqdm, on
stderr) is shown when ``progress`` is true, or by default for more than a few items.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without affinity
        return max(1, os.cpu_count() or 1)


def _bar(total: int, progress: bool | None, desc: str):
    show = progress if progress is not None else total > 3
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc or None, file=sys.stderr, leave=False)


def run_tasks(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    desc: str = "",
) -> list[R]:
    """``[fn(item) for item in items]`` on ``jobs`` processes or on a Dask ``scheduler``."""
    items = list(items)
    if jobs is not None and (not isinstance(jobs, int) or jobs < 1):
        raise ValueError(f"jobs: expected a positive integer, got {jobs!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ValueError(f"scheduler: expected an address such as 'tcp://127.0.0.1:8786', got {scheduler!r}")
    if not items:
        return []
    bar = _bar(len(items), progress, desc)
    try:
        if scheduler is not None:
            return _run_dask(fn, items, scheduler, bar)
        n = min(jobs or _default_jobs(), len(items))
        if n == 1:
            out = []
            for item in items:
                out.append(fn(item))
                if bar is not None:
                    bar.update(1)
            return out
        with ProcessPoolExecutor(max_workers=n) as pool:
            futures = [pool.submit(fn, item) for item in items]
            results: list[R] = []
            for f in futures:
                results.append(f.result())
                if bar is not None:
                    bar.update(1)
            return results
    finally:
        if bar is not None:
            bar.close()


def _run_dask(fn: Callable[[T], R], items: list[T], scheduler: str, bar) -> list[R]:
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise ValueError(
            "scheduler: dask.distributed is not installed (pip install 'dask[distributed]')"
        ) from exc
    with Client(scheduler) as client:
        futures = client.map(fn, items, pure=False)
        results = []
        for f in futures:
            results.append(f.result())
            if bar is not None:
                bar.update(1)
        return results
