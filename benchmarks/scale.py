"""Does a run's cost follow its new work? 100 new articles into a synthetic warehouse of N stored
ones against the same run into an empty one, an idle run on the big one, the state reads a run
makes (each timed on both), the analyst's queries against an unsorted, unpartitioned copy of the
same data, and how the lake's files are sized."""

from __future__ import annotations

import shutil
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from benchmarks import corpus_gen, pipeline_runs, synthetic
from newsetl.serve import serve_folder

QUERIES = {
    "topic_daily, one month": (
        "select published_date, topic, articles from topic_daily "
        "where published_date between $lo and $hi order by published_date, articles desc"
    ),
    "topic_daily, all days by topic": (
        "select topic, sum(articles) as n from topic_daily group by topic order by n desc"
    ),
    "entity_daily, one month top 20": (
        "select entity, label, sum(articles) as n from entity_daily "
        "where published_date between $lo and $hi group by all order by n desc limit 20"
    ),
    "search (words in title or text), newest 20": (
        "select article_id, title, source, published_date, url from articles "
        "where title ilike $q or text ilike $q order by published_date desc limit 20"
    ),
    "attention, one month by day": (
        "with m as (select published_date, count(*) as n from articles where published_date "
        "between $lo and $hi and (title ilike $q or text ilike $q) group by 1), "
        "t as (select published_date, count(*) as total from articles "
        "where published_date between $lo and $hi group by 1) "
        "select t.published_date, coalesce(n, 0) as articles, coalesce(n, 0) / total as share "
        "from t left join m using (published_date) order by 1"
    ),
}
QUERY_TABLES = ("articles", "article_topics", "article_entities")
SEARCHES = {
    "search_articles, one word, top 20": "select * from search_articles('glacier')",
    "search_articles, two words, top 20": "select * from search_articles('glacier budget')",
    "search_articles, a or b, top 20": "select * from search_articles('glacier OR budget')",
    "search_articles, a phrase, top 20": "select * from search_articles('\"glacier budget\"')",
}


def run(
    work: Path,
    stored: int,
    new: int = 100,
    before: Path | None = None,
    prebuilt: Path | None = None,
) -> dict:
    """With `prebuilt`, a copy of a warehouse `benchmarks.synthetic` made earlier (ending today)
    stands in for generating one of `stored` articles here."""
    today = date.today()
    big, empty = work / "wh-big", work / "wh-empty"
    if prebuilt:
        out: dict = {"warehouse": copy_prebuilt(prebuilt, big)}
        stored = out["warehouse"]["articles"]
    else:
        out = {"warehouse": synthetic.build(big, stored, end=today)}
    # New articles of the last three days, from outlets the warehouse already holds.
    pages = corpus_gen.generate(new, seed=97, end=today, days=3)
    # A second set of as many, for the steady state: the first run into the big warehouse also
    # builds its seen-URL index (a one-off); the next run's new articles pay only for themselves.
    later = corpus_gen.generate(new, seed=98, end=today, days=3)
    site, site_later = work / "site-new", work / "site-later"
    site.mkdir(parents=True, exist_ok=True)
    site_later.mkdir(parents=True, exist_ok=True)
    with serve_folder(site) as base, serve_folder(site_later) as base_later:
        sources = corpus_gen.write_site(site, pages, base)
        sources_later = corpus_gen.write_site(site_later, later, base_later)
        before_empty = state_reads(empty, pages)
        before_big = state_reads(big, pages)
        if before:
            shutil.copytree(big, work / "wh-big-before")
        runs = {
            f"{new} new into empty": pipeline_runs.newsetl_run(sources, empty),
            f"{new} new into {stored:,} stored": pipeline_runs.newsetl_run(sources, big),
            f"idle run on {stored:,} stored": pipeline_runs.newsetl_run(sources, big),
            f"next {new} new into {stored:,} stored": pipeline_runs.newsetl_run(sources_later, big),
            f"next {new} new into empty": pipeline_runs.newsetl_run(
                sources_later, work / "wh-empty-later"
            ),
        }
        if before:
            runs[f"before: {new} new into empty"] = pipeline_runs.newsetl_run(
                sources, work / "wh-empty-before", code=before
            )
            runs[f"before: {new} new into {stored:,} stored"] = pipeline_runs.newsetl_run(
                sources, work / "wh-big-before", code=before
            )
            shutil.rmtree(work / "wh-big-before", ignore_errors=True)
    out["runs"] = runs
    names = list(runs)
    out["ratios"] = {
        "big_vs_empty": round(runs[names[1]]["seconds"] / runs[names[0]]["seconds"], 3),
        "big_vs_empty_peak_memory": round(
            runs[names[1]]["peak_rss_mb"] / runs[names[0]]["peak_rss_mb"], 3
        ),
        "idle_big_vs_new_into_empty": round(
            runs[names[2]]["seconds"] / runs[names[0]]["seconds"], 3
        ),
    }
    steady, steady_empty = runs[names[3]], runs[names[4]]
    out["ratios"]["next_big_vs_empty"] = round(steady["seconds"] / steady_empty["seconds"], 3)
    out["ratios"]["next_big_vs_empty_peak_memory"] = round(
        steady["peak_rss_mb"] / steady_empty["peak_rss_mb"], 3
    )
    if before:
        out["ratios"]["before: big_vs_empty"] = round(
            runs[names[6]]["seconds"] / runs[names[5]]["seconds"], 3
        )
        out["ratios"]["before: big_vs_empty_peak_memory"] = round(
            runs[names[6]]["peak_rss_mb"] / runs[names[5]]["peak_rss_mb"], 3
        )
    out["state_reads"] = {k: (before_empty[k], before_big[k]) for k in before_big}
    month = (today - timedelta(days=31), today - timedelta(days=1))
    out["queries"] = queries(big, work / "unsorted", month)
    out["files"] = lake_files(big / "lake")
    return out


def copy_prebuilt(prebuilt: Path, big: Path) -> dict:
    """Copy a synthetic warehouse into place; its size and date range, and the copy's seconds."""
    started = time.perf_counter()
    shutil.rmtree(big, ignore_errors=True)
    shutil.copytree(prebuilt, big)
    con = duckdb.connect(str(big / "newsetl.duckdb"), read_only=True)
    articles, first, last = con.execute(
        "select count(*), min(published_date), max(published_date) from articles"
    ).fetchone()
    con.close()
    return {
        "copied_from": str(prebuilt),
        "articles": articles,
        "first_date": str(first),
        "last_date": str(last),
        "copy_seconds": round(time.perf_counter() - started, 1),
    }


def state_reads(root: Path, pages: list) -> dict[str, float]:
    """Seconds of each read a run makes of what is stored, before any new work."""
    import pyarrow as pa

    from newsetl.schema import TABLES
    from newsetl.storage import lake, raw
    from newsetl.storage.warehouse import Warehouse

    store = Warehouse(root)
    sources = sorted({p.outlet for p in pages})
    ids = [f"{i:020x}" for i in range(len(pages))]
    dates = [p.published.date() for p in pages]
    steps = {
        "open DuckDB (read-only)": lambda: store.read_if_exists() and None,
        "seen URL keys (raw archive)": lambda: raw.seen_url_keys(store.raw),
        "finished runs": lambda: store.finished_runs(),
        "unfinished run files": lambda: raw.unfinished_run_files(store.raw, store.finished_runs()),
        "paragraph counts of the sources": lambda: _ask(
            store, "paragraph_counts", sources, exclude=ids
        ),
        "partitions holding reloaded ids (lake merge)": lambda: lake.partitions_holding(
            TABLES["articles"], store.lake, pa.array(ids)
        ),
        "recent story members": lambda: _ask(store, "recent_story_members", dates, 3, exclude=ids),
    }
    out = {}
    for name, step in steps.items():
        started = time.perf_counter()
        try:
            step()
            out[name] = round(time.perf_counter() - started, 3)
        except Exception as err:  # a reader that changed shape: say so, keep measuring
            out[name] = f"error: {type(err).__name__}"
    return out


def _ask(store, question: str, *args, **kwargs):
    """One question of a wave, on a view of its own (as a wave asks it, connection included)."""
    with store.view() as stored:
        return getattr(stored, question)(*args, **kwargs)


def _time(con: duckdb.DuckDBPyConnection, sql: str, params: dict, repeat: int = 3) -> float:
    con.execute(sql, params).fetchall()  # warm: the figure is a repeated query's
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        con.execute(sql, params).fetchall()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 4)


def queries(big: Path, folder: Path, month: tuple[date, date]) -> dict:
    """Each query on the warehouse as loaded and on a copy whose rows are shuffled; the same
    SQL over the hive-partitioned lake and over one unsorted Parquet file per table."""
    from newsetl.storage.warehouse import ddl

    folder.mkdir(parents=True, exist_ok=True)
    copy_db = folder / "unsorted.duckdb"
    con = duckdb.connect(str(copy_db))
    con.execute("set enable_progress_bar = false")
    con.execute(f"attach '{big / 'newsetl.duckdb'}' as big (read_only)")
    for table in QUERY_TABLES:
        con.execute(f"create table {table} as select * from big.{table} order by random()")
        con.execute(
            f"copy {table} to '{folder / (table + '.parquet')}' (format parquet, compression zstd)"
        )
    con.execute("detach big")
    views = ddl()[ddl().index("create or replace view") :]
    con.execute(views)
    con.close()
    params = {"lo": month[0], "hi": month[1], "q": "%glacier%"}
    sorted_con = duckdb.connect(str(big / "newsetl.duckdb"), read_only=True)
    unsorted_con = duckdb.connect(str(copy_db), read_only=True)
    lake_con = duckdb.connect()
    flat_con = duckdb.connect()
    for table in QUERY_TABLES:
        lake_con.execute(
            f"create view {table} as select * from "
            f"read_parquet('{big / 'lake' / table}/**/*.parquet', "
            "hive_partitioning = true, hive_types = {'published_date': DATE})"
        )
        flat_con.execute(
            f"create view {table} as select * from read_parquet('{folder / (table + '.parquet')}')"
        )
    lake_con.execute(views)
    flat_con.execute(views)
    out = {}
    for c in (sorted_con, unsorted_con, lake_con, flat_con):
        c.execute("set enable_progress_bar = false")  # DuckDB's bar would fill the output
    for name, sql in QUERIES.items():
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        a = _time(sorted_con, sql, used)
        b = _time(unsorted_con, sql, used)
        c = _time(lake_con, sql, used, repeat=1)
        d = _time(flat_con, sql, used, repeat=1)
        out[name] = {
            "warehouse_s": a,
            "unsorted_s": b,
            "ratio": round(b / a, 2) if a else None,
            "lake_s": c,
            "lake_unsorted_s": d,
        }
    # Ranked search through the warehouse's own index (no copy has one).
    from newsetl.storage.search import load_fts

    load_fts(sorted_con)
    for name, sql in SEARCHES.items():
        out[name] = {"warehouse_s": _time(sorted_con, sql, {})}
    for c in (sorted_con, unsorted_con, lake_con, flat_con):
        c.close()
    return out


def lake_files(lake: Path) -> dict:
    out = {}
    for table in sorted(p for p in lake.iterdir() if p.is_dir()):
        parts = [p for p in table.iterdir() if p.is_dir()]
        files = [f for p in parts for f in p.glob("*.parquet")]
        sizes = [f.stat().st_size for f in files]
        if not files:
            continue
        per = [len(list(p.glob("*.parquet"))) for p in parts]
        out[table.name] = {
            "partitions": len(parts),
            "files": len(files),
            "files_per_partition_max": max(per),
            "bytes_per_file_mean": int(statistics.mean(sizes)),
            "bytes_per_file_min": min(sizes),
            "bytes_per_file_max": max(sizes),
        }
    return out
