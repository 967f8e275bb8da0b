"""The reprocess flow: rebuild lake and DuckDB from the raw archive, with no network."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from typing import Annotated

from prefect import flow
from pydantic import Field

from newsetl.config import Settings
from newsetl.fetch.archive import read_raw
from newsetl.records import Reject
from newsetl.report import RunSummary, format_summary
from newsetl.storage.warehouse import Warehouse
from newsetl_flows.ingest import current_run_id
from newsetl_flows.tasks import process_chunk, publish, record_run, summarise, write_and_load

KEPT_HISTORY = ("runs", "rejects")  # what a rebuild carries over instead of recomputing


@flow(name="reprocess", log_prints=True)
def reprocess(
    warehouse: Annotated[str | None, Field(description="Warehouse folder. Empty: $NEWSETL_WAREHOUSE or ./warehouse.")] = None,
) -> dict:
    """Re-extract, re-clean and re-enrich every archived page into a fresh lake and database."""
    settings = Settings(**({"warehouse": warehouse} if warehouse else {}))
    live = Warehouse(settings.warehouse)
    staged = live.staging()
    for name in KEPT_HISTORY:
        if (live.lake / name).exists():
            shutil.copytree(live.lake / name, staged.lake / name)
    run_id = current_run_id()
    started = datetime.now(UTC)
    summary = RunSummary(run_id=run_id, flow="reprocess", status="running")
    rejects: list[Reject] = []
    for pages in read_raw(live.raw, batch_rows=settings.chunk_size):
        summary.fetched += len(pages)
        processed = process_chunk(pages, staged, settings, {})
        summary.new_articles += write_and_load(processed, staged)
        summary.duplicates += processed.duplicates
        rejects += processed.rejects
    with staged.writer() as con:
        staged.rebuild_from_lake(con, KEPT_HISTORY)
    summary.status = "completed"
    record_run(summarise(summary, rejects, staged), rejects, started, staged)
    live.replace_with(staged)
    summary.warehouse = str(live.root.resolve())
    publish(summary)
    print(format_summary(summary))
    return summary.to_dict()
