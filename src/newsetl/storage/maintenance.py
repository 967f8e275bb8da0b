"""Housekeeping: fewer, larger Parquet files; a checkpointed DuckDB; raw data past retention gone."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa

from newsetl.storage.lake import part_name, read_partition, write_atomic
from newsetl.storage.warehouse import Warehouse


@dataclass
class MaintenanceReport:
    compacted_partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    expired_raw_days: list[str] = field(default_factory=list)
    checkpointed: bool = False


def compact_folder(table_dir: Path, report: MaintenanceReport) -> None:
    """Rewrite each partition holding several files as one file (atomic: new file first)."""
    for folder in sorted(p for p in table_dir.iterdir() if p.is_dir()):
        files = sorted(folder.glob("*.parquet"))
        report.files_before += len(files)
        if len(files) < 2:
            report.files_after += len(files)
            continue
        merged: pa.Table = read_partition(folder)
        write_atomic(merged, folder / part_name())
        for old in files:
            old.unlink()
        report.compacted_partitions += 1
        report.files_after += 1


def expire_raw(raw_table_dir: Path, retention_days: int, today: date, report: MaintenanceReport) -> None:
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
    with warehouse.exclusive():  # loads and rebuilds wait while files are rewritten
        return _maintain(warehouse, retention_days, today)


def _maintain(warehouse: Warehouse, retention_days: int | None, today: date) -> MaintenanceReport:
    report = MaintenanceReport()
    raw_table = warehouse.raw / "raw_pages"
    if retention_days and raw_table.exists():
        expire_raw(raw_table, retention_days, today, report)
    for root in (warehouse.lake, warehouse.raw):
        if root.exists():
            for table_dir in sorted(p for p in root.iterdir() if p.is_dir()):
                compact_folder(table_dir, report)
    if warehouse.db_path.exists():
        with warehouse.writer() as con:
            con.execute("checkpoint")
        report.checkpointed = True
    return report
