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


def test_a_deployment_run_ends_without_waiting_for_its_suspension_watch(monkeypatch):
    import contextlib

    import prefect.flow_engine as flow_engine

    release = threading.Event()
    entered: list[str] = []
    ended: list[str] = []

    @contextlib.contextmanager
    def slow_watch(flow_run_id, request):
        entered.append(flow_run_id)
        yield
        release.wait(5)  # Prefect's watch joins its polling thread here
        ended.append(flow_run_id)

    monkeypatch.setattr(flow_engine, "observe_flow_run_suspension", slow_watch)
    entry.suspension_watch_ends_with_the_run()
    wrapped = flow_engine.observe_flow_run_suspension
    entry.suspension_watch_ends_with_the_run()  # a second call does not wrap it again
    assert flow_engine.observe_flow_run_suspension is wrapped
    assert wrapped is not slow_watch

    with wrapped("run-1", object()):
        assert entered == ["run-1"]  # the run goes on once the watch is up, as before
    assert ended == []  # the run's end did not wait for the watch to stop
    release.set()
    for _ in range(500):
        if ended:
            break
        time.sleep(0.01)
    assert ended == ["run-1"]  # it stopped by itself


def test_a_warm_flow_runs_logging_takes_the_variables_its_runner_prepared(monkeypatch):
    import os

    from prefect.context import SettingsContext, get_settings_context
    from prefect.logging import configuration
    from prefect.settings import PREFECT_API_URL, Settings, temporary_settings

    made: list[dict] = []
    monkeypatch.setattr(
        configuration,
        "setup_logging",
        lambda: made.append(
            configuration.load_logging_config(configuration.DEFAULT_LOGGING_SETTINGS_PATH)
        ),
    )
    computed: list[dict] = []
    compute = Settings.to_environment_variables

    def counted(self, *args, **kwargs):
        computed.append(kwargs)
        return compute(self, *args, **kwargs)

    monkeypatch.setattr(Settings, "to_environment_variables", counted)
    monkeypatch.setattr(entry, "_prepared_logging", None)

    def child(level: str) -> SettingsContext:
        """A worker's flow run forked by the runner: its settings, read from its environment."""
        monkeypatch.setenv("PREFECT_LOGGING_LEVEL", level)
        return SettingsContext(profile=get_settings_context().profile, settings=Settings())

    # Whatever settings context the test session runs in (an API of the tests' own, say).
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        entry.prepare_run_logging({**os.environ, "PREFECT_LOGGING_LEVEL": "DEBUG"})
        assert len(computed) == 1  # in the runner, before it forks
        with child("DEBUG"):
            entry.setup_run_logging()
            assert len(computed) == 1  # not computed again for the same settings
            assert made[0]["loggers"]["prefect"]["level"] == "DEBUG"
            assert made[0] == configuration.load_logging_config(
                configuration.DEFAULT_LOGGING_SETTINGS_PATH
            )
        with child("ERROR"):  # other settings than the runner's: Prefect's own way
            entry.setup_run_logging()
            assert len(computed) == 3
            assert made[1]["loggers"]["prefect"]["level"] == "ERROR"
    assert Settings.to_environment_variables is counted  # put back
