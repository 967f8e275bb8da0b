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
    """A lake/warehouse table: its schema, key and partition column."""

    def __init__(self, name: str, schema: pa.Schema, key: str, partition: str) -> None:
        self.name = name
        self.schema = schema
        self.key = key
        self.partition = partition

    def to_arrow(self, rows: list[dict[str, Any]]) -> pa.Table:
        """Build an Arrow table with exactly this schema from row dicts."""
        return pa.Table.from_pylist(rows, schema=self.schema)

    def empty(self) -> pa.Table:
        return self.schema.empty_table()


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("articles", ARTICLES, key="article_id", partition="published_date"),
        Table("article_topics", ARTICLE_TOPICS, key="article_id", partition="published_date"),
        Table("article_entities", ARTICLE_ENTITIES, key="article_id", partition="published_date"),
        Table("article_keywords", ARTICLE_KEYWORDS, key="article_id", partition="published_date"),
        Table(
            "article_paragraphs", ARTICLE_PARAGRAPHS, key="article_id", partition="published_date"
        ),
        Table("article_vectors", ARTICLE_VECTORS, key="article_id", partition="published_date"),
        Table("rejects", REJECTS, key="", partition="rejected_date"),
        Table("runs", RUNS, key="run_id", partition="started_date"),
    )
}

# Tables keyed by article: reloading an article replaces all of its rows in each of them.
ARTICLE_TABLES = [name for name, t in TABLES.items() if t.key == "article_id"]
RAW = Table("raw_pages", RAW_PAGES, key="raw_id", partition="fetched_date")

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
