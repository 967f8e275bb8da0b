"""The `newsetl` program's entry, and the warm runner that spares a flow command its imports.

Every command is a new Python process, and about two thirds of a run with nothing new is
importing: Prefect about 1.2 s, newsetl with its libraries about 0.8 s, its flows 0.2 s (README,
"Speed"). So the commands that run a flow (`run`, `backfill`, `reprocess`, `maintenance`, and
`engine`, the command a Prefect worker starts a deployment's flow run with) go through a *warm
runner* when one is up: a process of the same Python environment that has
imported all of that once and waits on a Unix socket beside the kept Prefect server's note
(~/.cache/newsetl/). The command hands it its arguments, environment, working directory and
its standard streams (the file descriptors themselves: a terminal stays a terminal); the
runner forks, the child runs the command exactly as this process would have, and its exit code
comes back. Ctrl-C (and SIGTERM, SIGHUP) is passed on to the child.

A flow command that finds no runner runs as before, in its own process, and starts one in the
background for the commands after it. The runner lives as long as the kept Prefect server
would (NEWSETL_SERVER_KEEP_MINUTES idle minutes, default 15; 0 keeps neither) and ends at once
when what it imported is no longer what a new process would import: newsetl's or its flows'
files changed, the environment's packages changed, or the command's PREFECT_*, PYTHON*,
DASK_*, locale or thread-count variables, or the settings the flows read at import
(NEWSETL_TASK_RUNNER, NEWSETL_DASK_ADDRESS, NEWSETL_CPU_WORKERS, NEWSETL_RUN_TIMEOUT), differ
from those it started with. That command
then runs cold and starts a fresh runner. NEWSETL_WARM_RUNNER=0 turns the runner off.

This module imports only the standard library until it hands over to `newsetl.cli`: the point
is not to pay for imports in the process the user started.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

from newsetl.kept import lock_path, log_path, socket_path

# The commands that run a flow; `engine` is a deployment's flow run started by a Prefect worker
# (prefect.yaml sets it as the deployments' `command` job variable, see newsetl.cli.cmd_engine).
ROUTED = ("run", "backfill", "reprocess", "maintenance", "engine")
PROTOCOL = 1
SWITCH = "NEWSETL_WARM_RUNNER"  # 0, false, no or off: never use or start a runner
KEEP_MINUTES = "NEWSETL_SERVER_KEEP_MINUTES"  # shared with the kept Prefect server
DEFAULT_KEEP_MINUTES = 15.0
# Variables read when Prefect, Python, Dask or the numeric libraries start, or that set the
# locale, and the settings the flows read once at import (their task runner and time bound,
# flows/ingest.py): a runner that started with other values would run the command differently
# from a new process.
KEY_VARIABLES = (
    "PREFECT_",
    "PYTHON",
    "DASK_",
    "LANG",
    "LC_",
    "OMP_",
    "OPENBLAS_",
    "MKL_",
    "NEWSETL_TASK_RUNNER",
    "NEWSETL_DASK_ADDRESS",
    "NEWSETL_CPU_WORKERS",
    "NEWSETL_RUN_TIMEOUT",
)
# Except the variables a Prefect worker sets for each flow run it starts (the run's, flow's and
# deployment's ids and names, the worker's, the cancel channel's port and token): read when the
# run uses them, not at import, and never the same two runs in a row.
PER_RUN_VARIABLES = "PREFECT__"
HEADER_LIMIT = 4 * 1024 * 1024  # arguments and environment of one command
# Seconds a command waits for the runner to say its child started; past them it runs by itself
# (a child that starts later finds its command gone and ends before running it).
FIRST_ANSWER_SECONDS = 60.0


INTERRUPTED = (
    "newsetl: interrupted (what a run had archived is taken over by the next run on the same"
    " warehouse)"
)


def run_command() -> int:
    """The `newsetl` program: a flow command through the warm runner when one is up, else in
    this process (starting a runner for the next commands). Ctrl-C is one line and exit code
    130 wherever it lands (the imports, the command; in a runner's child: `_run`), not the
    traceback of the line it interrupted."""
    try:
        return _run_command()
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr, flush=True)
        return 130


def _run_command() -> int:
    argv = sys.argv[1:]
    asks_help = not {"-h", "--help"}.isdisjoint(argv)  # nothing to run, nothing to keep warm
    routed = bool(argv) and argv[0] in ROUTED and not asks_help and enabled()
    if routed:
        code = through_runner(argv)
        if code is not None:
            return code
        if settings_valid():
            start_runner()
    from newsetl.cli import run_command as run_here

    return run_here()


def settings_valid() -> bool:
    """Whether this environment's NEWSETL_* settings are valid: a runner started with invalid
    ones would end at its first import, and the command says what is wrong in any case. Only
    on the way to starting a runner, where the command imports everything anyway."""
    from pydantic import ValidationError

    from newsetl.config import Settings

    try:
        Settings()
    except ValidationError:
        return False
    return True


def enabled() -> bool:
    """Whether flow commands use (and start) a warm runner: not when switched off, not when
    nothing is kept between commands, and only where a process can fork and pass descriptors."""
    if os.environ.get(SWITCH, "").strip().lower() in ("0", "false", "no", "off"):
        return False
    if not (hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(socket, "AF_UNIX")):
        return False
    return keep_minutes() > 0


def keep_minutes() -> float:
    """The idle minutes of NEWSETL_SERVER_KEEP_MINUTES; a value that is no number keeps nothing
    (the command itself then says what is wrong with it)."""
    try:
        return float(os.environ.get(KEEP_MINUTES, DEFAULT_KEEP_MINUTES))
    except ValueError:
        return 0.0


def code_roots() -> list[Path]:
    """The folders of newsetl's and its flows' modules."""
    roots = [Path(__file__).resolve().parent]
    spec = importlib.util.find_spec("newsetl_flows")
    if spec is not None and spec.submodule_search_locations:
        roots += [Path(p).resolve() for p in spec.submodule_search_locations]
    return roots


def code_key(roots: list[Path] | None = None, environ: Mapping[str, str] | None = None) -> str:
    """What a process of this environment would import, as one digest: the interpreter, each
    module file of newsetl and its flows (path, size, modification time), the installed
    packages' folder (its time changes when a package is installed or removed) and the
    variables Prefect, Python and Dask read at start (not a worker's per-run ones). About a
    millisecond."""
    environ = os.environ if environ is None else environ
    settings = sorted(
        (k, v)
        for k, v in environ.items()
        if k.startswith(KEY_VARIABLES) and not k.startswith(PER_RUN_VARIABLES)
    )
    digest = hashlib.sha256(repr((PROTOCOL, sys.executable, sys.version, settings)).encode())
    for root in code_roots() if roots is None else roots:
        for path in sorted(root.rglob("*.py")):
            with contextlib.suppress(OSError):
                stat = path.stat()
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    with contextlib.suppress(OSError, KeyError):
        digest.update(str(os.stat(sysconfig.get_paths()["purelib"]).st_mtime_ns).encode())
    return digest.hexdigest()


# -- the command's side ---------------------------------------------------------------------------


def through_runner(argv: list[str]) -> int | None:
    """Run `argv` in the warm runner and return its exit code; None when no runner took it (none
    is up, or it was started from other code or settings and has ended itself)."""
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(socket_path()))
    except OSError:
        return None
    with sock:
        header = {
            "protocol": PROTOCOL,
            "key": code_key(),
            "argv": argv,
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "umask": _umask(),
        }
        try:
            socket.send_fds(sock, [json.dumps(header).encode() + b"\n"], [0, 1, 2])
        except OSError:  # a standard stream closed, or the runner just went away
            return None
        sock.settimeout(FIRST_ANSWER_SECONDS)  # a runner that does not answer: run here
        with sock.makefile("rb") as answers:
            try:
                started = _answer(answers)
            except KeyboardInterrupt:  # before the command's process said who it is
                return 130
            if started is None or "pid" not in started:
                _ending.append(bool(started and started.get("stale")))
                return None
            sock.settimeout(None)  # the command takes as long as it takes
            return _wait_for_exit(answers, int(started["pid"]))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _answer(answers: BinaryIO) -> dict[str, Any] | None:
    try:
        line = answers.readline()
    except OSError:
        return None
    if not line:
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _wait_for_exit(answers: BinaryIO, pid: int) -> int:
    """The exit code the runner's child sends when its command is done; signals this process
    gets meanwhile go to the child."""

    def forward(number: int, frame: object) -> None:
        with contextlib.suppress(OSError):
            os.killpg(pid, number)  # the child leads a group of its own, with its workers

    kept = {n: signal.signal(n, forward) for n in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        ended = _answer(answers)
    finally:
        for number, handler in kept.items():
            signal.signal(number, handler)
    if ended is None or "exit" not in ended:
        print(
            f"newsetl: the warm runner's process {pid} ended without an exit code "
            f"(its log: {log_path()})",
            file=sys.stderr,
        )
        return 1
    return int(ended["exit"])


_ending: list[bool] = []  # a runner answered that it ends (started from other code or settings)


def start_runner() -> None:
    """Start this environment's runner in the background unless one is up or starting (a
    runner that just said it ends is given two seconds to let its lock go)."""
    place = socket_path()
    tries = 10 if any(_ending) else 1
    try:
        place.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(lock_path(), "a+b") as lock:
            for attempt in range(tries):
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if attempt == tries - 1:
                        return  # one holds the lock: it is up, or importing
                    time.sleep(0.2)
            fcntl.flock(lock, fcntl.LOCK_UN)
        with open(log_path(), "ab") as log:
            subprocess.Popen(
                [sys.executable, "-m", "newsetl.warm", "--serve"],
                cwd=place.parent,  # not the command's folder: it would lead the runner's imports
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,  # not in the terminal's process group: Ctrl-C is ours
                close_fds=True,
            )
    except OSError as err:  # a read-only home, say: commands simply stay cold
        print(f"newsetl: no warm runner ({err})", file=sys.stderr)
        return
    print(
        "newsetl: starting a warm runner that spares later commands their imports; it stops"
        f" after {keep_minutes():g} idle minutes ({SWITCH}=0 turns it off)",
        file=sys.stderr,
    )


# -- the runner's side ----------------------------------------------------------------------------


def serve() -> int:
    """The runner: import what flow commands import, then fork a child per command until idle
    for the kept minutes (or asked by a command started from other code or settings)."""
    global _lock
    _lock = lock = open(lock_path(), "a+b")  # noqa: SIM115 - held for the runner's whole life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0  # another runner of this environment is up or importing
    signal.signal(signal.SIGTERM, _terminated)  # ends through the clean-up below
    key = code_key()  # before anything below changes the environment
    idle_seconds = keep_minutes() * 60
    started = time.monotonic()
    _import_everything()
    import threading

    if threading.active_count() > 1:  # forking a process with threads would copy their locks
        _log(f"not serving: imports left {threading.active_count()} threads running")
        return 1
    path = socket_path()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # a runner that died without cleaning up (the lock says none is up)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o177)  # the socket is this user's alone from its first moment
    try:
        listener.bind(str(path))
    finally:
        os.umask(mask)
    bound = os.stat(path).st_ino  # removed at the end only if still ours
    listener.listen(16)
    listener.settimeout(2.0)
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()).encode())
    lock.flush()
    _log(f"serving on {path} (imports took {time.monotonic() - started:.1f} s)")
    children: set[int] = set()
    last = time.monotonic()
    try:
        while True:
            children -= _reaped(children)
            if not children and time.monotonic() - last > idle_seconds:
                _log(f"idle for {keep_minutes():g} minutes: ending")
                break
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            last = time.monotonic()
            pid = _take(conn, key, listener)
            if pid is None:
                break  # a command of other code or settings: it runs cold and starts a new runner
            if pid:
                children.add(pid)
    finally:
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == bound:
                path.unlink()
        listener.close()
    return 0


_lock: BinaryIO | None = None  # the runner's lock; its children let go of it


def _terminated(number: int, frame: object) -> None:
    _log("terminated: ending")
    raise SystemExit(0)


def _import_everything() -> None:
    """What a flow command imports, in the order it would (Prefect's settings after the CLI's
    defaults for them)."""
    from newsetl.cli import import_flows

    import_flows()


def _reaped(children: set[int]) -> set[int]:
    ended = set()
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                ended.add(pid)
                _log(f"command {pid} ended with status {os.waitstatus_to_exitcode(status)}")
    return ended


def _take(conn: socket.socket, key: str, listener: socket.socket) -> int | None:
    """Read one command and fork its child: the child's pid, 0 when there was nothing to run,
    None when the runner should end instead."""
    fds: list[int] = []
    with conn:
        if not _same_user(conn):
            _log("a connection from another user: refused")
            return 0
        try:
            conn.settimeout(10.0)
            data, fds, _flags, _address = socket.recv_fds(conn, 65536, 3)
            while not data.endswith(b"\n") and len(data) < HEADER_LIMIT:
                more = conn.recv(65536)
                if not more:
                    break
                data += more
            header = json.loads(data)
        except (OSError, ValueError) as err:
            _close(fds)
            _log(f"a command's request could not be read: {err}")
            return 0
        if header.get("protocol") != PROTOCOL or header.get("key") != key or len(fds) != 3:
            _close(fds)
            with contextlib.suppress(OSError):
                conn.sendall(b'{"stale": true}\n')
            _log("a command from other code or settings: ending (it runs by itself)")
            return None
        pid = os.fork()
        if pid == 0:
            listener.close()
            if _lock is not None:
                _lock.close()  # a child outliving the runner must not keep the next one out
            _child(conn, fds, header)  # never returns
        _close(fds)
        _log(f"command {pid}: newsetl {' '.join(header['argv'])} (in {header['cwd']})")
        return pid


def _same_user(conn: socket.socket) -> bool:
    """Whether the process at the other end runs as this user (Linux's SO_PEERCRED; elsewhere
    the socket's mode alone keeps others out)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True
    import struct

    credentials = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return uid == os.getuid()


def _close(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _child(conn: socket.socket, fds: list[int], header: dict[str, Any]) -> None:
    """The forked child: become the command's process, run it, send its exit code, end."""
    code = 1
    try:
        os.setpgid(0, 0)  # a group of its own, its worker processes with it (signals go to all)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        _close([fd for fd in fds if fd > 2])
        os.chdir(header["cwd"])
        os.umask(int(header.get("umask", 0o022)))
        os.environ.clear()
        os.environ.update(header["env"])
        time.tzset()  # the command's TZ
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.argv = ["newsetl", *header["argv"]]
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(AttributeError, OSError, ValueError):
                stream.reconfigure(line_buffering=stream.isatty())  # type: ignore[union-attr]
        conn.settimeout(None)
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        _end_with_the_command(conn)
        code = _run(header["argv"])
    except BaseException:  # noqa: BLE001 - whatever happened, the command gets an exit code
        import traceback

        traceback.print_exc()
    finally:
        _finish(conn, code)


GRACE_SECONDS = 5.0  # after the command's process is gone, its work ends (SIGTERM) or is killed


def _end_with_the_command(conn: socket.socket) -> None:
    """If the command's process goes (killed, say, by a time limit) before the work is done, the
    work goes too, as it would have in that process: the child's process group (it and its
    workers) is asked to end, then killed after GRACE_SECONDS."""
    import threading

    def watch() -> None:
        with contextlib.suppress(OSError):
            if conn.recv(1) != b"" or _finishing:
                return
            os.killpg(0, signal.SIGTERM)  # the command's process has gone
            time.sleep(GRACE_SECONDS)
            os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch, name="newsetl-warm-watch", daemon=True).start()


def _run(argv: list[str]) -> int:
    """The command, as `newsetl.cli.run_command` runs it (Prefect reads its settings again:
    the runner read them from its own environment)."""
    import prefect.context

    from newsetl.cli import main

    prefect.context.refresh_global_settings_context()
    try:
        return main(argv)
    except SystemExit as done:  # argparse's usage errors and --help
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr, flush=True)
        return 130


_finishing: list[int] = []  # the child's command is done: its end is no reason to stop


def _finish(conn: socket.socket, code: int) -> None:
    """End the child as `newsetl.cli.exit_now` ends a command, the exit code sent last."""
    from newsetl.cli import wind_down

    with contextlib.suppress(BaseException):
        wind_down()
    with contextlib.suppress(BaseException):  # wind_down stops short at a closed pipe
        sys.stdout.flush()
        sys.stderr.flush()
    _finishing.append(code)
    with contextlib.suppress(OSError):
        conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
    os._exit(code)


def _log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} [{os.getpid()}] {message}", flush=True)


if __name__ == "__main__" and sys.argv[1:] == ["--serve"]:
    raise SystemExit(serve())
