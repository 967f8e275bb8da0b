"""Key phrases by YAKE (unsupervised, per document); score in (0, 1], higher is more central."""

from __future__ import annotations

from functools import lru_cache

TOP = 10


@lru_cache(maxsize=8)
def _extractor(language: str):
    import yake

    return yake.KeywordExtractor(lan=language, n=3, top=TOP, dedupLim=0.8)


def extract_keywords(text: str, language: str | None) -> list[tuple[str, float]]:
    try:
        pairs = _extractor(language or "en").extract_keywords(text)
    except (OSError, ValueError):  # a language YAKE has no stop words for
        pairs = _extractor("en").extract_keywords(text)
    # YAKE scores are lower for better phrases, unbounded above.
    return [(phrase, round(1.0 / (1.0 + float(score)), 4)) for phrase, score in pairs]
