"""The hive-partitioned Parquet lake: DIR/lake/<table>/<partition>=<value>/part-*.parquet.

Writes are atomic (temporary file, then rename) and merge by key: rewriting a partition
replaces the rows of the same articles, so the lake never holds an article twice.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newsetl.schema import Table
from newsetl.storage.queries import sql

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def write_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def part_name(tag: str = "") -> str:
    """A new file name that sorts in write order (within a tag, such as a run id)."""
    prefix = f"part-{tag}-" if tag else "part-"
    return f"{prefix}{time.time_ns()}-{uuid.uuid4().hex[:8]}.parquet"


def partition_value(value: object) -> str:
    return NULL_PARTITION if value is None else str(value)


def split_by_partition(table: pa.Table, column: str) -> Iterator[tuple[str, pa.Table]]:
    """Yield (partition folder value, rows without the partition column)."""
    if table.num_rows == 0:
        return
    values = table.column(column)
    for value in pc.unique(values).to_pylist():
        mask = (
            pc.is_null(values) if value is None else pc.equal(values, pa.scalar(value, values.type))
        )
        yield partition_value(value), table.filter(mask).drop_columns([column])


PART = re.compile(r"^part-(?:(?P<tag>.+)-)?(?P<ns>\d{12,})-[0-9a-f]{8}\.parquet$")


def part_tag(path: Path) -> str:
    """The tag (a run id, for raw files) written into a file's name, or ''."""
    match = PART.match(path.name)
    return (match.group("tag") or "") if match else ""


def by_write_order(files) -> list[Path]:
    """Files oldest first (their names carry the write time in nanoseconds)."""

    def when(path: Path) -> tuple[int, str]:
        match = PART.match(path.name)
        return (int(match.group("ns")) if match else 0, path.name)

    return sorted(files, key=when)


def read_partition(folder: Path, key: str = "") -> pa.Table | None:
    """All rows of a partition. For a keyed table, the newest file only: a merge writes the
    partition's whole new state (all rows of every key, child rows included) into one new file
    before it deletes the old ones, so after a crash in between the newest file is the truth
    and the older ones are stale."""
    files = by_write_order(folder.glob("*.parquet"))
    if not files:
        return None
    if key:
        files = files[-1:]
    return pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")


def heal_partitions(lake: Path) -> int:
    """Finish the merges a crash interrupted: in each partition of a keyed table, delete the
    files older than the newest (and the newest too when it is an empty marker). Returns the
    number of partitions healed. Run under the warehouse lock."""
    from newsetl.schema import TABLES

    healed = 0
    for spec in TABLES.values():
        if not spec.key or not (lake / spec.name).exists():
            continue
        for folder in sorted(p for p in (lake / spec.name).iterdir() if p.is_dir()):
            files = by_write_order(folder.glob("*.parquet"))
            newest = files[-1] if files else None
            empty = newest is not None and pq.ParquetFile(newest).metadata.num_rows == 0
            if len(files) < 2 and not empty:
                continue
            for stale in files[:-1] + ([files[-1]] if empty else []):
                stale.unlink(missing_ok=True)
            healed += 1
    for leftover in lake.rglob(".*.tmp") if lake.exists() else []:
        leftover.unlink(missing_ok=True)  # a write that died before its rename
    return healed


def _write_order(path: Path) -> tuple[int, str]:
    match = PART.match(path.name)
    return (int(match.group("ns")) if match else 0, path.name)


def partitions_holding(spec: Table, lake: Path, keys: pa.Array) -> set[str]:
    """Partition folder values where any of `keys` is stored now (reads the key column only)."""
    if not has_files(lake, spec.name) or len(keys) == 0:
        return set()
    con = duckdb.connect()
    con.register("wanted", pa.table({"key": keys}))
    rows = con.execute(
        sql("lake_partitions_holding", partition=spec.partition, key=spec.key),
        [table_glob(lake, spec.name)],
    ).fetchall()
    con.close()
    return {partition_value(r[0]) for r in rows}


def write_table(
    spec: Table,
    rows: pa.Table,
    lake: Path,
    *,
    merge: bool = True,
    keys: pa.Array | None = None,
    tag: str = "",
    holding: set[str] | None = None,
) -> list[Path]:
    """Merge rows into their partitions of `lake/<table>`; returns the files written.

    With merge, every stored row whose key is in `keys` (default: the keys of `rows`) is
    replaced, in whichever partition it is - so an article whose date changed, or that lost
    all its rows in a child table, is not kept twice or stale. Keyless tables are appended.
    `holding` names the partitions where the keys are stored now, when the caller knows them
    (the warehouse does, from DuckDB); without it they are found by reading the lake's keys.
    """
    written: list[Path] = []
    if not (merge and spec.key):
        for value, part in split_by_partition(rows, spec.partition):
            target = lake / spec.name / f"{spec.partition}={value}" / part_name(tag)
            write_atomic(part, target)
            written.append(target)
        return written
    if keys is None:
        keys = pc.unique(rows.column(spec.key).combine_chunks())
    new_parts = dict(split_by_partition(rows, spec.partition))
    if holding is None:
        holding = partitions_holding(spec, lake, keys)
    for value in sorted(set(new_parts) | holding):
        folder = lake / spec.name / f"{spec.partition}={value}"
        parts = []
        existing = read_partition(folder, spec.key)
        if existing is not None and existing.num_rows:
            parts.append(
                existing.filter(pc.invert(pc.is_in(existing.column(spec.key), value_set=keys)))
            )
        if value in new_parts:
            parts.append(new_parts[value])
        if not parts:  # a partition where this table holds nothing (the key is in another table)
            continue
        columns = [f.name for f in spec.schema if f.name != spec.partition]
        empty = spec.schema.remove(spec.schema.get_field_index(spec.partition)).empty_table()
        merged = pa.concat_tables([p.select(columns) for p in parts] or [empty])
        old = list(folder.glob("*.parquet"))
        target = folder / part_name()
        # The new state goes in first, even when it is empty (then as a marker that the old
        # files are stale), so a crash before the old files are gone can be healed.
        write_atomic(merged, target)
        for stale in old:
            stale.unlink(missing_ok=True)
        if merged.num_rows:
            written.append(target)
        else:
            target.unlink(missing_ok=True)
    return written


def table_glob(lake: Path, name: str) -> str:
    return str(lake / name / "**" / "*.parquet")


def has_files(lake: Path, name: str) -> bool:
    return any((lake / name).glob("*/*.parquet"))


def read_rows(spec: Table, lake: Path, key_values: list[str]) -> pa.Table:
    """Rows of a keyed table whose key is in `key_values`, with the table's schema."""
    if not has_files(lake, spec.name) or not key_values:
        return spec.empty()
    con = duckdb.connect()
    columns = ", ".join(f.name for f in spec.schema)
    table = con.sql(
        sql("lake_rows_by_key", columns=columns, partition=spec.partition, key=spec.key),
        params={"glob": table_glob(lake, spec.name), "keys": key_values},
    ).to_arrow_table()
    con.close()
    return table.cast(spec.schema)


def read_columns(spec: Table, lake: Path, columns: list[str]) -> list[tuple]:
    """Values of a few columns of every stored row (the partition column comes back typed)."""
    if not has_files(lake, spec.name):
        return []
    con = duckdb.connect()
    try:
        return con.execute(
            sql("lake_columns", columns=", ".join(columns), partition=spec.partition),
            [table_glob(lake, spec.name)],
        ).fetchall()
    finally:
        con.close()


def drop_rows(spec: Table, lake: Path, column: str, values: list[str]) -> None:
    """Remove the stored rows whose `column` is one of `values`, file by file, atomically."""
    folder = lake / spec.name
    for path in folder.glob("*/*.parquet") if folder.exists() else []:
        table = pq.read_table(path)
        keep = pc.invert(pc.is_in(table.column(column), value_set=pa.array(values)))
        if pc.all(keep).as_py():
            continue
        kept = table.filter(keep)
        if kept.num_rows:
            write_atomic(kept, path.with_name(part_name()))
        path.unlink()
