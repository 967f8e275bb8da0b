"""The one door from the `newsetl` command into the flows.

The CLI (src/newsetl/cli.py) is the only library module that reaches the flows, and only
through `run_flow` here, imported inside the command after Prefect's logging is set (Prefect
reads its settings at import). Everything else in `newsetl` knows nothing of Prefect.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

FLOWS = ("ingest", "backfill", "reprocess", "maintenance")


class LocalServer:
    """Prefect's temporary API server for a run when no API is configured: the process Prefect
    itself starts then (`SubprocessASGIServer`: the same uvicorn command, server settings and
    health check), started here without importing Prefect's server package into this process.

    That import alone costs this process about 4 s of CPU (FastAPI, SQLAlchemy, the server's
    models) that it would spend while the server process imports the same; a run with nothing
    new is mostly that fixed cost. The server is started before the flows are imported, so its
    start-up overlaps theirs, and this process points Prefect at it (PREFECT_API_URL) until it
    ends, when the server is stopped. The run is an ordinary flow run of that server, recorded
    in Prefect's database as before (UI, artifacts, logs). With an API URL configured (a
    deployment, `prefect server start`, Prefect Cloud, the test harness) nothing is started.
    """

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> bool:
        """Start the server process (without waiting for it); False when an API is configured
        or Prefect's ephemeral mode is off.

        The process starts before Prefect's settings are read (their import takes seconds), and
        is stopped again if they name an API (a profile's PREFECT_API_URL)."""
        if os.environ.get("PREFECT_API_URL"):
            return False
        self._spawn()
        from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

        if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
            self.stop()
            return False
        self._point_prefect_here()
        atexit.register(self.stop)  # after Prefect has sent the run's last logs and events
        return True

    def _spawn(self) -> None:
        # Prefect's own command and environment for its temporary server; the settings Prefect
        # adds from its profile are read by the server from the same profile.
        spec = importlib.util.find_spec("prefect")
        if spec is None or spec.origin is None:
            raise RuntimeError("prefect is not installed")
        self.port = _free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(Path(spec.origin).parent.parent),
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env={
                **os.environ,
                "PREFECT_UI_ENABLED": "0",
                "PREFECT__SERVER_EPHEMERAL": "1",
                "PREFECT__SERVER_FINAL": "1",
                # Stopped at exit, its services log the events they were still writing as
                # errors with tracebacks (hundreds of lines after a run of many sources) once
                # the run's summary is printed; the run's own outcome is what the client
                # reports. PREFECT_SERVER_LOGGING_LEVEL set in the environment wins.
                "PREFECT_SERVER_LOGGING_LEVEL": os.environ.get(
                    "PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL"
                ),
            },
        )

    def _point_prefect_here(self) -> None:
        os.environ["PREFECT_API_URL"] = self.api_url
        _refresh_prefect_settings()

    def wait(self) -> None:
        """Until the server answers its health check (as Prefect waits for its own)."""
        if self.process is None:
            return
        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        deadline = time.monotonic() + PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code == 3:  # its port was taken meanwhile: another one (as Prefect does)
                self._spawn()
                self._point_prefect_here()
                continue
            if code is not None:
                raise RuntimeError(f"Prefect's temporary API server exited with code {code}")
            health = f"{self.api_url}/health"
            with contextlib.suppress(OSError), urllib.request.urlopen(health, timeout=5) as answer:
                if answer.status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")

    def stop(self) -> None:
        """End the server (as Prefect ends its own, at exit)."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _refresh_prefect_settings() -> None:
    """Prefect reads its settings from the environment once; read them again."""
    import prefect.context

    prefect.context.refresh_global_settings_context()


def run_flow(name: str, **parameters: Any) -> Any:
    """Run the named flow in this process and return its final Prefect state."""
    if name not in FLOWS:
        raise ValueError(f"unknown flow {name!r}; known: {', '.join(FLOWS)}")
    global _server
    if _server is None or _server.process is None:
        _server = LocalServer()
        _server.start()
    flow = _flow(name)  # imported while the server starts
    _server.wait()
    return flow(**parameters, return_state=True)


_server: LocalServer | None = None  # one per process, as Prefect keeps its own


def _flow(name: str) -> Any:
    if name in ("ingest", "backfill"):
        from newsetl_flows import ingest

        return getattr(ingest, name)
    if name == "reprocess":
        from newsetl_flows.reprocess import reprocess

        return reprocess
    from newsetl_flows.maintenance import maintenance

    return maintenance
