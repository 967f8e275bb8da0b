"""Each stage on its own, in this process: articles/s, MB/s and peak memory, with the plain
libraries (trafilatura's `extract`, spaCy's tok2vec + ner) timed on the same pages in the same
run. Used by benchmarks/throughput.py."""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.eval_enrich import BASELINE_MODEL
from benchmarks.measure import stage_row, timed, watch


def acquire_stages(sources_file: Path, run_id: str = "bench") -> tuple[list[dict], list]:
    """Discover then fetch every source of a sources file (no politeness pause, nothing seen
    before); returns the stage rows and the fetched raw pages."""
    from newsetl.config import Settings
    from newsetl.discover import discover
    from newsetl.fetch.pages import fetch_pages
    from newsetl.sources import load_sources
    from newsetl.transport import Fetcher

    settings = Settings(host_delay=0.0)
    config = load_sources(sources_file)
    fetcher = Fetcher(settings)
    with watch() as d:
        found = [(s, discover(s, fetcher)) for s in config.sources]
    candidates = sum(len(f.candidates) for _, f in found)
    feed_bytes = sum(
        len(doc.body or b"")
        for _, f in found
        for doc in getattr(f, "documents", [])
        if hasattr(doc, "body")
    )
    pages: list = []

    def keep(held):
        pages.extend(p for p in held if p.kind == "page")
        return []

    with watch() as fetched:
        for source, f in found:
            result = fetch_pages(
                source,
                f.candidates,
                fetcher,
                run_id,
                set(),
                workers=settings.host_concurrency * 2,
                sink=keep,
            )
            result.flush(keep)
    body_bytes = sum(len(p.body) for p in pages)
    return [
        stage_row("discover", d, candidates, feed_bytes or None, note="feeds parsed, candidates"),
        stage_row("fetch", fetched, len(pages), body_bytes, note="127.0.0.1, no pause"),
    ], pages


def archive_stage(pages: list) -> dict:
    from newsetl.storage.raw import write_raw

    with tempfile.TemporaryDirectory() as tmp:
        m = timed(write_raw, pages, Path(tmp) / "raw")
    return stage_row("archive (raw write)", m, len(pages), sum(len(p.body) for p in pages))


def processing_stages(pages: list, label: str, workers_check: bool = False) -> dict:
    """Extract -> clean -> enrich (each part) -> stories -> lake -> DuckDB on `pages`, with the
    baselines on the same pages; returns rows and the ratios."""
    import trafilatura

    from newsetl.config import Settings
    from newsetl.enrich import (
        assign_story_ids,
        enrich_articles,
        entities,
        keywords,
        language,
        sentiment,
        topics,
    )
    from newsetl.enrich import stories as stories_module
    from newsetl.enrich.embeddings import embed
    from newsetl.pipeline import Processed, enrich_batch, extract_each, extract_pages, to_tables
    from newsetl.storage.warehouse import Warehouse

    settings = Settings()
    enrich_work = functools.partial(enrich_batch, spacy_model=settings.spacy_model)
    nbytes = sum(len(p.body) for p in pages)
    rows: list[dict] = []
    out: dict = {"corpus": label, "pages": len(pages), "mb": round(nbytes / 2**20, 2)}

    # Baseline 1: trafilatura's extract alone, same pages, one process.
    base_extract = timed(lambda: [trafilatura.extract(p.body) for p in pages])
    ex = timed(extract_pages, pages)
    documents, rejects = ex.result
    rows.append(stage_row("extract", ex, len(pages), nbytes, rejects=len(rejects)))

    from newsetl.clean import clean_documents
    from newsetl.pipeline import drop_batch_duplicates

    docs, _ = drop_batch_duplicates(documents)
    cl = timed(clean_documents, docs, {}, None)
    articles, _ = cl.result
    text_bytes = sum(len(a.text.encode()) for a in articles)
    words = sum(a.word_count or 0 for a in articles)
    rows.append(stage_row("clean", cl, len(docs), None))
    out.update(articles=len(articles), words=words)

    # Models load once per process: fixed cost, not throughput.
    loaded = timed(
        lambda: (
            entities.load_model(settings.spacy_model),
            embed(["warm up"]),
            language.detect_language("warm up text for the language model"),
            topics.classify_topics(["warm up"], ["en"]),
            keywords.extract_keywords("warm up text", "en"),
            sentiment.tone("warm up", "en"),
        )
    )
    out["model_load_s"] = round(loaded.seconds, 2)

    texts = [a.text for a in articles]
    languages = [language.detect_language(t) for t in texts]  # timed below as its own part
    # Baseline 2: spaCy's small English NER alone (tok2vec + ner, nlp.pipe), same texts, one
    # process: the library the issue measures against, not the model newsetl runs.
    nlp = entities.load_model(BASELINE_MODEL)
    base_ner = timed(lambda: list(nlp.pipe(texts, batch_size=16)))

    parts = {
        "enrich: language": lambda: [language.detect_language(t) for t in texts],
        "enrich: NER": lambda: entities.extract_entities(texts, settings.spacy_model),
        "enrich: topics": lambda: topics.classify_topics(
            [f"{a.title}\n\n{a.text}" for a in articles], languages
        ),
        "enrich: keywords": lambda: [keywords.extract_keywords(t, "en") for t in texts],
        "enrich: tone": lambda: [sentiment.tone(t, "en") for t in texts],
        "enrich: vectors": lambda: embed(
            [stories_module.lead_text(a.title, a.text) for a in articles]
        ),
    }
    for name, fn in parts.items():
        rows.append(stage_row(name, timed(fn), len(articles), text_bytes))
    en = timed(enrich_articles, articles, spacy_model=settings.spacy_model)
    rows.append(stage_row("enrich (all but stories)", en, len(articles), text_bytes))
    st = timed(assign_story_ids, articles, [], settings.story_window_days)
    rows.append(stage_row("enrich: stories", st, len(articles), text_bytes))

    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Warehouse(Path(tmp))
        tables = to_tables(Processed(articles=articles))
        table_bytes = sum(t.nbytes for t in tables.values())
        lake = timed(_write_lake, tables, warehouse)
        rows.append(stage_row("lake write", lake, len(articles), table_bytes))
        load = timed(_load, tables, warehouse)
        rows.append(stage_row("DuckDB load", load, len(articles), table_bytes))

    ours = sum(r["seconds"] for r in rows if not r["stage"].startswith("enrich: ")) + st.seconds
    out["rows"] = rows
    out["baselines"] = [
        stage_row("baseline: trafilatura extract alone", base_extract, len(pages), nbytes),
        stage_row("baseline: spaCy NER alone (tok2vec+ner)", base_ner, len(articles), text_bytes),
    ]
    both = base_extract.seconds + base_ner.seconds
    out["ratios"] = {
        "extract_vs_trafilatura": round(base_extract.seconds / ex.seconds, 3),
        "ner_vs_spacy_alone": round(base_ner.seconds / _seconds(rows, "enrich: NER"), 3),
        "enrich_vs_spacy_ner_alone": round(base_ner.seconds / en.seconds, 3),
        "stages_one_process_vs_trafilatura_plus_ner": round(both / ours, 3),
        "trafilatura_plus_ner_articles_per_s": round(len(pages) / both, 1),
    }
    if workers_check:
        out["workers"] = enrich_workers(articles, settings)
        out["dask_workers"] = dask_workers(
            [("extract", extract_each, pages), ("enrich", enrich_work, articles)], settings
        )
    return out


def _seconds(rows: list[dict], stage: str) -> float:
    return next(r["seconds"] for r in rows if r["stage"] == stage)


def _write_lake(tables, warehouse):
    from newsetl.pipeline import write_lake

    return write_lake(tables, warehouse)


def _load(tables, warehouse):
    with warehouse.writer() as con:
        return warehouse.load(con, tables)


def enrich_workers(articles: list, settings) -> dict:
    """Extraction and enrichment on 1 and 2 workers the way the flow spreads them: chunks over
    worker processes (newsetl.parallel) when it exists, else chunks over threads."""
    from newsetl.enrich import enrich_articles

    try:
        from newsetl import parallel
        from newsetl.pipeline import enrich_batch
    except ImportError:
        parallel = None
    result = {}
    for workers in (1, 2):
        if parallel is not None:
            chunks = parallel.chunks_for(articles, workers, settings.chunk_size)
            work = functools.partial(enrich_batch, spacy_model=settings.spacy_model)
            if workers > 1:  # start and warm the pool outside the timing: once per run
                parallel.pool(workers, settings.spacy_model)
                parallel.map_chunks(work, [articles[:2]] * workers, workers, settings.spacy_model)
            with watch() as m:
                parallel.map_chunks(work, chunks, workers, settings.spacy_model)
            how = "processes (newsetl.parallel)"
        else:
            size = max(1, len(articles) // 4)
            chunks = [articles[i : i + size] for i in range(0, len(articles), size)]
            with watch() as m, ThreadPoolExecutor(max_workers=workers) as pool:
                list(
                    pool.map(lambda c: enrich_articles(c, spacy_model=settings.spacy_model), chunks)
                )
            how = "threads (ThreadPoolTaskRunner, as flows/tasks.py)"
        result[f"{workers}_workers_articles_per_s"] = round(len(articles) / m.seconds, 1)
        result[f"{workers}_workers_s"] = round(m.seconds, 2)
    result["speedup_2_vs_1"] = round(result["1_workers_s"] / result["2_workers_s"], 3)
    result["how"] = how
    if parallel is not None:
        parallel.shutdown()
    return result


# 1 and 2 workers alternate (1, 2, 2, 1): on a shared machine a load that rises or falls
# during the check weighs on both alike.
DASK_ORDER = (1, 2, 2, 1)


def dask_workers(
    stages: list[tuple[str, Callable[[list], list], list]],
    settings,
    order: tuple[int, ...] = DASK_ORDER,
) -> dict:
    """Each (name, chunk function, items) stage on a local Dask cluster (distributed's
    LocalCluster: worker processes, one thread each) of 1 and of 2 workers, the items dealt to
    chunks as the flow's Dask runner deals them (newsetl.parallel.dealt_chunks), the chunks
    sent from here and the results gathered back (the pickling counts, as in a run); every
    worker imports the libraries and loads the models before the timing (once per worker, as
    in a run whose cluster starts while it fetches)."""
    import warnings

    from distributed import Client, LocalCluster

    from newsetl import parallel

    seconds: dict[int, dict[str, list[float]]] = {}
    load_at_start = os.getloadavg()
    for workers in order:
        with (
            warnings.catch_warnings(),
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            warnings.simplefilter("ignore", UserWarning)  # "Sending large graph": the pages
            client.run(parallel.warm_worker, settings.spacy_model)
            for name, function, items in stages:
                dealt = parallel.dealt_chunks(items, workers, settings.chunk_size)
                with watch() as m:
                    results = client.gather(client.map(function, dealt, pure=False))
                parallel.undeal(results, dealt)  # one result per item, or it fails here
                seconds.setdefault(workers, {}).setdefault(name, []).append(m.seconds)
    out = scaling(seconds, {name: len(items) for name, _, items in stages})
    out["how"] = "local Dask cluster (distributed.LocalCluster, processes, 1 thread each)"
    out["order"] = list(order)
    out["load_average"] = {"start": load_at_start, "end": os.getloadavg()}
    return out


def scaling(seconds: dict[int, dict[str, list[float]]], items: dict[str, int]) -> dict:
    """Items/s on 1 and 2 workers per stage and for all the stages together (their mean times
    added, per item of the first stage), with the 2-vs-1 speed-up; `seconds` holds each
    stage's times per worker count."""
    out: dict = {}
    together = "+".join(items)
    names = list(items) + ([together] if len(items) > 1 else [])
    for name in names:
        row: dict = {"items": items[next(iter(items))] if name == together else items[name]}
        for workers in (1, 2):
            times = seconds[workers]
            mean = (
                sum(sum(t) / len(t) for t in times.values())
                if name == together
                else sum(times[name]) / len(times[name])
            )
            row[f"{workers}_workers_s"] = round(mean, 2)
            row[f"{workers}_workers_per_s"] = round(row["items"] / mean, 1)
        row["speedup_2_vs_1"] = round(row["1_workers_s"] / row["2_workers_s"], 3)
        out[name] = row
    return out
