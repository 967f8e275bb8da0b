"""The whole pipeline from outside: `newsetl run` against a local site on 127.0.0.1 (no
politeness pause), raw page to DuckDB row, in a fresh process each time - so Prefect start-up,
model loading and warehouse opening count, as they do for a user."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from benchmarks.measure import ROOT, rate, run_process


def code_env(code: Path | None) -> dict:
    """Environment that runs another checkout of newsetl (its `pkgs` folder holds `newsetl` and
    `newsetl_flows`, see `--before` in benchmarks/throughput.py); nothing for this one."""
    return {"PYTHONPATH": f"{code / 'pkgs'}:{code}"} if code else {}


def newsetl_run(
    sources: Path,
    warehouse: Path,
    workers: int = 2,
    env: dict | None = None,
    code: Path | None = None,
    warm: bool = False,
) -> dict:
    """One `newsetl run`; wall and CPU seconds, peak memory, and what the summary said.

    By default the command runs in its own process (NEWSETL_WARM_RUNNER=0), so its CPU and
    memory are its own; `warm` lets it use (and start) the warm runner as a user's command does
    (newsetl/warm.py): then the CPU and memory of the work are the runner's child's, not the
    command's."""
    result = run_process(
        [
            sys.executable,
            "-m",
            "newsetl",
            "run",
            "--sources",
            str(sources),
            "--warehouse",
            str(warehouse),
        ],
        env={
            "NEWSETL_CPU_WORKERS": str(workers),
            "NEWSETL_HOST_DELAY": "0",
            **({} if warm else {"NEWSETL_WARM_RUNNER": "0"}),
            **code_env(code),
            **(env or {}),
        },
        cwd=code or ROOT,
    )
    summary = {}
    for key, pattern in (
        ("fetched", r"fetched (\d+) pages"),
        ("new_articles", r"(\d+) new articles"),
        ("updated", r"(\d+) updated"),
        ("rejected", r"(\d+) rejected"),
        ("skipped", r"skipped (\d+)"),
    ):
        match = re.search(pattern, result["output"])
        if match:
            summary[key] = int(match.group(1))
    if result["returncode"] != 0:
        tail = "\n".join(result["output"].splitlines()[-15:])
        raise RuntimeError(f"newsetl run failed ({result['returncode']}):\n{tail}")
    return {
        "seconds": round(result["seconds"], 2),
        "cpu_seconds": result["cpu_seconds"],
        "peak_rss_mb": result["peak_rss_mb"],
        "summary": summary,
    }


def articles_of(run: dict) -> int:
    s = run["summary"]
    return s.get("new_articles", 0) or s.get("fetched", 0)


def with_rate(run: dict, pages: int) -> dict:
    run["pages"] = pages
    run["articles_per_s"] = rate(pages, run["seconds"])
    return run


def stop_kept(cache: Path) -> None:
    """Stop the warm runner and the kept Prefect server that commands with XDG_CACHE_HOME=cache
    started (each would end itself once idle)."""
    import contextlib
    import json
    import os
    import signal

    folder = cache / "newsetl"
    pids = [lock.read_text().strip() for lock in folder.glob("runner-*.lock")]
    for note in folder.glob("prefect-server-*.json"):
        with contextlib.suppress(OSError, ValueError):
            pids.append(str(json.loads(note.read_text()).get("pid", "")))
    for pid in pids:
        if pid.isdigit():
            with contextlib.suppress(OSError):
                os.kill(int(pid), signal.SIGTERM)


def kept_server(env: dict[str, str]) -> dict | None:
    """The kept local Prefect API server (pid, api_url) that commands with `env` use, if one
    runs (the Prefect settings they run with name its note)."""
    import os
    from unittest import mock

    from newsetl.cli import quiet_prefect
    from newsetl_flows.entry import kept_server as kept

    quiet_prefect()
    with mock.patch.dict(os.environ, env):
        return kept()


def wait_for_runner(env: dict[str, str], timeout: float = 120) -> None:
    """Until the warm runner of commands with `env` (newsetl/warm.py) has its socket."""
    import os
    import time
    from unittest import mock

    from newsetl.kept import socket_path

    with mock.patch.dict(os.environ, env):
        place = socket_path()
    deadline = time.monotonic() + timeout
    while not place.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"no warm runner at {place} after {timeout} s")
        time.sleep(0.5)
