"""Key phrases per article: frequent words that are rare in the language, and the phrases they
make; score in (0, 1], 1 for the article's best phrase.

A word's weight is how often the article uses it times how rare it is in general use (minus the
log10 of its frequency in wordfreq's lists, which ship inside that package), nudged up when it
comes early. Candidates are runs of up to three content words between stop words and
punctuation (spaCy's stop-word list of the language); a one-word candidate scores its word's
weight, a longer one needs to occur at least twice and scores its count times the summed
per-occurrence weights of its words over the square root of its length (the mean favoured single
words, the sum long phrases, on the gold sets below). A word used mostly inside one phrase stands
for that phrase. A phrase inside a better one is left out. Each phrase is
shown in its most frequent spelling in the text ("Rosetta Stone", "AI").

On public news with gold key phrases this beats YAKE, which newsetl used before, at ten times
its speed and more (`make eval`, key phrase rows; README, Keywords).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

TOP = 10
MAX_WORDS_IN_PHRASE = 3
# Frequency of a word wordfreq has never seen: rarer than anything it lists.
UNSEEN = 1e-8
HELD = 0.8  # share of a word's uses inside one phrase for the phrase to stand in for it
EARLY_WEIGHT = 1.0  # a word first used at the start counts up to (1 + EARLY_WEIGHT) times

WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")
# Punctuation and dashes end a phrase as stop words do.
BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”«»„‹›—–|/\n\t]+|\s[-‐]\s")


@lru_cache(maxsize=16)
def _stop_words(language: str) -> frozenset[str]:
    import spacy.util

    try:
        words = spacy.util.get_lang_class(language).Defaults.stop_words
    except ImportError:  # a language spaCy has no module for
        words = spacy.util.get_lang_class("en").Defaults.stop_words
    return frozenset(w.lower().replace("’", "'") for w in words)


@lru_cache(maxsize=16)
def _frequencies(language: str) -> dict[str, float]:
    from wordfreq import get_frequency_dict

    try:
        return get_frequency_dict(language, wordlist="best")
    except LookupError:  # no list for this language: rarity is the same for every word
        return {}


Phrase = tuple[str, ...]  # lower-cased words


# Scripts written without spaces between words: their "words" here would be whole clauses,
# and no word segmenter for them is installed, so their articles get no keywords.
UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})


def extract_keywords(text: str, language: str | None) -> list[tuple[str, float]]:
    language = language or "en"
    if language in UNSPACED_LANGUAGES:
        return []
    runs = _content_runs(text, _stop_words(language))
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for position, word in enumerate(w for run in runs for w, _ in run):
        counts[word] += 1
        first.setdefault(word, position)
    if not counts:
        return []
    frequency = _frequencies(language)
    words = sum(counts.values())
    weight = {
        word: n
        * -math.log10(max(frequency.get(word, 0.0), UNSEEN))
        * (1.0 + EARLY_WEIGHT * (1.0 - first[word] / words))
        for word, n in counts.items()
    }
    phrases: Counter[Phrase] = Counter()
    spellings: dict[Phrase, Counter[str]] = {}
    for run in runs:
        for size in range(1, MAX_WORDS_IN_PHRASE + 1):
            for start in range(len(run) - size + 1):
                part = run[start : start + size]
                phrase = tuple(w for w, _ in part)
                phrases[phrase] += 1
                spellings.setdefault(phrase, Counter())[" ".join(s for _, s in part)] += 1
    # A word used mostly inside one phrase ("computing" in "cloud computing") stands for it.
    home: dict[str, Phrase] = {}
    for phrase, n in phrases.items():
        if len(phrase) > 1 and n >= 2:
            for word in phrase:
                if n >= HELD * counts[word] and (word not in home or n > phrases[home[word]]):
                    home[word] = phrase
    best_of: dict[Phrase, float] = {}
    for phrase, n in phrases.items():
        if len(phrase) == 1:
            score, phrase = weight[phrase[0]], home.get(phrase[0], phrase)
        elif n >= 2:
            score = n * sum(weight[w] / counts[w] for w in phrase) / math.sqrt(len(phrase))
        else:
            continue
        best_of[phrase] = max(score, best_of.get(phrase, 0.0))
    return _top(best_of, spellings)


def _content_runs(text: str, stop: frozenset[str]) -> list[list[tuple[str, str]]]:
    """Runs of content words between stop words and punctuation, as (lower case, as written)."""
    runs: list[list[tuple[str, str]]] = []
    for chunk in BREAK.split(text):
        run: list[tuple[str, str]] = []
        for match in WORD.finditer(chunk):
            written = match.group().replace("’", "'")
            word = written.lower()
            if len(word) >= 2 and word not in stop:
                run.append((word, written))
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
    return runs


def _top(
    scores: dict[Phrase, float], spellings: dict[Phrase, Counter[str]]
) -> list[tuple[str, float]]:
    """The best phrases, none inside another, in their most frequent spelling, scored by the
    best one."""
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    best = ranked[0][1]
    chosen: list[tuple[str, float]] = []
    taken: list[str] = []
    for phrase, score in ranked:
        joined = f" {' '.join(phrase)} "
        if any(joined in other or other in joined for other in taken):
            continue
        taken.append(joined)
        chosen.append((spellings[phrase].most_common(1)[0][0], round(score / best, 4)))
        if len(chosen) == TOP:
            break
    return chosen
