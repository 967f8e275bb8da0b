"""A command's flow run on newsetl's temporary local API sends no heartbeats (their thread held
every run up to a second at its end, and nothing reads them there); on an API the user
configured, Prefect's heartbeat setting is left as it is, and a run's end does not wait for
Prefect's heartbeat thread."""

from __future__ import annotations

import logging
import threading
import time

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


class BeatingEngine:
    """What Prefect's heartbeat context reads of a flow-run engine."""

    heartbeat_seconds = 30
    flow_run = None
    logger = logging.getLogger("test-heartbeats")

    def __init__(self) -> None:
        self.beats: list[threading.Thread] = []

    def _build_heartbeat_event_template(self):
        return {}, []

    def _emit_flow_run_heartbeat(self, resource, related) -> None:
        self.beats.append(threading.current_thread())


def test_a_flow_run_ends_without_waiting_for_its_heartbeat_thread(monkeypatch):
    import prefect.flow_engine as flow_engine

    # the wrapper stays this test's: Prefect's function is put back afterwards
    monkeypatch.setattr(flow_engine, "_send_heartbeats", flow_engine._send_heartbeats)
    entry.heartbeats_end_with_the_run()
    wrapped = flow_engine._send_heartbeats
    entry.heartbeats_end_with_the_run()  # a second call does not wrap it again
    assert flow_engine._send_heartbeats is wrapped

    joined: list[threading.Thread] = []
    join = threading.Thread.join

    def recorded_join(thread, timeout=None):
        joined.append(thread)
        return join(thread, timeout)

    monkeypatch.setattr(threading.Thread, "join", recorded_join)
    engine = BeatingEngine()
    with flow_engine._send_heartbeats(engine):
        for _ in range(500):  # the first heartbeat goes out as the run starts
            if engine.beats:
                break
            time.sleep(0.01)
    assert len(engine.beats) == 1
    beating = engine.beats[0]
    assert beating not in joined  # the run's end did not wait for the thread
    join(beating, 5)
    assert not beating.is_alive()  # it stopped by itself, within its second of sleep
    assert len(engine.beats) == 1  # without a heartbeat after the run
