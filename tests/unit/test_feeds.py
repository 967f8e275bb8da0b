"""newsetl.discover.sources: feeds, sitemaps and local folders become candidates."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsetl.config import Settings
from newsetl.discover import discover
from newsetl.discover.sources import parse_feed, parse_sitemap, plain_text
from newsetl.sources import Source
from newsetl.transport.http import Fetcher, FetchError

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Velmora Post</title>
  <link>https://velmora.example.org/</link>
  <item>
    <title>Ferry service resumes after storm</title>
    <link>https://velmora.example.org/2024/04/ferry-resumes?utm_source=rss</link>
    <pubDate>Tue, 02 Apr 2024 09:30:00 +0200</pubDate>
    <dc:creator>Ana Ruiz</dc:creator>
    <description>&lt;p&gt;The &lt;em&gt;morning&lt;/em&gt; crossing ran on time.&lt;/p&gt;</description>
  </item>
  <item>
    <title>Library extends opening hours</title>
    <link>  /2024/04/library-hours  </link>
    <pubDate>Wed, 03 Apr 2024 18:00:00 GMT</pubDate>
  </item>
  <item>
    <title>An item with no link at all</title>
  </item>
</channel>
</rss>"""  # noqa: E501 - served bytes kept as written

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Linden Gazette</title>
  <id>urn:uuid:linden</id>
  <updated>2024-04-02T10:00:00Z</updated>
  <entry>
    <title>Tram line extension approved</title>
    <link rel="alternate" href="/city/tram-extension"/>
    <id>urn:uuid:1</id>
    <updated>2024-04-02T10:00:00Z</updated>
    <published>2024-04-01T08:15:00+01:00</published>
    <author><name>Tom Berg</name></author>
    <author><name>Lia Fontaine</name></author>
  </entry>
  <entry>
    <title>Market hall reopens</title>
    <link rel="alternate" href="../culture/market-hall"/>
    <id>urn:uuid:2</id>
    <updated>2024-04-03T06:00:00Z</updated>
  </entry>
</feed>"""

FEED_URL_ATOM = "https://linden.example.net/section/feeds/atom.xml"


def test_rss_items_become_candidates():
    candidates, _rejects = parse_feed(RSS, "https://velmora.example.org/rss.xml", "velmora-post")
    assert [c.url for c in candidates] == [
        "https://velmora.example.org/2024/04/ferry-resumes?utm_source=rss",
        "https://velmora.example.org/2024/04/library-hours",  # relative, stripped, resolved
    ]
    first, second = candidates
    assert first.source == "velmora-post"
    assert first.item.title == "Ferry service resumes after storm"
    assert first.item.published_at == datetime(2024, 4, 2, 7, 30, tzinfo=UTC)
    assert first.item.authors == ["Ana Ruiz"]
    assert first.item.summary == "The morning crossing ran on time."
    assert first.body is None
    assert second.item.published_at == datetime(2024, 4, 3, 18, 0, tzinfo=UTC)
    assert second.item.authors == []


def test_rss_item_without_link_is_a_discover_reject():
    _, rejects = parse_feed(RSS, "https://velmora.example.org/rss.xml", "velmora-post")
    assert len(rejects) == 1
    reject = rejects[0]
    assert (reject.stage, reject.source, reject.reason) == (
        "discover",
        "velmora-post",
        "feed item without link",
    )
    assert reject.detail == "An item with no link at all"


def test_atom_relative_links_resolve_against_the_feed_url():
    candidates, rejects = parse_feed(ATOM, FEED_URL_ATOM, "linden")
    assert rejects == []
    assert [c.url for c in candidates] == [
        "https://linden.example.net/city/tram-extension",
        "https://linden.example.net/section/culture/market-hall",
    ]
    tram, market = candidates
    assert tram.item.title == "Tram line extension approved"
    assert tram.item.published_at == datetime(
        2024, 4, 1, 7, 15, tzinfo=UTC
    )  # published wins over updated
    assert tram.item.authors == ["Tom Berg", "Lia Fontaine"]
    assert market.item.published_at == datetime(2024, 4, 3, 6, 0, tzinfo=UTC)  # only updated


def test_json_feed_items_become_candidates():
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Orchard Weekly",
            "items": [
                {
                    "id": "1",
                    "url": "https://orchard.example.com/p/apple-harvest",
                    "title": "Apple harvest starts early",
                    "date_published": "2024-04-03T12:00:00Z",
                    "authors": [{"name": "Kim Ode"}],
                    "content_text": "...",
                },
                {"id": "2", "url": "/p/cider-fair", "title": "Cider fair returns"},
            ],
        }
    ).encode()
    candidates, rejects = parse_feed(body, "https://orchard.example.com/feed.json", "orchard")
    assert rejects == []
    assert [c.url for c in candidates] == [
        "https://orchard.example.com/p/apple-harvest",
        "https://orchard.example.com/p/cider-fair",
    ]
    assert candidates[0].item.title == "Apple harvest starts early"
    assert candidates[0].item.published_at == datetime(2024, 4, 3, 12, 0, tzinfo=UTC)
    assert candidates[0].item.authors == ["Kim Ode"]


def test_html_in_titles_is_reduced_to_words():
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>&lt;b&gt;Breaking:&lt;/b&gt;   dam &lt;i&gt;holds&lt;/i&gt; &amp;amp; town  sighs</title>
    <link>https://velmora.example.org/dam</link></item>
    <item><title><![CDATA[Council <span class="x">votes</span> &quot;yes&quot; on&nbsp;budget]]></title>
    <link>https://velmora.example.org/budget</link></item>
    </channel></rss>"""  # noqa: E501 - served bytes kept as written
    candidates, _ = parse_feed(rss, "https://velmora.example.org/rss.xml", "velmora-post")
    assert [c.item.title for c in candidates] == [
        "Breaking: dam holds & town sighs",
        'Council votes "yes" on budget',
    ]


def test_plain_text_helper():
    assert plain_text("<p>A &amp; <b>B</b></p>") == "A & B"
    assert plain_text("<br/>") is None
    assert plain_text(None) is None


def test_html_page_is_not_a_feed():
    candidates, rejects = parse_feed(
        b"<html><body><p>Welcome</p></body></html>", "https://x.example.com/", "s"
    )
    assert candidates == []
    assert [(r.stage, r.reason) for r in rejects] == [("discover", "not a feed")]


def test_feed_without_items_is_rejected():
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://x.example.com/</link></channel></rss>'
    candidates, rejects = parse_feed(rss, "https://x.example.com/rss", "s")
    assert candidates == []
    assert [(r.stage, r.url) for r in rejects] == [("discover", "https://x.example.com/rss")]


def test_valid_feed_without_items_is_an_empty_feed():
    rss = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://x.example.com/</link></channel></rss>'
    _, rejects = parse_feed(rss, "https://x.example.com/rss", "s")
    assert [r.reason for r in rejects] == ["empty feed"]


# -- sitemaps --------------------------------------------------------------------------------------

URLSET = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://linden.example.net/city/bridge-repairs</loc>
    <news:news>
      <news:publication><news:name>Linden Gazette</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2024-05-06T07:08:09+02:00</news:publication_date>
      <news:title>Bridge repairs &amp; detours</news:title>
    </news:news>
  </url>
  <url><loc>/city/night-buses</loc><lastmod>2024-05-01</lastmod></url>
  <url><loc>https://linden.example.net/about</loc></url>
  <url><loc>   </loc></url>
</urlset>"""  # noqa: E501 - served bytes kept as written

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://linden.example.net/sitemaps/news-1.xml</loc></sitemap>
  <sitemap><loc> /sitemaps/news-2.xml </loc></sitemap>
</sitemapindex>"""


def test_urlset_with_news_publication_date():
    candidates, nested = parse_sitemap(URLSET, "https://linden.example.net/sitemap.xml", "linden")
    assert nested == []
    assert [c.url for c in candidates] == [
        "https://linden.example.net/city/bridge-repairs",
        "https://linden.example.net/city/night-buses",
        "https://linden.example.net/about",
    ]
    bridge, buses, about = candidates
    assert bridge.item.published_at == datetime(
        2024, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2))
    )
    assert bridge.item.title == "Bridge repairs & detours"
    assert (
        buses.item.published_at is None
    )  # lastmod says when the page changed, not when it was published
    assert buses.item.modified_at == datetime(2024, 5, 1, tzinfo=UTC)
    assert buses.item.title is None
    assert about.item.published_at is None


def test_sitemapindex_lists_nested_sitemaps():
    candidates, nested = parse_sitemap(INDEX, "https://linden.example.net/sitemap.xml", "linden")
    assert candidates == []
    assert nested == [
        "https://linden.example.net/sitemaps/news-1.xml",
        "https://linden.example.net/sitemaps/news-2.xml",
    ]


def test_gzipped_sitemap():
    _, nested = parse_sitemap(
        gzip.compress(INDEX), "https://linden.example.net/sitemap.xml.gz", "linden"
    )
    assert len(nested) == 2


def test_sitemap_source_follows_the_index(server):
    server.add(
        "/sitemap.xml",
        body=INDEX.replace(b"https://linden.example.net", server.url("").encode()),
        content_type="application/xml",
    )
    server.add("/sitemaps/news-1.xml", body=URLSET, content_type="application/xml")
    # news-2.xml is not routed: the local server answers 404
    source = Source(
        name="linden", kind="sitemap", url=server.url("/sitemap.xml"), allow_private_network=True
    )
    found = discover(source, Fetcher(Settings(retries=0, host_delay=0)))
    candidates, rejects = found.candidates, found.rejects
    assert [c.url for c in candidates] == [
        "https://linden.example.net/city/bridge-repairs",
        server.url("/city/night-buses"),  # relative to the nested sitemap's URL
        "https://linden.example.net/about",
    ]
    assert [(r.stage, r.url, r.reason) for r in rejects] == [
        # the <url> with a blank <loc> is reported, not dropped unseen
        ("discover", server.url("/sitemaps/news-1.xml"), "sitemap entry without loc"),
        ("discover", server.url("/sitemaps/news-2.xml"), "http 404"),
    ]


def test_feed_source_fetch_failure_is_one_reject(server):
    source = Source(
        name="velmora-post", kind="feed", url=server.url("/gone.xml"), allow_private_network=True
    )
    found = discover(source, Fetcher(Settings(retries=0, host_delay=0)))
    candidates, rejects = found.candidates, found.rejects
    assert candidates == []
    assert [(r.stage, r.source, r.reason) for r in rejects] == [
        ("discover", "velmora-post", "http 404")
    ]


def test_feed_source_deduplicates_links(server):
    rss = RSS.replace(
        b"  /2024/04/library-hours  ",
        b"https://velmora.example.org/2024/04/ferry-resumes?utm_source=rss",
    )
    server.add("/rss.xml", body=rss, content_type="application/rss+xml")
    source = Source(
        name="velmora-post", kind="feed", url=server.url("/rss.xml"), allow_private_network=True
    )
    candidates = discover(source, Fetcher(Settings(retries=0, host_delay=0))).candidates
    assert [c.url for c in candidates] == [
        "https://velmora.example.org/2024/04/ferry-resumes?utm_source=rss"
    ]


# -- local folders ---------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    (root / "a.html").write_text("<html><body><p>Orchard story</p></body></html>", encoding="utf-8")
    (root / "sub" / "b.txt").write_text(
        "Night buses\n\nThe first night bus ran on Friday.", encoding="utf-8"
    )
    lines = [
        json.dumps(
            {
                "url": "https://j.example.com/1",
                "html": "<p>One</p>",
                "title": "First",
                "published_at": "2024-01-02T03:04:05Z",
                "authors": "Ann Lee",
            }
        ),
        "{this is not json",
        "",
        json.dumps(
            {"url": "https://j.example.com/2", "text": "Two", "authors": ["Bo Chan", "Cy Dee"]}
        ),
        json.dumps({"text": "Three, with no url"}),
    ]
    (root / "c.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _digest(title: str, body: str) -> str:
    import hashlib

    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()[:16]


def test_a_jsonl_record_without_url_keeps_its_address_when_records_are_added_on_top(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    one = json.dumps({"title": "Pier lights approved", "text": "The council approved them."})
    two = json.dumps({"title": "Storm closes coast road", "text": "Waves threw stones."})
    (folder / "batch.jsonl").write_text(one + "\n", encoding="utf-8")
    source = Source(name="inbox", kind="directory", path=folder)
    first = {c.url: c.item.title for c in discover(source, Fetcher(Settings())).candidates}
    (folder / "batch.jsonl").write_text(two + "\n" + one + "\n", encoding="utf-8")  # rewritten
    second = {c.url: c.item.title for c in discover(source, Fetcher(Settings())).candidates}
    assert len(second) == 2
    assert first.items() <= second.items()  # the old record kept its address, the new one not


def test_directory_source(folder):
    source = Source(name="archive", kind="directory", path=folder)
    found = discover(source, Fetcher(Settings()))
    candidates, rejects = found.candidates, found.rejects
    by_url = {c.url: c for c in candidates}
    assert list(by_url) == [
        (folder / "a.html").as_uri(),
        "https://j.example.com/1",
        "https://j.example.com/2",
        f"{(folder / 'c.jsonl').as_uri()}#record-{_digest('', 'Three, with no url')}",
        (folder / "sub" / "b.txt").as_uri(),
    ]
    html_page = by_url[(folder / "a.html").as_uri()]
    assert (html_page.content_type, html_page.body) == (
        "text/html",
        b"<html><body><p>Orchard story</p></body></html>",
    )
    txt = by_url[(folder / "sub" / "b.txt").as_uri()]
    assert txt.content_type == "text/plain"
    assert txt.body.startswith(b"Night buses")
    one = by_url["https://j.example.com/1"]
    assert (one.content_type, one.body, one.item.title) == ("text/html", b"<p>One</p>", "First")
    assert one.item.published_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert one.item.authors == ["Ann Lee"]
    two = by_url["https://j.example.com/2"]
    assert (two.content_type, two.body, two.item.authors) == (
        "text/plain",
        b"Two",
        ["Bo Chan", "Cy Dee"],
    )
    assert all(c.source == "archive" for c in candidates)

    assert len(rejects) == 1
    bad = rejects[0]
    assert (bad.stage, bad.source, bad.reason) == ("discover", "archive", "bad jsonl record")
    assert bad.url == f"{(folder / 'c.jsonl').as_uri()}#L2"


def test_directory_rejects_unsupported_files(tmp_path):
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4")
    found = discover(Source(name="archive", kind="directory", path=tmp_path), Fetcher(Settings()))
    candidates, rejects = found.candidates, found.rejects
    assert candidates == []
    assert [(r.stage, r.reason, r.detail) for r in rejects] == [
        ("discover", "unsupported file type", ".pdf")
    ]


def test_jsonl_record_without_body_is_rejected(tmp_path):
    (tmp_path / "x.jsonl").write_text(
        '{"url": "https://j.example.com/9", "title": "No body"}\n[1, 2]\n'
    )
    found = discover(Source(name="archive", kind="directory", path=tmp_path), Fetcher(Settings()))
    candidates, rejects = found.candidates, found.rejects
    assert candidates == []
    assert [(r.reason, r.url.rsplit("#", 1)[1]) for r in rejects] == [
        ("bad jsonl record", "L1"),
        ("bad jsonl record", "L2"),
    ]
    assert rejects[0].detail == "needs 'html' or 'text'"


def test_jsonl_record_with_wrong_types_is_a_reject_not_a_crash(tmp_path):
    (tmp_path / "x.jsonl").write_text(
        '{"url": "https://j.example.com/1", "text": 42}\n'
        '{"url": "https://j.example.com/2", "text": "Fine"}\n'
    )
    found = discover(Source(name="archive", kind="directory", path=tmp_path), Fetcher(Settings()))
    candidates, rejects = found.candidates, found.rejects
    assert [c.url for c in candidates] == ["https://j.example.com/2"]
    assert [r.reason for r in rejects] == ["bad jsonl record"]


def test_a_jsonl_date_that_is_no_date_is_said_and_the_record_kept(tmp_path):
    (tmp_path / "x.jsonl").write_text(
        '{"url": "https://j.example.com/1", "text": "Fares frozen.", "published_at": "yesterday"}\n'
        '{"url": "https://j.example.com/2", "text": "Ferry late.",'
        ' "published_at": "Mon, 16 Nov 2026 10:00:00 +0100"}\n'
        '{"url": "https://j.example.com/3", "text": "Bridge shut.", "published_at": "2026/11/03"}\n'
        '{"url": "https://j.example.com/4", "text": "Tolls up.",'
        ' "published_at": "2026.11.04 08:30"}\n'
    )
    found = discover(Source(name="archive", kind="directory", path=tmp_path), Fetcher(Settings()))
    candidates, rejects = found.candidates, found.rejects
    assert [(c.url, c.item.published_at) for c in candidates] == [
        ("https://j.example.com/1", None),
        ("https://j.example.com/2", datetime(2026, 11, 16, 9, 0, tzinfo=UTC)),
        # year first with slashes or dots: year, month, day (never day first)
        ("https://j.example.com/3", datetime(2026, 11, 3, tzinfo=UTC)),
        ("https://j.example.com/4", datetime(2026, 11, 4, 8, 30, tzinfo=UTC)),
    ]
    assert [(r.reason, r.url.rsplit("#", 1)[1], r.detail) for r in rejects] == [
        (
            "bad jsonl date",
            "L1",
            "published_at 'yesterday' is no date: the article is kept without one",
        )
    ]


def test_fetch_error_type_is_exported():
    # discover() converts FetchError into a Reject; the class must carry the reason separately.
    err = FetchError("http 503", "https://x.example.com/")
    assert (err.reason, err.detail, str(err)) == (
        "http 503",
        "https://x.example.com/",
        "http 503: https://x.example.com/",
    )
