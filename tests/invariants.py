"""The invariant every completed run, recovery, rebuild and maintenance must leave: the lake,
read by a plain Parquet reader (every file, no newsetl logic), holds exactly what DuckDB holds."""

from __future__ import annotations

from pathlib import Path

import duckdb

from newsetl.schema import TABLES
from newsetl.storage.lake import has_files, table_glob


def lake_minus_duckdb(root: Path) -> dict[str, tuple[int, int, int, int]]:
    """Per table: (lake rows, DuckDB rows, rows only in the lake, rows only in DuckDB)."""
    root = Path(root)
    con = duckdb.connect()
    con.execute(f"attach '{root / 'newsetl.duckdb'}' as wh (read_only)")
    found = {}
    try:
        for name, spec in TABLES.items():
            columns = ", ".join(f.name for f in spec.schema)
            held = f"select {columns} from wh.{spec.sql_name}"
            if has_files(root / "lake", name):
                lake = (
                    f"select {columns} from read_parquet('{table_glob(root / 'lake', name)}', "
                    f"hive_partitioning = true, hive_types = {{'{spec.partition}': DATE}}, "
                    "union_by_name = true)"
                )
            else:
                lake = f"{held} limit 0"
            count = lambda sql: con.execute(f"select count(*) from ({sql})").fetchone()[0]  # noqa: E731
            found[name] = (
                count(lake),
                count(held),
                count(f"{lake} except all {held}"),
                count(f"{held} except all {lake}"),
            )
    finally:
        con.close()
    return found


def assert_lake_matches_duckdb(root: Path) -> None:
    found = lake_minus_duckdb(root)
    wrong = {name: v for name, v in found.items() if v[0] != v[1] or v[2] or v[3]}
    assert not wrong, f"lake and DuckDB disagree (lake, duckdb, only lake, only duckdb): {wrong}"
