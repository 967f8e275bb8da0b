"""A synthetic warehouse of N stored articles, generated straight into raw, lake and DuckDB.

No page is fetched or enriched: DuckDB writes rows shaped like ours (ids, sources, dates, text
of ~120 words from a fixed vocabulary, topics, entities with a long tail, keywords, paragraph
hashes with per-source boilerplate, 256-d vectors) into the warehouse's own tables, then
copies them into the hive-partitioned lake and the raw archive, named as the pipeline names
its files. The articles span `days` days ending the day before `end`, a few hundred to a
thousand a day, from the bench's outlets and more, each day recorded as one completed run.

    python -m benchmarks.synthetic DIR --articles 1000000
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from benchmarks.corpus_gen import CITIES, COUNTRIES, DESKS, FIRST, LAST, OUTLETS

VOCAB = sorted(
    {w.strip(".,{}").lower() for d in DESKS.values() for s in d["s"] for w in s.split()}
    | {w for d in DESKS.values() for w in d["w"]}
    | {c.lower() for c in CITIES + COUNTRIES}
)
PEOPLE = [f"{f} {ln}" for f in FIRST for ln in LAST]  # 1,560 names
SOURCES = [o[0] for o in OUTLETS] + [f"outlet-{i:02d}" for i in range(14)]  # 20 sources


def _list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _rename_parts(table_dir: Path, tag_of_folder=None, spec=None) -> int:
    """DuckDB names its files data_N.parquet; the lake's reader sorts by part-<ns>-<hex> names.
    With `spec`, each file is rewritten with exactly the pipeline's Arrow schema (DuckDB's
    list and nullability details differ), so the pipeline's merges can append to it."""
    import pyarrow.parquet as pq

    schema = None
    if spec is not None:
        import pyarrow as pa

        schema = pa.schema([f for f in spec.schema if f.name != spec.partition])
    count = 0
    for folder in sorted(p for p in table_dir.iterdir() if p.is_dir()):
        for i, path in enumerate(sorted(folder.glob("*.parquet"))):
            tag = tag_of_folder(folder) if tag_of_folder else ""
            prefix = f"part-{tag}-" if tag else "part-"
            target = folder / f"{prefix}{1_700_000_000_000_000_000 + i}-{i:08x}.parquet"
            if schema is not None:
                pq.write_table(
                    pq.read_table(path).select(schema.names).cast(schema),
                    target,
                    compression="zstd",
                )
                path.unlink()
            else:
                path.rename(target)
            count += 1
    return count


def build(
    root: Path, articles: int, end: date, days: int | None = None, memory: str = "3GB"
) -> dict:
    """Generate the warehouse under `root` (emptied first); returns counts, sizes and seconds."""
    from newsetl.schema import RAW, TABLES
    from newsetl.storage.search import create_macros, index_articles, load_fts, sort_index
    from newsetl.storage.warehouse import ddl

    started = time.perf_counter()
    days = days or max(30, min(1100, articles // 900))
    start = end - timedelta(days=days)
    if root.exists():
        shutil.rmtree(root)
    (root / "lake").mkdir(parents=True)
    (root / "raw").mkdir(parents=True)
    con = duckdb.connect(str(root / "newsetl.duckdb"))
    con.execute("set enable_progress_bar = false")
    con.execute(f"set memory_limit = '{memory}'; set preserve_insertion_order = false")
    con.execute(f"set threads = {os.cpu_count() or 2}")
    con.execute(ddl())
    con.execute("create or replace temp macro pick(x, n) as 1 + (hash(x) % n)::bigint")
    from newsetl.schema import IPTC_TOPICS

    vocab, people, sources = _list(VOCAB), _list(PEOPLE), _list(SOURCES)
    topics, labels = _list(list(IPTC_TOPICS)), _list(list(IPTC_TOPICS.values()))
    nv, np_, ns, nt = len(VOCAB), len(PEOPLE), len(SOURCES), len(IPTC_TOPICS)
    # Base rows in date order, as a warehouse fills day by day.
    con.execute(
        f"""
        create temp table base as
        select i,
            substr(md5('synthetic-' || i), 1, 20) as article_id,
            ({sources})[1 + (i % {ns})] as source,
            date '{start}' + cast(floor(i * {days} / {articles}) as integer) as published_date
        from range({articles}) t(i)
        """
    )
    con.execute(
        f"""
        insert into articles by name
        select article_id, source,
            'https://www.' || source || '.example/' || published_date || '/story-' || i as url,
            'https://www.' || source || '.example/' || published_date || '/story-' || i
                as canonical_url,
            array_to_string(
                list_transform(range(8), lambda j: ({vocab})[pick(i * 31 + j, {nv})]), ' '
            ) as title,
            [({people})[pick(i * 7, {np_})]] as authors,
            published_date::timestamptz + to_seconds((hash(i) % 86400)::bigint) as published_at,
            published_date, 'meta' as date_source, 'en' as language,
            array_to_string(
                list_transform(range(120), lambda j: ({vocab})[pick(i * 1009 + j, {nv})]), ' '
            ) as text,
            120 as word_count, 0.6 as reading_minutes,
            ((hash(i * 3) % 2000)::double / 1000.0) - 1.0 as sentiment,
            'story-' || (i // 3) as story_id, 0 as removed_paragraphs,
            'synthetic' as enrich_version, 'raw-' || i as raw_id,
            'synthetic-' || published_date as run_id,
            published_date::timestamptz + interval 1 day as fetched_at
        from base
        """
    )
    con.execute(
        f"""
        insert into article_topics by name
        select article_id, published_date, ({topics})[t] as topic_code, ({labels})[t] as topic,
            score
        from (
            select article_id, published_date, pick(i, {nt}) as t, 0.8 as score from base
            union all
            select article_id, published_date, pick(i + 17, {nt}), 0.3 from base where i % 3 = 0
        )
        """
    )
    # Entities: a long tail - most mentions go to a few hundred names, the rest spread out.
    con.execute(
        f"""
        insert into article_entities by name
        select article_id, published_date,
            ({people})[
                (case when k < 3 then pick(i * 13 + k, 300) else pick(i * 13 + k, {np_}) end)
            ] as entity,
            case when k = 4 then 'ORG' else 'PERSON' end as label,
            (1 + hash(i + k) % 4)::integer as mentions, null as country_code
        from base, range(6) r(k)
        """
    )
    con.execute(
        f"""
        insert into article_keywords by name
        select article_id, published_date, ({vocab})[pick(i * 101 + k, {nv})] as keyword,
            1.0 / (2 + k) as score
        from base, range(8) r(k)
        """
    )
    # Paragraphs: six of the article's own and two of its source's boilerplate.
    con.execute(
        """
        insert into pipeline.article_paragraphs by name
        select article_id, published_date, source,
            case when k < 6 then substr(md5(article_id || k), 1, 16)
                 else substr(md5(source || k), 1, 16) end as paragraph_hash,
            k >= 6 as removed
        from base, range(8) r(k)
        """
    )
    con.execute(
        """
        insert into pipeline.article_vectors by name
        select article_id, published_date, 'story-' || (i // 3) as story_id,
            [] :: varchar[] as entities,
            list_transform(
                range(256), lambda j: ((hash(i * 257 + j) % 2001)::float / 1000.0 - 1.0)
            ) as vector
        from base
        """
    )
    con.execute(
        """
        insert into runs by name
        select distinct run_id, 'ingest' as flow, fetched_at as started_at,
            fetched_at as finished_at,
            'completed' as status, 0 as fetched, 0 as new_articles, 0 as duplicates, 0 as rejected,
            null as recovered_by, published_date as started_date
        from articles
        """
    )
    # The search index, as every load keeps it (else the first writer would build it whole),
    # in term order, as maintenance keeps it.
    load_fts(con)
    create_macros(con)
    index_articles(con)
    sort_index(con, force=True)
    generated = time.perf_counter() - started
    # The lake: the same rows, hive-partitioned by date, as the pipeline's merges leave them.
    for table in (
        "articles",
        "article_topics",
        "article_entities",
        "article_keywords",
        "article_paragraphs",
        "article_vectors",
    ):
        con.execute(
            f"copy (select * from {TABLES[table].sql_name}) to '{root / 'lake' / table}' "
            "(format parquet, compression zstd, partition_by (published_date), overwrite_or_ignore)"
        )
        _rename_parts(root / "lake" / table, spec=TABLES[table])
    con.execute(
        f"copy runs to '{root / 'lake' / 'runs'}' "
        "(format parquet, compression zstd, partition_by (started_date))"
    )
    _rename_parts(root / "lake" / "runs", spec=TABLES["runs"])
    # The raw archive: one small page per article, tagged with the day's run id.
    con.execute(
        f"""
        copy (
            select raw_id, run_id, source, 'page' as kind, url, url as url_key, url as final_url,
                200 as status, 'text/html' as content_type, '{{}}' as headers,
                ('<html><body><h1>' || title || '</h1></body></html>')::blob as body,
                '{{}}' as feed_item, fetched_at, fetched_at::date as fetched_date
            from articles
        ) to '{root / "raw" / "raw_pages"}'
        (format parquet, compression zstd, partition_by (fetched_date))
        """
    )
    _rename_parts(
        root / "raw" / "raw_pages",
        lambda folder: (
            "synthetic-" + str(date.fromisoformat(folder.name.split("=")[1]) - timedelta(days=1))
        ),
        spec=RAW,
    )
    con.execute("checkpoint")
    con.close()
    return {
        "articles": articles,
        "days": days,
        "first_date": str(start),
        "seconds": round(time.perf_counter() - started, 1),
        "generate_seconds": round(generated, 1),
        "bytes": {
            "duckdb": (root / "newsetl.duckdb").stat().st_size,
            "lake": _size(root / "lake"),
            "raw": _size(root / "raw"),
        },
    }


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--end", type=date.fromisoformat, default=date.today())
    args = parser.parse_args()
    print(build(args.folder, args.articles, args.end))


if __name__ == "__main__":
    main()
