"""The ingest and backfill flows: sources -> raw archive -> articles -> Parquet lake -> DuckDB."""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from datetime import UTC, date, datetime

from prefect import flow
from prefect.runtime import flow_run

from newsetl.config import Settings
from newsetl.fetch.archive import (
    count_raw_pages,
    raw_files,
    read_raw,
    seen_url_keys,
    unfinished_run_files,
)
from newsetl.fetch.state import ConditionalCache
from newsetl.records import Reject
from newsetl.report import RunSummary, format_summary
from newsetl.serve import serve_folder
from newsetl.sources import load_sources
from newsetl.storage.lake import part_tag
from newsetl.storage.warehouse import Warehouse
from newsetl_flows.parameters import DateRange, LimitParam, SourcesParam, WarehouseParam
from newsetl_flows.tasks import (
    acquire_all,
    cpu_task_runner,
    process_and_load,
    publish,
    record_run,
    summarise,
)

# Read once at import: a deployment switches to Dask through its environment, not its code.
RUNNER = cpu_task_runner(Settings())


def current_run_id() -> str:
    return str(flow_run.get_id() or uuid.uuid4())


def run_ingest(
    flow_name: str,
    sources: str | None,
    warehouse: str | None,
    max_articles: int | None,
    window: tuple[date, date] | None = None,
) -> dict:
    """One run of discover -> fetch -> archive -> process -> load, recorded in `runs` whatever happens."""
    settings = Settings(**{k: v for k, v in (("sources", sources), ("warehouse", warehouse)) if v})
    config = load_sources(settings.sources)
    if max_articles:
        for source in config.sources:
            source.max_articles = min(source.max_articles or max_articles, max_articles)
    store = Warehouse(settings.warehouse)
    store.prepare()
    started = datetime.now(UTC)
    summary = RunSummary(run_id=current_run_id(), flow=flow_name, status="running")
    rejects: list[Reject] = []
    earlier: list = []
    try:
        cache = ConditionalCache(store.root / "state" / "conditional-get.json")
        site = serve_folder(config.serve.root, config.serve.port) if config.serve else nullcontext()
        with site:
            results = acquire_all(
                config.sources,
                settings,
                summary.run_id,
                seen_url_keys(store.raw),
                cache,
                store.raw,
                window,
            )
        for result in results:
            rejects += result.rejects
            summary.skipped += result.skipped
            summary.not_modified += result.not_modified
        cache.save()  # only once the responses it vouches for are archived
        drop_patterns = {s.name: s.drop_patterns for s in config.sources if s.drop_patterns}
        # What this run archived, found by name (also what a failed attempt of a retried task
        # kept), and what runs that never completed archived: once in the archive a page is not
        # fetched again, so it must become an article (or a reject) here.
        own = raw_files(store.raw, summary.run_id)
        earlier = unfinished_run_files(store.raw, store.finished_runs() | {summary.run_id})
        summary.fetched = count_raw_pages(store.raw, own)
        summary.recovered = count_raw_pages(store.raw, earlier) if earlier else 0
        process_and_load(
            read_raw(store.raw, settings.wave_size, earlier + own),
            summary.fetched + summary.recovered,
            store,
            settings,
            drop_patterns,
            summary,
            rejects,
        )
        summary.status = "completed"
    except Exception:
        summary.status = "failed"
        try:
            record_run(summarise(summary, rejects, store, settings), rejects, started, store)
        except Exception as err:  # the run's own failure is the one to report
            print(f"could not record the failed run: {err}")
        raise
    record_run(
        summarise(summary, rejects, store, settings),
        rejects,
        started,
        store,
        sorted({part_tag(path) for path in earlier}),
    )
    publish(summary, store)
    print(format_summary(summary))
    return summary.to_dict()


@flow(name="ingest", log_prints=True, task_runner=RUNNER)
def ingest(
    sources: SourcesParam = None,
    warehouse: WarehouseParam = None,
    max_articles_per_source: LimitParam = None,
) -> dict:
    """One ingest run: discover, fetch, extract, clean, enrich, write Parquet, load DuckDB.

    Args:
        sources: Sources file (TOML). Empty: $NEWSETL_SOURCES or the bundled sample, examples/sources.toml.
        warehouse: Warehouse folder (DuckDB file, Parquet lake, raw archive). Empty: $NEWSETL_WAREHOUSE or ./warehouse.
        max_articles_per_source: New articles fetched per source at most in this run. Empty: no limit.
    """
    return run_ingest("ingest", sources, warehouse, max_articles_per_source)


@flow(name="backfill", log_prints=True, task_runner=RUNNER)
def backfill(
    dates: DateRange,
    sources: SourcesParam = None,
    warehouse: WarehouseParam = None,
    max_articles_per_source: LimitParam = None,
) -> dict:
    """Ingest what the sources list for a range of publication dates (sitemaps, archives, feeds).

    Args:
        dates: Publication dates to take, both ends included; items without a date are taken too.
        sources: Sources file (TOML). Empty: $NEWSETL_SOURCES or the bundled sample, examples/sources.toml.
        warehouse: Warehouse folder (DuckDB file, Parquet lake, raw archive). Empty: $NEWSETL_WAREHOUSE or ./warehouse.
        max_articles_per_source: New articles fetched per source at most in this run. Empty: no limit.
    """
    return run_ingest(
        "backfill", sources, warehouse, max_articles_per_source, (dates.start, dates.end)
    )


if __name__ == "__main__":
    ingest()
