"""A command's flow run on newsetl's temporary local API sends no heartbeats (their thread held
every run up to a second at its end, and nothing reads them there); on an API the user
configured, Prefect's heartbeat setting is left as it is."""

from __future__ import annotations

import pytest
from prefect.settings import get_current_settings

from newsetl_flows import entry


class FakeServer:
    def __init__(self, pid: int) -> None:
        self.pid = pid

    def start(self) -> bool:
        return bool(self.pid)

    def wait(self) -> None:
        pass


@pytest.mark.parametrize(("pid", "beats"), [(4321, False), (0, True)])
def test_heartbeats_only_where_something_reads_them(monkeypatch, pid, beats):
    seen = []

    def flow(**parameters):
        seen.append(get_current_settings().flows.heartbeat_frequency)
        return parameters

    monkeypatch.setattr(entry, "_server", FakeServer(pid))
    monkeypatch.setattr(entry, "LocalServer", lambda: FakeServer(pid))
    monkeypatch.setattr(entry, "_flow", lambda name: flow)
    assert entry.run_flow("ingest", sources="s.toml") == {"sources": "s.toml", "return_state": True}
    configured = get_current_settings().flows.heartbeat_frequency
    assert seen == [configured if beats else None]
    assert configured is not None  # Prefect's default, back after the run
