"""`newsetl sql` reads the warehouse and nothing else: no files, no extensions, no settings."""

from __future__ import annotations

import pytest

from newsetl.cli import main
from newsetl.storage.warehouse import Warehouse


@pytest.fixture
def warehouse(tmp_path):
    store = Warehouse(tmp_path / "wh")
    store.prepare()
    with store.writer():
        pass  # creates the tables
    return store


def run_sql(store: Warehouse, query: str, capsys) -> tuple[int, str, str]:
    code = main(["sql", query, "--warehouse", str(store.root), "--format", "csv"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "query",
    [
        "select * from read_csv('/etc/passwd')",
        "select * from read_text('/etc/hostname')",
        "select * from '/etc/passwd'",
        "select * from glob('/etc/*')",
        "select * from read_parquet('{lake}/**/*.parquet')",
    ],
)
def test_files_cannot_be_read(warehouse, capsys, query):
    code, out, err = run_sql(warehouse, query.format(lake=warehouse.lake), capsys)
    assert code == 2
    assert "root:" not in out
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "query",
    [
        "copy (select 1) to '{target}'",
        "explain analyze copy (select 1 as x) to '{target}'",
        "explain analyze copy articles to '{target}' (format csv)",
    ],
)
def test_files_cannot_be_written(warehouse, tmp_path, capsys, query):
    target = tmp_path / "leak.csv"
    code, _, err = run_sql(warehouse, query.format(target=target), capsys)
    assert code == 2
    assert not target.exists()


@pytest.mark.parametrize(
    "query",
    [
        "set enable_external_access = true",
        "select 1; set enable_external_access = true",
        "install httpfs",
        "load httpfs",
        "attach '/tmp/other.duckdb'",
        "pragma enable_profiling",
    ],
)
def test_settings_and_extensions_cannot_be_changed(warehouse, capsys, query):
    code, _, _ = run_sql(warehouse, query, capsys)
    assert code == 2


def test_the_sandbox_is_on(warehouse, capsys):
    code, out, _ = run_sql(
        warehouse,
        "select current_setting('enable_external_access') as external, "
        "current_setting('autoload_known_extensions') as autoload, "
        "current_setting('lock_configuration') as locked",
        capsys,
    )
    assert code == 0
    assert out.strip().splitlines()[1].lower() == "false,false,true"


def test_ordinary_queries_still_work(warehouse, capsys):
    code, out, _ = run_sql(warehouse, "select count(*) as n from articles; ", capsys)
    assert code == 0
    assert out.strip().splitlines() == ["n", "0"]
    code, out, _ = run_sql(warehouse, "explain select * from topic_daily", capsys)
    assert code == 0
