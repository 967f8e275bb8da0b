"""A run's summary counts its own articles per source, day and top topic (read back from the
warehouse), and a run that loaded none does not ask."""

from __future__ import annotations

from datetime import UTC, date, datetime

from newsetl.report import RunSummary, format_summary, read_breakdowns
from newsetl.schema import TABLES
from newsetl.storage.warehouse import Warehouse

# id, run, source, day, topics with scores (the top one counts)
ARTICLES = [
    ("a1", "run-1", "north", 16, {"politics": 0.9, "sport": 0.4}),
    ("a2", "run-1", "south", 16, {"sport": 0.8}),
    ("a3", "run-1", "north", 17, {"politics": 0.3, "health": 0.7}),
    ("a4", "run-2", "north", 17, {"politics": 0.9}),
    ("a5", "run-2", "south", 18, {"weather": 0.9}),
]


def filled(tmp_path) -> Warehouse:
    warehouse = Warehouse(tmp_path / "wh")
    articles = [
        {
            "article_id": a,
            "run_id": run,
            "source": source,
            "url": f"https://{source}.example/{a}",
            "title": a,
            "published_at": datetime(2026, 11, day, 9, tzinfo=UTC),
            "published_date": date(2026, 11, day),
            "text": "Some words.",
            "enrich_version": "old" if a == "a5" else "v1",
        }
        for a, run, source, day, _ in ARTICLES
    ]
    topics = [
        {"article_id": a, "published_date": date(2026, 11, day), "topic": t, "score": s}
        for a, _, _, day, scored in ARTICLES
        for t, s in scored.items()
    ]
    with warehouse.writer() as con:
        warehouse.load(
            con,
            {
                "articles": TABLES["articles"].to_arrow(articles),
                "article_topics": TABLES["article_topics"].to_arrow(topics),
            },
        )
    return warehouse


def test_a_run_s_own_articles_by_source_day_and_top_topic(tmp_path):
    warehouse = filled(tmp_path)
    found = read_breakdowns(warehouse, "run-1", "v1")
    assert found.by_source == {"north": 2, "south": 1}
    assert found.by_day == {"2026-11-16": 2, "2026-11-17": 1}
    assert found.by_topic == {"health": 1, "politics": 1, "sport": 1}
    assert found.stale_articles == 1
    assert read_breakdowns(warehouse, "run-2", "v1").by_topic == {"politics": 1, "weather": 1}


def test_a_run_that_took_over_an_unfinished_runs_pages_counts_their_articles(tmp_path):
    # The articles of pages another run fetched carry that run's id.
    found = read_breakdowns(filled(tmp_path), ["run-3", "run-2"], "v1")
    assert found.by_source == {"north": 1, "south": 1}
    assert found.by_day == {"2026-11-17": 1, "2026-11-18": 1}
    assert found.by_topic == {"politics": 1, "weather": 1}


def test_a_run_that_loaded_nothing_only_counts_the_stale_articles(tmp_path):
    found = read_breakdowns(filled(tmp_path), "run-1", "v1", loaded_articles=False)
    assert (found.by_source, found.by_day, found.by_topic) == ({}, {}, {})
    assert found.stale_articles == 1


def test_the_printed_summary_shows_the_latest_days_and_sums_the_earlier_ones():
    by_day = {f"2026-10-{d:02d}": d for d in range(1, 21)} | {"unknown": 4}
    text = format_summary(RunSummary("r1", "ingest", "completed", by_day=by_day))
    days = text.split("articles by day:\n")[1].splitlines()
    assert [line.split()[0] for line in days] == ["6"] + [
        f"2026-10-{d:02d}" for d in range(7, 21)
    ] + ["unknown"]
    assert days[0].split()[-1] == str(sum(range(1, 7)))  # the six earlier days, 21 articles
    assert days[-1].split()[-1] == "4"
    few = format_summary(RunSummary("r2", "ingest", "completed", by_day={"2026-10-01": 2}))
    assert few.splitlines()[-1].split() == ["2026-10-01", "2"]


def test_pages_left_for_later_are_not_called_already_seen():
    text = format_summary(RunSummary("r3", "ingest", "completed", skipped=2, past_limit=40))
    assert "skipped 2 already seen, 40 left for later runs (max_articles), 0 feeds" in text
    backfill = format_summary(RunSummary("r4", "backfill", "completed", outside=7))
    assert "skipped 0 already seen, 7 outside the dates, 0 feeds" in backfill
    quiet = format_summary(RunSummary("r5", "ingest", "completed"))
    assert "skipped 0 already seen, 0 feeds unchanged" in quiet


def test_one_of_a_kind_is_singular_in_the_printed_summary():
    one = format_summary(
        RunSummary("r6", "ingest", "completed", fetched=1, not_modified=1, new_articles=1)
    )
    assert (
        "fetched 1 page, skipped 0 already seen, 1 feed unchanged, 1 new article, 0 updated" in one
    )
    assert "0 duplicates" in one
    replay = format_summary(RunSummary("r7", "reprocess", "completed", fetched=1, new_articles=2))
    assert "replayed 1 archived page into 2 articles, 0 duplicates" in replay


def test_pages_another_source_listed_first_are_said_so_among_the_skipped():
    text = format_summary(RunSummary("r8", "ingest", "completed", skipped=5, shared=2))
    assert (
        "skipped 5 already seen (2 of them listed by another source first, which keeps them)"
        in text
    )
    assert "of them listed" not in format_summary(
        RunSummary("r9", "ingest", "completed", skipped=5)
    )


def test_the_summary_artifact_says_what_the_printed_summary_says():
    """A run with nothing new: its artifact names the unchanged feeds and the pages left for
    later, as the console does, not only zeros."""
    from newsetl.report import summary_markdown

    idle = RunSummary("r8", "ingest", "completed", not_modified=3, past_limit=5)
    markdown = summary_markdown(idle)
    assert "5 left for later runs (max_articles), 3 feeds unchanged" in markdown
    assert format_summary(idle).splitlines()[1].strip() in markdown
