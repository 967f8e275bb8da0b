"""Small command-line and console habits: Prefect's notes that say nothing to a user are
dropped, a query may start with NOT's "-"."""

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


def test_a_query_that_starts_with_not_is_a_query_not_an_option():
    from newsetl.cli import build_parser, queries_as_written

    argv = queries_as_written(["search", "-sport rates", "--limit", "5", "-h"])
    assert argv == ["search", " -sport rates", "--limit", "5", "-h"]
    args = build_parser().parse_args(queries_as_written(["search", "-sport", "--limit", "5"]))
    assert (args.query.strip(), args.limit) == ("-sport", 5)
    report = queries_as_written(["report", "--query", "-sport", "--out", "r.html"])
    assert report == ["report", "--query", " -sport", "--out", "r.html"]
    assert queries_as_written(["sql", "-x"]) == ["sql", "-x"]  # other commands as they were
