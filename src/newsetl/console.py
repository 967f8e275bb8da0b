"""The terminal side of the command line: progress bars, table width, closed pipes."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from newsetl import progress

PIPE_STATUS = 128 + 13  # what a shell reports for a command ended by SIGPIPE


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        unit = task.fields.get("unit", "")
        return Text(f"{speed:,.1f} {unit}/s" if speed else "", style="progress.data.speed")


class CountColumn(ProgressColumn):
    """`12/40 pages`, or `12 pages` while the total is unknown."""

    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "")
        if task.total:
            return Text(f"{task.completed:,.0f}/{task.total:,.0f} {unit}")
        return Text(f"{task.completed:,.0f} {unit}")


ENDS_BEFORE = {"extract": "fetch"}  # a stage's first report ends the other one (no total known)


class Bars:
    """A progress.Listener drawing one rich bar per stage on stderr."""

    def __init__(self, console: Console) -> None:
        self.bars = Progress(
            TextColumn("{task.description:<9}"),
            BarColumn(bar_width=30),
            CountColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}
        self.lock = threading.Lock()

    def update(
        self, stage: str, *, advance: int = 0, add_total: int = 0, unit: str = "items"
    ) -> None:
        with self.lock:
            if stage not in self.tasks:
                if stage in ENDS_BEFORE:  # fetching is over once extraction starts: its clock stops
                    self._finish(ENDS_BEFORE[stage])
                self.tasks[stage] = self.bars.add_task(stage, total=None, unit=unit)
            task_id = self.tasks[stage]
            if add_total:
                task = self.bars.tasks[self.tasks_index(task_id)]
                self.bars.update(task_id, total=(task.total or 0) + add_total)
            if advance:
                self.bars.advance(task_id, advance)

    def tasks_index(self, task_id: TaskID) -> int:
        return [t.id for t in self.bars.tasks].index(task_id)

    def _finish(self, stage: str) -> None:
        """A stage counted without a total is done: its bar full, its clock stopped."""
        task_id = self.tasks.get(stage)
        if task_id is not None:
            task = self.bars.tasks[self.tasks_index(task_id)]
            if task.total is None:
                self.bars.update(task_id, total=task.completed)

    def finish_all(self) -> None:
        with self.lock:
            for stage in self.tasks:
                self._finish(stage)


@contextmanager
def progress_bars(quiet: bool = False) -> Iterator[None]:
    """Bars on stderr while the block runs; none with --quiet or when stderr is no terminal."""
    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield
        return
    bars = Bars(console)
    with bars.bars, progress.listening(bars):
        try:
            yield
        finally:
            bars.finish_all()  # the last picture: every bar full, none still pulsing


def terminal_width() -> int | None:
    """Columns of the terminal stdout writes to (or $COLUMNS); None when it is not one."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def fit_widths(widths: list[int], headers: list[str], limit: int) -> list[int]:
    """Shrink the widest columns until a table of these widths fits `limit` characters
    (each column costs 3 more for its borders); a column keeps at least its header, up to 8."""
    widths = list(widths)
    floor = [max(3, min(len(h), 8)) for h in headers]
    while sum(widths) + 3 * len(widths) + 1 > limit:
        widest = max(range(len(widths)), key=lambda i: widths[i] - floor[i])
        if widths[widest] <= floor[widest]:
            break
        widths[widest] -= 1
    return widths


@contextmanager
def stdout_detached() -> Iterator[None]:
    """Run a block with file descriptor 1 on /dev/null, then give it back.

    A flow run starts processes of its own (Prefect's ephemeral API server, Dask workers) that
    inherit stdout; if the reader of a pipe has gone (`newsetl run | head -1`), their first
    write would kill them and leave the run waiting for them. Our own output comes after.
    """
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def quiet_broken_pipe() -> int:
    """After a closed pipe: no more writes to it (nor the traceback Python would print at exit),
    and the status a shell gives a command that SIGPIPE ended."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return PIPE_STATUS
