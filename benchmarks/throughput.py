"""Throughput of the stages on this machine: `make bench`.

Timings here are noisy, so each figure comes with a baseline measured in the same run:
extraction against trafilatura's plain `extract` on the same pages, and enrichment per word
against spaCy's NER alone. Writes benchmarks/results/throughput.json.
"""

from __future__ import annotations

import json
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
REPEAT = 3


def pages() -> list[tuple[str, bytes]]:
    files = sorted((ROOT / "benchmarks" / "corpus").glob("*/*.html")) + sorted(
        (ROOT / "examples" / "site").glob("*/2026/*/*/*.html")
    )
    return [(f"https://bench.example/{f.parent.name}/{f.name}", f.read_bytes()) for f in files]


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def main() -> None:
    import trafilatura

    from newsetl.clean import clean_documents
    from newsetl.config import Settings
    from newsetl.enrich import assign_story_ids, enrich_articles
    from newsetl.enrich.entities import load_model
    from newsetl.pipeline import Processed, extract_pages, to_tables, write_lake
    from newsetl.records import FeedItem, RawPage
    from newsetl.storage.warehouse import Warehouse

    corpus = pages() * REPEAT
    raw = [
        RawPage(
            f"r{i}",
            "bench",
            "bench",
            url,
            url,
            url,
            200,
            "text/html",
            "{}",
            body,
            FeedItem(),
            datetime.now(UTC),
        )
        for i, (url, body) in enumerate(corpus)
    ]

    baseline_s, _ = timed(lambda: [trafilatura.extract(body) for _, body in corpus])
    extract_s, (documents, _) = timed(extract_pages, raw)
    clean_s, (articles, _) = timed(clean_documents, documents)

    settings = Settings()
    load_model(settings.spacy_model)  # model loading is not throughput
    enrich_articles(articles[:2], spacy_model=settings.spacy_model)
    words = sum(a.word_count for a in articles)
    nlp = load_model(settings.spacy_model)
    ner_s, _ = timed(lambda: list(nlp.pipe([a.text for a in articles], batch_size=16)))
    enrich_s, _ = timed(enrich_articles, articles, spacy_model=settings.spacy_model)
    stories_s, _ = timed(assign_story_ids, articles, [], settings.story_window_days)

    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Warehouse(Path(tmp))
        unique = list({a.article_id: a for a in articles}.values())  # pages repeat REPEAT times
        tables = to_tables(Processed(articles=unique))
        write_s, _ = timed(write_lake, tables, warehouse)
        with warehouse.writer() as con:
            load_s, _ = timed(warehouse.load, con, tables)

    n = len(corpus)
    report = {
        "machine": {"python": platform.python_version(), "processor": platform.machine()},
        "pages": n,
        "articles": len(articles),
        "words": words,
        "extract": {
            "pages_per_s": round(n / extract_s, 1),
            "baseline_trafilatura_pages_per_s": round(n / baseline_s, 1),
            "ratio_to_baseline": round(baseline_s / extract_s, 3),
        },
        "clean": {"articles_per_s": round(len(articles) / clean_s, 1)},
        "enrich": {
            "articles_per_s": round(len(articles) / enrich_s, 1),
            "words_per_s": round(words / enrich_s),
            "baseline_spacy_ner_words_per_s": round(words / ner_s),
            "ratio_to_baseline": round(ner_s / enrich_s, 3),
        },
        "stories": {"articles_per_s": round(len(articles) / stories_s, 1)},
        "write_lake": {"articles_per_s": round(len(unique) / write_s, 1)},
        "load_duckdb": {"articles_per_s": round(len(unique) / load_s, 1)},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "throughput.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
