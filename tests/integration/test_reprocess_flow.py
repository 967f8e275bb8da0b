"""Reprocess rebuilds lake and DuckDB from the raw archive alone, with no network."""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import sources_for

pytestmark = pytest.mark.slow


def snapshot(warehouse) -> tuple[dict, list[str], int]:
    with duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True) as con:
        titles = dict(con.execute("select article_id, title from articles").fetchall())
        flows = [r[0] for r in con.execute("select flow from runs order by started_at").fetchall()]
        topics = con.execute("select count(*) from article_topics").fetchone()[0]
    return titles, flows, topics


def ingested_sample(tmp_path):
    """A warehouse that ingested the sample site, whose server is gone afterwards."""
    from newsetl.serve import serve_folder
    from newsetl_flows.ingest import ingest
    from tests.conftest import SITE

    warehouse = tmp_path / "warehouse"
    with serve_folder(SITE, 0) as base_url:
        ingest(
            sources=str(sources_for(base_url, tmp_path / "sources.toml")), warehouse=str(warehouse)
        )
    return warehouse


def test_reprocess_rebuilds_the_same_articles_from_raw(prefect_harness, tmp_path):
    from newsetl_flows.reprocess import reprocess

    warehouse = ingested_sample(tmp_path)  # the site is gone before reprocess starts
    titles, flows, topics = snapshot(warehouse)
    (warehouse / "lake" / "articles" / "published_date=2026-11-16").rename(warehouse / "gone")

    summary = reprocess(warehouse=str(warehouse))

    assert summary["status"] == "completed"
    rebuilt_titles, rebuilt_flows, rebuilt_topics = snapshot(warehouse)
    # the summary's breakdowns count the rebuilt articles (they keep their fetching runs' ids)
    for breakdown in ("by_source", "by_day", "by_topic"):
        assert sum(summary[breakdown].values()) == len(rebuilt_titles), breakdown
    assert rebuilt_titles == titles
    assert rebuilt_topics == topics
    assert rebuilt_flows == flows + ["reprocess"]
    with duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True) as con:
        reasons = con.execute(
            "select stage, reason, count(*) from rejects group by all order by 1"
        ).fetchall()
    # the fetch reject is history; the extraction reject is made again, once, not added twice
    assert reasons == [("extract", "not an article", 1), ("fetch", "http 404", 1)]
    assert (warehouse / "lake" / "articles" / "published_date=2026-11-16").is_dir()
    assert not (warehouse / "lake.rebuild").exists()


@pytest.mark.parametrize(
    "broken_step, recorded",
    [
        # before the swap: the live warehouse as it was, the rebuild recorded as failed
        ("carry_over_unrebuildable", ("failed", 0)),
        # after the swap (the Prefect API down for the artifacts): the rebuild is live and
        # stays recorded as completed
        ("publish", ("completed", 32)),
    ],
)
def test_a_reprocess_that_fails_is_recorded_as_far_as_it_got(
    prefect_harness, tmp_path, monkeypatch, broken_step, recorded
):
    """A rebuild that fails part way: `runs` says how far it got, and no staged copy is left."""
    import newsetl_flows.reprocess as reprocess_module

    warehouse = ingested_sample(tmp_path)
    titles, flows, _ = snapshot(warehouse)

    def broken(*args, **kwargs):
        raise RuntimeError("disk gone")

    monkeypatch.setattr(reprocess_module, broken_step, broken)
    with pytest.raises(RuntimeError, match="disk gone"):
        reprocess_module.reprocess(warehouse=str(warehouse))
    rebuilt_titles, rebuilt_flows, _ = snapshot(warehouse)
    assert rebuilt_titles == titles
    assert rebuilt_flows == flows + ["reprocess"]
    with duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True) as con:
        row = con.execute(
            "select status, new_articles from runs where flow = 'reprocess'"
        ).fetchone()
    assert row == recorded
    assert not (warehouse / "lake.rebuild").exists()
    assert not (warehouse / "newsetl.rebuild.duckdb").exists()
