"""A rebuild (reprocess) swaps its staged lake and database in with a few renames; a crash
between any two of them must leave a warehouse that the next run completes or rolls back,
never one without a lake (nor one whose lake.old the next rebuild deletes)."""

from __future__ import annotations

import contextlib
import os
from datetime import date

import duckdb
import pytest

from newsetl.schema import TABLES
from newsetl.storage.lake import table_glob, write_table
from newsetl.storage.warehouse import Warehouse

ARTICLES = TABLES["articles"]


def with_articles(store: Warehouse, ids: list[str]) -> None:
    rows = ARTICLES.to_arrow(
        [
            {"article_id": a, "title": a, "published_date": date(2026, 11, 16), "source": "s"}
            for a in ids
        ]
    )
    write_table(ARTICLES, rows, store.lake)
    with store.writer() as con:
        store.rebuild_from_lake(con)


def lake_ids(store: Warehouse) -> list[str]:
    if not store.lake.exists():
        return []
    return sorted(
        r[0]
        for r in duckdb.sql(
            f"select article_id from read_parquet('{table_glob(store.lake, 'articles')}')"
        ).fetchall()
    )


def db_ids(store: Warehouse) -> list[str]:
    with store.reader() as con:
        return sorted(r[0] for r in con.execute("select article_id from articles").fetchall())


class Crash(BaseException):
    pass


@pytest.mark.parametrize("crash_at", [1, 2, 3, 4])
def test_a_crash_inside_the_swap_is_completed_or_rolled_back(tmp_path, monkeypatch, crash_at):
    live = Warehouse(tmp_path)
    with_articles(live, ["old-1", "old-2"])
    staged = live.staging()
    with_articles(staged, ["new-1", "new-2", "new-3"])

    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append((src, dst))
        if len(calls) == crash_at:
            raise Crash
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with contextlib.suppress(Crash):
        live.replace_with(staged)
    monkeypatch.setattr(os, "replace", real_replace)

    again = Warehouse(tmp_path)
    again.recover()  # what every run does first, under the lock
    assert again.lake.exists()
    assert lake_ids(again) in (["old-1", "old-2"], ["new-1", "new-2", "new-3"])
    assert lake_ids(again) == db_ids(again)  # the lake holds exactly what DuckDB holds
    assert not (tmp_path / "lake.old").exists()

    # and the next rebuild does not lose it either
    staged = again.staging()
    with_articles(staged, ["new-1", "new-2", "new-3"])
    again.replace_with(staged)
    assert lake_ids(again) == db_ids(again) == ["new-1", "new-2", "new-3"]


def test_recover_on_a_clean_warehouse_changes_nothing(tmp_path):
    live = Warehouse(tmp_path)
    with_articles(live, ["a"])
    live.recover()
    assert lake_ids(live) == db_ids(live) == ["a"]


def test_a_rebuild_cut_before_its_swap_leaves_nothing_behind(tmp_path):
    live = Warehouse(tmp_path)
    with_articles(live, ["old-1"])
    staged = live.staging()
    with_articles(staged, ["new-1", "new-2"])  # then Ctrl-C: no marker, no swap
    assert staged.lake.exists() and staged.db_path.exists()
    Warehouse(tmp_path).recover()  # the next run, whatever its flow
    assert not staged.lake.exists() and not staged.db_path.exists()
    assert lake_ids(live) == db_ids(live) == ["old-1"]
