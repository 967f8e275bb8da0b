"""Prefect's console notes that say nothing to a newsetl user are dropped, and only those."""

from __future__ import annotations

import logging

from newsetl.cli import quiet_prefect


def test_the_events_workers_note_at_exit_is_dropped_and_its_other_warnings_kept(caplog):
    quiet_prefect()
    worker = logging.getLogger("EventsWorker")
    with caplog.at_level(logging.WARNING, logger="EventsWorker"):
        worker.warning("Still processing items: 1 items remaining...")
        worker.warning("Failed to send events")
    assert [r.getMessage() for r in caplog.records] == ["Failed to send events"]
