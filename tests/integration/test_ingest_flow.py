"""The ingest flow end to end: sample site on 127.0.0.1 -> flow -> DuckDB rows and lake files."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import duckdb
import pytest

from newsetl.schema import IPTC_TOPICS
from newsetl.urls import article_id
from tests.conftest import expected_articles, expected_rejects, sources_for

pytestmark = pytest.mark.slow
EXPECTED = expected_articles()


@pytest.fixture(scope="module")
def run(sample_site, prefect_harness, tmp_path_factory):
    """Ingest the sample twice into a fresh warehouse; yield (warehouse, first, second)."""
    from newsetl_flows.ingest import ingest

    folder = tmp_path_factory.mktemp("ingest")
    sources = sources_for(sample_site, folder / "sources.toml")
    warehouse = folder / "warehouse"
    first = ingest(sources=str(sources), warehouse=str(warehouse))
    counts_after_first = table_counts(warehouse)
    second = ingest(sources=str(sources), warehouse=str(warehouse))
    return warehouse, first, second, counts_after_first


def table_counts(warehouse) -> dict[str, int]:
    with duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True) as con:
        return {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("articles", "article_topics", "article_entities", "article_keywords")
        }


@pytest.fixture(scope="module")
def db(run):
    con = duckdb.connect(str(run[0] / "newsetl.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def articles(db) -> dict[str, dict]:
    cursor = db.execute("select * from articles")
    columns = [c[0] for c in cursor.description]
    return {row[0]: dict(zip(columns, row)) for row in cursor.fetchall()}


def by_truth(articles: dict[str, dict]):
    for truth in EXPECTED:
        yield truth, articles.get(article_id(truth["canonical_url"]))


def test_every_sample_article_is_loaded_once(articles, run):
    assert len(articles) == len(EXPECTED)
    missing = [t["path"] for t, a in by_truth(articles) if a is None]
    assert missing == []
    assert run[1]["status"] == "completed" and run[1]["new_articles"] == len(EXPECTED)


def test_titles_authors_and_dates_match_the_labels(articles):
    for truth, article in by_truth(articles):
        assert article["title"] == truth["title"], truth["path"]
        assert article["authors"] == truth["authors"], truth["path"]
        assert article["published_date"] == date.fromisoformat(truth["published_at"][:10]), truth[
            "path"
        ]
        assert article["canonical_url"] == truth["canonical_url"]
        assert article["language"] == "en"


def test_text_keeps_the_reporting_and_drops_the_boilerplate(articles):
    for truth, article in by_truth(articles):
        for paragraph in truth["body"]:
            assert paragraph in article["text"], (truth["path"], paragraph[:60])
        for line in truth["boilerplate"]:
            assert line not in article["text"], (truth["path"], line[:60])
        assert "\n\n" in article["text"] and "\n\n\n" not in article["text"]


def test_top_topic_matches_the_labelled_desk(db, articles):
    top = dict(
        db.execute(
            "select article_id, arg_max(topic_code, score) from article_topics group by 1"
        ).fetchall()
    )
    hits = [top.get(article_id(t["canonical_url"])) == t["topic"] for t in EXPECTED]
    # Our own 32 pages, one article is 3 points: a floor against breakage, not a quality figure
    # (the real held-out sets in the README are). linear-v4+minilm-ft-2 gets 30 (0.938); the two
    # misses are the sample's thinly trained desks (environment, crime). ft-1 got 28, with two
    # borderline economy calls (a museum's salvaged-boat installation, a battery maker's new cell).
    assert sum(hits) / len(hits) >= 0.90
    labels = {r[0] for r in db.execute("select distinct topic from article_topics").fetchall()}
    assert labels <= set(IPTC_TOPICS.values())


def test_people_and_places_are_found_and_places_resolved(db):
    rows = db.execute(
        "select article_id, entity, label, country_code from article_entities"
    ).fetchall()
    found = defaultdict(set)
    codes = {}
    for aid, entity, label, code in rows:
        found[aid].add((entity, label))
        if code:
            codes[entity] = code
    expected_people = [
        (article_id(t["canonical_url"]), name)
        for t in EXPECTED
        for name, label in t["entities"]
        if label == "PERSON"
    ]
    hit = sum((name, "PERSON") in found[aid] for aid, name in expected_people)
    assert hit / len(expected_people) >= 0.75
    assert codes.get("Turkey") == "TR"
    assert codes.get("Izmir") == "TR"
    assert codes.get("Glasgow") == "GB"


def test_the_same_story_from_two_outlets_shares_a_story_id(articles):
    """Every labelled story is one story id; different events rarely share one.

    Scored as quality.md does (pairwise precision and recall over article pairs). Known miss
    (stories v4, README "Stories"): the two WHO measles reports of one day, written about
    different announcements, are still joined: one false pair among the sample's 496.
    """
    labelled = [(truth["story"] or truth["path"], a["story_id"]) for truth, a in by_truth(articles)]
    same_truth = same_id = both = 0
    for i, (truth_a, id_a) in enumerate(labelled):
        for truth_b, id_b in labelled[i + 1 :]:
            same_truth += truth_a == truth_b
            same_id += id_a == id_b
            both += truth_a == truth_b and id_a == id_b
    assert same_truth == 3 and both == same_truth, "a labelled story was split"
    assert same_id - both <= 1, f"{same_id - both} pairs of different events share an id"


def test_enrichment_columns_are_filled(articles, db):
    for article in articles.values():
        assert article["word_count"] > 150
        assert -1 <= article["sentiment"] <= 1
        assert article["fetched_at"] is not None
    keywords = db.execute("select count(distinct article_id) from article_keywords").fetchone()[0]
    assert keywords == len(articles)


def test_bad_records_are_rejects_with_reasons(db):
    rows = db.execute("select stage, source, url, reason from rejects").fetchall()
    for expected in expected_rejects():
        match = [r for r in rows if r[2].endswith(expected["path"])]
        assert match, expected
        assert match[0][3] == expected["reason"]


def test_second_run_fetches_nothing_and_changes_no_counts(run):
    warehouse, first, second, counts_after_first = run
    assert second["fetched"] == 0 and second["new_articles"] == 0
    assert second["not_modified"] == 3  # conditional GET: every feed answered 304
    assert second["rejected"] == 0  # the page that was 404 is gone for good, not asked again
    assert table_counts(warehouse) == counts_after_first


def test_runs_table_and_views(db):
    runs = db.execute("select flow, status, fetched from runs order by started_at").fetchall()
    assert [r[:2] for r in runs] == [("ingest", "completed"), ("ingest", "completed")]
    topic_rows = db.execute("select sum(articles) from topic_daily").fetchone()[0]
    assert topic_rows >= len(EXPECTED)
    people = db.execute("select count(*) from entity_daily where label = 'PERSON'").fetchone()[0]
    assert people > 0


def test_lake_is_hive_partitioned_by_publication_date(run, articles):
    lake = run[0] / "lake"
    folders = sorted(p.name for p in (lake / "articles").iterdir())
    assert folders and all(f.startswith("published_date=2026-11-") for f in folders)
    rows = duckdb.sql(
        f"select article_id, published_date from read_parquet("
        f"'{lake}/articles/**/*.parquet', hive_partitioning = true)"
    ).fetchall()
    assert len(rows) == len(articles)
    assert {r[0]: r[1] for r in rows} == {a: v["published_date"] for a, v in articles.items()}


def test_raw_archive_keeps_every_response(run):
    raw = run[0] / "raw"
    rows = dict(
        duckdb.sql(
            f"select kind || ' ' || status, count(*) "
            f"from read_parquet('{raw}/**/*.parquet') group by 1"
        ).fetchall()
    )
    assert rows == {"page 200": run[1]["fetched"], "page 404": 1, "feed 200": 3}
