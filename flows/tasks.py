"""Prefect tasks shared by the flows: each wraps one library stage over a batch."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from newsetl.config import Settings
from newsetl.discover import discover
from newsetl.fetch.archive import write_raw
from newsetl.fetch.http import Fetcher
from newsetl.fetch.pages import FetchResult, fetch_pages
from newsetl.fetch.state import ConditionalCache
from newsetl.pipeline import Processed, process_pages, to_tables, write_lake
from newsetl.records import RawPage, Reject
from newsetl.report import RunSummary, fill_breakdowns, summary_markdown
from newsetl.sources import Source
from newsetl.storage.rows import reject_table, run_table
from newsetl.storage.warehouse import Warehouse


@task(name="acquire", retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=5),
      cache_policy=NO_CACHE, task_run_name="acquire-{source.name}")
def acquire(source: Source, fetcher: Fetcher, run_id: str, seen: set[str],
            cache: ConditionalCache) -> FetchResult:
    """Discover one source's candidates and fetch the ones not seen before."""
    found = discover(source, fetcher, run_id, cache)
    result = fetch_pages(source, found.candidates, fetcher, run_id, seen, workers=fetcher.settings.host_concurrency * 2)
    result.documents += found.documents
    result.rejects = found.rejects + result.rejects
    result.not_modified += found.not_modified
    get_run_logger().info("%s: %d candidates, %d fetched, %d skipped, %d rejected%s", source.name,
                          len(found.candidates), len(result.pages), result.skipped, len(result.rejects),
                          ", feed not modified" if found.not_modified else "")
    return result


@task(name="archive-raw", cache_policy=NO_CACHE)
def archive(pages: list[RawPage], warehouse: Warehouse) -> int:
    """Keep every response in the raw archive before anything else reads it."""
    return write_raw(pages, warehouse.raw)


@task(name="process-chunk", cache_policy=NO_CACHE)
def process_chunk(pages: list[RawPage], warehouse: Warehouse, settings: Settings,
                  drop_patterns: dict[str, list[str]]) -> Processed:
    """Extract, clean and enrich a chunk of pages."""
    processed = process_pages(pages, warehouse, settings, drop_patterns)
    get_run_logger().info("chunk of %d pages: %d articles, %d rejected", len(pages),
                          len(processed.articles), len(processed.rejects))
    return processed


@task(name="write-and-load", cache_policy=NO_CACHE)
def write_and_load(processed: Processed, warehouse: Warehouse) -> int:
    """Merge a chunk into the Parquet lake, then into DuckDB; returns new articles."""
    tables = to_tables(processed)
    write_lake(tables, warehouse)
    with warehouse.writer() as con:
        return warehouse.load(con, tables)


@task(name="record-run", cache_policy=NO_CACHE)
def record_run(summary: RunSummary, rejects: list[Reject], started_at: datetime, warehouse: Warehouse) -> None:
    """Write the run row and its rejects to the lake and the warehouse."""
    finished = datetime.now(UTC)
    tables = {
        "rejects": reject_table(rejects, summary.run_id, finished),
        "runs": run_table({
            "run_id": summary.run_id, "flow": summary.flow, "started_at": started_at, "finished_at": finished,
            "status": summary.status, "fetched": summary.fetched, "new_articles": summary.new_articles,
            "duplicates": summary.duplicates, "rejected": summary.rejected,
        }),
    }
    write_lake(tables, warehouse)
    with warehouse.writer() as con:
        warehouse.load(con, tables)


def summarise(summary: RunSummary, rejects: list[Reject], warehouse: Warehouse) -> RunSummary:
    summary.rejected = len(rejects)
    summary.rejects_by_reason = dict(Counter(f"{r.stage}: {r.reason}" for r in rejects).most_common())
    summary.warehouse = str(Path(warehouse.root).resolve())
    fill_breakdowns(summary, warehouse)
    return summary


def publish(summary: RunSummary) -> None:
    """Markdown and table artifacts with stable keys, so the UI shows each run's history."""
    key = f"newsetl-{summary.flow}"
    create_markdown_artifact(key=f"{key}-summary", markdown=summary_markdown(summary),
                             description=f"newsetl {summary.flow} run summary")
    create_table_artifact(
        key=f"{key}-counts",
        table=[{"metric": k, "value": v} for k, v in (
            ("fetched", summary.fetched), ("new_articles", summary.new_articles),
            ("updated_articles", summary.updated_articles), ("duplicates", summary.duplicates),
            ("rejected", summary.rejected), ("skipped", summary.skipped),
        )] + [{"metric": f"topic: {k}", "value": v} for k, v in summary.by_topic.items()]
          + [{"metric": f"rejected: {k}", "value": v} for k, v in summary.rejects_by_reason.items()],
        description=f"newsetl {summary.flow} counts",
    )


def chunked(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]
