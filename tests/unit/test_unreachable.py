"""When a run counts as one where no source could be read (it then fails, for the scheduler)."""

from __future__ import annotations

from newsetl.pipeline import SOURCE_TIMED_OUT, Acquired, every_source_failed
from newsetl.records import Reject


def source(name: str, reason: str | None = None, **counts: int) -> Acquired:
    rejects = [Reject("discover", name, "http://a.example/feed", reason)] if reason else []
    base = {"candidates": 0, "fetched": 0, "skipped": 0, "not_modified": 0} | counts
    return Acquired(name, rejects=rejects, **base)


def test_only_a_run_whose_every_source_failed_at_discovery():
    assert every_source_failed([source("a", "connection error"), source("b", "http 404")])
    assert not every_source_failed([source("a", "connection error"), source("b")])  # b: empty
    assert not every_source_failed([source("a", "connection error"), source("b", candidates=3)])
    assert not every_source_failed([source("a", "connection error"), source("b", not_modified=1)])
    assert not every_source_failed([])


def test_a_slow_source_and_a_killed_runs_rejects_are_no_failed_source():
    assert not every_source_failed([source("a", SOURCE_TIMED_OUT)])  # read, slowly
    recovered = Acquired("", 0, 0, 0, 0, rejects=[Reject("fetch", "a", "u", "http 404")])
    assert every_source_failed([source("a", "dns error"), recovered])
