"""Malformed links: each becomes a reject with a reason, never an exception that fails a run."""

from __future__ import annotations

import json

import pytest

from newsetl.config import Settings
from newsetl.discover.sources import parse_feed, parse_sitemap
from newsetl.fetch.pages import fetch_pages
from newsetl.records import Candidate
from newsetl.sources import Source
from newsetl.transport.http import Fetcher, FetchError
from newsetl.urls import normalize_url, redact_text, redact_url, url_problem

LONG_LABEL = "a" * 64
BAD_LINKS = [
    "http://example.com:99999/story",  # port out of range
    "http://example.com:abc/story",  # port not a number
    "http://[::1/story",  # broken IPv6 literal
    "http://[fe80::zz]/story",  # not an IPv6 address
    f"http://{LONG_LABEL}.example.com/story",  # DNS label over 63 characters
    "http://" + ".".join(["abcdefghi"] * 30) + "/story",  # name over 253 characters
    "http://exa mple.com/story",  # space in the host
]


@pytest.mark.parametrize("link", BAD_LINKS)
def test_normalize_url_never_raises(link):
    assert isinstance(normalize_url(link), str)


@pytest.mark.parametrize("link", BAD_LINKS)
def test_url_problem_names_each_bad_link(link):
    assert url_problem(link)


@pytest.mark.parametrize(
    "link", ["https://example.com/a?b=1", "http://[2001:db8::1]:8080/x", "http://127.0.0.1:8/"]
)
def test_url_problem_passes_good_links(link):
    assert url_problem(link) is None


def rss(links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>t{n}</title><link>{link}</link></item>" for n, link in enumerate(links)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
    return f"{head}{items}</channel></rss>".encode()


def test_bad_links_in_a_feed_are_rejects_and_good_ones_stay():
    good = "https://example.com/good"
    candidates, rejects = parse_feed(rss([*BAD_LINKS[:5], good]), "https://example.com/feed", "s")
    assert [c.url for c in candidates] == [good]
    assert len(rejects) == 5
    # feedparser itself drops the links it cannot resolve (broken IPv6): those items have none
    assert {r.reason for r in rejects} <= {"bad url", "feed item without link"}
    assert [r.reason for r in rejects].count("bad url") >= 3


def test_bad_links_in_a_json_feed_are_rejects():
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [{"url": link} for link in BAD_LINKS[:3]] + [{"url": "https://example.com/ok"}],
    }
    candidates, rejects = parse_feed(json.dumps(feed).encode(), "https://example.com/f.json", "s")
    assert [c.url for c in candidates] == ["https://example.com/ok"]
    assert [r.reason for r in rejects] == ["bad url"] * 3


def test_deeply_nested_json_feed_is_a_reject():
    body = (
        b'{"version": "https://jsonfeed.org/version/1", "items": '
        + b"[" * 200_000
        + b"]" * 200_000
        + b"}"
    )
    candidates, rejects = parse_feed(body, "https://example.com/f.json", "s")
    assert candidates == []
    assert len(rejects) == 1 and rejects[0].reason == "not a feed"


def test_bad_links_in_a_sitemap_are_rejects():
    locs = "".join(
        f"<url><loc>{link}</loc></url>" for link in [*BAD_LINKS[:3], "https://example.com/x"]
    )
    body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode()
    rejects: list = []
    candidates, nested = parse_sitemap(body, "https://example.com/sitemap.xml", "s", rejects)
    assert [c.url for c in candidates] == ["https://example.com/x"]
    assert [r.reason for r in rejects] == ["bad url"] * 3


@pytest.mark.parametrize("link", BAD_LINKS)
def test_fetcher_refuses_a_bad_link_with_a_reason(link):
    with pytest.raises(FetchError) as caught:
        Fetcher(Settings(retries=0, host_delay=0)).get(link, robots=False)
    assert caught.value.reason == "bad url"


def test_fetch_pages_turns_bad_links_into_rejects():
    source = Source(name="s", kind="urls", urls=["https://example.com/x"])
    candidates = [Candidate("s", link) for link in BAD_LINKS]
    result = fetch_pages(
        source, candidates, Fetcher(Settings(retries=0, host_delay=0)), "run", set()
    )
    assert [r.reason for r in result.rejects] == ["bad url"] * len(BAD_LINKS)


# -- secrets in URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kept", "gone"),
    [
        ("https://user:hunter2@feeds.example.com/rss", "feeds.example.com/rss", "hunter2"),
        ("https://example.com/rss?token=s3cr3t&page=2", "page=2", "s3cr3t"),
        ("https://example.com/rss?api_key=s3cr3t", "example.com/rss", "s3cr3t"),
        ("https://example.com/rss?access_token=s3cr3t#x", "example.com/rss", "s3cr3t"),
        ("https://example.com/a?X-Amz-Signature=s3cr3t", "example.com/a", "s3cr3t"),
    ],
)
def test_redact_url_removes_credentials(url, kept, gone):
    redacted = redact_url(url)
    assert kept in redacted
    assert gone not in redacted
    assert gone not in normalize_url(url)


def test_redact_text_finds_urls_inside_messages():
    text = (
        "HTTPSConnectionPool(host='x'): Max retries exceeded with url: "
        "https://u:pw@x.org/f?token=abc (Caused by ...)"
    )
    redacted = redact_text(text)
    assert "pw@" not in redacted and "abc" not in redacted
    assert "Max retries exceeded" in redacted


def test_redact_url_leaves_plain_urls_alone():
    url = "https://example.com/news/a?id=7&page=2"
    assert redact_url(url) == url
