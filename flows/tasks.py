"""Prefect tasks and steps shared by the flows: each task wraps one library stage over a batch."""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff
from prefect.utilities.annotations import quote

from newsetl import parallel, progress
from newsetl.config import Settings
from newsetl.enrich import current_version
from newsetl.pipeline import (
    SOURCE_TIMED_OUT,
    Acquired,
    Loaded,
    Processed,
    acquire,
    assign_stories,
    clean_batch,
    enrich_batch,
    extract_each,
    split_extracted,
    to_tables,
)
from newsetl.records import Article, RawPage, Reject, SeenKeys
from newsetl.report import RunSummary, read_breakdowns, summary_markdown
from newsetl.sources import Source
from newsetl.storage.rows import reject_table, run_table
from newsetl.storage.state import ConditionalCache
from newsetl.storage.warehouse import Warehouse
from newsetl.transport import Fetcher, FetchStopped

if TYPE_CHECKING:
    from newsetl.extract import Document

T = TypeVar("T")


def cpu_task_runner(settings: Settings) -> TaskRunner[Any]:
    """The runner of the CPU-heavy tasks: local threads, or Dask when NEWSETL_TASK_RUNNER=dask."""
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address)
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": settings.cpu_workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }
        )
    return ThreadPoolTaskRunner(max_workers=settings.cpu_workers)


# -- acquisition: network-bound, on local threads (the fetcher's politeness state is shared) --


def _not_a_timeout(task, task_run, state) -> bool:
    """Retry a failed acquisition, but not one that ran out of time: it would only do so again."""
    return not isinstance(state.result(raise_on_failure=False), TimeoutError)


@task(
    name="acquire",
    retries=2,
    retry_condition_fn=_not_a_timeout,
    retry_delay_seconds=exponential_backoff(backoff_factor=5),
    cache_policy=NO_CACHE,
    task_run_name="acquire-{source.name}",
)
def acquire_source(
    source: Source,
    fetcher: Fetcher,
    run_id: str,
    seen: SeenKeys,
    cache: ConditionalCache,
    raw_dir: Path,
    window: tuple[date, date] | None = None,
    on_page: Callable[[], None] | None = None,
) -> Acquired:
    """Discover one source's candidates, fetch the ones not seen before (and in `window`), and
    archive every response as it goes; the result keeps counts and file names, not bodies. When
    the run is ending (Ctrl-C: the fetcher stopped, what was fetched archived) the task ends
    quietly with nothing counted: the run is not recorded, and the next one takes the archive
    over (a BaseException out of a task is a crash to Prefect: a logged error and a state
    request per source)."""
    try:
        result = acquire(source, fetcher, run_id, seen, cache, raw_dir, window, on_page)
    except FetchStopped:
        return Acquired(source.name, 0, 0, 0, 0)
    get_run_logger().info(
        "%s: %d candidates, %d fetched, %d skipped, %d rejected%s",
        source.name,
        result.candidates,
        result.fetched,
        result.skipped,
        len(result.rejects),
        ", feed not modified" if result.not_modified else "",
    )
    return result


class _ThreadTimeoutNote(logging.Filter):
    """Drops Prefect's note that a timeout cannot interrupt a task on a worker thread.

    It is printed once per source on every run; we know, and rely on the per-response deadline
    of the fetcher to bound each blocking call (README: "When things go wrong").
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "running in a worker thread" not in record.getMessage()


for _name in ("prefect.engine", "prefect.task_runs"):
    logging.getLogger(_name).addFilter(_ThreadTimeoutNote())


def acquire_all(
    sources: list[Source],
    settings: Settings,
    run_id: str,
    seen: SeenKeys,
    cache: ConditionalCache,
    raw_dir: Path,
    window: tuple[date, date] | None = None,
) -> list[Acquired]:
    """Every source acquired on local threads (the fetcher's politeness state is shared)."""
    fetcher = Fetcher(settings)
    # One source may take source_timeout at most: a host that holds every response to its
    # deadline costs that source a reject, not the run (the run goes on with what was archived).
    bounded = acquire_source.with_options(timeout_seconds=settings.source_timeout)
    pool: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=settings.fetch_workers)
    on_page = _pool_starter(settings)
    with pool as runner:
        futures = [
            runner.submit(
                bounded,
                {
                    "source": source,
                    "fetcher": fetcher,
                    "run_id": run_id,
                    "seen": seen,
                    "cache": cache,
                    "raw_dir": raw_dir,
                    "window": window,
                    "on_page": on_page,
                },
            )
            for source in sources
        ]
        try:
            return [_result_or_timeout(f, source, settings) for f, source in zip(futures, sources)]
        except BaseException:  # Ctrl-C: the threads end before their next request, not after
            fetcher.stop()  # every page left (leaving the pool waits for them)
            raise


def _pool_starter(settings: Settings) -> Callable[[], None] | None:
    """Called after each page fetched: once the run has fetched enough pages to process them
    on worker processes, the workers start (and load their models) while fetching goes on: the
    local pool's, or the Dask cluster's (see `dask_prestart`)."""
    dask = settings.task_runner == "dask"
    if not dask and settings.cpu_workers <= 1:
        return None
    runner = _flow_task_runner() if dask else None
    lock = threading.Lock()
    count = [0]

    def on_page() -> None:
        with lock:
            count[0] += 1
            if count[0] != parallel.MIN_PARALLEL_ITEMS:
                return
        if dask:
            dask_prestart(runner, settings.spacy_model)
        else:
            parallel.prestart(settings.cpu_workers, settings.spacy_model)

    return on_page


def _result_or_timeout(future, source: Source, settings: Settings) -> Acquired:
    try:
        return future.result()
    except TimeoutError:
        return Acquired(
            source=source.name,
            candidates=0,
            fetched=0,
            skipped=0,
            not_modified=0,
            rejects=[
                Reject(
                    "discover",
                    source.name,
                    source.url or str(source.path or ""),
                    SOURCE_TIMED_OUT,
                    f"discover and fetch took over {settings.source_timeout:g} s "
                    "(NEWSETL_SOURCE_TIMEOUT); what was archived is kept",
                )
            ],
        )


# -- processing: CPU-bound chunks on the flow's task runner (threads or Dask) ----------------------


def untraversed(value: T) -> T:
    """A task argument Prefect hands over as it is. Prefect walks every argument of a task call
    twice (looking for futures and states to wait on and record), element by element: for a
    wave of 1,000 articles that was about 4 s before and 4 s after creating the load task's run
    on a busy machine, spent in the flow's own process while the workers idled. A wave's pages
    and articles never hold futures."""
    return cast(T, quote(value))


def _flow_task_runner() -> TaskRunner[Any] | None:
    """The task runner the current flow run entered (None outside a flow run)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return context.task_runner if context is not None else None


class _DaskStart:
    """The Dask cluster started (and its workers warmed) in the background while the run
    fetches; `wait` before submitting to it (the runner creates its client on first use)."""

    def __init__(self, runner: TaskRunner[Any], spacy_model: str) -> None:
        self.runner = runner
        self.warming: list[Any] = []  # the warm-up futures: Dask drops a task nobody holds
        self.thread = threading.Thread(
            target=self._start, args=(spacy_model,), name="newsetl-dask-start", daemon=True
        )
        self.thread.start()

    def _start(self, spacy_model: str) -> None:
        try:
            client = self.runner.client  # type: ignore[attr-defined]
            self.warming = [
                client.submit(parallel.warm_worker, spacy_model, workers=[address], pure=False)
                for address in client.nthreads()
            ]
        except Exception:  # the first chunk starts it again, and says what is wrong
            return

    def wait(self) -> None:
        self.thread.join()


_dask_start: _DaskStart | None = None


def dask_prestart(runner: TaskRunner[Any] | None, spacy_model: str) -> None:
    """Start the flow's Dask cluster now, in the background, and load the models on each of
    its workers (one warm-up task pinned to each), so the run's first chunks find them ready
    instead of waiting for the workers to start, import and load."""
    global _dask_start
    if runner is None or not hasattr(runner, "client"):
        return
    if _dask_start is None or _dask_start.runner is not runner:
        _dask_start = _DaskStart(runner, spacy_model)


def _dask_slots(settings: Settings) -> int:
    """Tasks the flow's Dask cluster runs at once (its workers' threads), once it has started
    (a `dask_prestart` of this run is waited for); else the configured workers."""
    runner = _flow_task_runner()
    if _dask_start is not None and _dask_start.runner is runner:
        _dask_start.wait()
    try:
        client = runner.client  # type: ignore[union-attr]
        return max(1, sum(client.nthreads().values()))
    except Exception:  # not started, or not a Dask runner: chunks as for the local workers
        return settings.cpu_workers


def on_dask(settings: Settings) -> bool:
    """The chunks go to the flow's Dask cluster: Dask is asked for and the flow entered a Dask
    task runner (else, say a flow imported before the setting changed, the local workers)."""
    return settings.task_runner == "dask" and (
        type(_flow_task_runner()).__name__ == "DaskTaskRunner"
    )


def dask_map(function: Callable[..., list], items: list, workers: int, largest: int, **kwargs: Any):
    """`function` (one result per item) over every item on the flow's Dask cluster, in chunks
    dealt as for the local workers (`parallel.dealt_chunks`), results in the items' order.

    The chunks are plain Dask tasks submitted with the task runner's client, as the local
    pool's chunks are plain calls: a chunk as a Prefect task run of its own cost each chunk
    the pickling of Prefect's run context, a task run record through the API from the worker,
    and Prefect walking its pages in the flow's process (a whole 1,000-page run on two Dask
    workers took 115 s against 84 s on two local processes). The stage is still one task run
    in the UI (`extract`, `enrich`), as on the local runner.
    """
    dealt = parallel.dealt_chunks(items, workers, largest)
    if not dealt:
        return []
    client = _flow_task_runner().client  # type: ignore[union-attr]
    futures = [client.submit(function, chunk, pure=False, **kwargs) for chunk in dealt]
    return parallel.undeal(client.gather(futures), dealt)


@task(name="extract", cache_policy=NO_CACHE)
def extract_wave(pages: list[RawPage], settings: Settings, slots: int):
    """Main text and metadata of a wave, in chunks over the local worker processes or the Dask
    cluster's workers (`slots`: how many run at once)."""
    if on_dask(settings):
        return [split_extracted(dask_map(extract_each, pages, slots, settings.chunk_size))]
    results = parallel.map_items(
        extract_each, pages, settings.cpu_workers, settings.spacy_model, settings.chunk_size
    )
    return [split_extracted(results)]


@task(name="enrich", cache_policy=NO_CACHE)
def enrich_wave(articles: list[Article], settings: Settings, slots: int) -> list[list[Article]]:
    """Enrichment of a wave, in chunks over the local worker processes or the Dask cluster's
    workers (models loaded once per worker)."""
    if on_dask(settings):
        return [
            dask_map(
                enrich_batch, articles, slots, settings.chunk_size, spacy_model=settings.spacy_model
            )
        ]
    work = functools.partial(enrich_batch, spacy_model=settings.spacy_model)
    return [
        parallel.map_items(
            work, articles, settings.cpu_workers, settings.spacy_model, settings.chunk_size
        )
    ]


def process_wave(
    pages: list[RawPage],
    warehouse: Warehouse,
    settings: Settings,
    drop_patterns: dict[str, list[str]],
) -> Processed:
    """Extract and enrich in parallel chunks; clean and match stories over the whole wave.

    On the local runner the chunks go to worker processes (threads would share one core under
    the GIL); on Dask to the cluster's workers. Either way the items are dealt to the chunks in
    turn (`parallel.dealt_chunks`), at least four chunks per worker.
    """
    slots = _dask_slots(settings) if on_dask(settings) else settings.cpu_workers
    extracted: list[tuple[list[Document], list[Reject]]]
    extracted = extract_wave(untraversed(pages), settings, slots)  # type: ignore[assignment]
    progress.update("extract", advance=len(pages), unit="pages")
    documents = [d for docs, _ in extracted for d in docs]
    extract_rejects = [r for _, rejected in extracted for r in rejected]
    # The wave's questions about stored articles, each on a read-only connection closed with
    # its answer (so none is open when the wave is committed).
    with warehouse.view() as stored:
        cleaned = clean_batch(documents, stored, drop_patterns)
        if not cleaned.articles:
            enriched = []
        else:
            enriched = enrich_wave(untraversed(cleaned.articles), settings, slots)
        progress.update("enrich", add_total=len(cleaned.articles), unit="articles")
        progress.update("enrich", advance=len(cleaned.articles), unit="articles")
        processed = Processed(
            articles=assign_stories([a for chunk in enriched for a in chunk], stored, settings),
            rejects=extract_rejects + cleaned.rejects,
            duplicates=cleaned.duplicates,
        )
    get_run_logger().info(
        "%d pages: %d articles, %d rejected, %d duplicates",
        len(pages),
        len(processed.articles),
        len(processed.rejects),
        processed.duplicates,
    )
    return processed


@task(name="write-and-load", cache_policy=NO_CACHE)
def write_and_load(processed: Processed, warehouse: Warehouse) -> int:
    """Merge a wave into the Parquet lake, then into DuckDB; returns new articles."""
    return warehouse.commit(to_tables(processed))


def process_and_load(
    waves: Iterable[list[RawPage]],
    total_pages: int,
    warehouse: Warehouse,
    settings: Settings,
    drop_patterns: dict[str, list[str]],
    flow_name: str,
) -> Iterator[Loaded]:
    """Every wave of a run, processed then loaded, with a progress artifact the UI shows meanwhile;
    yields the running total after each wave (so a run that fails midway knows what it loaded)."""
    if not total_pages:
        return
    warm_charts()
    artifact = cast(
        UUID,
        create_progress_artifact(0.0, description=f"newsetl {flow_name}: share of pages processed"),
    )  # a UUID when called from a sync flow
    progress.update("extract", add_total=total_pages, unit="pages")
    loaded, done = Loaded(), 0
    for wave in waves:
        processed = process_wave(wave, warehouse, settings, drop_patterns)
        loaded = loaded.add(processed, write_and_load(untraversed(processed), warehouse))
        progress.update("load", advance=len(processed.articles), unit="articles")
        done += len(wave)
        update_progress_artifact(artifact, min(100.0, 100.0 * done / total_pages))
        yield loaded


def load_all(*args, **kwargs) -> Loaded:
    """process_and_load run to the end: the run's total."""
    loaded = Loaded()
    for total in process_and_load(*args, **kwargs):
        loaded = total
    return loaded


@task(name="record-run", cache_policy=NO_CACHE)
def record_run(
    summary: RunSummary,
    rejects: list[Reject],
    started_at: datetime,
    warehouse: Warehouse,
    recovered_runs: dict[str, datetime | None] | None = None,
) -> None:
    """Write the run row and its rejects to the lake and the warehouse; mark the unfinished runs
    whose pages this run processed as recovered (`recovered_runs`: each with the time it first
    archived a response, its start as near as the archive tells, for one never recorded)."""
    finished = datetime.now(UTC)
    rows = [
        {
            "run_id": summary.run_id,
            "flow": summary.flow,
            "started_at": started_at,
            "finished_at": finished,
            "status": summary.status,
            "fetched": summary.fetched,
            "new_articles": summary.new_articles,
            "duplicates": summary.duplicates,
            "rejected": summary.rejected,
        }
    ]
    if summary.status == "completed" and recovered_runs:
        known = {r["run_id"]: r for r in warehouse.run_rows(sorted(recovered_runs))}
        for run_id, first_fetched in sorted(recovered_runs.items()):
            row = known.get(run_id) or {
                "run_id": run_id,
                "flow": summary.flow,
                "started_at": first_fetched or started_at,
                "status": "crashed",
            }
            rows.append({**row, "recovered_by": summary.run_id})
    warehouse.commit(
        {"rejects": reject_table(rejects, summary.run_id, finished), "runs": run_table(rows)}
    )


def breakdowns_of(
    warehouse: Warehouse,
    run_id: str | list[str],
    settings: Settings,
    loaded: Loaded | None = None,
):
    """The run's articles per source, day and topic, and the warehouse's stale articles; with
    `loaded` (what the run loaded), a run that loaded no article asks only for the latter
    (`run_id`: with the ids of the unfinished runs whose pages it took over)."""
    return read_breakdowns(
        warehouse,
        run_id,
        current_version(settings.spacy_model),
        loaded is None or bool(loaded.new_articles or loaded.updated_articles),
    )


_charts_warmed: threading.Thread | None = None


def warm_charts() -> None:
    """Load the chart renderer (altair, and vl-convert's JavaScript engine: about a second of
    CPU at its first image) on a background thread while the run processes its pages, so that
    drawing the charts at the end does not wait for it."""
    global _charts_warmed
    if _charts_warmed is not None:
        return

    def warm() -> None:
        try:
            from newsetl.analysis.report import chart_png

            chart_png({"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {}})
        except Exception:  # the charts are drawn (or fail, and say so) at the end anyway
            return

    _charts_warmed = threading.Thread(target=warm, name="newsetl-charts-warm", daemon=True)
    _charts_warmed.start()


CHART_SECTIONS = ("articles_per_day", "topics_per_day", "pipeline_health")
CHART_DAYS = 30


def publish_charts(summary: RunSummary, warehouse: Warehouse) -> None:
    """The report's main charts over the warehouse's last CHART_DAYS days of articles, as PNG
    images in a markdown artifact the run page shows (Artifacts tab, and the Artifacts page
    under the key newsetl-<flow>-charts). A chart that cannot be drawn never fails the run."""
    from datetime import timedelta

    from newsetl.analysis.report import build, charts_markdown

    if _charts_warmed is not None:
        _charts_warmed.join()
    try:
        con = warehouse.read_if_exists()
        if con is None:
            return
        with con:
            last = con.execute("select max(published_date) from articles").fetchone()
            end = last[0] if last else None
            start = end - timedelta(days=CHART_DAYS - 1) if end else None
            today = datetime.now(UTC).date()
            report = build(
                con,
                start,
                end,
                title=f"newsetl {summary.flow}: the warehouse",
                stage="charts",
                health_window=(today - timedelta(days=CHART_DAYS - 1), today),
            )
        markdown = charts_markdown(report, CHART_SECTIONS)
        create_markdown_artifact(
            key=f"newsetl-{summary.flow}-charts",
            markdown=markdown,
            description=f"newsetl {summary.flow}: charts of the last {CHART_DAYS} days",
        )
    except Exception as err:  # charts are a view: the run has done its work
        get_run_logger().warning("could not publish the charts: %s", err)


def changed_the_warehouse(summary: RunSummary) -> bool:
    """Whether a run loaded or rejected anything (what the charts show)."""
    return bool(summary.new_articles or summary.updated_articles or summary.rejected)


def publish(summary: RunSummary, warehouse: Warehouse | None = None) -> None:
    """Markdown and table artifacts with stable keys, so the UI shows each run's history.

    The charts are drawn again only when the run changed what they show: a run with nothing
    new keeps the last ones (same key), and costs no chart rendering (seconds of CPU, most of
    an idle run's own work)."""
    if warehouse is not None and changed_the_warehouse(summary):
        publish_charts(summary, warehouse)
    key = f"newsetl-{summary.flow}"
    # The two go to the API side by side: each is a request and a wait (about 40 ms each of an
    # idle deployment run on the local server).
    markdown_done = _beside(
        create_markdown_artifact,
        key=f"{key}-summary",
        markdown=summary_markdown(summary),
        description=f"newsetl {summary.flow} run summary",
    )
    create_table_artifact(
        key=f"{key}-counts",
        table=[
            {"metric": k, "value": v}
            for k, v in (
                ("fetched", summary.fetched),
                ("new_articles", summary.new_articles),
                ("updated_articles", summary.updated_articles),
                ("duplicates", summary.duplicates),
                ("rejected", summary.rejected),
                ("skipped", summary.skipped),
                ("skipped_listed_by_another_source", summary.shared),
                ("left_past_max_articles", summary.past_limit),
                ("outside_the_dates", summary.outside),
                ("not_modified", summary.not_modified),
            )
        ]
        + [{"metric": f"topic: {k}", "value": v} for k, v in summary.by_topic.items()]
        + [{"metric": f"rejected: {k}", "value": v} for k, v in summary.rejects_by_reason.items()],
        description=f"newsetl {summary.flow} counts",
    )
    markdown_done()


def _beside(call: Callable[..., Any], **kwargs: Any) -> Callable[[], None]:
    """Start `call(**kwargs)` on a thread of its own, in this thread's Prefect context (the
    flow run an artifact belongs to); the function returned waits for it and raises what it
    raised."""
    failed: list[BaseException] = []
    context = contextvars.copy_context()

    def work() -> None:
        try:
            context.run(call, **kwargs)
        except BaseException as err:  # noqa: BLE001 - raised again in the caller's thread
            failed.append(err)

    thread = threading.Thread(target=work, name="newsetl-beside", daemon=True)
    thread.start()

    def done() -> None:
        thread.join()
        if failed:
            raise failed[0]

    return done
