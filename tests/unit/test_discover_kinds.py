"""newsetl.discover against the shapes real feeds, sitemaps and archives come in.

Feeds in Latin-1 without a declaration, dates in German, French and Spanish, relative links
behind a redirect, RSS 1.0, Atom with xml:base, JSON Feed 1.1, sitemap indexes with gzipped
and Google News sitemaps, conditional GET rounds, WARC files (whole and truncated), and nested
folders. The content is invented; the shapes are copied from the wild.
"""

from __future__ import annotations

import gzip
import io
import json
import random
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

from newsetl.config import Settings
from newsetl.dates import parse_feed_date
from newsetl.discover import discover
from newsetl.discover.sources import parse_feed
from newsetl.sources import Source
from newsetl.storage.state import ConditionalCache
from newsetl.transport.http import Fetcher

CET = timezone(timedelta(hours=1))


def fetcher() -> Fetcher:
    return Fetcher(Settings(host_delay=0, retries=0, connect_timeout=2, read_timeout=2))


def feed_source(url: str, name: str = "quay") -> Source:
    return Source(name=name, kind="feed", url=url, allow_private_network=True, robots=False)


def items(found) -> list[tuple[str, str | None, datetime | None]]:
    return [(c.url, c.item.title, c.item.published_at) for c in found.candidates]


# -- encodings ------------------------------------------------------------------------------------

# A CMS that writes ISO-8859-1 and no XML declaration: the bytes alone do not say their encoding.
LATIN1_RSS = """<rss version="2.0">
<channel>
  <title>Le Petit Quai</title>
  <link>https://quai.example.fr/</link>
  <description>Nouvelles du port</description>
  <language>fr</language>
  <item>
    <title>Café du port rouvert</title>
    <link>https://quai.example.fr/2026/11/cafe-du-port</link>
    <pubDate>Mon, 16 Nov 2026 10:00:00 +0100</pubDate>
    <author>redaction@quai.example.fr (Zoë Lefèvre)</author>
  </item>
  <item>
    <title>Une idée naïve sur les marées</title>
    <link>https://quai.example.fr/2026/11/idee-naive</link>
    <pubDate>Sun, 15 Nov 2026 08:30:00 +0100</pubDate>
  </item>
</channel>
</rss>""".encode("latin-1")


@pytest.mark.parametrize("content_type", ["application/rss+xml", "text/xml; charset=iso-8859-1"])
def test_latin1_feed_without_declaration(server, content_type):
    assert b"\xe9" in LATIN1_RSS and b"<?xml" not in LATIN1_RSS  # really Latin-1, really undeclared
    server.add("/rss", body=LATIN1_RSS, content_type=content_type)
    found = discover(feed_source(server.url("/rss")), fetcher())
    assert found.rejects == []
    assert items(found) == [
        (
            "https://quai.example.fr/2026/11/cafe-du-port",
            "Café du port rouvert",
            datetime(2026, 11, 16, 9, 0, tzinfo=UTC),
        ),
        (
            "https://quai.example.fr/2026/11/idee-naive",
            "Une idée naïve sur les marées",
            datetime(2026, 11, 15, 7, 30, tzinfo=UTC),
        ),
    ]
    assert found.candidates[0].item.authors == ["Zoë Lefèvre"]  # from "redaction@... (Zoë Lefèvre)"
    assert [(d.kind, d.status, d.body) for d in found.documents] == [("feed", 200, LATIN1_RSS)]


# -- dates in other languages ----------------------------------------------------------------------


def _rss_with_dates(dates: list[str]) -> bytes:
    entries = "".join(
        f"<item><title>Story {n}</title><link>https://quay.example.org/s/{n}</link><pubDate>{d}</pubDate></item>"
        for n, d in enumerate(dates)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Q</title>'
        f"{entries}</channel></rss>"
    ).encode()


def test_localised_pubdates_in_a_feed(server):
    dates = [
        "Mo, 16 Nov 2026 10:00:00 +0100",  # German
        "lun., 16 nov. 2026 10:00:00 +0100",  # French
        "lunes, 16 de noviembre de 2026 10:00:00 +0100",  # Spanish
        "Di, 17 Mär 2026 07:15:00 +0100",  # German, umlaut month
    ]
    server.add(
        "/dates.xml", body=_rss_with_dates(dates), content_type="application/rss+xml; charset=utf-8"
    )
    found = discover(feed_source(server.url("/dates.xml")), fetcher())
    published = [c.item.published_at for c in found.candidates]
    assert published == [datetime(2026, 11, 16, 10, 0, tzinfo=CET)] * 3 + [
        datetime(2026, 3, 17, 7, 15, tzinfo=CET)
    ]
    assert all(p.utcoffset() == timedelta(hours=1) for p in published)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mo, 16 Nov 2026 10:00:00 +0100", datetime(2026, 11, 16, 10, 0, tzinfo=CET)),
        ("lun., 16 nov. 2026 10:00:00 +0100", datetime(2026, 11, 16, 10, 0, tzinfo=CET)),
        (
            "lunes, 16 de noviembre de 2026 10:00:00 +0100",
            datetime(2026, 11, 16, 10, 0, tzinfo=CET),
        ),
        ("16 mar 2026", datetime(2026, 3, 16, tzinfo=UTC)),  # "mar" is March here, not mardi/martes
        ("mar., 17 mars 2026 08:30:00 +0100", datetime(2026, 3, 17, 8, 30, tzinfo=CET)),
        ("Do, 03 Dez 2026 07:15:00 +0100", datetime(2026, 12, 3, 7, 15, tzinfo=CET)),
        ("ven., 4 déc. 2026 10:00:00 +0100", datetime(2026, 12, 4, 10, 0, tzinfo=CET)),
        ("16 listopada 2026 10:00", datetime(2026, 11, 16, 10, 0, tzinfo=UTC)),  # no zone: UTC
        ("16 Mai 2026", datetime(2026, 5, 16, tzinfo=UTC)),
        ("Sa, 21 Nov 2026 10:00:00 GMT", datetime(2026, 11, 21, 10, 0, tzinfo=UTC)),
    ],
)
def test_parse_feed_date(value, expected):
    parsed = parse_feed_date(value)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


def test_a_zone_name_with_several_meanings_is_taken_as_utc_without_a_warning(recwarn):
    assert parse_feed_date("Tue, 3 Nov 2026 10:00:00 IST") == datetime(
        2026, 11, 3, 10, 0, tzinfo=UTC
    )
    assert [str(w.message) for w in recwarn] == []


@pytest.mark.parametrize(
    ("value", "hours"),
    [
        ("Tue Nov 03 2026 10:00:00 GMT+0200 (Central European Standard Time)", 2),
        ("3 November 2026, 10:00 UTC+2", 2),
        ("3 November 2026, 10:00 UTC+05:30", 5.5),
        ("3 November 2026, 10:00 GMT-5", -5),
        ("Tue, 3 Nov 2026 10:00:00 +0200", 2),
    ],
)
def test_a_zone_written_as_gmt_or_utc_with_an_offset_reads_as_written(value, hours):
    zone = timezone(timedelta(hours=hours))
    assert parse_feed_date(value) == datetime(2026, 11, 3, 10, 0, tzinfo=zone)
    assert parse_feed_date(value).utcoffset() == timedelta(hours=hours)


@pytest.mark.parametrize("value", [None, "", "   ", "garbage"])
def test_parse_feed_date_without_a_date(value):
    assert parse_feed_date(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("lun., 12 janv. 2026 10:00:00 +0100", datetime(2026, 1, 12, 10, 0, tzinfo=CET)),
        ("mar., 10 févr. 2026 10:00:00 +0100", datetime(2026, 2, 10, 10, 0, tzinfo=CET)),
        (
            "jeu., 9 avr. 2026 10:00:00 +0200",
            datetime(2026, 4, 9, 10, 0, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("lun, 12 ene 2026 10:00:00 +0100", datetime(2026, 1, 12, 10, 0, tzinfo=CET)),
        (
            "jue., 16 abr. 2026 10:00:00 +0200",
            datetime(2026, 4, 16, 10, 0, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("lun, 12 gen 2026 10:00:00 +0100", datetime(2026, 1, 12, 10, 0, tzinfo=CET)),
    ],
)
def test_parse_feed_date_abbreviated_months(value, expected):
    assert parse_feed_date(value) == expected


@pytest.mark.parametrize("value", ["vor 2 Stunden", "Ausgabe 12"])
def test_parse_feed_date_text_without_month_or_year(value):
    assert parse_feed_date(value) is None


# -- links and titles ----------------------------------------------------------------------------

REDIRECTED_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
  <title>Quay Gazette</title>
  <link>https://quay.example.org/</link>
  <item>
    <title>Harbour &amp;amp; rail &lt;em&gt;plan&lt;/em&gt; approved</title>
    <link>/2026/11/harbour-rail</link>
    <pubDate>Mon, 16 Nov 2026 10:00:00 +0100</pubDate>
  </item>
  <item>
    <title><![CDATA[<b>Tides</b> &amp; <i>winds</i> &#8211; the week&rsquo;s report]]></title>
    <link>stories/tides-and-winds.html</link>
  </item>
  <item>
    <title>Ferry &quot;Morning Star&quot; retires</title>
    <link>https://other.example.net/ferry?id=7&amp;ref=rss</link>
  </item>
</channel>
</rss>"""


def test_relative_links_resolve_against_the_final_feed_url(server):
    server.add("/rss", status=301, headers={"Location": "/news/feeds/main.xml"}, body=b"")
    server.add("/news/feeds/main.xml", body=REDIRECTED_RSS, content_type="application/rss+xml")
    found = discover(feed_source(server.url("/rss")), fetcher())
    assert found.rejects == []
    assert [(c.url, c.item.title) for c in found.candidates] == [
        (server.url("/2026/11/harbour-rail"), "Harbour & rail plan approved"),
        (
            server.url("/news/feeds/stories/tides-and-winds.html"),
            "Tides & winds \u2013 the week\u2019s report",
        ),
        ("https://other.example.net/ferry?id=7&ref=rss", 'Ferry "Morning Star" retires'),
    ]
    assert server.hits["/rss"] == 1 and server.hits["/news/feeds/main.xml"] == 1
    assert found.documents[0].url == server.url("/rss")
    assert found.documents[0].final_url == server.url("/news/feeds/main.xml")


# -- other feed formats ---------------------------------------------------------------------------

RDF = b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://dock.example.net/rss">
    <title>Dock Weekly</title>
    <link>https://dock.example.net/</link>
    <description>News from the docks</description>
    <items>
      <rdf:Seq>
        <rdf:li rdf:resource="https://dock.example.net/2026/crane"/>
        <rdf:li rdf:resource="https://dock.example.net/2026/pier"/>
      </rdf:Seq>
    </items>
  </channel>
  <item rdf:about="https://dock.example.net/2026/crane">
    <title>New crane arrives</title>
    <link>https://dock.example.net/2026/crane</link>
    <description>The crane &amp;amp; its crew.</description>
    <dc:date>2026-11-16T10:00:00+01:00</dc:date>
    <dc:creator>Jo Brandt</dc:creator>
  </item>
  <item rdf:about="https://dock.example.net/2026/pier">
    <title>Pier closed for repairs</title>
    <link>https://dock.example.net/2026/pier</link>
    <dc:date>2026-11-14T18:45:00Z</dc:date>
  </item>
</rdf:RDF>"""


def test_rss_1_0_rdf(server):
    server.add("/rdf", body=RDF, content_type="application/rdf+xml")
    found = discover(feed_source(server.url("/rdf"), "dock"), fetcher())
    assert found.rejects == []
    assert items(found) == [
        (
            "https://dock.example.net/2026/crane",
            "New crane arrives",
            datetime(2026, 11, 16, 9, 0, tzinfo=UTC),
        ),
        (
            "https://dock.example.net/2026/pier",
            "Pier closed for repairs",
            datetime(2026, 11, 14, 18, 45, tzinfo=UTC),
        ),
    ]
    crane = found.candidates[0]
    assert (crane.item.authors, crane.item.summary) == (["Jo Brandt"], "The crane & its crew.")


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://quay.example.org/blog/">
  <title>Quay Blog</title>
  <id>tag:quay.example.org,2026:blog</id>
  <updated>2026-11-17T08:00:00Z</updated>
  <link rel="self" href="atom.xml"/>
  <entry xml:base="2026/">
    <title type="html">Tide &lt;em&gt;tables&lt;/em&gt; revised</title>
    <link rel="alternate" type="text/html" href="11/tide-tables"/>
    <id>tag:quay.example.org,2026:1</id>
    <published>2026-11-16T10:00:00+01:00</published>
    <updated>2026-11-17T08:00:00Z</updated>
    <author><name>Ines Park</name></author>
    <author><name>Tom Vale</name></author>
    <summary type="html">&lt;p&gt;New &lt;b&gt;tables&lt;/b&gt; are out&lt;/p&gt;</summary>
  </entry>
  <entry>
    <title>About the dock</title>
    <link href="/about/dock"/>
    <id>tag:quay.example.org,2026:2</id>
    <updated>2026-11-15T07:30:00Z</updated>
  </entry>
</feed>"""


def test_atom_with_xml_base(server):
    server.add("/atom.xml", body=ATOM, content_type="application/atom+xml")
    found = discover(feed_source(server.url("/atom.xml")), fetcher())
    assert found.rejects == []
    assert items(found) == [
        # xml:base of the feed, then of the entry, beats the URL the feed was fetched from
        (
            "https://quay.example.org/blog/2026/11/tide-tables",
            "Tide tables revised",
            datetime(2026, 11, 16, 9, 0, tzinfo=UTC),
        ),
        (
            "https://quay.example.org/about/dock",
            "About the dock",
            datetime(2026, 11, 15, 7, 30, tzinfo=UTC),
        ),
    ]
    tide = found.candidates[0]
    assert tide.item.authors == ["Ines Park", "Tom Vale"]
    assert tide.item.summary == "New tables are out"


JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Quay Gazette",
    "home_page_url": "https://quay.example.org/",
    "feed_url": "https://quay.example.org/feed.json",
    "language": "en",
    "authors": [{"name": "Gazette Desk", "url": "https://quay.example.org/desk"}],
    "items": [
        {
            "id": "1",
            "url": "https://quay.example.org/2026/11/crane",
            "title": "<b>Crane</b> &amp; crew",
            "date_published": "2026-11-16T10:00:00+01:00",
            "summary": "A new crane.",
            "authors": [
                {"name": "Ines Park"},
                {"name": "Tom Vale"},
                {"url": "https://no-name.example"},
            ],
        },
        {
            "id": "2",
            "url": "/2026/11/pier",
            "title": "Pier closed",
            "date_modified": "2026-11-14T18:45:00Z",
        },
        {"id": "3", "external_url": "https://other.example.net/ferry", "title": "Ferry elsewhere"},
        {"id": "4", "title": "No link", "content_text": "An item with nothing to fetch."},
    ],
}


def test_json_feed_1_1_with_authors(server):
    server.add("/feed.json", body=json.dumps(JSON_FEED), content_type="application/feed+json")
    found = discover(feed_source(server.url("/feed.json")), fetcher())
    assert items(found) == [
        (
            "https://quay.example.org/2026/11/crane",
            "Crane & crew",
            datetime(2026, 11, 16, 9, 0, tzinfo=UTC),
        ),
        (server.url("/2026/11/pier"), "Pier closed", datetime(2026, 11, 14, 18, 45, tzinfo=UTC)),
        ("https://other.example.net/ferry", "Ferry elsewhere", None),
    ]
    assert [c.item.authors for c in found.candidates] == [
        ["Ines Park", "Tom Vale"],
        ["Gazette Desk"],
        ["Gazette Desk"],  # items without authors get the feed's
    ]
    assert found.candidates[0].item.summary == "A new crane."
    assert [(r.reason, r.detail) for r in found.rejects] == [("feed item without link", "No link")]


def test_json_feed_1_0_single_author():
    feed = {
        "version": "https://jsonfeed.org/version/1",
        "title": "Old",
        "author": {"name": "Mara Quist"},
        "items": [{"id": "a", "url": "https://quay.example.org/a", "title": "A"}],
    }
    candidates, rejects = parse_feed(
        json.dumps(feed).encode(), "https://quay.example.org/feed.json", "quay"
    )
    assert rejects == []
    assert [(c.url, c.item.authors) for c in candidates] == [
        ("https://quay.example.org/a", ["Mara Quist"])
    ]


OLDEST_FIRST_RSS = """<rss version="2.0"><channel><title>Quay log</title>
  <item><title>Crane delivered</title><link>https://quay.example.org/crane</link>
    <pubDate>Mon, 09 Nov 2026 08:00:00 +0000</pubDate></item>
  <item><title>Undated note</title><link>https://quay.example.org/note</link></item>
  <item><title>Crane assembled</title><link>https://quay.example.org/crane-2</link>
    <pubDate>Sat, 14 Nov 2026 08:00:00 +0000</pubDate></item>
</channel></rss>"""


def test_a_feed_listing_its_oldest_items_first_gives_the_newest_first(server):
    server.add("/log.xml", body=OLDEST_FIRST_RSS, content_type="application/rss+xml")
    found = discover(feed_source(server.url("/log.xml")), fetcher())
    # so max_articles takes the newest items; undated ones come after the dated, in their order
    assert [title for _, title, _ in items(found)] == [
        "Crane assembled",
        "Crane delivered",
        "Undated note",
    ]


# -- sitemaps --------------------------------------------------------------------------------------

PAGES_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://quay.example.org/about</loc><lastmod>2026-01-05</lastmod></url>
  <url><loc>https://quay.example.org/contact</loc></url>
</urlset>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://quay.example.org/2026/11/16/harbour-rail</loc>
    <news:news>
      <news:publication><news:name>Quay Gazette</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2026-11-16T10:00:00+01:00</news:publication_date>
      <news:title>Harbour &amp; rail plan approved</news:title>
    </news:news>
    <image:image><image:loc>https://quay.example.org/img/rail.jpg</image:loc></image:image>
  </url>
  <url>
    <loc>https://quay.example.org/2026/11/15/night-ferry</loc>
    <lastmod>2026-11-15T22:10:00Z</lastmod>
    <news:news>
      <news:publication><news:name>Quay Gazette</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2026-11-15T21:00:00Z</news:publication_date>
      <news:title>Night ferry runs late</news:title>
    </news:news>
  </url>
</urlset>"""  # noqa: E501 - served bytes kept as written

NEWS_SITEMAP_UPDATED = NEWS_SITEMAP.replace(b"<urlset", b"<!-- updated -->\n<urlset").replace(
    b"</urlset>",
    b"""
  <url>
    <loc>https://quay.example.org/2026/11/17/storm-warning</loc>
    <news:news>
      <news:publication><news:name>Quay Gazette</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2026-11-17T06:00:00Z</news:publication_date>
      <news:title>Storm warning for the coast</news:title>
    </news:news>
  </url>
</urlset>""",  # noqa: E501 - served bytes kept as written
)


def _index(server) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{server.url("/sitemaps/pages.xml.gz")}</loc><lastmod>2026-01-05</lastmod></sitemap>
  <sitemap><loc>{server.url("/sitemaps/news.xml")}</loc></sitemap>
</sitemapindex>""".encode()


def _conditional(server, path: str, versions: dict[str, bytes], content_type: str) -> None:
    """Serve versions["body"] with ETag versions["etag"]; 304 when the client sends it back."""

    def respond(hit: int):
        etag, body = versions["etag"], versions["body"]
        if server.last_headers[path].get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return (
            200,
            {"Content-Type": content_type, "Content-Length": str(len(body)), "ETag": etag},
            body,
        )

    server.routes[path] = respond


@pytest.fixture
def sitemaps(server):
    """A sitemap index of a gzipped page sitemap and a Google News sitemap, all with ETags."""
    state = {
        "/sitemap_index.xml": {"etag": '"idx-1"', "body": _index(server)},
        "/sitemaps/pages.xml.gz": {"etag": '"pages-1"', "body": gzip.compress(PAGES_SITEMAP)},
        "/sitemaps/news.xml": {"etag": '"news-1"', "body": NEWS_SITEMAP},
    }
    types = {
        "/sitemap_index.xml": "application/xml",
        "/sitemaps/pages.xml.gz": "application/gzip",
        "/sitemaps/news.xml": "text/xml; charset=utf-8",
    }
    for path, versions in state.items():
        _conditional(server, path, versions, types[path])
    return state


def sitemap_at(server, path: str) -> Source:
    return Source(
        name="quay", kind="sitemap", url=server.url(path), allow_private_network=True, robots=False
    )


def sitemap_source(server) -> Source:
    return sitemap_at(server, "/sitemap_index.xml")


def test_sitemap_index_with_gzipped_and_news_sitemaps(server, sitemaps):
    found = discover(sitemap_source(server), fetcher())
    assert found.rejects == []
    assert [
        (c.url, c.item.title, c.item.published_at, c.item.modified_at) for c in found.candidates
    ] == [  # newest first (publication date, else last change), undated last
        (
            "https://quay.example.org/2026/11/16/harbour-rail",
            "Harbour & rail plan approved",
            datetime(2026, 11, 16, 10, 0, tzinfo=CET),
            None,
        ),
        (
            "https://quay.example.org/2026/11/15/night-ferry",
            "Night ferry runs late",
            datetime(2026, 11, 15, 21, 0, tzinfo=UTC),
            datetime(2026, 11, 15, 22, 10, tzinfo=UTC),
        ),
        ("https://quay.example.org/about", None, None, datetime(2026, 1, 5, tzinfo=UTC)),
        ("https://quay.example.org/contact", None, None, None),
    ]
    assert [(d.kind, d.url, d.status) for d in found.documents] == [
        ("sitemap", server.url("/sitemap_index.xml"), 200),
        ("sitemap", server.url("/sitemaps/pages.xml.gz"), 200),
        ("sitemap", server.url("/sitemaps/news.xml"), 200),
    ]
    assert found.documents[1].body[:2] == b"\x1f\x8b"  # archived as served
    assert found.not_modified == 0


def test_sitemap_conditional_get_round(server, sitemaps, tmp_path):
    state_file = tmp_path / "state" / "validators.json"
    cache = ConditionalCache(state_file)
    first = discover(sitemap_source(server), fetcher(), cache=cache)
    assert len(first.candidates) == 4
    # Same run, before save(): nothing conditional yet (a retried task must see the items again).
    again = discover(sitemap_source(server), fetcher(), cache=cache)
    assert "If-None-Match" not in server.last_headers["/sitemap_index.xml"]
    assert len(again.candidates) == 4
    cache.save()

    second = discover(sitemap_source(server), fetcher(), cache=ConditionalCache(state_file))
    # The index is always asked whole (its children may change while it does not);
    # the children answer 304 and have nothing to archive.
    assert "If-None-Match" not in server.last_headers["/sitemap_index.xml"]
    children = [path for path in sitemaps if path != "/sitemap_index.xml"]
    assert second.not_modified == len(children)
    assert second.candidates == []
    assert second.rejects == []
    assert [d.url.rsplit("/", 1)[1] for d in second.documents] == ["sitemap_index.xml"]


def test_sitemap_changed_index_with_unchanged_children(server, sitemaps, tmp_path):
    state_file = tmp_path / "validators.json"
    cache = ConditionalCache(state_file)
    discover(sitemap_source(server), fetcher(), cache=cache)
    cache.save()
    sitemaps["/sitemap_index.xml"].update(etag='"idx-2"')
    found = discover(sitemap_source(server), fetcher(), cache=ConditionalCache(state_file))
    assert server.last_headers["/sitemaps/news.xml"]["If-None-Match"] == '"news-1"'
    assert server.last_headers["/sitemaps/pages.xml.gz"]["If-None-Match"] == '"pages-1"'
    assert found.not_modified == 2
    assert found.candidates == []
    assert [d.url for d in found.documents] == [server.url("/sitemap_index.xml")]


def test_sitemap_unchanged_index_with_a_changed_news_sitemap(server, sitemaps, tmp_path):
    state_file = tmp_path / "validators.json"
    cache = ConditionalCache(state_file)
    discover(sitemap_source(server), fetcher(), cache=cache)
    cache.save()
    sitemaps["/sitemaps/news.xml"].update(etag='"news-2"', body=NEWS_SITEMAP_UPDATED)
    found = discover(sitemap_source(server), fetcher(), cache=ConditionalCache(state_file))
    assert "https://quay.example.org/2026/11/17/storm-warning" in [c.url for c in found.candidates]


def _archive_sitemap(server, year: int, slugs: list[str]) -> bytes:
    """One year's sitemap as a CMS writes it: oldest first, each page with its <lastmod>."""
    entries = "".join(
        f"<url><loc>{server.url(f'/{year}/{slug}')}</loc>"
        f"<lastmod>{year}-0{month}-10T08:00:00+00:00</lastmod></url>"
        for month, slug in enumerate(slugs, 1)
    )
    return (
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    ).encode()


def _yearly_index(server) -> Source:
    """A site whose index lists its yearly sitemaps oldest first (as many CMSs do)."""
    years = {2024: ["dam-opens", "pier-closed"], 2025: ["ferry-strike"], 2026: ["new-crane"]}
    index = "".join(
        f"<sitemap><loc>{server.url(f'/sitemap-{year}.xml')}</loc>"
        f"<lastmod>{year}-12-31</lastmod></sitemap>"
        for year in years
    )
    server.add(
        "/sitemap_index.xml",
        body=f"<sitemapindex>{index}</sitemapindex>",
        content_type="application/xml",
    )
    for year, slugs in years.items():
        server.add(
            f"/sitemap-{year}.xml",
            body=_archive_sitemap(server, year, slugs),
            content_type="application/xml",
        )
    return sitemap_at(server, "/sitemap_index.xml")


def test_a_sitemap_source_gives_the_newest_pages_first(server):
    source = _yearly_index(server)
    found = discover(source, fetcher())
    assert found.rejects == []
    assert [urlsplit(c.url).path for c in found.candidates] == [
        "/2026/new-crane",
        "/2025/ferry-strike",
        "/2024/pier-closed",
        "/2024/dam-opens",
    ]
    # so a run with max_articles takes the newest pages, not the site's oldest
    from newsetl.fetch import fetch_pages

    for path in ("/2026/new-crane", "/2025/ferry-strike", "/2024/pier-closed", "/2024/dam-opens"):
        server.add(path, body="<html><body><p>text</p></body></html>")
    limited = source.model_copy(update={"max_articles": 2})
    result = fetch_pages(limited, found.candidates, fetcher(), "r", set())
    assert [urlsplit(p.url).path for p in result.pages] == ["/2026/new-crane", "/2025/ferry-strike"]


def test_an_index_past_the_sitemap_limit_leaves_its_oldest_sitemaps(server, monkeypatch):
    import newsetl.discover.sources as sources

    monkeypatch.setattr(sources, "MAX_SITEMAPS", 3)  # the index and its two newest sitemaps
    found = discover(_yearly_index(server), fetcher())
    assert server.hits["/sitemap-2024.xml"] == 0
    newest = ["/2026/new-crane", "/2025/ferry-strike"]
    assert [urlsplit(c.url).path for c in found.candidates] == newest
    assert [(r.reason, r.url, r.detail) for r in found.rejects] == [
        ("too many sitemaps", server.url("/sitemap-2024.xml"), "stopped after 3; 1 left"),
    ]


def test_a_sitemap_that_breaks_the_reading_keeps_what_the_others_gave(server, monkeypatch):
    import newsetl.discover.sources as sources

    readable = sources.parse_sitemap

    def breaks_on_2024(body, base_url, source, rejects=None):
        if base_url.endswith("/sitemap-2024.xml"):
            raise ValueError("a parser failure no check foresaw")
        return readable(body, base_url, source, rejects)

    monkeypatch.setattr(sources, "parse_sitemap", breaks_on_2024)
    found = discover(_yearly_index(server), fetcher())
    assert [urlsplit(c.url).path for c in found.candidates] == [
        "/2026/new-crane",
        "/2025/ferry-strike",
    ]
    assert [r.reason for r in found.rejects] == ["unreadable source"]


def test_a_text_sitemap_lists_one_url_a_line(server):
    server.add(
        "/sitemap.txt",
        body="\ufeffhttps://quay.example.org/a\r\n\r\nhttps://quay.example.org/b\nsee above\n",
        content_type="text/plain",
    )
    found = discover(sitemap_at(server, "/sitemap.txt"), fetcher())
    assert [c.url for c in found.candidates] == [
        "https://quay.example.org/a",
        "https://quay.example.org/b",
    ]
    assert [(r.reason, r.detail) for r in found.rejects] == [
        ("bad url", "1 of 3 lines of the text sitemap are not URLs, e.g. 'see above'")
    ]


def test_a_robots_txt_as_the_sitemap_leads_to_the_sitemaps_it_names(server):
    server.add(
        "/robots.txt",
        body=(
            "User-agent: *\nDisallow: /search\n\n"
            f"Sitemap: {server.url('/sitemaps/news.xml')}\nsitemap: /sitemaps/pages.xml.gz\n"
        ),
        content_type="text/plain",
    )
    server.add("/sitemaps/news.xml", body=NEWS_SITEMAP, content_type="application/xml")
    server.add(
        "/sitemaps/pages.xml.gz", body=gzip.compress(PAGES_SITEMAP), content_type="application/gzip"
    )
    found = discover(sitemap_at(server, "/robots.txt"), fetcher())
    assert found.rejects == []
    assert [urlsplit(c.url).path for c in found.candidates] == [
        "/2026/11/16/harbour-rail",
        "/2026/11/15/night-ferry",
        "/about",
        "/contact",
    ]


def test_a_robots_txt_that_names_no_sitemap_is_a_reject(server):
    server.add("/robots.txt", body="User-agent: *\nDisallow:\n", content_type="text/plain")
    found = discover(sitemap_at(server, "/robots.txt"), fetcher())
    assert found.candidates == []
    assert [(r.reason, r.detail) for r in found.rejects] == [
        ("not a sitemap", "a robots.txt that names no sitemap")
    ]


def test_a_feed_given_as_a_sitemap_is_read_as_the_feed(server):
    server.add("/feed.xml", body=LATIN1_RSS, content_type="application/rss+xml; charset=iso-8859-1")
    found = discover(sitemap_at(server, "/feed.xml"), fetcher())
    assert found.rejects == []
    assert items(found)[0] == (
        "https://quai.example.fr/2026/11/cafe-du-port",
        "Café du port rouvert",
        datetime(2026, 11, 16, 9, 0, tzinfo=UTC),
    )
    server.add(
        "/feed.json",
        body=json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "items": [{"url": "https://quay.example.org/tide", "title": "Tide table"}],
            }
        ),
        content_type="application/feed+json",
    )
    found = discover(sitemap_at(server, "/feed.json"), fetcher())
    assert items(found) == [("https://quay.example.org/tide", "Tide table", None)]


@pytest.mark.parametrize(
    ("body", "reason", "detail"),
    [
        (
            "<!doctype html><html><body><h1>Page not found</h1></body></html>",
            "not a sitemap",
            "an HTML page, not a <urlset> or <sitemapindex>",
        ),
        (  # a site's home page: the reject names the feed it links to (a sitemap source reads it)
            "<!doctype html><html><head><link rel='alternate' type='application/atom+xml' "
            "href='https://quay.example.org/atom.xml'></head><body><h1>Quay</h1></body></html>",
            "not a sitemap",
            "an HTML page, not a <urlset> or <sitemapindex>; it links to the feeds "
            "https://quay.example.org/atom.xml",
        ),
        (
            "<?xml version='1.0'?><error>quota</error>",
            "not a sitemap",
            "XML with a <error> root, not a <urlset> or <sitemapindex>",
        ),
        (
            "Service temporarily unavailable",
            "not a sitemap",
            "neither XML nor a list of URLs: 'Service temporarily unavailable'",
        ),
        ("\n \n", "not a sitemap", "an empty document"),
        (
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>',
            "empty sitemap",
            "no <url> entries",
        ),
    ],
)
def test_a_document_that_lists_no_pages_says_what_it_is(server, body, reason, detail):
    server.add("/sitemap.xml", body=body, content_type="application/xml")
    found = discover(sitemap_at(server, "/sitemap.xml"), fetcher())
    assert found.candidates == []
    assert [(r.reason, r.url, r.detail) for r in found.rejects] == [
        (reason, server.url("/sitemap.xml"), detail)
    ]


# -- WARC ------------------------------------------------------------------------------------------


def _html(words: int, seed: int) -> bytes:
    rng = random.Random(seed)
    vocabulary = [
        "harbour",
        "quay",
        "ferry",
        "tide",
        "crane",
        "dock",
        "storm",
        "pier",
        "night",
        "rail",
    ]
    text = " ".join(rng.choice(vocabulary) for _ in range(words))
    return (
        f"<html><head><title>Story {seed}</title></head><body><p>{text}</p></body></html>".encode()
    )


def _write_warc(
    path, pages: list[tuple[str, str, str, bytes]], with_request: bool = True, compress: bool = True
) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=compress)
        writer.write_record(
            writer.create_warcinfo_record(path.name, {"software": "quay-crawler/0.3"})
        )
        for url, status, content_type, body in pages:
            if with_request:
                parts = urlsplit(url)
                request = StatusAndHeaders(
                    f"GET {parts.path} HTTP/1.1", [("Host", parts.netloc)], is_http_request=True
                )
                writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
            headers = StatusAndHeaders(
                status,
                [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            writer.write_record(
                writer.create_warc_record(
                    url, "response", payload=io.BytesIO(body), http_headers=headers
                )
            )


WARC_PAGES = [
    ("https://quay.example.org/2026/11/crane", "200 OK", "text/html; charset=utf-8", _html(40, 1)),
    ("https://quay.example.org/2026/11/pier", "200 OK", "text/html", _html(40, 2)),
    (
        "https://quay.example.org/2026/11/missing",
        "404 Not Found",
        "text/html",
        b"<html>not found</html>",
    ),
]


def test_warc_file(tmp_path):
    path = tmp_path / "crawl-00001.warc.gz"
    _write_warc(path, WARC_PAGES)
    found = discover(Source(name="crawl", kind="warc", path=path), fetcher())
    assert [(c.url, c.body, c.content_type) for c in found.candidates] == [
        (WARC_PAGES[0][0], WARC_PAGES[0][3], "text/html"),
        (WARC_PAGES[1][0], WARC_PAGES[1][3], "text/html"),
    ]
    assert [(r.stage, r.source, r.url, r.reason, r.detail) for r in found.rejects] == [
        (
            "discover",
            "crawl",
            "https://quay.example.org/2026/11/missing",
            "not an html page in warc",
            "status 404, text/html",
        ),
    ]


def test_warc_folder(tmp_path):
    (tmp_path / "2026" / "11").mkdir(parents=True)
    _write_warc(tmp_path / "2026" / "11" / "a.warc.gz", WARC_PAGES[:1])
    _write_warc(tmp_path / "b.warc.gz", WARC_PAGES[1:2], with_request=False)
    (tmp_path / "notes.txt").write_text("not a warc", encoding="utf-8")
    found = discover(Source(name="crawl", kind="warc", path=tmp_path), fetcher())
    assert [c.url for c in found.candidates] == [WARC_PAGES[0][0], WARC_PAGES[1][0]]
    assert found.rejects == []


def _record_offsets(path) -> list[tuple[str, int]]:
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        return [(record.rec_type, records.get_record_offset()) for record in records]


def test_truncated_warc_inside_a_record_header_is_a_reject(tmp_path):
    whole = tmp_path / "whole.warc.gz"
    _write_warc(whole, WARC_PAGES)
    offsets = _record_offsets(whole)
    assert [kind for kind, _ in offsets] == ["warcinfo"] + ["request", "response"] * 3
    second_response = offsets[4][1]
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(whole.read_bytes()[: second_response + 100])  # cut in the WARC header lines
    found = discover(Source(name="crawl", kind="warc", path=path), fetcher())  # no crash
    assert [(c.url, c.body) for c in found.candidates] == [(WARC_PAGES[0][0], WARC_PAGES[0][3])]
    assert [(r.url, r.reason) for r in found.rejects] == [(path.as_uri(), "bad warc file")]


def test_not_a_warc_at_all_is_a_reject(tmp_path):
    path = tmp_path / "fake.warc.gz"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(500))
    found = discover(Source(name="crawl", kind="warc", path=path), fetcher())
    assert found.candidates == []
    assert [(r.url, r.reason) for r in found.rejects] == [(path.as_uri(), "bad warc file")]
    assert "Unknown archive format" in found.rejects[0].detail


def test_a_text_file_named_warc_is_a_reject(tmp_path):
    path = tmp_path / "notes.warc.gz"
    path.write_bytes(b"<html>I am not an archive</html>\n" * 10)
    found = discover(Source(name="crawl", kind="warc", path=path), fetcher())
    assert [r.reason for r in found.rejects] == ["bad warc file"]


def test_warc_truncated_mid_body_is_a_reject_not_a_partial_page(tmp_path):
    pages = [
        (url, status, ctype, _html(3000, n) if status.startswith("200") else body)
        for n, (url, status, ctype, body) in enumerate(WARC_PAGES)
    ]
    whole = tmp_path / "whole.warc.gz"
    _write_warc(whole, pages[:2], with_request=False)
    data = whole.read_bytes()
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data[: len(data) - 400])  # the second response loses the end of its body
    found = discover(Source(name="crawl", kind="warc", path=path), fetcher())
    assert [(c.url, c.body) for c in found.candidates if c.body != pages[0][3]] == []
    assert [r.reason for r in found.rejects] == ["bad warc file"]


def test_warc_truncated_mid_body_keeps_the_whole_records_before(tmp_path):
    pages = [
        (url, status, ctype, _html(3000, n))
        for n, (url, status, ctype, _) in enumerate(WARC_PAGES[:2])
    ]
    whole = tmp_path / "whole.warc.gz"
    _write_warc(whole, pages, with_request=False)
    data = whole.read_bytes()
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data[: len(data) - 400])
    found = discover(Source(name="crawl", kind="warc", path=path), fetcher())  # no crash
    assert found.candidates[0].url == pages[0][0]
    assert found.candidates[0].body == pages[0][3]


def _whole_gzip_warc(tmp_path, pages) -> bytes:
    """A WARC written plain, then gzipped as one whole, as `gzip crawl.warc` leaves it."""
    plain = tmp_path / "plain.warc"
    _write_warc(plain, pages, with_request=False, compress=False)
    return gzip.compress(plain.read_bytes())


def test_a_warc_gzipped_as_one_whole_is_read(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(_whole_gzip_warc(tmp_path, WARC_PAGES))
    found = discover(Source(name="crawl", kind="warc", path=path), fetcher())
    assert [(c.url, c.body) for c in found.candidates] == [
        (WARC_PAGES[0][0], WARC_PAGES[0][3]),
        (WARC_PAGES[1][0], WARC_PAGES[1][3]),
    ]
    assert [r.reason for r in found.rejects] == ["not an html page in warc"]  # the 404


def test_a_whole_gzip_warc_cut_short_keeps_the_records_before_and_is_a_reject(tmp_path):
    pages = [
        (url, status, ctype, _html(3000, n))
        for n, (url, status, ctype, _) in enumerate(WARC_PAGES[:2])
    ]
    data = _whole_gzip_warc(tmp_path, pages)
    for cut in (len(data) - 4, len(data) - 2000):  # in the gzip trailer; inside the second body
        path = tmp_path / f"cut-{cut}.warc.gz"
        path.write_bytes(data[:cut])
        found = discover(Source(name="crawl", kind="warc", path=path), fetcher())  # no crash
        assert [(c.url, c.body) for c in found.candidates] == [(pages[0][0], pages[0][3])] + (
            [(pages[1][0], pages[1][3])] if cut == len(data) - 4 else []
        )
        assert [(r.url, r.reason) for r in found.rejects] == [(path.as_uri(), "bad warc file")]


def test_a_resource_record_of_html_is_a_page(tmp_path):
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "saved.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for url, content_type, body in [
            ("https://quay.example.org/2026/11/crane", "text/html; charset=utf-8", _html(40, 1)),
            ("https://quay.example.org/logo.png", "image/png", b"\x89PNG"),
        ]:
            writer.write_record(
                writer.create_warc_record(
                    url, "resource", payload=io.BytesIO(body), warc_content_type=content_type
                )
            )
    found = discover(Source(name="crawl", kind="warc", path=path), fetcher())
    assert [(c.url, c.body, c.content_type) for c in found.candidates] == [
        ("https://quay.example.org/2026/11/crane", _html(40, 1), "text/html")
    ]
    assert found.rejects == []  # an image saved beside the page is no page: skipped, as requests


def test_a_warc_with_no_page_says_so(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "requests.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for name in ("crane", "pier"):
            request = StatusAndHeaders(
                f"GET /{name} HTTP/1.1", [("Host", "quay.example.org")], is_http_request=True
            )
            url = f"https://quay.example.org/{name}"
            writer.write_record(writer.create_warc_record(url, "request", http_headers=request))
    found = discover(Source(name="crawl", kind="warc", path=path), fetcher())
    assert found.candidates == []
    assert [(r.url, r.reason, r.detail) for r in found.rejects] == [
        (path.as_uri(), "no pages in warc", "records: 2 request")
    ]


def test_a_record_whose_length_is_wrong_is_reported_in_a_reject_not_on_stderr(tmp_path, capfd):
    path = tmp_path / "crawl.warc"
    _write_warc(path, WARC_PAGES[:2], with_request=False, compress=False)
    data = path.read_bytes()
    # The first response says it is 10 bytes shorter than it is: 10 bytes of its page dangle
    # before the blank lines that end a record (warcio writes a warning on stderr about them).
    start = data.index(b"WARC-Type: response")
    at = data.index(b"Content-Length: ", start) + len(b"Content-Length: ")
    end = data.index(b"\r\n", at)
    data = data[:at] + str(int(data[at:end]) - 10).encode() + data[end:]
    path.write_bytes(data)
    found = discover(Source(name="crawl", kind="warc", path=path), fetcher())
    assert [c.url for c in found.candidates] == [url for url, *_ in WARC_PAGES[:2]]
    assert [(r.url, r.reason) for r in found.rejects] == [(path.as_uri(), "damaged warc records")]
    assert found.rejects[0].detail.startswith("1 record ")
    assert capfd.readouterr().err == ""


def test_a_wet_file_says_it_holds_text_not_pages(tmp_path):
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "crawl.warc.wet.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        text = b"Crane collapses at the quay\nThe harbour crane fell on Monday night."
        for name in ("crane", "pier"):
            url = f"https://quay.example.org/{name}"
            record = writer.create_warc_record(
                url, "conversion", payload=io.BytesIO(text), warc_content_type="text/plain"
            )
            writer.write_record(record)
    found = discover(Source(name="crawl", kind="warc", path=path), fetcher())
    assert found.candidates == []
    [reject] = found.rejects
    assert (reject.reason, reject.detail.split(" (")[0]) == (
        "no pages in warc",
        "records: 2 conversion",
    )
    assert "WET file" in reject.detail and "give a WARC" in reject.detail


def test_a_url_captured_twice_keeps_the_first_and_rejects_the_other(tmp_path):
    again = [(WARC_PAGES[0][0], "200 OK", "text/html", _html(40, 9))]
    _write_warc(tmp_path / "a.warc.gz", WARC_PAGES[:1])
    _write_warc(tmp_path / "b.warc.gz", again)
    found = discover(Source(name="crawl", kind="warc", path=tmp_path), fetcher())
    assert [(c.url, c.body) for c in found.candidates] == [(WARC_PAGES[0][0], WARC_PAGES[0][3])]
    assert [(r.url, r.reason) for r in found.rejects] == [(WARC_PAGES[0][0], "repeated url")]


def _arc(records: list[tuple[str, bytes]]) -> bytes:
    """An ARC file (version 1, the Internet Archive's format before WARC) of HTTP responses."""
    header = b"1 0 Quay\nURL IP-address Archive-date Content-type Archive-length\n"
    out = b"filedesc://quay.arc 127.0.0.1 20050301120000 text/plain %d\n" % len(header)
    out += header + b"\n"
    for url, body in records:
        response = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body
        )
        out += b"%s 127.0.0.1 20050301120000 text/html %d\n" % (url.encode(), len(response))
        out += response + b"\n"
    return out


def test_an_arc_file_is_read_like_a_warc(tmp_path):
    pages = [(WARC_PAGES[0][0], WARC_PAGES[0][3]), (WARC_PAGES[1][0], WARC_PAGES[1][3])]
    (tmp_path / "2005").mkdir()
    (tmp_path / "2005" / "IA-0001.arc.gz").write_bytes(gzip.compress(_arc(pages[:1])))
    (tmp_path / "IA-0002.arc").write_bytes(_arc(pages[1:]))
    found = discover(Source(name="crawl", kind="warc", path=tmp_path), fetcher())
    assert [(c.url, c.body, c.content_type) for c in found.candidates] == [
        (url, body, "text/html") for url, body in pages
    ]
    assert found.rejects == []


def test_text_named_arc_is_a_reject(tmp_path):
    path = tmp_path / "notes.arc"
    path.write_bytes(b"<html>I am not an archive</html>\n" * 10)
    found = discover(Source(name="crawl", kind="warc", path=path), fetcher())
    assert found.candidates == []
    assert [(r.reason, r.detail) for r in found.rejects] == [
        ("bad warc file", "not an ARC file (no filedesc:// header first)")
    ]


# -- directories -----------------------------------------------------------------------------------


def test_directory_with_nested_folders(tmp_path):
    root = tmp_path / "export"
    (root / "2026" / "11" / "16").mkdir(parents=True)
    (root / "2026" / "drafts").mkdir(parents=True)
    (root / "index.htm").write_bytes(b"<html><p>Front page</p></html>")
    (root / "2026" / "11" / "16" / "crane.html").write_bytes(b"<html><p>Crane</p></html>")
    (root / "2026" / "11" / "16" / "CRANE.XHTML").write_bytes(b"<html><p>Crane, again</p></html>")
    (root / "2026" / "drafts" / "tide.txt").write_text(
        "Tide tables\n\nNew tables are out.", encoding="utf-8"
    )
    (root / "2026" / "11" / "16" / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (root / "2026" / "11" / "README").write_text("exported by the CMS", encoding="utf-8")
    found = discover(Source(name="export", kind="directory", path=root), fetcher())
    assert [(c.url, c.content_type, c.body) for c in found.candidates] == [
        (
            (root / "2026" / "11" / "16" / "CRANE.XHTML").resolve().as_uri(),
            "text/html",
            b"<html><p>Crane, again</p></html>",
        ),
        (
            (root / "2026" / "11" / "16" / "crane.html").resolve().as_uri(),
            "text/html",
            b"<html><p>Crane</p></html>",
        ),
        (
            (root / "2026" / "drafts" / "tide.txt").resolve().as_uri(),
            "text/plain",
            b"Tide tables\n\nNew tables are out.",
        ),
        ((root / "index.htm").resolve().as_uri(), "text/html", b"<html><p>Front page</p></html>"),
    ]
    assert sorted((r.reason, r.detail) for r in found.rejects) == [
        ("unsupported file type", ".jpg"),
        ("unsupported file type", "no suffix"),
    ]
    assert found.documents == []


def test_a_warc_pages_charset_reaches_extraction(tmp_path):
    # A stored Windows-1252 page that declares its charset only in the HTTP header.
    from newsetl.extract import Document, extract_document
    from newsetl.fetch.pages import fetch_pages

    text = (
        "The harbour caf\u00e9 re-opened on Monday\u2014its owner\u2019s third try\u2014and the "
        "quay was full of people who had come for the coffee, the cake and the view of the cranes."
    )
    body = (
        "<html><head><title>Caf\u00e9 re-opens on the quay</title></head><body><article>"
        f"<h1>Harbour caf\u00e9 re-opens</h1><p>{text}</p><p>{text}</p></article></body></html>"
    ).encode("cp1252")
    path = tmp_path / "crawl.warc.gz"
    url = "https://quay.example.org/2026/11/cafe"
    _write_warc(path, [(url, "200 OK", "text/html; charset=windows-1252", body)])
    source = Source(name="crawl", kind="warc", path=path)
    found = discover(source, fetcher())
    assert [(c.content_type, c.http_content_type) for c in found.candidates] == [
        ("text/html", "text/html; charset=windows-1252")
    ]
    result = fetch_pages(source, found.candidates, fetcher(), "run-1", set())
    doc = extract_document(result.pages[0])
    assert isinstance(doc, Document)
    assert text in doc.paragraphs


def test_a_feed_served_as_html_is_read_and_an_html_page_names_its_feeds(server):
    # Some servers send RSS as text/html; a site's home page given as a feed is refused with
    # the feed addresses it links to.
    server.add(
        "/rss.php",
        body=_rss_with_dates(["Mon, 16 Nov 2026 10:00:00 +0100"]),
        content_type="text/html; charset=utf-8",
    )
    found = discover(feed_source(server.url("/rss.php")), fetcher())
    assert found.rejects == []
    assert [c.url for c in found.candidates] == ["https://quay.example.org/s/0"]
    home = (
        "<!DOCTYPE html><html><head><title>Quay</title>"
        "<link rel='alternate' type='application/rss+xml' href='/rss.php'></head>"
        "<body><h1>Quay news</h1></body></html>"
    )
    server.add("/", body=home, content_type="text/html")
    found = discover(feed_source(server.url("/")), fetcher())
    assert [(r.reason, r.detail) for r in found.rejects] == [
        (
            "not a feed",
            "an HTML page, not RSS, Atom or JSON Feed; it links to the feeds "
            + server.url("/rss.php"),
        )
    ]
