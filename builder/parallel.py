"""Use both cores: split independent work over a small forked process pool.

Work is cut into contiguous chunks and the results come back in input
order, so output stays deterministic whatever the number of processes.
The chunks are taken in turn from a shared counter, not dealt out in
halves up front: page kinds differ several times in cost (articles first,
then the cheap entity pages), and a fixed split left one core waiting for
the other for 10 of the 17 s of the render at 10,000 articles.
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

CHUNKS_PER_PROCESS = 16
"""Small enough that the process finishing first waits little for the other."""

_state: Any = None
_chunks: Sequence[Sequence[Any]] = []
_next: Any = None  # the shared counter of chunks taken
_reserved = 0


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


def map_chunks(fn: Callable[[Any, Sequence[T]], R], items: Sequence[T], state: Any, processes: int | None = None,
               min_items: int = MIN_ITEMS, parent_works: bool = True) -> list[R]:
    """``[fn(state, chunk) for chunk in chunks(items)]``, in order, over a process pool.

    ``fn`` must be a module-level function (it is pickled by name); below
    ``min_items`` items (fewer where each is a lot of work) one process does all.
    ``parent_works=False`` leaves the chunks to the forked workers, for work
    whose memory (a library it imports) should not stay in the parent and
    so in every process forked from it later.  There is still one worker
    fewer than ``processes``, and the parent waits: each worker counts the
    parent's whole heap in its own resident size, and a worker more at
    100,000 articles was 830 MB more at the peak of the build.
    """
    processes = processes or jobs()
    if processes <= 1 or len(items) < min_items or not can_fork():
        return [fn(state, items)]
    global _state, _chunks, _next, _reserved
    context = multiprocessing.get_context("fork")
    size = -(-len(items) // (processes * CHUNKS_PER_PROCESS))
    _state, _chunks = state, [items[i:i + size] for i in range(0, len(items), size)]
    workers = processes - 1
    _reserved = workers  # chunk j < _reserved is the first of pool task j; the parent starts at _reserved
    _next = context.Value("q", workers + 1 if parent_works else workers)
    already_frozen = gc.get_freeze_count() > 0  # the build freezes after each step (builder.build)
    gc.freeze()  # workers then share the heap: collections in them no longer copy every page
    release_memory()  # pages freed but kept by malloc would be counted again in every worker
    try:
        with context.Pool(workers, initializer=_quiet_worker) as pool:
            # One task per chunk, so results come back as they are made (a worker does not hold
            # its share of the corpus to the end); a task finding no chunk left returns nothing.
            theirs = pool.map_async(_call, [(fn, j) for j in range(len(_chunks))], chunksize=1)
            done = dict(_take_chunks(fn, workers) if parent_works else ())  # the parent works too: one heap fewer
            done.update(found for found in theirs.get() if found is not None)
            return [done[i] for i in range(len(_chunks))]
    finally:
        _state, _chunks, _next, _reserved = None, [], None, 0
        if not already_frozen:
            gc.unfreeze()


def map_in_workers(fn: Callable[[Any, Sequence[T]], R], items: Sequence[T], state: Any,
                   min_items: int = MIN_ITEMS) -> list[R]:
    """:func:`map_chunks` on a worker per core, this process only receiving the results.

    For work that makes several times its results' size in short-lived
    objects (parsing): made here, they would leave holes among the results
    that outlive them, counted again by every process forked from this one
    later. Early in a build this process is small, so a worker more costs
    little. One process (ATHAR_JOBS=1) still does everything itself.
    """
    processes = jobs()
    if processes <= 1:
        return map_chunks(fn, items, state, processes=1, min_items=min_items)
    return map_chunks(fn, items, state, processes=processes + 1, min_items=min_items, parent_works=False)


def _take_chunks(fn: Callable[[Any, Sequence[T]], R], first: int) -> Iterator[tuple[int, R]]:
    """Run ``fn`` on chunk ``first``, then on every chunk no other process has taken yet."""
    i = first if first < len(_chunks) else _take()
    while i is not None:
        yield i, fn(_state, _chunks[i])
        i = _take()


def _take() -> int | None:
    """The next chunk no process has taken, or None when all are."""
    with _next.get_lock():
        i = _next.value
        if i >= len(_chunks):
            return None
        _next.value = i + 1
        return i


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


def resident_bytes() -> int | None:
    """This process's resident memory (Linux's /proc/self/statm), or None where it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


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


def _call(job: tuple[Callable[[Any, Sequence[T]], R], int]) -> tuple[int, R] | None:
    """A worker's task: its reserved first chunk (tasks below the number of workers), else the next free one."""
    fn, task = job
    i = task if task < _reserved else _take()
    return None if i is None else (i, fn(_state, _chunks[i]))
