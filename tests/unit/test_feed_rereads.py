"""When a feed is read again: served again byte for byte it counts as not modified (whatever
the server says about validators), and a feed some of whose pages failed in a way the next run
retries (a 503, a timeout) is read whole by the next run, so those pages are not lost."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from newsetl.config import Settings
from newsetl.discover import discover
from newsetl.pipeline import acquire
from newsetl.sources import Source
from newsetl.storage.seen import SeenUrls
from newsetl.storage.state import ConditionalCache, state_path
from newsetl.transport.http import Fetcher

RSS = "application/rss+xml"
PAGE = "<html><head><title>{0}</title></head><body><p>{0} story text.</p></body></html>"


def fetcher() -> Fetcher:
    return Fetcher(Settings(host_delay=0, retries=0, connect_timeout=2, read_timeout=2))


def feed_source(url: str) -> Source:
    return Source(name="quay", kind="feed", url=url, allow_private_network=True, robots=False)


def rss(server, paths: list[str]) -> bytes:
    entries = "".join(
        f"<item><title>{p}</title><link>{server.url(p)}</link>"
        "<pubDate>Mon, 16 Nov 2026 10:00:00 GMT</pubDate></item>"
        for p in paths
    )
    return f'<rss version="2.0"><channel><title>Quay</title>{entries}</channel></rss>'.encode()


def test_feed_served_again_byte_for_byte_counts_as_not_modified(server, tmp_path):
    """No ETag, no Last-Modified: only the body tells that nothing changed."""
    body = rss(server, ["/a", "/b"])
    server.add("/feed", body=body, content_type=RSS)
    state = tmp_path / "conditional-get.json"
    cache = ConditionalCache(state)
    first = discover(feed_source(server.url("/feed")), fetcher(), cache=cache)
    assert len(first.candidates) == 2 and first.not_modified == 0
    cache.save()

    second = discover(feed_source(server.url("/feed")), fetcher(), cache=ConditionalCache(state))
    assert server.hits["/feed"] == 2  # still asked: nothing to send a conditional GET with
    assert "If-None-Match" not in server.last_headers["/feed"]
    assert (second.not_modified, second.candidates, second.documents) == (1, [], [])

    server.add("/feed", body=rss(server, ["/a", "/b", "/c"]), content_type=RSS)
    third = discover(feed_source(server.url("/feed")), fetcher(), cache=ConditionalCache(state))
    assert third.not_modified == 0
    assert [c.url for c in third.candidates] == [server.url(p) for p in ("/a", "/b", "/c")]


def test_the_digest_is_never_sent_as_a_validator(server, tmp_path):
    server.add("/feed", body=rss(server, ["/a"]), content_type=RSS, headers={"ETag": '"f1"'})
    cache = ConditionalCache(tmp_path / "state.json")
    discover(feed_source(server.url("/feed")), fetcher(), cache=cache)
    cache.save()
    assert ConditionalCache(tmp_path / "state.json").validators(server.url("/feed")) == {
        "etag": '"f1"'
    }


def run(server, raw: Path, window=None, **source) -> tuple[list[str], int]:
    """One run's acquisition of the feed: the rejects' reasons and the feeds not modified."""
    cache = ConditionalCache(state_path(raw))
    feed = feed_source(server.url("/feed")).model_copy(update=source)
    with SeenUrls.open(raw, raw.parent) as seen:
        got = acquire(feed, fetcher(), "run", seen, cache, raw, window)
    cache.save()
    return [r.reason for r in got.rejects], got.not_modified


def test_a_page_that_failed_for_now_makes_the_next_run_read_its_feed_again(server, tmp_path):
    raw = tmp_path / "warehouse" / "raw"
    server.add("/feed", body=rss(server, ["/a", "/b"]), content_type=RSS, headers={"ETag": '"f1"'})
    server.add("/a", body=PAGE.format("Alpha"))
    server.add_sequence(
        "/b",
        [
            (503, {"Content-Type": "text/plain", "Content-Length": "4"}, b"busy"),
            (200, {"Content-Type": "text/html"}, PAGE.format("Beta").encode()),
        ],
    )
    reasons, not_modified = run(server, raw)
    assert len(reasons) == 1 and not_modified == 0
    assert server.hits["/b"] == 1

    # Same feed, same ETag: without the failure it would be a 304 and /b never asked again.
    reasons, not_modified = run(server, raw)
    assert "If-None-Match" not in server.last_headers["/feed"]
    assert (reasons, not_modified) == ([], 0)
    assert (server.hits["/a"], server.hits["/b"]) == (1, 2)

    # Nothing failed this time: the run after is told "not modified".
    reasons, not_modified = run(server, raw)
    assert server.last_headers["/feed"]["If-None-Match"] == '"f1"'
    assert (reasons, not_modified) == ([], 1)


def test_pages_gone_for_good_do_not_make_the_feed_read_again(server, tmp_path):
    raw = tmp_path / "warehouse" / "raw"
    server.add(
        "/feed", body=rss(server, ["/a", "/gone"]), content_type=RSS, headers={"ETag": '"f1"'}
    )
    server.add("/a", body=PAGE.format("Alpha"))  # /gone has no route: 404
    reasons, _ = run(server, raw)
    assert len(reasons) == 1
    reasons, not_modified = run(server, raw)
    assert (reasons, not_modified) == ([], 1)
    assert server.hits["/gone"] == 1


def test_pages_past_max_articles_are_found_by_the_next_runs(server, tmp_path):
    raw = tmp_path / "warehouse" / "raw"
    server.add(
        "/feed", body=rss(server, ["/a", "/b", "/c"]), content_type=RSS, headers={"ETag": '"f1"'}
    )
    for path in ("/a", "/b", "/c"):
        server.add(path, body=PAGE.format(path[1:]))
    for expected in ([1, 0, 0], [1, 1, 0], [1, 1, 1]):
        assert run(server, raw, max_articles=1) == ([], 0)  # never "not modified" while some wait
        assert [server.hits[p] for p in ("/a", "/b", "/c")] == expected
    assert run(server, raw, max_articles=1) == ([], 1)  # all taken: the feed is left alone


def test_pages_outside_a_backfill_window_are_found_by_a_later_run(server, tmp_path):
    raw = tmp_path / "warehouse" / "raw"
    old, new = "<pubDate>Mon, 16 Nov 2026", "<pubDate>Mon, 02 Nov 2026"
    body = rss(server, ["/a", "/b"]).replace(old.encode(), new.encode(), 1)  # /a is older
    server.add("/feed", body=body, content_type=RSS, headers={"ETag": '"f1"'})
    server.add("/a", body=PAGE.format("a"))
    server.add("/b", body=PAGE.format("b"))
    assert run(server, raw, window=(date(2026, 11, 10), date(2026, 11, 20))) == ([], 0)
    assert (server.hits["/a"], server.hits["/b"]) == (0, 1)
    assert run(server, raw) == ([], 0)  # the whole feed again, not a 304
    assert (server.hits["/a"], server.hits["/b"]) == (1, 1)


def test_an_unchanged_local_file_is_not_read_again(tmp_path):
    """A folder's files read to their end are not read again while unchanged: no repeated
    rejects for a bad JSON line or an unsupported file, a run's cost in its new files; a JSON
    Lines file that grew is read from where the last reading ended; the files of a run that
    left a page for later (max_articles) are read again."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.html").write_text(PAGE.format("Alpha"), encoding="utf-8")
    (inbox / "b.jsonl").write_text(
        '{"url": "https://quay.example/b", "text": "Beta story text."}\nnot json\n',
        encoding="utf-8",
    )
    (inbox / "c.pdf").write_bytes(b"%PDF-1.7")
    raw = tmp_path / "warehouse" / "raw"
    folder = Source(name="inbox", kind="directory", path=inbox)

    def run(**change) -> tuple[int, list[str]]:
        cache = ConditionalCache(state_path(raw))
        with SeenUrls.open(raw, raw.parent) as seen:
            got = acquire(folder.model_copy(update=change), fetcher(), "run", seen, cache, raw)
        cache.save()
        return got.candidates, sorted(r.reason for r in got.rejects)

    everything = (2, ["bad jsonl record", "unsupported file type"])
    assert run(max_articles=1) == everything  # b.jsonl's page left for later
    assert run() == everything  # so every file is read again
    assert run() == (0, [])  # nothing changed: nothing read, no rejects again
    with (inbox / "b.jsonl").open("a", encoding="utf-8") as more:
        more.write('{"url": "https://quay.example/c", "text": "Gamma story text."}\n')
    assert run() == (1, [])  # a JSON Lines file that grew: its new line only
    # Rewritten, not only grown: read whole (the earlier bytes differ).
    (inbox / "b.jsonl").write_text(
        '{"url": "https://quay.example/d", "text": "Delta story text."}\nbroken\n'
        '{"url": "https://quay.example/e", "text": "Epsilon story text, a longer one."}\n',
        encoding="utf-8",
    )
    assert run() == (2, ["bad jsonl record"])


def test_a_backfill_takes_local_pages_by_the_date_their_markup_gives(tmp_path):
    """A WARC record or an HTML file has no feed or sitemap date: a one-day backfill took all."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    dated = (
        '<html><head><meta property="article:published_time" content="{}T10:00:00Z"></head>'
        "<body><h1>Ferry fares frozen</h1><p>The council froze fares.</p></body></html>"
    )
    (inbox / "a.html").write_text(dated.format("2026-11-28"), encoding="utf-8")
    (inbox / "b.html").write_text(dated.format("2026-11-30"), encoding="utf-8")
    (inbox / "c.html").write_text(PAGE.format("Undated"), encoding="utf-8")
    raw = tmp_path / "warehouse" / "raw"
    folder = Source(name="inbox", kind="directory", path=inbox)
    window = (date(2026, 11, 30), date(2026, 11, 30))
    cache = ConditionalCache(state_path(raw))
    with SeenUrls.open(raw, raw.parent) as seen:
        got = acquire(folder, fetcher(), "run", seen, cache, raw, window)
    assert (got.fetched, got.outside) == (2, 1)  # b.html and the undated c.html


def test_a_json_lines_file_caught_while_being_written_is_read_on_from_its_last_whole_line(
    tmp_path,
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    feed = inbox / "items.jsonl"
    feed.write_text(
        '{"url": "https://quay.example/a", "text": "Alpha."}\n{"url": "https://quay.ex',
        encoding="utf-8",
    )
    raw = tmp_path / "warehouse" / "raw"
    folder = Source(name="inbox", kind="directory", path=inbox)

    def run() -> tuple[list[str], list[str]]:
        cache = ConditionalCache(state_path(raw))
        found = discover(folder, fetcher(), cache=cache)
        cache.save()
        return [c.url for c in found.candidates], [r.url.rsplit("#", 1)[1] for r in found.rejects]

    assert run() == (["https://quay.example/a"], ["L2"])  # the half-written line: a reject
    with feed.open("a", encoding="utf-8") as more:
        more.write('ample/b", "text": "Beta."}\n')
    assert run() == (["https://quay.example/b"], [])  # line 2 read again, now whole
    assert run() == ([], [])
