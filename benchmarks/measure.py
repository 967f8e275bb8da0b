"""Timing and memory for the bench: wall seconds, peak resident memory, throughput figures."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
ROOT = Path(__file__).resolve().parents[1]


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * PAGE


@dataclass
class Measured:
    seconds: float = 0.0
    peak_rss_mb: float = 0.0  # highest resident memory of the process during the step
    grew_mb: float = 0.0  # that peak above the memory held when the step started
    result: object = field(default=None, repr=False)


@contextmanager
def watch(interval: float = 0.005):
    """Time a block and sample this process's resident memory meanwhile."""
    measured = Measured()
    start_rss = rss_bytes()
    peak = [start_rss]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(interval):
            peak[0] = max(peak[0], rss_bytes())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    started = time.perf_counter()
    try:
        yield measured
    finally:
        measured.seconds = time.perf_counter() - started
        stop.set()
        thread.join()
        peak[0] = max(peak[0], rss_bytes())
        measured.peak_rss_mb = round(peak[0] / 2**20, 1)
        measured.grew_mb = round((peak[0] - start_rss) / 2**20, 1)


def timed(function: Callable, *args, **kwargs) -> Measured:
    with watch() as measured:
        measured.result = function(*args, **kwargs)
    return measured


# Runs the command and writes its resource usage as JSON to argv[1]. A child's ru_maxrss starts
# at its parent's peak (Linux hands the parent's high-water mark to a process it forks or
# vfork-execs), so a bench that built a warehouse in-process used to see every later run's
# peak raised to its own; this launcher, a fresh small process, is the parent instead.
LAUNCHER = """
import json, os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w", encoding="ascii") as f:
    json.dump({"returncode": os.waitstatus_to_exitcode(status), "maxrss": usage.ru_maxrss,
               "cpu": usage.ru_utime + usage.ru_stime}, f)
"""


def run_process(
    command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> dict:
    """Run a command at lower priority; its wall seconds, CPU seconds and peak memory (the
    largest of the process and the descendants it waited for; not a server it left running,
    nor worker processes it did not wait for) and output. The peak is the command's own,
    whatever this process's (see LAUNCHER)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newsetl-usage-") as folder:
        usage_file = Path(folder) / "usage.json"
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(usage_file), "nice", "-n", "5", *command],
            env={**os.environ, **(env or {})},
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert process.stdout is not None
        output = process.stdout.read().decode("utf-8", "replace")
        launcher_code = process.wait()
        try:
            usage = json.loads(usage_file.read_text(encoding="ascii"))
        except (OSError, ValueError):  # the launcher itself failed: say so through the code
            usage = {"returncode": launcher_code or 1, "maxrss": 0, "cpu": 0.0}
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": round(usage["cpu"], 2),
        "peak_rss_mb": round(usage["maxrss"] / 1024, 1),
        "returncode": usage["returncode"],
        "output": output,
    }


def rate(count: float, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("inf")


def stage_row(name: str, m: Measured, articles: int, nbytes: int | None = None, **extra) -> dict:
    row = {
        "stage": name,
        "items": articles,
        "seconds": round(m.seconds, 3),
        "articles_per_s": rate(articles, m.seconds),
        "mb_per_s": round(nbytes / 2**20 / m.seconds, 2) if nbytes and m.seconds > 0 else None,
        "peak_rss_mb": m.peak_rss_mb,
        "grew_mb": m.grew_mb,
    }
    row.update(extra)
    return row


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": mem,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def max_rss_self_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def eval_data() -> Path:
    return Path(os.environ.get("NEWSETL_EVAL_DATA", ROOT / "eval-data"))


def real_pages(limit: int = 200) -> list[tuple[str, bytes]]:
    """Real article pages from the eval data folder, when present: WCXB's development split
    (its `test` split is an acceptance set and is never read). (name, html bytes) pairs."""
    base = eval_data() / "wcxb"
    meta = base / "metadata.json"
    if not meta.is_file():
        return []
    files = json.loads(meta.read_text(encoding="utf-8")).get("files", {})
    names = sorted(
        k for k, v in files.items() if v.get("split") == "dev" and v.get("page_type") == "article"
    )
    pages = []
    for name in names[:limit]:
        path = base / "dev" / "html" / f"{name}.html.gz"
        if path.is_file():
            pages.append((f"wcxb-{name}", gzip.decompress(path.read_bytes())))
    return pages


@contextmanager
def bench_run(out: Path, keep: Path | None, prefix: str) -> Iterator[tuple[Path, dict]]:
    """A bench's work folder (`keep`, or a temporary one removed afterwards) and its report,
    stamped with start, machine and end and written to `out` as JSON when the bench succeeds."""
    work = keep or Path(tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    report: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    try:
        yield work, report
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
