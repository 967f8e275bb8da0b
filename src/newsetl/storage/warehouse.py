"""The DuckDB warehouse (DIR/newsetl.duckdb): one writer at a time, readers read-only.

Tables are created from `newsetl.schema`; loads merge by article in one transaction, so a
crash leaves the previous state and a rerun completes it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from newsetl.records import StoryMember
from newsetl.schema import ARTICLE_TABLES, PIPELINE_SCHEMA, TABLES
from newsetl.storage.lake import has_files, table_glob, write_table
from newsetl.storage.queries import sql
from newsetl.storage.search import (
    INDEX_COMMENTS,
    INDEX_DDL,
    SearchUnavailable,
    create_macros,
    index_articles,
    index_is_current,
    load_fts,
    search_macros,
)

PRIMARY_KEYS = {"articles": "article_id", "runs": "run_id"}
_LOCKS_GUARD = threading.Lock()
CONNECT_WAIT_SECONDS = 120.0


class _Holder:
    """This process's hold on one warehouse lock file."""

    def __init__(self) -> None:
        self.users = 0
        self.mutex = threading.Lock()
        self.handle = None


_LOCKS: dict[str, _Holder] = {}


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open the database, waiting while another process (a reader or a writer) holds it; the
    fts extension (search macros) is loaded into every connection."""
    deadline = time.monotonic() + CONNECT_WAIT_SECONDS
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.Error as err:
            first = str(err).splitlines()[0]
            if "can only read" in first or "storage version" in first.lower():
                raise WarehouseError(
                    f"{path} was written by another DuckDB release than this newsetl's "
                    f"({duckdb.__version__}); the file is derived: run "
                    f"'newsetl reprocess' to rebuild it ({first})"
                ) from None
            locked = "could not set lock" in first.lower() or "conflicting lock" in first.lower()
            if not isinstance(err, duckdb.IOException) or not locked:
                raise WarehouseError(f"cannot open {path}: {first}") from None
            if time.monotonic() > deadline:
                raise WarehouseError(
                    f"{path} is in use by another process (a writer, or a client holding it open) "
                    f"and stayed so for {CONNECT_WAIT_SECONDS:.0f} s: {first}"
                ) from None
            time.sleep(0.5)
    try:
        load_fts(con)
    except (SearchUnavailable, duckdb.Error) as err:
        con.close()
        raise WarehouseError(f"cannot load DuckDB's fts extension: {err}") from None
    return con


def add_missing_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Columns added to newsetl.schema since a warehouse was created are added to its tables."""
    for name, table in TABLES.items():
        present = {
            r[0] for r in con.execute(sql("table_columns"), [table.db_schema, name]).fetchall()
        }
        for field in table.schema:
            if field.name not in present:
                con.execute(
                    sql(
                        "add_column",
                        table=table.sql_name,
                        column=field.name,
                        type=duckdb_type(field.type),
                    )
                )


def move_pipeline_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Warehouses made before the `pipeline` schema kept its tables in `main`: move them."""
    con.execute(f"create schema if not exists {PIPELINE_SCHEMA}")
    for name, table in TABLES.items():
        if table.db_schema == "main":
            continue
        old = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'main' and table_name = ? and table_type = 'BASE TABLE'",
            [name],
        ).fetchone()
        if not old or not old[0]:
            continue
        con.execute("begin transaction")
        con.execute(create_table(name))
        con.execute(f"insert into {table.sql_name} by name select * from main.{name}")
        con.execute(f"drop table main.{name}")
        con.execute("commit")


def comment_statements() -> list[tuple[str, str, str, str]]:
    """(schema, table, column or '', comment) for every table and column: COMMENT ON."""
    found = []
    for name, table in TABLES.items():
        found.append((table.db_schema, name, "", table.comment))
        found += [
            (table.db_schema, name, f.name, table.column_comment(f.name)) for f in table.schema
        ]
    for qualified, comment in INDEX_COMMENTS.items():
        schema, name = qualified.split(".")
        found.append((schema, name, "", comment))
    return found


def apply_comments(con: duckdb.DuckDBPyConnection) -> None:
    """COMMENT ON every table and column whose comment differs from newsetl.schema's."""
    tables = {
        (r[0], r[1]): r[2]
        for r in con.execute(
            "select schema_name, table_name, comment from duckdb_tables()"
        ).fetchall()
    }
    columns = {
        (r[0], r[1], r[2]): r[3]
        for r in con.execute(
            "select schema_name, table_name, column_name, comment from duckdb_columns()"
        ).fetchall()
    }
    for schema, table, column, comment in comment_statements():
        target = f"{table}" if schema == "main" else f"{schema}.{table}"
        if column and columns.get((schema, table, column)) != comment:
            con.execute(f'comment on column {target}."{column}" is {_quote(comment)}')
        elif not column and tables.get((schema, table)) != comment:
            con.execute(f"comment on table {target} is {_quote(comment)}")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class WarehouseError(RuntimeError):
    """The warehouse cannot be used; the message is one sentence for the user."""


def duckdb_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return duckdb_type(arrow_type.value_type) + "[]"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    simple = {
        pa.string(): "VARCHAR",
        pa.large_string(): "VARCHAR",
        pa.int32(): "INTEGER",
        pa.int64(): "BIGINT",
        pa.float64(): "DOUBLE",
        pa.float32(): "FLOAT",
        pa.bool_(): "BOOLEAN",
        pa.date32(): "DATE",
        pa.binary(): "BLOB",
        pa.large_binary(): "BLOB",
    }
    return simple[arrow_type]


def create_table(name: str) -> str:
    table = TABLES[name]
    columns = []
    for field in table.schema:
        column = f"    {field.name} {duckdb_type(field.type)}"
        if PRIMARY_KEYS.get(name) == field.name:
            column += " PRIMARY KEY"
        elif not field.nullable:
            column += " NOT NULL"
        columns.append(column)
    return f"create table if not exists {table.sql_name} (\n" + ",\n".join(columns) + "\n);"


def ddl() -> str:
    """CREATE statements for every table, the views and the search index's tables (the search
    macros, which need the fts extension, are `newsetl.storage.search.search_macros`)."""
    statements = [f"create schema if not exists {PIPELINE_SCHEMA};"]
    statements += [create_table(name) for name in TABLES]
    views = files("newsetl.storage").joinpath("views.sql").read_text(encoding="utf-8")
    return "\n\n".join(statements) + "\n\n" + views + INDEX_DDL


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything inside happens, or nothing does."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def write_lake(tables: dict[str, pa.Table], warehouse: Warehouse) -> int:
    """Merge tables into the lake; returns the number of files written.

    Every article table is rewritten for all of the batch's articles, also where the batch
    has no rows for them any more, so the lake agrees with what `Warehouse.load` keeps.
    """
    articles = tables.get("articles")
    ids = articles.column("article_id").combine_chunks() if articles is not None else None
    written = 0
    for name, rows in tables.items():
        keys = ids if name in ARTICLE_TABLES and ids is not None else None
        written += len(write_table(TABLES[name], rows, warehouse.lake, keys=keys))
    return written


class Warehouse:
    """The three layers under one folder: raw archive, Parquet lake, DuckDB file."""

    def __init__(
        self, root: str | Path, *, db_name: str = "newsetl.duckdb", lake_name: str = "lake"
    ) -> None:
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
            raise WarehouseError(
                f"warehouse folder {self.root} is not writable: {err.strerror}"
            ) from None

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the warehouse's write lock; other processes wait. Re-entrant within a process,
        so a rebuild can hold it from start to swap while its own loads take it again."""
        key = str((self.root / ".lock").resolve())
        with _LOCKS_GUARD:
            holder = _LOCKS.setdefault(key, _Holder())
            holder.users += 1
        try:
            with holder.mutex:  # the first user takes the file lock; the others wait for it
                if holder.handle is None:
                    self.prepare()
                    holder.handle = open(key, "w")  # noqa: SIM115 - open while the lock is held
                    fcntl.flock(holder.handle, fcntl.LOCK_EX)
            yield
        finally:
            with _LOCKS_GUARD:
                holder.users -= 1
                if holder.users == 0:
                    if holder.handle is not None:
                        fcntl.flock(holder.handle, fcntl.LOCK_UN)
                        holder.handle.close()
                    del _LOCKS[key]

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The single writing connection, serialised across processes by the lock file."""
        with self.exclusive():
            con = _connect(self.db_path, read_only=False)
            try:
                move_pipeline_tables(con)
                con.execute(ddl())
                create_macros(con)
                add_missing_columns(con)
                apply_comments(con)
                if not index_is_current(con):  # a warehouse made before search, or a crash
                    index_articles(con)
                yield con
            finally:
                con.close()

    def reader(self) -> duckdb.DuckDBPyConnection:
        try:
            exists = self.db_path.exists()
        except OSError as err:
            raise WarehouseError(
                f"warehouse folder {self.root} cannot be read: {err.strerror}"
            ) from None
        if not exists:
            raise WarehouseError(f"no warehouse at {self.root} (run 'newsetl run' first)")
        return _connect(self.db_path, read_only=True)

    def read_if_exists(self) -> duckdb.DuckDBPyConnection | None:
        return self.reader() if self.db_path.exists() else None

    # -- loading -----------------------------------------------------------------------------

    def commit(self, tables: dict[str, pa.Table]) -> int:
        """The one way rows enter: under the lock, merge them into the lake, then load them into
        DuckDB in one transaction. Returns how many of the articles were new."""
        with self.exclusive():  # lake and database change together, never beside a rebuild
            write_lake(tables, self)
            with self.writer() as con:
                return self.load(con, tables)

    def checkpoint(self) -> bool:
        """Fold DuckDB's write-ahead log into the file, under the lock; False when no database."""
        if not self.db_path.exists():
            return False
        with self.writer() as con:
            con.execute("checkpoint")
        return True

    def load(self, con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> int:
        """Merge one batch: an article's rows in every article table are replaced together.

        Returns how many of the batch's articles were not in the warehouse before.
        """
        articles = tables.get("articles")
        new = 0
        with transaction(con):
            if articles is not None and articles.num_rows:
                con.register("batch_ids", articles.select(["article_id"]))
                known = con.execute(sql("count_known_articles")).fetchone()[0]
                new = articles.num_rows - known
                for name in ARTICLE_TABLES:
                    con.execute(sql("delete_batch_articles", table=TABLES[name].sql_name))
            for name, rows in tables.items():
                if rows is None or rows.num_rows == 0:
                    continue
                if name == "runs":
                    con.register("batch_runs", rows.select(["run_id"]))
                    con.execute(sql("delete_batch_runs"))
                    con.unregister("batch_runs")
                con.register("batch_rows", rows)
                con.execute(sql("insert_batch", table=TABLES[name].sql_name))
                con.unregister("batch_rows")
            if articles is not None and articles.num_rows:
                index_articles(con, "batch_ids")  # the search index, in the same transaction
                con.unregister("batch_ids")
        return new

    def rebuild_from_lake(
        self, con: duckdb.DuckDBPyConnection, names: tuple[str, ...] = tuple(TABLES)
    ) -> dict[str, int]:
        """Replace tables with the lake's content, in one transaction (the database is derived)."""
        counts = {}
        with transaction(con):
            for name in names:
                table = TABLES[name]
                con.execute(sql("clear_table", table=table.sql_name))
                if has_files(self.lake, name):
                    newest = sql("newest_file_wins", key=table.key) if table.key else ""
                    con.execute(
                        sql(
                            "insert_from_lake",
                            table=table.sql_name,
                            partition=table.partition,
                            newest=newest,
                        ),
                        [table_glob(self.lake, name)],
                    )
                counts[name] = con.execute(sql("count_rows", table=table.sql_name)).fetchone()[0]
            if "articles" in names:
                index_articles(con)
        return counts

    # -- state that later stages read ----------------------------------------------------------

    def finished_runs(self) -> set[str]:
        """Run ids recorded as completed (their pages have all been processed)."""
        con = self.read_if_exists()
        if con is None:
            return set()
        with con:
            return {r[0] for r in con.execute(sql("finished_runs")).fetchall()}

    def run_rows(self, run_ids: list[str]) -> list[dict]:
        """Stored rows of these runs (a run that crashed before recording itself has none)."""
        con = self.read_if_exists()
        if con is None or not run_ids:
            return []
        with con:
            cursor = con.execute(sql("run_rows"), [run_ids])
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row)) for row in cursor.fetchall()]

    def paragraph_counts(
        self, sources: list[str], exclude: list[str]
    ) -> dict[tuple[str, str], int]:
        """Articles per (source, paragraph hash) already loaded, other than `exclude`."""
        con = self.read_if_exists()
        if con is None:
            return {}
        with con:
            rows = con.execute(
                sql("paragraph_counts"),
                [sources, exclude],
            ).fetchall()
        return {(s, h): n for s, h, n in rows}

    def recent_story_members(
        self, dates: list[date], window_days: int, exclude: list[str]
    ) -> list[StoryMember]:
        """Articles already loaded within `window_days` of the batch's dates, with their words."""
        con = self.read_if_exists()
        dates = [d for d in dates if d]
        if con is None or not dates:
            return []
        low, high = (
            min(dates) - timedelta(days=window_days),
            max(dates) + timedelta(days=window_days),
        )
        with con:
            rows = con.execute(
                sql("recent_story_members"),
                [low, high, exclude],
            ).fetchall()
        return [
            StoryMember(
                article_id=a,
                published_date=d,
                entities=set(e or []),
                vector=np.asarray(v, dtype=np.float32),
                story_id=s,
                title=t or "",
                text=x or "",
            )
            for a, d, s, e, v, t, x in rows
        ]


if __name__ == "__main__":
    print("-- Generated from src/newsetl/schema.py by `make schema`; do not edit by hand.\n")
    print(ddl())
    print(search_macros())
