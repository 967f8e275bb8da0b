"""CPU stages on worker processes: same answers, same order, other processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from newsetl import parallel


def pid_and_total(chunk: list[int]) -> tuple[int, int]:
    return os.getpid(), sum(chunk)


def test_chunks_cover_every_item_in_order_with_several_per_worker():
    items = list(range(1000))
    chunks = parallel.chunks_for(items, workers=2, largest=200)
    assert [x for c in chunks for x in c] == items
    assert len(chunks) >= 8
    assert max(len(c) for c in chunks) <= 200
    assert parallel.chunks_for([], 2, 200) == []
    assert parallel.chunks_for([1, 2, 3], 2, 200) == [[1, 2, 3]]


def test_a_small_wave_runs_here_even_with_two_workers():
    chunks = [list(range(i * 10, i * 10 + 10)) for i in range(3)]
    done = parallel.map_chunks(pid_and_total, chunks, workers=2, spacy_model="")
    assert {pid for pid, _ in done} == {os.getpid()}
    assert [total for _, total in done] == [sum(c) for c in chunks]


def test_one_worker_runs_here_and_two_run_in_other_processes_in_order():
    chunks = [list(range(i * 20, i * 20 + 20)) for i in range(6)]
    here = parallel.map_chunks(pid_and_total, chunks, workers=1, spacy_model="")
    assert {pid for pid, _ in here} == {os.getpid()}
    try:
        there = parallel.map_chunks(pid_and_total, chunks, workers=2, spacy_model="")
    finally:
        parallel.shutdown()
    assert [total for _, total in there] == [total for _, total in here]
    assert os.getpid() not in {pid for pid, _ in there}


def pid_and_square_each(chunk: list[int]) -> list[tuple[int, int, int]]:
    return [(os.getpid(), chunk[0], x * x) for x in chunk]


def test_items_are_dealt_across_chunks_and_come_back_in_order():
    items = list(range(240))
    here = parallel.map_items(pid_and_square_each, items, 1, "", largest=200)
    try:
        there = parallel.map_items(pid_and_square_each, items, 2, "", largest=200)
    finally:
        parallel.shutdown()
    assert [square for _, _, square in here] == [x * x for x in items]
    assert [square for _, _, square in there] == [x * x for x in items]
    assert os.getpid() not in {pid for pid, _, _ in there}
    # 240 items in 8 chunks of 30, dealt in turn: chunk i starts with item i (a run of heavy
    # items is spread over the chunks, not bunched into one).
    assert {first for _, first, _ in there} == set(range(8))
    assert [first for _, first, _ in there][:10] == [0, 1, 2, 3, 4, 5, 6, 7, 0, 1]
    assert parallel.map_items(pid_and_square_each, [], 2, "", largest=200) == []
    assert [s for _, _, s in parallel.map_items(pid_and_square_each, [3], 2, "", 200)] == [9]


def test_dealt_chunks_spread_a_run_of_heavy_items_and_undeal_restores_the_order():
    """The Dask runner's chunks (flows/tasks.py dask_map): a run of heavy items at the end (a
    source of long real articles) lands in every chunk, not in one; results come back in
    the items' order whatever order the chunks were dealt in."""
    items = [("light", i) for i in range(800)] + [("heavy", i) for i in range(200)]
    dealt = parallel.dealt_chunks(items, workers=2, largest=200)
    assert len(dealt) == 8  # at least four per worker
    heavy = [sum(kind == "heavy" for kind, _ in chunk) for chunk in dealt]
    assert max(heavy) - min(heavy) <= 1
    results = [[f"{kind}{i}" for kind, i in chunk] for chunk in dealt]
    assert parallel.undeal(results, dealt) == [f"{kind}{i}" for kind, i in items]
    assert parallel.dealt_chunks([], 2, 200) == []
    assert parallel.dealt_chunks([1, 2], 2, 200) == [[1, 2]]
    with pytest.raises(ValueError, match="one result per item"):
        parallel.undeal([["a"], []], [[1], [2]])


def test_dask_asked_for_without_a_dask_runner_uses_the_local_workers():
    """A flow imported before NEWSETL_TASK_RUNNER=dask was set runs on its threads runner: its
    chunks then go to the local workers instead of failing for want of a Dask client."""
    from newsetl.config import Settings
    from newsetl_flows.tasks import on_dask

    assert not on_dask(Settings(task_runner="dask"))  # no flow run, so no Dask runner entered
    assert not on_dask(Settings(task_runner="threads"))


# A run that made a pool, then waits: the test kills it as SIGKILL would a run.
POOL_OWNER = """
import time
from newsetl import parallel
executor = parallel.pool(2, "")
ids = {f.result() for f in [executor.submit(parallel.process_ids) for _ in range(8)]}
print(" ".join(f"{pid}:{ppid}" for pid, ppid in ids), flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    """Whether the process is there and not a zombie (gone but for its row)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_killed_runs_workers_and_fork_server_end_with_it():
    owner = subprocess.Popen([sys.executable, "-c", POOL_OWNER], stdout=subprocess.PIPE, text=True)
    left: set[int] = set()
    try:
        line = owner.stdout.readline()  # type: ignore[union-attr]
        pairs = [tuple(int(n) for n in item.split(":")) for item in line.split()]
        workers, servers = {pid for pid, _ in pairs}, {ppid for _, ppid in pairs}
        assert workers and len(servers) == 1 and owner.pid not in workers | servers
        left = workers | servers
        assert all(_alive(pid) for pid in left)
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(_alive(pid) for pid in left):
            time.sleep(0.2)
        assert [pid for pid in left if _alive(pid)] == []
    finally:
        owner.kill()
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
