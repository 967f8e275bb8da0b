"""What each cleaning rule buys on real pages: `python -m benchmarks.clean_rules`.

Extracts the WCXB `dev` articles once (see benchmarks/realpages.py for the data folder; never the
held-out split), then cleans them with every rule on, and again with each rule switched off in
turn, and prints body shingle F1 / precision / recall (the metric of quality.md) for each. A rule
whose removal raises F1 does not pay for itself on real pages. Each page is cleaned as a batch of
its own (as a lone first article of a new source is), so recurrence learning is not measured here.
"""

from __future__ import annotations

import argparse
import copy
import pickle
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from benchmarks.realpages import LabelledPage, load
from benchmarks.scoring import text_scores


def _extract(page: LabelledPage):
    from newsetl.extract import extract_document
    from newsetl.records import FeedItem, RawPage

    url = "http://127.0.0.1:8000" + page.path
    raw = RawPage(
        "raw", "run", "site", url, url, url, 200, "text/html", "{}", page.html(), FeedItem(),
        datetime.now(UTC),
    )  # fmt: skip
    try:
        return extract_document(raw)
    except Exception:  # a page that breaks extraction is empty output for every variant
        return None


def _never(*args, **kwargs):
    return False


def variants(paragraphs: list[list[str]]) -> Iterator[tuple[str, Callable, set[int]]]:
    """(name, patch factory, pages the rule can touch) for every rule that can be switched off;
    `paragraphs` are the pages' normalised paragraphs. Pages the rule cannot touch keep the text
    they have with every rule on, so only the others are cleaned again."""
    from newsetl.clean import articles, rules

    def pages(test: Callable[[list[str]], bool]) -> set[int]:
        return {i for i, paras in enumerate(paragraphs) if test(paras)}

    def short(paras: list[str]) -> list[str]:
        return [p for p in paras if len(p.split()) <= rules.SHORT_WORDS]

    for index, pattern in enumerate(rules.LINE_PATTERNS):
        kept = [p for i, p in enumerate(rules.LINE_PATTERNS) if i != index]
        yield (
            f"line pattern {pattern.pattern[:50]}",
            _patch(rules, "LINE_PATTERNS", kept),
            pages(lambda paras, pattern=pattern: any(pattern.search(p) for p in short(paras))),
        )
    yield (
        "all line patterns",
        _patch(rules, "LINE_PATTERNS", []),
        pages(lambda paras: any(rules.is_boilerplate_line(p) for p in paras)),
    )
    yield (
        "trailing appeal paragraphs",
        _patch(rules, "is_appeal", _never),
        pages(lambda paras: any(rules.is_appeal(p) for p in paras)),
    )
    yield (
        "appeal block",
        _patch(rules, "appeal_start", lambda paragraphs: None),
        pages(lambda paras: any(rules.APPEAL_HEADING.search(p) for p in paras)),
    )
    yield (
        "paywall / cookie wall",
        _patch(rules, "wall_kind", lambda *a: None),
        pages(lambda paras: sum(len(p.split()) for p in paras) <= rules.WALL_MAX_WORDS + 50),
    )
    yield (
        "repeated paragraphs",
        _patch(articles, "DUPLICATE_MIN_WORDS", 10**6),
        pages(lambda paras: len({articles.paragraph_hash(p) for p in paras}) < len(paras)),
    )
    yield (
        "too short (MIN_WORDS)",
        _patch(articles, "MIN_WORDS", 0),
        pages(lambda paras: len(" ".join(paras).split()) < articles.MIN_WORDS + 50),
    )


def _patch(target, name, value):
    return lambda: mock.patch.object(target, name, value)


def clean_text(doc, no_captions: bool = False) -> str:
    from newsetl.clean import clean_documents
    from newsetl.extract import Document

    if not isinstance(doc, Document):
        return ""
    if no_captions:
        doc = copy.copy(doc)
        doc.captions = set()
    articles, _ = clean_documents([doc])
    return articles[0].text if articles else ""


def _line(name: str, result: dict, base: dict | None, touched: int) -> str:
    delta = result["f1"] - (base or result)["f1"]
    return (
        f"{name[:58]:58} {touched:4} pages  F1 {result['f1']:.4f} ({delta:+.4f})  "
        f"P {result['precision']:.4f}  R {result['recall']:.4f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="keep the extracted documents here (pickle)")
    args = parser.parse_args(argv)
    pages = load("dev").get("wcxb-dev", [])
    if not pages:
        print("no WCXB dev pages under the eval data folder (see benchmarks/realpages.py)")
        return
    if args.cache and args.cache.exists():
        docs = pickle.loads(args.cache.read_bytes())
    else:
        with ProcessPoolExecutor(2) as pool:
            docs = list(pool.map(_extract, pages, chunksize=8))
        if args.cache:
            args.cache.write_bytes(pickle.dumps(docs))
    from newsetl.clean.articles import normalize_text
    from newsetl.extract import Document

    paragraphs = [
        [normalize_text(p) for p in doc.paragraphs] if isinstance(doc, Document) else []
        for doc in docs
    ]
    golds = [page.body or "" for page in pages]
    texts = [clean_text(doc) for doc in docs]
    base = text_scores(list(zip(golds, texts)))
    print(_line("all rules on", base, None, len(pages)))
    captioned = {i for i, doc in enumerate(docs) if isinstance(doc, Document) and doc.captions}
    changed = list(texts)
    for i in captioned:
        changed[i] = clean_text(docs[i], no_captions=True)
    print(_line("off: captions", text_scores(list(zip(golds, changed))), base, len(captioned)))
    for name, patch, touched in variants(paragraphs):
        changed = list(texts)
        with patch():
            for i in touched:
                changed[i] = clean_text(docs[i])
        print(_line(f"off: {name}", text_scores(list(zip(golds, changed))), base, len(touched)))


if __name__ == "__main__":
    main()
