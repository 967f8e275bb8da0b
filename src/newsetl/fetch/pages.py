"""Fetch a source's candidates into raw pages, skipping URLs the archive already holds."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from newsetl.records import Candidate, FeedItem, RawPage, Reject, SeenKeys
from newsetl.sources import Source
from newsetl.storage.raw import asked_again, headers_json
from newsetl.storage.seen import SeenUrls
from newsetl.transport import Fetched, Fetcher, FetchError
from newsetl.urls import normalize_url

PAGE_TYPES = ("html", "xhtml", "text/plain")
REFUSED = {"wrong content type", "too large"}  # answers that will not change by asking again


@dataclass(frozen=True)
class FetchResult:
    """What fetching one source's candidates gave: built once, replaced (not changed) by flush."""

    pages: list[RawPage] = field(default_factory=list)
    # Responses kept in the archive that are not articles to extract: feeds, sitemaps, HTTP errors.
    documents: list[RawPage] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    skipped: int = 0  # already archived, or taken earlier in this run
    shared: int = 0  # of those, taken by another source of this run (the first keeps a page)
    past_limit: int = 0  # past the source's max_articles: for a later run
    # Candidates the next run must see again: failed for now (timeouts, 5xx) or past the
    # source's max_articles. Their feed or sitemap must be read whole again, even if unchanged.
    left_for_later: int = 0
    # Once flushed to the archive: how many pages, and the files that hold them.
    fetched: int = 0
    archived: list[Path] = field(default_factory=list)

    def flush(self, sink: Callable[[list[RawPage]], list[Path]]) -> FetchResult:
        """The same result with what it held handed to the archive: counts and files only."""
        held = self.pages + self.documents
        if not held:
            return self
        return replace(
            self,
            pages=[],
            documents=[],
            fetched=self.fetched + len(self.pages),
            archived=self.archived + sink(held),
        )


def raw_id(run_id: str, url: str) -> str:
    return hashlib.sha256(f"{run_id}\n{url}".encode()).hexdigest()[:24]


def raw_page(
    source: str,
    run_id: str,
    url: str,
    fetched: Fetched,
    item: FeedItem | None = None,
    kind: str = "page",
) -> RawPage:
    """An archive record of one HTTP response."""
    return RawPage(
        raw_id=raw_id(run_id, url),
        run_id=run_id,
        source=source,
        url=url,
        url_key=normalize_url(url),
        final_url=fetched.final_url,
        status=fetched.status,
        content_type=fetched.content_type,
        headers=headers_json(fetched.headers),
        body=fetched.body,
        item=item or FeedItem(),
        fetched_at=fetched.fetched_at,
        kind=kind,
    )


FLUSH_BYTES = 64_000_000  # held bodies past this go to the archive, whatever their number
# Candidates read ahead so that the seen-URL index answers their keys in one query. A document
# discovery already holds (directory, WARC) ends a read-ahead: its body is not held for it.
READ_AHEAD = 1000


def _keyed(candidates: Iterable[Candidate], seen: SeenKeys) -> Iterator[tuple[Candidate, str]]:
    """Each candidate with its URL key, the index asked about a read-ahead's keys at once."""
    if not isinstance(seen, SeenUrls):
        yield from ((candidate, normalize_url(candidate.url)) for candidate in candidates)
        return
    ahead: list[tuple[Candidate, str]] = []
    for candidate in candidates:
        ahead.append((candidate, normalize_url(candidate.url)))
        if len(ahead) >= READ_AHEAD or candidate.body is not None:
            seen.look_up(key for _, key in ahead)
            yield from ahead
            ahead = []
    seen.look_up(key for _, key in ahead)
    yield from ahead


def fetch_pages(
    source: Source,
    candidates: Iterable[Candidate],
    fetcher: Fetcher,
    run_id: str,
    seen: SeenKeys,
    workers: int = 4,
    sink: Callable[[list[RawPage]], list[Path]] | None = None,
    flush_every: int = 500,
    keep: list[RawPage] | None = None,
    flush_bytes: int = FLUSH_BYTES,
    on_fetched: Callable[[], None] | None = None,
) -> FetchResult:
    """Fetch every new candidate once; failures become rejects, known URLs are skipped.

    Requests run on a few threads; the fetcher's per-host pacing and slots keep them polite.
    With a `sink` (the raw archive), responses are handed over every `flush_every` pages (or
    `flush_bytes` bytes) and at the end, together with `keep` (the feeds and sitemaps discovery
    got). Documents that discovery already holds (directory, WARC) are archived as the
    candidates are read, so an iterator of them is never held whole.
    """
    fetch_one = _fetcher_of(source, fetcher, run_id)
    todo: list[Candidate] = []
    skipped = shared = taken = held_bytes = later = 0
    result = FetchResult()
    index = seen if isinstance(seen, SeenUrls) else None  # a plain set knows no sources
    for candidate, key in _keyed(candidates, seen):
        if key in seen:
            skipped += 1
            shared += index is not None and index.taken_by(key) not in (None, source.name)
            continue
        if source.max_articles is not None and taken >= source.max_articles:
            later += 1
            continue
        if index is not None:
            index.add(key, source.name)
        else:
            seen.add(key)
        taken += 1
        if candidate.body is None:
            todo.append(candidate)
            continue
        page = fetch_one(candidate)
        result.pages.append(page)
        held_bytes += len(page.body)
        if on_fetched is not None:
            on_fetched()  # progress: one more page
        if sink is not None and (len(result.pages) >= flush_every or held_bytes >= flush_bytes):
            result = result.flush(sink)
            held_bytes = 0
    result = replace(result, skipped=skipped, shared=shared, past_limit=later, left_for_later=later)
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for outcome in pool.map(fetch_one, todo):
                if isinstance(outcome, RawPage):
                    result.pages.append(outcome)
                    if on_fetched is not None:
                        # progress: one more page fetched (a failure is a reject, counted there,
                        # so the bar ends at the summary's "fetched" count)
                        on_fetched()
                else:
                    reject, kept = outcome
                    result.rejects.append(reject)
                    if asked_again(kept):
                        result = replace(result, left_for_later=result.left_for_later + 1)
                    if kept is not None:
                        result.documents.append(kept)
                if sink is not None and len(result.pages) >= flush_every:
                    result = result.flush(sink)
    except BaseException:
        # The run is ending (Ctrl-C: the fetcher stopped): what was fetched goes to the archive,
        # where the next run takes it over, instead of being asked for again.
        if sink is not None:
            with contextlib.suppress(Exception):
                result.flush(sink)
        raise
    result.documents.extend(keep or [])
    return result.flush(sink) if sink is not None else result


def _fetcher_of(source: Source, fetcher: Fetcher, run_id: str) -> Callable:
    """The function that turns one candidate into a raw page, or a reject (and what to keep)."""

    def fetch_one(candidate: Candidate) -> RawPage | tuple[Reject, RawPage | None]:
        if candidate.body is not None:
            local = Fetched(
                url=candidate.url,
                final_url=candidate.url,
                status=200,
                content_type=candidate.content_type or "text/html",
                # The stored response's Content-Type, whose charset extraction reads.
                headers=(
                    {"content-type": candidate.http_content_type}
                    if candidate.http_content_type
                    else {}
                ),
                body=candidate.body,
            )
            return raw_page(source.name, run_id, candidate.url, local, candidate.item)
        try:
            fetched = fetcher.get(
                candidate.url,
                allow_private=source.allow_private_network,
                delay=source.delay,
                accept=PAGE_TYPES,
                robots=source.robots and fetcher.settings.obey_robots,
            )
        except FetchError as err:
            kept = (
                raw_page(source.name, run_id, candidate.url, err.response, candidate.item)
                if err.response
                else None
            )
            if kept is None and err.reason in REFUSED:
                # Answered, but not with an article: remembered so that later runs do not ask again.
                refused = Fetched(
                    url=candidate.url,
                    final_url=candidate.url,
                    status=err.status or 200,
                    content_type="",
                    headers={"x-newsetl-refused": err.reason},
                    body=b"",
                )
                kept = raw_page(
                    source.name, run_id, candidate.url, refused, candidate.item, kind="refused"
                )
            return Reject("fetch", source.name, candidate.url, err.reason, err.detail), kept
        return raw_page(source.name, run_id, candidate.url, fetched, candidate.item)

    return fetch_one
