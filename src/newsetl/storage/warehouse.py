"""The DuckDB warehouse (DIR/newsetl.duckdb): one writer at a time, readers read-only.

Tables are created from `newsetl.schema`; loads merge by article in one transaction, so a
crash leaves the previous state and a rerun completes it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from typing import IO, Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from newsetl.records import StoryMember
from newsetl.schema import ARTICLE_TABLES, PIPELINE_SCHEMA, TABLES
from newsetl.storage.lake import has_files, heal_partitions, table_glob, write_table
from newsetl.storage.locks import running
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
    sort_index,
    upgrade_index,
)

PRIMARY_KEYS = {"articles": "article_id", "runs": "run_id"}
STAGED_DB = "newsetl.rebuild.duckdb"
STAGED_LAKE = "lake.rebuild"
SWAP_MARKER = ".swap-in-progress"
_LOCKS_GUARD = threading.Lock()
CONNECT_WAIT_SECONDS = 120.0
# DuckDB's memory while a writer's log is folded into the file, see close_checkpointed.
CHECKPOINT_MEMORY = "64MB"


class _Holder:
    """This process's hold on one warehouse lock file."""

    def __init__(self) -> None:
        self.users = 0
        self.mutex = threading.Lock()
        self.handle: IO[str] | None = None


_LOCKS: dict[str, _Holder] = {}


# A connection for ad-hoc SQL from users: the database and nothing else - no file read or
# written, no extension installed or loaded, no setting changed afterwards.
SANDBOX = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "lock_configuration": True,
}


# Applied after the fts extension is loaded (loading it needs them off).
AFTER_LOAD = ("enable_external_access", "lock_configuration")


def _connect(
    path: Path, *, read_only: bool, config: dict | None = None, fts: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open the database, waiting while another process (a reader or a writer) holds it; with
    `fts` the fts extension (the search macros' stemmer) is loaded, then `config` is locked.

    Loading the extension costs about 0.1 s per connection, so the pipeline's own state reads
    and its writer (which loads it when the macros or the index need it) go without."""
    deadline = time.monotonic() + CONNECT_WAIT_SECONDS
    config = config or {}
    early = {k: v for k, v in config.items() if k not in AFTER_LOAD}
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=early)
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
        # DuckDB draws a progress bar on stdout for a query past 2 s; a command's output is ours.
        con.execute("set enable_progress_bar = false")
        if fts:
            load_fts(con)
        for name in AFTER_LOAD:  # one-way switches: nothing can turn them back on
            if name in config:
                con.execute(f"set {name} = {str(bool(config[name])).lower()}")
    except (SearchUnavailable, duckdb.Error) as err:
        con.close()
        raise WarehouseError(f"cannot load DuckDB's fts extension: {err}") from None
    return con


def close_checkpointed(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Close a writing connection after folding its write-ahead log into the file with DuckDB
    held to CHECKPOINT_MEMORY and one thread.

    A table with a primary key (articles) takes appended rows into its last row group, and a
    checkpoint rewrites that row group whole: up to 122,880 articles' text. With DuckDB's
    defaults (memory limit 80 % of RAM, a thread per core) the checkpoint that closing a
    connection runs held it all at once - measured, 100 appended to 100,000 stored articles of
    ~1,800 words: +1,233 MB at the close; under the limit +43 MB, and no slower - and kept
    every block earlier queries had read. Should the limit be too small (DuckDB then refuses
    the checkpoint, and may refuse the connection until it is reopened), the log is intact:
    a fresh connection's close folds it in with the defaults, as every close did before."""
    try:
        con.execute(f"set memory_limit = '{CHECKPOINT_MEMORY}'")
        con.execute("set threads = 1")
        con.execute("checkpoint")
    except duckdb.Error:
        con.close()
        duckdb.connect(str(path)).close()
        return
    con.close()


@contextmanager
def closed_checkpointed(
    con: duckdb.DuckDBPyConnection, path: Path
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writing connection for a block: closed through `close_checkpointed` when the block
    ends, plainly when it raises (whatever it left uncommitted is rolled back)."""
    try:
        yield con
    except BaseException:
        con.close()
        raise
    close_checkpointed(con, path)


def scalar(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> Any:
    """The one value a query returns (a count, say)."""
    row = con.execute(query, params or []).fetchone()
    return row[0] if row else None


def add_missing_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Columns added to newsetl.schema since a warehouse was created are added to its tables."""
    present: dict[tuple[str, str], set[str]] = {}
    for schema, name, column in con.execute(sql("table_columns")).fetchall():
        present.setdefault((schema, name), set()).add(column)
    for name, table in TABLES.items():
        have = present.get((table.db_schema, name), set())
        for field in table.schema:
            if field.name not in have:
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
    in_main = {
        r[0]
        for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main' and not internal"
        ).fetchall()
    }
    for name, table in TABLES.items():
        if table.db_schema == "main" or name not in in_main:
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


def _fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in `folder` durable before the next step depends on it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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


def schema_digest() -> str:
    """What prepare_schema would make of a warehouse: the tables, views, comments, in short."""
    text = ddl() + repr(comment_statements())
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def prepare_schema(con: duckdb.DuckDBPyConnection, *, full: bool = False) -> None:
    """Bring a warehouse's tables, views, comments and macros to this newsetl's, at a writer's
    open. A warehouse carries the digest of the schema it was last brought to, and one that is
    already there is not asked again: the catalog questions and statements took 0.3-0.4 s of
    every commit at 1,000,000 stored articles (a tenth of an idle run, which commits its run
    row). `full` does all of it whatever the digest says (maintenance's checkpoint: a view or
    comment dropped by hand is back within a day)."""
    digest = schema_digest()
    try:  # asking the macro itself, as create_macros does
        found = scalar(con, "select main.warehouse_schema_version()")
    except duckdb.CatalogException:  # made before the digest, or new
        found = None
    if full or found != digest:
        move_pipeline_tables(con)
        con.execute(ddl())
        add_missing_columns(con)
        upgrade_index(con)
        apply_comments(con)
    create_macros(con)  # its own digest: the search macros need the tables above
    if found != digest:
        con.execute(f"create or replace macro warehouse_schema_version() as '{digest}'")


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


def write_lake(
    tables: dict[str, pa.Table],
    warehouse: Warehouse,
    con: duckdb.DuckDBPyConnection | None = None,
) -> int:
    """Merge tables into the lake; returns the number of files written.

    Every article table is rewritten for all of the batch's articles, also where the batch
    has no rows for them any more, so the lake agrees with what `Warehouse.load` keeps. With
    `con` (the warehouse's writer, in step with the lake) the partitions that hold the batch's
    keys come from DuckDB, so a merge costs what the batch touches, not the lake's size.
    """
    articles = tables.get("articles")
    ids = articles.column("article_id").combine_chunks() if articles is not None else None
    written = 0
    of_articles: set[str] | None = None  # the same answer for every article table: asked once
    for name, rows in tables.items():
        keys = ids if name in ARTICLE_TABLES and ids is not None else None
        spec = TABLES[name]
        holding = None
        if con is not None and spec.key:
            if keys is not None:
                if of_articles is None:
                    of_articles = stored_partitions(con, TABLES["articles"], keys)
                holding = of_articles
            else:
                lookup = "articles" if name in ARTICLE_TABLES else name
                holding = stored_partitions(
                    con, TABLES[lookup], rows.column(spec.key).combine_chunks()
                )
        written += len(write_table(spec, rows, warehouse.lake, keys=keys, holding=holding))
    return written


def stored_partitions(con: duckdb.DuckDBPyConnection, spec, keys: pa.Array) -> set[str]:
    """Partition values (as the lake's folders name them) of the stored rows with these keys."""
    from newsetl.storage.lake import partition_value

    if len(keys) == 0:
        return set()
    con.register("wanted_keys", pa.table({"key": keys}))
    try:
        rows = con.execute(
            f"select distinct {spec.partition} from {spec.name} "
            f"where {spec.key} in (select key from wanted_keys)"
        ).fetchall()
    finally:
        con.unregister("wanted_keys")
    return {partition_value(r[0]) for r in rows}


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
        self.recover()  # an earlier swap that a crash interrupted is finished first
        staged = Warehouse(self.root, db_name=STAGED_DB, lake_name=STAGED_LAKE)
        staged.db_path.unlink(missing_ok=True)
        Path(f"{staged.db_path}.wal").unlink(missing_ok=True)
        shutil.rmtree(staged.lake, ignore_errors=True)
        return staged

    def replace_with(self, staged: Warehouse) -> None:
        """Swap a finished rebuild in. A marker file says the staged copy is complete; each
        rename is atomic; after a crash anywhere in between, `recover` rolls the swap forward
        (marker there) or back (marker not yet there)."""
        marker = self.root / SWAP_MARKER
        marker.write_text("staged rebuild complete: swap it in\n", encoding="utf-8")
        _fsync_dir(self.root)
        self._swap_forward(staged.lake, staged.db_path)
        marker.unlink(missing_ok=True)

    def _swap_forward(self, staged_lake: Path, staged_db: Path) -> None:
        old_lake = self.root / "lake.old"
        if staged_lake.exists():
            if self.lake.exists():
                shutil.rmtree(old_lake, ignore_errors=True)  # only ever a finished swap's leftover
                os.replace(self.lake, old_lake)
            os.replace(staged_lake, self.lake)
        if staged_db.exists():
            # The old database's log must not be replayed onto the new file.
            Path(f"{self.db_path}.wal").unlink(missing_ok=True)
            os.replace(staged_db, self.db_path)
        shutil.rmtree(old_lake, ignore_errors=True)

    def recover(self) -> None:
        """Finish what a crash interrupted: a rebuild's swap (forward when its staged copy was
        complete, else back to the previous lake), and lake merges (storage.lake.heal_partitions).
        Cheap when there is nothing to do; call it under the lock before a run changes anything."""
        marker = self.root / SWAP_MARKER
        old_lake = self.root / "lake.old"
        if marker.exists():
            self._swap_forward(self.root / STAGED_LAKE, self.root / STAGED_DB)
            marker.unlink(missing_ok=True)
        elif not self.lake.exists() and old_lake.exists():
            os.replace(old_lake, self.lake)  # the swap had only moved the old lake aside
        elif self.lake.exists() and old_lake.exists():
            shutil.rmtree(old_lake, ignore_errors=True)
        if not marker.exists() and self.db_path.name != STAGED_DB:
            # A rebuild cut before its swap (Ctrl-C in a reprocess): its staged copy is
            # incomplete and nothing reads it; it would lie there until the next reprocess.
            shutil.rmtree(self.root / STAGED_LAKE, ignore_errors=True)
            for leftover in (STAGED_DB, f"{STAGED_DB}.wal"):
                (self.root / leftover).unlink(missing_ok=True)
        if self.lake.exists() and self.lake_pending.exists():
            # Only a lake change that did not finish (a commit's merge, a compaction) can have
            # left a partition with two files; the marker says one did not, so a run start
            # costs nothing in the lake's size. The next commit removes the marker.
            heal_partitions(self.lake)

    def prepare(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / ".write-test"
            probe.touch()
            probe.unlink()
        except OSError as err:
            if self.root.exists() and not self.root.is_dir():
                raise WarehouseError(
                    f"warehouse {self.root} is a file, not a folder (give a folder's path)"
                ) from None
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
    def writer(self, *, full_schema: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """The single writing connection, serialised across processes by the lock file. The fts
        extension is loaded into it when the search macros are (re)made or articles indexed;
        call `load_fts(con)` before using the search macros on it otherwise. `full_schema`: see
        prepare_schema."""
        with self.exclusive():
            con = _connect(self.db_path, read_only=False, fts=False)
            with closed_checkpointed(con, self.db_path):
                prepare_schema(con, full=full_schema)
                if not index_is_current(con):  # a warehouse made before search, or a crash
                    index_articles(con)
                yield con

    def reader(self, *, sandboxed: bool = False, search: bool = True) -> duckdb.DuckDBPyConnection:
        """A read-only connection; `sandboxed` also shuts out files, extensions and settings
        (for SQL that users type); `search=False` for one that never calls the search macros
        (the pipeline's own state reads: it opens about 0.1 s faster)."""
        try:
            exists = self.db_path.exists()
        except OSError as err:
            raise WarehouseError(
                f"warehouse folder {self.root} cannot be read: {err.strerror}"
            ) from None
        if not exists:
            making = running(self.root)
            raise WarehouseError(
                f"no warehouse at {self.root} yet: {making} is making it; ask again when it ends"
                if making
                else f"no warehouse at {self.root} (run 'newsetl run' first)"
            )
        return _connect(
            self.db_path, read_only=True, config=SANDBOX if sandboxed else None, fts=search
        )

    def read_if_exists(self, *, search: bool = True) -> duckdb.DuckDBPyConnection | None:
        return self.reader(search=search) if self.db_path.exists() else None

    # -- loading -----------------------------------------------------------------------------

    def commit(self, tables: dict[str, pa.Table]) -> int:
        """The one way rows enter: under the lock, merge them into the lake, then load them into
        DuckDB in one transaction. Returns how many of the articles were new."""
        with self.exclusive(), self.writer() as con:
            # Lake and database change together, never beside a rebuild. While the marker is
            # there the lake may be ahead of DuckDB (a crash between the two), so this commit
            # finds stored partitions from the lake itself, and heals.
            in_step = not self.lake_pending.exists()
            with self.changing_lake():
                write_lake(tables, self, con if in_step else None)
                return self.load(con, tables)

    @property
    def lake_pending(self) -> Path:
        """Marker present while the lake is being changed (and after a change that crashed)."""
        return self.lake.with_name(self.lake.name + ".pending")

    @contextmanager
    def changing_lake(self) -> Iterator[None]:
        """Mark the lake as being changed; the mark stays if the change does not finish."""
        self.lake_pending.parent.mkdir(parents=True, exist_ok=True)
        self.lake_pending.touch()
        yield
        self.lake_pending.unlink(missing_ok=True)

    def sort_search_index(self) -> bool:
        """Put the search postings back in term order when loads have appended enough since the
        last time (`search.sort_index`); False when nothing was done or there is no database."""
        if not self.db_path.exists():
            return False
        with self.writer() as con, transaction(con):
            return sort_index(con)

    def checkpoint(self) -> bool:
        """Fold DuckDB's write-ahead log into the file, under the lock, after bringing tables,
        views and comments back to newsetl's whatever the schema digest says; False when no
        database."""
        if not self.db_path.exists():
            return False
        with self.writer(full_schema=True) as con:
            con.execute("checkpoint")
        return True

    def load(self, con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> int:
        """Merge one batch: an article's rows in every article table are replaced together.

        Returns how many of the batch's articles were not in the warehouse before.
        """
        articles = tables.get("articles")
        new = known = 0
        with transaction(con):
            if articles is not None and articles.num_rows:
                con.register("batch_ids", articles.select(["article_id"]))
                known = scalar(con, sql("count_known_articles"))
                new = articles.num_rows - known
                # An article's child rows are loaded and deleted with it, in one transaction:
                # a batch of articles none of which is stored has nothing to delete, and the
                # deletes would scan the key column of every child table (millions of rows).
                for name in ARTICLE_TABLES if known else ():
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
                # The search index, in the same transaction, from the batch's own text.
                con.register("batch_text", articles.select(["article_id", "title", "text"]))
                index_articles(con, "batch_ids", "batch_text", stored_before=bool(known))
                con.unregister("batch_text")
                con.unregister("batch_ids")
        return new

    def rebuild_from_lake(
        self, con: duckdb.DuckDBPyConnection, names: tuple[str, ...] = tuple(TABLES)
    ) -> dict[str, int]:
        """Replace tables with the lake's content, in one transaction (the database is derived).

        Merges a crash interrupted are finished first, so DuckDB then holds exactly what any
        Parquet reader reads from the lake."""
        heal_partitions(self.lake)
        counts = {}
        with transaction(con):
            for name in names:
                table = TABLES[name]
                con.execute(sql("clear_table", table=table.sql_name))
                if has_files(self.lake, name):
                    con.execute(
                        sql("insert_from_lake", table=table.sql_name, partition=table.partition),
                        [table_glob(self.lake, name)],
                    )
                counts[name] = scalar(con, sql("count_rows", table=table.sql_name))
            if "articles" in names:
                index_articles(con)
                sort_index(con, force=True)
        return counts

    # -- state that later stages read ----------------------------------------------------------

    def finished_runs(self) -> set[str]:
        """Run ids recorded as completed (their pages have all been processed)."""
        con = self.read_if_exists(search=False)
        if con is None:
            return set()
        with con:
            return {r[0] for r in con.execute(sql("finished_runs")).fetchall()}

    def run_rows(self, run_ids: list[str]) -> list[dict]:
        """Stored rows of these runs (a run that crashed before recording itself has none)."""
        con = self.read_if_exists(search=False)
        if con is None or not run_ids:
            return []
        with con:
            cursor = con.execute(sql("run_rows"), [run_ids])
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row)) for row in cursor.fetchall()]

    @contextmanager
    def view(self) -> Iterator[WarehouseView]:
        """What a wave asks of the articles already loaded, over one read-only connection
        (opened at the first question, closed with the view)."""
        view = WarehouseView(self)
        try:
            yield view
        finally:
            view.close()


class WarehouseView:
    """Read-only questions about what is already loaded (`Warehouse.view()`); an absent
    warehouse answers empty. Each question opens a read-only connection and closes it with its
    answer: DuckDB keeps the blocks a query read cached until its database closes, and the
    paragraph counts read the paragraph hashes of every stored article (at 1,000,000 stored,
    +110 MB held through the story matching that follows; a reopen costs about 20 ms)."""

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse
        self._con: duckdb.DuckDBPyConnection | None = None
        self._opened = False

    def _connection(self) -> duckdb.DuckDBPyConnection | None:
        if not self._opened:
            self._con = self._warehouse.read_if_exists(search=False)
            self._opened = True
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
        self._con = None
        self._opened = False

    def paragraph_counts(
        self, sources: list[str], exclude: list[str], hashes: list[str] | None = None
    ) -> dict[tuple[str, str], int]:
        """Articles per (source, paragraph hash) already loaded, other than `exclude`; only for
        `hashes` when given (a batch's own paragraphs)."""
        con = self._connection()
        if con is None:
            return {}
        try:
            if hashes is None:
                rows = con.execute(sql("paragraph_counts"), [sources, exclude]).fetchall()
            else:
                con.register("batch_hashes", pa.table({"h": pa.array(hashes, pa.string())}))
                rows = con.execute(sql("paragraph_counts_of_hashes"), [sources, exclude]).fetchall()
                con.unregister("batch_hashes")
        finally:
            self.close()
        return {(s, h): n for s, h, n in rows}

    def recent_story_members(
        self, dates: list[date], window_days: int, exclude: list[str]
    ) -> list[StoryMember]:
        """Articles already loaded within `window_days` of the batch's dates, with their words."""
        dates = [d for d in dates if d]
        con = self._connection() if dates else None
        if con is None or not dates:
            return []
        low, high = (
            min(dates) - timedelta(days=window_days),
            max(dates) + timedelta(days=window_days),
        )
        try:
            table = con.execute(
                sql("recent_story_members"), {"low": low, "high": high, "exclude": exclude}
            ).to_arrow_table()
        finally:
            self.close()
        columns = {n: table.column(n).to_pylist() for n in table.column_names if n != "vector"}
        vectors = _float32_vectors(table.column("vector"))
        return [
            StoryMember(
                article_id=a,
                published_date=d,
                entities=set(e or []),
                vector=v,
                story_id=s,
                title=t or "",
                text=x or "",
                language=g,
            )
            for a, d, s, e, v, t, x, g in zip(
                columns["article_id"],
                columns["published_date"],
                columns["story_id"],
                columns["entities"],
                vectors,
                columns["title"],
                columns["text"],
                columns["language"],
                strict=True,
            )
        ]


def _float32_vectors(column: pa.ChunkedArray) -> list:
    """Each row's list of floats as a float32 array, read from Arrow's buffer: not through a
    Python float per value (eight times the vectors' own size, for a window of thousands)."""
    import numpy as np  # only here: a run with nothing new never imports it

    out: list = []
    for chunk in column.chunks:
        lengths = pc.fill_null(pc.list_value_length(chunk), 0).to_numpy(zero_copy_only=False)
        flat = pc.list_flatten(chunk).to_numpy(zero_copy_only=False)
        flat = flat.astype(np.float32, copy=False)
        ends = np.cumsum(lengths)
        nulls = chunk.is_null().to_numpy(zero_copy_only=False)
        for i, end in enumerate(ends.tolist()):
            if nulls[i]:
                out.append(np.asarray(None, dtype=np.float32))  # as np.asarray(None) always did
            else:
                out.append(flat[end - int(lengths[i]) : end])
    return out


if __name__ == "__main__":
    print("-- Generated from src/newsetl/schema.py by `make schema`; do not edit by hand.\n")
    print(ddl())
    print(search_macros())
