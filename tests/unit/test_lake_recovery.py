"""A merge interrupted between writing its new file and deleting the old ones leaves both in
the partition; whatever comes next (a write, compaction, a rebuild of DuckDB) must keep every
child row of every article, and leave the lake as any Parquet reader reads it equal to DuckDB."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from newsetl.schema import TABLES
from newsetl.storage.lake import heal_partitions, read_partition, table_glob, write_table
from newsetl.storage.maintenance import maintain
from newsetl.storage.warehouse import Warehouse

ENTITIES = TABLES["article_entities"]
DAY = date(2026, 11, 16)


def entity_rows(article: str, names: list[str]) -> pa.Table:
    return ENTITIES.to_arrow(
        [
            {
                "article_id": article,
                "published_date": DAY,
                "entity": n,
                "label": "PERSON",
                "mentions": 1,
            }
            for n in names
        ]
    )


class Crash(BaseException):
    """The process dies here."""


def crashing_merge(table: pa.Table, lake) -> None:
    """Merge `table`, dying before the first old file is deleted (after the new one is in)."""

    def die(self, missing_ok=False):
        raise Crash

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "unlink", die)
        with pytest.raises(Crash):
            write_table(ENTITIES, table, lake)


def interrupted_merge(lake) -> None:
    """Leave a partition as a crash between the new file's rename and the old file's delete does."""
    write_table(ENTITIES, entity_rows("a1", ["Ana", "Ben", "Cy"]), lake)
    write_table(ENTITIES, entity_rows("a2", ["Dee", "Eve"]), lake)
    crashing_merge(entity_rows("a1", ["Ana", "Ben", "Cy", "Flo"]), lake)
    assert len(list((lake / "article_entities").rglob("*.parquet"))) == 2


def plain_read(lake, name: str) -> list[tuple]:
    """The lake as any Parquet reader sees it: every file, no newsetl logic."""
    return sorted(
        duckdb.sql(
            f"select article_id, entity from read_parquet('{table_glob(lake, name)}')"
        ).fetchall()
    )


EXPECTED = [("a1", "Ana"), ("a1", "Ben"), ("a1", "Cy"), ("a1", "Flo"), ("a2", "Dee"), ("a2", "Eve")]


def test_reading_an_interrupted_partition_keeps_all_child_rows(tmp_path):
    interrupted_merge(tmp_path)
    table = read_partition(tmp_path / "article_entities" / f"published_date={DAY}", "article_id")
    assert (
        sorted(zip(table.column("article_id").to_pylist(), table.column("entity").to_pylist()))
        == EXPECTED
    )


def test_the_next_write_into_the_partition_keeps_all_child_rows(tmp_path):
    interrupted_merge(tmp_path)
    write_table(ENTITIES, entity_rows("a3", ["Gus"]), tmp_path)
    assert plain_read(tmp_path, "article_entities") == sorted([*EXPECTED, ("a3", "Gus")])


def test_healing_leaves_one_file_with_every_row(tmp_path):
    interrupted_merge(tmp_path)
    assert heal_partitions(tmp_path) == 1
    assert plain_read(tmp_path, "article_entities") == EXPECTED
    assert len(list((tmp_path / "article_entities").rglob("*.parquet"))) == 1


def test_maintenance_compaction_keeps_all_child_rows_and_matches_duckdb(tmp_path):
    store = Warehouse(tmp_path)
    interrupted_merge(store.lake)
    with store.writer() as con:
        store.rebuild_from_lake(con)
    maintain(store, None, DAY)
    assert plain_read(store.lake, "article_entities") == EXPECTED
    with store.reader() as con:
        held = sorted(con.execute("select article_id, entity from article_entities").fetchall())
    assert held == EXPECTED


def test_rebuilding_duckdb_from_an_interrupted_lake_keeps_all_child_rows(tmp_path):
    store = Warehouse(tmp_path)
    interrupted_merge(store.lake)
    with store.writer() as con:
        counts = store.rebuild_from_lake(con)
        held = sorted(con.execute("select article_id, entity from article_entities").fetchall())
    assert held == EXPECTED
    assert counts["article_entities"] == len(EXPECTED)


def test_a_merge_that_empties_a_partition_cannot_bring_old_rows_back(tmp_path):
    """The article moved to another day: its old partition is emptied by the merge."""
    write_table(ENTITIES, entity_rows("a1", ["Ana"]), tmp_path)
    moved = ENTITIES.to_arrow(
        [
            {
                "article_id": "a1",
                "published_date": date(2026, 11, 15),
                "entity": "Ana",
                "label": "PERSON",
                "mentions": 1,
            }
        ]
    )
    crashing_merge(moved, tmp_path)
    heal_partitions(tmp_path)
    assert plain_read(tmp_path, "article_entities") == [("a1", "Ana")]
