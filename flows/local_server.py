"""The local Prefect API server `newsetl` keeps between runs (see `entry.LocalServer`).

    python -m newsetl_flows.local_server PORT IDLE_SECONDS STATE_FILE

Prefect's own application (`prefect.server.api.server:create_app`, with the environment Prefect
gives its temporary server) under uvicorn on 127.0.0.1:PORT, which ends itself once no request
has come and none has been open for IDLE_SECONDS. On the way out it removes STATE_FILE, the
note through which the next `newsetl` command finds it, if the note still names this process.
Exits with 3 when the port is taken (as Prefect's own server does), so the caller picks another.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

PORT_TAKEN = 3


class Activity:
    """ASGI wrapper that knows when the last request came and how many are open (a run's event
    stream is a websocket held open for the whole run)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = time.monotonic()
        self.open = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        self.open += 1
        self.last = time.monotonic()
        try:
            await self.app(scope, receive, send)
        finally:
            self.open -= 1
            self.last = time.monotonic()

    def idle_for(self) -> float:
        return 0.0 if self.open else time.monotonic() - self.last


def listening_socket(port: int) -> socket.socket:
    """The server's socket on 127.0.0.1:`port` (OSError when the port is taken).

    Its protocol is named (IPPROTO_TCP), as on the sockets uvicorn makes itself: asyncio turns
    Nagle's algorithm off (TCP_NODELAY) only on connections accepted from such a socket.
    Without that, every answer after a connection's first waited about 40 ms for the client's
    delayed ACK: some ten API calls a run, half a second of a run with nothing new.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


def main(argv: list[str] | None = None) -> int:
    port_text, idle_text, state_text = argv if argv is not None else sys.argv[1:]
    idle, state = float(idle_text), Path(state_text)
    try:
        sock = listening_socket(int(port_text))
    except OSError:
        return PORT_TAKEN
    import uvicorn
    from prefect.server.api.server import create_app

    activity = Activity(create_app())
    server = uvicorn.Server(uvicorn.Config(activity, log_level="error", lifespan="on"))

    async def end_when_idle() -> None:
        while not server.started:  # migrations on a new database take a while
            await asyncio.sleep(0.1)
        activity.last = time.monotonic()
        while not server.should_exit:
            await asyncio.sleep(max(0.2, min(idle / 4, 30.0)))
            if activity.idle_for() > idle:
                server.should_exit = True

    async def serve() -> None:
        watchdog = asyncio.create_task(end_when_idle())
        try:
            await server.serve(sockets=[sock])
        finally:
            watchdog.cancel()

    try:
        asyncio.run(serve())
    finally:
        _forget(state)
    return 0


def _forget(state: Path) -> None:
    with contextlib.suppress(OSError, ValueError):
        if json.loads(state.read_text(encoding="utf-8")).get("pid") == os.getpid():
            state.unlink()


if __name__ == "__main__":
    sys.exit(main())
