"""Fetch a source's candidates into raw pages, skipping URLs the archive already holds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from newsetl.fetch.archive import headers_json
from newsetl.fetch.http import Fetcher, FetchError
from newsetl.records import Candidate, RawPage, Reject
from newsetl.sources import Source
from newsetl.urls import normalize_url

PAGE_TYPES = ("html", "xhtml", "text/plain")


@dataclass
class FetchResult:
    pages: list[RawPage] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    skipped: int = 0


def raw_id(run_id: str, url: str) -> str:
    return hashlib.sha256(f"{run_id}\n{url}".encode()).hexdigest()[:24]


def fetch_pages(source: Source, candidates: list[Candidate], fetcher: Fetcher, run_id: str,
                seen: set[str]) -> FetchResult:
    """Fetch every new candidate once; failures become rejects, known URLs are skipped."""
    result = FetchResult()
    for candidate in candidates:
        key = normalize_url(candidate.url)
        if key in seen:
            result.skipped += 1
            continue
        if source.max_articles is not None and len(result.pages) >= source.max_articles:
            result.skipped += 1
            continue
        seen.add(key)
        if candidate.body is not None:
            result.pages.append(RawPage(
                raw_id=raw_id(run_id, candidate.url), run_id=run_id, source=source.name,
                url=candidate.url, url_key=key, final_url=candidate.url, status=200,
                content_type=candidate.content_type or "text/html", headers="{}",
                body=candidate.body, item=candidate.item, fetched_at=datetime.now(UTC),
            ))
            continue
        try:
            fetched = fetcher.get(candidate.url, allow_private=source.allow_private_network,
                                  delay=source.delay, accept=PAGE_TYPES)
        except FetchError as err:
            result.rejects.append(Reject("fetch", source.name, candidate.url, err.reason, err.detail))
            continue
        result.pages.append(RawPage(
            raw_id=raw_id(run_id, candidate.url), run_id=run_id, source=source.name,
            url=candidate.url, url_key=key, final_url=fetched.final_url, status=fetched.status,
            content_type=fetched.content_type, headers=headers_json(fetched.headers),
            body=fetched.body, item=candidate.item, fetched_at=fetched.fetched_at,
        ))
    return result
