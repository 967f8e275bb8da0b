"""The reprocess flow: rebuild lake and DuckDB from the raw archive, with no network."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from prefect import flow

from newsetl.config import Settings
from newsetl.fetch.archive import count_raw_pages, raw_files, read_raw
from newsetl.pipeline import write_lake
from newsetl.records import Reject
from newsetl.report import RunSummary, format_summary
from newsetl.schema import ARTICLE_TABLES, TABLES
from newsetl.sources import SourcesError, load_sources
from newsetl.storage.lake import has_files, part_name, read_rows, table_glob, write_atomic
from newsetl.storage.warehouse import Warehouse
from newsetl_flows.ingest import RUNNER, current_run_id
from newsetl_flows.parameters import SourcesParam, WarehouseParam
from newsetl_flows.tasks import process_and_load, publish, record_run, summarise

KEPT_HISTORY = ("runs", "rejects")  # what a rebuild carries over instead of recomputing
RECOMPUTED_STAGES = ("extract", "clean")  # their rejects are made again by the rebuild


@flow(name="reprocess", log_prints=True, task_runner=RUNNER)
def reprocess(warehouse: WarehouseParam = None, sources: SourcesParam = None) -> dict:
    """Re-extract, re-clean and re-enrich every archived page into a fresh lake and database.

    Args:
        warehouse: Warehouse folder whose raw archive is replayed. Empty: $NEWSETL_WAREHOUSE or ./warehouse.
        sources: Sources file whose per-source drop_patterns apply again. Empty: $NEWSETL_SOURCES or the sample.
    """
    settings = Settings(**{k: v for k, v in (("sources", sources), ("warehouse", warehouse)) if v})
    try:
        drop_patterns = {
            s.name: s.drop_patterns
            for s in load_sources(settings.sources).sources
            if s.drop_patterns
        }
    except SourcesError:
        drop_patterns = {}
    live = Warehouse(settings.warehouse)
    with live.exclusive():  # ingest runs wait: nothing may land in the layers being replaced
        return rebuild(live, settings, drop_patterns)


def drop_recomputed_rejects(folder) -> None:
    """Extraction and cleaning rejects of earlier runs go: the rebuild decides those again."""
    for path in folder.glob("*/*.parquet") if folder.exists() else []:
        table = pq.read_table(path)
        keep = pc.invert(pc.is_in(table.column("stage"), value_set=pa.array(RECOMPUTED_STAGES)))
        if pc.all(keep).as_py():
            continue
        kept = table.filter(keep)
        if kept.num_rows:
            write_atomic(kept, path.with_name(part_name()))
        path.unlink()


def carry_over_unrebuildable(live: Warehouse, staged: Warehouse) -> int:
    """Articles whose raw response is no longer archived cannot be rebuilt: keep them as they are."""
    articles = TABLES["articles"]
    if not has_files(live.lake, "articles"):
        return 0
    con = duckdb.connect()
    raw = raw_files(live.raw)
    raw_ids = (
        {
            r[0]
            for r in con.execute(
                "select raw_id from read_parquet(?, union_by_name = true)", [[str(f) for f in raw]]
            ).fetchall()
        }
        if raw
        else set()
    )
    rebuilt = (
        {
            r[0]
            for r in con.execute(
                "select article_id from read_parquet(?)", [table_glob(staged.lake, "articles")]
            ).fetchall()
        }
        if has_files(staged.lake, "articles")
        else set()
    )
    stored = con.execute(
        f"select article_id, raw_id from read_parquet(?, hive_partitioning = true, "
        f"hive_types = {{'{articles.partition}': DATE}})",
        [table_glob(live.lake, "articles")],
    ).fetchall()
    con.close()
    orphans = sorted(a for a, r in stored if r not in raw_ids and a not in rebuilt)
    if orphans:
        tables = {name: read_rows(TABLES[name], live.lake, orphans) for name in ARTICLE_TABLES}
        write_lake(tables, staged)
        with staged.writer() as con:
            staged.load(con, tables)
    return len(orphans)


def rebuild(live: Warehouse, settings: Settings, drop_patterns: dict[str, list[str]]) -> dict:
    staged = live.staging()
    for name in KEPT_HISTORY:
        if (live.lake / name).exists():
            shutil.copytree(live.lake / name, staged.lake / name)
    drop_recomputed_rejects(staged.lake / "rejects")
    started = datetime.now(UTC)
    summary = RunSummary(run_id=current_run_id(), flow="reprocess", status="running")
    rejects: list[Reject] = []
    summary.fetched = count_raw_pages(live.raw)
    process_and_load(
        read_raw(live.raw, batch_rows=settings.wave_size),
        summary.fetched,
        staged,
        settings,
        drop_patterns,
        summary,
        rejects,
    )
    carried = carry_over_unrebuildable(live, staged)
    if carried:
        print(
            f"{carried} articles whose raw responses are gone (raw retention) were kept as they were"
        )
    with staged.writer() as con:
        staged.rebuild_from_lake(con, KEPT_HISTORY)
    summary.status = "completed"
    record_run(summarise(summary, rejects, staged, settings), rejects, started, staged)
    live.replace_with(staged)
    summary.warehouse = str(live.root.resolve())
    publish(summary, live)
    print(format_summary(summary))
    return summary.to_dict()
