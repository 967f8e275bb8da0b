"""Language of an article (ISO 639-1), by py3langid, weighted by paragraph length.

Paragraph votes weighted by length keep a short caption or quote in another language from
flipping the article's language.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from newsetl.words import count_words


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


CONFIDENT = 0.99


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's main language, or None for text too short to tell."""
    identifier = _identifier()
    # Words as cleaning counts them: a Chinese or Japanese character is one (newsetl.words), so
    # a Chinese article is not "too short" for having no spaces.
    if count_words(text, spaced=True) >= 30:
        code, probability = identifier.classify(text)
        if probability >= CONFIDENT:  # the common case: one language throughout
            return code
    counted = [(p, count_words(p, spaced=True)) for p in text.split("\n\n")]
    paragraphs = [(p, n) for p, n in counted if n >= 4] or [(text, count_words(text, spaced=True))]
    votes: Counter[str] = Counter()
    for paragraph, words in paragraphs:
        code, probability = identifier.classify(paragraph)
        votes[code] += words * probability
    if not votes or sum(votes.values()) < 3:
        return None
    return votes.most_common(1)[0][0]


def likely_language(text: str) -> str | None:
    """The identifier's best guess, however unsure: for a headline or a teaser, too short for
    `detect_language` to vouch for, where a guess still beats no language at all; None only for
    text with no letters."""
    if not any(c.isalpha() for c in text):
        return None
    return _identifier().classify(text)[0]
