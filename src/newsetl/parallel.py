"""CPU-bound stages across the machine's cores, in worker processes (the GIL keeps threads of
trafilatura, spaCy and VADER on one core).

Workers come from a fork server that has imported the heavy libraries and loaded the enrichment
models once (`newsetl.parallel_preload`), so every worker starts with them in memory (shared,
copy-on-write) instead of loading them again; `warm` in each worker then finds them loaded. The
pool lives for the process (a run, or a worker serving many runs) and is shut down at exit.
`prestart` starts it in the background (a run calls it once acquisition has fetched enough pages
to use it, so the start-up overlaps the rest of the fetching). `map_chunks` keeps the order of
its chunks; with one worker it runs them here, in order.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Imported once in the fork server, so every worker starts with them in memory; the model it
# loads there is named by this environment variable (set when the pool is made).
PRELOAD = ["newsetl.parallel_preload"]
PRELOAD_MODEL = "NEWSETL_PRELOAD_SPACY_MODEL"

# Fewer items than this run here: starting the workers and loading their models costs more
# than a second core gives back on a small wave (measured: 40 articles took longer on two
# fresh workers than in one process).
MIN_PARALLEL_ITEMS = 100

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_key: tuple[int, str] | None = None


_watched: list[int] = []  # the process whose parent is watched (a fork does not copy the thread)


def end_with_parent(poll_seconds: float = 1.0) -> None:
    """End this process soon after the one that started it has gone (it is then another's
    child: init's, or a subreaper's). A pool's worker waits on its task queue for good when the
    run that made the pool is killed (SIGKILL, or a cancelled deployment's run past its grace),
    and its fork server with it: 1.6 GB left behind each time. The fork server watches the run,
    each worker its fork server. A daemon thread that looks once a second."""
    if _watched and _watched[0] == os.getpid():
        return
    _watched[:] = [os.getpid()]
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="newsetl-end-with-parent", daemon=True).start()


def process_ids() -> tuple[int, int]:
    """This process's id and its parent's (a worker's parent is its fork server)."""
    return os.getpid(), os.getppid()


def start_worker(spacy_model: str) -> None:
    """A pool worker's initializer: it ends with its fork server, and loads what enrichment
    needs."""
    end_with_parent()
    warm(spacy_model)


def warm(spacy_model: str) -> None:
    """Load what enrichment needs, in this process; nothing when no model is named."""
    if spacy_model:
        from newsetl.enrich import warm_up

        warm_up(spacy_model)


def warm_worker(spacy_model: str) -> None:
    """In a worker that was not forked from the preloaded fork server (a Dask worker): import
    what extraction needs and load what enrichment needs, once per process (later tasks in the
    same process find them loaded)."""
    import newsetl.extract

    with contextlib.suppress(Exception):  # a chunk then pays it on its first page
        newsetl.extract.warm_up()
    warm(spacy_model)


def pool(workers: int, spacy_model: str) -> ProcessPoolExecutor:
    """The process's pool of `workers` processes (created on first use, then reused)."""
    global _pool, _pool_key
    with _lock:
        if _pool is not None and _pool_key == (workers, spacy_model):
            return _pool
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        # Read by the fork server when it starts (once per process, for its first pool).
        os.environ[PRELOAD_MODEL] = spacy_model
        _pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=start_worker,
            initargs=(spacy_model,),
        )
        _pool_key = (workers, spacy_model)
        return _pool


def prestart(workers: int, spacy_model: str) -> None:
    """Start the pool's workers now, in the background (nothing with one worker, or when the
    pool is running): the first chunks then find them ready."""
    if workers <= 1 or (_pool is not None and _pool_key == (workers, spacy_model)):
        return

    def start() -> None:
        try:
            executor = pool(workers, spacy_model)
            for _ in range(workers):
                executor.submit(int)
        except Exception:  # map_chunks starts it again, and says what is wrong
            return

    threading.Thread(target=start, name="newsetl-pool-start", daemon=True).start()


def shutdown() -> None:
    global _pool, _pool_key
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
        _pool, _pool_key = None, None


atexit.register(shutdown)


def chunks_for(items: Sequence[T], workers: int, largest: int) -> list[list[T]]:
    """Split into chunks of at most `largest`, at least four per worker when there are enough
    items (so one slow chunk does not leave a core idle at the end), never under 8 items."""
    if not items:
        return []
    size = max(8, min(largest, -(-len(items) // (workers * 4))))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def map_chunks(
    function: Callable[[list[T]], R],
    chunks: Sequence[list[T]],
    workers: int,
    spacy_model: str,
) -> list[R]:
    """`function` over every chunk, in order: on `workers` processes, or here when 1 (or when
    the chunks hold fewer than MIN_PARALLEL_ITEMS items and no pool is running yet)."""
    small = sum(len(c) for c in chunks) < MIN_PARALLEL_ITEMS and _pool is None
    if workers <= 1 or len(chunks) <= 1 or small:
        return [function(chunk) for chunk in chunks]
    executor = pool(workers, spacy_model)
    return list(executor.map(function, chunks))


def dealt_chunks(items: Sequence[T], workers: int, largest: int) -> list[list[T]]:
    """The items in as many chunks as `chunks_for` makes, dealt to the chunks in turn, not in
    runs: a run of heavy items (one source's long articles) is spread over every chunk instead
    of making one chunk, and one worker, finish long after the others. `undeal` puts per-item
    results back in the items' order."""
    count = len(chunks_for(items, workers, largest))
    if count <= 1:
        return [list(items)] if items else []
    return [list(items[i::count]) for i in range(count)]


def undeal(results: Sequence[Sequence[R]], dealt: Sequence[Sequence[object]]) -> list[R]:
    """Per-chunk results (one per item, in each chunk's order) of `dealt_chunks`'s chunks, back
    in the order of the items they were dealt from."""
    count = len(dealt)
    out: list[R] = [None] * sum(len(c) for c in dealt)  # type: ignore[list-item]
    for i, chunk in enumerate(results):
        if len(chunk) != len(dealt[i]):
            raise ValueError("each chunk needs one result per item")
        out[i::count] = chunk
    return out


def map_items(
    function: Callable[[list[T]], list[R]],
    items: Sequence[T],
    workers: int,
    spacy_model: str,
    largest: int,
) -> list[R]:
    """`function` (one result per item, in order) over every item, in chunks as `dealt_chunks`
    deals them; results in the items' order."""
    dealt = dealt_chunks(items, workers, largest)
    if len(dealt) <= 1:
        return map_chunks(function, dealt, workers, spacy_model)[0] if items else []
    return undeal(map_chunks(function, dealt, workers, spacy_model), dealt)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
