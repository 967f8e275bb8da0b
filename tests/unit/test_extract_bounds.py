"""Extraction is bounded per page: a pathological page is a reject in seconds, not a stuck run."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from newsetl.extract.page import MAX_EXTRACT_BYTES, extract_document
from newsetl.records import FeedItem, RawPage, Reject


def page(body: bytes) -> RawPage:
    url = "http://news.example.org/a"
    return RawPage(
        "r", "run", "s", url, url, url, 200, "text/html", "{}", body, FeedItem(), datetime.now(UTC)
    )


def test_two_megabytes_of_paragraphs_is_rejected_quickly():
    body = b"<html><body>" + b"<p>word and another word here</p>" * 62_000 + b"</body></html>"
    assert len(body) > 2_000_000
    started = time.monotonic()
    result = extract_document(page(body))
    took = time.monotonic() - started
    assert isinstance(result, Reject)
    assert result.reason == "page too large"
    assert took < 5


def test_deeply_nested_markup_is_rejected_quickly():
    body = b"<html><body>" + b"<div>" * 100_000 + b"text" + b"</div>" * 100_000 + b"</body></html>"
    started = time.monotonic()
    result = extract_document(page(body))
    assert isinstance(result, Reject)
    assert time.monotonic() - started < 5


def test_bytes_over_the_limit_are_not_parsed():
    body = b"<html><body><p>" + b"x" * (MAX_EXTRACT_BYTES + 1) + b"</p></body></html>"
    started = time.monotonic()
    result = extract_document(page(body))
    assert isinstance(result, Reject) and result.reason == "page too large"
    assert time.monotonic() - started < 1


def test_an_ordinary_long_article_is_still_extracted():
    paragraphs = b"".join(
        b"<p>The council met again on Tuesday to discuss the harbour budget, number %d.</p>" % n
        for n in range(300)
    )
    body = (
        b"<html><head><title>Harbour</title></head><body><article><h1>Harbour</h1>"
        + paragraphs
        + b"</article></body></html>"
    )
    result = extract_document(page(body))
    assert not isinstance(result, Reject)
