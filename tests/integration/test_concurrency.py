"""Two runs against one warehouse, a stuck host, a crash at each step of a write: the second run
waits (or stops with one line), nothing is fetched twice, nothing is lost, no live run is taken
for a crashed one, and afterwards the lake holds exactly what DuckDB holds."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from newsetl.storage.locks import run_lock
from newsetl.storage.warehouse import Warehouse
from tests.conftest import ROOT, sources_for
from tests.invariants import assert_lake_matches_duckdb

pytestmark = pytest.mark.slow


def one_source(base_url: str, target: Path) -> Path:
    """The sample's first outlet only (11 pages): fast enough to run many times."""
    text = sources_for(base_url, target).read_text(encoding="utf-8")
    blocks = text.split("[[sources]]")
    target.write_text(blocks[0] + "[[sources]]" + blocks[1], encoding="utf-8")
    return target


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def run_in_threads(*calls) -> list:
    results: list = [None] * len(calls)
    errors: list = []

    def go(i, call):
        try:
            results[i] = call()
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
        time.sleep(0.3)  # the first one takes the lock first
    for thread in threads:
        thread.join(timeout=600)
    assert not errors, errors
    return results


def test_two_ingests_at_once_fetch_each_page_once(sample_site, prefect_harness, tmp_path):
    from newsetl_flows.ingest import ingest

    sources = str(one_source(sample_site, tmp_path / "s.toml"))
    warehouse = tmp_path / "wh"
    first, second = run_in_threads(
        lambda: ingest(sources=sources, warehouse=str(warehouse)),
        lambda: ingest(sources=sources, warehouse=str(warehouse)),
    )
    assert first["fetched"] + second["fetched"] == 11  # every page once, by one of them
    assert 0 in (first["fetched"], second["fetched"])
    runs = query(warehouse, "select status, recovered_by from runs order by started_at")
    assert runs == [("completed", None), ("completed", None)]  # no live run taken for crashed
    assert query(warehouse, "select count(*) from articles") == [(11,)]
    assert_lake_matches_duckdb(warehouse)


def test_ingest_and_backfill_at_once(sample_site, prefect_harness, tmp_path):
    from newsetl_flows.ingest import backfill, ingest

    sources = str(one_source(sample_site, tmp_path / "s.toml"))
    warehouse = tmp_path / "wh"
    first, second = run_in_threads(
        lambda: ingest(sources=sources, warehouse=str(warehouse)),
        lambda: backfill(
            dates={"start": "2000-01-01", "end": "2100-01-01"},
            sources=sources,
            warehouse=str(warehouse),
        ),
    )
    assert first["fetched"] + second["fetched"] == 11
    assert [r[0] for r in query(warehouse, "select status from runs")] == ["completed"] * 2
    assert_lake_matches_duckdb(warehouse)


def test_maintenance_waits_for_a_running_ingest(sample_site, prefect_harness, tmp_path):
    from newsetl_flows.ingest import ingest
    from newsetl_flows.maintenance import maintenance

    sources = str(one_source(sample_site, tmp_path / "s.toml"))
    warehouse = tmp_path / "wh"
    ingest(sources=sources, warehouse=str(warehouse))
    done, report = run_in_threads(
        lambda: ingest(sources=sources, warehouse=str(warehouse)),
        lambda: maintenance(warehouse=str(warehouse), raw_retention_days=None),
    )
    assert done["status"] == "completed"
    assert report["checkpointed"]
    assert_lake_matches_duckdb(warehouse)


def test_a_second_cli_run_stops_with_one_line_when_told_not_to_wait(tmp_path):
    warehouse = tmp_path / "wh"
    env = {**os.environ, "NEWSETL_WAREHOUSE": str(warehouse), "NEWSETL_RUN_LOCK_WAIT": "0"}
    with run_lock(warehouse, "ingest", "run-a"):
        done = subprocess.run(
            [sys.executable, "-m", "newsetl", "run"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        # readers are never blocked by a run
        Warehouse(warehouse).prepare()
        with Warehouse(warehouse).writer():
            pass
        sql = subprocess.run(
            [sys.executable, "-m", "newsetl", "sql", "select 42 as x", "--format", "csv"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "busy" in done.stderr and "ingest run" in done.stderr
    assert not (warehouse / "raw").exists()  # nothing fetched
    assert sql.returncode == 0 and sql.stdout.split() == ["x", "42"]


def test_make_clean_then_run_ingests_the_sample_again(sample_site, prefect_harness, tmp_path):
    from newsetl_flows.ingest import ingest

    sources = str(one_source(sample_site, tmp_path / "s.toml"))
    warehouse = tmp_path / "warehouse"
    assert ingest(sources=sources, warehouse=str(warehouse))["new_articles"] == 11
    subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(ROOT),
            "clean",
            f"WAREHOUSE={warehouse}",
            f"VENV={tmp_path / 'novenv'}",
        ],
        check=True,
        timeout=60,
    )
    assert not (warehouse / "newsetl.duckdb").exists()
    again = ingest(sources=sources, warehouse=str(warehouse))
    assert again["new_articles"] == 11  # the feed is asked whole, not "not modified"
    assert_lake_matches_duckdb(warehouse)


# -- crashes: after each, the next completed run leaves lake == DuckDB ---------------------------


def test_lake_matches_duckdb_after_each_kind_of_crash(
    sample_site, prefect_harness, tmp_path, monkeypatch
):
    from newsetl_flows.ingest import ingest
    from newsetl_flows.maintenance import maintenance
    from newsetl_flows.reprocess import reprocess

    sources = str(one_source(sample_site, tmp_path / "s.toml"))
    warehouse = tmp_path / "wh"

    # 1. a crash between the lake write and the DuckDB load of a wave
    real_load = Warehouse.load

    def load_then_die(self, con, tables):
        if "articles" in tables:
            raise RuntimeError("killed between lake and DuckDB")
        return real_load(self, con, tables)

    monkeypatch.setattr(Warehouse, "load", load_then_die)
    with pytest.raises(RuntimeError):
        ingest(sources=sources, warehouse=str(warehouse))
    monkeypatch.setattr(Warehouse, "load", real_load)
    recovered = ingest(sources=sources, warehouse=str(warehouse))
    assert recovered["fetched"] == 0 and recovered["recovered"] == 11
    assert_lake_matches_duckdb(warehouse)

    # 2. a merge interrupted between its new file and the old file's delete
    folder = next((warehouse / "lake" / "article_entities").iterdir())
    current = next(folder.glob("*.parquet"))
    shutil.copy(current, folder / "part-1000000000000000000-0000abcd.parquet")  # older, stale
    maintenance(warehouse=str(warehouse), raw_retention_days=None)
    assert_lake_matches_duckdb(warehouse)

    # 3. a rebuild, then a rebuild killed between the renames of its swap
    reprocess(warehouse=str(warehouse), sources=sources)
    assert_lake_matches_duckdb(warehouse)
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if re.search(r"lake$", str(dst)) and len(calls) > 1:
            raise RuntimeError("killed inside the swap")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(RuntimeError):
        reprocess(warehouse=str(warehouse), sources=sources)
    monkeypatch.setattr(os, "replace", real_replace)
    assert not (warehouse / "lake").exists()  # the state the crash left
    again = ingest(sources=sources, warehouse=str(warehouse))
    assert again["status"] == "completed"
    assert query(warehouse, "select count(*) from articles") == [(11,)]
    assert_lake_matches_duckdb(warehouse)
