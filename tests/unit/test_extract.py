"""newsetl.extract: page metadata helpers and extract_document on small inline pages."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from lxml import html as lxml_html

from newsetl.extract import Document, extract_document
from newsetl.extract.metadata import (
    clean_authors,
    complete_partial_date,
    find_canonical,
    parse_datetime,
    strip_site_name,
    written_date,
)
from newsetl.records import FeedItem, Reject

# -- complete_partial_date ----------------------------------------------------------------------


def test_partial_date_takes_the_reference_year():
    reference = datetime(2024, 8, 10, 12, 0, tzinfo=UTC)
    assert complete_partial_date("26 July, 03:40 PM", reference) == datetime(
        2024, 7, 26, 15, 40, tzinfo=UTC
    )


def test_partial_date_in_the_future_takes_the_year_before():
    reference = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert complete_partial_date("26 July, 03:40 PM", reference) == datetime(
        2023, 7, 26, 15, 40, tzinfo=UTC
    )


def test_partial_date_allows_one_day_ahead_for_time_zones():
    reference = datetime(2024, 8, 10, 12, 0, tzinfo=UTC)
    assert complete_partial_date("11 Aug, 10:00", reference).year == 2024
    assert complete_partial_date("12 Aug, 10:00", reference).year == 2023


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Updated: Aug 3, 09:15 am", datetime(2024, 8, 3, 9, 15, tzinfo=UTC)),
        ("Aug. 3 12:05 a.m.", datetime(2024, 8, 3, 0, 5, tzinfo=UTC)),
        ("3 August 12:30 PM", datetime(2024, 8, 3, 12, 30, tzinfo=UTC)),
        ("Sept 30, 18:45", datetime(2023, 9, 30, 18, 45, tzinfo=UTC)),
        (
            "Published 26 July 2021, 03:40 PM",
            datetime(2021, 7, 26, 15, 40, tzinfo=UTC),
        ),  # explicit year kept
    ],
)
def test_partial_date_formats(text, expected):
    assert complete_partial_date(text, datetime(2024, 8, 10, 12, 0, tzinfo=UTC)) == expected


def test_partial_date_keeps_the_reference_zone():
    cet = timezone(timedelta(hours=2))
    value = complete_partial_date("26 July, 15:40", datetime(2024, 8, 10, tzinfo=cet))
    assert value == datetime(2024, 7, 26, 15, 40, tzinfo=cet)


@pytest.mark.parametrize("text", ["no date here", "26 July", "31 June, 10:00", "Julyish 4, 10:00"])
def test_partial_date_none(text):
    assert complete_partial_date(text, datetime(2024, 8, 10, tzinfo=UTC)) is None


def test_partial_date_29_february_falls_back_to_the_leap_year():
    reference = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    assert complete_partial_date("29 Feb, 10:00", reference) == datetime(
        2024, 2, 29, 10, 0, tzinfo=UTC
    )


# -- parse_datetime -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "2024-03-05T10:20:30+0200",
            datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
        (
            "2024-03-05T10:20:30-0530",
            datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
        ),
        (
            "2024-03-05T10:20:30+02:00",
            datetime(2024, 3, 5, 10, 20, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2024-03-05T10:20:30Z", datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)),
        ("2024-03-05T10:20:30", datetime(2024, 3, 5, 10, 20, 30, tzinfo=UTC)),
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        (" 2024-03-05 at noon", datetime(2024, 3, 5, tzinfo=UTC)),
        # An ISO date, then a time and a zone's name: the time and the zone are kept.
        (
            "2024-03-05 10:20 EDT",
            datetime(2024, 3, 5, 10, 20, tzinfo=timezone(-timedelta(hours=4))),
        ),
        ("2024-03-05T10:20 CET", datetime(2024, 3, 5, 10, 20, tzinfo=timezone(timedelta(hours=1)))),
    ],
)
def test_parse_datetime(value, expected):
    parsed = parse_datetime(value)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "value",
    [None, "", "yesterday", "March 5", 20240305, "0000-00-00", "0000-00-00T00:00:00", "2020-13-45"],
)
def test_parse_datetime_none(value):
    assert parse_datetime(value) is None


# -- written_date: a date written in the page's text --------------------------------------------

EST, EDT = timezone(-timedelta(hours=5)), timezone(-timedelta(hours=4))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A time and its zone, after the date or before it.
        (
            "Published March 5, 2024 10:40 AM EST by Jo Lind",
            datetime(2024, 3, 5, 10, 40, tzinfo=EST),
        ),
        ("Posted 10:15 AM EST, Nov 3, 2025", datetime(2025, 11, 3, 10, 15, tzinfo=EST)),
        ("9:02 p.m. EDT, Mon March 4, 2024", datetime(2024, 3, 4, 21, 2, tzinfo=EDT)),
        ("14:20, Tuesday 5 March 2024", datetime(2024, 3, 5, 14, 20, tzinfo=UTC)),
        (
            "5 March 2024 18:05 GMT+2",
            datetime(2024, 3, 5, 18, 5, tzinfo=timezone(timedelta(hours=2))),
        ),
        # An ISO date is year, month, day on a page that writes its dates day first.
        ("Published 2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        (
            "on 2024-03-05 at 08:00 CET",
            datetime(2024, 3, 5, 8, 0, tzinfo=timezone(timedelta(hours=1))),
        ),
        ("05.03.2024 10:40", datetime(2024, 3, 5, 10, 40, tzinfo=UTC)),
    ],
)
def test_written_date_keeps_time_and_zone(text, expected):
    value, _ = written_date(text, dayfirst=True)
    assert value == expected
    assert value.utcoffset() == expected.utcoffset()


# -- authors, titles, canonical ------------------------------------------------------------------


def test_clean_authors_drops_by_and_role():
    assert clean_authors(["By Jane Doe, Economics Correspondent"]) == ["Jane Doe"]


def test_names_joined_by_a_title_cased_and_are_two_authors():
    assert clean_authors(["Sue Lee And Mark Ode"]) == ["Sue Lee", "Mark Ode"]
    assert clean_authors(["Andrea Anders and Sandy Band"]) == ["Andrea Anders", "Sandy Band"]


def test_a_byline_word_alone_is_no_author():
    # A byline whose "By" and name sit in separate elements hands over "By" alone.
    assert clean_authors(["By", "Written By", "By:"]) == []
    assert clean_authors(["Byron Kay"]) == ["Byron Kay"]


def test_clean_authors_drops_a_title_beside_the_name():
    assert clean_authors(["Ann Lee, Digital Security Expert"]) == ["Ann Lee"]
    assert clean_authors(["Bo Chan, Lead Reviewer"]) == ["Bo Chan"]
    # A name run into its title is no name: the next source of authors is asked.
    assert clean_authors(["Ann Lee Founder"]) == []
    assert clean_authors(["Ann Lee, Bo Chan"]) == ["Ann Lee", "Bo Chan"]


def test_clean_authors_splits_on_and():
    assert clean_authors(["Ann Lee and Bo Chan"]) == ["Ann Lee", "Bo Chan"]


def test_clean_authors_other_separators_urls_and_duplicates():
    raw = [
        "by Ann Lee; Bo Chan & Cy Dee",
        "https://velmora.example.org/staff/ann-lee",
        "Ann Lee",
        "Reuters staff",
    ]
    assert clean_authors(raw) == ["Ann Lee", "Bo Chan", "Cy Dee"]


def test_clean_authors_keeps_two_names_separated_by_comma_and_particles():
    assert clean_authors(["Lia Fontaine, Tom Berg"]) == ["Lia Fontaine", "Tom Berg"]
    assert clean_authors(["Anouk van der Berg"]) == ["Anouk van der Berg"]


def test_clean_authors_drops_non_names():
    assert clean_authors(["the editorial board", "", "News Desk"]) == []


def test_clean_authors_drops_a_date_run_into_the_byline():
    # Seen on real pages (WCXB dev): bylines whose date came along as part of the name.
    assert clean_authors(["Luke Kim December 3, 2025"]) == ["Luke Kim"]
    assert clean_authors(["Jordana Cepelewicz December"]) == ["Jordana Cepelewicz"]
    assert clean_authors(["Ann Lee Updated Feb 2, 2025"]) == ["Ann Lee"]
    assert clean_authors(["Dec", "August", "Updated March 4", "Yucy3/4/2025Shares"]) == []
    # A surname that is a month stays.
    assert clean_authors(["Tom May"]) == ["Tom May"]


def test_clean_authors_a_long_piece_after_a_comma_is_an_affiliation():
    raw = ["Arlene Marturano, South Carolina Garden-based Learning Network"]
    assert clean_authors(raw) == ["Arlene Marturano"]


def test_strip_site_name():
    assert strip_site_name("Headline | Outlet", "Outlet") == "Headline"
    assert strip_site_name("Ferry resumes - Velmora Post", "Velmora Post") == "Ferry resumes"
    assert strip_site_name("Velmora Post » Ferry resumes", "Velmora Post") == "Ferry resumes"
    assert (
        strip_site_name("Ferry resumes: what changes | Velmora Post", "Velmora Post")
        == "Ferry resumes: what changes"
    )


def test_the_site_is_also_known_by_its_host_and_by_most_of_its_name():
    url = "https://markets.velmorapost.example/funds/index"
    assert strip_site_name("Index funds | VelmoraPost", None, url) == "Index funds"
    assert strip_site_name("Tide tables • Velmora Post", "Velmora Post") == "Tide tables"
    assert (
        strip_site_name("Harbour maps | Velmora Post Media", "Velmora Post Media Group")
        == "Harbour maps"
    )
    # A short start of a long, wrong site name is not the site.
    title = "Velmora - Ferry resumes - Islands"
    assert strip_site_name(title, "Velmora - Ferry resumes after storm") == title
    assert strip_site_name("Ferry resumes | Islands", None, "http://127.0.0.1:8000/a") == (
        "Ferry resumes | Islands"
    )


def test_an_outlets_domain_before_the_headline_goes():
    assert strip_site_name("Velmora.com: Ferry Resumes", None) == "Ferry Resumes"
    assert strip_site_name("VelmoraPost.co.uk - Ferry Resumes", None) == "Ferry Resumes"
    assert strip_site_name("Ferry Resumes: Velmora.com", None) == "Ferry Resumes: Velmora.com"


def test_strip_site_name_leaves_other_titles_alone():
    assert strip_site_name("Ferry resumes", "Velmora Post") == "Ferry resumes"
    assert strip_site_name("Storm - what we know", None) == "Storm - what we know"
    assert strip_site_name("Storm - what we know", "Velmora Post") == "Storm - what we know"


def test_strip_site_name_keeps_separators_inside_the_headline():
    assert (
        strip_site_name("Ferry resumes - what changes - Velmora Post", "Velmora Post")
        == "Ferry resumes - what changes"
    )


def test_strip_site_name_needs_the_whole_site_name():
    assert (
        strip_site_name("US - China trade truce holds", "USA Today")
        == "US - China trade truce holds"
    )


def test_find_canonical_resolves_and_ignores_home_pages():
    tree = lxml_html.fromstring(
        '<html><head><link rel="canonical" href="/2024/a"></head><body></body></html>'
    )
    assert (
        find_canonical(tree, {}, "https://x.example.com/amp/2024/a")
        == "https://x.example.com/2024/a"
    )
    home = lxml_html.fromstring(
        '<html><head><link rel="canonical" href="https://x.example.com/"></head></html>'
    )
    assert (
        find_canonical(home, {}, "https://x.example.com/2024/a") == "https://x.example.com/2024/a"
    )
    assert find_canonical(
        home, {"og:url": "https://x.example.com/og/a"}, "https://x.example.com/2024/a"
    ) == ("https://x.example.com/og/a")


# -- extract_document -----------------------------------------------------------------------------

URL = "https://velmora.example.org/2024/barrier?utm_source=rss"
PARAGRAPHS = [
    (
        "The river authority in Velmora opened its new flood barrier on Tuesday after four years "
        "of construction "
        "along the eastern bank of the Ostra."
    ),
    (
        "Engineers said the steel gates can hold back water two metres above the highest level "
        "ever recorded in the "
        "town, set during the spring storms of the last decade."
    ),
    (
        "Residents of the low-lying Saltmarsh district, who were evacuated twice in five years, "
        "gathered on the "
        "embankment to watch the first closing of the gates."
    ),
    (
        "The project cost 140 million euros, most of it paid by the regional government, and the "
        "authority expects "
        "upkeep to cost about two million euros a year."
    ),
]
JSON_LD = (
    '<script type="application/ld+json">{"@context": "https://schema.org", '
    '"@graph": [{"@type": "WebSite", "name": "Velmora Post"}, {"@type": "NewsArticle", '
    '"headline": "Velmora flood barrier opens", '
    '"datePublished": "2024-05-20T08:00:00+02:00", "author": {"@type": "Person", '
    '"name": "By Mira Holt, River Correspondent"}}]}</script>'
)


def article_html(head: str = "", extra: str = "", h1: str = "Velmora flood barrier opens") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f"<html><head><title>Velmora flood barrier opens | Velmora Post</title>{head}</head><body>"
        f"<nav><a href='/'>Home</a> <a href='/city'>City</a></nav>"
        f"<article><h1>{h1}</h1>{paragraphs}{extra}</article>"
        f"<footer><p>Velmora Post, 12 Quay Street</p></footer></body></html>"
    )


# In this process pytest records warnings itself, past the pipeline's filter: the console
# is checked in a process of its own below.
@pytest.mark.filterwarnings("ignore:tzname")
def test_a_zone_name_in_the_date_keeps_its_time_and_puts_no_warning_on_the_console(make_page):
    head = '<meta name="pubdate" content="2024-05-20 08:00 EDT">'
    doc = extract_document(make_page(URL, article_html(head)))
    assert isinstance(doc, Document)
    assert doc.published_at == datetime(2024, 5, 20, 8, 0, tzinfo=timezone(-timedelta(hours=4)))
    assert doc.date_source == "meta"
    # htmldate (inside trafilatura) hands "EDT" to dateutil, which warns about each zone name it
    # does not know on the run's console. A process of its own: pytest keeps warnings itself.
    code = (
        "from datetime import UTC, datetime\n"
        "from newsetl.extract import extract_document\n"
        "from newsetl.records import FeedItem, RawPage\n"
        f"body = {article_html(head)!r}.encode()\n"
        f"page = RawPage('r', 'run', 's', {URL!r}, 'k', {URL!r}, 200, 'text/html', '{{}}', body,"
        " FeedItem(), datetime.now(UTC))\n"
        "print(extract_document(page).published_at)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2024-05-20 08:00:00-04:00"
    assert "tzname" not in out.stderr, out.stderr


def test_json_ld_date_wins_over_feed_date(make_page):
    feed_date = datetime(2024, 5, 22, 6, 0, tzinfo=UTC)
    page = make_page(
        URL, article_html(JSON_LD), item=FeedItem(published_at=feed_date, title="Feed title")
    )
    doc = extract_document(page)
    assert isinstance(doc, Document)
    assert doc.published_at == datetime(2024, 5, 20, 8, 0, tzinfo=timezone(timedelta(hours=2)))
    assert doc.date_source == "json-ld"
    assert doc.title == "Velmora flood barrier opens"
    assert doc.authors == ["Mira Holt"]


def test_feed_date_is_used_when_the_page_has_none(make_page):
    feed_date = datetime(2024, 5, 22, 6, 0, tzinfo=UTC)
    page = make_page(
        URL, article_html(), item=FeedItem(published_at=feed_date, authors=["By Tom Berg"])
    )
    doc = extract_document(page)
    assert isinstance(doc, Document)
    assert (doc.published_at, doc.date_source) == (feed_date, "feed")
    assert doc.authors == ["Tom Berg"]  # feed authors are the last fallback, cleaned too


def test_an_organisation_as_json_ld_author_gives_way_to_a_person_named_on_the_page(make_page):
    def ld(author: str) -> str:
        return (
            '<script type="application/ld+json">{"@context": "https://schema.org", '
            '"@type": "NewsArticle", "headline": "Velmora flood barrier opens", '
            f'"author": {author}}}</script>'
        )

    outlet = '{"@type": "Organization", "name": "Velmora Post"}'
    item = FeedItem(authors=["Tom Berg"])
    doc = extract_document(make_page(URL, article_html(ld(outlet)), item=item))
    assert isinstance(doc, Document) and doc.authors == ["Tom Berg"]
    # Named by no one else, the organisation stays the author.
    doc = extract_document(make_page(URL, article_html(ld(outlet))))
    assert isinstance(doc, Document) and doc.authors == ["Velmora Post"]
    person = '[{"@type": "Person", "name": "Mira Holt"}, ' + outlet + "]"
    doc = extract_document(make_page(URL, article_html(ld(person)), item=item))
    assert isinstance(doc, Document) and doc.authors == ["Mira Holt"]


def test_meta_date_and_time_tag(make_page):
    meta = '<meta property="article:published_time" content="2024-05-19T10:00:00Z">'
    doc = extract_document(make_page(URL, article_html(meta)))
    assert (doc.published_at, doc.date_source) == (datetime(2024, 5, 19, 10, 0, tzinfo=UTC), "meta")
    time_tag = (
        '<p><time datetime="2024-05-18T07:30:00+00:00" itemprop="datePublished">18 May</time></p>'
    )
    doc = extract_document(make_page(URL, article_html(extra=time_tag)))
    assert (doc.published_at, doc.date_source) == (
        datetime(2024, 5, 18, 7, 30, tzinfo=UTC),
        "time-tag",
    )


def test_canonical_link_is_used(make_page):
    head = '<link rel="canonical" href="/2024/05/velmora-flood-barrier-opens">'
    doc = extract_document(make_page(URL, article_html(head)))
    assert doc.canonical_url == "https://velmora.example.org/2024/05/velmora-flood-barrier-opens"


def test_without_canonical_the_final_url_is_used(make_page):
    doc = extract_document(
        make_page(URL, article_html(), final_url="https://velmora.example.org/2024/final")
    )
    assert doc.canonical_url == "https://velmora.example.org/2024/final"


def test_document_fields(make_page):
    head = (
        '<meta property="og:site_name" content="Velmora Post">'
        '<meta property="og:description" content="Four years of works end on the Ostra.">'
    )
    figure = (
        '<figure><img src="gates.jpg"><figcaption>The  gates seen from the EAST bank.'
        "</figcaption></figure>"
    )
    doc = extract_document(make_page(URL, article_html(head, extra=figure)))
    assert isinstance(doc, Document)
    assert doc.site_name == "Velmora Post"
    assert doc.description == "Four years of works end on the Ostra."
    assert doc.title == "Velmora flood barrier opens"  # the <title>'s " | Velmora Post" is not kept
    for paragraph in PARAGRAPHS:
        assert paragraph in doc.paragraphs
    assert not any("Quay Street" in p for p in doc.paragraphs)  # the footer is not article text
    assert "the gates seen from the east bank." in doc.captions  # normalised: spaces, case


def test_page_of_linked_headlines_is_not_an_article(make_page):
    items = "".join(
        f"<h2><a href='/2024/story-{i}'>Council debates budget item number {i} for the "
        f"harbour</a></h2>"
        f"<p>Teaser {i}.</p>"
        for i in range(6)
    )
    page = make_page(
        "https://velmora.example.org/",
        f"<html><head><title>Velmora Post</title></head><body><main>{items}</main></body></html>",
    )
    result = extract_document(page)
    assert isinstance(result, Reject)
    assert (result.stage, result.source, result.reason) == (
        "extract",
        "velmora-post",
        "not an article",
    )
    assert result.url == "https://velmora.example.org/"


def test_linked_headlines_in_nav_do_not_make_a_list_page(make_page):
    nav = "".join(f"<h3><a href='/s{i}'>Section {i}</a></h3>" for i in range(6))
    doc = extract_document(make_page(URL, article_html().replace("<nav>", f"<nav>{nav}")))
    assert isinstance(doc, Document)


def test_article_markup_overrides_the_list_page_rule(make_page):
    related = "".join(f"<h2><a href='/r{i}'>Related story {i}</a></h2>" for i in range(6))
    doc = extract_document(make_page(URL, article_html(JSON_LD, extra=related)))
    assert isinstance(doc, Document)


def test_empty_page_has_no_article_text(make_page):
    result = extract_document(make_page(URL, "<html><body><div></div></body></html>"))
    assert isinstance(result, Reject)
    assert (result.stage, result.reason) == ("extract", "no article text")


def test_plain_text_page(make_page):
    body = (
        "Night buses return\n\nThe first night bus ran on Friday.\n\n\nDrivers said the route was "
        "quiet."
    )
    item = FeedItem(published_at=datetime(2024, 4, 5, tzinfo=UTC), authors=["By Ann Lee"])
    doc = extract_document(
        make_page("file:///docs/b.txt", body, content_type="text/plain", item=item)
    )
    assert doc.title == "Night buses return"
    assert doc.paragraphs == [
        "The first night bus ran on Friday.",
        "Drivers said the route was quiet.",
    ]
    assert (doc.published_at, doc.date_source, doc.authors) == (
        item.published_at,
        "feed",
        ["Ann Lee"],
    )


def test_a_short_plain_text_document_is_an_article_a_short_web_page_is_not(make_page):
    from newsetl.clean import clean_documents

    summary = "The harbour board approved a second ferry for the winter timetable on Monday."
    item = FeedItem(title="Second ferry for winter")  # a JSONL record's title and text
    doc = extract_document(
        make_page("file:///inbox/ferry.txt", summary, content_type="text/plain", item=item)
    )
    articles, rejects = clean_documents([doc])
    assert [a.text for a in articles] == [summary] and not rejects
    # The same text fetched from the web as text/plain is a web page: too short.
    fetched = replace(
        make_page("https://news.example.org/ferry.txt", summary, content_type="text/plain"),
        headers='{"content-type": "text/plain"}',
    )
    articles, rejects = clean_documents([extract_document(fetched)])
    assert not articles and rejects[0].reason == "not an article"
    html = f"<html><body><article><h1>Second ferry for winter</h1><p>{summary}</p></article>"
    doc = extract_document(make_page("https://news.example.org/ferry", html + "</body></html>"))
    articles, rejects = clean_documents([doc]) if isinstance(doc, Document) else ([], [doc])
    assert not articles and rejects[0].reason == "not an article"


def test_a_news_brief_a_feed_lists_with_its_date_is_an_article(make_page):
    from newsetl.clean import clean_documents

    brief = (
        "Police closed the coast road at Kessel Point after a lorry lost its load on Monday "
        "morning; diversions run through the village until the evening."
    )
    html = f"<html><body><h1>Coast road closed after lorry spill</h1><p>{brief}</p></body></html>"
    listed = FeedItem(title="Coast road closed", published_at=datetime(2024, 4, 8, tzinfo=UTC))
    for item, articles_expected in ((listed, 1), (FeedItem(), 0)):
        doc = extract_document(make_page("https://news.example.org/brief", html, item=item))
        assert isinstance(doc, Document)
        articles, rejects = clean_documents([doc])
        assert len(articles) == articles_expected, item
        assert len(rejects) == 1 - articles_expected


def test_warm_up_compiles_every_locale_of_the_fallback_date_parser_in_a_fresh_process():
    # The worker pool's fork server runs it so that no worker compiles them on its first page.
    code = (
        "import dateparser.languages.dictionary as d, newsetl.extract as e;"
        "before = sum(map(len, d.Dictionary._split_regex_cache.values()));"
        "e.warm_up();"
        "print(before, sum(map(len, d.Dictionary._split_regex_cache.values())))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    before, after = map(int, out.stdout.split())
    assert before == 0 and after > 150


def _counting_trafilatura_metadata(monkeypatch) -> list[str]:
    """Counts trafilatura's metadata step, however it is reached (bare_extraction or apart)."""
    import trafilatura.core
    import trafilatura.metadata

    calls: list[str] = []
    real = trafilatura.metadata.extract_metadata

    def counted(*args, **kwargs):
        calls.append("metadata")
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura.metadata, "extract_metadata", counted)
    monkeypatch.setattr(trafilatura.core, "extract_metadata", counted)
    return calls


MARKED_UP = (
    "<html><head><title>Tide gauge installed at the north pier | Quay Gazette</title>"
    '<meta property="og:site_name" content="Quay Gazette">'
    '<meta name="description" content="A new tide gauge reports the water level.">'
    '<meta name="author" content="Mira Solberg">'
    '<meta property="article:published_time" content="2024-05-02T08:00:00+00:00">'
    "</head><body><article>"
    "<h1>Tide gauge installed at the north pier</h1>"
    + "".join(
        f"<p>Paragraph {i}: the harbour office installed a tide gauge at the north pier, and "
        "its readings now appear every ten minutes on the board by the ferry terminal.</p>"
        for i in range(4)
    )
    + "</article></body></html>"
)


def test_trafilaturas_metadata_is_read_only_where_the_page_lacks_a_field(make_page, monkeypatch):
    calls = _counting_trafilatura_metadata(monkeypatch)
    doc = extract_document(make_page(URL, MARKED_UP))
    assert isinstance(doc, Document)
    assert (doc.title, doc.authors, doc.site_name) == (
        "Tide gauge installed at the north pier",
        ["Mira Solberg"],
        "Quay Gazette",
    )
    assert calls == []
    # Without an author in the markup, trafilatura's metadata is asked, once.
    page = MARKED_UP.replace('<meta name="author" content="Mira Solberg">', "")
    doc = extract_document(make_page(URL, page))
    assert isinstance(doc, Document)
    assert calls == ["metadata"]
