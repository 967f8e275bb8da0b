"""Run summaries: what a run did, for the terminal and for Prefect artifacts."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from newsetl.pipeline import Acquired, Loaded
from newsetl.records import Reject
from newsetl.storage.queries import sql
from newsetl.storage.warehouse import Warehouse, scalar


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    flow: str
    status: str
    fetched: int = 0
    skipped: int = 0  # already archived, or listed twice
    not_modified: int = 0
    # Pages archived by earlier runs that did not complete, processed by this one.
    recovered: int = 0
    new_articles: int = 0
    updated_articles: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    by_source: dict[str, int] = field(default_factory=dict)
    by_day: dict[str, int] = field(default_factory=dict)
    by_topic: dict[str, int] = field(default_factory=dict)
    # Articles in the warehouse enriched by another method than the current one.
    stale_articles: int = 0
    warehouse: str = ""
    past_limit: int = 0  # past a source's max_articles, for a later run
    outside: int = 0  # outside a backfill's dates
    shared: int = 0  # of the skipped: listed by another source of the run first, which keeps them

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Breakdowns:
    """A run's articles per source, day and top topic, read back from the warehouse."""

    by_source: dict[str, int] = field(default_factory=dict)
    by_day: dict[str, int] = field(default_factory=dict)
    by_topic: dict[str, int] = field(default_factory=dict)
    stale_articles: int = 0


def read_breakdowns(
    warehouse: Warehouse,
    run_id: str | list[str],
    enrich_version: str | None = None,
    loaded_articles: bool = True,
) -> Breakdowns:
    """Articles of this run per source, day and top topic, read back from the warehouse; a run
    that loaded no article (`loaded_articles` false) has none to look for. An article carries
    the run id of the run that fetched its page, so a run that took over unfinished runs' pages
    names their ids too (`run_id` a list)."""
    run_ids = [run_id] if isinstance(run_id, str) else run_id
    con = warehouse.read_if_exists(search=False)
    if con is None:
        return Breakdowns()
    with con:

        def pairs(name: str) -> dict[str, int]:
            if not loaded_articles:
                return {}
            return {str(k): int(v) for k, v in con.execute(sql(name), [run_ids]).fetchall()}

        stale = 0
        if enrich_version:
            stale = scalar(con, sql("stale_articles"), [enrich_version])
        return Breakdowns(
            by_source=pairs("run_articles_by_source"),
            by_day=pairs("run_articles_by_day"),
            by_topic=pairs("run_articles_by_topic"),
            stale_articles=stale,
        )


def build_summary(
    run_id: str,
    flow: str,
    status: str,
    *,
    acquired: list[Acquired],
    loaded: Loaded,
    fetched: int,
    recovered: int,
    warehouse: Path,
    breakdowns: Breakdowns,
) -> RunSummary:
    """The run summary, built once from what the stages returned."""
    rejects = all_rejects(acquired, loaded)
    return RunSummary(
        run_id=run_id,
        flow=flow,
        status=status,
        fetched=fetched,
        skipped=sum(a.skipped for a in acquired),
        past_limit=sum(a.past_limit for a in acquired),
        outside=sum(a.outside for a in acquired),
        shared=sum(a.shared for a in acquired),
        not_modified=sum(a.not_modified for a in acquired),
        recovered=recovered,
        new_articles=loaded.new_articles,
        updated_articles=loaded.updated_articles,
        duplicates=loaded.duplicates,
        rejected=len(rejects),
        rejects_by_reason=dict(Counter(f"{r.stage}: {r.reason}" for r in rejects).most_common()),
        by_source=breakdowns.by_source,
        by_day=breakdowns.by_day,
        by_topic=breakdowns.by_topic,
        stale_articles=breakdowns.stale_articles,
        warehouse=str(warehouse.resolve()),
    )


def all_rejects(acquired: list[Acquired], loaded: Loaded) -> list[Reject]:
    """A run's rejects: acquisition's, source by source, then processing's."""
    return [r for a in acquired for r in a.rejects] + loaded.rejects


SHOWN_DAYS = 14  # a backfill or a list of old pages spans years: the summary shows the latest


def latest_days(by_day: dict[str, int], shown: int = SHOWN_DAYS) -> dict[str, int]:
    """The latest `shown` days of a run's articles per day (days sort as ISO dates), the earlier
    ones summed on one line, and the undated ("unknown") last as they come."""
    dated = {k: v for k, v in by_day.items() if k != "unknown"}
    if len(dated) <= shown:
        return by_day
    days = sorted(dated)
    earlier = days[:-shown]
    table = {f"{len(earlier)} earlier days": sum(dated[d] for d in earlier)}
    table.update((d, dated[d]) for d in days[-shown:])
    if "unknown" in by_day:
        table["unknown"] = by_day["unknown"]
    return table


def counted(n: int, one: str, many: str | None = None) -> str:
    """'1 page', '2 pages' ('many' where the plural is not one + s)."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def count_line(summary: RunSummary) -> str:
    """What the run fetched, skipped, left and loaded, in one line (the summary's second)."""
    if summary.flow == "reprocess":
        return (
            f"replayed {counted(summary.fetched, 'archived page')} into "
            f"{counted(summary.new_articles, 'article')}, "
            f"{counted(summary.duplicates, 'duplicate')}, {summary.rejected} rejected"
        )
    recovered = f"{summary.recovered} recovered from unfinished runs, " if summary.recovered else ""
    shared = (
        f" ({summary.shared} of them listed by another source first, which keeps them)"
        if summary.shared
        else ""
    )
    left = "".join(
        f"{n} {what}, "
        for n, what in (
            (summary.past_limit, "left for later runs (max_articles)"),
            (summary.outside, "outside the dates"),
        )
        if n
    )
    return (
        f"fetched {counted(summary.fetched, 'page')}, skipped {summary.skipped} already "
        f"seen{shared}, {left}{counted(summary.not_modified, 'feed')} unchanged, {recovered}"
        f"{counted(summary.new_articles, 'new article')}, {summary.updated_articles} "
        f"updated, {counted(summary.duplicates, 'duplicate')}, {summary.rejected} rejected"
    )


def format_summary(summary: RunSummary) -> str:
    """A short plain-text report of a run."""
    counts = "  " + count_line(summary)
    lines = [f"newsetl {summary.flow} {summary.run_id}: {summary.status}", counts]
    for title, table in (
        ("rejected by reason", summary.rejects_by_reason),
        ("articles by source", summary.by_source),
        ("articles by day", latest_days(summary.by_day)),
        ("articles by topic", summary.by_topic),
    ):
        if table:
            lines.append(f"  {title}:")
            width = max(len(k) for k in table)
            lines += [f"    {k:<{width}}  {v:>5}" for k, v in table.items()]
    if summary.stale_articles:
        lines.append(
            f"  note: {counted(summary.stale_articles, 'article was', 'articles were')} enriched"
            " by an older method; "
            "'newsetl reprocess' brings them up to date"
        )
    if summary.warehouse:
        lines.append(f"  warehouse: {summary.warehouse}")
    return "\n".join(lines)


def summary_markdown(summary: RunSummary) -> str:
    rows = "\n".join(f"| {k} | {v} |" for k, v in summary.by_topic.items()) or "| - | 0 |"
    reasons = (
        "\n".join(f"| {k} | {v} |" for k, v in summary.rejects_by_reason.items()) or "| - | 0 |"
    )
    return (
        f"# newsetl {summary.flow}: {summary.status}\n\n"
        f"{count_line(summary)}\n\n"
        f"## Articles by topic\n\n| topic | articles |\n|---|---|\n{rows}\n\n"
        f"## Rejects by reason\n\n| reason | rows |\n|---|---|\n{reasons}\n"
    )
