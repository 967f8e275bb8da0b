"""The warm runner (newsetl/warm.py): a flow command that finds it runs there, with the same
output and exit code as in its own process; a command from other code or settings runs in its
own process and the runner ends; the runner's digest of the code follows the files."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

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
    cache = root / "cache" / "newsetl"
    for lock in cache.glob("runner-*.lock"):
        _stop(lock.read_text().strip())
    for note in cache.glob("prefect-server-*.json"):
        _stop(str(json.loads(note.read_text()).get("pid", "")))


def _stop(pid: str) -> None:
    if pid.isdigit():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), 15)


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


@pytest.mark.slow
def test_switched_off_no_runner_is_used_or_started(place, tmp_path):
    root, env, sources = place
    off = {**env, warm.SWITCH: "0", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = _newsetl(off, "run", "--help")
    assert done.returncode == 0
    assert "warm runner" not in done.stderr
    assert not list((tmp_path / "cache").glob("newsetl/runner-*"))


def test_the_code_digest_follows_the_files_and_the_start_settings(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    env = {"PREFECT_HOME": "/p", "HOME": "/h"}
    first = warm.code_key([tmp_path], env)
    assert warm.code_key([tmp_path], env) == first
    assert warm.code_key([tmp_path], {**env, "HOME": "/elsewhere"}) == first  # not read at start
    assert warm.code_key([tmp_path], {**env, "PREFECT_HOME": "/q"}) != first
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
