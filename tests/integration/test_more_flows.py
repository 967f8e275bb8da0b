"""Backfill by date range, parameter validation, maintenance, and the Dask switch."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date

import duckdb
import pytest
from prefect.exceptions import ParameterTypeError

from newsetl.config import Settings
from tests.conftest import ROOT, expected_articles, sources_for

pytestmark = pytest.mark.slow


def articles_in(warehouse) -> list[tuple]:
    with duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True) as con:
        return con.execute(
            "select published_date, title, story_id from articles order by title"
        ).fetchall()


def test_backfill_takes_only_the_date_range(sample_site, prefect_harness, tmp_path):
    from newsetl_flows.ingest import backfill

    summary = backfill(
        dates={"start": "2026-11-19", "end": "2026-11-20"},
        sources=str(sources_for(sample_site, tmp_path / "s.toml")),
        warehouse=str(tmp_path / "wh"),
    )
    rows = articles_in(tmp_path / "wh")
    expected = [
        a for a in expected_articles() if "2026-11-19" <= a["published_at"][:10] <= "2026-11-20"
    ]
    assert summary["flow"] == "backfill" and summary["new_articles"] == len(expected)
    assert len(rows) == len(expected)
    assert {r[0] for r in rows} == {date(2026, 11, 19), date(2026, 11, 20)}


def test_bad_parameters_are_rejected_before_any_work(prefect_harness, tmp_path):
    from newsetl_flows.ingest import backfill, ingest

    with pytest.raises(ParameterTypeError, match="before start"):
        backfill(dates={"start": "2026-11-20", "end": "2026-11-19"}, warehouse=str(tmp_path / "wh"))
    with pytest.raises(ParameterTypeError, match="does not exist"):
        ingest(sources=str(tmp_path / "missing.toml"), warehouse=str(tmp_path / "wh"))
    with pytest.raises(ParameterTypeError):
        ingest(max_articles_per_source=0, warehouse=str(tmp_path / "wh"))
    assert not (tmp_path / "wh").exists()


def test_max_articles_per_source_limits_a_run(sample_site, prefect_harness, tmp_path):
    from newsetl_flows.ingest import ingest

    summary = ingest(
        sources=str(sources_for(sample_site, tmp_path / "s.toml")),
        warehouse=str(tmp_path / "wh"),
        max_articles_per_source=2,
    )
    assert summary["fetched"] == 6  # three feeds, two pages each


def test_maintenance_compacts_and_expires(sample_warehouse, prefect_harness, tmp_path):
    from newsetl_flows.maintenance import maintenance

    warehouse = tmp_path / "wh"
    shutil.copytree(sample_warehouse, warehouse)
    raw = warehouse / "raw" / "raw_pages"
    day = next(raw.iterdir())
    shutil.copytree(day, raw / "fetched_date=2020-01-01")  # an old day to expire
    files = list(day.glob("*.parquet"))
    tag, ns, suffix = files[0].name.removeprefix("part-").rsplit("-", 2)
    shutil.copy(
        files[0], day / f"part-{tag}-{int(ns) + 1}-{suffix}"
    )  # a second file of the same run
    before = duckdb.sql(f"select count(*) from read_parquet('{day}/*.parquet')").fetchall()[0][0]

    report = maintenance(warehouse=str(warehouse), raw_retention_days=30)

    assert (
        report["expired_raw_days"] == ["2020-01-01"]
        and not (raw / "fetched_date=2020-01-01").exists()
    )
    assert report["compacted_partitions"] >= 1 and report["checkpointed"]
    left = list(day.glob("*.parquet"))
    assert len(left) == 1 and left[0].name.startswith(
        f"part-{tag}-"
    )  # the run id stays in the name
    assert (
        duckdb.sql(f"select count(*) from read_parquet('{day}/*.parquet')").fetchall()[0][0]
        == before
    )
    assert len(articles_in(warehouse)) == 32


def test_dask_runner_gives_the_same_articles_also_into_a_closed_pipe(
    sample_site, sample_warehouse, tmp_path
):
    """`NEWSETL_TASK_RUNNER=dask newsetl run | true`: the reader is gone before the run starts;
    the run still completes (no worker or API server killed by a write to the closed pipe),
    loads the same articles as the threads runner, and ends like any command a closed pipe
    ends (status 141), without a traceback."""
    from newsetl_flows.tasks import cpu_task_runner

    runner = cpu_task_runner(Settings(task_runner="dask", cpu_workers=2))
    assert type(runner).__name__ == "DaskTaskRunner"
    env = {
        **os.environ,
        "NEWSETL_TASK_RUNNER": "dask",
        "NEWSETL_SOURCES": str(sources_for(sample_site, tmp_path / "s.toml")),
        "NEWSETL_WAREHOUSE": str(tmp_path / "wh"),
    }
    env.pop("PREFECT_API_URL", None)  # its own ephemeral API, as a user's shell has
    done = subprocess.run(
        f"{sys.executable} -m newsetl run | true; exit ${{PIPESTATUS[0]}}",
        shell=True,
        executable="/bin/bash",
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert done.returncode == 141, done.stderr[-3000:]
    assert "Traceback" not in without_dask_gc_diagnosis(done.stderr)
    assert articles_in(tmp_path / "wh") == articles_in(sample_warehouse)


def without_dask_gc_diagnosis(stderr: str) -> str:
    """stderr without the ignored exception distributed's GC timer sometimes raises inside a
    garbage collection of the exiting process (distributed/gc.py `_gc_callback`: a "stop" with
    no "start" timed); Python prints it and goes on, nothing of the run depends on it. Seen once
    in a loaded test run (1 Dec); any other traceback still fails the test."""
    blocks = re.split(r"\n(?=Exception ignored in|\S)", stderr)
    return "\n".join(
        b for b in blocks if 'distributed/gc.py", line' not in b or "_gc_callback" not in b
    )


def test_the_runner_is_a_setting_not_code():
    env = {**os.environ, "NEWSETL_TASK_RUNNER": "dask", "NEWSETL_DASK_ADDRESS": "tcp://127.0.0.1:1"}
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from newsetl_flows.ingest import ingest; "
            "r = ingest.task_runner; print(type(r).__name__, r.address)",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.stdout.split() == ["DaskTaskRunner", "tcp://127.0.0.1:1"], out.stderr[-500:]


def test_a_story_grows_across_runs(sample_site, prefect_harness, tmp_path):
    """The cup final from one outlet today joins the story another outlet started yesterday."""
    from newsetl_flows.ingest import ingest

    full = sources_for(sample_site, tmp_path / "all.toml").read_text()
    blocks = full.split("[[sources]]")
    for name in ("harbour-herald", "valley-courier"):
        one = tmp_path / f"{name}.toml"
        one.write_text("[[sources]]" + next(b for b in blocks if f'"{name}"' in b))
        ingest(sources=str(one), warehouse=str(tmp_path / "wh"))
    with duckdb.connect(str(tmp_path / "wh" / "newsetl.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select source, story_id, run_id from articles where title like '%Lindqvist%'"
        ).fetchall()
    assert {r[0] for r in rows} == {"harbour-herald", "valley-courier"}
    assert len({r[2] for r in rows}) == 2  # two runs
    assert len({r[1] for r in rows}) == 1  # one story


@pytest.mark.parametrize(("configured", "expected"), [(None, "CRITICAL"), ("DEBUG", "DEBUG")])
def test_temporary_server_keeps_its_shutdown_errors_off_the_terminal(
    monkeypatch, configured, expected
):
    """Stopped at exit, the temporary server's services log the events they were still writing
    as tracebacks; they stay off the user's terminal unless the user asks for server logs."""
    from newsetl_flows import entry

    started: dict = {}

    class Recorder:
        pid = 1

        def __init__(self, command, env):
            started.update(command=command, env=env)

    monkeypatch.setattr(entry.subprocess, "Popen", Recorder)
    if configured is None:
        monkeypatch.delenv("PREFECT_SERVER_LOGGING_LEVEL", raising=False)
    else:
        monkeypatch.setenv("PREFECT_SERVER_LOGGING_LEVEL", configured)
    entry.LocalServer()._spawn()
    assert started["env"]["PREFECT_SERVER_LOGGING_LEVEL"] == expected
    assert "newsetl_flows.local_server" in started["command"]
