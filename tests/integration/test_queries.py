"""The example queries in warehouse/queries (shown in the README) run and answer sensibly."""

from __future__ import annotations

import duckdb

from tests.conftest import ROOT

QUERIES = ROOT / "warehouse" / "queries"


def run_query(warehouse, name: str) -> list[tuple]:
    with duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True) as con:
        return con.execute((QUERIES / name).read_text()).fetchall()


def test_topics_by_day_counts_every_article(sample_warehouse):
    rows = run_query(sample_warehouse, "topics_by_day.sql")
    days = {r[0].isoformat() for r in rows}
    assert days == {f"2026-11-{d}" for d in range(16, 23)}
    assert ("sport" in {r[1] for r in rows}) and all(r[2] >= 1 for r in rows)


def test_top_people_names_full_names(sample_warehouse):
    rows = run_query(sample_warehouse, "top_people.sql")
    names = {r[0] for r in rows}
    assert "Lindqvist" not in names  # bare surnames merge into the full name
    assert "Tomas Lindqvist" in names  # the cup-final scorer, in two outlets
    assert next(r for r in rows if r[0] == "Tomas Lindqvist")[2] == 2


def test_stories_across_outlets_are_the_three_shared_events(sample_warehouse):
    rows = run_query(sample_warehouse, "stories_across_outlets.sql")
    headlines = [r[3] for r in rows]
    for event in ("Izmir", "ECB", "Lindqvist"):
        assert sum(event in h for h in headlines) == 1, event
    # the one known false join of the sample (see test_ingest_flow) may add one more row
    assert len(rows) <= 4


def test_countries_by_topic(sample_warehouse):
    rows = run_query(sample_warehouse, "countries_by_topic.sql")
    assert ("disaster, accident and emergency incident", "TR") in {(r[0], r[1]) for r in rows}


def test_schema_sql_is_generated_from_schema_py():
    from newsetl.storage.warehouse import ddl

    tracked = (ROOT / "warehouse" / "schema.sql").read_text()
    assert ddl() in tracked, "warehouse/schema.sql is stale: run `make schema`"


def test_the_warehouse_opens_in_the_duckdb_cli_of_the_package_index(sample_warehouse, tmp_path):
    """The `duckdb` command of the duckdb-cli package (a dev dependency, the newest on the
    registry) reads the file: tables, views, comments, the pipeline schema."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    cli = Path(sys.executable).parent / "duckdb"
    assert cli.exists(), "duckdb-cli is a dev dependency: make .venv/.installed"
    copy = tmp_path / "copy.duckdb"  # the session's warehouse stays untouched
    shutil.copy(sample_warehouse / "newsetl.duckdb", copy)
    done = subprocess.run(
        [
            str(cli),
            "-readonly",
            "-csv",
            str(copy),
            "-c",
            "select version(); select count(*) from articles; "
            "select count(*) from topic_daily; "
            "select count(*) from pipeline.article_vectors; "
            "select comment from duckdb_columns() "
            "where table_name = 'articles' and column_name = 'story_id';",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith("v1.5.6")
    assert lines[3] == "32" and int(lines[5]) > 0 and lines[7] == "32"
    assert "same story" in lines[9]
