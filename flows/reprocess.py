"""The reprocess flow: rebuild lake and DuckDB from the raw archive, with no network."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

from prefect import flow

from newsetl.config import Settings, settings_for_run
from newsetl.pipeline import Loaded, drop_patterns_of
from newsetl.report import Breakdowns, RunSummary, build_summary, format_summary
from newsetl.schema import ARTICLE_TABLES, TABLES
from newsetl.sources import SourcesError, load_sources
from newsetl.storage.lake import drop_rows, read_columns, read_rows
from newsetl.storage.locks import run_lock
from newsetl.storage.queries import sql
from newsetl.storage.raw import count_raw_pages, raw_ids, read_raw
from newsetl.storage.warehouse import Warehouse
from newsetl_flows.ingest import RUNNER, SETTINGS, current_run_id
from newsetl_flows.parameters import SourcesParam, WarehouseParam, plain_parameters_as_they_are
from newsetl_flows.tasks import breakdowns_of, load_all, publish, record_run

KEPT_HISTORY = ("runs", "rejects")  # what a rebuild carries over instead of recomputing
RECOMPUTED_STAGES = ["extract", "clean"]  # their rejects are made again by the rebuild


@flow(name="reprocess", log_prints=True, task_runner=RUNNER, timeout_seconds=SETTINGS.run_timeout)
def reprocess(warehouse: WarehouseParam = None, sources: SourcesParam = None) -> dict:
    """Re-extract, re-clean and re-enrich every archived page into a fresh lake and database.

    Args:
        warehouse: Warehouse folder whose raw archive is replayed. Empty: $NEWSETL_WAREHOUSE or ./warehouse.
        sources: Sources file whose per-source drop_patterns apply again. Empty: $NEWSETL_SOURCES or the sample.
    """  # noqa: E501 - Prefect reads each Args line whole as a form description
    settings = settings_for_run(sources, warehouse)
    try:
        drop_patterns = drop_patterns_of(load_sources(settings.sources).sources)
    except SourcesError:
        drop_patterns = {}
    live = Warehouse(settings.warehouse)
    # Nothing may land in the layers being replaced: other runs wait for the run lock, and
    # loads of this process for the write lock.
    with (
        run_lock(live.root, "reprocess", current_run_id(), settings.run_lock_wait),
        live.exclusive(),
    ):
        started = datetime.now(UTC)
        try:
            summary = rebuild(live, settings, drop_patterns, started)
        except Exception:
            record_failed(live, started)
            raise
        publish(summary, live)
    print(format_summary(summary))
    return summary.to_dict()


def record_failed(live: Warehouse, started: datetime) -> None:
    """After a rebuild that raised: the live warehouse as it was (a swap cut after its marker is
    rolled forward, and then the rebuild's own `completed` row is live), the staged copy gone,
    and, unless the rebuild was swapped in, a `failed` row in `runs`, as for a failed ingest."""
    try:
        live.recover()
        if not live.run_rows([current_run_id()]):
            record_run(failed_summary(live), [], started, live)
    except Exception as err:  # the rebuild's own failure is the one to report
        print(f"could not record the failed run: {err}")


plain_parameters_as_they_are(reprocess)


def carry_over_unrebuildable(live: Warehouse, staged: Warehouse) -> int:
    """Articles whose raw response is no longer archived cannot be rebuilt: keep them as they
    are."""
    articles = TABLES["articles"]
    stored = read_columns(articles, live.lake, ["article_id", "raw_id"])
    if not stored:
        return 0
    archived = raw_ids(live.raw)
    rebuilt = {a for (a,) in read_columns(articles, staged.lake, ["article_id"])}
    orphans = sorted(a for a, r in stored if r not in archived and a not in rebuilt)
    if orphans:
        staged.commit(
            {name: read_rows(TABLES[name], live.lake, orphans) for name in ARTICLE_TABLES}
        )
    return len(orphans)


def failed_summary(live: Warehouse) -> RunSummary:
    return build_summary(
        current_run_id(),
        "reprocess",
        "failed",
        acquired=[],
        loaded=Loaded(),
        fetched=0,
        recovered=0,
        warehouse=live.root,
        breakdowns=Breakdowns(),
    )


def rebuilt_run_ids(staged: Warehouse) -> list[str]:
    """The run ids the staged rebuild's articles carry."""
    con = staged.read_if_exists(search=False)
    if con is None:
        return []
    with con:
        return [r[0] for r in con.execute(sql("article_run_ids")).fetchall()]


def rebuild(
    live: Warehouse, settings: Settings, drop_patterns: dict[str, list[str]], started: datetime
) -> RunSummary:
    """The staged rebuild, recorded in its own `runs` and swapped in."""
    staged = live.staging()
    for name in KEPT_HISTORY:
        if (live.lake / name).exists():
            shutil.copytree(live.lake / name, staged.lake / name)
    # Extraction and cleaning rejects of earlier runs go: the rebuild decides those again.
    drop_rows(TABLES["rejects"], staged.lake, "stage", RECOMPUTED_STAGES)
    run_id = current_run_id()
    fetched = count_raw_pages(live.raw)
    loaded = load_all(
        read_raw(live.raw, batch_rows=settings.wave_size),
        fetched,
        staged,
        settings,
        drop_patterns,
        "reprocess",
    )
    # Rebuilt articles keep the run ids of the runs that fetched their pages: the summary's
    # breakdowns name those ids (read before the unrebuildable ones are carried over).
    breakdowns = breakdowns_of(staged, rebuilt_run_ids(staged) or [run_id], settings)
    carried = carry_over_unrebuildable(live, staged)
    if carried:
        print(
            f"{carried} articles whose raw responses are gone (raw retention) "
            "were kept as they were"
        )
    with staged.writer() as con:
        staged.rebuild_from_lake(con, KEPT_HISTORY)
    summary = build_summary(
        run_id,
        "reprocess",
        "completed",
        acquired=[],
        loaded=loaded,
        fetched=fetched,
        recovered=0,
        warehouse=live.root,
        breakdowns=breakdowns,
    )
    record_run(summary, loaded.rejects, started, staged)
    live.replace_with(staged)
    return summary
