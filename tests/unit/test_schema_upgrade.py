"""A writer brings a warehouse made by another newsetl to this one's schema, and skips the
catalog work for a warehouse already there (it carries the schema's digest)."""

from __future__ import annotations

import duckdb
import pytest

from newsetl.storage import warehouse as warehouse_module
from newsetl.storage.warehouse import Warehouse, schema_digest


@pytest.fixture
def store(tmp_path) -> Warehouse:
    store = Warehouse(tmp_path / "wh")
    with store.writer():
        pass
    return store


def _one(store: Warehouse, query: str):
    with duckdb.connect(str(store.db_path), read_only=True) as con:
        return con.execute(query).fetchone()


def test_a_warehouse_carries_the_digest_of_its_schema(store):
    assert _one(store, "select main.warehouse_schema_version()") == (schema_digest(),)


def test_an_older_warehouse_gets_missing_columns_and_comments_back(store):
    with duckdb.connect(str(store.db_path)) as con:
        con.execute("alter table articles drop column word_count")
        con.execute("comment on column articles.title is NULL")
        con.execute("create or replace macro warehouse_schema_version() as 'older'")
    with store.writer():
        pass
    columns = "select count(*) from duckdb_columns() where table_name = 'articles' and "
    assert _one(store, columns + "column_name = 'word_count'") == (1,)
    assert _one(store, columns + "column_name = 'title' and comment is not null") == (1,)
    assert _one(store, "select main.warehouse_schema_version()") == (schema_digest(),)


def test_a_current_warehouse_is_not_asked_again(store, monkeypatch):
    def fail(con):
        raise AssertionError("the catalog was asked again")

    monkeypatch.setattr(warehouse_module, "apply_comments", fail)
    monkeypatch.setattr(warehouse_module, "add_missing_columns", fail)
    with store.writer() as con:  # no error: both were skipped
        assert con.execute("select count(*) from articles").fetchone() == (0,)


def test_maintenance_checkpoint_brings_back_what_was_dropped_by_hand(store):
    with duckdb.connect(str(store.db_path)) as con:
        con.execute("drop view topic_daily")
    with store.writer():  # the digest still matches: an ordinary writer does not look
        pass
    views = "select count(*) from duckdb_views() where view_name = 'topic_daily'"
    assert _one(store, views) == (0,)
    assert store.checkpoint()  # the maintenance flow's last step
    assert _one(store, views) == (1,)
