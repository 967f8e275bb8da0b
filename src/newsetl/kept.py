"""Where the warm runner (newsetl/warm.py) of this Python environment keeps its socket, lock
and log, and whether one runs: read by the runner, by the commands that use it, and by
`newsetl status`. Standard library only."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path


def _place() -> Path:
    """Where this Python environment's runner keeps its socket, lock and log."""
    digest = hashlib.sha256(f"{sys.executable}\0{sys.prefix}".encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "newsetl" / f"runner-{digest}"


def socket_path() -> Path:
    return _place().with_suffix(".sock")


def lock_path() -> Path:
    return _place().with_suffix(".lock")


def log_path() -> Path:
    return _place().with_suffix(".log")


def runner_pid() -> int | None:
    """The pid of this environment's runner if one serves (for `newsetl status`)."""
    if not socket_path().exists():
        return None
    try:
        pid = int(lock_path().read_text().strip())
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"newsetl.warm" in command else None
