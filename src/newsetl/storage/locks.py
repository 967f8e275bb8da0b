"""The run lock: one run (ingest, backfill, reprocess, maintenance) at a time per warehouse.

An exclusive `flock` on DIR/.run.lock, held for the whole run; the kernel drops it when the
process dies, so a crash or a kill never leaves a stale lock. The holder writes who it is into
the file (flow, run id, pid, start) so that a second run can say whom it waited for. A second
run waits up to `wait` seconds, then stops with one line. Readers (`newsetl sql`, notebooks
opening DuckDB read-only) never take it.

Within one process the lock is re-entrant for the thread that holds it (the CLI takes it before
it starts the flow, and the flow takes it again); another thread of the same process waits like
another process does.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LOCK_NAME = ".run.lock"
_held: dict[str, tuple[int, int]] = {}  # lock path -> (thread id, depth)
_guard = threading.Lock()


class RunLockBusy(RuntimeError):
    """Another run holds the warehouse; the message is one line for the user."""


def holder_of(root: Path) -> dict:
    """Who holds the run lock of a warehouse, as its file says (empty once it is let go)."""
    try:
        return json.loads((root / LOCK_NAME).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


@contextmanager
def run_lock(root: Path, flow: str, run_id: str = "", wait: float = 0.0) -> Iterator[None]:
    """Hold the warehouse's run lock for the block; wait up to `wait` seconds for it."""
    root.mkdir(parents=True, exist_ok=True)
    path = str((root / LOCK_NAME).resolve())
    me = threading.get_ident()
    with _guard:
        owner, depth = _held.get(path, (None, 0))
        if owner == me:
            _held[path] = (me, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                owner, depth = _held[path]
                _held[path] = (owner, depth - 1)
        return
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while the lock is held
    deadline = time.monotonic() + max(wait, 0.0)
    said = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.close()
                raise RunLockBusy(_busy_message(root, wait)) from None
            if not said:  # a wait of minutes must not look like a hang
                print(_waiting_message(root, wait), file=sys.stderr, flush=True)
                said = True
            time.sleep(0.2)
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(
            json.dumps(
                {
                    "flow": flow,
                    "run_id": run_id,
                    "pid": os.getpid(),
                    "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
        )
        handle.flush()
        with _guard:
            _held[path] = (me, 1)
        yield
    finally:
        with _guard:
            _held.pop(path, None)
        with contextlib.suppress(OSError):  # no holder named once the lock is let go
            handle.seek(0)
            handle.truncate()
            handle.flush()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def running(root: Path) -> str | None:
    """The run that holds the warehouse's run lock now, as far as its file tells ("an ingest
    run (pid ..., started ...)": its process is alive), or None. It does not touch the lock
    itself: readers never take it, not even for a moment (a run starting then would find it
    busy)."""
    holder = holder_of(root)
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # alive, another user's
        pass
    return _holder_named(root)


def _holder_named(root: Path) -> str:
    holder = holder_of(root)
    if not holder:
        return "another newsetl run"
    flow = holder.get("flow", "newsetl")
    article = "an" if flow[:1].lower() in "aeiou" else "a"
    return (
        f"{article} {flow} run (pid {holder.get('pid', '?')}, "
        f"started {holder.get('started_at', '?')})"
    )


def _waiting_message(root: Path, wait: float) -> str:
    return (
        f"newsetl: warehouse {root} is busy: {_holder_named(root)} holds it; waiting for it up "
        f"to {wait:.0f} s (NEWSETL_RUN_LOCK_WAIT)"
    )


def _busy_message(root: Path, wait: float) -> str:
    waited = f" after waiting {wait:.0f} s" if wait else ""
    return (
        f"warehouse {root} is busy: {_holder_named(root)} holds it; stopped{waited} (nothing was "
        f"fetched or written; NEWSETL_RUN_LOCK_WAIT sets how long to wait)"
    )
