"""Shared fixtures of the unit tests: record factories and a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from newsetl.extract.page import Document
from newsetl.records import Article, FeedItem, RawPage

FETCHED_AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


# -- records ------------------------------------------------------------------------------------


@pytest.fixture
def make_page() -> Callable[..., RawPage]:
    """RawPage factory: `make_page(url, body, ...)`."""

    def make(
        url: str = "https://news.example.org/2024/story",
        body: bytes | str = b"",
        *,
        source: str = "velmora-post",
        item: FeedItem | None = None,
        content_type: str = "text/html",
        fetched_at: datetime = FETCHED_AT,
        final_url: str | None = None,
    ) -> RawPage:
        return RawPage(
            raw_id="raw-" + hashlib.sha1(url.encode()).hexdigest()[:12],
            run_id="run-1",
            source=source,
            url=url,
            url_key=url,
            final_url=final_url or url,
            status=200,
            content_type=content_type,
            headers="{}",
            body=body.encode("utf-8") if isinstance(body, str) else body,
            item=item or FeedItem(),
            fetched_at=fetched_at,
        )

    return make


@pytest.fixture
def make_document(make_page) -> Callable[..., Document]:
    """Document factory: `make_document(url, paragraphs, source=..., captions=...)`."""

    def make(
        url: str,
        paragraphs: list[str],
        *,
        source: str = "velmora-post",
        captions: set[str] | None = None,
        title: str = "A headline",
    ) -> Document:
        return Document(
            page=make_page(url, b"", source=source),
            canonical_url=url,
            title=title,
            authors=["Mira Holt"],
            published_at=datetime(2024, 5, 20, 8, 0, tzinfo=UTC),
            date_source="json-ld",
            paragraphs=list(paragraphs),
            captions=set(captions or ()),
        )

    return make


@pytest.fixture
def make_article() -> Callable[..., Article]:
    """Article factory for the storage tests (already 'enriched')."""

    def make(
        article_id: str,
        *,
        published_at: datetime | None = datetime(2024, 5, 20, 8, 0, tzinfo=UTC),
        title: str = "Flood barrier opens",
        **changes,
    ) -> Article:
        article = Article(
            article_id=article_id,
            source="velmora-post",
            url=f"https://news.example.org/{article_id}",
            canonical_url=f"https://news.example.org/{article_id}",
            title=title,
            authors=["Mira Holt"],
            published_at=published_at,
            date_source="json-ld",
            text="Some text of the article.",
            raw_id=f"raw-{article_id}",
            run_id="run-1",
            fetched_at=FETCHED_AT,
            word_count=5,
            language="en",
            sentiment=0.1,
            story_id=f"s-{article_id}",
        )
        for name, value in changes.items():
            setattr(article, name, value)
        return article

    return make


# -- local HTTP server ----------------------------------------------------------------------------

Responder = Callable[[int], tuple[int, dict[str, str], bytes]]


class LocalServer:
    """An http.server on 127.0.0.1 whose routes the tests set; it counts the hits per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Responder] = {}
        self.hits: Counter[str] = Counter()
        self.last_headers: dict[str, dict[str, str]] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # no keep-alive: a body without length ends at close

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]  # routes and hits ignore the query
                server.hits[path] += 1
                server.last_headers[path] = dict(self.headers)
                responder = server.routes.get(path)
                if responder is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"no such route"
                else:
                    status, headers, body = responder(server.hits[path])
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(
        self,
        path: str,
        status: int = 200,
        body: bytes | str = b"",
        *,
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        length: bool = True,
    ) -> None:
        """A fixed response; `length=False` sends no Content-Length (the body ends at close)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        all_headers = dict(headers or {})
        if content_type:
            all_headers.setdefault("Content-Type", content_type)
        if length:
            all_headers.setdefault("Content-Length", str(len(data)))
        self.routes[path] = lambda hit: (status, all_headers, data)

    def add_sequence(self, path: str, responses: list[tuple[int, dict[str, str], bytes]]) -> None:
        """The n-th request gets the n-th response (the last one repeats)."""
        self.routes[path] = lambda hit: responses[min(hit, len(responses)) - 1]


@pytest.fixture(scope="session")
def _local_server() -> Iterator[LocalServer]:
    server = LocalServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def server(_local_server: LocalServer) -> LocalServer:
    """The session's local server with no routes and no hits."""
    _local_server.routes.clear()
    _local_server.hits.clear()
    _local_server.last_headers.clear()
    return _local_server
