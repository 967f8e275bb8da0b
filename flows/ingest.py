"""The ingest flow: sources -> raw archive -> articles -> Parquet lake -> DuckDB."""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Annotated

from prefect import flow, unmapped
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import Field

from newsetl.config import Settings
from newsetl.fetch.archive import seen_url_keys
from newsetl.fetch.http import Fetcher
from newsetl.fetch.state import ConditionalCache
from newsetl.records import Reject
from newsetl.report import RunSummary, format_summary
from newsetl.serve import serve_folder
from newsetl.sources import load_sources
from newsetl.storage.warehouse import Warehouse
from newsetl_flows.tasks import (
    acquire,
    archive,
    chunked,
    process_chunk,
    publish,
    record_run,
    summarise,
    write_and_load,
)

SourcesParam = Annotated[
    str | None, Field(description="Sources file (TOML). Empty: $NEWSETL_SOURCES or the bundled sample.")]
WarehouseParam = Annotated[
    str | None, Field(description="Warehouse folder. Empty: $NEWSETL_WAREHOUSE or ./warehouse.")]


def current_run_id() -> str:
    return str(flow_run.get_id() or uuid.uuid4())


@flow(name="ingest", log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=8))
def ingest(
    sources: SourcesParam = None,
    warehouse: WarehouseParam = None,
) -> dict:
    """One ingest run: discover, fetch, extract, clean, enrich, write Parquet, load DuckDB."""
    overrides = {k: v for k, v in (("sources", sources), ("warehouse", warehouse)) if v}
    settings = Settings(**overrides)
    config = load_sources(settings.sources)
    store = Warehouse(settings.warehouse)
    store.prepare()
    run_id = current_run_id()
    started = datetime.now(UTC)
    summary = RunSummary(run_id=run_id, flow="ingest", status="running")
    rejects: list[Reject] = []
    try:
        site = serve_folder(config.serve.root, config.serve.port) if config.serve else nullcontext()
        cache = ConditionalCache(store.root / "state" / "conditional-get.json")
        with site:
            seen = seen_url_keys(store.raw)
            fetcher = Fetcher(settings)
            results = acquire.map(config.sources, fetcher=unmapped(fetcher), run_id=unmapped(run_id),
                                  seen=unmapped(seen), cache=unmapped(cache)).result()
        pages = [page for result in results for page in result.pages]
        for result in results:
            rejects += result.rejects
            summary.skipped += result.skipped
            summary.not_modified += result.not_modified
        summary.fetched = len(pages)
        archive(pages + [doc for result in results for doc in result.documents], store)
        cache.save()  # only once the responses it vouches for are archived
        drop_patterns = {s.name: s.drop_patterns for s in config.sources if s.drop_patterns}
        for chunk in chunked(pages, settings.chunk_size):
            processed = process_chunk(chunk, store, settings, drop_patterns)
            new = write_and_load(processed, store)
            summary.new_articles += new
            summary.updated_articles += len(processed.articles) - new
            summary.duplicates += processed.duplicates
            rejects += processed.rejects
        summary.status = "completed"
    except Exception:
        summary.status = "failed"
        record_run(summarise(summary, rejects, store), rejects, started, store)
        raise
    record_run(summarise(summary, rejects, store), rejects, started, store)
    publish(summary)
    print(format_summary(summary))
    return summary.to_dict()


if __name__ == "__main__":
    ingest()
