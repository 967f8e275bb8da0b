"""A real Prefect stack for the e2e tests: `prefect server start`, `prefect deploy --all`, a worker.

One server per session, with its own PREFECT_HOME (SQLite database, profiles) in a temporary
folder, on a free port of 127.0.0.1. Everything is started as a user would from a shell in the
project folder, and every process group is terminated at teardown.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.pipeline_runs import stop_kept
from tests.conftest import ROOT

PREFECT = ROOT / ".venv" / "bin" / "prefect"
POOL = "newsetl-pool"
SERVER_STARTUP_TIMEOUT = 120
CLI_TIMEOUT = 180


@dataclass
class PrefectStack:
    api_url: str
    env: dict[str, str]
    home: Path
    logs: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"(no {path})"


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start a long-running CLI command in its own process group, output to `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left of it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
        # the leader is gone; make sure no child of the group survives it
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        break
    if proc.poll() is None:
        proc.wait(timeout=timeout)


def cli(stack: PrefectStack, *args: str) -> subprocess.CompletedProcess:
    """Run one prefect CLI command from the project folder; fail with its output if it fails."""
    cmd = [str(PREFECT), *args]
    done = subprocess.run(
        cmd,
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=CLI_TIMEOUT,
    )
    assert done.returncode == 0, (
        f"`prefect {' '.join(args)}` exited with {done.returncode}\n"
        f"--- stderr ---\n{done.stderr[-4000:]}\n--- stdout ---\n{done.stdout[-4000:]}"
    )
    return done


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory) -> Iterator[PrefectStack]:
    """`prefect server start` on a free port with a private PREFECT_HOME, until the session ends."""
    base = tmp_path_factory.mktemp("prefect-server")
    home, logs = base / "home", base / "logs"
    home.mkdir()
    logs.mkdir()
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    # A clean environment: no PREFECT_* setting of the calling shell (profile, API URL) leaks in.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        PREFECT_SERVER_API_HOST="127.0.0.1",
        PREFECT_SERVER_API_PORT=str(port),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        # The ingest deployment is scheduled every 30 minutes: if the scheduler ran, a session
        # crossing :00 or :30 would have the worker ingest the bundled sample into ./warehouse
        # of the checkout. The test checks the schedule is declared, not that the scheduler works.
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_WORKER_QUERY_SECONDS="2",
        # `{{ $PWD }}` in prefect.yaml is read from the environment, as a shell in ROOT sets it.
        PWD=str(ROOT),
        # The deployments' flow runs start a warm runner (prefect.yaml): its socket, lock and
        # log go here, not into the user's cache, and it is stopped with the session.
        XDG_CACHE_HOME=str(base / "cache"),
    )
    log = logs / "server.log"
    proc = start(
        [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, log
    )
    try:
        deadline = time.monotonic() + SERVER_STARTUP_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"prefect server exited with {proc.returncode}:\n{tail(log)}")
            try:
                with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"prefect server not healthy after {SERVER_STARTUP_TIMEOUT} s:\n{tail(log)}"
                )
            time.sleep(0.5)
        yield PrefectStack(api_url=api_url, env=env, home=home, logs=logs)
    finally:
        stop_kept(base / "cache")  # the warm runner the deployments' flow runs started
        stop(proc)


@pytest.fixture(scope="session")
def deployed(prefect_server) -> PrefectStack:
    """`make deploy`: the process work pool, then every deployment of prefect.yaml."""
    cli(prefect_server, "work-pool", "create", POOL, "--type", "process", "--overwrite")
    cli(prefect_server, "--no-prompt", "deploy", "--all")
    return prefect_server


@pytest.fixture(scope="session")
def prefect_worker(deployed) -> Iterator[Path]:
    """`make worker`: a worker on the pool until the session ends; yields its log file."""
    log = deployed.logs / "worker.log"
    proc = start([str(PREFECT), "worker", "start", "--pool", POOL], deployed.env, log)
    try:
        time.sleep(1)
        if proc.poll() is not None:
            pytest.fail(f"prefect worker exited with {proc.returncode}:\n{tail(log)}")
        yield log
    finally:
        stop(proc)


@contextmanager
def api_client(stack: PrefectStack):
    """A synchronous Prefect client talking to the session's server (not the test harness)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings(updates={PREFECT_API_URL: stack.api_url}),
        get_client(sync_client=True) as client,
    ):
        yield client
