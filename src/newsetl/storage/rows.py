"""Records -> Arrow tables of the schema, for the lake and the warehouse alike."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from newsetl.records import Article, Reject, story_entities
from newsetl.schema import IPTC_TOPICS, TABLES
from newsetl.urls import redact_text, redact_url


def article_tables(articles: list[Article]) -> dict[str, pa.Table]:
    """The articles table and its child tables for a batch of enriched articles."""
    rows: dict[str, list[dict]] = {
        name: []
        for name in (
            "articles",
            "article_topics",
            "article_entities",
            "article_keywords",
            "article_paragraphs",
            "article_vectors",
        )
    }
    for a in articles:
        day = a.published_date
        rows["articles"].append(
            {
                "article_id": a.article_id,
                "source": a.source,
                "url": a.url,
                "canonical_url": a.canonical_url,
                "title": a.title,
                "authors": a.authors,
                "published_at": a.published_at,
                "published_date": day,
                "date_source": a.date_source,
                "language": a.language,
                "description": a.description,
                "site_name": a.site_name,
                "text": a.text,
                "word_count": a.word_count,
                "reading_minutes": round(a.word_count / 230, 1),
                "sentiment": a.sentiment,
                "story_id": a.story_id,
                "removed_paragraphs": a.removed_paragraphs,
                "enrich_version": a.enrich_version,
                "raw_id": a.raw_id,
                "run_id": a.run_id,
                "fetched_at": a.fetched_at,
            }
        )
        base = {"article_id": a.article_id, "published_date": day}
        rows["article_topics"] += [
            {**base, "topic_code": c, "topic": IPTC_TOPICS[c], "score": s} for c, s in a.topics
        ]
        rows["article_entities"] += [
            {
                **base,
                "entity": e.entity,
                "label": e.label,
                "mentions": e.mentions,
                "country_code": e.country_code,
            }
            for e in a.entities
        ]
        rows["article_keywords"] += [{**base, "keyword": k, "score": s} for k, s in a.keywords]
        rows["article_paragraphs"] += [
            {**base, "source": a.source, "paragraph_hash": h, "removed": removed}
            for h, removed in a.paragraph_hashes
        ]
        if a.vector is not None:
            rows["article_vectors"].append(
                {
                    **base,
                    "story_id": a.story_id,
                    "vector": a.vector,
                    "entities": sorted(story_entities(a)),
                }
            )
    return {name: TABLES[name].to_arrow(r) for name, r in rows.items()}


def reject_table(rejects: list[Reject], run_id: str, at: datetime) -> pa.Table:
    return TABLES["rejects"].to_arrow(
        [
            {
                "run_id": run_id,
                "stage": r.stage,
                "source": r.source,
                "url": redact_url(r.url),  # no credential reaches a table
                "reason": r.reason,
                "detail": redact_text(r.detail),
                "rejected_at": at,
                "rejected_date": at.date(),
            }
            for r in rejects
        ]
    )


def run_table(runs: list[dict]) -> pa.Table:
    return TABLES["runs"].to_arrow(
        [{**run, "started_date": run["started_at"].date()} for run in runs]
    )
