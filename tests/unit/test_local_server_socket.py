"""The kept local API server answers without Nagle's delay: connections accepted from its
socket have TCP_NODELAY (without it every answer after a connection's first waited about 40 ms
for the client's delayed ACK, some ten times a run)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from newsetl_flows.local_server import listening_socket


def test_connections_to_the_server_socket_send_at_once():
    sock = listening_socket(0)
    accepted: list[int] = []

    async def serve() -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            raw = writer.get_extra_info("socket")
            accepted.append(raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=sock)  # as uvicorn serves it
        port = sock.getsockname()[1]
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(100):
                if accepted:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(serve())
    assert accepted and accepted[0] != 0


def test_a_taken_port_is_an_os_error():
    taken = listening_socket(0)
    taken.listen()
    try:
        with pytest.raises(OSError):
            listening_socket(taken.getsockname()[1])
    finally:
        taken.close()
