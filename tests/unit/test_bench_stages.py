"""The bench's Dask check (benchmarks/stages.py): the chunks run on a local cluster, every
item comes back (or the check fails), and the speed-up is read from the times it took."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from benchmarks.stages import dask_workers, scaling


def pid_each(chunk: list[int]) -> list[tuple[int, int]]:
    return [(os.getpid(), x * x) for x in chunk]


def one_short(chunk: list[int]) -> list[int]:
    return chunk[1:]


def test_speedup_and_rates_come_from_the_mean_times():
    times = {
        1: {"extract": [10.0, 12.0], "enrich": [40.0, 44.0]},
        2: {"extract": [6.0, 6.0], "enrich": [21.0, 21.0]},
    }
    out = scaling(times, {"extract": 100, "enrich": 84})
    assert out["extract"] == {
        "items": 100,
        "1_workers_s": 11.0,
        "1_workers_per_s": 9.1,
        "2_workers_s": 6.0,
        "2_workers_per_s": 16.7,
        "speedup_2_vs_1": 1.833,
    }
    assert out["enrich"]["speedup_2_vs_1"] == 2.0
    assert out["enrich"]["2_workers_per_s"] == 4.0
    both = out["extract+enrich"]
    assert (both["items"], both["1_workers_s"], both["2_workers_s"]) == (100, 53.0, 27.0)
    assert both["speedup_2_vs_1"] == 1.963


def test_chunks_run_on_a_local_cluster_of_1_and_2_workers_and_a_lost_item_fails():
    settings = SimpleNamespace(spacy_model="", chunk_size=200)
    items = list(range(64))
    out = dask_workers([("square", pid_each, items)], settings, order=(1, 2))
    assert set(out) == {"square", "how", "order", "load_average"}
    assert out["order"] == [1, 2]
    assert out["square"]["1_workers_s"] > 0 and out["square"]["2_workers_s"] > 0
    with pytest.raises(ValueError, match="one result per item"):
        dask_workers([("short", one_short, items)], settings, order=(1,))
