"""The DuckDB warehouse (DIR/newsetl.duckdb): one writer at a time, readers read-only.

Tables are created from `newsetl.schema`; loads merge by article in one transaction, so a
crash leaves the previous state and a rerun completes it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from newsetl.enrich.stories import StoryMember
from newsetl.schema import ARTICLE_TABLES, TABLES
from newsetl.storage.lake import has_files, table_glob

PRIMARY_KEYS = {"articles": "article_id", "runs": "run_id"}
_LOCKS: dict[str, list] = {}  # lock file -> [open handle, holders in this process]
_LOCKS_GUARD = threading.Lock()


class WarehouseError(RuntimeError):
    """The warehouse cannot be used; the message is one sentence for the user."""


def duckdb_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return duckdb_type(arrow_type.value_type) + "[]"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    simple = {
        pa.string(): "VARCHAR", pa.large_string(): "VARCHAR", pa.int32(): "INTEGER", pa.int64(): "BIGINT",
        pa.float64(): "DOUBLE", pa.float32(): "FLOAT", pa.bool_(): "BOOLEAN", pa.date32(): "DATE",
        pa.binary(): "BLOB", pa.large_binary(): "BLOB",
    }
    return simple[arrow_type]


def ddl() -> str:
    """CREATE statements for every table, then the views."""
    statements = []
    for name, table in TABLES.items():
        columns = []
        for field in table.schema:
            column = f"    {field.name} {duckdb_type(field.type)}"
            if PRIMARY_KEYS.get(name) == field.name:
                column += " PRIMARY KEY"
            elif not field.nullable:
                column += " NOT NULL"
            columns.append(column)
        statements.append(f"create table if not exists {name} (\n" + ",\n".join(columns) + "\n);")
    views = files("newsetl.storage").joinpath("views.sql").read_text(encoding="utf-8")
    return "\n\n".join(statements) + "\n\n" + views


class Warehouse:
    """The three layers under one folder: raw archive, Parquet lake, DuckDB file."""

    def __init__(self, root: str | Path, *, db_name: str = "newsetl.duckdb", lake_name: str = "lake") -> None:
        self.root = Path(root)
        self.db_path = self.root / db_name
        self.lake = self.root / lake_name
        self.raw = self.root / "raw"

    def staging(self) -> Warehouse:
        """A fresh database and lake beside this one, for a rebuild that replaces it at the end."""
        staged = Warehouse(self.root, db_name="newsetl.rebuild.duckdb", lake_name="lake.rebuild")
        staged.db_path.unlink(missing_ok=True)
        Path(f"{staged.db_path}.wal").unlink(missing_ok=True)
        shutil.rmtree(staged.lake, ignore_errors=True)
        return staged

    def replace_with(self, staged: Warehouse) -> None:
        """Swap a finished rebuild in: each rename is atomic, the old copies go last."""
        old_lake = self.root / "lake.old"
        shutil.rmtree(old_lake, ignore_errors=True)
        if self.lake.exists():
            os.replace(self.lake, old_lake)
        if staged.lake.exists():
            os.replace(staged.lake, self.lake)
        os.replace(staged.db_path, self.db_path)
        Path(f"{self.db_path}.wal").unlink(missing_ok=True)
        shutil.rmtree(old_lake, ignore_errors=True)

    def prepare(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".write-test"
            probe.touch()
            probe.unlink()
        except OSError as err:
            raise WarehouseError(f"warehouse folder {self.root} is not writable: {err.strerror}") from None

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the warehouse's write lock; other processes wait. Re-entrant within a process,
        so a rebuild can hold it from start to swap while its own loads take it again."""
        key = str((self.root / ".lock").resolve())
        with _LOCKS_GUARD:
            held = _LOCKS.get(key)
            if held is None:
                self.prepare()
                handle = open(key, "w")  # noqa: SIM115 - kept open while the lock is held
                _LOCKS[key] = held = [handle, 0]
        with _LOCKS_GUARD:
            first = held[1] == 0
            held[1] += 1
        if first:
            fcntl.flock(held[0], fcntl.LOCK_EX)
        try:
            yield
        finally:
            with _LOCKS_GUARD:
                held[1] -= 1
                if held[1] == 0:
                    fcntl.flock(held[0], fcntl.LOCK_UN)
                    held[0].close()
                    del _LOCKS[key]

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The single writing connection, serialised across processes by the lock file."""
        with self.exclusive():
            con = duckdb.connect(str(self.db_path))
            try:
                con.execute(ddl())
                yield con
            finally:
                con.close()

    def reader(self) -> duckdb.DuckDBPyConnection:
        if not self.db_path.exists():
            raise WarehouseError(f"no warehouse at {self.root} (run 'newsetl run' first)")
        try:
            return duckdb.connect(str(self.db_path), read_only=True)
        except duckdb.Error as err:
            raise WarehouseError(f"cannot open {self.db_path} read-only: {err}") from None

    def read_if_exists(self) -> duckdb.DuckDBPyConnection | None:
        return self.reader() if self.db_path.exists() else None

    # -- loading -----------------------------------------------------------------------------

    def load(self, con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> int:
        """Merge one batch: an article's rows in every article table are replaced together.

        Returns how many of the batch's articles were not in the warehouse before.
        """
        articles = tables.get("articles")
        new = 0
        con.execute("begin transaction")
        try:
            if articles is not None and articles.num_rows:
                con.register("batch_ids", articles.select(["article_id"]))
                known = con.execute(
                    "select count(*) from articles where article_id in (select article_id from batch_ids)"
                ).fetchone()[0]
                new = articles.num_rows - known
                for name in ARTICLE_TABLES:
                    con.execute(f"delete from {name} where article_id in (select article_id from batch_ids)")
                con.unregister("batch_ids")
            for name, rows in tables.items():
                if rows is None or rows.num_rows == 0:
                    continue
                if name == "runs":
                    con.register("batch_runs", rows.select(["run_id"]))
                    con.execute("delete from runs where run_id in (select run_id from batch_runs)")
                    con.unregister("batch_runs")
                con.register("batch_rows", rows)
                con.execute(f"insert into {name} by name select * from batch_rows")
                con.unregister("batch_rows")
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        return new

    def rebuild_from_lake(self, con: duckdb.DuckDBPyConnection, names: tuple[str, ...] = tuple(TABLES)) -> dict[str, int]:
        """Replace tables with the lake's content, in one transaction."""
        counts = {}
        con.execute("begin transaction")
        try:
            for name in names:
                table = TABLES[name]
                con.execute(f"delete from {name}")
                if has_files(self.lake, name):
                    con.execute(
                        f"insert into {name} by name select * from read_parquet(?, hive_partitioning = true, "
                        f"hive_types = {{'{table.partition}': DATE}}, union_by_name = true)",
                        [table_glob(self.lake, name)],
                    )
                counts[name] = con.execute(f"select count(*) from {name}").fetchone()[0]
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        return counts

    # -- state that later stages read ----------------------------------------------------------

    def paragraph_counts(self, sources: list[str], exclude: list[str]) -> dict[tuple[str, str], int]:
        """Articles per (source, paragraph hash) already loaded, other than `exclude`."""
        con = self.read_if_exists()
        if con is None:
            return {}
        with con:
            rows = con.execute(
                "select source, paragraph_hash, count(distinct article_id) from article_paragraphs "
                "where source in (select unnest(?)) and article_id not in (select unnest(?)) "
                "group by all having count(distinct article_id) > 0",
                [sources, exclude],
            ).fetchall()
        return {(s, h): n for s, h, n in rows}

    def recent_story_members(self, dates: list[date], window_days: int, exclude: list[str]) -> list[StoryMember]:
        """Articles already loaded within `window_days` of the batch's dates."""
        con = self.read_if_exists()
        dates = [d for d in dates if d]
        if con is None or not dates:
            return []
        low, high = min(dates) - timedelta(days=window_days), max(dates) + timedelta(days=window_days)
        with con:
            rows = con.execute(
                "select article_id, published_date, story_id, entities, vector from article_vectors "
                "where published_date between ? and ? and article_id not in (select unnest(?))",
                [low, high, exclude],
            ).fetchall()
        return [
            StoryMember(article_id=a, published_date=d, entities=set(e or []),
                        vector=np.asarray(v, dtype=np.float32), story_id=s)
            for a, d, s, e, v in rows
        ]


if __name__ == "__main__":
    print("-- Generated from src/newsetl/schema.py by `make schema`; do not edit by hand.\n")
    print(ddl())
