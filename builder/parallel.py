"""Use both cores: split independent work over a small forked process pool.

Work is cut into contiguous chunks and the results come back in input
order, so output stays deterministic whatever the number of processes.
State the workers need (the corpus, compiled templates) is inherited by
fork rather than pickled; the parent takes its share of the chunks, so
there is one copy of the heap fewer, and the heap is frozen for the
garbage collector first, so the children's collections leave it shared.
Falls back to one process where fork is not available, when threads are
running (forking a threaded process can deadlock: the preview server), for
small inputs, or with ATHAR_JOBS=1.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import multiprocessing
import os
import signal
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS = 200
"""Below this a pool costs more than it saves."""

_state: Any = None


def jobs() -> int:
    """How many processes to use: ATHAR_JOBS, else the number of cores."""
    try:
        wanted = int(os.environ.get("ATHAR_JOBS", "0"))
    except ValueError:
        wanted = 0
    return max(1, wanted or len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def can_fork() -> bool:
    """Whether forking is available and safe (no other thread running)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def map_chunks(fn: Callable[[Any, Sequence[T]], R], items: Sequence[T], state: Any, processes: int | None = None) -> list[R]:
    """``[fn(state, chunk) for chunk in chunks(items)]``, in order, over a process pool.

    ``fn`` must be a module-level function (it is pickled by name).
    """
    processes = processes or jobs()
    if processes <= 1 or len(items) < MIN_ITEMS or not can_fork():
        return [fn(state, items)]
    global _state
    _state = state
    size = -(-len(items) // (processes * 4))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    already_frozen = gc.get_freeze_count() > 0  # the build freezes after each step (builder.build)
    gc.freeze()  # workers then share the heap: collections in them no longer copy every page
    release_memory()  # pages freed but kept by malloc would be counted again in every worker
    try:
        with multiprocessing.get_context("fork").Pool(processes - 1, initializer=_quiet_worker) as pool:
            share = len(chunks) * (processes - 1) // processes
            theirs = pool.map_async(_call, [(fn, chunk) for chunk in chunks[:share]], chunksize=1)
            mine = [fn(state, chunk) for chunk in chunks[share:]]  # the parent works too: one heap fewer
            return theirs.get() + mine
    finally:
        _state = None
        if not already_frozen:
            gc.unfreeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile, for work that makes many objects and no cycles.

    Related stories of 100,000 articles make millions of tuples that all
    live on; the collector walked them again and again as they were made
    (more than half the time of naming them).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def release_memory() -> None:
    """Hand memory that was freed back to the system (glibc's malloc_trim; elsewhere nothing).

    malloc keeps freed pages for reuse, so a process's resident size stays
    at its high-water mark: the parsed registries of 100,000 articles, gone
    once modelled, still counted, and counted again in each forked worker.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the parent and die silently when the pool ends them.

    A fork inherits athar's SIGTERM handler (raise KeyboardInterrupt), which
    made every worker print a traceback when the pool was closed.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call(job: tuple[Callable[[Any, Sequence[T]], R], Sequence[T]]) -> R:
    fn, chunk = job
    return fn(_state, chunk)
