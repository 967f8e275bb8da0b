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


def test_sql_prints_each_statements_result(warehouse, capsys):
    both = "select 1 as first_answer; select count(*) as n from articles"
    assert main(["sql", both, "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "| first_answer |" in out and "| 32 |" in out and out.count("(1 row)") == 2
    assert main(["sql", both, "--warehouse", str(warehouse), "--format", "csv"]) == 2
    assert "give one statement, not 2" in capsys.readouterr().err


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
    # A page rejected again by every run counts once among the addresses; the last run's
    # rows say what fails now.
    assert "| stage   | reason" in out and "| addresses | rows | last run |" in out
    assert main(["status", "--warehouse", str(warehouse), "--format", "json"]) == 0
    reasons = json.loads(capsys.readouterr().out)["rejects_by_reason"]
    assert [r["last_run"] for r in reasons] == [r["rows"] for r in reasons]  # one run so far


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


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["sql", "select 1", "--format", "xml"])
    assert exit_info.value.code == 2
    assert main(["sql"]) == 2  # neither a query nor --file
    assert "no query" in capsys.readouterr().err


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


# -- the analyst's commands and the habits of a Unix tool -----------------------------------------


def newsetl(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsetl", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        **kwargs,
    )


def test_search_ranks_and_filters(warehouse, capsys):
    assert (
        main(["search", "earthquake OR quake", "--warehouse", str(warehouse), "--format", "json"])
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2 and {
        "article_id",
        "title",
        "source",
        "published_date",
        "url",
        "score",
    } <= set(rows[0])
    assert all("Izmir" in r["title"] for r in rows)
    assert rows[0]["score"] >= rows[1]["score"] > 0
    main(
        [
            "search",
            "earthquake",
            "--source",
            "harbour-herald",
            "--warehouse",
            str(warehouse),
            "--format",
            "csv",
        ]
    )
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0].startswith("article_id,score,")
        and len(lines) == 2
        and "harbour-herald" in lines[1]
    )
    main(
        [
            "search",
            "earthquake",
            "--from",
            "2026-11-18",
            "--warehouse",
            str(warehouse),
            "--format",
            "json",
        ]
    )
    assert json.loads(capsys.readouterr().out) == []


def test_search_refuses_a_bad_query_or_date(warehouse, capsys):
    assert main(["search", "(shoigu OR", "--warehouse", str(warehouse)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("newsetl: error:") and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as exit_info:
        main(["search", "x", "--from", "yesterday", "--warehouse", str(warehouse)])
    assert exit_info.value.code == 2


def test_search_filters_say_when_they_cannot_match(warehouse, capsys):
    base = ["search", "rate OR inflation", "--warehouse", str(warehouse), "--format", "json"]
    assert main([*base, "--topic", "economy, business and finance"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert full and main([*base, "--topic", "Economy"]) == 0  # one word of the label
    assert json.loads(capsys.readouterr().out) == full
    assert main([*base, "--topic", "money"]) == 2
    assert "names no IPTC topic; one of: arts, culture" in capsys.readouterr().err
    assert main([*base, "--from", "2026-11-30", "--to", "2026-11-01"]) == 2
    assert "--to 2026-11-01 is before --from 2026-11-30" in capsys.readouterr().err
    assert main([*base, "--source", "harbor-herald"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []
    assert "no articles of source 'harbor-herald'; the warehouse's sources: " in captured.err
    assert "harbour-herald" in captured.err


def test_attention_per_day_and_source(warehouse, capsys):
    args = ["attention", "earthquake", "--warehouse", str(warehouse), "--format", "json"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["period"] for r in rows] == [f"2026-11-{d}" for d in range(16, 23)]
    day = next(r for r in rows if r["period"] == "2026-11-17")
    assert day["articles"] == 2 and day["share"] == pytest.approx(2 / day["total"], abs=1e-4)
    assert main([*args, "--per", "source", "--by", "week"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["source"] for r in rows} == {"harbour-herald", "northern-ledger", "valley-courier"}
    assert sum(r["articles"] for r in rows) == 2 and sum(r["total"] for r in rows) == 32


def test_version_and_help_show_examples_and_settings(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.startswith("newsetl 0.")
    from newsetl.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"run", "sql", "reprocess", "status", "search", "attention", "report"} <= set(commands)
    for name, sub in commands.items():
        text = sub.format_help()
        assert "example" in text and f"newsetl {name}" in text, name
        assert "NEWSETL_WAREHOUSE" in text, name


def test_sql_from_a_file_and_status_as_json(warehouse, tmp_path, capsys):
    query = tmp_path / "q.sql"
    query.write_text("select count(*) as n from articles")
    assert (
        main(["sql", "--file", str(query), "--warehouse", str(warehouse), "--format", "csv"]) == 0
    )
    assert capsys.readouterr().out.splitlines() == ["n", "32"]
    assert main(["sql", "--file", str(tmp_path / "none.sql"), "--warehouse", str(warehouse)]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["status", "--warehouse", str(warehouse), "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (
        status["rows_per_table"]["articles"] == 32
        and status["last_runs"][0]["status"] == "completed"
    )


def test_tables_fit_the_terminal(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    main(["search", "earthquake OR ecb", "--warehouse", str(warehouse)])
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" in "".join(lines)


def test_a_closed_pipe_ends_quietly(warehouse):
    """`newsetl sql ... | head -1`: no traceback, and the status a shell gives such a command."""
    done = subprocess.run(
        f"{sys.executable} -m newsetl sql 'select * from range(200000)' "
        f"--warehouse {warehouse} | head -1; exit ${{PIPESTATUS[0]}}",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.startswith("+") and done.stderr == ""
    assert done.returncode == 141


def test_the_sql_macros_are_documented_by_the_saved_queries(warehouse):
    import duckdb

    from newsetl.storage.search import load_fts
    from tests.conftest import ROOT

    for name in ("search.sql", "attention.sql"):
        sql = (ROOT / "warehouse" / "queries" / name).read_text()
        with duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True) as con:
            load_fts(con)
            assert con.execute(sql).fetchall(), name


def test_a_query_of_stopwords_only_says_why_it_found_nothing(warehouse, capsys):
    assert main(["search", "the OR a", "--warehouse", str(warehouse)]) == 0
    out, err = capsys.readouterr()
    assert "(0 rows)" in out and "too common to be indexed" in err
    assert main(["search", "zzzqx", "--warehouse", str(warehouse)]) == 0
    assert capsys.readouterr().err == ""  # an ordinary word that is nowhere: no note
    assert main(["search", '"in the"', "--warehouse", str(warehouse)]) == 0
    assert capsys.readouterr().err == ""  # a phrase is searched for as written
