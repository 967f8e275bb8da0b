"""Progress of long work (fetching, processing, reports), reported by the library and the flows
and shown by whoever listens: the command line draws bars; nothing listens by default.

Reports come from the process that runs the flow (also with the Dask runner, whose workers
hand results back to it), from any thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Listener(Protocol):
    def update(
        self, stage: str, *, advance: int = 0, add_total: int = 0, unit: str = "items"
    ) -> None: ...


_listeners: list[Listener] = []
_guard = threading.Lock()


def update(stage: str, *, advance: int = 0, add_total: int = 0, unit: str = "items") -> None:
    """`advance` items of `stage` are done; `add_total` more are known to come."""
    with _guard:
        listeners = list(_listeners)
    for listener in listeners:
        listener.update(stage, advance=advance, add_total=add_total, unit=unit)


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    if listener is None:
        yield
        return
    with _guard:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _guard:
            _listeners.remove(listener)
