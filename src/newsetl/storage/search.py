"""The full-text index: DuckDB's fts extension for its stemmer, our own postings for the rest.

The extension ships as the pinned package `duckdb-extension-fts` (DuckDB's signed binary for
exactly the DuckDB version we pin), so it is loaded from that package's folder and never
downloaded. Its own index (`PRAGMA create_fts_index`) cannot be updated, only rebuilt over the
whole table, so the index here is two plain tables in the `pipeline` schema, updated for the
loaded articles only, in the load's transaction (`benchmarks/search_index.py` measures both).
The tokenizer, stopwords and BM25 ranking are SQL macros in `search.sql`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib.resources import files
from pathlib import Path

import duckdb

POSTINGS_COLUMNS = """(
    article_id VARCHAR NOT NULL,
    term VARCHAR NOT NULL,
    tf INTEGER NOT NULL,
    positions INTEGER[] NOT NULL
)"""
INDEX_DDL = f"""
create schema if not exists pipeline;
create table if not exists pipeline.search_postings {POSTINGS_COLUMNS};
create table if not exists pipeline.search_documents (
    article_id VARCHAR NOT NULL,
    terms INTEGER NOT NULL
);
create table if not exists pipeline.search_sorted (
    postings BIGINT NOT NULL,
    sorted_at TIMESTAMPTZ NOT NULL
);
"""

INDEX_COMMENTS = {
    "pipeline.search_postings": "Full-text index: how often each stemmed term occurs in an "
    "article (title and text), and where (word positions from 0, stopwords counted).",
    "pipeline.search_documents": "Full-text index: indexed terms per article (BM25 length).",
    "pipeline.search_sorted": "Full-text index: when maintenance last put the postings in term "
    "order, and how many there were.",
}


class SearchUnavailable(RuntimeError):
    """The fts extension cannot be loaded; the message says why in one sentence."""


@cache
def extension_path() -> Path:
    """The fts extension binary shipped by the installed `duckdb-extension-fts` package."""
    version = duckdb.__version__
    try:
        import duckdb_extension_fts  # type: ignore[import-untyped]
    except ImportError:
        raise SearchUnavailable(
            f"the package duckdb-extension-fts=={version} is not installed"
        ) from None
    root = Path(duckdb_extension_fts.__file__).parent / "extensions"
    found = sorted(root.glob(f"v{version}/**/fts.duckdb_extension"))
    if not found:
        shipped = sorted(p.parent.name for p in root.glob("*/**/fts.duckdb_extension"))
        raise SearchUnavailable(
            f"duckdb-extension-fts has no build for DuckDB {version} (it has {shipped or 'none'})"
        )
    return found[0]


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension into a connection (must come before external access is off)."""
    con.execute(f"load '{extension_path()}'")


def search_macros() -> str:
    """The tokenizer, search and attention macros (they need the fts extension loaded)."""
    return files("newsetl.storage").joinpath("search.sql").read_text(encoding="utf-8")


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the macros when search.sql changed since they were last created (a version
    macro holds the hash), so that a writer's open stays cheap."""
    text = search_macros()
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    try:  # asking the macro itself: listing duckdb_functions() costs 40-100 ms
        found = con.execute("select main.search_macros_version()").fetchone()
    except duckdb.CatalogException:  # a warehouse made before search
        found = None
    if found and found[0] == digest:
        return
    load_fts(con)  # the macros use its stemmer
    con.execute(text)
    con.execute(f"create or replace macro search_macros_version() as '{digest}'")


def index_articles(
    con: duckdb.DuckDBPyConnection,
    ids_relation: str | None = None,
    rows_relation: str | None = None,
    stored_before: bool = True,
) -> None:
    """(Re)index articles: those whose ids are in the registered relation `ids_relation`
    (column article_id), or every article when None. Runs in the caller's transaction.

    `rows_relation` (registered; article_id, title, text of exactly those articles, as just
    loaded) is read instead of the articles table, whose text would otherwise be scanned whole
    (its blocks then held in DuckDB's buffer pool: memory growing with the warehouse).
    `stored_before=False` says none of them was stored before the load, so none is indexed."""
    load_fts(con)  # search_terms stems with it (a second load costs under a millisecond)
    where = f"where article_id in (select article_id from {ids_relation})" if ids_relation else ""
    # An article has postings only if it has a document row (both are written and deleted
    # together), so a batch of new articles skips the delete from the postings, the largest
    # table of the warehouse (about a hundred rows an article), which it would scan whole.
    indexed = ids_relation is None
    if not indexed and stored_before:
        found = con.execute(f"select count(*) from pipeline.search_documents {where}").fetchone()
        indexed = bool(found and found[0])
    for table in ("pipeline.search_postings", "pipeline.search_documents") if indexed else ():
        con.execute(f"delete from {table} {where}")
    source = (
        f"(select article_id, title, text from {rows_relation})"
        if rows_relation
        else f"articles {where}"
    )
    # Every word with its position (stopwords counted, so that a phrase's gaps are known), the
    # stopwords then left out and the rest stemmed, as search_terms does.
    con.execute(
        f"""
        create or replace temp table search_batch as
        select article_id, search_tokens(search_text(title, text)) as words from {source}
        """
    )
    con.execute(
        "insert into pipeline.search_documents select article_id, "
        "len(list_filter(words, w -> not search_stopword(w))) from search_batch"
    )
    con.execute(
        """
        insert into pipeline.search_postings
        select article_id, stem(word, 'porter') as term, count(*), list(position order by position)
        from (
            select article_id, unnest(words) as word, unnest(range(len(words))) as position
            from search_batch
        )
        where not search_stopword(word)
        group by article_id, term
        """
    )
    con.execute("drop table search_batch")


def upgrade_index(con: duckdb.DuckDBPyConnection) -> bool:
    """Give a warehouse whose postings have no word positions (made before phrases were
    answered from the index) an empty index of the current form; True when it did. Its writer
    then indexes every article again (`index_is_current` says no), in the same transaction."""
    try:
        con.execute("select positions from pipeline.search_postings limit 0")
        return False
    except duckdb.BinderException:
        pass
    con.execute("drop table pipeline.search_postings")
    con.execute(f"create table pipeline.search_postings {POSTINGS_COLUMNS}")
    con.execute("delete from pipeline.search_documents")
    con.execute(f"delete from {SORT_STATE}")
    return True


def index_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every article is indexed (an older warehouse gets its index at the next load).

    Every writer asks this when it opens. An article and its document row are only ever written
    and deleted together, so equal row counts (table metadata, no scan) say yes; the exact
    question, two key columns hashed whole (memory growing with the warehouse), is asked only
    when they differ."""
    counts = con.execute(
        "select (select count(*) from articles), (select count(*) from pipeline.search_documents)"
    ).fetchone()
    if counts and counts[0] == counts[1]:
        return True
    missing = con.execute(
        "select count(*) from articles where article_id not in "
        "(select article_id from pipeline.search_documents)"
    ).fetchone()
    return not missing or missing[0] == 0


# Postings in term order let a search read only its terms' row groups (DuckDB skips the others
# by their min/max). On the synthetic warehouse of 1,000,000 articles (100 million postings) a
# search took 11-19 s with the postings in load order and 0.9-2.0 s sorted; counting one term's
# postings, 0.75 s against 0.01 s. Loads append unsorted rows; maintenance sorts the table again
# once those are this share of it, so its cost follows the new rows, not the warehouse's size.
SORT_AGAIN_SHARE = 0.1
SORT_STATE = "pipeline.search_sorted"
SORT_MEMORY = "1GB"


def unsorted_postings(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Postings appended since the index was last sorted (an estimate after deletes), and all."""
    total, done = con.execute(
        "select (select count(*) from pipeline.search_postings), "
        f"(select coalesce(max(postings), 0) from {SORT_STATE})"
    ).fetchone() or (0, 0)
    return max(0, total - done), total


@contextmanager
def memory_limit(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """DuckDB's memory limit set to `limit` for the block, then set back to what it was.

    Set back, not `reset`: in DuckDB 1.5.5 `reset memory_limit` shows the default again while
    the buffer pool keeps the lower limit (tested: an allocation past the old limit then
    fails as before). A connection that had sorted the index stayed at 1 GB for all that came
    after (a 1,000,000-article warehouse's Parquet export ran out of memory)."""
    before = con.execute("select current_setting('memory_limit')").fetchone()
    con.execute(f"set memory_limit = '{limit}'")
    try:
        yield
    finally:
        if before:  # the limit as DuckDB writes it ('18.8 GiB'), read back the same way
            con.execute(f"set memory_limit = '{before[0]}'")


def sort_index(con: duckdb.DuckDBPyConnection, force: bool = False) -> bool:
    """Rewrite the postings in term order when the unsorted ones are `SORT_AGAIN_SHARE` of the
    table or more (or with `force`); True when it did. Runs in the caller's transaction."""
    fresh, total = unsorted_postings(con)
    if not total or (not force and fresh < SORT_AGAIN_SHARE * total):
        return False
    con.execute(f"create table pipeline.search_postings_sorted {POSTINGS_COLUMNS}")
    # The sort spills to disk past this (DuckDB's default is 80 % of the machine's memory).
    with memory_limit(con, SORT_MEMORY):
        con.execute(
            "insert into pipeline.search_postings_sorted "
            "select * from pipeline.search_postings order by term, article_id"
        )
    con.execute("drop table pipeline.search_postings")
    con.execute("alter table pipeline.search_postings_sorted rename to search_postings")
    con.execute(f"delete from {SORT_STATE}")
    con.execute(f"insert into {SORT_STATE} values ({total}, now())")
    return True
