"""A crash at any point leaves every layer readable, and a rerun completes it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import duckdb
import pyarrow.parquet as pq
import pytest

from newsetl.storage.warehouse import Warehouse
from tests.conftest import sources_for

pytestmark = pytest.mark.slow


def count(warehouse, sql: str) -> int:
    with duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_a_run_that_failed_after_fetching_is_completed_by_the_next(
    sample_site, prefect_harness, tmp_path, monkeypatch
):
    import newsetl_flows.tasks as tasks
    from newsetl_flows.ingest import ingest

    sources = str(sources_for(sample_site, tmp_path / "s.toml"))
    warehouse = tmp_path / "wh"
    real = tasks.clean_batch

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, "clean_batch", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(sources=sources, warehouse=str(warehouse))
    assert count(warehouse, "select count(*) from runs where status = 'failed'") == 1

    monkeypatch.setattr(tasks, "clean_batch", real)
    summary = ingest(sources=sources, warehouse=str(warehouse))
    assert summary["fetched"] == 0 and summary["recovered"] == 33  # nothing refetched, nothing lost
    assert count(warehouse, "select count(*) from articles") == 32
    again = ingest(sources=sources, warehouse=str(warehouse))
    assert again["recovered"] == 0 and count(warehouse, "select count(*) from articles") == 32


def test_a_merge_interrupted_between_rename_and_delete_heals(sample_warehouse, tmp_path):
    warehouse = Warehouse(tmp_path / "wh")
    shutil.copytree(sample_warehouse, warehouse.root)
    folder = next((warehouse.lake / "articles").iterdir())
    current = next(folder.glob("*.parquet"))
    stale = pq.read_table(current).set_column(
        pq.read_table(current).schema.get_field_index("title"),
        "title",
        [["stale title"] * pq.read_table(current).num_rows],
    )
    pq.write_table(
        stale, folder / "part-1000000000000-0000abcd.parquet"
    )  # older name: written first

    with warehouse.writer() as con:
        counts = warehouse.rebuild_from_lake(con)
    assert counts["articles"] == 32
    assert count(warehouse.root, "select count(*) from articles where title = 'stale title'") == 0


def test_the_writer_waits_for_a_client_holding_the_database(sample_warehouse, tmp_path):
    warehouse = Warehouse(tmp_path / "wh")
    shutil.copytree(sample_warehouse, warehouse.root)
    script = (
        f"import duckdb, time; con = duckdb.connect({str(warehouse.db_path)!r}); "
        "print('held', flush=True); time.sleep(3)"
    )
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    started = time.monotonic()
    with warehouse.writer() as con:
        assert con.execute("select count(*) from articles").fetchone()[0] == 32
    assert time.monotonic() - started >= 1.0  # it waited instead of failing
    holder.wait(timeout=30)


def test_reprocess_after_raw_retention_keeps_the_articles_it_cannot_rebuild(
    sample_warehouse, prefect_harness, tmp_path
):
    from newsetl_flows.reprocess import reprocess

    warehouse = tmp_path / "wh"
    shutil.copytree(sample_warehouse, warehouse)
    shutil.rmtree(warehouse / "raw")  # as if maintenance had expired every raw day
    (warehouse / "raw").mkdir()
    titles = count(warehouse, "select count(distinct title) from articles")
    topics = count(warehouse, "select count(*) from article_topics")

    reprocess(warehouse=str(warehouse))

    assert count(warehouse, "select count(*) from articles") == 32
    assert count(warehouse, "select count(distinct title) from articles") == titles
    assert count(warehouse, "select count(*) from article_topics") == topics


def test_a_killed_run_leaves_its_fetch_rejects_and_start_to_the_next(
    sample_site, prefect_harness, tmp_path, monkeypatch
):
    """A killed run records nothing: its 404 (archived, so never asked again) must still become
    a reject, and its row a start time of its own, not the recovering run's."""
    import newsetl_flows.ingest as ingest_module
    import newsetl_flows.tasks as tasks
    from newsetl_flows.ingest import ingest

    sources = str(sources_for(sample_site, tmp_path / "s.toml"))
    warehouse = tmp_path / "wh"
    real_clean, real_record = tasks.clean_batch, ingest_module.record_run

    def broken(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(tasks, "clean_batch", broken)
    monkeypatch.setattr(ingest_module, "record_run", lambda *args, **kwargs: None)
    with pytest.raises(RuntimeError, match="killed"):
        ingest(sources=sources, warehouse=str(warehouse))
    assert (
        not (warehouse / "newsetl.duckdb").exists()
        or count(warehouse, "select count(*) from runs") == 0
    )

    monkeypatch.setattr(tasks, "clean_batch", real_clean)
    monkeypatch.setattr(ingest_module, "record_run", real_record)
    summary = ingest(sources=sources, warehouse=str(warehouse))
    assert summary["fetched"] == 0 and summary["recovered"] == 33
    assert summary["rejects_by_reason"] == {"fetch: http 404": 1, "extract: not an article": 1}
    assert count(warehouse, "select count(*) from rejects where reason = 'http 404'") == 1
    crashed, recovering = (
        count(warehouse, f"select started_at from runs where status = '{status}'")
        for status in ("crashed", "completed")
    )
    assert crashed < recovering


def test_a_run_where_no_source_could_be_read_fails(sample_site, prefect_harness, tmp_path, capsys):
    """Every source unreachable: the flow run fails (a scheduler sees it), with the reasons in
    its message and the run and its rejects recorded, no traceback needed; and so does the
    next, though the first archived its 404 (no page of it to take over)."""
    import socket

    from newsetl_flows.ingest import ingest

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sources = tmp_path / "s.toml"
    sources.write_text(
        "".join(
            f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\n'
            "allow_private_network = true\ndelay = 0\n"
            for name, kind, url in (
                ("a", "feed", f"http://127.0.0.1:{port}/feed.xml"),
                ("b", "sitemap", f"http://127.0.0.1:{port}/sitemap.xml"),
                ("c", "feed", f"{sample_site}/no-such-feed.xml"),
            )
        )
    )
    warehouse = tmp_path / "wh"
    for _ in range(2):
        state = ingest(sources=str(sources), warehouse=str(warehouse), return_state=True)
        assert state.is_failed()
        assert (
            "no source could be read (discover: connection error 2, discover: http 404 1)"
            in state.message
        )
    assert count(warehouse, "select count(*) from runs where status = 'failed'") == 2
    assert count(warehouse, "select count(*) from rejects where stage = 'discover'") == 6
    # `newsetl status`: each address once, all rows, and the last run's rows (what fails now)
    from newsetl.cli import main

    assert main(["status", "--warehouse", str(warehouse), "--format", "json"]) == 0
    reasons = json.loads(capsys.readouterr().out)["rejects_by_reason"]
    assert sorted((r["reason"], r["addresses"], r["rows"], r["last_run"]) for r in reasons) == [
        ("connection error", 2, 4, 2),
        ("http 404", 1, 2, 1),
    ]
