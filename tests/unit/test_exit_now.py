"""The `newsetl` program ends without the interpreter's object-by-object tear-down (0.4 s a
run), but only after what an ordinary exit does that matters: other threads end, atexit
handlers run, buffered output is written, and the exit status is the command's."""

from __future__ import annotations

import subprocess
import sys

PROGRAM = """
import atexit, sys, threading, time
from newsetl.cli import exit_now

out = sys.argv[1]
def late():
    time.sleep(0.3)
    with open(out, "a") as f:
        f.write("thread;")
threading.Thread(target=late).start()
atexit.register(lambda: open(out, "a").write("atexit;"))
sys.stdout.write("buffered, no newline")
exit_now(3)
print("not reached")
"""


def test_exit_now_keeps_what_an_exit_does(tmp_path):
    out = tmp_path / "out.txt"
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(out)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 3
    assert done.stdout == "buffered, no newline"
    assert out.read_text() == "thread;atexit;"


def test_the_program_s_status_is_the_command_s(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "newsetl", "sql", "select 1", "--warehouse", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "newsetl: error:" in done.stderr
