"""Cost of keeping the full-text index current, per load: `make bench`.

Two ways, measured on the same warehouse in the same run:
- ours: the load's own articles are (re)indexed into pipeline.search_postings, in the load's
  transaction (newsetl.storage.search.index_articles);
- the fts extension's index, which cannot be updated: `PRAGMA create_fts_index(..., overwrite=1)`
  over every article after each load.

Articles are the benchmark corpus and sample pages, extracted, and repeated under new ids to
reach each warehouse size (about 400 words each). A load is one batch of BATCH articles.
Writes benchmarks/results/search_index.json.
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SIZES = (1_000, 5_000, 20_000)
BATCH = 200


def texts() -> list[tuple[str, str]]:
    from newsetl.pipeline import extract_pages
    from newsetl.records import FeedItem, RawPage

    files = sorted((ROOT / "benchmarks" / "corpus").glob("*/*.html")) + sorted(
        (ROOT / "examples" / "site").glob("*/2026/*/*/*.html")
    )
    pages = [
        RawPage(
            raw_id=f"r{i}",
            run_id="bench",
            source="bench",
            url=f"https://bench.example/{i}.html",
            url_key=f"https://bench.example/{i}.html",
            final_url=f"https://bench.example/{i}.html",
            status=200,
            content_type="text/html",
            headers="{}",
            body=f.read_bytes(),
            item=FeedItem(),
            fetched_at=datetime.now(UTC),
        )
        for i, f in enumerate(files)
    ]
    documents, _ = extract_pages(pages)
    return [(d.title or "", "\n\n".join(d.paragraphs)) for d in documents if d.paragraphs]


def articles(corpus: list[tuple[str, str]], start: int, count: int) -> pa.Table:
    from newsetl.schema import TABLES

    rows = [
        {
            "article_id": f"a{i:07d}",
            "source": "bench",
            "title": corpus[i % len(corpus)][0],
            "text": corpus[i % len(corpus)][1],
        }
        for i in range(start, start + count)
    ]
    return TABLES["articles"].to_arrow(rows)


SEARCH = "select count(*) from search_articles('election OR market', max_rows := 20)"


def seconds(step) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def main() -> None:
    from newsetl.storage.search import index_articles, sort_index
    from newsetl.storage.warehouse import Warehouse

    corpus = texts()
    words = sum(len(t.split()) + len(h.split()) for h, t in corpus) / len(corpus)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Warehouse(Path(tmp))
        loaded = 0
        with store.writer() as con:
            for size in SIZES:
                while loaded < size - BATCH:  # fill up to one batch short of the size
                    count = min(5_000, size - BATCH - loaded)
                    store.load(con, {"articles": articles(corpus, loaded, count)})
                    loaded += count
                batch = articles(corpus, loaded, BATCH)
                started = time.perf_counter()
                store.load(con, {"articles": batch})  # includes our incremental indexing
                load_s = time.perf_counter() - started
                loaded += BATCH
                con.register("batch_ids", batch.select(["article_id"]))
                started = time.perf_counter()
                index_articles(con, "batch_ids")
                ours_s = time.perf_counter() - started
                con.unregister("batch_ids")
                rebuild_s = seconds(
                    lambda: con.execute(
                        r"pragma create_fts_index('articles', 'article_id', 'title', 'text', "
                        r"stemmer = 'porter', stopwords = 'english', "
                        r"ignore = '[^\p{L}\p{N}]+', overwrite = 1)"
                    )
                )
                query_s = seconds(lambda: con.execute(SEARCH).fetchall())
                # As maintenance does once loads appended a tenth of the postings.
                sort_s = seconds(lambda: sort_index(con, force=True))
                sorted_query_s = seconds(lambda: con.execute(SEARCH).fetchall())
                row = {
                    "articles_in_warehouse": loaded,
                    "batch": BATCH,
                    "load_with_incremental_index_s": round(load_s, 3),
                    "incremental_index_s": round(ours_s, 3),
                    "fts_extension_full_rebuild_s": round(rebuild_s, 3),
                    "search_query_s": round(query_s, 3),
                    "sort_index_s": round(sort_s, 3),
                    "search_query_sorted_s": round(sorted_query_s, 3),
                }
                results.append(row)
                print(
                    f"{loaded:>7} articles: load of {BATCH} {load_s:6.2f} s, of which "
                    f"incremental index {ours_s:5.2f} s; fts full rebuild {rebuild_s:6.2f} s; "
                    f"a search {query_s:5.3f} s; index sorted in {sort_s:5.2f} s, then a search "
                    f"{sorted_query_s:5.3f} s"
                )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "search_index.json"
    out.write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "words_per_article": round(words),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"results: {out}")


if __name__ == "__main__":
    main()
