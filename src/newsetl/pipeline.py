"""The stages composed as plain functions over batches, with no orchestrator in sight; the flows
(flows/tasks.py) wrap these in Prefect tasks and spread extract and enrich over chunks.

    source -> acquire (discover, fetch, archive) -> raw pages
    raw pages -> extract -> clean -> enrich -> stories -> tables -> Warehouse.commit

Each step returns one immutable result; nothing is filled in along the way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from newsetl import progress
from newsetl.config import Settings
from newsetl.discover import discover
from newsetl.fetch.pages import fetch_pages, raw_page
from newsetl.records import Article, Candidate, RawPage, Reject, SeenKeys
from newsetl.sources import Source
from newsetl.storage.raw import write_raw
from newsetl.storage.rows import article_tables
from newsetl.storage.state import ConditionalCache
from newsetl.storage.warehouse import WarehouseView, write_lake
from newsetl.transport import Fetcher
from newsetl.urls import article_id

if TYPE_CHECKING:
    from newsetl.extract import Document

# Extraction, cleaning and enrichment are imported where a batch first needs them: a run with
# nothing new never does (about 0.15 s of imports saved; the worker processes import them
# up front, see newsetl.parallel_preload).

__all__ = [
    "Acquired",
    "Loaded",
    "Processed",
    "acquire",
    "assign_stories",
    "clean_batch",
    "drop_patterns_of",
    "enrich_batch",
    "extract_each",
    "extract_pages",
    "split_extracted",
    "to_tables",
    "write_lake",
]


# -- acquisition ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Acquired:
    """What acquiring one source gave: counts, rejects and the archive files, not bodies."""

    source: str
    candidates: int
    fetched: int
    skipped: int  # already archived, or taken earlier in this run
    not_modified: int
    rejects: list[Reject] = field(default_factory=list)
    archived: list[Path] = field(default_factory=list)
    past_limit: int = 0  # past the source's max_articles
    outside: int = 0  # outside a backfill's dates
    shared: int = 0  # of the skipped, listed by another source of the run first (which keeps them)


SOURCE_TIMED_OUT = "source timed out"  # a source slower than NEWSETL_SOURCE_TIMEOUT: read, in part


def every_source_failed(acquired: list[Acquired]) -> bool:
    """Whether no source could be read at all: each was rejected at discovery (its feed, sitemap,
    list or folder unreachable or unreadable) and none listed a candidate or answered "not
    modified". A scheduler must see such a run fail, not complete with nothing new. A source
    that timed out was read, slowly: it is no failure here (its pages may be archived yet
    uncounted; the caller also checks that the run fetched none)."""
    sources = [a for a in acquired if a.source]  # not the rejects recovered from killed runs
    return bool(sources) and all(
        a.candidates == 0
        and a.not_modified == 0
        and any(r.stage == "discover" and r.reason != SOURCE_TIMED_OUT for r in a.rejects)
        for a in sources
    )


def in_window(candidate: Candidate, window: tuple[date, date] | None) -> bool:
    """Within a backfill's dates by what the feed or sitemap said, else (a local page: a WARC
    record, an HTML file) by the date its own markup gives; undated candidates are kept."""
    if window is None:
        return True
    when = candidate.item.published_at or candidate.item.modified_at
    if when is None and candidate.body is not None and candidate.content_type == "text/html":
        from newsetl.extract.page import markup_date

        header = candidate.http_content_type
        headers = json.dumps({"content-type": header}) if header else None
        when = markup_date(candidate.body, candidate.url, headers)
    return when is None or window[0] <= when.date() <= window[1]


def acquire(
    source: Source,
    fetcher: Fetcher,
    run_id: str,
    seen: SeenKeys,
    cache: ConditionalCache | None,
    raw_dir: Path,
    window: tuple[date, date] | None = None,
    on_page: Callable[[], None] | None = None,
) -> Acquired:
    """Discover one source's candidates, fetch the ones not seen before (and in `window`), and
    archive every response as it goes, feeds and sitemaps included; `on_page` is called after
    each page fetched (or refused)."""
    found = discover(source, fetcher, cache, stream=True)
    counts = {"found": 0, "outside": 0}

    def candidates() -> Iterator[Candidate]:  # streamed: local sources carry their bodies
        for candidate in found.candidates:
            counts["found"] += 1
            if in_window(candidate, window):
                yield candidate
            else:
                counts["outside"] += 1

    documents = [
        raw_page(source.name, run_id, d.url, d.response, kind=d.kind) for d in found.documents
    ]

    def sink(held: list[RawPage]) -> list[Path]:
        return write_raw(held, raw_dir)

    result = fetch_pages(
        source,
        candidates(),
        fetcher,
        run_id,
        seen,
        workers=fetcher.settings.host_concurrency * 2,
        sink=sink,
        keep=documents,
        on_fetched=lambda: _fetched_one(on_page),
    )
    if cache is not None and (result.left_for_later or counts["outside"]):
        # Pages this run left (failed for now, past max_articles, outside the window): the
        # next run reads the feeds, sitemaps and local files that list them whole, changed or
        # not.
        cache.forget([d.url for d in found.documents] + found.files)
    return Acquired(
        source=source.name,
        candidates=counts["found"],
        fetched=result.fetched,
        skipped=result.skipped,
        shared=result.shared,
        past_limit=result.past_limit,
        outside=counts["outside"],
        not_modified=found.not_modified,
        rejects=found.rejects + result.rejects,
        archived=result.archived,
    )


def _fetched_one(on_page: Callable[[], None] | None) -> None:
    progress.update("fetch", advance=1, unit="pages")
    if on_page is not None:
        on_page()


# -- processing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Processed:
    """What a batch of raw pages became."""

    articles: list[Article] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    duplicates: int = 0


def drop_patterns_of(sources: list[Source]) -> dict[str, list[str]]:
    """Each source's own paragraphs to drop (regexes), by source name."""
    return {s.name: s.drop_patterns for s in sources if s.drop_patterns}


def extract_each(pages: list[RawPage]) -> list[Document | Reject]:
    """A document or a reject for each page, in order; a page that breaks the extractor
    becomes a reject, not a crash."""
    from newsetl.extract import extract_document

    results: list[Document | Reject] = []
    for page in pages:
        try:
            results.append(extract_document(page))
        except Exception as err:  # one bad page must not fail the batch
            results.append(
                Reject(
                    "extract",
                    page.source,
                    page.url,
                    "extraction failed",
                    f"{type(err).__name__}: {err}"[:300],
                )
            )
    return results


def split_extracted(results: list[Document | Reject]) -> tuple[list[Document], list[Reject]]:
    documents = [r for r in results if not isinstance(r, Reject)]
    return documents, [r for r in results if isinstance(r, Reject)]


def extract_pages(pages: list[RawPage]) -> tuple[list[Document], list[Reject]]:
    """Documents of the pages; a page that breaks the extractor becomes a reject, not a crash."""
    return split_extracted(extract_each(pages))


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
    stored: WarehouseView,
    drop_patterns: dict[str, list[str]] | None = None,
) -> Processed:
    """Documents of a whole batch -> clean articles; boilerplate learned from the batch and the
    warehouse."""
    from newsetl.clean.articles import clean_prepared, prepare_documents

    documents, duplicates = drop_batch_duplicates(documents)
    prepared = prepare_documents(documents)
    # Only the batch's own paragraphs are looked up: the answer is as small as the batch,
    # whatever the warehouse holds.
    prior = stored.paragraph_counts(
        sorted({d.page.source for d in documents}),
        exclude=[p.article_id for p in prepared],
        hashes=sorted({h for p in prepared for h in p.hashes}),
    )
    articles, rejects = clean_prepared(prepared, prior, drop_patterns)
    return Processed(articles=articles, rejects=rejects, duplicates=duplicates)


def enrich_batch(articles: list[Article], spacy_model: str) -> list[Article]:
    """Enriched copies of the articles (language, entities, topics, keywords, tone, vectors);
    the input is left as it was."""
    from newsetl.enrich import enrich_articles

    copies = [replace(a) for a in articles]
    enrich_articles(copies, spacy_model=spacy_model)
    return copies


# A batch whose dates span more days than this (a backfill of a month or a year) is matched in
# slices of this many days, each against the warehouse's articles of its own window: one read
# of the whole range held every stored article in it (a 60-day batch into a dense warehouse:
# 56,000 articles, about 440 MB).
STORY_SLICE_DAYS = 14


def assign_stories(
    articles: list[Article], stored: WarehouseView, settings: Settings
) -> list[Article]:
    """Copies of a whole enriched batch with story ids, joining stories already in the
    warehouse.

    A batch spanning more than `STORY_SLICE_DAYS` is matched slice by slice in date order; each
    slice also sees the batch's articles of the slices before it, with the ids they were given
    (as a second run would see the first), and the undated articles come with the last."""
    from newsetl.enrich import assign_story_ids, story_member

    window = settings.story_window_days
    exclude = [a.article_id for a in articles]
    copies = [replace(a) for a in articles]
    done: list[Article] = []
    for part in date_slices(copies, STORY_SLICE_DAYS):
        dates = [a.published_date for a in part if a.published_date]
        known = stored.recent_story_members(dates, window, exclude=exclude)
        if done and dates:  # slices: each holds dated articles
            low, high = min(dates) - timedelta(days=window), max(dates) + timedelta(days=window)
            known += [
                story_member(a)
                for a in done
                if a.published_date is None or low <= a.published_date <= high
            ]
        assign_story_ids(part, known, window)
        done += part
    return copies


def date_slices(articles: list[Article], days: int) -> list[list[Article]]:
    """The articles in one list when their dates span at most `days`; else in date order, cut
    into slices of at most `days` days each, the undated ones with the last slice."""
    dated = sorted(
        ((a.published_date, a) for a in articles if a.published_date), key=lambda da: da[0]
    )
    if not dated or (dated[-1][0] - dated[0][0]).days < days:
        return [articles]
    slices: list[list[Article]] = []
    start = dated[0][0]
    for day, article in dated:
        if not slices or (day - start).days >= days:
            slices.append([])
            start = day
        slices[-1].append(article)
    slices[-1] += [a for a in articles if not a.published_date]
    return slices


@dataclass(frozen=True)
class Loaded:
    """What processing and loading a run's waves gave, wave after wave added up."""

    new_articles: int = 0
    updated_articles: int = 0
    duplicates: int = 0
    rejects: list[Reject] = field(default_factory=list)

    def add(self, processed: Processed, new: int) -> Loaded:
        """This total with one more loaded wave (`new` of its articles were not known before)."""
        return Loaded(
            new_articles=self.new_articles + new,
            updated_articles=self.updated_articles + len(processed.articles) - new,
            duplicates=self.duplicates + processed.duplicates,
            rejects=self.rejects + processed.rejects,
        )


def to_tables(processed: Processed) -> dict[str, pa.Table]:
    return article_tables(processed.articles)
