"""The ingest and backfill flows: sources -> raw archive -> articles -> Parquet lake -> DuckDB."""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import Failed, State

from newsetl.config import Settings, settings_for_run
from newsetl.pipeline import Acquired, Loaded, drop_patterns_of, every_source_failed
from newsetl.report import RunSummary, all_rejects, build_summary, format_summary
from newsetl.serve import serve_folder
from newsetl.sources import load_sources
from newsetl.storage.lake import part_tag
from newsetl.storage.locks import run_lock
from newsetl.storage.raw import (
    Unrecorded,
    count_raw_pages,
    raw_files,
    read_raw,
    unfinished_run_files,
    unrecorded_runs,
)
from newsetl.storage.seen import SeenUrls
from newsetl.storage.state import ConditionalCache, state_path
from newsetl.storage.warehouse import Warehouse
from newsetl_flows.parameters import (
    DateRange,
    LimitParam,
    SourcesParam,
    WarehouseParam,
    plain_parameters_as_they_are,
)
from newsetl_flows.tasks import (
    acquire_all,
    breakdowns_of,
    cpu_task_runner,
    process_and_load,
    publish,
    record_run,
)

# Read once at import: a deployment switches to Dask (and sets its time bound) through its
# environment, not its code.
SETTINGS = settings_for_run()
RUNNER = cpu_task_runner(SETTINGS)


def current_run_id() -> str:
    return str(flow_run.get_id() or uuid.uuid4())


def run_ingest(
    flow_name: str,
    sources: str | None,
    warehouse: str | None,
    max_articles: int | None,
    window: tuple[date, date] | None = None,
) -> dict | State:
    """One run under the warehouse's run lock: a second run (CLI, deployment, backfill,
    maintenance, reprocess) waits for it, or stops with one line; nothing is fetched twice and
    no live run is taken for a crashed one."""
    settings = settings_for_run(sources, warehouse)
    with run_lock(Path(settings.warehouse), flow_name, current_run_id(), settings.run_lock_wait):
        return _run_ingest(settings, flow_name, max_articles, window)


def _run_ingest(
    settings: Settings,
    flow_name: str,
    max_articles: int | None,
    window: tuple[date, date] | None = None,
) -> dict | State:
    """One run of discover -> fetch -> archive -> process -> load, recorded in `runs` whatever
    happens."""
    config = load_sources(settings.sources)
    if max_articles:
        for source in config.sources:
            source.max_articles = min(source.max_articles or max_articles, max_articles)
    store = Warehouse(settings.warehouse)
    store.prepare()
    with store.exclusive():
        store.recover()  # a rebuild swap or lake merge that a crash interrupted is finished first
    started = datetime.now(UTC)
    run_id = current_run_id()
    acquired: list[Acquired] = []
    loaded = Loaded()
    fetched = recovered = 0
    earlier: list[Path] = []
    unrecorded = Unrecorded({}, [])

    def summary(status: str) -> RunSummary:
        return build_summary(
            run_id,
            flow_name,
            status,
            acquired=acquired,
            loaded=loaded,
            fetched=fetched,
            recovered=recovered,
            warehouse=store.root,
            breakdowns=breakdowns_of(
                store, [run_id, *sorted({part_tag(p) for p in earlier})], settings, loaded
            ),
        )

    try:
        cache = ConditionalCache(state_path(store.raw))
        site = serve_folder(config.serve.root, config.serve.port) if config.serve else nullcontext()
        with store.exclusive():  # the seen-URL index reads what the archive gained since
            seen = SeenUrls.open(store.raw, store.root)
        with site, seen:
            acquired = acquire_all(config.sources, settings, run_id, seen, cache, store.raw, window)
        cache.save()  # only once the responses it vouches for are archived
        # What this run archived, found by name (also what a failed attempt of a retried task
        # kept), and what runs that never completed archived: once in the archive a page is not
        # fetched again, so it must become an article (or a reject) here.
        # Pages are archived under their fetch day (UTC), so this run's files are in the day
        # folders since it began (a day's margin for a clock set back), and the earlier runs'
        # were listed when the index caught up.
        own = raw_files(store.raw, run_id, since=(started - timedelta(days=1)).date())
        earlier = unfinished_run_files(store.raw, store.finished_runs() | {run_id}, seen.archived)
        unrecorded = unrecorded_runs(_of_unrecorded_runs(store, earlier))
        if unrecorded.rejects:  # a run that was killed kept its fetch rejects in memory only
            acquired.append(Acquired("", 0, 0, 0, 0, rejects=unrecorded.rejects))
        fetched = count_raw_pages(store.raw, own)
        recovered = count_raw_pages(store.raw, earlier) if earlier else 0
        for total in process_and_load(
            read_raw(store.raw, settings.wave_size, earlier + own),
            fetched + recovered,
            store,
            settings,
            drop_patterns_of(config.sources),
            flow_name,
        ):
            loaded = total
    except Exception:
        try:
            record_run(summary("failed"), all_rejects(acquired, loaded), started, store)
        except Exception as err:  # the run's own failure is the one to report
            print(f"could not record the failed run: {err}")
        raise
    unreachable = every_source_failed(acquired) and not (fetched or recovered)
    done = summary("failed" if unreachable else "completed")
    recovered_runs = {part_tag(p): unrecorded.first_fetched.get(part_tag(p)) for p in earlier}
    record_run(done, all_rejects(acquired, loaded), started, store, recovered_runs)
    publish(done, store)
    print(format_summary(done))
    if unreachable:  # the flow run fails (a scheduler's alert, exit 1), without a traceback
        reasons = ", ".join(f"{k} {v}" for k, v in done.rejects_by_reason.items())
        return Failed(
            message=f"no source could be read ({reasons}); 'newsetl status' lists the rejects"
        )
    return done.to_dict()


def _of_unrecorded_runs(store: Warehouse, files: list[Path]) -> list[Path]:
    """Those of these archive files whose run has no row in `runs` (a run that failed
    recorded itself and its rejects; one that was killed did not)."""
    if not files:
        return []
    recorded = {r["run_id"] for r in store.run_rows(sorted({part_tag(p) for p in files}))}
    return [p for p in files if part_tag(p) not in recorded]


@flow(name="ingest", log_prints=True, task_runner=RUNNER, timeout_seconds=SETTINGS.run_timeout)
def ingest(
    sources: SourcesParam = None,
    warehouse: WarehouseParam = None,
    max_articles_per_source: LimitParam = None,
) -> dict | State:
    """One ingest run: discover, fetch, extract, clean, enrich, write Parquet, load DuckDB.

    Args:
        sources: Sources file (TOML). Empty: $NEWSETL_SOURCES or the bundled sample, examples/sources.toml.
        warehouse: Warehouse folder (DuckDB file, Parquet lake, raw archive). Empty: $NEWSETL_WAREHOUSE or ./warehouse.
        max_articles_per_source: New articles fetched per source at most in this run. Empty: no limit.
    """  # noqa: E501 - Prefect reads each Args line whole as a form description
    return run_ingest("ingest", sources, warehouse, max_articles_per_source)


plain_parameters_as_they_are(ingest)


@flow(name="backfill", log_prints=True, task_runner=RUNNER, timeout_seconds=SETTINGS.run_timeout)
def backfill(
    dates: DateRange,
    sources: SourcesParam = None,
    warehouse: WarehouseParam = None,
    max_articles_per_source: LimitParam = None,
) -> dict | State:
    """Ingest what the sources list for a range of publication dates (sitemaps, archives, feeds).

    Args:
        dates: Publication dates to take, both ends included, by the feed's, sitemap's or local page's own date; items without any date are taken too.
        sources: Sources file (TOML). Empty: $NEWSETL_SOURCES or the bundled sample, examples/sources.toml.
        warehouse: Warehouse folder (DuckDB file, Parquet lake, raw archive). Empty: $NEWSETL_WAREHOUSE or ./warehouse.
        max_articles_per_source: New articles fetched per source at most in this run. Empty: no limit.
    """  # noqa: E501 - Prefect reads each Args line whole as a form description
    return run_ingest(
        "backfill", sources, warehouse, max_articles_per_source, (dates.start, dates.end)
    )


if __name__ == "__main__":
    ingest()
