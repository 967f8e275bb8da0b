"""The stages after fetch, as plain functions over batches; flows compose them
(flows/tasks.py: process_wave spreads extract and enrich over chunks).

    raw pages -> extract -> clean -> enrich -> tables -> lake (Parquet) -> warehouse (DuckDB)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from newsetl.clean import clean_documents
from newsetl.config import Settings
from newsetl.enrich import assign_story_ids
from newsetl.extract import Document, extract_document
from newsetl.records import Article, RawPage, Reject
from newsetl.schema import ARTICLE_TABLES, TABLES
from newsetl.storage.lake import write_table
from newsetl.storage.rows import article_tables
from newsetl.storage.warehouse import Warehouse
from newsetl.urls import article_id


@dataclass
class Processed:
    """What a batch of raw pages became."""

    articles: list[Article] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    duplicates: int = 0


def extract_pages(pages: list[RawPage]) -> tuple[list[Document], list[Reject]]:
    """Documents of the pages; a page that breaks the extractor becomes a reject, not a crash."""
    documents, rejects = [], []
    for page in pages:
        try:
            result = extract_document(page)
        except Exception as err:  # one bad page must not fail the batch
            result = Reject(
                "extract",
                page.source,
                page.url,
                "extraction failed",
                f"{type(err).__name__}: {err}"[:300],
            )
        (rejects if isinstance(result, Reject) else documents).append(result)
    return documents, rejects


def drop_batch_duplicates(documents: list[Document]) -> tuple[list[Document], int]:
    """One document per canonical URL: the latest fetch wins."""
    latest: dict[str, Document] = {}
    for doc in documents:
        key = article_id(doc.canonical_url)
        if key not in latest or doc.page.fetched_at >= latest[key].page.fetched_at:
            latest[key] = doc
    return list(latest.values()), len(documents) - len(latest)


def clean_batch(
    documents: list[Document],
    warehouse: Warehouse,
    drop_patterns: dict[str, list[str]] | None = None,
) -> Processed:
    """Documents of a whole batch -> clean articles; boilerplate learned from the batch and the warehouse."""
    documents, duplicates = drop_batch_duplicates(documents)
    ids = [article_id(d.canonical_url) for d in documents]
    prior = warehouse.paragraph_counts(sorted({d.page.source for d in documents}), exclude=ids)
    articles, rejects = clean_documents(documents, prior, drop_patterns)
    return Processed(articles=articles, rejects=rejects, duplicates=duplicates)


def assign_stories(articles: list[Article], warehouse: Warehouse, settings: Settings) -> None:
    """Story ids for a whole enriched batch, joining stories already in the warehouse."""
    known = warehouse.recent_story_members(
        [a.published_date for a in articles],
        settings.story_window_days,
        exclude=[a.article_id for a in articles],
    )
    assign_story_ids(articles, known, settings.story_window_days)


def write_lake(tables: dict[str, pa.Table], warehouse: Warehouse) -> int:
    """Merge tables into the lake; returns the number of files written.

    Every article table is rewritten for all of the batch's articles, also where the batch
    has no rows for them any more, so the lake agrees with what `Warehouse.load` keeps.
    """
    articles = tables.get("articles")
    ids = articles.column("article_id").combine_chunks() if articles is not None else None
    written = 0
    for name, rows in tables.items():
        keys = ids if name in ARTICLE_TABLES and ids is not None else None
        written += len(write_table(TABLES[name], rows, warehouse.lake, keys=keys))
    return written


def to_tables(processed: Processed) -> dict[str, pa.Table]:
    return article_tables(processed.articles)
