"""The one door from the `newsetl` command into the flows.

The CLI (src/newsetl/cli.py) is the only library module that reaches the flows, and only
through `run_flow` here, imported inside the command after Prefect's logging is set (Prefect
reads its settings at import). Everything else in `newsetl` knows nothing of Prefect.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from newsetl_flows.local_server import PORT_TAKEN

FLOWS = ("ingest", "backfill", "reprocess", "maintenance")


KEEP_MINUTES_SETTING = "NEWSETL_SERVER_KEEP_MINUTES"  # Settings.server_keep_minutes
KEEPALIVE_SECONDS = 60.0  # a running command's sign of life to a kept server
SPAWN_SECONDS = 5.0  # at most, until a new server's command line can be read


class LocalServer:
    """Prefect's API server for a run when no API is configured: the application, settings and
    health check Prefect uses for its own temporary server, started here without importing
    Prefect's server package into this process.

    That import alone costs about 4 s of CPU (FastAPI, SQLAlchemy, the server's models), and a
    server takes 5-7 s to answer; a run with nothing new is mostly that fixed cost. So the
    server outlives the command that started it (`newsetl_flows.local_server`): it ends itself
    after NEWSETL_SERVER_KEEP_MINUTES (15) minutes without a request, and the next command in the
    same Python environment and Prefect profile finds it through a note in
    ~/.cache/newsetl/ (a lock keeps two commands from starting two). Set the minutes to 0 to
    start and stop a server per command instead, as Prefect does. Either way the server is
    started before the flows are imported, so its start-up overlaps theirs, and this process
    points Prefect at it (PREFECT_API_URL). The run is an ordinary flow run of that server,
    recorded in Prefect's database (UI, artifacts, logs). With an API URL configured (a
    deployment, `prefect server start`, Prefect Cloud, the test harness) nothing is started.
    """

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None  # started by this command
        self.port = 0
        self.pid = 0  # the kept server's process, whoever started it
        self.keep_minutes = keep_minutes()
        self.note = state_file()  # where the kept server is noted (and its log kept)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def kept(self) -> bool:
        return self.keep_minutes > 0

    def start(self) -> bool:
        """Find or start the server (without waiting for it); False when an API is configured
        or Prefect's ephemeral mode is off.

        The process starts before Prefect's settings are read (their import takes seconds), and
        is stopped again if they name an API (a profile's PREFECT_API_URL)."""
        if os.environ.get("PREFECT_API_URL"):
            return False
        if self.kept:
            self._find_or_spawn()
        else:
            self._spawn()
        from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

        if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
            self.stop()  # a kept one is only let go: it ends itself when idle
            return False
        self._point_prefect_here()
        if self.kept:
            threading.Thread(target=self._keep_alive, name="newsetl-keepalive", daemon=True).start()
        else:
            atexit.register(self.stop)  # after Prefect has sent the run's last logs and events
        return True

    def _find_or_spawn(self) -> None:
        self.note.parent.mkdir(parents=True, exist_ok=True)
        with open(self.note.with_suffix(".lock"), "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            known = _read_note(self.note)
            if known and _is_local_server(known["pid"]):
                self.pid, self.port = known["pid"], known["port"]
                return
            self._spawn()
            self._until_recognisable()
            _write_note(self.note, self.pid, self.port)
        print(
            f"newsetl: started Prefect's API at {self.api_url} for this and later commands; it"
            f" stops after {self.keep_minutes:g} idle minutes ({KEEP_MINUTES_SETTING})",
            file=sys.stderr,
        )

    def _spawn(self) -> None:
        self.port = _free_port()
        env = {
            **{k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
            # Stopped, its services log the events they were still writing as errors with
            # tracebacks (hundreds of lines after a run of many sources); the run's own outcome
            # is what the client reports. PREFECT_SERVER_LOGGING_LEVEL set by the user wins.
            "PREFECT_SERVER_LOGGING_LEVEL": os.environ.get(
                "PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL"
            ),
        }
        idle = self.keep_minutes * 60 if self.kept else 365 * 86400.0
        command = [
            sys.executable,
            "-m",
            "newsetl_flows.local_server",
            str(self.port),
            str(idle),
            str(self.note),
        ]
        if self.kept:  # its own session, its output in a log beside the note: it outlives us
            with open(self.note.with_suffix(".log"), "wb") as log:
                self.process = subprocess.Popen(
                    command,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        else:
            self.process = subprocess.Popen(command, env=env)
        self.pid = self.process.pid

    def _until_recognisable(self) -> None:
        """Until the new server's command line can be read (`_is_local_server`), so that the
        next command, which reads the note as soon as this one lets go of the lock, finds it. Right
        after it starts, a process's /proc/PID/cmdline can still be empty: two commands started
        together then started two servers (1 in 6 tries here)."""
        deadline = time.monotonic() + SPAWN_SECONDS
        while (
            not _is_local_server(self.pid)
            and self.process is not None
            and self.process.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.002)

    def _point_prefect_here(self) -> None:
        os.environ["PREFECT_API_URL"] = self.api_url
        _refresh_prefect_settings()

    def wait(self) -> None:
        """Until the server answers its health check (as Prefect waits for its own)."""
        if not self.pid:
            return
        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        deadline = time.monotonic() + PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
        while time.monotonic() < deadline:
            if self.process is None:  # a kept server another command started
                if not _is_local_server(self.pid):  # it ended meanwhile: one of ours instead
                    self._respawn()
                    continue
            else:
                code = self.process.poll()
                if code == PORT_TAKEN:  # its port was taken meanwhile: another (as Prefect does)
                    self._respawn()
                    continue
                if code is not None:
                    raise RuntimeError(f"Prefect's local API server exited with code {code}")
            if _healthy(self.api_url, timeout=5):
                return
            time.sleep(0.1)
        raise RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")

    def _respawn(self) -> None:
        if self.kept:
            self.process = None
            self._find_or_spawn()
        else:
            self._spawn()
        self._point_prefect_here()

    def _keep_alive(self) -> None:
        while True:
            time.sleep(KEEPALIVE_SECONDS)
            _healthy(self.api_url, timeout=5)

    def stop(self) -> None:
        """End the server this command started for itself (as Prefect ends its own, at exit);
        a kept server is only let go (it ends itself when idle)."""
        if self.process is not None and not self.kept:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.pid = 0


def keep_minutes() -> float:
    from newsetl.config import Settings

    return Settings().server_keep_minutes


def state_file() -> Path:
    """The note of the kept server for this Python, Prefect version and Prefect settings."""
    from importlib.metadata import version

    settings = sorted((k, v) for k, v in os.environ.items() if k.startswith("PREFECT_"))
    key = repr(
        (sys.executable, version("prefect"), [kv for kv in settings if kv[0] != "PREFECT_API_URL"])
    )
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "newsetl" / f"prefect-server-{digest}.json"


def kept_server() -> dict | None:
    """The kept local API server later commands of this environment would use, if one runs:
    its pid and API URL (for `newsetl status`)."""
    known = _read_note(state_file())
    if known is None or not _is_local_server(known["pid"]):
        return None
    return {"pid": known["pid"], "api_url": f"http://127.0.0.1:{known['port']}/api"}


def _read_note(note: Path) -> dict | None:
    try:
        known = json.loads(note.read_text(encoding="utf-8"))
        return {"pid": int(known["pid"]), "port": int(known["port"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_note(note: Path, pid: int, port: int) -> None:
    staged = note.with_suffix(".tmp")
    staged.write_text(json.dumps({"pid": pid, "port": port}), encoding="utf-8")
    staged.replace(note)


def _is_local_server(pid: int) -> bool:
    """Whether `pid` is a running local server (not a process that got its number since)."""
    if not Path("/proc/self").is_dir():  # no /proc to ask (macOS): whether it runs at all
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"newsetl_flows.local_server" in command


def _healthy(api_url: str, timeout: float) -> bool:
    with (
        contextlib.suppress(OSError),
        urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as answer,
    ):
        return answer.status == 200
    return False


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
    if _server is None or not _server.pid:
        _server = LocalServer()
        _server.start()
    flow = _flow(name)  # imported while the server starts
    _server.wait()
    if not _server.pid:  # an API the user configured: Prefect's settings as they are
        heartbeats_end_with_the_run()
        return flow(**parameters, return_state=True)
    # On the temporary local API, flow-run heartbeats have no reader (no automation watches for
    # runs that stopped beating), and Prefect's heartbeat thread, which sleeps a second at a
    # time, holds every run up to a second at its end.
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        return flow(**parameters, return_state=True)


_server: LocalServer | None = None  # one per process, as Prefect keeps its own


def heartbeats_end_with_the_run() -> None:
    """Let a flow run end without waiting for Prefect's heartbeat thread.

    Prefect sends a flow run's heartbeats (PREFECT_FLOWS_HEARTBEAT_FREQUENCY, 180 s by default)
    from a thread that sleeps a second at a time, and its sync flow engine joins that thread at
    the end of every run: up to a second, half a second on average, spent after the flow has
    returned (a third of a deployment's idle run here). Prefect's async engine already leaves
    the thread to stop by itself (`join_on_exit=False`); this makes the sync engine, which runs
    newsetl's flows, do the same. The heartbeats are as before: one as the run starts, then one
    per interval; at the run's end the thread is told to stop and ends within a second without
    sending another (it is a daemon thread: a process that exits first does not wait for it).

    This wraps a private function of Prefect (`prefect.flow_engine._send_heartbeats`, Prefect
    3.9, pinned in requirements.lock); where it is missing, Prefect is left as it is.
    """
    import prefect.flow_engine

    send = getattr(prefect.flow_engine, "_send_heartbeats", None)
    if send is None or getattr(send, "newsetl_unjoined", False):
        return

    def send_unjoined(engine: Any, join_on_exit: bool = True) -> Any:
        return send(engine, join_on_exit=False)

    send_unjoined.newsetl_unjoined = True  # type: ignore[attr-defined]
    prefect.flow_engine._send_heartbeats = send_unjoined


def suspension_watch_ends_with_the_run() -> None:
    """Let a deployment's flow run end without waiting for Prefect's suspension watch.

    For a flow run of a deployment, Prefect's flow engine watches the API for a request to
    suspend the run, from a thread that looks every 0.2 s whether the run is over, and joins
    that thread at the run's end: 0.1-0.2 s of a deployment's warm idle run of about one second
    (profiled in a forked child, as the warm runner runs it). Here the watch starts as before
    (the run waits until it is watching), and at the run's end it is told to stop by a daemon
    thread of its own, so the run goes on to report its final state at once; the watch ends
    within its 0.2 s, or with the process.

    This wraps a private name of Prefect (`prefect.flow_engine.observe_flow_run_suspension`,
    Prefect 3.9, pinned in requirements.lock); where it is missing, Prefect is left as it is.
    """
    import prefect.flow_engine

    observe = getattr(prefect.flow_engine, "observe_flow_run_suspension", None)
    if observe is None or getattr(observe, "newsetl_unjoined", False):
        return

    @contextlib.contextmanager
    def observe_unjoined(*args: Any, **kwargs: Any) -> Any:
        watch = observe(*args, **kwargs)
        watch.__enter__()
        try:
            yield
        finally:
            threading.Thread(
                target=watch.__exit__,
                args=(None, None, None),
                name="newsetl-suspension-watch-end",
                daemon=True,
            ).start()

    observe_unjoined.newsetl_unjoined = True  # type: ignore[attr-defined]
    prefect.flow_engine.observe_flow_run_suspension = observe_unjoined


_prepared_logging: tuple[Any, dict[str, str]] | None = None  # (settings, their variables)


def prepare_run_logging(environ: dict[str, str]) -> None:
    """In the warm runner, before it forks: the Prefect settings a deployment's flow run started
    from this environment reads (`environ`: the runner's own, without the CLI's quieter
    defaults), with the variables Prefect fills its logging configuration from
    (`Settings.to_environment_variables`, 0.14 s of every warm flow run's logging set-up,
    see `setup_run_logging`)."""
    global _prepared_logging
    from prefect.settings import Settings

    kept = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(environ)
        settings = Settings()
        _prepared_logging = (settings, settings.to_environment_variables(include_aliases=True))
    finally:
        os.environ.clear()
        os.environ.update(kept)


def setup_run_logging() -> None:
    """Prefect's logging set up again from this process's settings (a warm runner's child, whose
    runner imported Prefect with the CLI's quieter defaults), as Prefect's `setup_logging` does.
    When the settings equal those the runner prepared (`prepare_run_logging`), the variables it
    computed from them stand in for Prefect's computing them again; any other settings, or
    another call, take Prefect's own way."""
    from prefect.logging.configuration import setup_logging
    from prefect.settings import Settings, get_current_settings

    prepared = _prepared_logging
    current = get_current_settings()
    if prepared is None or prepared[0] != current:
        setup_logging()
        return
    variables = prepared[1]
    compute = Settings.to_environment_variables
    own = "to_environment_variables" in vars(Settings)  # or inherited, as in Prefect 3.9

    def known(self: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
        if self is current and not args and kwargs == {"include_aliases": True}:
            return dict(variables)
        return compute(self, *args, **kwargs)

    Settings.to_environment_variables = known  # type: ignore[method-assign]
    try:
        setup_logging()
    finally:
        if own:
            Settings.to_environment_variables = compute  # type: ignore[method-assign]
        else:
            del Settings.to_environment_variables


def import_flows() -> None:
    """Import every flow's module now (the warm runner, newsetl/warm.py, imports them once for
    all the commands it runs), and the modules every run imports on its way: Prefect's flow and
    task engines and, through DuckDB's registering of an Arrow table, pyarrow.dataset (0.2-0.3 s
    of a warm idle run before these were imported here); and what Prefect's engine entry
    (`newsetl engine`, a deployment's flow run) imports to load a flow run, run its pull steps
    and watch it for suspension (0.1-0.2 s of a deployment's warm idle run)."""
    for name in FLOWS:
        _flow(name)
    import runpy  # noqa: F401

    import anyio._backends._asyncio  # noqa: F401
    import prefect._internal.observers  # noqa: F401
    import prefect.deployments.steps  # noqa: F401
    import prefect.flow_engine  # noqa: F401
    import prefect.runner  # noqa: F401
    import prefect.task_engine  # noqa: F401
    import prefect.utilities.visualization  # noqa: F401
    import pyarrow.dataset  # noqa: F401


def _flow(name: str) -> Any:
    if name in ("ingest", "backfill"):
        from newsetl_flows import ingest

        return getattr(ingest, name)
    if name == "reprocess":
        from newsetl_flows.reprocess import reprocess

        return reprocess
    from newsetl_flows.maintenance import maintenance

    return maintenance
