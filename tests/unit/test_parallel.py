"""CPU stages on worker processes: same answers, same order, other processes."""

from __future__ import annotations

import os

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


def test_one_worker_runs_here_and_two_run_in_other_processes_in_order():
    chunks = [list(range(i * 10, i * 10 + 10)) for i in range(6)]
    here = parallel.map_chunks(pid_and_total, chunks, workers=1, spacy_model="")
    assert {pid for pid, _ in here} == {os.getpid()}
    try:
        there = parallel.map_chunks(pid_and_total, chunks, workers=2, spacy_model="")
    finally:
        parallel.shutdown()
    assert [total for _, total in there] == [total for _, total in here]
    assert os.getpid() not in {pid for pid, _ in there}
