"""Full-text search and attention: the query language, ranking, filters, the incremental index,
and the warehouse changes that came with them (pipeline schema, comments)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest

from newsetl.schema import TABLES
from newsetl.storage.warehouse import Warehouse

ARTICLES = [
    # id, source, day, language, title, text, topic
    (
        "a1",
        "north",
        16,
        "en",
        "Shoigu visits Pyongyang",
        "Russian defence official Sergei Shoigu arrived in Pyongyang on Tuesday for talks.\n\n"
        "Shoigu met officials in Pyongyang.",
        "politics",
    ),
    (
        "a2",
        "south",
        16,
        "en",
        "Parade in Pyongyang",
        "A military parade filled Pyongyang.",
        "politics",
    ),
    ("a3", "north", 17, "en", "Shoigu in Moscow", "Sergei Shoigu spoke in Moscow.", "politics"),
    (
        "a4",
        "south",
        17,
        "en",
        "Rates cut",
        "The central bank cut interest rates by a quarter point.",
        "economy, business and finance",
    ),
    (
        "a5",
        "north",
        18,
        "en",
        "Bank merger",
        "A central European lender and a bank from Lyon merged.",
        "economy, business and finance",
    ),
    (
        "a6",
        "south",
        18,
        "fr",
        "Élections en France",
        "Les électeurs votent dimanche pour les élections régionales.",
        "politics",
    ),
    ("a7", "south", 18, "en", "Cup final", "The home side won the cup final 2-1.", "sport"),
]


def rows(items=ARTICLES, text_override: dict[str, str] | None = None) -> dict:
    text_override = text_override or {}
    articles = [
        {
            "article_id": a,
            "source": s,
            "url": f"https://{s}.example/{a}",
            "title": title,
            "published_at": datetime(2026, 11, d, 9, tzinfo=UTC),
            "published_date": date(2026, 11, d),
            "language": lang,
            "text": text_override.get(a, text),
        }
        for a, s, d, lang, title, text, _ in items
    ]
    topics = [
        {"article_id": a, "published_date": date(2026, 11, d), "topic": topic, "score": 0.9}
        for a, _, d, _, _, _, topic in items
    ]
    return {
        "articles": TABLES["articles"].to_arrow(articles),
        "article_topics": TABLES["article_topics"].to_arrow(topics),
    }


def _filled(folder) -> Warehouse:
    warehouse = Warehouse(folder / "wh")
    with warehouse.writer() as con:
        warehouse.load(con, rows())
    return warehouse


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Warehouse:
    """One warehouse for the tests that only read it."""
    return _filled(tmp_path_factory.mktemp("search"))


@pytest.fixture
def store(tmp_path) -> Warehouse:
    """A warehouse of its own, for a test that changes it."""
    return _filled(tmp_path)


def ids(store: Warehouse, sql: str, *params) -> list[str]:
    with store.reader() as con:
        return [r[0] for r in con.execute(sql, list(params)).fetchall()]


def search(store: Warehouse, query: str, **filters) -> list[str]:
    named = "".join(f", {k} := ?" for k in filters)
    return ids(
        store,
        f"select article_id from search_articles(?{named})",
        query,
        *filters.values(),
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("shoigu AND pyongyang", {"a1"}),
        ("shoigu pyongyang", {"a1"}),  # side by side: all must match
        ("Shoigu OR parade", {"a1", "a2", "a3"}),
        ("shoigu NOT pyongyang", {"a3"}),
        ("shoigu -pyongyang", {"a3"}),
        ('"central bank"', {"a4"}),  # a phrase: the words in that order
        ("central bank", {"a4", "a5"}),
        ("banks", {"a4", "a5"}),  # stemmed
        ("elections", {"a6"}),  # accents stripped: élections
        ('"cup final" OR "sergei shoigu" -moscow', {"a1", "a7"}),
        ("interest-rates", {"a4"}),  # one item of two terms: both in the article
        ("bank-lyon", {"a5"}),
        ("shoigu pyongyang OR parade -military", {"a1"}),  # exclusions within their group
        ("shoigu pyongyang OR parade", {"a1", "a2"}),
        ('"talks Shoigu"', {"a1"}),  # punctuation between a phrase's words is no word
        ('"in pyongyang"', {"a1", "a2"}),  # stopwords inside a phrase count
        ('"sergei sho"', set()),  # whole words only
        ('"élections régionales"', {"a6"}),  # accents stripped on both sides
        ('"central banks"', {"a4"}),  # a phrase's words are stemmed, as single words are
        ('"rates by a quarter"', {"a4"}),  # a stopword inside a phrase takes its place
        ('"rates quarter"', set()),  # ... so the words around it are not side by side
        ('"cut rates"', set()),
        ('"by a"', {"a4"}),  # a phrase of stopwords only: the texts themselves are searched
        ('"a by"', set()),
        ("NOT politics", set()),  # an indexed word absent from every text excludes nothing
        ("NOT pyongyang", {"a3", "a4", "a5", "a6", "a7"}),
        ("the", set()),  # stopwords alone match nothing
        ("zanzibar", set()),
    ],
)
def test_query_language(shared, query, expected):
    if query == "NOT politics":
        expected = {a[0] for a in ARTICLES}
    assert set(search(shared, query, max_rows=100)) == expected


def test_ranking_puts_the_article_about_it_first(shared):
    assert search(shared, "shoigu OR pyongyang")[0] == "a1"  # both words, twice each


def test_bm25_scores_equal_the_fts_extensions_own(store):
    """Our incremental index ranks exactly like DuckDB's fts index (match_bm25) built from
    scratch with the same tokenizer, stopwords and stemmer."""
    with duckdb.connect(str(store.db_path)) as con:
        from newsetl.storage.search import load_fts

        load_fts(con)
        con.execute("create table sw as select unnest(search_stopwords()) as sw")
        con.execute(
            "create table docs as select article_id, search_text(title, text) as body from articles"
        )
        con.execute(
            r"pragma create_fts_index('docs', 'article_id', 'body', stemmer = 'porter', "
            r"stopwords = 'sw', ignore = '[^\p{L}\p{N}]+', strip_accents = 1, lower = 1)"
        )
        theirs = dict(
            con.execute(
                "select article_id, score from (select article_id, "
                "fts_main_docs.match_bm25(article_id, 'shoigu pyongyang banks') as score "
                "from docs) where score is not null"
            ).fetchall()
        )
        ours = dict(
            con.execute("select * from search_matches('shoigu OR pyongyang OR banks')").fetchall()
        )
    assert set(ours) == set(theirs) and len(ours) == 5
    for article_id, score in theirs.items():
        assert ours[article_id] == pytest.approx(score, rel=1e-9)


def test_filters(shared):
    assert search(shared, "shoigu OR pyongyang", source_name="north") == ["a1", "a3"]
    assert set(search(shared, "shoigu OR pyongyang", from_date="2026-11-17")) == {"a3"}
    assert set(search(shared, "shoigu OR pyongyang", to_date="2026-11-16")) == {"a1", "a2"}
    assert search(shared, "elections OR bank", language_code="fr") == ["a6"]
    assert set(search(shared, "central OR cup", topic_name="sport")) == {"a7"}
    assert len(search(shared, "shoigu OR pyongyang", max_rows=1)) == 1


def test_search_rows_carry_the_contract_columns(shared):
    with shared.reader() as con:
        relation = con.sql("select * from search_articles('pyongyang')")
        assert {"article_id", "title", "source", "published_date", "url", "score"} <= set(
            relation.columns
        )


def test_reloading_an_article_reindexes_it(store):
    with store.writer() as con:
        store.load(con, rows([ARTICLES[1]], {"a2": "A flood hit Zanzibar."}))
    assert search(store, "zanzibar") == ["a2"]
    assert search(store, "military") == []  # the old text is gone from the index
    assert set(search(store, "pyongyang")) == {"a1", "a2"}  # still in a2's title
    with store.reader() as con:
        docs, postings_of_a2 = con.execute(
            "select (select count(*) from pipeline.search_documents), "
            "(select count(*) from pipeline.search_postings where article_id = 'a2')"
        ).fetchone()
    assert docs == len(ARTICLES) and postings_of_a2 == 5  # parade, pyongyang, flood, hit, zanzibar


def test_new_articles_are_indexed_and_the_stored_ones_keep_their_postings(store):
    with store.reader() as con:
        before = con.execute(
            "select article_id, term, tf from pipeline.search_postings order by all"
        ).fetchall()
    new = ("a9", "south", 17, "en", "Ferry strike in Zanzibar", "Ferry crews struck.", "economy")
    with store.writer() as con:
        store.load(con, rows([new]))
    assert search(store, "zanzibar") == ["a9"]
    with store.reader() as con:
        after = con.execute(
            "select article_id, term, tf from pipeline.search_postings "
            "where article_id <> 'a9' order by all"
        ).fetchall()
        docs = con.execute("select count(*) from pipeline.search_documents").fetchone()[0]
    assert after == before and docs == len(ARTICLES) + 1
    # A batch of one new and one reloaded article: the reloaded one's old words go.
    newer = ("a10", "south", 17, "en", "Harbour reopens", "The harbour reopened.", "economy")
    with store.writer() as con:
        store.load(con, rows([newer, ARTICLES[1]], {"a2": "A flood hit Mombasa."}))
    assert search(store, "mombasa") == ["a2"] and search(store, "harbour") == ["a10"]
    assert search(store, "military") == []


def test_rebuild_from_lake_indexes_everything(tmp_path):
    from newsetl.pipeline import write_lake

    store = Warehouse(tmp_path / "wh")
    write_lake(rows(), store)
    with store.writer() as con:
        store.rebuild_from_lake(con)
    assert set(search(store, "pyongyang")) == {"a1", "a2"}


def _postings_in_storage_order(store: Warehouse) -> list[tuple]:
    with store.reader() as con:
        con.execute("set threads = 1")  # one thread reads the row groups in storage order
        return con.execute("select term, article_id, tf from pipeline.search_postings").fetchall()


def _ranked(store: Warehouse, query: str) -> list[tuple]:
    with store.reader() as con:
        return con.execute(
            "select article_id, score from search_articles(?, max_rows := 100)", [query]
        ).fetchall()


def test_a_warehouse_indexed_without_word_positions_is_indexed_again(store):
    """Postings made before phrases were answered from the index have no positions: the next
    writer (its schema digest differs) gives the index the current form and fills it."""
    scores = _ranked(store, "central bank")
    with store.writer() as con:
        con.execute("alter table pipeline.search_postings drop column positions")
        con.execute("create or replace macro warehouse_schema_version() as 'before positions'")
    with store.writer() as con:
        columns = con.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'pipeline' and table_name = 'search_postings'"
        ).fetchall()
    assert ("positions",) in columns
    assert search(store, '"central bank"') == ["a4"]
    assert _ranked(store, "central bank") == scores


def test_sorting_the_index_keeps_every_posting_and_every_score(store):
    queries = ["shoigu OR pyongyang", "central bank", '"central bank"', "NOT pyongyang"]
    before = sorted(_postings_in_storage_order(store))
    scores = [_ranked(store, q) for q in queries]
    assert _postings_in_storage_order(store) != before  # loads leave them in article order

    assert store.sort_search_index()  # never sorted: all of it is new

    assert _postings_in_storage_order(store) == before  # term order now, nothing lost
    assert [_ranked(store, q) for q in queries] == scores
    with store.reader() as con:
        state = con.execute("select postings from pipeline.search_sorted").fetchall()
    assert state == [(len(before),)]


def test_the_index_is_sorted_again_only_once_enough_was_appended(store):
    assert store.sort_search_index()
    assert not store.sort_search_index()  # nothing new
    text = "Ferry crews struck over pay, night shifts and safety in the old harbour."
    new = ("a9", "south", 17, "en", "Ferry strike in Zanzibar", text, "economy")
    with store.writer() as con:  # 11 postings on the 49 sorted: above a tenth
        store.load(con, rows([new]))
    with store.writer() as con:
        from newsetl.storage.search import SORT_AGAIN_SHARE, unsorted_postings

        fresh, total = unsorted_postings(con)
    assert fresh == 11 and fresh >= SORT_AGAIN_SHARE * total
    assert store.sort_search_index()
    assert _postings_in_storage_order(store) == sorted(_postings_in_storage_order(store))
    assert search(store, "zanzibar") == ["a9"]


def test_sorting_the_index_gives_the_memory_limit_back(store, monkeypatch):
    """The sort runs under a lower limit; after it, the connection can use what it had (DuckDB's
    `reset memory_limit` showed the default again but kept the sort's limit)."""
    from newsetl.storage import search as search_module

    monkeypatch.setattr(search_module, "SORT_MEMORY", "40MB")
    big = "select len(list(repeat('x', 60) || i::varchar)) from range(2000000) as t(i)"
    with store.writer() as con:
        con.execute("set memory_limit = '2GB'")
        assert search_module.sort_index(con, force=True)
        assert con.execute(big).fetchone() == (2000000,)  # about 150 MB, held at once
        with (
            pytest.raises(duckdb.OutOfMemoryException),  # what the sort's limit allows
            search_module.memory_limit(con, "40MB"),
        ):
            con.execute(big).fetchone()
        assert con.execute(big).fetchone() == (2000000,)


def test_a_rebuilt_index_is_in_term_order(tmp_path):
    from newsetl.pipeline import write_lake

    store = Warehouse(tmp_path / "wh")
    write_lake(rows(), store)
    with store.writer() as con:
        store.rebuild_from_lake(con)
    postings = _postings_in_storage_order(store)
    assert postings == sorted(postings) and not store.sort_search_index()


def test_a_warehouse_without_an_index_gets_one_from_the_next_writer(store):
    with store.writer() as con:  # as a warehouse made before search looks
        con.execute("delete from pipeline.search_postings")
        con.execute("delete from pipeline.search_documents")
    assert search(store, "pyongyang") == []
    with store.writer():
        pass
    assert set(search(store, "pyongyang")) == {"a1", "a2"}


def test_attention_counts_and_shares_per_period(shared):
    with shared.reader() as con:
        by_day = con.execute("select * from attention('shoigu OR pyongyang')").fetchall()
        by_week = con.execute(
            "select * from attention('shoigu OR pyongyang', period_unit := 'week')"
        ).fetchall()
        per_source = con.execute(
            "select period, source, articles, total, share "
            "from attention_by_source('pyongyang') where period = '2026-11-16'"
        ).fetchall()
        per_topic = con.execute(
            "select topic, articles, total from attention_by_topic('shoigu') "
            "where period = '2026-11-17'"
        ).fetchall()
    assert by_day == [
        (date(2026, 11, 16), 2, 2, 1.0),
        (date(2026, 11, 17), 1, 2, 0.5),
        (date(2026, 11, 18), 0, 3, 0.0),  # a period with no match still shows, at 0
    ]
    assert by_week == [(date(2026, 11, 16), 3, 7, round(3 / 7, 4))]  # 16 Nov 2026 is a Monday
    assert per_source == [
        (date(2026, 11, 16), "north", 1, 1, 1.0),
        (date(2026, 11, 16), "south", 1, 1, 1.0),
    ]
    assert sorted(per_topic) == [("economy, business and finance", 0, 1), ("politics", 1, 1)]


def test_pipeline_tables_live_in_their_own_schema(shared):
    with shared.reader() as con:
        main = {r[0] for r in con.execute("show tables").fetchall()}
        pipeline = {
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'pipeline'"
            ).fetchall()
        }
    assert "article_paragraphs" not in main and "article_vectors" not in main
    assert {"article_paragraphs", "article_vectors", "search_postings"} <= pipeline
    assert {"articles", "article_topics", "runs", "rejects"} <= main


def test_a_warehouse_from_before_the_pipeline_schema_is_moved(tmp_path):
    path = tmp_path / "wh" / "newsetl.duckdb"
    path.parent.mkdir()
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table article_vectors (article_id varchar, published_date date, "
            "story_id varchar, entities varchar[], vector float[])"
        )
        con.execute("insert into article_vectors values ('x', '2026-11-16', 's', ['A'], [1.0])")
    store = Warehouse(tmp_path / "wh")
    with store.writer():
        pass
    with store.reader() as con:
        assert con.execute("select story_id from pipeline.article_vectors").fetchall() == [("s",)]
        assert not con.execute(
            "select * from duckdb_tables() where schema_name = 'main' "
            "and table_name = 'article_vectors'"
        ).fetchall()


def test_every_table_view_and_column_has_a_comment(shared):
    with shared.reader() as con:
        missing = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            "where comment is null and not internal and schema_name in ('main', 'pipeline') "
            "and table_name in (select table_name from duckdb_tables() union all "
            "select view_name from duckdb_views() where not internal)"
        ).fetchall()
        tables = con.execute(
            "select table_name from duckdb_tables() where comment is null union all "
            "select view_name from duckdb_views() where not internal and comment is null"
        ).fetchall()
        title = con.execute(
            "select comment from duckdb_columns() where table_name = 'articles' "
            "and column_name = 'title'"
        ).fetchone()
    assert [m for m in missing if "search_" not in m[0]] == [] and tables == []
    assert title == ("Headline, without the site name.",)


def test_a_file_of_a_newer_duckdb_storage_is_a_one_line_error(tmp_path):
    """A file DuckDB 2.0.1 wrote (storage version 999; 1.5.5 reads 64-68): newsetl says what to
    do, at once. The fixture is `create table articles (i int)` in DuckDB 2.0.1, gzipped."""
    import gzip

    from newsetl.storage.warehouse import WarehouseError
    from tests.conftest import ROOT

    fixture = ROOT / "tests" / "fixtures" / "written-by-duckdb-2.0.1.duckdb.gz"
    (tmp_path / "wh").mkdir()
    (tmp_path / "wh" / "newsetl.duckdb").write_bytes(gzip.decompress(fixture.read_bytes()))
    with pytest.raises(WarehouseError) as caught:
        Warehouse(tmp_path / "wh").reader()
    message = str(caught.value)
    assert "another DuckDB release" in message and "newsetl reprocess" in message
    assert "\n" not in message


def _fts_loaded(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "select loaded from duckdb_extensions() where extension_name = 'fts'"
    ).fetchone()
    return bool(found and found[0])


def test_only_connections_that_search_load_the_fts_extension(store):
    """Loading fts costs about 0.1 s a connection: the pipeline's state reads and a writer that
    neither makes the macros nor indexes go without; users' readers and indexing have it."""
    with store.reader(search=False) as con:
        assert not _fts_loaded(con)
        assert con.execute("select count(*) from articles").fetchone() == (len(ARTICLES),)
    with store.reader() as con:
        assert _fts_loaded(con)
    with store.writer() as con:  # macros current, index current: nothing needs the stemmer
        assert not _fts_loaded(con)
        store.load(con, rows([ARTICLES[1]], {"a2": "A flood hit Zanzibar."}))
        assert _fts_loaded(con)
    assert search(store, "zanzibar") == ["a2"]


def test_connections_draw_no_duckdb_progress_bar(store):
    """A long query (a search or a sort on a big warehouse) must not draw DuckDB's bar into a
    command's output."""
    with store.reader() as con:
        assert con.execute("select current_setting('enable_progress_bar')").fetchone() == (False,)
    with store.writer() as con:
        assert con.execute("select current_setting('enable_progress_bar')").fetchone() == (False,)


@pytest.mark.parametrize(
    "query, message",
    [
        ("(", "a '(' in the query is not closed"),
        ("rates AND (", "a '(' in the query is not closed"),
        ("(rates", "a '(' in the query is not closed"),
        ("rates AND", "the query ends with an operator (AND, OR, NOT)"),
        ("rates NOT", "the query ends with an operator (AND, OR, NOT)"),
        ("OR rates", "unexpected 'OR' in the query"),
    ],
)
def test_an_unreadable_query_says_what_is_wrong(query, message):
    from newsetl.analysis.query import QueryError, parse

    with pytest.raises(QueryError) as caught:
        parse(query)
    assert str(caught.value) == message
