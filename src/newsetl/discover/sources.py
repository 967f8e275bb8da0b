"""One discover function per source kind, behind `discover(source, fetcher)`."""

from __future__ import annotations

import functools
import gzip
import hashlib
import html
import io
import json
import re
import zlib
from calendar import timegm
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import feedparser
from lxml import etree
from lxml import html as lxml_html
from protego import Protego

from newsetl.dates import parse_feed_date, parse_iso
from newsetl.records import Candidate, FeedItem, Reject
from newsetl.sources import Source
from newsetl.storage.state import ConditionalCache
from newsetl.transport import Fetched, Fetcher, FetchError
from newsetl.urls import redact_text, redact_url, resolve_link

# A feed is read whatever type its server gives it: some send RSS as text/html. An HTML page
# given as a feed is a "not a feed" reject that names the feeds the page links to.
FEED_TYPES = ("xml", "rss", "atom", "json", "text/plain", "octet-stream", "html")
MAX_SITEMAPS = 50
MAX_UNZIPPED = 50_000_000
TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class DiscoveredDocument:
    """A feed or sitemap response (or an HTTP error's) that discovery got; fetch archives it."""

    kind: str
    response: Fetched

    @property
    def url(self) -> str:
        return self.response.url

    @property
    def final_url(self) -> str:
        return self.response.final_url

    @property
    def status(self) -> int:
        return self.response.status

    @property
    def body(self) -> bytes:
        return self.response.body


@dataclass(frozen=True)
class Discovery:
    """What discovering one source found: its result, built once."""

    candidates: list[Candidate] | Iterator[Candidate] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    # Feed and sitemap responses, for the raw archive like every response.
    documents: list[DiscoveredDocument] = field(default_factory=list)
    not_modified: int = 0
    # Local files read to their end (file URIs), filled as the candidates are read.
    files: list[str] = field(default_factory=list)


@dataclass
class Found:
    """What the discover functions collect while they work on one source."""

    candidates: list[Candidate] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    documents: list[DiscoveredDocument] = field(default_factory=list)
    not_modified: int = 0
    files: list[str] = field(default_factory=list)


class Context:
    """What a discover function needs besides its source."""

    def __init__(self, fetcher: Fetcher, cache: ConditionalCache | None = None) -> None:
        self.fetcher = fetcher
        self.cache = cache

    def get_document(
        self, source: Source, url: str, kind: str, found: Found, accept: tuple[str, ...] = ()
    ):
        """Fetch a feed or sitemap, conditionally when validators are known; None if unchanged."""
        validators = self.cache.validators(url) if self.cache else None
        try:
            fetched = self.fetcher.get(
                url,
                allow_private=source.allow_private_network,
                delay=source.delay,
                accept=accept,
                validators=validators,
                robots=source.robots and self.fetcher.settings.obey_robots,
            )
        except FetchError as err:
            if err.response is not None:
                found.documents.append(DiscoveredDocument(kind, err.response))
            raise
        unchanged = False
        if self.cache:
            unchanged = not fetched.not_modified and self.cache.unchanged(url, fetched.body)
            self.cache.remember(url, fetched.status, fetched.headers, fetched.body)
        if fetched.not_modified or unchanged:  # the earlier copy is in the archive already
            found.not_modified += 1
            return None
        found.documents.append(DiscoveredDocument(kind, fetched))
        return fetched


def discover(
    source: Source,
    fetcher: Fetcher,
    cache: ConditionalCache | None = None,
    *,
    stream: bool = False,
) -> Discovery:
    """Candidates of one source, a reject for each part of it that failed, and what was fetched.

    With `stream`, the candidates of local sources (directory, WARC), which carry their bodies,
    come as an iterator read one document at a time, so memory does not grow with the source;
    their rejects are added to `found.rejects` as the iterator is consumed.
    """
    kinds = {
        "feed": _feed,
        "sitemap": _sitemap,
        "urls": _urls,
    }
    found = Found()
    where = redact_url(source.url) if source.url else str(source.path)
    context = Context(fetcher, cache)
    if source.kind in LOCAL_KINDS:
        documents = _guarded(LOCAL_KINDS[source.kind](source, context, found), source, where, found)
        # found.rejects is shared, so rejects met while the stream is read land in the result.
        # A later document of a URL already met is a reject: its body may differ (another
        # capture in a WARC, a JSONL line repeated with other text), so it is not dropped silently.
        documents = _unique(documents, found.rejects)
        return Discovery(
            candidates=documents if stream else list(documents),
            rejects=found.rejects,
            files=found.files,
        )
    try:
        kinds[source.kind](source, context, found)
    except FetchError as err:
        found.rejects.append(Reject("discover", source.name, where, err.reason, err.detail))
    except (ValueError, RecursionError, OSError, etree.Error, UnicodeError) as err:
        # A document no parser foresaw: the source is rejected for this run, the run goes on.
        found.rejects.append(unreadable(source, where, err))
    return Discovery(
        candidates=list(_unique(found.candidates)),
        rejects=found.rejects,
        documents=found.documents,
        not_modified=found.not_modified,
    )


def _unique(
    candidates: Iterable[Candidate], rejects: list[Reject] | None = None
) -> Iterator[Candidate]:
    """Candidates in order, the first of each URL only (remembers URLs, not bodies). With
    `rejects`, each later one of a URL becomes a reject there (local documents, whose bodies
    may differ); a feed or sitemap naming a link twice names one page."""
    seen: set[str] = set()
    for candidate in candidates:
        if candidate.url not in seen:
            seen.add(candidate.url)
            yield candidate
        elif rejects is not None:
            rejects.append(
                Reject(
                    "discover",
                    candidate.source,
                    candidate.url,
                    "repeated url",
                    "an earlier document of this source has the same URL and is the one kept",
                )
            )


def _guarded(
    documents: Iterator[Candidate], source: Source, where: str, found: Found
) -> Iterator[Candidate]:
    """A local source's documents; whatever breaks the reading becomes one reject."""
    try:
        yield from documents
    except (ValueError, RecursionError, OSError, UnicodeError) as err:
        found.rejects.append(unreadable(source, where, err))


def unreadable(source: Source, where: str, err: BaseException) -> Reject:
    """The reject of a source whose document no parser could read (type and message kept)."""
    return Reject(
        "discover",
        source.name,
        where,
        "unreadable source",
        redact_text(f"{type(err).__name__}: {err}")[:300],
    )


def plain_text(value: str | None) -> str | None:
    """Feed titles often carry HTML tags and entities: keep the words."""
    if not value:
        return None
    return " ".join(html.unescape(TAG.sub(" ", value)).split()) or None


def _struct_to_datetime(value) -> datetime | None:
    return datetime.fromtimestamp(timegm(value), tz=UTC) if value else None


def parse_json_feed(
    body: bytes, base_url: str, source: str
) -> tuple[list[Candidate], list[Reject]] | None:
    """JSON Feed 1.x (feedparser reads only XML feeds); None when the body is not one."""
    try:
        data = json.loads(body)
    except RecursionError:
        return [], [Reject("discover", source, base_url, "not a feed", "JSON nested too deeply")]
    except ValueError:
        return None
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        return None
    items = data.get("items") if isinstance(data.get("items"), list) else []
    if not items:
        return [], [Reject("discover", source, base_url, "empty feed", "the feed lists no items")]
    feed_authors = _json_authors(data)
    candidates, rejects = [], []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = item.get("url") or item.get("external_url")
        if not isinstance(link, str) or not link.strip():
            rejects.append(
                Reject(
                    "discover",
                    source,
                    base_url,
                    "feed item without link",
                    str(item.get("title") or "")[:200],
                )
            )
            continue
        url, problem = resolve_link(base_url, link)
        if problem:
            rejects.append(_bad_link(source, url, problem))
            continue
        published = item.get("date_published") or item.get("date_modified")
        candidates.append(
            Candidate(
                source=source,
                url=url,
                item=FeedItem(
                    title=plain_text(
                        item.get("title") if isinstance(item.get("title"), str) else None
                    ),
                    published_at=parse_iso(published if isinstance(published, str) else None),
                    authors=_json_authors(item) or feed_authors,
                    summary=plain_text(
                        item.get("summary") if isinstance(item.get("summary"), str) else None
                    ),
                ),
            )
        )
    return candidates, rejects


def _json_authors(data: dict) -> list[str]:
    authors: list = (
        data["authors"] if isinstance(data.get("authors"), list) else [data.get("author")]
    )
    return [a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]


def parse_feed(
    body: bytes, base_url: str, source: str, content_type: str = "application/xml"
) -> tuple[list[Candidate], list[Reject]]:
    """Parse RSS/Atom/JSON Feed bytes into candidates; links resolved against the feed URL.

    The HTTP content type (with its charset) helps feedparser decode; without one it falls
    back to windows-1252 when the bytes are not the UTF-8 they claim to be.
    """
    if body.lstrip()[:1] == b"{":
        parsed_json = parse_json_feed(body, base_url, source)
        if parsed_json is not None:
            return parsed_json
    parsed = feedparser.parse(
        body,
        response_headers={
            "content-location": base_url,
            "content-type": content_type or "application/xml",
        },
    )
    if not parsed.entries:
        is_feed = parsed.get("version") or parsed.feed.get("title")
        reason = "empty feed" if is_feed else "not a feed"
        detail = (
            "the feed lists no items" if is_feed else str(parsed.get("bozo_exception", ""))[:300]
        )
        return [], [Reject("discover", source, base_url, reason, detail)]
    candidates, rejects = [], []
    for entry in parsed.entries:
        link = entry.get("link") or (
            entry.get("id") if str(entry.get("id", "")).startswith("http") else None
        )
        if not link:
            rejects.append(
                Reject(
                    "discover",
                    source,
                    base_url,
                    "feed item without link",
                    plain_text(entry.get("title")) or "",
                )
            )
            continue
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
        if not authors and entry.get("author"):
            authors = [entry["author"]]
        item = FeedItem(
            title=plain_text(entry.get("title")),
            published_at=_struct_to_datetime(
                entry.get("published_parsed") or entry.get("updated_parsed")
            )
            or parse_feed_date(entry.get("published") or entry.get("updated")),
            authors=[text for a in authors if (text := plain_text(a))],
            summary=plain_text(entry.get("summary")),
        )
        url, problem = resolve_link(base_url, link)
        if problem:
            rejects.append(_bad_link(source, url, problem))
            continue
        candidates.append(Candidate(source=source, url=url, item=item))
    return candidates, rejects


def _bad_link(source: str, url: str, problem: str) -> Reject:
    return Reject("discover", source, redact_url(url)[:2000], "bad url", problem[:300])


def _feed(source: Source, context: Context, found: Found) -> None:
    assert source.url  # the sources file's validation makes sure
    fetched = context.get_document(source, source.url, "feed", found, accept=FEED_TYPES)
    if fetched is None:
        return
    if HTML_START.search(fetched.body[:2000]) and not FEED_START.search(fetched.body[:2000]):
        found.rejects.append(
            Reject("discover", source.name, source.url, "not a feed", _feed_links(fetched))
        )
        return
    candidates, rejects = parse_feed(
        fetched.body, fetched.final_url, source.name, fetched.headers.get("content-type", "")
    )
    found.candidates += _newest_first(candidates)
    found.rejects += rejects


FEED_START = re.compile(
    rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:RDF)[\s>]", re.I | re.S
)
FEED_LINKS = (
    "//link[contains(@rel, 'alternate')][contains(@type, 'rss') or contains(@type, 'atom')]/@href"
)


def _feed_links(fetched: Fetched) -> str:
    """What to tell the user of an HTML page given as a feed: the feeds it links to, if any."""
    return "an HTML page, not RSS, Atom or JSON Feed" + (
        _feeds_named(fetched.body, fetched.final_url) or "; it links to no feed"
    )


def _feeds_named(body: bytes, base_url: str) -> str:
    """'; it links to the feeds URL, ...' for an HTML page that names its feeds, else ''."""
    try:
        page = lxml_html.fromstring(body)
    except (etree.ParserError, ValueError):
        return ""
    links = [resolve_link(base_url, href)[0] for href in page.xpath(FEED_LINKS)[:3]]
    return "; it links to the feeds " + ", ".join(links) if links else ""


def _maybe_gunzip(body: bytes) -> bytes:
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as unzipped:
            data = unzipped.read(MAX_UNZIPPED + 1)
    except (OSError, EOFError, zlib.error) as err:
        raise FetchError("bad gzip", f"sitemap does not unzip: {err}") from err
    if len(data) > MAX_UNZIPPED:
        raise FetchError("too large", f"sitemap unzips to more than {MAX_UNZIPPED} bytes")
    return data


# The sitemaps protocol (sitemaps.org) also allows a text file of URLs, one a line, and an RSS or
# Atom feed as a sitemap; a robots.txt names a site's sitemaps on its `Sitemap:` lines.
ROBOTS_LINE = re.compile(r"(user-agent|disallow|allow|sitemap|crawl-delay)\s*:", re.I)
WEB_URL = re.compile(r"https?://\S+$", re.I)
FEED_ROOTS = ("rss", "feed", "RDF")
HTML_START = re.compile(rb"<(!doctype\s+)?html[\s>]", re.I)
OLDEST = datetime.min.replace(tzinfo=UTC)


def parse_sitemap(
    body: bytes, base_url: str, source: str, rejects: list[Reject] | None = None
) -> tuple[list[Candidate], list[str]]:
    """Page candidates and nested sitemap URLs of one sitemap: an XML urlset or sitemapindex
    (gzipped too; an index's sitemaps newest first by their <lastmod>), a text sitemap, a feed
    (RSS, Atom, JSON Feed), or a robots.txt (its `Sitemap:` lines are the nested sitemaps).
    Links that cannot be fetched go to `rejects`; any other document is a "not a sitemap" error."""
    rejects = [] if rejects is None else rejects
    data = _maybe_gunzip(body)
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start == b"{" and (json_feed := parse_json_feed(data, base_url, source)) is not None:
        candidates, feed_rejects = json_feed
        rejects += feed_rejects
        return candidates, []
    if start != b"<":
        return _text_sitemap(data, base_url, source, rejects)
    root = etree.fromstring(
        data, parser=etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    )
    local = etree.QName(root).localname if root is not None else ""
    if local.lower() == "html" or (root is None and HTML_START.search(data[:2000])):
        raise FetchError(
            "not a sitemap",
            "an HTML page, not a <urlset> or <sitemapindex>" + _feeds_named(data, base_url),
        )
    if root is None:
        raise FetchError("not a sitemap", "no XML element could be read")
    if local == "sitemapindex":
        return [], _nested_sitemaps(root, base_url, source, rejects)
    if local in FEED_ROOTS:
        candidates, feed_rejects = parse_feed(data, base_url, source)
        rejects += feed_rejects
        return candidates, []
    if local != "urlset":
        raise FetchError(
            "not a sitemap", f"XML with a <{local}> root, not a <urlset> or <sitemapindex>"
        )
    candidates, entries, without_loc = [], 0, 0
    for url in root.iter("{*}url"):
        entries += 1
        loc = url.find("{*}loc")
        if loc is None or not (loc.text or "").strip():
            without_loc += 1
            continue
        item = FeedItem(
            title=plain_text(url.findtext("{*}news/{*}title")),
            published_at=parse_iso(url.findtext("{*}news/{*}publication_date")),
            modified_at=parse_iso(url.findtext("{*}lastmod")),
        )
        link, problem = resolve_link(base_url, loc.text)
        if problem:
            rejects.append(_bad_link(source, link, problem))
            continue
        candidates.append(Candidate(source=source, url=link, item=item))
    if not entries:
        rejects.append(
            Reject("discover", source, redact_url(base_url), "empty sitemap", "no <url> entries")
        )
    if without_loc:
        rejects.append(
            Reject(
                "discover",
                source,
                redact_url(base_url),
                "sitemap entry without loc",
                f"{without_loc} of {entries} <url> entries name no page",
            )
        )
    return candidates, []


def _nested_sitemaps(
    root: etree._Element, base_url: str, source: str, rejects: list[Reject]
) -> list[str]:
    """An index's sitemaps, the newest first by <lastmod> (undated ones after, in their order):
    a run that stops at MAX_SITEMAPS or at max_articles leaves the oldest archives."""
    nested: list[tuple[datetime, str]] = []
    for loc in root.iter("{*}loc"):
        url, problem = resolve_link(base_url, loc.text or "")
        if problem:
            rejects.append(_bad_link(source, url, problem))
            continue
        parent = loc.getparent()
        lastmod = parse_iso(parent.findtext("{*}lastmod")) if parent is not None else None
        nested.append((lastmod or OLDEST, url))
    nested.sort(key=lambda entry: entry[0], reverse=True)  # stable: equal dates keep their order
    return [url for _, url in nested]


def _text_sitemap(
    data: bytes, base_url: str, source: str, rejects: list[Reject]
) -> tuple[list[Candidate], list[str]]:
    """A text sitemap (one URL a line) or a robots.txt (its Sitemap: lines)."""
    lines = [line.strip() for line in data.decode("utf-8-sig", errors="replace").splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if any(ROBOTS_LINE.match(line) for line in lines):
        # read by protego, as the fetcher reads robots.txt (transport/robots.py)
        nested = []
        for link in Protego.parse("\n".join(lines)).sitemaps:
            url, problem = resolve_link(base_url, link)
            if problem:
                rejects.append(_bad_link(source, url, problem))
            else:
                nested.append(url)
        if not nested:
            raise FetchError("not a sitemap", "a robots.txt that names no sitemap")
        return [], nested
    urls = [line for line in lines if WEB_URL.match(line)]
    if not lines:
        raise FetchError("not a sitemap", "an empty document")
    if not urls or len(urls) < len(lines) / 2:
        first = redact_text(lines[0][:100])
        raise FetchError("not a sitemap", f"neither XML nor a list of URLs: {first!r}")
    if len(urls) < len(lines):
        other = [line for line in lines if not WEB_URL.match(line)]
        rejects.append(
            Reject(
                "discover",
                source,
                redact_url(base_url),
                "bad url",
                f"{len(other)} of {len(lines)} lines of the text sitemap are not URLs,"
                f" e.g. {redact_text(other[0][:100])!r}",
            )
        )
    candidates = []
    for line in urls:
        url, problem = resolve_link(base_url, line)
        if problem:
            rejects.append(_bad_link(source, url, problem))
        else:
            candidates.append(Candidate(source=source, url=url))
    return candidates, []


def _newest_first(candidates: list[Candidate]) -> list[Candidate]:
    """Dated entries newest first (publication date, else last change), undated ones after in
    their order: with max_articles, a run takes a site's newest pages, whatever order its
    sitemaps (many list the oldest first) or feed list them in."""
    return sorted(
        candidates,
        key=lambda c: c.item.published_at or c.item.modified_at or OLDEST,
        reverse=True,
    )


def _sitemap(source: Source, context: Context, found: Found) -> None:
    assert source.url  # the sources file's validation makes sure
    queue: list[str] = [source.url]
    done: set[str] = set()
    pages: list[Candidate] = []
    try:
        while queue and len(done) < MAX_SITEMAPS:
            url = queue.pop(0)
            if url in done:
                continue
            done.add(url)
            try:
                fetched = context.get_document(source, url, "sitemap", found)
                if fetched is None:
                    continue
                candidates, nested = parse_sitemap(
                    fetched.body, fetched.final_url, source.name, found.rejects
                )
            except FetchError as err:
                found.rejects.append(
                    Reject("discover", source.name, redact_url(url), err.reason, err.detail)
                )
                continue
            except etree.XMLSyntaxError as err:
                found.rejects.append(
                    Reject(
                        "discover", source.name, redact_url(url), "not a sitemap", str(err)[:300]
                    )
                )
                continue
            pages += candidates
            queue.extend(nested)
            if nested and context.cache:
                # An index can stay the same while its children change: always ask for it whole.
                context.cache.remember(url, 200, {})
    finally:
        # Sorted once all are in; what the sitemaps read so far gave is kept even when a later
        # one breaks the reading (the source's reject then says why).
        found.candidates += _newest_first(pages)
    queue = [url for url in queue if url not in done]
    if queue:
        found.rejects.append(
            Reject(
                "discover",
                source.name,
                redact_url(queue[0]),
                "too many sitemaps",
                f"stopped after {MAX_SITEMAPS}; {len(queue)} left",
            )
        )


def _urls(source: Source, context: Context, found: Found) -> None:
    for link in source.urls:
        url, problem = resolve_link("", link)
        if problem:
            found.rejects.append(_bad_link(source.name, url, problem))
        else:
            found.candidates.append(Candidate(source=source.name, url=url))


def _too_large(source: str, where: str, size: int, limit: int) -> Reject:
    return Reject("discover", source, where, "too large", f"{size} bytes > {limit}")


def _directory(source: Source, context: Context, found: Found) -> Iterator[Candidate]:
    """The documents of a folder (or one file), read one at a time; each is at most
    max_body_bytes (larger ones are rejects, never read whole)."""
    limit = context.fetcher.settings.max_body_bytes
    assert source.path  # the sources file's validation makes sure
    root = Path(source.path)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    for path in files:
        yield from _read_once(
            path, context, found, functools.partial(_directory_file, path, source, found, limit)
        )


def _directory_file(
    path: Path, source: Source, found: Found, limit: int, lines: Lines | None = None
) -> Iterator[Candidate]:
    """The documents of one file of a folder; of a JSON Lines file, those after `lines.start`
    (`lines.end` says where the reading stopped)."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".xhtml", ".txt"):
        size = path.stat().st_size
        if size > limit:
            found.rejects.append(_too_large(source.name, path.as_uri(), size, limit))
            return
        yield Candidate(
            source.name,
            path.resolve().as_uri(),
            body=path.read_bytes(),
            content_type="text/plain" if suffix == ".txt" else "text/html",
        )
    elif suffix == ".jsonl":
        yield from _jsonl(path, source.name, found.rejects, limit, lines or Lines())
    else:
        found.rejects.append(
            Reject(
                "discover",
                source.name,
                path.as_uri(),
                "unsupported file type",
                suffix or "no suffix",
            )
        )


# Bumped when what is read from a local file changes, so that files read before are read again.
FILE_READING = 1


@dataclass
class Lines:
    """Where a JSON Lines file's reading starts and where it ended: byte offset, lines before."""

    start: tuple[int, int] = (0, 0)
    end: tuple[int, int] = (0, 0)


def _read_once(
    path: Path,
    context: Context,
    found: Found,
    documents: Callable[[Lines], Iterator[Candidate]],
) -> Iterator[Candidate]:
    """The documents of one local file, unless an earlier run read this same file (same size,
    modification time and size limit) to its end: then none, and none of its rejects again
    (a bad JSON line, an unsupported file), and a run's cost follows its new files, not the
    folder. A JSON Lines file that only grew since (its earlier bytes the same) is read from
    where that reading ended. A file counts as read once its last document was taken; the
    acquisition forgets the source's files when the run left any of its pages for later
    (pipeline.acquire)."""
    cache = context.cache
    try:
        stat = path.stat()
    except OSError:
        cache = None  # gone meanwhile: reading it says what is wrong
    lines = Lines()
    if cache is None:
        yield from documents(lines)
        return
    uri = path.resolve().as_uri()
    limit = context.fetcher.settings.max_body_bytes
    kept = (cache.validators(uri) or {}).get("etag", "").split(":")
    same_reading = kept[2:4] == [str(limit), str(FILE_READING)]
    if same_reading and kept[:2] == [str(stat.st_size), str(stat.st_mtime_ns)]:
        return
    if same_reading and len(kept) == 7 and kept[4] == "jsonl":
        size, number, digest = int(kept[0]), int(kept[5]), kept[6]
        if stat.st_size > size and _prefix_digest(path, size) == digest:
            lines.start = (size, number)  # only grown: the lines read before are not read again
    yield from documents(lines)
    stamp = f"{stat.st_size}:{stat.st_mtime_ns}:{limit}:{FILE_READING}"
    if lines.end != (0, 0):  # a JSON Lines file: where its reading ended, for the next run
        offset, number = lines.end
        stamp = f"{offset}:{stat.st_mtime_ns}:{limit}:{FILE_READING}:jsonl:{number}:"
        stamp += _prefix_digest(path, offset)
    cache.remember(uri, 200, {"etag": stamp})
    found.files.append(uri)


def _whole(documents: Iterator[Candidate]) -> Callable[[Lines], Iterator[Candidate]]:
    """A file's documents for `_read_once`, read from the start whatever it asks."""
    return lambda _lines: documents


def _prefix_digest(path: Path, size: int) -> str:
    """sha256 of the first `size` bytes of `path`."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while size > 0:
            chunk = stream.read(min(size, 1 << 20))
            if not chunk:
                break
            digest.update(chunk)
            size -= len(chunk)
    return digest.hexdigest()


def _lines(path: Path, limit: int, lines: Lines | None = None) -> Iterator[tuple[int, str | None]]:
    """(number, text) of each line, streamed; a line longer than `limit` bytes comes as None
    and is skipped without being held. With `lines`, from `lines.start`; `lines.end` follows
    the reading (after the last line ended by a line break: a last line without one may still
    be being written, and the next run reads it again)."""
    lines = lines or Lines()
    with path.open("rb") as stream:
        offset, number = lines.start
        stream.seek(offset)
        lines.end = lines.start
        while True:
            line = stream.readline(limit + 1)
            if not line:
                return
            number += 1
            if len(line) > limit and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # skip the rest of the long line
                    line = stream.readline(1 << 20)
                yield number, None
            else:
                yield number, line.decode("utf-8", errors="replace")
            if line.endswith(b"\n"):
                lines.end = (stream.tell(), number)


def _jsonl(
    path: Path, source: str, rejects: list[Reject], limit: int, lines: Lines | None = None
) -> Iterator[Candidate]:
    """JSON lines with `url` and `html` or `text`, optionally `title`, `published_at`, `authors`
    (from `lines.start` on, see `_lines`)."""
    for number, line in _lines(path, limit, lines):
        where = f"{path.as_uri()}#L{number}"
        if line is None:
            rejects.append(Reject("discover", source, where, "too large", f"line > {limit} bytes"))
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("a record must be a JSON object")
            body = record.get("html") or record.get("text")
            if not isinstance(body, str) or not body.strip():
                raise ValueError("needs 'html' or 'text'")
            for key in ("url", "title", "published_at"):
                if record.get(key) is not None and not isinstance(record[key], str):
                    raise ValueError(f"'{key}' must be a string")
        except (ValueError, RecursionError) as err:
            rejects.append(Reject("discover", source, where, "bad jsonl record", str(err)[:300]))
            continue
        authors = record.get("authors") or []
        authors = (
            [authors]
            if isinstance(authors, str)
            else [a for a in authors if isinstance(a, str)]
            if isinstance(authors, list)
            else []
        )
        written = record.get("published_at")
        published = parse_iso(written) or parse_feed_date(written) if written else None
        if written and published is None:  # the record is kept; its date is not silently lost
            rejects.append(
                Reject(
                    "discover",
                    source,
                    where,
                    "bad jsonl date",
                    f"published_at {written[:80]!r} is no date: the article is kept without one",
                )
            )
        item = FeedItem(title=record.get("title"), published_at=published, authors=authors)
        yield Candidate(
            source,
            record.get("url") or _record_address(path, record.get("title"), body),
            item=item,
            body=body.encode("utf-8"),
            content_type="text/html" if record.get("html") else "text/plain",
        )


def _record_address(path: Path, title: str | None, body: str) -> str:
    """The address of a JSON-lines record that names none: its file and a digest of its title
    and body ("file:///.../batch.jsonl#record-3f9a..."). Its content, not its line: a file
    rewritten with records added on top, or rotated, keeps each record's address (a line number
    would give old records new ones, and new records old ones)."""
    digest = hashlib.sha256(f"{title or ''}\n{body}".encode()).hexdigest()[:16]
    return f"{path.as_uri()}#record-{digest}"


def _is_arc(path: Path) -> bool:
    """An ARC file, the Internet Archive's format before WARC (`.arc`, `.arc.gz`)."""
    return path.name.lower().endswith((".arc", ".arc.gz"))


def _archive_file(path: Path) -> bool:
    """A WARC (`.warc`, `.warc.gz`, and other `.warc.*` names) or an ARC, in a folder of them."""
    return ".warc" in path.name.lower() or _is_arc(path)


def _warc(source: Source, context: Context, found: Found) -> Iterator[Candidate]:
    assert source.path  # the sources file's validation makes sure
    root = Path(source.path)
    files = (
        [root]
        if root.is_file()
        else sorted(p for p in root.rglob("*") if _archive_file(p) and p.is_file())
    )
    limit = context.fetcher.settings.max_body_bytes
    for path in files:
        whole = _warc_file(path, source.name, found, limit)  # read only if _read_once asks
        yield from _read_once(path, context, found, _whole(whole))


def _warc_file(path: Path, source: str, found: Found, limit: int) -> Iterator[Candidate]:
    """HTML pages of one WARC or ARC file (responses, and resource records of HTML), one record
    at a time; a record whose content is over `limit` bytes decompressed is a reject (read no
    further than the limit); a file that is no archive, is cut short or holds no page is a
    reject. A file gzipped as one whole (`gzip crawl.warc`) is read as well as one gzipped
    record by record."""
    kinds: Counter[str] = Counter()
    pages, rejected = 0, len(found.rejects)
    with _warc_stream(path) as stream:
        arc = _is_arc(path)
        records = _quiet_archive_iterator()(stream, arc2warc=arc)  # an ARC's as WARC records
        try:
            for record in records:
                if record.format != "warc":
                    raise ValueError(f"not a WARC file ({record.format} records)")
                if arc and not kinds and record.rec_type != "warcinfo":
                    # warcio reads any text as ARC lines; an ARC opens with its file header
                    raise ValueError("not an ARC file (no filedesc:// header first)")
                kinds[record.rec_type] += 1
                page = _warc_page(record, source, path, found, limit)
                if page is not None:
                    pages += 1
                    yield page
            if getattr(stream.raw, "cut", False):
                raise ValueError("the file ends inside its gzip data (cut short)")
        except Exception as err:  # warcio raises bare exceptions on damaged archives
            found.rejects.append(
                Reject("discover", source, path.as_uri(), "bad warc file", str(err)[:300])
            )
            return
        finally:
            if records.err_count:
                found.rejects.append(_misread_lengths(source, path, records.err_count))
    if not kinds:
        found.rejects.append(
            Reject("discover", source, path.as_uri(), "bad warc file", "no WARC records")
        )
    elif not pages and len(found.rejects) == rejected:  # nothing of it reached the run
        held = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
        if kinds["conversion"]:  # Common Crawl's WET files: text taken out of pages, no HTML
            held += " (a WET file holds text extracted from pages, not the pages: give a WARC)"
        found.rejects.append(
            Reject("discover", source, path.as_uri(), "no pages in warc", f"records: {held}")
        )


@functools.cache
def _quiet_archive_iterator() -> type:
    """warcio's ArchiveIterator, which writes a warning on stderr for each record not followed
    by the blank lines its Content-Length puts there, silenced: it counts them all the same
    (`err_count`), and the count becomes a reject of the file (`_misread_lengths`)."""
    from warcio.archiveiterator import ArchiveIterator

    class QuietArchiveIterator(ArchiveIterator):
        INC_RECORD = ""

    return QuietArchiveIterator


def _misread_lengths(source: str, path: Path, count: int) -> Reject:
    records = "1 record" if count == 1 else f"{count} records"
    return Reject(
        "discover",
        source,
        path.as_uri(),
        "damaged warc records",
        f"{records} whose Content-Length does not end where the record does: read as the "
        "length says, a page may be cut short or carry bytes of the next record",
    )


def _warc_stream(path: Path) -> io.BufferedReader:
    """The file, or its gunzipped bytes when it is gzip (`Gunzipped`)."""
    raw = path.open("rb", buffering=0)
    magic = raw.read(2)
    raw.seek(0)
    return io.BufferedReader(Gunzipped(raw) if magic == b"\x1f\x8b" else raw)


class Gunzipped(io.RawIOBase):
    """The decompressed bytes of a gzip file of one member or many in a row.

    warcio reads a WARC gzipped record by record (a member each) but refuses one gzipped as a
    whole (`gzip crawl.warc`), and Python's GzipFile raises at a cut end, taking the bytes it
    had decompressed before with it. Here a file that ends inside a member simply ends (and
    says so in `cut`): every whole record before the cut is read, and the record it cuts comes
    short, which the caller rejects."""

    CHUNK = 1 << 16
    MAX_OUT = 1 << 20  # decompressed bytes at most per call, whatever the ratio

    def __init__(self, raw) -> None:
        self.raw = raw
        self.member = zlib.decompressobj(wbits=31)
        self.started = False  # the member has been given bytes
        self.waiting = b""  # compressed bytes not yet given to a member
        self.out = b""  # decompressed bytes not yet read
        self.cut = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.out:
            if self.member.eof:  # the next member starts with what the last one left over
                self.waiting = self.member.unused_data + self.waiting
                self.member, self.started = zlib.decompressobj(wbits=31), False
            if self.member.unconsumed_tail:
                self.out = self.member.decompress(self.member.unconsumed_tail, self.MAX_OUT)
                continue
            chunk = self.waiting or self.raw.read(self.CHUNK)
            self.waiting = b""
            if not chunk:
                self.cut = self.started
                return 0
            self.started = True
            self.out = self.member.decompress(chunk, self.MAX_OUT)
        size = min(len(buffer), len(self.out))
        buffer[:size] = self.out[:size]
        self.out = self.out[size:]
        return size

    def close(self) -> None:
        self.raw.close()
        super().close()


def _warc_page(record, source: str, path: Path, found: Found, limit: int) -> Candidate | None:
    """The candidate of one WARC record: an HTML response with status 200, or a resource record
    of HTML (a page stored without its HTTP exchange); other pages become rejects."""
    url = record.rec_headers.get_header("WARC-Target-URI")
    if record.rec_type == "response" and record.http_headers is not None:
        status = record.http_headers.get_statuscode()
        content_type = record.http_headers.get_header("Content-Type") or ""
    elif record.rec_type == "resource" and "html" in (record.content_type or ""):
        status, content_type = "200", record.content_type
    else:
        return None  # requests, revisits, metadata, warcinfo: no page of their own
    declared = content_type
    content_type = content_type.split(";")[0].strip().lower()
    if status != "200" or "html" not in content_type:
        found.rejects.append(
            Reject(
                "discover",
                source,
                url or path.as_uri(),
                "not an html page in warc",
                f"status {status or 'none'}, {content_type or 'no type'}",
            )
        )
        return None
    body = record.content_stream().read(limit + 1)
    if len(body) > limit:
        found.rejects.append(
            Reject("discover", source, url or path.as_uri(), "too large", f"over {limit} bytes")
        )
        return None
    if getattr(record.raw_stream, "limit", 0):  # the file ended inside this record
        raise ValueError(f"record for {url} is cut short")
    return Candidate(
        source,
        url,
        body=body,
        content_type=content_type,
        http_content_type=declared or None,
    )


LOCAL_KINDS = {"directory": _directory, "warc": _warc}
