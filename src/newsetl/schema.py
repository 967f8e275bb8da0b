"""Every table's columns and Arrow types, defined once.

The Parquet writer, the DuckDB DDL (`newsetl.storage.warehouse.ddl`) and the tests all read
these schemas. Child tables carry `published_date` so they partition like their article.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

ARTICLES = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("source", pa.string()),
        pa.field("url", pa.string()),
        pa.field("canonical_url", pa.string()),
        pa.field("title", pa.string()),
        pa.field("authors", pa.list_(pa.string())),
        pa.field("published_at", TS),
        pa.field("published_date", pa.date32()),
        pa.field("date_source", pa.string()),
        pa.field("language", pa.string()),
        pa.field("description", pa.string()),
        pa.field("site_name", pa.string()),
        pa.field("text", pa.string()),
        pa.field("word_count", pa.int32()),
        pa.field("reading_minutes", pa.float64()),
        pa.field("sentiment", pa.float64()),
        pa.field("story_id", pa.string()),
        pa.field("removed_paragraphs", pa.int32()),
        pa.field("enrich_version", pa.string()),
        pa.field("raw_id", pa.string()),
        pa.field("run_id", pa.string()),
        pa.field("fetched_at", TS),
    ]
)

ARTICLE_TOPICS = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("published_date", pa.date32()),
        pa.field("topic_code", pa.string()),
        pa.field("topic", pa.string()),
        pa.field("score", pa.float64()),
    ]
)

ARTICLE_ENTITIES = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("published_date", pa.date32()),
        pa.field("entity", pa.string()),
        pa.field("label", pa.string()),
        pa.field("mentions", pa.int32()),
        pa.field("country_code", pa.string()),
    ]
)

ARTICLE_KEYWORDS = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("published_date", pa.date32()),
        pa.field("keyword", pa.string()),
        pa.field("score", pa.float64()),
    ]
)

# Hashes of every extracted paragraph before cleaning: the corpus statistics from which
# per-source boilerplate is learned (a paragraph recurring across a source's articles).
ARTICLE_PARAGRAPHS = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("published_date", pa.date32()),
        pa.field("source", pa.string()),
        pa.field("paragraph_hash", pa.string()),
        pa.field("removed", pa.bool_()),
    ]
)

# Title+lead embeddings, so that stories can span runs.
ARTICLE_VECTORS = pa.schema(
    [
        pa.field("article_id", pa.string(), nullable=False),
        pa.field("published_date", pa.date32()),
        pa.field("story_id", pa.string()),
        pa.field("entities", pa.list_(pa.string())),
        pa.field("vector", pa.list_(pa.float32())),
    ]
)

REJECTS = pa.schema(
    [
        pa.field("run_id", pa.string()),
        pa.field("stage", pa.string()),
        pa.field("source", pa.string()),
        pa.field("url", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("detail", pa.string()),
        pa.field("rejected_at", TS),
        pa.field("rejected_date", pa.date32()),
    ]
)

RUNS = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("flow", pa.string()),
        pa.field("started_at", TS),
        pa.field("finished_at", TS),
        pa.field("status", pa.string()),
        pa.field("fetched", pa.int32()),
        pa.field("new_articles", pa.int32()),
        pa.field("duplicates", pa.int32()),
        pa.field("rejected", pa.int32()),
        # Set on a run that did not complete once a later run has processed what it archived.
        pa.field("recovered_by", pa.string()),
        pa.field("started_date", pa.date32()),
    ]
)

# The raw archive: every response as it came, the one layer that cannot be rebuilt.
RAW_PAGES = pa.schema(
    [
        pa.field("raw_id", pa.string(), nullable=False),
        pa.field("run_id", pa.string()),
        pa.field("source", pa.string()),
        pa.field("kind", pa.string()),  # page | feed | sitemap
        pa.field("url", pa.string()),
        pa.field("url_key", pa.string()),
        pa.field("final_url", pa.string()),
        pa.field("status", pa.int32()),
        pa.field("content_type", pa.string()),
        pa.field("headers", pa.string()),
        pa.field("body", pa.large_binary()),
        pa.field("feed_item", pa.string()),
        pa.field("fetched_at", TS),
        pa.field("fetched_date", pa.date32()),
    ]
)


class Table:
    """A lake/warehouse table: its schema, key, partition column and DuckDB schema.

    `db_schema` is where the table lives in DuckDB: `main` for the analyst's tables, `pipeline`
    for the pipeline's own state (out of the way of `show tables` and notebooks).
    """

    def __init__(
        self,
        name: str,
        schema: pa.Schema,
        key: str,
        partition: str,
        *,
        comment: str,
        db_schema: str = "main",
    ) -> None:
        self.name = name
        self.schema = schema
        self.key = key
        self.partition = partition
        self.comment = comment
        self.db_schema = db_schema

    @property
    def sql_name(self) -> str:
        """The name to use in SQL: qualified when the table is not in `main`."""
        return self.name if self.db_schema == "main" else f"{self.db_schema}.{self.name}"

    def to_arrow(self, rows: list[dict[str, Any]]) -> pa.Table:
        """Build an Arrow table with exactly this schema from row dicts."""
        return pa.Table.from_pylist(rows, schema=self.schema)

    def empty(self) -> pa.Table:
        return self.schema.empty_table()

    def column_comment(self, column: str) -> str:
        """The column's description (COMMENT ON COLUMN): table-specific first, then shared."""
        return COLUMN_COMMENTS.get(f"{self.name}.{column}") or COLUMN_COMMENTS[column]


PIPELINE_SCHEMA = "pipeline"

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "articles",
            ARTICLES,
            key="article_id",
            partition="published_date",
            comment="One row per news article: clean text, metadata, language, tone, story.",
        ),
        Table(
            "article_topics",
            ARTICLE_TOPICS,
            key="article_id",
            partition="published_date",
            comment="IPTC Media Topics of each article (top level, up to three), with scores.",
        ),
        Table(
            "article_entities",
            ARTICLE_ENTITIES,
            key="article_id",
            partition="published_date",
            comment="People, organisations, places... named in each article, by canonical name.",
        ),
        Table(
            "article_keywords",
            ARTICLE_KEYWORDS,
            key="article_id",
            partition="published_date",
            comment="Key phrases of each article: frequent words that are rare in the language.",
        ),
        Table(
            "article_paragraphs",
            ARTICLE_PARAGRAPHS,
            key="article_id",
            partition="published_date",
            comment="Pipeline state: hashes of extracted paragraphs, to learn per-source "
            "boilerplate.",
            db_schema=PIPELINE_SCHEMA,
        ),
        Table(
            "article_vectors",
            ARTICLE_VECTORS,
            key="article_id",
            partition="published_date",
            comment="Pipeline state: title+lead embeddings, so that stories span runs.",
            db_schema=PIPELINE_SCHEMA,
        ),
        Table(
            "rejects",
            REJECTS,
            key="",
            partition="rejected_date",
            comment="Records that did not become articles, with the stage and the reason.",
        ),
        Table(
            "runs",
            RUNS,
            key="run_id",
            partition="started_date",
            comment="One row per pipeline run (ingest, backfill, reprocess) and its counts.",
        ),
    )
}

# Tables keyed by article: reloading an article replaces all of its rows in each of them.
ARTICLE_TABLES = [name for name, t in TABLES.items() if t.key == "article_id"]
RAW = Table(
    "raw_pages",
    RAW_PAGES,
    key="raw_id",
    partition="fetched_date",
    comment="The raw archive (Parquet only): every response as it came.",
)

IPTC_TOPICS: dict[str, str] = {
    "medtop:01000000": "arts, culture, entertainment and media",
    "medtop:02000000": "crime, law and justice",
    "medtop:03000000": "disaster, accident and emergency incident",
    "medtop:04000000": "economy, business and finance",
    "medtop:05000000": "education",
    "medtop:06000000": "environment",
    "medtop:07000000": "health",
    "medtop:08000000": "human interest",
    "medtop:09000000": "labour",
    "medtop:10000000": "lifestyle and leisure",
    "medtop:11000000": "politics",
    "medtop:12000000": "religion",
    "medtop:13000000": "science and technology",
    "medtop:14000000": "society",
    "medtop:15000000": "sport",
    "medtop:16000000": "conflict, war and peace",
    "medtop:17000000": "weather",
}

# Column descriptions for COMMENT ON COLUMN, defined once: "table.column" entries win over the
# plain column name shared by several tables. Every column of TABLES must have one (tested).
COLUMN_COMMENTS: dict[str, str] = {
    "article_id": "Stable article key: hash of the canonical URL.",
    "published_date": (
        "Publication day of the article in the time zone the page gave (23:30 -05:00 on"
        " 14 March is 14 March); the lake's partition."
    ),
    "source": "Source name from the sources file.",
    "url": "URL as the source listed it.",
    "canonical_url": "Canonical URL of the page (link rel=canonical, og:url, or the URL).",
    "title": "Headline, without the site name.",
    "authors": "Bylines, without 'By' and roles.",
    "published_at": "Publication time, an instant (shown in the session's time zone).",
    "date_source": "Where published_at came from: url, json-ld, meta, time-tag, feed, "
    "page-text, page-text-partial or htmldate; none or future (only dates more than a day "
    "after the fetch) when it is NULL.",
    "language": "ISO 639-1 language code of the text.",
    "description": "Summary from the page's metadata.",
    "site_name": "Outlet name from the page's metadata.",
    "text": "Clean body text; paragraphs separated by a blank line.",
    "word_count": "Words in text (a Chinese or Japanese character counts as one).",
    "reading_minutes": "Reading time at 230 words a minute.",
    "sentiment": "Tone: VADER compound score averaged over paragraphs, -1..1 (English only).",
    "story_id": "Same value for articles telling the same story (across outlets and runs).",
    "removed_paragraphs": "Paragraphs removed as boilerplate by cleaning.",
    "enrich_version": "Enrichment method that produced the derived columns.",
    "raw_id": "Raw archive record the article was extracted from.",
    "run_id": "Pipeline run that wrote the row.",
    "fetched_at": "When the page was fetched (UTC).",
    "topic_code": "IPTC Media Topic code, e.g. medtop:15000000.",
    "topic": "IPTC Media Topic label in English, lower case, e.g. sport.",
    "article_topics.score": "Topic score, 0..1 (higher: more about the topic).",
    "entity": "Canonical name (a bare surname joins the full name in the article).",
    "label": "Entity type: PERSON, ORG, GPE, LOC, NORP, EVENT, ...",
    "mentions": "Times the entity is named in the article.",
    "country_code": "ISO 3166-1 alpha-2 country of a place; NULL for other entities.",
    "keyword": "Key phrase.",
    "article_keywords.score": "Key phrase score in (0, 1], 1 for the article's best phrase.",
    "paragraph_hash": "Hash of a normalised paragraph.",
    "removed": "Whether cleaning removed the paragraph.",
    "entities": "Entity names the story matching compares.",
    "vector": "Embedding of title and lead (WordLlama, 256 floats).",
    "stage": "Stage that rejected the record: discover, fetch, extract, clean...",
    "reason": "Why, in a few words: http 404, not an article, robots.txt disallows...",
    "detail": "More about the reason (an error message, a size...).",
    "rejected_at": "When the record was rejected (UTC).",
    "rejected_date": "Date of rejected_at; the lake's partition.",
    "flow": "Flow that ran: ingest, backfill or reprocess.",
    "started_at": "When the run started (UTC).",
    "finished_at": "When the run ended (UTC).",
    "status": "completed, failed, running or crashed.",
    "fetched": "Pages fetched by the run.",
    "new_articles": "Articles that were not in the warehouse before the run.",
    "duplicates": "Pages dropped as duplicates of another article.",
    "rejected": "Records rejected by the run.",
    "recovered_by": "Run that processed the pages of this run when it did not complete.",
    "started_date": "Date of started_at; the lake's partition.",
}
