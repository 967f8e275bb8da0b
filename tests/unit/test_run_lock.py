"""The run lock tells a waiting run whom it waits for, once, and then why it stopped."""

from __future__ import annotations

import threading

import pytest

from newsetl.storage.locks import RunLockBusy, run_lock


def test_a_waiting_run_says_whom_it_waits_for_once(tmp_path, capsys):
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with run_lock(tmp_path, "ingest", "run-a"):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        held.wait(10)
        with (
            pytest.raises(RunLockBusy, match=r"an ingest run \(pid \d+"),
            run_lock(tmp_path, "backfill", "run-b", wait=0.7),
        ):
            pass
    finally:
        release.set()
        holder.join()
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert "is busy: an ingest run" in err[0] and "waiting for it up to 1 s" in err[0]
    with run_lock(tmp_path, "backfill", "run-b", wait=0.7):  # free again: no word at all
        pass
    assert capsys.readouterr().err == ""
