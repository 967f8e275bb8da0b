"""The reprocess flow: rebuild lake and DuckDB from the raw archive, with no network."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

from prefect import flow

from newsetl.config import Settings
from newsetl.fetch.archive import count_raw_pages, read_raw
from newsetl.records import Reject
from newsetl.report import RunSummary, format_summary
from newsetl.sources import SourcesError, load_sources
from newsetl.storage.warehouse import Warehouse
from newsetl_flows.ingest import RUNNER, current_run_id
from newsetl_flows.parameters import SourcesParam, WarehouseParam
from newsetl_flows.tasks import process_and_load, publish, record_run, summarise

KEPT_HISTORY = ("runs", "rejects")  # what a rebuild carries over instead of recomputing


@flow(name="reprocess", log_prints=True, task_runner=RUNNER)
def reprocess(warehouse: WarehouseParam = None, sources: SourcesParam = None) -> dict:
    """Re-extract, re-clean and re-enrich every archived page into a fresh lake and database.

    Args:
        warehouse: Warehouse folder whose raw archive is replayed. Empty: $NEWSETL_WAREHOUSE or ./warehouse.
        sources: Sources file whose per-source drop_patterns apply again. Empty: $NEWSETL_SOURCES or the sample.
    """
    settings = Settings(**{k: v for k, v in (("sources", sources), ("warehouse", warehouse)) if v})
    try:
        drop_patterns = {s.name: s.drop_patterns for s in load_sources(settings.sources).sources if s.drop_patterns}
    except SourcesError:
        drop_patterns = {}
    live = Warehouse(settings.warehouse)
    with live.exclusive():  # ingest runs wait: nothing may land in the layers being replaced
        return rebuild(live, settings, drop_patterns)


def rebuild(live: Warehouse, settings: Settings, drop_patterns: dict[str, list[str]]) -> dict:
    staged = live.staging()
    for name in KEPT_HISTORY:
        if (live.lake / name).exists():
            shutil.copytree(live.lake / name, staged.lake / name)
    started = datetime.now(UTC)
    summary = RunSummary(run_id=current_run_id(), flow="reprocess", status="running")
    rejects: list[Reject] = []
    summary.fetched = count_raw_pages(live.raw)
    process_and_load(read_raw(live.raw, batch_rows=settings.wave_size), summary.fetched, staged, settings,
                     drop_patterns, summary, rejects)
    with staged.writer() as con:
        staged.rebuild_from_lake(con, KEPT_HISTORY)
    summary.status = "completed"
    record_run(summarise(summary, rejects, staged, settings), rejects, started, staged)
    live.replace_with(staged)
    summary.warehouse = str(live.root.resolve())
    publish(summary)
    print(format_summary(summary))
    return summary.to_dict()
