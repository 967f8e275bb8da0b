"""The warm runner (newsetl/warm.py): a flow command that finds it runs there, with the same
output and exit code as in its own process; a command from other code or settings runs in its
own process and the runner ends; the runner's digest of the code follows the files."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from benchmarks.pipeline_runs import stop_kept
from newsetl import warm
from tests.conftest import sources_for

NEWSETL = str(Path(sys.executable).with_name("newsetl"))


@pytest.fixture(scope="module")
def place(tmp_path_factory, sample_site):
    """A private cache folder, Prefect home and sources file for the module's commands; the
    runner and the kept Prefect server are stopped at the end."""
    root = tmp_path_factory.mktemp("warm")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(root / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        XDG_CACHE_HOME=str(root / "cache"),
        NEWSETL_SERVER_KEEP_MINUTES="1",
        NEWSETL_HOST_DELAY="0",
    )
    env.pop(warm.SWITCH, None)
    sources = sources_for(sample_site, root / "sources.toml")
    yield root, env, sources
    stop_kept(root / "cache")


def _newsetl(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NEWSETL, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _runner_log(root: Path) -> str:
    logs = list((root / "cache" / "newsetl").glob("runner-*.log"))
    return logs[0].read_text() if logs else ""


def _wait_serving(root: Path, times: int) -> None:
    deadline = time.monotonic() + 120
    while _runner_log(root).count("serving on") < times and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _runner_log(root).count("serving on") >= times, _runner_log(root)


def _ensure_runner(root: Path, env: dict) -> None:
    """Until a runner of `env` serves: a command starts one if needed (or ends one of other
    settings and starts one)."""
    deadline = time.monotonic() + 120
    missing = str(root / "absent.toml")  # a flow command that ends at once (exit 2)
    while time.monotonic() < deadline:
        served = _runner_log(root).count(missing)
        assert _newsetl(env, "run", "--sources", missing).returncode == 2
        if _runner_log(root).count(missing) > served:
            return
        time.sleep(1)
    raise AssertionError(_runner_log(root))


@pytest.mark.slow
def test_flow_commands_run_in_the_warm_runner_as_in_their_own_process(place):
    root, env, sources = place
    warehouse = root / "warehouse"
    first = _newsetl(env, "run", "--sources", str(sources), "--warehouse", str(warehouse))
    assert first.returncode == 0, first.stderr[-3000:]
    assert "starting a warm runner" in first.stderr
    assert "command " not in _runner_log(root)  # the first command ran in its own process
    _wait_serving(root, 1)

    second = _newsetl(env, "run", "--sources", str(sources), "--warehouse", str(warehouse))
    assert second.returncode == 0, second.stderr[-3000:]
    assert "starting a warm runner" not in second.stderr
    assert "0 new articles" in second.stdout and "feeds unchanged" in second.stdout
    log = _runner_log(root)
    assert f"newsetl run --sources {sources} --warehouse {warehouse}" in log
    with duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True) as con:
        runs = con.execute("select count(*) from runs where status = 'completed'").fetchone()[0]
    assert runs == 2  # the runner's child wrote the second run's row like any command

    status = _newsetl(env, "status", "--warehouse", str(warehouse), "--format", "json")
    kept = {p["process"]: p for p in json.loads(status.stdout)["kept_between_commands"]}
    runner_pid = int(next((root / "cache" / "newsetl").glob("runner-*.lock")).read_text())
    assert kept["warm runner"]["pid"] == runner_pid
    assert kept["Prefect API server"]["api_url"].startswith("http://127.0.0.1:")

    missing = _newsetl(env, "run", "--sources", str(root / "nope.toml"), "--warehouse", "x")
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr
    assert "nope.toml" in _runner_log(root)

    helped = _newsetl(env, "run", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: newsetl run")

    # Other settings than the runner started with: the command runs by itself, the runner ends
    # and the command starts a new one.
    other = {**env, "PYTHONWARNINGS": "ignore"}
    moved = _newsetl(other, "run", "--sources", str(sources), "--warehouse", str(warehouse))
    assert moved.returncode == 0, moved.stderr[-3000:]
    assert "ending" in _runner_log(root)
    assert "starting a warm runner" in moved.stderr
    _wait_serving(root, 2)


class _SlowPage(http.server.BaseHTTPRequestHandler):
    """A page that takes a minute to answer."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        time.sleep(60)
        body = b"<html><body><p>late</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.mark.slow
def test_a_command_killed_takes_its_work_in_the_runner_with_it(place):
    root, env, sources = place
    _ensure_runner(root, env)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowPage)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    slow = root / "slow.toml"
    slow.write_text(
        f'[[sources]]\nname = "slow"\nkind = "urls"\n'
        f'urls = ["http://127.0.0.1:{server.server_address[1]}/slow"]\n'
        "allow_private_network = true\nrobots = false\n"
    )
    command = subprocess.Popen(
        [NEWSETL, "run", "--sources", str(slow), "--warehouse", str(root / "slow-wh")],
        env={**env, "NEWSETL_MAX_RESPONSE_SECONDS": "120", "NEWSETL_READ_TIMEOUT": "120"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while "slow.toml" not in _runner_log(root) and time.monotonic() < deadline:
        time.sleep(0.2)
    found = re.search(r"command (\d+): newsetl run --sources \S*slow\.toml", _runner_log(root))
    assert found, _runner_log(root)
    child = int(found.group(1))
    time.sleep(3)  # the child is waiting for the slow page now
    command.kill()  # SIGKILL: nothing can be passed on; the child sees its command gone
    command.wait()
    deadline = time.monotonic() + 30
    while f"command {child} ended" not in _runner_log(root) and time.monotonic() < deadline:
        time.sleep(0.2)
    server.shutdown()
    assert re.search(rf"command {child} ended with status -(15|9)\b", _runner_log(root))


@pytest.mark.slow
def test_switched_off_no_runner_is_used_or_started(place, tmp_path):
    root, env, sources = place
    off = {**env, warm.SWITCH: "0", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = _newsetl(off, "run", "--help")
    assert done.returncode == 0
    assert "warm runner" not in done.stderr
    assert not list((tmp_path / "cache").glob("newsetl/runner-*"))


def test_help_starts_no_runner(place, tmp_path):
    root, env, sources = place
    mine = {**env, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for command in ("run", "engine"):
        done = _newsetl(mine, command, "--help")
        assert done.returncode == 0 and f"usage: newsetl {command}" in done.stdout
        assert "warm runner" not in done.stderr, done.stderr
    assert not list((tmp_path / "cache").glob("newsetl/runner-*"))


def test_invalid_settings_start_no_runner(place, tmp_path):
    # A runner started with them would end at its first import, a traceback in its log.
    root, env, sources = place
    mine = {**env, "XDG_CACHE_HOME": str(tmp_path / "cache"), "NEWSETL_CPU_WORKERS": "0"}
    done = _newsetl(mine, "run", "--sources", str(sources))
    assert done.returncode == 2
    assert "warm runner" not in done.stderr and "NEWSETL_CPU_WORKERS" in done.stderr
    assert not list((tmp_path / "cache").glob("newsetl/runner-*"))


def test_the_code_digest_follows_the_files_and_the_start_settings(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    env = {"PREFECT_HOME": "/p", "HOME": "/h"}
    first = warm.code_key([tmp_path], env)
    assert warm.code_key([tmp_path], env) == first
    assert warm.code_key([tmp_path], {**env, "HOME": "/elsewhere"}) == first  # not read at start
    assert warm.code_key([tmp_path], {**env, "PREFECT_HOME": "/q"}) != first
    # the flows' task runner is fixed when they are imported: a runner started without Dask
    # must not serve a command that asks for it
    assert warm.code_key([tmp_path], {**env, "NEWSETL_TASK_RUNNER": "dask"}) != first
    assert warm.code_key([tmp_path], {**env, "NEWSETL_SOURCES": "/s.toml"}) == first  # per run
    # what a Prefect worker sets for each flow run it starts: the next run may be served warm
    worker_run = {"PREFECT__FLOW_RUN_ID": "8c1e", "PREFECT__CONTROL_TOKEN": "t0k"}
    assert warm.code_key([tmp_path], {**env, **worker_run}) == first
    (tmp_path / "a.py").write_text("x = 22\n")
    assert warm.code_key([tmp_path], env) != first
    second = warm.code_key([tmp_path], env)
    (tmp_path / "b.py").write_text("")
    assert warm.code_key([tmp_path], env) != second


def test_enabled_only_when_something_is_kept(monkeypatch):
    monkeypatch.delenv(warm.SWITCH, raising=False)
    monkeypatch.setenv(warm.KEEP_MINUTES, "15")
    assert warm.enabled()
    monkeypatch.setenv(warm.KEEP_MINUTES, "0")
    assert not warm.enabled()
    monkeypatch.setenv(warm.KEEP_MINUTES, "soon")  # the command says what is wrong with it
    assert not warm.enabled()
    monkeypatch.setenv(warm.KEEP_MINUTES, "15")
    monkeypatch.setenv(warm.SWITCH, "off")
    assert not warm.enabled()
