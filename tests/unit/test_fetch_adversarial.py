"""newsetl.fetch against a server on 127.0.0.1 that misbehaves on purpose.

Each test asserts the reason a user reads in the rejects: timeouts, resets, retries, skipped
hosts, redirects, oversized and compressed bodies, conditional GET, robots.txt, per-host slots,
the archive of HTTP errors, and the conditional-GET cache.
"""

from __future__ import annotations

import gzip
import json
import socket
import struct
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newsetl.config import Settings
from newsetl.fetch.pages import fetch_pages
from newsetl.records import Candidate
from newsetl.sources import Source
from newsetl.storage.raw import seen_url_keys, write_raw
from newsetl.storage.state import ConditionalCache
from newsetl.transport.http import MAX_REDIRECTS, Fetcher, FetchError
from newsetl.urls import normalize_url

PAGE = (
    b"<html><head><title>Quay</title></head><body><p>The quay reopened at noon.</p></body></html>"
)
LAST_MODIFIED = "Mon, 16 Nov 2026 09:00:00 GMT"

Route = Callable[["Handler", int], None]


# -- the misbehaving server ----------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    """Every request is logged, then handed to the route of its path (404 when none)."""

    protocol_version = "HTTP/1.1"  # chunked bodies need it; every answer still closes the socket
    server: AdversaryHTTPServer

    def do_GET(self) -> None:
        adversary = self.server.adversary
        path = self.path.split("?", 1)[0]
        with adversary.lock:
            adversary.hits[path] += 1
            hit = adversary.hits[path]
            adversary.times[path].append(time.monotonic())
            adversary.headers[path] = dict(self.headers)
            adversary.order.append(path)
        route = adversary.routes.get(path)
        try:
            if route is None:
                self.reply(404, b"no such route", "text/plain")
            else:
                route(self, hit)
        except OSError:  # the client gave up first (broken pipe, reset): that is the point
            pass
        self.close_connection = True

    def head(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()

    def reply(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        all_headers = dict(headers or {})
        if content_type:
            all_headers.setdefault("Content-Type", content_type)
        all_headers.setdefault("Content-Length", str(len(body)))
        self.head(status, all_headers)
        self.wfile.write(body)

    def drip(self, pieces: int, piece: bytes, pause: float) -> None:
        for _ in range(pieces):
            self.wfile.write(piece)
            self.wfile.flush()
            time.sleep(pause)

    def reset(self) -> None:
        """Abort the connection: SO_LINGER 0 makes close() send a TCP RST."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def log_message(self, *args) -> None:
        pass


class AdversaryHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    adversary: Adversary

    def handle_error(self, request, client_address) -> None:
        pass  # aborted connections are expected here


class Adversary:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.headers: dict[str, dict[str, str]] = {}
        self.order: list[str] = []
        self.httpd = AdversaryHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.adversary = self
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def reset_state(self) -> None:
        self.routes.clear()
        self.hits.clear()
        self.times.clear()
        self.headers.clear()
        self.order.clear()

    def fixed(
        self,
        path: str,
        status: int = 200,
        body: bytes = PAGE,
        content_type: str | None = "text/html",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.routes[path] = lambda h, hit: h.reply(status, body, content_type, headers)

    def sequence(self, path: str, answers: list[tuple[int, dict[str, str], bytes]]) -> None:
        """The n-th request gets the n-th answer (the last one repeats)."""

        def route(h: Handler, hit: int) -> None:
            status, headers, body = answers[min(hit, len(answers)) - 1]
            h.reply(status, body, headers.get("Content-Type", "text/html"), headers)

        self.routes[path] = route


@pytest.fixture(scope="module")
def _adversary() -> Iterator[Adversary]:
    adversary = Adversary()
    adversary.thread.start()
    yield adversary
    adversary.httpd.shutdown()
    adversary.httpd.server_close()


@pytest.fixture
def srv(_adversary: Adversary) -> Adversary:
    _adversary.reset_state()
    return _adversary


def settings(**changes) -> Settings:
    """Fast settings: no pacing, no retries, short timeouts, unless a test asks otherwise."""
    base = {
        "host_delay": 0,
        "retries": 0,
        "connect_timeout": 2,
        "read_timeout": 2,
        "max_response_seconds": 10,
    }
    return Settings(**{**base, **changes})


def failure(fetcher: Fetcher, url: str, **kwargs) -> FetchError:
    kwargs.setdefault("allow_private", True)
    kwargs.setdefault("robots", False)
    with pytest.raises(FetchError) as caught:
        fetcher.get(url, **kwargs)
    return caught.value


def timed_failure(fetcher: Fetcher, url: str, **kwargs) -> tuple[FetchError, float]:
    started = time.monotonic()
    error = failure(fetcher, url, **kwargs)
    return error, time.monotonic() - started


# -- slow servers ----------------------------------------------------------------------------------


def test_headers_slower_than_read_timeout_is_a_timeout(srv):
    def late(h: Handler, hit: int) -> None:
        time.sleep(1.2)
        h.reply(200, PAGE)

    srv.routes["/late-headers"] = late
    error, took = timed_failure(Fetcher(settings(read_timeout=0.5)), srv.url("/late-headers"))
    assert error.reason == "timeout"
    assert took < 1.1


def test_body_stalling_longer_than_read_timeout_is_a_timeout(srv):
    def stall(h: Handler, hit: int) -> None:
        h.head(200, {"Content-Type": "text/html", "Content-Length": str(len(PAGE))})
        h.wfile.write(PAGE[:20])
        h.wfile.flush()
        time.sleep(1.5)  # three read timeouts long
        h.wfile.write(PAGE[20:])

    srv.routes["/stall"] = stall
    error, took = timed_failure(Fetcher(settings(read_timeout=0.5)), srv.url("/stall"))
    assert took < 1.4  # the client gave up before the server resumed
    assert error.reason == "timeout"


def test_body_stalling_longer_than_read_timeout_fails_early(srv):
    """Whatever its reason, a stalled body is abandoned after the read timeout, not waited out."""

    def stall(h: Handler, hit: int) -> None:
        h.head(200, {"Content-Type": "text/html", "Content-Length": str(len(PAGE))})
        h.wfile.write(PAGE[:20])
        h.wfile.flush()
        time.sleep(1.5)
        h.wfile.write(PAGE[20:])

    srv.routes["/stall"] = stall
    error, took = timed_failure(Fetcher(settings(read_timeout=0.5)), srv.url("/stall"))
    assert error.reason in ("timeout", "connection error")
    assert 0.4 < took < 1.4


def test_body_dribbling_past_max_response_seconds_is_a_timeout(srv):
    def dribble(h: Handler, hit: int) -> None:
        h.head(200, {"Content-Type": "text/html"})  # no length: the body ends at close
        h.drip(
            16, b"<p>drop</p>", 0.1
        )  # a piece every 0.1 s (well inside read_timeout), 1.6 s in all

    srv.routes["/dribble"] = dribble
    error, took = timed_failure(
        Fetcher(settings(read_timeout=0.5, max_response_seconds=1)), srv.url("/dribble")
    )
    assert error.reason == "timeout"
    assert error.detail == "response took over 1 s"
    assert took >= 1.0


def test_body_dribbling_is_abandoned_at_the_deadline(srv):
    def dribble(h: Handler, hit: int) -> None:
        h.head(200, {"Content-Type": "text/html"})
        h.drip(35, b"<p>drop</p>", 0.1)  # 3.5 s of body, far less than 64 KiB

    srv.routes["/dribble-long"] = dribble
    error, took = timed_failure(
        Fetcher(settings(read_timeout=0.5, max_response_seconds=1)), srv.url("/dribble-long")
    )
    assert error.reason == "timeout"
    assert took < 2.5


# -- broken connections ----------------------------------------------------------------------------


def test_connection_reset_mid_body(srv):
    def cut(h: Handler, hit: int) -> None:
        h.head(200, {"Content-Type": "text/html", "Content-Length": "10000"})
        h.wfile.write(b"<html><body><p>The first part of the stor")
        h.wfile.flush()
        time.sleep(0.1)
        h.reset()

    srv.routes["/reset"] = cut
    error = failure(Fetcher(settings()), srv.url("/reset"))
    assert error.reason == "connection error"
    assert error.status is None


def test_body_shorter_than_content_length_then_close(srv):
    def short(h: Handler, hit: int) -> None:
        h.head(200, {"Content-Type": "text/html", "Content-Length": "10000"})
        h.wfile.write(b"<html><body><p>only this much")

    srv.routes["/short"] = short
    assert failure(Fetcher(settings()), srv.url("/short")).reason == "connection error"


def test_socket_closed_without_any_response(srv):
    def hang_up(h: Handler, hit: int) -> None:
        h.close_connection = True  # return without a status line

    srv.routes["/hangup"] = hang_up
    error = failure(Fetcher(settings()), srv.url("/hangup"))
    assert error.reason == "connection error"
    assert srv.hits["/hangup"] == 1  # retries=0: asked once


def test_socket_reset_without_any_response(srv):
    srv.routes["/rst"] = lambda h, hit: h.reset()
    assert failure(Fetcher(settings()), srv.url("/rst")).reason == "connection error"


# -- retries ---------------------------------------------------------------------------------------


def test_429_retry_after_is_waited_then_200(srv):
    srv.sequence(
        "/busy",
        [
            (429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow down"),
            (200, {"Content-Type": "text/html"}, PAGE),
        ],
    )
    fetched = Fetcher(settings(retries=1)).get(srv.url("/busy"), allow_private=True, robots=False)
    assert (fetched.status, fetched.body) == (200, PAGE)
    assert srv.hits["/busy"] == 2
    first, second = srv.times["/busy"]
    assert second - first >= 0.9


def test_503_three_times_with_two_retries(srv):
    srv.sequence(
        "/down",
        [(503, {"Retry-After": "0", "Content-Type": "text/plain"}, b"down for maintenance")] * 3
        + [(200, {"Content-Type": "text/html"}, PAGE)],
    )  # a fourth request would succeed
    error = failure(Fetcher(settings(retries=2)), srv.url("/down"))
    assert error.reason == "http 503"
    assert error.status == 503
    assert error.response is not None and error.response.body == b"down for maintenance"
    assert srv.hits["/down"] == 3


def test_a_host_that_keeps_failing_is_skipped(srv):
    for n in range(1, 5):
        srv.fixed(f"/fail-{n}", status=500, body=b"oops", content_type="text/plain")
    fetcher = Fetcher(settings())
    reasons = [failure(fetcher, srv.url(f"/fail-{n}")).reason for n in range(1, 5)]
    assert reasons == ["http 500", "http 500", "http 500", "host skipped"]
    assert [srv.hits[f"/fail-{n}"] for n in range(1, 5)] == [1, 1, 1, 0]
    # Another host of the same machine is another host.
    srv.fixed("/elsewhere", body=PAGE)
    assert (
        fetcher.get(srv.url("/elsewhere", host="localhost"), allow_private=True, robots=False).body
        == PAGE
    )


def test_a_host_whose_bodies_keep_stalling_is_skipped(srv):
    def stall(h: Handler, hit: int) -> None:
        h.head(200, {"Content-Type": "text/html", "Content-Length": str(len(PAGE))})
        h.wfile.write(PAGE[:20])
        h.wfile.flush()
        time.sleep(0.8)

    for n in range(1, 5):
        srv.routes[f"/stall-{n}"] = stall
    fetcher = Fetcher(settings(read_timeout=0.3))
    reasons = [failure(fetcher, srv.url(f"/stall-{n}")).reason for n in range(1, 5)]
    assert reasons[3] == "host skipped"
    assert srv.hits["/stall-4"] == 0


def test_a_success_clears_the_host_failures(srv):
    for n in range(1, 4):
        srv.fixed(f"/fail-{n}", status=500, body=b"oops", content_type="text/plain")
    srv.fixed("/fine", body=PAGE)
    fetcher = Fetcher(settings())
    failure(fetcher, srv.url("/fail-1"))
    failure(fetcher, srv.url("/fail-2"))
    fetcher.get(srv.url("/fine"), allow_private=True, robots=False)
    assert failure(fetcher, srv.url("/fail-3")).reason == "http 500"  # not "host skipped"


# -- redirects -------------------------------------------------------------------------------------


def test_redirect_loop_between_two_paths(srv):
    srv.fixed("/loop-a", status=302, body=b"", headers={"Location": "/loop-b"})
    srv.fixed("/loop-b", status=301, body=b"", headers={"Location": srv.url("/loop-a")})
    error = failure(Fetcher(settings()), srv.url("/loop-a"))
    assert error.reason == "too many redirects"
    assert srv.hits["/loop-a"] + srv.hits["/loop-b"] == MAX_REDIRECTS + 1


def test_redirect_to_a_private_address_is_refused(srv, monkeypatch):
    # "public.test" plays a public host on 127.0.0.1; "intranet.test" is a private target.
    _fake_dns(monkeypatch, {"public.test": ["127.0.0.1"], "intranet.test": ["10.1.2.3"]})
    monkeypatch.setattr(
        "newsetl.transport.http.is_public_address", lambda ip: str(ip) == "127.0.0.1"
    )
    target = f"http://intranet.test:{srv.port}/internal-admin"
    srv.fixed("/public", status=302, body=b"", headers={"Location": target})
    srv.fixed("/internal-admin", body=b"<html>secrets</html>")
    error = failure(
        Fetcher(settings()), srv.url("/public", host="public.test"), allow_private=False
    )
    assert error.reason == "private network refused"
    assert "10.1.2.3" in error.detail
    assert (srv.hits["/public"], srv.hits["/internal-admin"]) == (1, 0)


# -- oversized bodies ------------------------------------------------------------------------------


def test_declared_huge_body_is_refused_without_reading_it(srv):
    def huge(h: Handler, hit: int) -> None:
        h.head(200, {"Content-Type": "text/html", "Content-Length": str(50_000_000)})
        h.wfile.write(b"<html>")
        h.wfile.flush()
        time.sleep(3)  # the rest never comes: reading it would stall until read_timeout

    srv.routes["/huge"] = huge
    error, took = timed_failure(Fetcher(settings(max_body_bytes=1_000_000)), srv.url("/huge"))
    assert error.reason == "too large"
    assert error.detail == "content-length 50000000 > 1000000"
    assert took < 1.0


def test_chunked_body_without_length_over_the_limit(srv):
    def chunked(h: Handler, hit: int) -> None:
        h.head(200, {"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
        piece = b"<p>" + b"z" * 16_377 + b"</p>"  # 16 KiB
        for _ in range(200):  # 3.2 MB if nobody stops it
            h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        h.wfile.write(b"0\r\n\r\n")

    srv.routes["/chunked"] = chunked
    error = failure(Fetcher(settings(max_body_bytes=100_000)), srv.url("/chunked"))
    assert error.reason == "too large"
    assert error.detail == "more than 100000 bytes"


def test_chunked_body_under_the_limit_is_read(srv):
    def chunked(h: Handler, hit: int) -> None:
        h.head(200, {"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
        for part in (PAGE[:30], PAGE[30:]):
            h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        h.wfile.write(b"0\r\n\r\n")

    srv.routes["/chunked-ok"] = chunked
    assert (
        Fetcher(settings(max_body_bytes=100_000))
        .get(srv.url("/chunked-ok"), allow_private=True, robots=False)
        .body
        == PAGE
    )


def test_gzip_bomb_is_too_large(srv):
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
    assert len(bomb) < 100_000  # small on the wire, under the limit ...
    srv.fixed("/bomb", body=bomb, headers={"Content-Encoding": "gzip"})
    error = failure(Fetcher(settings(max_body_bytes=1_000_000)), srv.url("/bomb"))
    assert error.reason == "too large"  # ... but not once decompressed
    assert error.detail == "more than 1000000 bytes"


def test_gzip_encoded_page_is_decoded(srv):
    srv.fixed("/zipped", body=gzip.compress(PAGE), headers={"Content-Encoding": "gzip"})
    fetched = Fetcher(settings()).get(srv.url("/zipped"), allow_private=True, robots=False)
    assert fetched.body == PAGE


# -- content type ---------------------------------------------------------------------------------


def test_pdf_where_a_page_is_expected(srv):
    srv.fixed("/report", body=b"%PDF-1.7\n" + b"\0" * 100, content_type="application/pdf")
    error = failure(Fetcher(settings()), srv.url("/report"), accept=("html",))
    assert error.reason == "wrong content type"
    assert error.detail == "application/pdf"
    assert error.status == 200


# -- conditional GET -------------------------------------------------------------------------------


def _conditional(srv: Adversary, path: str) -> None:
    """200 with validators, 304 when the client sends them back."""

    def route(h: Handler, hit: int) -> None:
        if (
            h.headers.get("If-None-Match") == '"v1"'
            or h.headers.get("If-Modified-Since") == LAST_MODIFIED
        ):
            h.head(304, {"ETag": '"v1"'})
        else:
            h.reply(200, PAGE, headers={"ETag": '"v1"', "Last-Modified": LAST_MODIFIED})

    srv.routes[path] = route


def test_etag_makes_a_304(srv):
    _conditional(srv, "/cond")
    fetcher = Fetcher(settings())
    first = fetcher.get(srv.url("/cond"), allow_private=True, robots=False)
    assert (first.status, first.not_modified, first.body) == (200, False, PAGE)
    assert first.headers["etag"] == '"v1"'
    assert "If-None-Match" not in srv.headers["/cond"]

    second = fetcher.get(
        srv.url("/cond"), allow_private=True, robots=False, validators={"etag": '"v1"'}
    )
    assert srv.headers["/cond"]["If-None-Match"] == '"v1"'
    assert "If-Modified-Since" not in srv.headers["/cond"]
    assert (second.status, second.not_modified, second.body) == (304, True, b"")


def test_last_modified_sends_if_modified_since(srv):
    _conditional(srv, "/cond")
    fetched = Fetcher(settings()).get(
        srv.url("/cond"),
        allow_private=True,
        robots=False,
        validators={"last-modified": LAST_MODIFIED},
    )
    assert srv.headers["/cond"]["If-Modified-Since"] == LAST_MODIFIED
    assert "If-None-Match" not in srv.headers["/cond"]
    assert fetched.not_modified
    assert fetched.body == b""


def test_stale_etag_gets_the_full_body(srv):
    _conditional(srv, "/cond")
    fetched = Fetcher(settings()).get(
        srv.url("/cond"), allow_private=True, robots=False, validators={"etag": '"v0"'}
    )
    assert (fetched.status, fetched.not_modified, fetched.body) == (200, False, PAGE)


# -- robots.txt ------------------------------------------------------------------------------------


ROBOTS = b"User-agent: *\nDisallow: /private\n"


def test_robots_disallow_is_obeyed_without_asking_the_page(srv):
    srv.fixed("/robots.txt", body=ROBOTS, content_type="text/plain")
    srv.fixed("/private/x", body=PAGE)
    srv.fixed("/public/y", body=PAGE)
    fetcher = Fetcher(settings())
    error = failure(fetcher, srv.url("/private/x"), robots=True)
    assert error.reason == "robots.txt disallows"
    assert srv.hits["/private/x"] == 0
    assert fetcher.get(srv.url("/public/y"), allow_private=True).body == PAGE
    assert srv.hits["/public/y"] == 1


def test_robots_is_fetched_once_per_host_and_fetcher(srv):
    srv.fixed("/robots.txt", body=ROBOTS, content_type="text/plain")
    for n in range(3):
        srv.fixed(f"/a/{n}", body=PAGE)
    fetcher = Fetcher(settings())
    for n in range(3):
        fetcher.get(srv.url(f"/a/{n}"), allow_private=True)
    failure(fetcher, srv.url("/private/z"), robots=True)
    assert srv.hits["/robots.txt"] == 1
    assert srv.order[0] == "/robots.txt"
    Fetcher(settings()).get(srv.url("/a/0"), allow_private=True)  # a new run asks again
    assert srv.hits["/robots.txt"] == 2


def test_robots_crawl_delay_spaces_requests(srv):
    srv.fixed("/robots.txt", body=b"User-agent: *\nCrawl-delay: 1\n", content_type="text/plain")
    srv.fixed("/p/1", body=PAGE)
    srv.fixed("/p/2", body=PAGE)
    fetcher = Fetcher(settings())  # host_delay=0: only robots.txt asks for the pause
    fetcher.get(srv.url("/p/1"), allow_private=True)
    fetcher.get(srv.url("/p/2"), allow_private=True)
    assert srv.times["/p/2"][0] - srv.times["/p/1"][0] >= 0.9


def test_robots_500_makes_the_host_unreachable(srv):
    srv.fixed("/robots.txt", status=500, body=b"oops", content_type="text/plain")
    srv.fixed("/page", body=PAGE)
    error = failure(Fetcher(settings()), srv.url("/page"), robots=True)
    assert error.reason == "robots.txt unreachable"
    assert error.detail == f"{srv.url('/page')} (asking for /robots.txt: http 500)"
    assert srv.hits["/page"] == 0


def test_robots_404_allows_everything(srv):
    srv.fixed("/private/x", body=PAGE)  # /robots.txt is not routed: 404
    fetcher = Fetcher(settings())
    assert fetcher.get(srv.url("/private/x"), allow_private=True).body == PAGE
    assert srv.hits["/robots.txt"] == 1


def test_robots_false_skips_robots_txt(srv):
    srv.fixed("/robots.txt", body=b"User-agent: *\nDisallow: /\n", content_type="text/plain")
    srv.fixed("/private/x", body=PAGE)
    assert (
        Fetcher(settings()).get(srv.url("/private/x"), allow_private=True, robots=False).body
        == PAGE
    )
    assert srv.hits["/robots.txt"] == 0


# -- per-host concurrency --------------------------------------------------------------------------


@pytest.mark.parametrize("slots", [1, 2])
def test_host_concurrency_bounds_requests_in_flight(srv, slots):
    state = {"now": 0, "most": 0}
    lock = threading.Lock()

    def slow(h: Handler, hit: int) -> None:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.3)
        with lock:
            state["now"] -= (
                1  # before answering: the next request may start as soon as this one ends
            )
        h.reply(200, PAGE)

    urls = [srv.url(f"/slow/{n}") for n in range(4)]
    for n in range(4):
        srv.routes[f"/slow/{n}"] = slow
    source = Source(name="quay", kind="urls", urls=urls, allow_private_network=True, robots=False)
    fetcher = Fetcher(settings(host_concurrency=slots))
    result = fetch_pages(
        source, [Candidate("quay", u) for u in urls], fetcher, "run-1", set(), workers=4
    )
    assert sorted(p.url for p in result.pages) == sorted(urls)
    assert result.rejects == []
    assert state["most"] == slots


# -- fetch_pages and the archive -------------------------------------------------------------------


def test_fetch_pages_archives_http_errors(srv, tmp_path):
    srv.fixed("/ok", body=PAGE)
    srv.fixed("/gone", status=404, body=b"<html>not here</html>")
    srv.fixed("/down", status=503, body=b"<html>maintenance</html>")
    urls = {name: srv.url(f"/{name}") for name in ("ok", "gone", "down")}
    source = Source(
        name="quay", kind="urls", urls=list(urls.values()), allow_private_network=True, robots=False
    )
    result = fetch_pages(
        source, [Candidate("quay", u) for u in urls.values()], Fetcher(settings()), "run-1", set()
    )

    assert [p.url for p in result.pages] == [urls["ok"]]
    assert sorted((r.stage, r.source, r.url, r.reason) for r in result.rejects) == [
        ("fetch", "quay", urls["down"], "http 503"),
        ("fetch", "quay", urls["gone"], "http 404"),
    ]
    by_url = {d.url: d for d in result.documents}
    assert set(by_url) == {urls["gone"], urls["down"]}
    gone = by_url[urls["gone"]]
    assert (gone.status, gone.body, gone.kind, gone.content_type) == (
        404,
        b"<html>not here</html>",
        "page",
        "text/html",
    )
    assert by_url[urls["down"]].status == 503

    raw_dir = tmp_path / "raw"
    assert len(write_raw(result.pages + result.documents, raw_dir)) == 1  # one file: one fetch day
    seen = seen_url_keys(raw_dir)
    assert normalize_url(urls["ok"]) in seen
    assert normalize_url(urls["gone"]) in seen  # gone for good: not asked again
    assert normalize_url(urls["down"]) not in seen  # asked again next run

    # The next run asks only for the 503 page again.
    srv.hits.clear()
    again = fetch_pages(
        source, [Candidate("quay", u) for u in urls.values()], Fetcher(settings()), "run-2", seen
    )
    assert again.skipped == 2
    assert (srv.hits["/ok"], srv.hits["/gone"], srv.hits["/down"]) == (0, 0, 1)


# -- ConditionalCache ------------------------------------------------------------------------------


def test_conditional_cache_counts_new_validators_only_after_save(tmp_path):
    path = tmp_path / "state" / "validators.json"
    cache = ConditionalCache(path)
    url = "https://quay.example.org/feed.xml"
    cache.remember(
        url,
        200,
        {"etag": '"v1"', "last-modified": LAST_MODIFIED, "content-type": "application/xml"},
    )
    assert cache.validators(url) is None  # not this run: a retried task must not get a 304
    assert not path.exists()
    cache.save()
    assert cache.validators(url) == {"etag": '"v1"', "last-modified": LAST_MODIFIED}
    assert json.loads(path.read_text(encoding="utf-8")) == {
        url: {"etag": '"v1"', "last-modified": LAST_MODIFIED}
    }


def test_conditional_cache_304_keeps_old_validators(tmp_path):
    path = tmp_path / "validators.json"
    cache = ConditionalCache(path)
    url = "https://quay.example.org/sitemap.xml"
    cache.remember(url, 200, {"etag": '"v1"'})
    cache.save()
    cache.remember(url, 304, {"etag": '"v2"'})  # a 304's headers do not replace what we sent
    cache.save()
    assert cache.validators(url) == {"etag": '"v1"'}


def test_conditional_cache_forgets_a_url_that_lost_its_validators(tmp_path):
    cache = ConditionalCache(tmp_path / "validators.json")
    url = "https://quay.example.org/feed.xml"
    cache.remember(url, 200, {"etag": '"v1"'})
    cache.save()
    cache.remember(url, 200, {"content-type": "application/xml"})
    assert cache.validators(url) == {"etag": '"v1"'}
    cache.save()
    assert cache.validators(url) is None


def test_conditional_cache_round_trip_and_bad_file(tmp_path):
    path = tmp_path / "validators.json"
    cache = ConditionalCache(path)
    cache.remember("https://a.example.org/f", 200, {"etag": '"a"'})
    cache.remember("https://b.example.org/f", 200, {"last-modified": LAST_MODIFIED})
    cache.save()
    loaded = ConditionalCache(path)
    assert loaded.validators("https://a.example.org/f") == {"etag": '"a"'}
    assert loaded.validators("https://b.example.org/f") == {"last-modified": LAST_MODIFIED}
    assert loaded.validators("https://c.example.org/f") is None
    assert not path.with_suffix(".tmp").exists()

    path.write_text(
        "{not json", encoding="utf-8"
    )  # a broken cache costs one full fetch, not the run
    assert ConditionalCache(path).validators("https://a.example.org/f") is None


def test_conditional_cache_drives_a_304(srv, tmp_path):
    _conditional(srv, "/cond")
    cache = ConditionalCache(tmp_path / "validators.json")
    fetcher = Fetcher(settings())
    url = srv.url("/cond")
    first = fetcher.get(url, allow_private=True, robots=False, validators=cache.validators(url))
    cache.remember(url, first.status, first.headers)
    cache.save()
    second = ConditionalCache(tmp_path / "validators.json")
    fetched = fetcher.get(url, allow_private=True, robots=False, validators=second.validators(url))
    assert srv.headers["/cond"]["If-None-Match"] == '"v1"'
    assert srv.headers["/cond"]["If-Modified-Since"] == LAST_MODIFIED
    assert fetched.not_modified


# -- whole-response deadline, address pinning, proxies, robots by RFC 9309 ------------------------


def test_headers_trickling_in_are_cut_at_the_response_deadline(srv):
    """A header tarpit: one header line every 0.2 s (well inside the read timeout), forever."""

    def tarpit(h: Handler, hit: int) -> None:
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for n in range(100):
            h.wfile.write(f"X-Slow-{n}: {n}\r\n".encode())
            h.wfile.flush()
            time.sleep(0.2)

    srv.routes["/tarpit"] = tarpit
    error, took = timed_failure(
        Fetcher(settings(read_timeout=1, max_response_seconds=1)), srv.url("/tarpit")
    )
    assert error.reason == "timeout"
    assert took < 2.5
    assert srv.hits["/tarpit"] == 1  # a response that outlived its deadline is not asked again


def _fake_dns(monkeypatch, table: dict[str, list[str]]) -> list[str]:
    """Resolve the names in `table` to its addresses in turn (the last one repeats)."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host in table:
            asked.append(host)
            answers = table[host]
            address = answers[min(len([a for a in asked if a == host]), len(answers)) - 1]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]
        return real(host, port, family, type, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_dns_rebinding_cannot_reach_the_private_address(srv, monkeypatch):
    """A name that answers a public address to the check and 127.0.0.1 to the connection."""
    srv.fixed("/admin", body=b"<html>secrets</html>")
    _fake_dns(monkeypatch, {"rebind.test": ["93.184.216.34", "127.0.0.1"]})
    fetcher = Fetcher(settings(connect_timeout=0.5))
    with pytest.raises(FetchError):
        fetcher.get(f"http://rebind.test:{srv.port}/admin", robots=False)
    assert srv.hits["/admin"] == 0


def test_the_connection_goes_to_the_checked_address_with_the_host_header(srv, monkeypatch):
    srv.fixed("/story", body=PAGE)
    asked = _fake_dns(monkeypatch, {"news.test": ["127.0.0.1", "10.9.9.9"]})
    monkeypatch.setattr(
        "newsetl.transport.http.is_public_address", lambda ip: str(ip) == "127.0.0.1"
    )
    fetched = Fetcher(settings()).get(f"http://news.test:{srv.port}/story", robots=False)
    assert fetched.body == PAGE
    assert asked == ["news.test"]  # resolved once: the check and the connection used one answer
    assert srv.headers["/story"]["Host"] == f"news.test:{srv.port}"


def test_unresolvable_name_fails_closed(monkeypatch):
    def nowhere(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", nowhere)
    with pytest.raises(FetchError) as caught:
        Fetcher(settings()).get("http://nowhere.test/x", robots=False)
    assert caught.value.reason == "dns error"


@pytest.mark.parametrize(
    "address",
    [
        "100.64.0.1",
        "100.127.255.254",
        "192.0.0.8",
        "198.18.0.1",
        "::ffff:127.0.0.1",
        "64:ff9b::a00:1",
        "fc00::1",
        "240.0.0.1",
    ],
)
def test_only_globally_routable_addresses_are_allowed(srv, monkeypatch, address):
    _fake_dns(monkeypatch, {"odd.test": [address]})
    with pytest.raises(FetchError) as caught:
        Fetcher(settings()).get(f"http://odd.test:{srv.port}/x", robots=False)
    assert caught.value.reason == "private network refused"


def test_proxy_from_the_environment_is_not_used(srv, monkeypatch):
    """HTTP_PROXY points at our server: a client honouring it would ask the proxy."""
    srv.fixed("/via-proxy", body=PAGE)
    monkeypatch.setenv("HTTP_PROXY", srv.url(""))
    monkeypatch.setenv("http_proxy", srv.url(""))
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    _fake_dns(monkeypatch, {"direct.test": ["127.0.0.1"]})
    monkeypatch.setattr(
        "newsetl.transport.http.is_public_address", lambda ip: str(ip) == "127.0.0.1"
    )
    srv.fixed("/page", body=PAGE)
    fetched = Fetcher(settings()).get(f"http://direct.test:{srv.port}/page", robots=False)
    assert fetched.body == PAGE
    assert srv.order == ["/page"]  # asked directly, not as an absolute URL through a proxy


def test_a_configured_proxy_is_used(srv):
    srv.routes["http://origin.test/page"] = lambda h, hit: h.reply(200, PAGE)
    fetcher = Fetcher(settings(proxy=srv.url("")))
    fetched = fetcher.get("http://origin.test/page", allow_private=True, robots=False)
    assert fetched.body == PAGE


RFC9309 = b"""User-agent: *
Disallow: /news/
Allow: /news/open
Disallow: /*.json$
Disallow: /drafts*/preview
"""


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/news/open/a", True),  # the longest match (Allow) wins over an earlier Disallow
        ("/news/closed", False),
        ("/feed.json", False),  # `$` anchors the end
        ("/feed.json?x=1", True),
        ("/drafts-2026/preview", False),  # `*` matches any run of characters
        ("/about", True),
    ],
)
def test_robots_wildcards_and_longest_match(srv, path, allowed):
    srv.fixed("/robots.txt", body=RFC9309, content_type="text/plain")
    srv.routes[path.split("?")[0]] = lambda h, hit: h.reply(200, PAGE)
    fetcher = Fetcher(settings())
    if allowed:
        assert fetcher.get(srv.url(path), allow_private=True).body == PAGE
    else:
        assert failure(fetcher, srv.url(path), robots=True).reason == "robots.txt disallows"


def _certificate(tmp_path, name: str):
    """A self-signed certificate for `name` (key and cert in one PEM file)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / f"{name}.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    return path


@pytest.mark.parametrize(("served_name", "ok"), [("news.test", True), ("other.test", False)])
def test_tls_keeps_sni_and_verifies_the_certificate_by_name(tmp_path, monkeypatch, served_name, ok):
    import ssl

    pem = _certificate(tmp_path, served_name)
    seen_sni: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pem)
    context.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
    adversary = Adversary()
    adversary.httpd.socket = context.wrap_socket(adversary.httpd.socket, server_side=True)
    adversary.fixed("/secure", body=PAGE)
    adversary.thread.start()
    try:
        _fake_dns(monkeypatch, {"news.test": ["127.0.0.1"]})
        monkeypatch.setattr(
            "newsetl.transport.http.is_public_address", lambda ip: str(ip) == "127.0.0.1"
        )
        fetcher = Fetcher(settings(ca_bundle=str(pem)))
        url = f"https://news.test:{adversary.port}/secure"
        if ok:
            assert fetcher.get(url, robots=False).body == PAGE
        else:
            assert failure(fetcher, url, allow_private=False).reason == "connection error"
        assert seen_sni and seen_sni[0] == "news.test"
    finally:
        adversary.httpd.shutdown()
        adversary.httpd.server_close()


def test_a_refused_connection_says_so_in_a_few_words():
    with socket.socket() as sock:  # a port nothing listens on: bind, read the port, close
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed.xml"
    error = failure(Fetcher(settings()), url)
    assert (error.reason, error.detail) == ("connection error", "Connection refused")
    # Through robots.txt, which fails first: the page, and what asking for the file met.
    error = failure(Fetcher(settings()), url, robots=True)
    assert error.reason == "connection error"
    assert error.detail == f"{url} (asking for /robots.txt: Connection refused)"
