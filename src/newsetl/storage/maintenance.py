"""Housekeeping: fewer, larger Parquet files; the search index in term order; a checkpointed
DuckDB; expired raw data gone."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from newsetl.schema import TABLES
from newsetl.storage.lake import by_write_order, part_name, part_tag, write_atomic
from newsetl.storage.warehouse import Warehouse


@dataclass
class MaintenanceReport:
    compacted_partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    expired_raw_days: list[str] = field(default_factory=list)
    checkpointed: bool = False
    search_index_sorted: bool = False


def summary_line(report: dict) -> str:
    """What a maintenance run did, in one line (the flow's artifact and log, the CLI's output);
    `report` is a `MaintenanceReport` as a dict (what the flow returns)."""
    return (
        f"compacted {report['compacted_partitions']} partitions "
        f"({report['files_before']} -> {report['files_after']} files), expired "
        f"{len(report['expired_raw_days'])} raw days, search index "
        f"{'sorted' if report['search_index_sorted'] else 'left as it was'}, DuckDB "
        f"{'checkpointed' if report['checkpointed'] else 'absent'}"
    )


def compact_folder(table_dir: Path, report: MaintenanceReport, key: str = "") -> None:
    """Rewrite each partition's files as one file per tag (a raw file keeps its run id in its
    name); atomic: the new file first, then the old ones go. A keyed table's partition is
    already one file after each merge; more means a merge was interrupted, and its newest file
    is the whole truth (storage.lake.read_partition), so the older ones just go."""
    for folder in sorted(p for p in table_dir.iterdir() if p.is_dir()):
        if key:
            files = by_write_order(folder.glob("*.parquet"))
            report.files_before += len(files)
            report.files_after += min(len(files), 1)
            if len(files) > 1:
                for stale in files[:-1]:
                    stale.unlink(missing_ok=True)
                report.compacted_partitions += 1
            continue
        groups: dict[str, list[Path]] = {}
        for path in sorted(folder.glob("*.parquet")):
            groups.setdefault(part_tag(path), []).append(path)
        for tag, files in groups.items():
            report.files_before += len(files)
            report.files_after += 1 if len(files) > 1 else len(files)
            if len(files) < 2:
                continue
            merged: pa.Table = pa.concat_tables(
                [pq.read_table(f) for f in files], promote_options="default"
            )
            write_atomic(merged, folder / part_name(tag))
            for old in files:
                old.unlink()
            report.compacted_partitions += 1


def expire_raw(
    raw_table_dir: Path, retention_days: int, today: date, report: MaintenanceReport
) -> None:
    """Delete raw partitions fetched more than `retention_days` before `today`."""
    cutoff = today - timedelta(days=retention_days)
    for folder in sorted(p for p in raw_table_dir.iterdir() if p.is_dir() and "=" in p.name):
        try:
            fetched = date.fromisoformat(folder.name.split("=", 1)[1])
        except ValueError:
            continue
        if fetched < cutoff:
            shutil.rmtree(folder)
            report.expired_raw_days.append(fetched.isoformat())


def maintain(warehouse: Warehouse, retention_days: int | None, today: date) -> MaintenanceReport:
    with warehouse.exclusive(), warehouse.changing_lake():  # loads and rebuilds wait meanwhile
        return _maintain(warehouse, retention_days, today)


def _maintain(warehouse: Warehouse, retention_days: int | None, today: date) -> MaintenanceReport:
    report = MaintenanceReport()
    raw_table = warehouse.raw / "raw_pages"
    if retention_days and raw_table.exists():
        expire_raw(raw_table, retention_days, today, report)
    for root in (warehouse.lake, warehouse.raw):
        if root.exists():
            for table_dir in sorted(p for p in root.iterdir() if p.is_dir()):
                spec = TABLES.get(table_dir.name)
                compact_folder(table_dir, report, spec.key if spec else "")
    report.search_index_sorted = warehouse.sort_search_index()
    report.checkpointed = warehouse.checkpoint()
    return report
