"""The hive-partitioned Parquet lake: DIR/lake/<table>/<partition>=<value>/part-*.parquet.

Writes are atomic (temporary file, then rename) and merge by key: rewriting a partition
replaces the rows of the same articles, so the lake never holds an article twice.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newsetl.schema import Table

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def write_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def part_name() -> str:
    """A new file name that sorts in write order."""
    return f"part-{time.time_ns()}-{uuid.uuid4().hex[:8]}.parquet"


def partition_value(value: object) -> str:
    return NULL_PARTITION if value is None else str(value)


def split_by_partition(table: pa.Table, column: str) -> Iterator[tuple[str, pa.Table]]:
    """Yield (partition folder value, rows without the partition column)."""
    if table.num_rows == 0:
        return
    values = table.column(column)
    for value in pc.unique(values).to_pylist():
        mask = pc.is_null(values) if value is None else pc.equal(values, pa.scalar(value, values.type))
        yield partition_value(value), table.filter(mask).drop_columns([column])


def read_partition(folder: Path) -> pa.Table | None:
    files = sorted(folder.glob("*.parquet"))
    if not files:
        return None
    return pa.concat_tables([pq.read_table(f) for f in files], promote_options="default")


def write_table(spec: Table, rows: pa.Table, lake: Path, *, merge: bool = True) -> list[Path]:
    """Merge rows into their partitions of `lake/<table>`; returns the files written.

    With merge, existing rows of the same key are replaced (keyless tables are appended).
    """
    written: list[Path] = []
    for value, part in split_by_partition(rows, spec.partition):
        folder = lake / spec.name / f"{spec.partition}={value}"
        if merge and spec.key:
            existing = read_partition(folder)
            if existing is not None and existing.num_rows:
                keep = pc.invert(pc.is_in(existing.column(spec.key), value_set=part.column(spec.key)))
                part = pa.concat_tables([existing.filter(keep).select(part.column_names), part])
            old = list(folder.glob("*.parquet"))
            target = folder / part_name()
            write_atomic(part, target)
            for stale in old:
                stale.unlink(missing_ok=True)
        else:
            target = folder / part_name()
            write_atomic(part, target)
        written.append(target)
    return written


def table_glob(lake: Path, name: str) -> str:
    return str(lake / name / "**" / "*.parquet")


def has_files(lake: Path, name: str) -> bool:
    return any((lake / name).glob("*/*.parquet"))
