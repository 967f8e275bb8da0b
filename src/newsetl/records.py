"""The typed records that flow between stages."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Protocol

import numpy as np


@dataclass
class FeedItem:
    """What a feed or sitemap said about a link, kept as a fallback for page metadata."""

    title: str | None = None
    published_at: datetime | None = None
    authors: list[str] = field(default_factory=list)
    summary: str | None = None
    # A sitemap's <lastmod>: when the page last changed, not when it was published.
    modified_at: datetime | None = None

    def to_json(self) -> str:
        data = asdict(self)
        for key in ("published_at", "modified_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> FeedItem:
        if not text:
            return cls()
        data = json.loads(text)
        published, modified = data.get("published_at"), data.get("modified_at")
        return cls(
            title=data.get("title"),
            published_at=datetime.fromisoformat(published) if published else None,
            authors=list(data.get("authors") or []),
            summary=data.get("summary"),
            modified_at=datetime.fromisoformat(modified) if modified else None,
        )


@dataclass
class Candidate:
    """A URL (or local document) that discovery found and fetch should get."""

    source: str
    url: str
    item: FeedItem = field(default_factory=FeedItem)
    # Set for documents that discovery already holds (directory, WARC): no fetch needed.
    body: bytes | None = None
    content_type: str | None = None
    # The stored HTTP response's Content-Type header as written, charset and all (WARC):
    # archived with the page, so extraction reads it in its declared encoding.
    http_content_type: str | None = None


@dataclass
class RawPage:
    """One archived response: the input of extraction, and all that reprocess needs."""

    raw_id: str
    run_id: str
    source: str
    url: str
    url_key: str
    final_url: str
    status: int
    content_type: str
    headers: str
    body: bytes
    item: FeedItem
    fetched_at: datetime
    kind: str = "page"


@dataclass
class Reject:
    """A record that did not become an article, with the stage and a reason a person reads."""

    stage: str
    source: str
    url: str
    reason: str
    detail: str = ""


@dataclass
class Entity:
    entity: str
    label: str
    mentions: int
    country_code: str | None = None


@dataclass
class Article:
    """A clean article, then enriched in place by the enrich stage."""

    article_id: str
    source: str
    url: str
    canonical_url: str
    title: str
    authors: list[str]
    published_at: datetime | None
    date_source: str
    text: str
    raw_id: str
    run_id: str
    fetched_at: datetime
    description: str | None = None
    site_name: str | None = None
    paragraph_hashes: list[tuple[str, bool]] = field(default_factory=list)
    removed_paragraphs: int = 0
    # enrichment
    language: str | None = None
    word_count: int = 0
    sentiment: float | None = None
    story_id: str | None = None
    topics: list[tuple[str, float]] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    keywords: list[tuple[str, float]] = field(default_factory=list)
    vector: list[float] | None = None
    enrich_version: str | None = None

    @property
    def published_date(self) -> date | None:
        return self.published_at.date() if self.published_at else None


# Entity labels that can tie two articles to one story.
STORY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "EVENT", "FAC"}


def story_entities(article: Article) -> set[str]:
    """'LABEL:name' of the article's entities that can tie it to a story."""
    return {f"{e.label}:{e.entity}" for e in article.entities if e.label in STORY_LABELS}


@dataclass
class StoryMember:
    """An article as the story matcher sees it (this batch's, or one already loaded)."""

    article_id: str
    published_date: date | None
    entities: set[str]
    vector: np.ndarray
    story_id: str | None = None
    title: str = ""
    text: str = ""
    language: str | None = None  # ISO 639-1; None reads as English


class SeenKeys(Protocol):
    """URL keys already taken: a set, or the archive's seen-URL index (storage/seen.py)."""

    def __contains__(self, key: object) -> bool: ...

    def add(self, key: str) -> None: ...
