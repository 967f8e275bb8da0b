"""Property-based bad input: random and mutated URLs, dates, feeds, sitemaps, pages and
paragraphs. No exception escapes a stage; every bad record comes back as a reject with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsetl.clean.articles import clean_documents
from newsetl.config import Settings
from newsetl.dates import parse_feed_date
from newsetl.discover import discover
from newsetl.extract.page import Document
from newsetl.pipeline import extract_pages
from newsetl.records import FeedItem, RawPage, Reject
from newsetl.sources import Source
from newsetl.transport import Fetched
from newsetl.urls import (
    article_id,
    normalize_url,
    redact_text,
    redact_url,
    resolve_link,
    url_problem,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- URLs ------------------------------------------------------------------------------------------

url_chars = st.text(
    alphabet=st.sampled_from(
        list("abcXYZ019-._~:/?#[]@!$&'()*+,;=%[] \t\n") + ["é", "ü", "\x00", "\u3000"]
    ),
    max_size=60,
)
hosts = st.one_of(
    st.from_regex(r"[a-z0-9]{1,70}(\.[a-z0-9-]{1,20}){0,3}", fullmatch=True),
    st.sampled_from(
        ["[::1", "[fe80::1%eth0]", "[::ffff:10.0.0.1]", "127.0.0.1", "", "a..b", "xn--"]
    ),
)
ports = st.one_of(st.just(""), st.integers(-5, 70000).map(lambda p: f":{p}"), st.just(":x"))
urls = st.one_of(
    url_chars,
    st.builds(
        lambda scheme, user, host, port, path: f"{scheme}://{user}{host}{port}{path}",
        st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", ""]),
        st.sampled_from(["", "u:p@", "@", "user@"]),
        hosts,
        ports,
        url_chars,
    ),
)


@FAST
@given(urls)
def test_url_functions_are_total(url):
    assert isinstance(normalize_url(url), str)
    assert isinstance(article_id(url), str)
    assert url_problem(url) is None or isinstance(url_problem(url), str)
    assert isinstance(redact_url(url), str)
    assert isinstance(redact_text(f"error at {url} here"), str)
    resolved, problem = resolve_link("https://news.example.org/section/", url)
    assert isinstance(resolved, str)
    assert problem is None or isinstance(problem, str)


good_urls = st.builds(
    lambda host, path, query: f"https://{host}.example.org/{path}?{query}",
    st.from_regex(r"[a-z]{1,20}", fullmatch=True),
    st.from_regex(r"[a-zA-Z0-9/_-]{0,30}", fullmatch=True),
    st.from_regex(r"([a-z_]{1,8}=[a-z0-9]{0,5}&?){0,4}", fullmatch=True),
)


@FAST
@given(good_urls)
def test_normalising_twice_changes_nothing_and_ids_are_stable(url):
    once = normalize_url(url)
    assert normalize_url(once) == once
    assert article_id(url) == article_id(once)
    assert url_problem(url) is None


@FAST
@given(st.text(max_size=40), st.sampled_from(["token", "api_key", "access_token", "password"]))
def test_secrets_never_survive_redaction(secret, name):
    secret = "S" + "".join(c for c in secret if c.isalnum()) + "9"
    url = f"https://me:{secret}@example.org/feed?{name}={secret}&page=2"
    assert secret not in redact_url(url)
    assert secret not in normalize_url(url)
    assert secret not in redact_text(f"failed: {url} (timeout)")


# -- dates -----------------------------------------------------------------------------------------

date_like = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda d, sep, t, z: f"{d}{sep}{t}{z}",
        st.from_regex(r"\d{1,5}-\d{1,3}-\d{1,3}", fullmatch=True),
        st.sampled_from(["T", " ", ""]),
        st.from_regex(r"\d{1,3}:\d{1,3}(:\d{1,3})?", fullmatch=True),
        st.sampled_from(["Z", "+00:00", "+25:00", "-0500", " GMT", " PST", "", "+99"]),
    ),
    st.sampled_from(
        ["Mon, 32 Feb 2026 25:61:61 GMT", "0000-00-00", "9999-12-31T23:59:59Z", "\x00", "1e309"]
    ),
)


@FAST
@given(date_like)
def test_feed_date_parser_returns_an_aware_datetime_or_none(value):
    parsed = parse_feed_date(value)
    assert parsed is None or (isinstance(parsed, datetime) and parsed.tzinfo is not None)


@FAST
@given(date_like)
def test_page_dates_never_fail_the_extraction_stage(value):
    page = PAGE.replace(
        b"2026-11-16T09:00:00Z", value.encode("utf-8", "replace").replace(b'"', b"")
    )
    documents, rejects = extract_pages([raw(page)])
    assert len(documents) + len(rejects) == 1


# -- feeds and sitemaps, through the discover stage ------------------------------------------------


class ServedBody:
    """A fetcher that answers every request with one body (the stage under test is discover)."""

    def __init__(self, body: bytes, content_type: str) -> None:
        self.body, self.content_type = body, content_type
        self.settings = Settings(host_delay=0)

    def get(self, url, **kwargs):
        return Fetched(
            url, url, 200, self.content_type, {"content-type": self.content_type}, self.body
        )


RSS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quay</title>'
    b"<item><title>One</title><link>https://quay.example.org/1</link>"
    b"<pubDate>Mon, 16 Nov 2026 09:00:00 GMT</pubDate></item>"
    b"<item><title>Two &amp; more</title><link>/2</link>"
    b"<description>&lt;b&gt;x&lt;/b&gt;</description></item></channel></rss>"
)
ATOM = (
    b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    b'<title>Q</title><entry><title>A</title><link href="https://quay.example.org/a"/>'
    b"<updated>2026-11-16T09:00:00Z</updated></entry></feed>"
)
JSON_FEED = (
    b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"url": '
    b'"https://quay.example.org/j", "title": "J", "date_published": "2026-11-16T09:00:00Z", '
    b'"authors": [{"name": "Ana"}]}]}'
)
SITEMAP = (
    b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url>'
    b"<loc>https://quay.example.org/s</loc><lastmod>2026-11-16</lastmod><news:news>"
    b"<news:title>S</news:title><news:publication_date>2026-11-16T08:00:00+01:00"
    b"</news:publication_date></news:news></url></urlset>"
)
INDEX = (
    b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
    b"<loc>https://quay.example.org/s2.xml</loc></sitemap></sitemapindex>"
)


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """`seed` with a few bytes flipped, cut, repeated or spliced with junk."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup", "truncate"]))
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[i : i + draw(st.integers(1, 20))]
        elif op == "insert":
            data[i:i] = draw(
                st.sampled_from(
                    [
                        b"<",
                        b"&",
                        b"]]>",
                        b"<![CDATA[",
                        b"\xff\xfe",
                        b"{",
                        b"[" * 50,
                        b"&#0;",
                        b"<!ENTITY x 'y'>",
                        b"\x00",
                    ]
                )
            )
        elif op == "dup":
            data[i:i] = data[i : i + draw(st.integers(1, 40))] * draw(st.integers(1, 30))
        else:
            del data[i:]
    return bytes(data)


documents = st.one_of(
    st.binary(max_size=300),
    mutated(RSS),
    mutated(ATOM),
    mutated(JSON_FEED),
    mutated(SITEMAP),
    mutated(INDEX),
)


def check_discovery(found) -> None:
    for candidate in found.candidates:
        assert url_problem(candidate.url) is None, candidate.url
    for reject in found.rejects:
        assert reject.reason and isinstance(reject.reason, str)


@FAST
@given(documents, st.sampled_from(["application/rss+xml", "application/json", "text/xml", ""]))
def test_feed_discovery_never_raises(body, content_type):
    source = Source(name="q", kind="feed", url="https://quay.example.org/feed")
    check_discovery(discover(source, ServedBody(body, content_type)))


@FAST
@given(documents)
def test_sitemap_discovery_never_raises(body):
    source = Source(name="q", kind="sitemap", url="https://quay.example.org/sitemap.xml")
    check_discovery(discover(source, ServedBody(body, "application/xml")))


# -- extraction and cleaning -----------------------------------------------------------------------

PAGE = (
    b'<html lang="en"><head><title>Harbour reopens | Quay Post</title>'
    b'<meta property="og:type" content="article">'
    b'<meta property="article:published_time" content="2026-11-16T09:00:00Z">'
    b'<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
    b'"Harbour reopens", "author": {"name": "Ana Silva"}, "datePublished": "2026-11-16"}'
    b'</script></head><body><nav><a href="/">Home</a></nav><article><h1>Harbour reopens</h1>'
    b'<p class="byline">By Ana Silva</p><p>The harbour reopened on Monday after two weeks of '
    b"repairs to the quay wall, the port authority said.</p><p>Ferries resumed their regular "
    b"timetable in the afternoon, and fishing boats returned to their berths.</p><figure>"
    b'<img src="a.jpg"><figcaption>The quay at noon.</figcaption></figure></article>'
    b"<footer>(c) Quay Post</footer></body></html>"
)


def raw(body: bytes, content_type: str = "text/html") -> RawPage:
    url = "https://quay.example.org/2026/11/16/harbour"
    return RawPage(
        "r1",
        "run",
        "quay",
        url,
        url,
        url,
        200,
        content_type,
        "{}",
        body,
        FeedItem(),
        datetime.now(UTC),
    )


@SLOW
@given(
    st.one_of(st.binary(max_size=400), mutated(PAGE)),
    st.sampled_from(["text/html", "text/plain", "application/xhtml+xml"]),
)
def test_extraction_never_raises_and_accounts_for_every_page(body, content_type):
    documents, rejects = extract_pages([raw(body, content_type)])
    assert len(documents) + len(rejects) == 1
    for reject in rejects:
        assert reject.stage == "extract" and reject.reason


paragraphs = st.lists(
    st.one_of(
        st.text(max_size=200),
        st.sampled_from(
            [
                "Subscribe now!",
                "Advertisement",
                "© 2026 Quay Post",
                "Share this:",
                "\u200b",
                " ",
                "Read more",
            ]
        ),
    ),
    max_size=12,
)


@SLOW
@given(st.lists(paragraphs, min_size=1, max_size=4), st.one_of(st.none(), st.text(max_size=60)))
def test_cleaning_never_raises_and_accounts_for_every_document(batch, title):
    documents = [
        Document(
            page=raw(b"", "text/html"),
            canonical_url=f"https://quay.example.org/a/{n}",
            title=title,
            authors=[],
            published_at=None,
            date_source="none",
            paragraphs=paras,
        )
        for n, paras in enumerate(batch)
    ]
    articles, rejects = clean_documents(documents)
    assert len(articles) + len(rejects) == len(documents)
    assert all(isinstance(r, Reject) and r.reason for r in rejects)
