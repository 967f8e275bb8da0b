"""Tone in -1..1: VADER's compound score, averaged over paragraphs (English only).

Averaging paragraphs keeps a long article from saturating at +-1 as whole-text VADER does.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def tone(text: str, language: str | None) -> float | None:
    if language not in (None, "en"):
        return None
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if not paragraphs:
        return None
    scores = [_analyzer().polarity_scores(p)["compound"] for p in paragraphs]
    return round(sum(scores) / len(scores), 4)
