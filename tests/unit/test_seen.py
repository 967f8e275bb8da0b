"""The seen-URL index answers like a scan of the archive, reading only files it has not read."""

from __future__ import annotations

import dataclasses
from datetime import UTC

from newsetl.storage.raw import seen_url_keys, write_raw
from newsetl.storage.seen import SeenUrls, catch_up, index_path


def test_index_answers_like_the_archive_and_reads_only_new_files(tmp_path, make_page):
    raw = tmp_path / "raw"
    ok = make_page("https://a.example/1")
    gone = dataclasses.replace(make_page("https://a.example/2"), status=404)
    failing = dataclasses.replace(make_page("https://a.example/3"), status=503)
    write_raw([ok, gone, failing], raw)
    with SeenUrls.open(raw, tmp_path) as seen:
        answers = {
            u: u in seen
            for u in (
                "https://a.example/1",
                "https://a.example/2",
                "https://a.example/3",
                "https://a.example/4",
            )
        }
    assert {u for u, hit in answers.items() if hit} == seen_url_keys(raw)
    assert answers == {
        "https://a.example/1": True,
        "https://a.example/2": True,
        "https://a.example/3": False,  # a 5xx is asked again next run
        "https://a.example/4": False,
    }
    assert catch_up(raw, index_path(tmp_path)) == 0  # nothing new to read
    write_raw([make_page("https://a.example/4")], raw)
    assert catch_up(raw, index_path(tmp_path)) == 1  # only the new file
    with SeenUrls.open(raw, tmp_path) as seen:
        assert "https://a.example/4" in seen


def test_a_lost_index_is_rebuilt_and_added_keys_count_as_seen(tmp_path, make_page):
    raw = tmp_path / "raw"
    write_raw([make_page("https://a.example/1")], raw)
    SeenUrls.open(raw, tmp_path).close()
    index_path(tmp_path).unlink()
    with SeenUrls.open(raw, tmp_path) as seen:
        assert "https://a.example/1" in seen
        assert "https://a.example/9" not in seen
        seen.add("https://a.example/9")
        assert "https://a.example/9" in seen


def test_an_index_that_has_read_every_file_is_not_opened_for_writing(
    tmp_path, make_page, monkeypatch
):
    from newsetl.storage import seen as seen_module

    raw = tmp_path / "raw"
    write_raw([make_page("https://a.example/1")], raw)
    SeenUrls.open(raw, tmp_path).close()
    writes: list[tuple] = []

    def recorded(*args):
        writes.append(args)
        return catch_up(*args)

    monkeypatch.setattr(seen_module, "catch_up", recorded)
    with SeenUrls.open(raw, tmp_path) as seen:  # a run with nothing new
        assert "https://a.example/1" in seen
        assert "https://a.example/2" not in seen
    assert writes == []
    write_raw([make_page("https://a.example/2")], raw)
    with SeenUrls.open(raw, tmp_path) as seen:
        assert "https://a.example/2" in seen
    assert len(writes) == 1


def test_no_archive_means_nothing_seen_and_no_index(tmp_path):
    with SeenUrls.open(tmp_path / "raw", tmp_path) as seen:
        assert "https://a.example/1" not in seen
    assert not index_path(tmp_path).exists()


def test_an_index_built_a_few_files_at_a_time_holds_every_file_and_key(
    tmp_path, make_page, monkeypatch
):
    import newsetl.storage.seen as seen_module

    monkeypatch.setattr(seen_module, "FILES_PER_STEP", 2)
    raw = tmp_path / "raw"
    urls = [f"https://a.example/{i}" for i in range(5)]
    for url in urls:  # one archive file each
        write_raw([make_page(url)], raw)
    write_raw([make_page(urls[0])], raw)  # a key in two files of different groups
    assert catch_up(raw, index_path(tmp_path)) == 6
    assert catch_up(raw, index_path(tmp_path)) == 0  # every file recorded
    with SeenUrls.open(raw, tmp_path) as seen:
        assert all(u in seen for u in urls) and "https://a.example/9" not in seen


def test_look_up_answers_many_keys_like_point_queries_in_one_query(tmp_path, make_page):
    raw = tmp_path / "raw"
    write_raw([make_page(f"https://a.example/{i}") for i in range(0, 10, 2)], raw)
    asked = [f"https://a.example/{i}" for i in range(10)]
    with SeenUrls.open(raw, tmp_path) as one_by_one:
        expected = {k: k in one_by_one for k in asked}
    with SeenUrls.open(raw, tmp_path) as seen:
        seen.look_up(asked + asked[:3])  # repeated keys are asked once
        cursor = seen._cursor()
        seen._local.cursor = None  # a further query would need (and open) another cursor
        answers = {k: k in seen for k in asked}
        assert seen._local.cursor is None
        seen._local.cursor = cursor
        seen.add("https://a.example/1")  # taken by this run after the look-up
        assert "https://a.example/1" in seen
    assert answers == expected
    assert [k for k, hit in answers.items() if hit] == asked[::2]


def test_archive_listing_by_run_and_by_day(tmp_path, make_page):
    """raw_files lists by day then name; a run's own files, and only the days from `since` on."""
    from datetime import date, datetime

    from newsetl.storage.raw import raw_files

    raw = tmp_path / "raw"
    day = datetime(2026, 11, 20, 23, 59, tzinfo=UTC)
    old = write_raw([make_page("https://a.example/old", fetched_at=day)], raw)
    late = dataclasses.replace(make_page("https://a.example/new"), run_id="run-2")
    new = write_raw([dataclasses.replace(late, fetched_at=day.replace(day=21, hour=0))], raw)
    assert raw_files(raw) == old + new
    assert raw_files(raw, "run-2") == new
    assert raw_files(raw, "run-1") == old
    assert raw_files(raw, since=date(2026, 11, 21)) == new
    assert raw_files(raw, "run-1", since=date(2026, 11, 21)) == []
    assert raw_files(tmp_path / "nothing") == []
    with SeenUrls.open(raw, tmp_path) as seen:
        assert seen.archived == old + new


def test_an_unrecorded_runs_failed_answers_become_its_fetch_rejects(tmp_path, make_page):
    from datetime import timedelta

    from newsetl.storage.raw import raw_files, unrecorded_runs

    raw = tmp_path / "raw"
    ok = make_page("https://a.example/1")
    earlier = ok.fetched_at - timedelta(minutes=3)
    gone = dataclasses.replace(make_page("https://a.example/2", fetched_at=earlier), status=404)
    refused = dataclasses.replace(
        make_page("https://a.example/3.pdf"),
        kind="refused",
        headers='{"x-newsetl-refused": "wrong content type"}',
    )
    write_raw([ok, gone, refused], raw)
    found = unrecorded_runs(raw_files(raw))
    assert found.first_fetched == {"run-1": earlier.astimezone(UTC)}
    assert sorted((r.stage, r.url, r.reason) for r in found.rejects) == [
        ("fetch", "https://a.example/2", "http 404"),
        ("fetch", "https://a.example/3.pdf", "wrong content type"),
    ]
    assert all("run-1" in r.detail for r in found.rejects)
    assert unrecorded_runs([]).rejects == []
