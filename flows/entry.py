"""The one door from the `newsetl` command into the flows.

The CLI (src/newsetl/cli.py) is the only library module that reaches the flows, and only
through `run_flow` here, imported inside the command after Prefect's logging is set (Prefect
reads its settings at import). Everything else in `newsetl` knows nothing of Prefect.
"""

from __future__ import annotations

import threading
from typing import Any

FLOWS = ("ingest", "backfill", "reprocess", "maintenance")


def start_ephemeral_server() -> threading.Thread:
    """Boot Prefect's temporary server (a subprocess) while this process imports the flows and
    the libraries they use; the flow run then finds it started. Nothing when an API URL is set."""

    def start() -> None:
        try:
            from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

            if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
                return
            from prefect.server.api.server import SubprocessASGIServer

            SubprocessASGIServer().start()
        except Exception:  # the flow run starts it itself, and reports what is wrong
            return

    thread = threading.Thread(target=start, name="prefect-server-start", daemon=True)
    thread.start()
    return thread


def run_flow(name: str, **parameters: Any) -> Any:
    """Run the named flow in this process and return its final Prefect state."""
    server = start_ephemeral_server()
    try:
        return _run(name, server, **parameters)
    finally:
        server.join()


def _run(name: str, server: threading.Thread, **parameters: Any) -> Any:
    if name == "ingest":
        from newsetl_flows.ingest import ingest

        server.join()  # started and healthy before the flow run asks for it
        return ingest(**parameters, return_state=True)
    if name == "backfill":
        from newsetl_flows.ingest import backfill

        return backfill(**parameters, return_state=True)
    if name == "reprocess":
        from newsetl_flows.reprocess import reprocess

        server.join()
        return reprocess(**parameters, return_state=True)
    if name == "maintenance":
        from newsetl_flows.maintenance import maintenance

        return maintenance(**parameters, return_state=True)
    raise ValueError(f"unknown flow {name!r}; known: {', '.join(FLOWS)}")
