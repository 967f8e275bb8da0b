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


def test_asking_a_warehouse_a_first_run_is_still_making_says_so(tmp_path):
    from newsetl.storage.warehouse import Warehouse, WarehouseError

    root = tmp_path / "wh"
    with pytest.raises(WarehouseError, match=r"\(run 'newsetl run' first\)$"):
        Warehouse(root).reader()
    said: list[str] = []
    with run_lock(root, "ingest", "run-1"):

        def ask() -> None:  # another command, while the first run has written nothing yet
            try:
                Warehouse(root).reader()
            except WarehouseError as err:
                said.append(str(err))

        thread = threading.Thread(target=ask)
        thread.start()
        thread.join(10)
    assert len(said) == 1
    assert said[0].startswith(f"no warehouse at {root} yet: an ingest run (pid ")
    assert said[0].endswith("is making it; ask again when it ends")
    with pytest.raises(WarehouseError, match=r"\(run 'newsetl run' first\)$"):
        Warehouse(root).reader()  # the run has ended (here: without writing anything)
