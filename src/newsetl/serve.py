"""Serve a local folder on 127.0.0.1 for the length of a run (the bundled sample site)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # keep the run's output readable
        pass


class ServeError(RuntimeError):
    pass


def check_port(root: Path, port: int) -> None:
    """ServeError, as `serve_folder` would raise it, when `port` on 127.0.0.1 is taken now: a
    command says so in one line before its run starts (the run itself would fail on it)."""
    if not port:
        return
    _bound(QuietHandler, port, str(root)).server_close()  # bound and let go at once


@contextmanager
def serve_folder(root: Path, port: int = 0) -> Iterator[str]:
    """Yield the base URL of an HTTP server on 127.0.0.1 serving `root`."""
    handler = functools.partial(QuietHandler, directory=str(root))
    with serve_handler(handler, port, what=str(root)) as base:
        yield base


@contextmanager
def serve_handler(
    handler: Callable[..., BaseHTTPRequestHandler], port: int = 0, what: str = "pages"
) -> Iterator[str]:
    """Yield the base URL of an HTTP server on 127.0.0.1 answering with `handler`, shut down
    when the block ends."""
    server = _bound(handler, port, what)
    # shutdown() waits for the loop's next poll: at the default half second, every run that
    # serves its own pages ended up to half a second late.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _bound(handler: Callable[..., BaseHTTPRequestHandler], port: int, what: str):
    try:
        return ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as err:
        raise ServeError(f"cannot serve {what} on 127.0.0.1:{port}: {err.strerror}") from None
