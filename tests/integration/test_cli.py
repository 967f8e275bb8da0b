"""The `newsetl` command as a user runs it: exit codes, one-line errors, read-only SQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsetl.cli import main
from tests.conftest import sources_for


@pytest.fixture
def warehouse(sample_warehouse) -> Path:
    return sample_warehouse


def test_sql_prints_a_readable_table(warehouse, capsys):
    code = main(
        [
            "sql",
            "select source, count(*) as n from articles group by 1 order by 1",
            "--warehouse",
            str(warehouse),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "| source" in out and "| harbour-herald  | 11 |" in out
    assert out.rstrip().endswith("(3 rows)")


def test_sql_csv_and_json_formats(warehouse, capsys):
    main(
        [
            "sql",
            "select title, authors from articles order by title limit 2",
            "--warehouse",
            str(warehouse),
            "--format",
            "json",
        ]
    )
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and isinstance(rows[0]["authors"], list)
    main(
        [
            "sql",
            "select count(*) as n from articles",
            "--warehouse",
            str(warehouse),
            "--format",
            "csv",
        ]
    )
    assert capsys.readouterr().out.splitlines() == ["n", "32"]


def test_sql_refuses_writes(warehouse, capsys):
    code = main(["sql", "delete from articles", "--warehouse", str(warehouse)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("newsetl: error:") and "read-only" in err
    main(["sql", "select count(*) from articles", "--warehouse", str(warehouse), "--format", "csv"])
    assert capsys.readouterr().out.splitlines()[1] == "32"


def test_sql_on_a_missing_warehouse_is_a_one_line_error(tmp_path, capsys):
    code = main(["sql", "select 1", "--warehouse", str(tmp_path / "nothing")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "run 'newsetl run' first" in err


def test_status_shows_runs_counts_and_rejects(warehouse, capsys):
    assert main(["status", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "| articles         | 32   |" in out
    assert "http 404" in out and "not an article" in out and "completed" in out


@pytest.mark.parametrize(
    "content, message",
    [
        ("[[sources]]\nname = 'x'\nkind = 'feed'\n", "a feed source needs 'url'"),
        ("[[sources]\nname = 'x'", "is not valid TOML"),
        (
            "[[sources]]\nname = 'x'\nkind = 'gopher'\nurl = 'http://a.example/'\n",
            "source 'x'.kind",
        ),
    ],
)
def test_bad_sources_file_exits_2_and_writes_nothing(tmp_path, capsys, content, message):
    sources = tmp_path / "bad.toml"
    sources.write_text(content)
    code = main(["run", "--sources", str(sources), "--warehouse", str(tmp_path / "wh")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "wh").exists()


def test_bad_arguments_exit_2():
    with pytest.raises(SystemExit) as exit_info:
        main(["sql"])
    assert exit_info.value.code == 2


@pytest.mark.slow
def test_python_m_newsetl_run_prints_a_summary(sample_site, tmp_path):
    """The command `make run` uses, in a fresh process with Prefect's ephemeral mode."""
    env = {
        **os.environ,
        "NEWSETL_SOURCES": str(sources_for(sample_site, tmp_path / "s.toml")),
        "NEWSETL_WAREHOUSE": str(tmp_path / "wh"),
    }
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "newsetl", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "completed" in done.stdout and "32 new articles" in done.stdout
    assert "articles by topic:" in done.stdout and "sport" in done.stdout
    assert (tmp_path / "wh" / "newsetl.duckdb").exists()


def test_status_flags_articles_enriched_by_an_older_method(sample_warehouse, tmp_path, capsys):
    import shutil

    import duckdb

    warehouse = tmp_path / "wh"
    shutil.copytree(sample_warehouse, warehouse)
    with duckdb.connect(str(warehouse / "newsetl.duckdb")) as con:
        con.execute(
            "update articles set enrich_version = 'lang=old' where source = 'valley-courier'"
        )
    assert main(["status", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "| lang=old" in out and "| 10       |" in out
    assert "'newsetl reprocess' brings them up to date" in out
