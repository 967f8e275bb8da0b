"""Does a stage gain from more words? Each cheap-to-cut stage on full texts against the same
stage on the first N words, on real pages (WCXB dev articles) and the generated corpus: how much
of the full-text answer the cut one keeps, and how much faster it is.

    python -m benchmarks.cut_lengths [--pages 200]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime

from benchmarks import corpus_gen
from benchmarks.measure import real_pages

CUTS = (150, 300, 600, 1000)


def articles_of(bodies: list[tuple[str, bytes]]):
    from newsetl.clean import clean_documents
    from newsetl.pipeline import extract_pages
    from newsetl.records import FeedItem, RawPage

    pages = [
        RawPage(
            f"r{i}",
            "cut",
            name,
            f"https://cut.example/{name}",
            f"https://cut.example/{name}",
            f"https://cut.example/{name}",
            200,
            "text/html",
            "{}",
            body,
            FeedItem(),
            datetime.now(UTC),
        )
        for i, (name, body) in enumerate(bodies)
    ]
    documents, _ = extract_pages(pages)
    articles, _ = clean_documents(documents, {}, None)
    return articles


def lead(text: str, words: int) -> str:
    """The first `words` words, whole paragraphs kept where they fit."""
    out, count = [], 0
    for paragraph in text.split("\n\n"):
        n = len(paragraph.split())
        if count + n > words:
            if not out:
                out.append(" ".join(paragraph.split()[:words]))
            break
        out.append(paragraph)
        count += n
    return "\n\n".join(out)


def compare(articles) -> dict:
    from newsetl.config import Settings
    from newsetl.enrich import entities, keywords, sentiment

    model = Settings().spacy_model
    texts = [a.text for a in articles]
    out = {
        "articles": len(texts),
        "words_mean": round(sum(len(t.split()) for t in texts) / len(texts)),
    }
    started = time.perf_counter()
    full_kw = [{k for k, _ in keywords.extract_keywords(t, "en")} for t in texts]
    full_kw_s = time.perf_counter() - started
    started = time.perf_counter()
    full_ents = [
        {(e.entity, e.label) for e in ents} for ents in entities.extract_entities(texts, model)
    ]
    full_ner_s = time.perf_counter() - started
    full_tone = [sentiment.tone(t, "en") for t in texts]
    for cut in CUTS:
        cut_texts = [lead(t, cut) for t in texts]
        started = time.perf_counter()
        kw = [{k for k, _ in keywords.extract_keywords(t, "en")} for t in cut_texts]
        kw_s = time.perf_counter() - started
        started = time.perf_counter()
        ents = [
            {(e.entity, e.label) for e in es} for es in entities.extract_entities(cut_texts, model)
        ]
        ner_s = time.perf_counter() - started
        tone = [sentiment.tone(t, "en") for t in cut_texts]
        out[f"lead_{cut}"] = {
            "keywords_top10_kept": round(
                sum(len(a & b) for a, b in zip(full_kw, kw)) / max(1, sum(len(a) for a in full_kw)),
                3,
            ),
            "keywords_speedup": round(full_kw_s / kw_s, 2),
            "entities_kept": round(
                sum(len(a & b) for a, b in zip(full_ents, ents))
                / max(1, sum(len(a) for a in full_ents)),
                3,
            ),
            "ner_speedup": round(full_ner_s / ner_s, 2),
            "tone_mean_abs_change": round(
                sum(abs((a or 0) - (b or 0)) for a, b in zip(full_tone, tone)) / len(texts), 4
            ),
            "texts_cut": sum(1 for a, b in zip(texts, cut_texts) if len(a) != len(b)),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    report = {}
    real = real_pages(args.pages)
    if real:
        report["real (WCXB dev articles)"] = compare(articles_of(real))
    generated = corpus_gen.generate(args.pages, seed=5)
    report["generated"] = compare(articles_of([(p.slug, p.html.encode()) for p in generated]))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
