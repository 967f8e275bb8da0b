"""A lone article shaped like the reference scrape (caption repeats, 'Video of day', a long
reader appeal, follow-us and newsletter lines): the first article of a new source, so nothing
is learned yet and the generic rules alone must clean it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from newsetl.clean import clean_documents
from newsetl.extract import extract_document
from newsetl.records import FeedItem, RawPage

PAGE = Path(__file__).resolve().parents[1] / "fixtures" / "seed_shaped.html"
REPORTING = [
    "Estonian Defence Minister Kaarel Vaher arrived in Helsinki on March 14, where he met his "
    "Finnish counterpart",
    "move from shared plans to shared equipment",
    "Kivelä said Finland was ready to host a common training centre",
    "Our skies are one sky",
    "The visit follows a meeting of Nordic and Baltic defence ministers in Riga",
    "According to the Estonian Centre for Defence Investments",
]
BOILERPLATE = [
    "(Photo:",
    "Video of day",
    "Will you help",
    "Dear reader",
    "membership page",
    "Rumours travel",
    "Please help us",
    "Follow us on",
    "poster",
    "Dispatch Morning",
    "daily newsletter",
    "Daily at 8am",
    "Show more news",
    "We use cookies",
]


def clean_article():
    page = RawPage(
        "raw-1",
        "run-1",
        "lakeside",
        "http://127.0.0.1/news/1",
        "k",
        "http://127.0.0.1/news/1",
        200,
        "text/html",
        "{}",
        PAGE.read_bytes(),
        FeedItem(published_at=datetime(2026, 3, 14, 9, 40, tzinfo=UTC)),
        datetime(2026, 3, 15, tzinfo=UTC),
    )
    articles, rejects = clean_documents([extract_document(page)])
    assert rejects == []
    return articles[0]


def test_every_reporting_paragraph_is_kept_once():
    text = clean_article().text
    for sentence in REPORTING:
        assert text.count(sentence) == 1, sentence


def test_appeal_promo_and_caption_repeats_are_gone():
    text = clean_article().text
    for line in BOILERPLATE:
        assert line not in text, line


def test_title_and_date():
    article = clean_article()
    assert (
        article.title == "Estonian defence chief visits Helsinki to deepen Baltic air-defence ties"
    )
    assert article.published_at == datetime(
        2026, 3, 14, 9, 40, tzinfo=UTC
    )  # the feed's date: full precision
