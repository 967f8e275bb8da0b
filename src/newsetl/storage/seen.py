"""Which page URLs the raw archive already answers for, through an index kept beside it
(DIR/state/seen.duckdb), so a run reads the archive files written since the last run, not the
whole archive, and asks about its own candidates, not every URL ever fetched.

The index is derived: it records which raw files it has read; files it has not read yet (the
last run's, or a crashed run's) are read when a run opens it, and a lost index is rebuilt from
the archive by the next run. Lookups are point queries on the key, so memory stays flat in the
archive's size.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from newsetl.storage.raw import SEEN, raw_files, scan
from newsetl.storage.warehouse import closed_checkpointed

SCHEMA = """
create table if not exists seen (url_key varchar primary key);
create table if not exists indexed_files (file varchar primary key);
"""


FILES_PER_STEP = 32  # archive files read per transaction when the index catches up


def index_path(root: Path) -> Path:
    return Path(root) / "state" / "seen.duckdb"


def catch_up(raw_dir: Path, path: Path, files: list[Path] | None = None) -> int:
    """Add the keys of archive files the index has not read yet (among `files`, the archive's
    by default); returns how many files. The caller serialises writers (the warehouse lock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The seen table's key is a primary key too: its writer closes checkpointed.
    with closed_checkpointed(duckdb.connect(str(path)), path) as con:
        con.execute(SCHEMA)
        done = {r[0] for r in con.execute("select file from indexed_files").fetchall()}
        files = raw_files(raw_dir) if files is None else files
        todo = [f for f in files if _name(f, raw_dir) not in done]
        if not todo:
            return 0
        # A few files at a time, each group in a transaction of its own with the record of its
        # files: the distinct keys and the transaction's pending rows stay as small as a group
        # (an index built over a whole archive held them all at once).
        for start in range(0, len(todo), FILES_PER_STEP):
            group = todo[start : start + FILES_PER_STEP]
            con.execute("begin transaction")
            for batch in scan(group, "distinct url_key", SEEN):
                con.register("batch_keys", batch)
                con.execute(
                    "insert or ignore into seen "
                    "select url_key from batch_keys where url_key is not null"
                )
                con.unregister("batch_keys")
            con.execute(  # one statement: executemany costs one per file
                "insert or ignore into indexed_files select unnest($1::varchar[])",
                [[_name(f, raw_dir) for f in group]],
            )
            con.execute("commit")
        return len(todo)


def _name(path: Path, raw_dir: Path) -> str:
    """An archive file's name in the index: its path under the archive (raw_files lists it
    there, so no resolving of every file: 0.07 s at 1,100 days of files)."""
    return path.relative_to(raw_dir).as_posix()


class SeenUrls:
    """Set-like view of the seen URL keys: `key in seen` asks the index (then remembers the
    answer); `seen.add(key)` marks a key taken by this run. `look_up(keys)` asks for many keys
    in one query, so that `in` has nothing left to ask for them."""

    def __init__(self, path: Path | None, archived: list[Path] | None = None) -> None:
        self._con = duckdb.connect(str(path), read_only=True) if path is not None else None
        # The archive's files when the index was brought up to date (raw_files' order).
        self.archived: list[Path] = archived or []
        self._lock = threading.Lock()
        self._known: set[str] = set()
        self._taken: dict[str, str] = {}  # key -> the source that took it in this run
        self._absent: set[str] = set()  # asked by look_up and not in the index
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []

    @classmethod
    def open(cls, raw_dir: Path, root: Path) -> SeenUrls:
        """Bring the index up to date with the archive, then open it for lookups."""
        path = index_path(root)
        archived = raw_files(raw_dir)
        if not path.exists() and not archived:
            return cls(None)
        if path.exists():  # no writer for an index that has read every file (a run with
            seen = cls(path, archived)  # nothing new: its write and checkpoint cost 20-50 ms)
            try:
                if seen._has_read(archived, raw_dir):
                    return seen
            except BaseException:
                seen.close()
                raise
            seen.close()
        catch_up(raw_dir, path, archived)
        return cls(path, archived)

    def _has_read(self, files: list[Path], raw_dir: Path) -> bool:
        """Whether the index has read each of these archive files."""
        try:
            done = {
                r[0] for r in self._cursor().execute("select file from indexed_files").fetchall()
            }
        except duckdb.CatalogException:  # an index that was never written
            return False
        return all(_name(f, raw_dir) in done for f in files)

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            assert self._con is not None, "asked an index that was never opened"
            with self._lock:
                cursor = self._local.cursor = self._con.cursor()
                self._cursors.append(cursor)
        return cursor

    def __contains__(self, key: object) -> bool:
        if key in self._known:
            return True
        if self._con is None or not isinstance(key, str) or key in self._absent:
            return False
        found = (
            self._cursor().execute("select 1 from seen where url_key = ?", [key]).fetchone()
            is not None
        )
        if found:
            with self._lock:
                self._known.add(key)
        return found

    def look_up(self, keys: Iterable[str]) -> None:
        """Answer `keys` in one join with the index. One point query costs a statement (about
        1.5 ms with a million keys stored); a join of a thousand keys costs one scan of the key
        column (about 75 ms there), and much less in a small archive."""
        if self._con is None:
            return
        asked = list({k for k in keys if k not in self._known and k not in self._absent})
        if not asked:
            return
        cursor = self._cursor()
        cursor.register("asked_keys", pa.table({"url_key": pa.array(asked, pa.string())}))
        try:
            found = {
                row[0]
                for row in cursor.execute(
                    "select url_key from seen semi join asked_keys using (url_key)"
                ).fetchall()
            }
        finally:
            cursor.unregister("asked_keys")
        with self._lock:
            self._known |= found
            self._absent.update(k for k in asked if k not in found)

    def add(self, key: str, source: str = "") -> None:
        """Mark a key taken by this run (by `source`, which keeps the page)."""
        with self._lock:
            self._known.add(key)
            self._taken[key] = source

    def taken_by(self, key: str) -> str | None:
        """The source that took `key` in this run (None: taken by an earlier run, or not)."""
        return self._taken.get(key)

    def close(self) -> None:
        with self._lock:
            for cursor in self._cursors:
                cursor.close()
            self._cursors = []
            if self._con is not None:
                self._con.close()
                self._con = None

    def __enter__(self) -> SeenUrls:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
