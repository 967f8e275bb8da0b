"""The one door from the `newsetl` command into the flows.

The CLI (src/newsetl/cli.py) is the only library module that reaches the flows, and only
through `run_flow` here, imported inside the command after Prefect's logging is set (Prefect
reads its settings at import). Everything else in `newsetl` knows nothing of Prefect.
"""

from __future__ import annotations

from typing import Any

FLOWS = ("ingest", "reprocess")


def run_flow(name: str, **parameters: Any) -> Any:
    """Run the named flow in this process and return its final Prefect state."""
    if name == "ingest":
        from newsetl_flows.ingest import ingest

        return ingest(**parameters, return_state=True)
    if name == "reprocess":
        from newsetl_flows.reprocess import reprocess

        return reprocess(**parameters, return_state=True)
    raise ValueError(f"unknown flow {name!r}; known: {', '.join(FLOWS)}")
