"""newsetl.storage: the Parquet lake merges by key, the DuckDB warehouse loads and reads."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from newsetl.records import Entity
from newsetl.schema import ARTICLE_TABLES, TABLES
from newsetl.storage.lake import NULL_PARTITION, table_glob, write_table
from newsetl.storage.rows import article_tables
from newsetl.storage.warehouse import Warehouse, WarehouseError, ddl

ARTICLES = TABLES["articles"]
TOPICS = TABLES["article_topics"]


def article_rows(*rows: tuple[str, str, date | None]) -> pa.Table:
    return ARTICLES.to_arrow(
        [
            {"article_id": a, "title": t, "published_date": d, "source": "velmora-post"}
            for a, t, d in rows
        ]
    )


def read_lake(lake, name: str) -> list[tuple]:
    return duckdb.sql(
        f"select article_id, title, published_date from read_parquet('{table_glob(lake, name)}', "
        "hive_partitioning = true) order by article_id"
    ).fetchall()


def parquet_files(lake, name: str) -> list[str]:
    return sorted(
        p.relative_to(lake / name).parent.as_posix() for p in (lake / name).rglob("*.parquet")
    )


def test_writing_the_same_article_twice_leaves_one_row(tmp_path):
    lake = tmp_path / "lake"
    write_table(ARTICLES, article_rows(("a1", "First title", date(2024, 5, 20))), lake)
    write_table(ARTICLES, article_rows(("a1", "Corrected title", date(2024, 5, 20))), lake)
    assert read_lake(lake, "articles") == [("a1", "Corrected title", date(2024, 5, 20))]
    assert parquet_files(lake, "articles") == ["published_date=2024-05-20"]  # the old file is gone


def test_merge_keeps_other_articles_and_partitions_by_date(tmp_path):
    lake = tmp_path / "lake"
    written = write_table(
        ARTICLES,
        article_rows(("a1", "One", date(2024, 5, 20)), ("a2", "Two", date(2024, 5, 21))),
        lake,
    )
    assert len(written) == 2
    assert all(p.name.startswith("part-") and p.suffix == ".parquet" for p in written)
    write_table(
        ARTICLES,
        article_rows(("a3", "Three", date(2024, 5, 20)), ("a2", "Two again", date(2024, 5, 21))),
        lake,
    )
    assert parquet_files(lake, "articles") == [
        "published_date=2024-05-20",
        "published_date=2024-05-21",
    ]
    assert read_lake(lake, "articles") == [
        ("a1", "One", date(2024, 5, 20)),
        ("a2", "Two again", date(2024, 5, 21)),
        ("a3", "Three", date(2024, 5, 20)),
    ]
    # The partition column lives in the folder name only, like every hive-partitioned lake.
    for path in (lake / "articles").rglob("*.parquet"):
        assert "published_date" not in pq.read_schema(path).names
        assert "article_id" in pq.read_schema(path).names


def test_undated_articles_go_to_the_default_partition(tmp_path):
    lake = tmp_path / "lake"
    write_table(ARTICLES, article_rows(("a1", "Undated", None)), lake)
    write_table(ARTICLES, article_rows(("a1", "Undated, again", None)), lake)
    assert parquet_files(lake, "articles") == [f"published_date={NULL_PARTITION}"]
    assert read_lake(lake, "articles") == [("a1", "Undated, again", None)]


def test_without_merge_rows_are_appended(tmp_path):
    lake = tmp_path / "lake"
    write_table(ARTICLES, article_rows(("a1", "One", date(2024, 5, 20))), lake, merge=False)
    write_table(ARTICLES, article_rows(("a1", "One", date(2024, 5, 20))), lake, merge=False)
    assert len(read_lake(lake, "articles")) == 2


def test_child_rows_of_an_article_are_replaced_together(tmp_path):
    lake = tmp_path / "lake"
    day = date(2024, 5, 20)
    first = TOPICS.to_arrow(
        [
            {"article_id": "a1", "published_date": day, "topic_code": c, "score": 0.5}
            for c in ("medtop:11000000", "medtop:04000000")
        ]
    )
    write_table(TOPICS, first, lake)
    write_table(
        TOPICS,
        TOPICS.to_arrow(
            [
                {
                    "article_id": "a1",
                    "published_date": day,
                    "topic_code": "medtop:15000000",
                    "score": 1.0,
                }
            ]
        ),
        lake,
    )
    rows = duckdb.sql(
        f"select article_id, topic_code from read_parquet('{table_glob(lake, 'article_topics')}')"
    ).fetchall()
    assert rows == [("a1", "medtop:15000000")]


def test_empty_table_writes_nothing(tmp_path):
    assert write_table(ARTICLES, ARTICLES.empty(), tmp_path / "lake") == []
    assert not (tmp_path / "lake").exists()


def test_article_whose_date_changed_is_not_kept_twice(tmp_path):
    lake = tmp_path / "lake"
    write_table(ARTICLES, article_rows(("a1", "From the feed date", date(2024, 5, 20))), lake)
    write_table(ARTICLES, article_rows(("a1", "From the page date", date(2024, 5, 19))), lake)
    assert read_lake(lake, "articles") == [("a1", "From the page date", date(2024, 5, 19))]


def test_reloaded_article_without_topics_loses_its_old_topics_in_the_lake(tmp_path, make_article):
    from newsetl.storage.warehouse import write_lake

    warehouse = Warehouse(tmp_path / "wh")
    write_lake(article_tables([make_article("a1", topics=[("medtop:11000000", 1.0)])]), warehouse)
    write_lake(article_tables([make_article("a1", topics=[])]), warehouse)
    files = list((warehouse.lake / "article_topics").glob("*/*.parquet"))
    rows = (
        duckdb.sql(
            "select count(*) from read_parquet(?)", params=[[str(f) for f in files]]
        ).fetchall()[0][0]
        if files
        else 0
    )
    assert rows == 0


# -- warehouse ------------------------------------------------------------------------------------


def test_ddl_creates_every_table_and_the_views():
    con = duckdb.connect()
    con.execute(ddl())
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE' "
            "and table_name not like 'search_%'"
        ).fetchall()
    }
    views = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_type = 'VIEW'"
        ).fetchall()
    }
    assert tables == set(TABLES)
    assert {"topic_daily", "entity_daily"} <= views
    for name, table in TABLES.items():
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_name = ? "
                "order by ordinal_position",
                [name],
            ).fetchall()
        ]
        assert columns == table.schema.names, name
    con.execute(ddl())  # idempotent: a second run changes nothing and does not fail


def test_primary_key_refuses_a_second_row_of_an_article():
    con = duckdb.connect()
    con.execute(ddl())
    con.execute("insert into articles (article_id) values ('a1')")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("insert into articles (article_id) values ('a1')")


def enriched(make_article, aid: str, **changes):
    defaults = {
        "topics": [("medtop:11000000", 0.7), ("medtop:04000000", 0.3)],
        "entities": [Entity("Ines Brandt", "PERSON", 3), Entity("Linden", "GPE", 2, "NO")],
        "keywords": [("tram extension", 0.8)],
        "paragraph_hashes": [("h1", False), ("h2", True)],
        "vector": [0.1] * 4,
    }
    return make_article(aid, **{**defaults, **changes})


def counts(con, article_id: str) -> dict[str, int]:
    return {
        name: con.execute(
            f"select count(*) from {TABLES[name].sql_name} where article_id = ?", [article_id]
        ).fetchone()[0]
        for name in ARTICLE_TABLES
    }


def test_load_and_reload_replaces_child_rows(tmp_path, make_article):
    warehouse = Warehouse(tmp_path / "wh")
    with warehouse.writer() as con:
        assert (
            warehouse.load(
                con, article_tables([enriched(make_article, "a1"), enriched(make_article, "a2")])
            )
            == 2
        )
        assert counts(con, "a1") == {
            "articles": 1,
            "article_topics": 2,
            "article_entities": 2,
            "article_keywords": 1,
            "article_paragraphs": 2,
            "article_vectors": 1,
        }
        reloaded = enriched(
            make_article,
            "a1",
            title="Corrected",
            topics=[("medtop:15000000", 1.0)],
            entities=[],
            keywords=[("cup final", 0.9), ("stadium", 0.5)],
        )
        assert warehouse.load(con, article_tables([reloaded])) == 0  # not new
        assert counts(con, "a1") == {
            "articles": 1,
            "article_topics": 1,
            "article_entities": 0,
            "article_keywords": 2,
            "article_paragraphs": 2,
            "article_vectors": 1,
        }
        assert con.execute(
            "select topic_code from article_topics where article_id = 'a1'"
        ).fetchall() == [("medtop:15000000",)]
        assert con.execute("select title from articles where article_id = 'a1'").fetchone() == (
            "Corrected",
        )
        assert counts(con, "a2")["article_topics"] == 2  # the other article is untouched


def test_views_count_articles_per_day(tmp_path, make_article):
    warehouse = Warehouse(tmp_path / "wh")
    with warehouse.writer() as con:
        warehouse.load(
            con, article_tables([enriched(make_article, "a1"), enriched(make_article, "a2")])
        )
        assert con.execute(
            "select published_date, topic, articles from topic_daily order by topic"
        ).fetchall() == [
            (date(2024, 5, 20), "economy, business and finance", 2),
            (date(2024, 5, 20), "politics", 2),
        ]
        assert con.execute(
            "select entity, label, articles from entity_daily order by entity"
        ).fetchall() == [("Ines Brandt", "PERSON", 2), ("Linden", "GPE", 2)]


def test_a_story_shows_its_earliest_title_and_the_same_one_on_a_tie(tmp_path, make_article):
    same_time = datetime(2024, 5, 20, 8, 0, tzinfo=UTC)
    members = [
        ("a3", "Third on the tie", same_time, "s1"),
        ("a1", "First on the tie", same_time, "s1"),
        ("a2", "Later", datetime(2024, 5, 21, 8, 0, tzinfo=UTC), "s1"),
        ("b2", "Undated, second id", None, "s2"),
        ("b1", "Undated, first id", None, "s2"),
    ]
    warehouse = Warehouse(tmp_path / "wh")
    with warehouse.writer() as con:
        warehouse.load(
            con,
            article_tables(
                [
                    enriched(make_article, aid, title=title, published_at=when, story_id=story)
                    for aid, title, when, story in members
                ]
            ),
        )
        assert con.execute(
            "select story_id, articles, first_title from stories order by story_id"
        ).fetchall() == [("s1", 3, "First on the tie"), ("s2", 2, "Undated, first id")]


def test_reader_sees_what_the_writer_loaded(tmp_path, make_article):
    warehouse = Warehouse(tmp_path / "wh")
    with warehouse.writer() as con:
        warehouse.load(con, article_tables([enriched(make_article, "a1")]))
    with warehouse.reader() as con:
        row = con.execute("select article_id, published_at, authors from articles").fetchone()
    assert row[0] == "a1"
    assert row[1] == datetime(2024, 5, 20, 8, 0, tzinfo=UTC)
    assert row[2] == ["Mira Holt"]


def test_reader_on_a_missing_warehouse(tmp_path):
    with pytest.raises(WarehouseError, match="no warehouse at .*run 'newsetl run' first"):
        Warehouse(tmp_path / "nowhere").reader()
    assert Warehouse(tmp_path / "nowhere").read_if_exists() is None


def test_state_readers_on_a_missing_warehouse_are_empty(tmp_path):
    with Warehouse(tmp_path / "nowhere").view() as stored:
        assert stored.paragraph_counts(["velmora-post"], exclude=[]) == {}
        assert stored.recent_story_members([date(2024, 5, 20)], 3, exclude=[]) == []


def test_paragraph_counts_and_recent_story_members(tmp_path, make_article):
    warehouse = Warehouse(tmp_path / "wh")
    with warehouse.writer() as con:
        warehouse.load(
            con,
            article_tables(
                [
                    enriched(make_article, "a1"),
                    enriched(make_article, "a2"),
                    enriched(make_article, "a3", published_at=datetime(2024, 4, 1, tzinfo=UTC)),
                ]
            ),
        )
    with warehouse.view() as stored:
        counts = stored.paragraph_counts(["velmora-post"], exclude=["a3"])
        assert stored._con is None  # closed with its answer: DuckDB's cached blocks go with it
        members = stored.recent_story_members([date(2024, 5, 21)], 3, exclude=["a2"])
        assert stored._con is None
    assert counts == {("velmora-post", "h1"): 2, ("velmora-post", "h2"): 2}
    assert [(m.article_id, m.story_id, m.entities) for m in members] == [
        ("a1", "s-a1", {"PERSON:Ines Brandt", "GPE:Linden"})
    ]
    assert members[0].vector.shape == (4,)


def test_story_members_carry_title_text_and_exact_float32_vectors(tmp_path, make_article):
    warehouse = Warehouse(tmp_path / "wh")
    one = enriched(make_article, "a1")
    one.vector = [0.1, -2.5, 3.25, 1e-7]
    with warehouse.writer() as con:
        warehouse.load(con, article_tables([one, enriched(make_article, "a2")]))
    with warehouse.view() as stored:
        members = stored.recent_story_members([date(2024, 5, 21)], 3, exclude=[])
    by_id = {m.article_id: m for m in members}
    assert set(by_id) == {"a1", "a2"}
    assert by_id["a1"].title == one.title and by_id["a1"].text == one.text
    assert by_id["a1"].vector.dtype == np.float32
    assert by_id["a1"].vector.tolist() == np.asarray(one.vector, dtype=np.float32).tolist()


def test_float32_vectors_of_arrow_lists():
    from newsetl.storage.warehouse import _float32_vectors

    column = pa.chunked_array(
        [
            pa.array([[1.5, 2.0], None, []], pa.list_(pa.float32())),
            pa.array([[0.25, -1.0, 3.0]], pa.list_(pa.float32())).slice(0),
            pa.array([[9.0], [7.0, 8.0]], pa.list_(pa.float32())).slice(1),
        ]
    )
    got = _float32_vectors(column)
    expected = [[1.5, 2.0], None, [], [0.25, -1.0, 3.0], [7.0, 8.0]]
    assert len(got) == len(expected)
    for vector, values in zip(got, expected, strict=True):
        want = np.asarray(values, dtype=np.float32)  # what the reader did before: asarray
        assert vector.dtype == np.float32 and vector.shape == want.shape
        assert np.array_equal(vector, want, equal_nan=True)


def test_rebuild_from_lake(tmp_path, make_article):
    from newsetl.storage.warehouse import write_lake

    warehouse = Warehouse(tmp_path / "wh")
    write_lake(
        article_tables(
            [enriched(make_article, "a1"), enriched(make_article, "a2", published_at=None)]
        ),
        warehouse,
    )
    with warehouse.writer() as con:
        rebuilt = warehouse.rebuild_from_lake(con, tuple(ARTICLE_TABLES))
        assert rebuilt["articles"] == 2
        assert rebuilt["article_topics"] == 4
        assert con.execute(
            "select article_id, published_date from articles order by 1"
        ).fetchall() == [("a1", date(2024, 5, 20)), ("a2", None)]


def test_commit_finds_stored_partitions_in_duckdb_not_by_reading_the_lake(
    tmp_path, make_article, monkeypatch
):
    import newsetl.storage.lake as lake_module

    warehouse = Warehouse(tmp_path / "wh")
    warehouse.commit(article_tables([make_article("a1", topics=[("medtop:11000000", 1.0)])]))

    def no_scan(*args, **kwargs):
        raise AssertionError("the lake's keys were scanned")

    monkeypatch.setattr(lake_module, "partitions_holding", no_scan)
    moved = make_article("a1", published_at=datetime(2024, 5, 22, 9, 0, tzinfo=UTC), topics=[])
    warehouse.commit(article_tables([moved]))
    assert read_lake(warehouse.lake, "articles") == [
        ("a1", "Flood barrier opens", date(2024, 5, 22))
    ]
    assert parquet_files(warehouse.lake, "article_topics") == []
    assert not warehouse.lake.with_name("lake.pending").exists()


def test_commit_after_a_crash_between_lake_and_duckdb_reads_the_lake_and_heals(
    tmp_path, make_article
):
    from newsetl.storage.warehouse import write_lake

    warehouse = Warehouse(tmp_path / "wh")
    warehouse.commit(article_tables([make_article("a1")]))
    # A crash after the lake merge (the article moved to 21 May) and before the DuckDB load:
    warehouse.lake.with_name("lake.pending").touch()
    write_lake(
        article_tables([make_article("a1", published_at=datetime(2024, 5, 21, tzinfo=UTC))]),
        warehouse,
    )
    warehouse.commit(
        article_tables([make_article("a1", published_at=datetime(2024, 5, 23, tzinfo=UTC))])
    )
    assert read_lake(warehouse.lake, "articles") == [
        ("a1", "Flood barrier opens", date(2024, 5, 23))
    ]
    assert not warehouse.lake.with_name("lake.pending").exists()


def test_clean_batch_learns_boilerplate_from_earlier_runs_through_the_batch_hashes(
    tmp_path, make_article, make_document
):
    from newsetl.clean.articles import normalize_text, paragraph_hash
    from newsetl.pipeline import clean_batch

    signoff = "Send your tips to the newsroom – we read every message."
    stored = [
        make_article(
            f"old{i}",
            paragraph_hashes=[
                (paragraph_hash(normalize_text(f"Own paragraph {i}.")), False),
                (paragraph_hash(normalize_text(signoff)), False),
            ],
        )
        for i in range(2)
    ]
    warehouse = Warehouse(tmp_path / "wh")
    warehouse.commit(article_tables(stored))
    body = [
        "The tram line between the harbour and the old town reopened on Monday after three "
        "weeks of repairs to the tracks, the overhead wires and two of its stops.",
        "Engineers replaced more than four hundred metres of rail and rebuilt the platform at "
        "the market square, where passengers had complained about the gap to the trams.",
        "The transport authority said services would run every six minutes at rush hour and "
        "that the night trams would return at the weekend, once final checks were done.",
        signoff,
    ]
    doc = make_document("https://news.example.org/tram", body)
    with warehouse.view() as stored:
        (article,) = clean_batch([doc], stored).articles
    assert signoff not in article.text  # two stored articles + this one: boilerplate
    assert article.text.startswith("The tram line between")


def test_a_writer_folds_its_log_into_the_file_within_the_checkpoint_memory(tmp_path):
    from newsetl.storage.warehouse import close_checkpointed

    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table t (k varchar primary key, v varchar)")
    con.execute("insert into t values ('a', 'x')")
    default_limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    other = duckdb.connect(str(path))  # the same database: it sees the settings the close left
    close_checkpointed(con, path)
    limit, threads = other.execute(
        "select current_setting('memory_limit'), current_setting('threads')"
    ).fetchone()
    wal = path.with_name("w.duckdb.wal")
    assert not wal.exists() or wal.stat().st_size == 0  # folded in while `other` was open
    other.close()
    assert limit != default_limit and limit.startswith("61.0 MiB")  # 64 MB, as DuckDB prints it
    assert threads == 1
    assert duckdb.connect(str(path)).execute("select * from t").fetchall() == [("a", "x")]


def test_a_checkpoint_refused_under_the_limit_falls_back_to_an_unlimited_close(
    tmp_path, make_article, monkeypatch
):
    import newsetl.storage.warehouse as warehouse_module

    monkeypatch.setattr(warehouse_module, "CHECKPOINT_MEMORY", "not a size")  # DuckDB refuses
    warehouse = Warehouse(tmp_path / "wh")
    with warehouse.writer() as con:
        warehouse.load(con, article_tables([enriched(make_article, "a1")]))
    assert not (tmp_path / "wh" / "newsetl.duckdb.wal").exists()
    with warehouse.reader() as con:
        assert con.execute("select article_id from articles").fetchall() == [("a1",)]
