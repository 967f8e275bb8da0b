"""newsetl.fetch: the polite HTTP client against a real server on 127.0.0.1, and fetch_pages."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from newsetl.config import Settings
from newsetl.fetch.pages import fetch_pages, raw_id
from newsetl.records import Candidate, FeedItem
from newsetl.sources import Source
from newsetl.storage.raw import write_raw
from newsetl.storage.seen import SeenUrls
from newsetl.transport.http import (
    MAX_REDIRECTS,
    Fetcher,
    FetchError,
    FetchStopped,
    is_private_host,
    retry_after_seconds,
)
from newsetl.urls import normalize_url

PAGE = "<html><head><title>Ferry</title></head><body><p>The ferry sailed at dawn.</p></body></html>"


@pytest.fixture
def fetcher() -> Fetcher:
    """A fresh client per test: host failure memory must not leak between tests."""
    return Fetcher(Settings(retries=1, host_delay=0))


def reason_of(call) -> str:
    with pytest.raises(FetchError) as caught:
        call()
    return caught.value.reason


def test_200_page(server, fetcher):
    server.add("/ferry", body=PAGE, headers={"ETag": '"v1"', "X-Secret": "not kept"})
    fetched = fetcher.get(server.url("/ferry"), allow_private=True)
    assert fetched.status == 200
    assert fetched.body == PAGE.encode()
    assert fetched.content_type == "text/html"  # parameters dropped, lower-cased
    assert fetched.url == fetched.final_url == server.url("/ferry")
    assert fetched.headers["etag"] == '"v1"'
    assert "X-Secret" not in fetched.headers
    assert fetched.fetched_at.tzinfo is not None
    assert abs((datetime.now(UTC) - fetched.fetched_at).total_seconds()) < 30


def test_user_agent_is_sent(server):
    server.add("/ua", body="ok", content_type="text/plain")
    Fetcher(Settings(retries=0, host_delay=0, user_agent="newsetl-test/9")).get(
        server.url("/ua"), allow_private=True
    )
    assert server.last_headers["/ua"]["User-Agent"] == "newsetl-test/9"


def test_404_is_not_retried(server, fetcher):
    server.add("/missing", status=404, body="gone")
    with pytest.raises(FetchError) as caught:
        fetcher.get(server.url("/missing"), allow_private=True)
    assert caught.value.reason == "http 404"
    assert caught.value.detail == server.url("/missing")
    assert server.hits["/missing"] == 1


def test_500_is_retried_then_fails(server, fetcher):
    server.add("/broken", status=500, body="oops")
    assert reason_of(lambda: fetcher.get(server.url("/broken"), allow_private=True)) == "http 500"
    assert server.hits["/broken"] == 2  # retries=1: one try and one retry


def test_500_then_200_succeeds(server, fetcher):
    server.add_sequence(
        "/flaky",
        [
            (503, {"Retry-After": "0"}, b""),
            (200, {"Content-Type": "text/html", "Content-Length": "2"}, b"ok"),
        ],
    )
    assert fetcher.get(server.url("/flaky"), allow_private=True).body == b"ok"
    assert server.hits["/flaky"] == 2


def test_429_with_retry_after_zero_then_200(server, fetcher):
    server.add_sequence(
        "/busy",
        [
            (429, {"Retry-After": "0", "Content-Length": "0"}, b""),
            (200, {"Content-Type": "text/html", "Content-Length": str(len(PAGE))}, PAGE.encode()),
        ],
    )
    started = time.monotonic()
    fetched = fetcher.get(server.url("/busy"), allow_private=True)
    assert fetched.status == 200
    assert fetched.body == PAGE.encode()
    assert server.hits["/busy"] == 2
    assert time.monotonic() - started < 0.5  # Retry-After: 0 replaces the 0.5 s backoff


def test_redirect_is_followed(server, fetcher):
    server.add("/old", status=301, headers={"Location": "/middle"})
    server.add("/middle", status=302, headers={"Location": server.url("/new")})
    server.add("/new", body=PAGE)
    fetched = fetcher.get(server.url("/old"), allow_private=True)
    assert fetched.url == server.url("/old")
    assert fetched.final_url == server.url("/new")
    assert fetched.body == PAGE.encode()
    assert [server.hits[p] for p in ("/old", "/middle", "/new")] == [1, 1, 1]


def test_redirect_loop(server, fetcher):
    server.add("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError) as caught:
        fetcher.get(server.url("/loop"), allow_private=True)
    assert caught.value.reason == "too many redirects"
    assert server.hits["/loop"] == MAX_REDIRECTS + 1


def test_every_redirect_hop_is_checked_for_private_network(server, fetcher, monkeypatch):
    # Pretend 127.0.0.1 is public: the redirect to a name resolving to 192.168.0.7 is refused.
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "lan.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.0.7", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    monkeypatch.setattr(
        "newsetl.transport.http.is_public_address", lambda ip: str(ip) == "127.0.0.1"
    )
    server.add(
        "/hop",
        status=302,
        headers={"Location": server.url("/ferry").replace("127.0.0.1", "lan.test")},
    )
    server.add("/ferry", body=PAGE)
    assert reason_of(lambda: fetcher.get(server.url("/hop"))) == "private network refused"
    assert (server.hits["/hop"], server.hits["/ferry"]) == (1, 0)


def test_declared_body_larger_than_limit(server):
    server.add("/big", body=b"x" * 5000)
    fetcher = Fetcher(Settings(retries=0, host_delay=0, max_body_bytes=1000))
    with pytest.raises(FetchError) as caught:
        fetcher.get(server.url("/big"), allow_private=True)
    assert caught.value.reason == "too large"
    assert "content-length 5000 > 1000" in caught.value.detail


def test_streamed_body_larger_than_limit(server):
    server.add(
        "/stream", body=b"y" * 5000, length=False
    )  # no Content-Length: counted while reading
    fetcher = Fetcher(Settings(retries=0, host_delay=0, max_body_bytes=1000))
    with pytest.raises(FetchError) as caught:
        fetcher.get(server.url("/stream"), allow_private=True)
    assert caught.value.reason == "too large"
    assert caught.value.detail == "more than 1000 bytes"


def test_body_at_the_limit_is_read(server):
    server.add("/exact", body=b"z" * 1000, length=False)
    fetcher = Fetcher(Settings(retries=0, host_delay=0, max_body_bytes=1000))
    assert len(fetcher.get(server.url("/exact"), allow_private=True).body) == 1000


def test_wrong_content_type(server, fetcher):
    server.add("/report.pdf", body=b"%PDF-1.7", content_type="application/pdf")
    with pytest.raises(FetchError) as caught:
        fetcher.get(server.url("/report.pdf"), allow_private=True, accept=("html",))
    assert caught.value.reason == "wrong content type"
    assert caught.value.detail == "application/pdf"


def test_accepted_content_type_and_missing_content_type_pass(server, fetcher):
    server.add("/page", body=PAGE, content_type="application/xhtml+xml; charset=utf-8")
    server.add("/untyped", body=b"raw", content_type=None)
    assert (
        fetcher.get(server.url("/page"), allow_private=True, accept=("html",)).content_type
        == "application/xhtml+xml"
    )
    assert fetcher.get(server.url("/untyped"), allow_private=True, accept=("html",)).body == b"raw"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_refused_without_allow_private(server, fetcher, host):
    server.add("/ferry", body=PAGE)
    url = server.url("/ferry").replace("127.0.0.1", host)
    with pytest.raises(FetchError) as caught:
        fetcher.get(url)
    assert caught.value.reason == "private network refused"
    assert server.hits["/ferry"] == 0


@pytest.mark.parametrize("host", ["10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "0.0.0.0"])
def test_private_addresses_are_private(host):
    assert is_private_host(host) is True


def test_public_address_is_not_private():
    assert is_private_host("93.184.216.34") is False


def test_bad_url(fetcher):
    assert reason_of(lambda: fetcher.get("ftp://files.example.com/x")) == "bad url"
    assert reason_of(lambda: fetcher.get("https:///nohost")) == "bad url"


def test_connection_error(fetcher):
    # A port on 127.0.0.1 that nothing listens on: bind, read the port, close.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fetcher = Fetcher(Settings(retries=0, host_delay=0))
    assert (
        reason_of(lambda: fetcher.get(f"http://127.0.0.1:{port}/", allow_private=True))
        == "connection error"
    )


def test_host_is_skipped_after_repeated_failures(server):
    server.add("/down", status=503)
    server.add("/ferry", body=PAGE)
    fetcher = Fetcher(Settings(retries=0, host_delay=0))
    for _ in range(3):
        assert reason_of(lambda: fetcher.get(server.url("/down"), allow_private=True)) == "http 503"
    assert (
        reason_of(lambda: fetcher.get(server.url("/ferry"), allow_private=True)) == "host skipped"
    )
    assert server.hits["/ferry"] == 0


def test_a_dead_host_is_given_up_by_requests_already_waiting_for_it():
    """Requests queued for the host's slots, or waiting to retry, give up once it has failed
    HOST_FAILURE_LIMIT times: a dead host costs a few failures, not one per queued page."""
    from concurrent.futures import ThreadPoolExecutor

    from newsetl.transport.http import HOST_FAILURE_LIMIT

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once the socket is closed
    fetcher = Fetcher(Settings(retries=1, host_delay=0, host_concurrency=2))
    urls = [f"http://127.0.0.1:{port}/page-{n}" for n in range(16)]
    with ThreadPoolExecutor(8) as pool:
        reasons = list(
            pool.map(
                lambda u: reason_of(lambda: fetcher.get(u, allow_private=True, robots=False)), urls
            )
        )
    assert set(reasons) == {"connection error", "host skipped"}
    # at most the failures that reach the limit together, one per slot
    assert reasons.count("connection error") <= HOST_FAILURE_LIMIT + 1


def test_host_delay_spaces_requests(server):
    server.add("/ferry", body=PAGE)
    fetcher = Fetcher(Settings(retries=0, host_delay=0))
    started = time.monotonic()
    for _ in range(3):
        fetcher.get(server.url("/ferry"), allow_private=True, delay=0.15)
    assert time.monotonic() - started >= 0.3  # two waits between three requests


def test_a_stopped_fetcher_ends_its_pause_and_asks_for_nothing_more(server):
    import threading

    server.add("/ferry", body=PAGE)
    fetcher = Fetcher(Settings(retries=0, host_delay=0))
    fetcher.get(server.url("/ferry"), allow_private=True)
    ended: list[BaseException] = []

    def second() -> None:  # waits out a long politeness pause for the same host
        try:
            fetcher.get(server.url("/ferry"), allow_private=True, delay=60)
        except BaseException as err:  # noqa: BLE001 - the test looks at what ended it
            ended.append(err)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.2)
    fetcher.stop()  # Ctrl-C in the run's main thread
    thread.join(5)
    assert not thread.is_alive()
    assert [type(e) for e in ended] == [FetchStopped]
    assert not isinstance(ended[0], Exception)  # not a page's failure: no reject is made of it
    with pytest.raises(FetchStopped):
        fetcher.get(server.url("/ferry"), allow_private=True)
    assert server.hits["/ferry"] == 1


def test_a_fetch_stopped_midway_archives_the_pages_it_fetched(server):
    import threading

    for name in "abcdef":
        server.add(f"/{name}", body=PAGE)
    fetcher = Fetcher(Settings(retries=0, host_delay=0))
    source = Source(
        name="velmora-post", kind="urls", urls=[server.url("/a")], allow_private_network=True,
        delay=0.4,
    )  # fmt: skip
    candidates = [Candidate("velmora-post", server.url(f"/{name}")) for name in "abcdef"]
    archived: list[str] = []
    ended: list[BaseException] = []

    def sink(pages):
        archived.extend(p.url for p in pages)
        return []

    def fetch() -> None:
        try:
            fetch_pages(source, candidates, fetcher, "run-8", set(), workers=1, sink=sink)
        except BaseException as err:  # noqa: BLE001 - the test looks at what ended it
            ended.append(err)

    thread = threading.Thread(target=fetch)
    thread.start()
    deadline = time.monotonic() + 10
    pages = "abcdef"

    def asked() -> int:  # pages asked for (robots.txt is asked too)
        return sum(server.hits[f"/{name}"] for name in pages)

    while asked() < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    fetcher.stop()  # Ctrl-C after two pages, with four to go
    thread.join(10)
    assert [type(e) for e in ended] == [FetchStopped]
    fetched = asked()
    assert 2 <= fetched < 6
    assert archived == [server.url(f"/{name}") for name in pages[:fetched]]


# -- Retry-After ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("0", 0.0),
        ("5", 5.0),
        ("2.5", 2.5),
        ("-3", 0.0),
        ("3600", 60.0),
        (None, None),
        ("", None),
        ("soon", None),
    ],
)
def test_retry_after_seconds(value, seconds):
    assert retry_after_seconds(value) == seconds


def test_retry_after_http_date():
    future = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after_seconds(future) <= 30
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("Wed, 21 Oct 2099 07:28:00 GMT") == 60.0


@pytest.mark.parametrize("value", ["Wed, 21 Oct 2015 07:28:00 -0000", "Wed, 21 Oct 2015 07:28:00"])
def test_retry_after_date_without_zone_does_not_crash(value):
    assert retry_after_seconds(value) == 0.0


def test_retry_after_nan_is_ignored():
    value = retry_after_seconds("nan")
    assert value is None or 0.0 <= value <= 60.0


# -- fetch_pages ----------------------------------------------------------------------------------


def test_fetch_pages_skips_seen_keys_and_rejects_failures(server, fetcher):
    server.add("/a", body=PAGE)
    server.add("/c", body="<p>c</p>")
    source = Source(
        name="velmora-post", kind="urls", urls=[server.url("/a")], allow_private_network=True
    )
    item = FeedItem(title="Ferry", published_at=datetime(2024, 4, 2, tzinfo=UTC))
    candidates = [
        Candidate("velmora-post", server.url("/a") + "?utm_source=rss", item=item),
        Candidate("velmora-post", server.url("/b")),  # seen in an earlier run
        Candidate("velmora-post", server.url("/missing")),
        Candidate("velmora-post", server.url("/c")),
        Candidate("velmora-post", server.url("/c#comments")),  # same key as /c: fetched once
    ]
    seen = {normalize_url(server.url("/b"))}
    result = fetch_pages(source, candidates, fetcher, "run-7", seen)

    assert [p.url for p in result.pages] == [server.url("/a") + "?utm_source=rss", server.url("/c")]
    assert result.skipped == 2
    assert server.hits["/b"] == 0
    assert server.hits["/c"] == 1
    assert [(r.stage, r.source, r.url, r.reason) for r in result.rejects] == [
        ("fetch", "velmora-post", server.url("/missing"), "http 404"),
    ]
    page = result.pages[0]
    assert page.url_key == normalize_url(server.url("/a"))
    assert page.raw_id == raw_id("run-7", page.url)
    assert (page.run_id, page.source, page.status, page.content_type) == (
        "run-7",
        "velmora-post",
        200,
        "text/html",
    )
    assert page.body == PAGE.encode()
    assert page.item is item
    assert json.loads(page.headers)["content-type"] == "text/html; charset=utf-8"
    assert normalize_url(server.url("/a")) in seen  # fetched keys are remembered


def test_fetch_pages_asks_the_seen_index_a_read_ahead_at_a_time(
    server, fetcher, tmp_path, make_page, monkeypatch
):
    import newsetl.fetch.pages as pages_module

    monkeypatch.setattr(pages_module, "READ_AHEAD", 2)  # candidates in read-aheads of two
    for path in ("/a", "/c", "/e"):
        server.add(path, body="<p>page</p>")
    write_raw([make_page(server.url("/b")), make_page(server.url("/d"))], tmp_path / "raw")
    source = Source(name="s", kind="urls", urls=[server.url("/a")], allow_private_network=True)
    paths = ["/a", "/b", "/c", "/a", "/d", "/e", "/c"]  # /a and /c again in later read-aheads
    with SeenUrls.open(tmp_path / "raw", tmp_path) as seen:
        asked: list[list[str]] = []
        look_up = seen.look_up
        monkeypatch.setattr(seen, "look_up", lambda keys, ask=look_up: ask(_record(asked, keys)))
        result = fetch_pages(
            source, [Candidate("s", server.url(p)) for p in paths], fetcher, "r", seen
        )
    assert [p.url for p in result.pages] == [server.url(p) for p in ("/a", "/c", "/e")]
    assert result.skipped == 4  # /b and /d from the archive, /a and /c taken earlier this run
    assert [server.hits[p] for p in ("/a", "/b", "/c", "/d", "/e")] == [1, 0, 1, 0, 1]
    assert [len(keys) for keys in asked] == [2, 2, 2, 1]


def _record(asked: list[list[str]], keys) -> list[str]:
    keys = list(keys)
    asked.append(keys)
    return keys


def test_fetch_pages_uses_bodies_discovery_already_has(server, fetcher):
    source = Source(name="archive", kind="urls", urls=["https://a.example.com/"])
    candidate = Candidate(
        "archive", "https://a.example.com/local", body=b"Plain story", content_type="text/plain"
    )
    result = fetch_pages(source, [candidate], fetcher, "run-1", set())
    assert len(result.pages) == 1
    page = result.pages[0]
    assert (page.body, page.content_type, page.status, page.final_url) == (
        b"Plain story",
        "text/plain",
        200,
        "https://a.example.com/local",
    )
    assert result.rejects == []


def test_fetch_pages_stops_at_max_articles(server, fetcher):
    for name in ("/1", "/2", "/3"):
        server.add(name, body=PAGE)
    source = Source(
        name="s", kind="urls", urls=[server.url("/1")], allow_private_network=True, max_articles=2
    )
    result = fetch_pages(
        source, [Candidate("s", server.url(n)) for n in ("/1", "/2", "/3")], fetcher, "r", set()
    )
    assert [p.url for p in result.pages] == [server.url("/1"), server.url("/2")]
    assert (result.skipped, result.past_limit) == (0, 1)  # not "already seen": for a later run
    assert server.hits["/3"] == 0


def test_fetch_pages_refuses_private_hosts_unless_the_source_allows(server, fetcher):
    server.add("/a", body=PAGE)
    source = Source(name="s", kind="urls", urls=[server.url("/a")])
    result = fetch_pages(source, [Candidate("s", server.url("/a"))], fetcher, "r", set())
    assert result.pages == []
    assert [r.reason for r in result.rejects] == ["private network refused"]


def test_fetch_pages_hands_pages_to_the_archive_as_it_goes(server, tmp_path):
    from newsetl.storage.raw import read_raw, write_raw

    for n in range(5):
        server.add(f"/p{n}", body=f"<html><body><p>page {n}</p></body></html>")
    source = Source(
        name="quay",
        kind="urls",
        urls=[server.url(f"/p{n}") for n in range(5)],
        allow_private_network=True,
    )
    flushed = []

    def sink(pages):
        flushed.append(len(pages))
        return write_raw(pages, tmp_path / "raw")

    result = fetch_pages(
        source,
        [Candidate("quay", u) for u in source.urls],
        Fetcher(Settings(host_delay=0)),
        "run-1",
        set(),
        workers=1,
        sink=sink,
        flush_every=2,
    )
    result.flush(sink)
    assert flushed == [2, 2, 1] and result.pages == [] and result.fetched == 5
    archived = [p.url for batch in read_raw(tmp_path / "raw", files=result.archived) for p in batch]
    assert sorted(archived) == sorted(source.urls)
    # A run finds its files by name, also those a failed attempt of a retried task wrote.
    from newsetl.storage.raw import raw_files

    assert raw_files(tmp_path / "raw", "run-1") == sorted(result.archived)
    assert raw_files(tmp_path / "raw", "run-2") == []


def test_pages_refused_for_what_they_are_are_not_asked_again(server, tmp_path):
    from newsetl.storage.raw import seen_url_keys, write_raw

    server.add("/report.pdf", body="%PDF-1.4", content_type="application/pdf")
    source = Source(
        name="quay", kind="urls", urls=[server.url("/report.pdf")], allow_private_network=True
    )
    result = fetch_pages(
        source, [Candidate("quay", source.urls[0])], Fetcher(Settings(host_delay=0)), "run-1", set()
    )
    assert [r.reason for r in result.rejects] == ["wrong content type"]
    assert [(d.kind, d.status) for d in result.documents] == [("refused", 200)]
    write_raw(result.documents, tmp_path / "raw")
    again = fetch_pages(
        source,
        [Candidate("quay", source.urls[0])],
        Fetcher(Settings(host_delay=0)),
        "run-2",
        seen_url_keys(tmp_path / "raw"),
    )
    assert again.rejects == [] and again.skipped == 1


def test_a_page_two_sources_list_is_kept_by_the_first_and_counted_by_the_other(fetcher):
    from newsetl.storage.seen import SeenUrls

    def source(name: str) -> Source:
        return Source(name=name, kind="urls", urls=["https://a.example/x"])

    def local(name: str, path: str) -> Candidate:
        return Candidate(
            name, f"https://a.example/{path}", body=b"<p>x</p>", content_type="text/html"
        )

    seen = SeenUrls(None)  # no archive yet: only what this run takes
    first = fetch_pages(source("one"), [local("one", "x"), local("one", "y")], fetcher, "r", seen)
    again = [local("two", "x"), local("two", "z"), local("two", "z")]
    second = fetch_pages(source("two"), again, fetcher, "r", seen)
    assert [p.source for p in first.pages] == ["one", "one"] and first.shared == 0
    assert [p.url for p in second.pages] == ["https://a.example/z"]
    # /x was taken by "one"; the second /z is the source's own repeat, not another's page
    assert (second.skipped, second.shared) == (2, 1)


def test_progress_counts_the_pages_fetched_as_the_summary_does(server, fetcher):
    server.add("/a", body=PAGE)
    server.add("/c", body="<p>c</p>")
    source = Source(name="s", kind="urls", urls=[server.url("/a")], allow_private_network=True)
    candidates = [Candidate("s", server.url(p)) for p in ("/a", "/missing", "/c")]
    fetched = []
    result = fetch_pages(
        source, candidates, fetcher, "run-1", set(), on_fetched=lambda: fetched.append(1)
    )
    assert len(fetched) == len(result.pages) == 2  # the 404 is a reject, not a page fetched
    assert [r.reason for r in result.rejects] == ["http 404"]
