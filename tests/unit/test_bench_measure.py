"""The bench's process measure: a command's own peak memory, not its parent's."""

from __future__ import annotations

import sys

import numpy as np

from benchmarks.measure import run_process

ALLOCATE = (
    "import sys\n"
    "block = bytearray({mb} * 2**20)\n"
    "block[::4096] = b'\\x01' * len(block[::4096])  # touch every page\n"
    "print('done')\n"
    "sys.exit(3)\n"
)


def test_a_child_peak_is_its_own_not_the_parents():
    big = np.ones(256 * 2**20 // 8)  # this process reaches 256 MB more before the run
    big.sum()
    del big
    small = run_process([sys.executable, "-c", "pass"])
    assert small["returncode"] == 0
    assert small["peak_rss_mb"] < 150  # a bare interpreter: tens of MB, not this process's peak
    large = run_process([sys.executable, "-c", ALLOCATE.format(mb=200)])
    assert large["returncode"] == 3 and large["output"].strip() == "done"
    assert 200 <= large["peak_rss_mb"] < 400
