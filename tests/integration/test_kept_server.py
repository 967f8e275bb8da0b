"""The local Prefect server newsetl keeps between commands: found again by the next command,
never started twice at once, and gone by itself once idle."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

FIND = (
    "from newsetl_flows.entry import LocalServer; s = LocalServer(); "
    "assert s.start(); s.wait(); print(s.pid, s.port)"
)


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory):
    """One private Prefect database for the module (a new one takes a while to set up)."""
    return tmp_path_factory.mktemp("prefect-home")


def _environment(tmp_path, home, minutes: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",  # a new database's migrations
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        NEWSETL_SERVER_KEEP_MINUTES=minutes,
    )
    return env


def _find(env: dict) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, "-c", FIND], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    pid, port = done.stdout.split()
    return int(pid), int(port)


def _running(pid: int) -> bool:
    try:
        return b"newsetl_flows.local_server" in open(f"/proc/{pid}/cmdline", "rb").read()
    except OSError:
        return False


@pytest.mark.slow
def test_the_next_command_finds_the_kept_server_and_it_ends_when_idle(tmp_path, prefect_home):
    # 18 idle seconds: longer than a second command's own start-up on a loaded machine (at 6, one
    # fresh-clone run saw the first server end idle before the second command asked it, and the
    # second started its own)
    env = _environment(tmp_path, prefect_home, "0.3")
    with ThreadPoolExecutor(2) as pool:  # two commands at once start one server
        first, second = pool.map(_find, [env, env])
    assert first == second
    pid, port = first
    assert _running(pid)
    notes = list((tmp_path / "cache" / "newsetl").glob("prefect-server-*.json"))
    assert [json.loads(n.read_text()) for n in notes] == [{"pid": pid, "port": port}]
    assert _find(env) == first  # a later command too, while it is up
    deadline = time.monotonic() + 90
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _running(pid)
    assert not notes[0].exists()  # it removed its note on the way out
    pid_after, _ = _find(env)  # the next command starts a new one
    assert pid_after != pid
    os.kill(pid_after, 15)


@pytest.mark.slow
def test_zero_minutes_stops_the_server_with_the_command(tmp_path, prefect_home):
    pid, _ = _find(_environment(tmp_path, prefect_home, "0"))
    assert not _running(pid)
    assert not (tmp_path / "cache" / "newsetl").exists()


def test_the_minutes_are_a_checked_setting(monkeypatch, capsys):
    from newsetl.cli import main
    from newsetl_flows.entry import keep_minutes

    monkeypatch.setenv("NEWSETL_SERVER_KEEP_MINUTES", "2.5")
    assert keep_minutes() == 2.5
    monkeypatch.delenv("NEWSETL_SERVER_KEEP_MINUTES")
    assert keep_minutes() == 15.0
    for bad in ("ten", "-1"):
        monkeypatch.setenv("NEWSETL_SERVER_KEEP_MINUTES", bad)
        assert main(["run"]) == 2
        assert "NEWSETL_SERVER_KEEP_MINUTES" in capsys.readouterr().err
