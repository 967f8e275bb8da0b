"""`newsetl status`'s rejects by reason, on rows written straight into a warehouse."""

from __future__ import annotations

from newsetl.storage.queries import sql
from newsetl.storage.warehouse import Warehouse


def test_loaded_since_counts_only_addresses_a_later_run_took(tmp_path):
    store = Warehouse(tmp_path)
    with store.writer() as con:
        con.execute(
            "insert into runs (run_id, flow, started_at, status) values "
            "('r1', 'ingest', '2026-11-20 09:00:00+00', 'completed'), "
            "('r2', 'ingest', '2026-11-21 09:00:00+00', 'completed')"
        )
        con.execute(
            "insert into rejects (run_id, stage, source, url, reason, rejected_at) values "
            # answered 503 in r1, its article taken by r2: loaded since
            "('r1', 'fetch', 'quay', 'https://q.example/a', 'http 503', '2026-11-20 09:01:00+00'), "
            # the same address under another source: that source never loaded it
            "('r1', 'fetch', 'other', 'https://q.example/a', 'http 503', "
            "'2026-11-20 09:01:00+00'), "
            # a line repeated in the file r1 read: r1 loaded its first line, not a later run
            "('r1', 'discover', 'quay', 'https://q.example/b', 'repeated url', "
            "'2026-11-20 09:00:00+00'), "
            # still failing in r2
            "('r2', 'fetch', 'quay', 'https://q.example/c', 'http 503', '2026-11-21 09:01:00+00')"
        )
        for article_id, url, run_id, fetched in (
            ("a1", "https://q.example/a", "r2", "2026-11-21 09:02:00+00"),
            ("a2", "https://q.example/b", "r1", "2026-11-20 09:02:00+00"),
        ):
            con.execute(
                "insert into articles (article_id, source, url, run_id, fetched_at, raw_id) "
                "values (?, 'quay', ?, ?, ?, ?)",
                [article_id, url, run_id, fetched, f"raw-{article_id}"],
            )
    with store.reader() as con:
        rows = con.execute(sql("rejects_by_reason")).fetchall()
    # stage, reason, addresses, rows, rows of the last run, loaded since
    assert sorted(rows) == [
        ("discover", "repeated url", 1, 1, 0, 0),
        ("fetch", "http 503", 3, 3, 1, 1),
    ]
