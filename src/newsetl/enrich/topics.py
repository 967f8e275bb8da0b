"""IPTC Media Topics (17 top-level): a trained linear classifier, zero-shot for the rest.

A multinomial logistic regression over two kinds of features, trained on openly licensed labelled
news (training/topics/train.py; origin and licence in `data/topics.json`), weights shipped in
`data/topics.npz` (no download at run time):
- hashed word unigrams and bigrams (1 + log tf, L2-normalised), language-independent, so the
  French training articles teach French words too;
- the WordLlama embedding of the title and lead (English-centric).
For English articles (and Nigerian Pidgin, English-based, which the language identifier also
gives many short English headlines) a second linear model over the contextual embedding of the
title and first words (all-MiniLM-L6-v2 with its top four layers fine-tuned for the topics,
`contextual.py`; trained by training/topics/contextual.py and finetune.py) is pooled in: the two
models' tempered logits mixed with a weight fitted on out-of-fold predictions. Without
that model installed, or for other languages, the first model decides alone. A text too short
for the language to be detected is taken in its likely language (the identifier's best guess).
Scores are calibrated by a temperature fitted on held-out folds, so the best topic's score is an
estimate of the chance it is right.

Topics the training data lacks (education, labour, religion, weather, ...) come from the earlier
zero-shot method: the article's embedding against one-line topic descriptions. Two ways in:
- a share `ALPHA * z` of the probability mass (z: their zero-shot softmax score, ALPHA fitted so
  they do not take articles from the trained topics on out-of-fold predictions), the trained
  topics share the rest;
- a gate: when the zero-shot method's best topic is one the classifier was never trained on (or
  trained on too few articles: environment, disaster) and its zero-shot score is at least the
  fitted gate (see training/topics/train.py), the article takes the zero-shot scores instead.
The best topic is always kept; others within half of its score too (up to three).
"""

from __future__ import annotations

import json
import re
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np

from newsetl.enrich import contextual
from newsetl.enrich.embeddings import embed
from newsetl.schema import IPTC_TOPICS

METHOD = "linear-v4+minilm-ft-2+route-2"  # route-2: likely language, Pidgin read by the encoder
DATA = Path(__file__).parent / "data"
WEIGHTS = DATA / "topics.npz"
TEMPERATURE = 40.0  # zero-shot softmax sharpness
KEEP_RATIO = 0.5
MAX_TOPICS = 3
LEAD_WORDS = 350
FEATURE_WORDS = 600
BUCKETS = 1 << 16
TOKEN = re.compile(r"[^\W\d_]{2,}", re.UNICODE)

DESCRIPTIONS: dict[str, str] = {
    "medtop:01000000": (
        "arts culture entertainment media: film cinema movie actor director music concert album "
        "band singer festival theatre opera ballet museum exhibition gallery painting artist "
        "sculpture novel author book literature television series broadcaster celebrity fashion "
        "heritage"
    ),
    "medtop:02000000": (
        "crime law justice: police arrest suspect charged court trial judge jury verdict sentence "
        "prison convicted prosecutor lawyer fraud theft murder smuggling drugs investigation "
        "lawsuit"
    ),
    "medtop:03000000": (
        "disaster accident emergency: earthquake flood wildfire explosion crash collapse injured "
        "killed casualties rescue teams evacuated damage aftershocks survivors emergency services"
    ),
    "medtop:04000000": (
        "economy business finance: inflation interest rates central bank markets shares stocks "
        "investors profit revenue company earnings trade exports growth recession prices currency "
        "bonds"
    ),
    "medtop:05000000": (
        "education: school pupils students teachers university college classroom exams curriculum "
        "tuition degree lessons headteacher education ministry learning"
    ),
    "medtop:06000000": (
        "environment: climate change emissions pollution conservation wildlife species habitat "
        "biodiversity restoration ecosystem glacier forest river nature protection recycling "
        "carbon"
    ),
    "medtop:07000000": (
        "health: disease outbreak virus vaccine vaccination hospital patients doctors nurses "
        "medicine illness infection cases epidemic treatment public health"
    ),
    "medtop:08000000": (
        "human interest: people community charity volunteers anniversary celebration heartwarming "
        "personal story animals pets centenarian reunion"
    ),
    "medtop:09000000": (
        "labour: workers trade union strike walkout wages pay dispute employment jobs "
        "unemployment working conditions collective bargaining dockworkers staff industrial "
        "action"
    ),
    "medtop:10000000": (
        "lifestyle leisure: travel tourism holiday food restaurant recipe cooking wine hobby "
        "gardening shopping home design wellbeing fitness"
    ),
    "medtop:11000000": (
        "politics: government minister parliament election vote party president prime minister "
        "legislation law bill opposition policy coalition cabinet diplomacy treaty"
    ),
    "medtop:12000000": (
        "religion: church pope bishop mosque imam temple faith worship believers clergy religious "
        "holy prayer pilgrimage"
    ),
    "medtop:13000000": (
        "science technology: research scientists study laboratory experiment discovery innovation "
        "engineering satellite space launch rocket battery software artificial intelligence"
    ),
    "medtop:14000000": (
        "society: social issues housing poverty inequality migration immigrants refugees families "
        "welfare discrimination demographics communities rights"
    ),
    "medtop:15000000": (
        "sport: match game goal score win defeat coach team players league cup final championship "
        "tournament season stadium fans race athlete football ski"
    ),
    "medtop:16000000": (
        "conflict war peace: military army troops soldiers defence forces attack missile drone "
        "strike invasion ceasefire weapons combat frontline armed"
    ),
    "medtop:17000000": (
        "weather: forecast storm snow rain wind temperatures cold front heatwave frost "
        "meteorologist weather service warning gusts snowfall"
    ),
}


# -- features (shared with training/topics/train.py: change them and retrain) ---------------------


def tokens(text: str) -> list[str]:
    """Lower-cased letter runs of two or more letters, first FEATURE_WORDS of them."""
    return TOKEN.findall(text.lower())[:FEATURE_WORDS]


def hashed_features(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(bucket indices, values) of a text's unigrams and bigrams: 1 + log tf, L2-normalised."""
    words = tokens(text)
    grams = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
    if not grams:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    buckets = np.fromiter(
        (zlib.crc32(g.encode("utf-8")) & (BUCKETS - 1) for g in grams),
        dtype=np.int64,
        count=len(grams),
    )
    index, counts = np.unique(buckets, return_counts=True)
    values = (1.0 + np.log(counts)).astype(np.float32)
    return index, values / np.linalg.norm(values)


def lead(text: str) -> str:
    return " ".join(text.split()[:LEAD_WORDS])


# -- model ----------------------------------------------------------------------------------------


def load_model(path: Path) -> dict:
    with np.load(path) as data:
        model = {name: data[name] for name in data.files}
    model["classes"] = [str(c) for c in model["classes"]]
    model["hashed"] = model["hashed"].astype(np.float32)
    return model


@lru_cache(maxsize=1)
def _model() -> dict:
    return load_model(WEIGHTS)


@lru_cache(maxsize=1)
def model_info() -> dict:
    """What the shipped weights were trained on, with their held-out figures."""
    return json.loads((DATA / "topics.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _topic_matrix() -> np.ndarray:
    return embed([DESCRIPTIONS[code] for code in IPTC_TOPICS])


def zero_shot_scores(vectors: np.ndarray) -> np.ndarray:
    """Softmax over the 17 topics of article-vs-description cosine (rows: articles)."""
    similarity = vectors @ _topic_matrix().T
    weights = np.exp((similarity - similarity.max(axis=1, keepdims=True)) * TEMPERATURE)
    return weights / weights.sum(axis=1, keepdims=True)


def linear_logits(texts: list[str], vectors: np.ndarray, model: dict) -> np.ndarray:
    logits = vectors @ model["dense"] * float(model["dense_scale"]) + model["bias"]
    for row, text in enumerate(texts):
        index, values = hashed_features(text)
        if len(index):
            logits[row] += values @ model["hashed"][index]
    return logits


def softmax(logits: np.ndarray) -> np.ndarray:
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    return weights / weights.sum(axis=1, keepdims=True)


def combine(
    trained: np.ndarray,
    zero: np.ndarray,
    columns: list[int],
    alpha: float,
    gate: float,
    gated: list[int] | None = None,
) -> np.ndarray:
    """Scores over the 17 topics from the trained classes' probabilities and zero-shot scores.

    `columns`: the IPTC_TOPICS index of each trained class. Untrained topics get `alpha` times
    their zero-shot score and the trained ones the rest; rows whose zero-shot best topic is in
    `gated` (default: the untrained topics) with a score >= `gate` take the zero-shot scores.
    """
    others = [i for i in range(zero.shape[1]) if i not in columns]
    scores = np.zeros_like(zero, dtype=np.float64)
    scores[:, others] = alpha * zero[:, others]
    scores[:, columns] = (1.0 - scores.sum(axis=1, keepdims=True)) * trained
    opened = gate_opens(zero, others if gated is None else gated, gate)
    scores[opened] = zero[opened]
    return scores


def gate_opens(zero: np.ndarray, gated: list[int], gate: float) -> np.ndarray:
    """Rows whose zero-shot best topic is one of `gated` with a score of at least `gate`."""
    return np.isin(zero.argmax(axis=1), gated) & (zero.max(axis=1) >= gate)


ENCODER_LANGUAGES = {"en", "pcm"}  # pcm: on MasakhaNEWS pcm dev, 0.934 top-1 without, 0.961 with


def contextual_rows(linear: np.ndarray, languages: list[str | None], model: dict) -> np.ndarray:
    """The rows the contextual model is pooled into: English (or Pidgin) texts on which the linear
    model alone is less sure than `contextual_skip_above` (its best class's probability); the others
    keep the linear model's answer and spare the encoder (the threshold is fitted so that
    skipping costs no out-of-fold top-1, see training/topics/contextual.py)."""
    if "contextual" not in model:
        return np.zeros(len(languages), dtype=bool)
    english = np.array([lang in ENCODER_LANGUAGES for lang in languages], dtype=bool)
    skip_above = float(model.get("contextual_skip_above", 1.0))
    sure = softmax(linear / float(model["temperature"])).max(axis=1) >= skip_above
    return english & ~sure


def pooled_logits(
    texts: list[str], linear: np.ndarray, languages: list[str | None], model: dict
) -> np.ndarray:
    """Tempered logits of the trained classes: the linear model's, with the contextual model's
    pooled in on `contextual_rows` (when the encoder is installed)."""
    logits = linear / float(model["temperature"])
    rows = np.nonzero(contextual_rows(linear, languages, model))[0]
    vectors = contextual.encode([texts[i] for i in rows]) if len(rows) else None
    if vectors is not None:
        context = vectors @ model["contextual"] + model["contextual_bias"]
        weight = float(model["contextual_weight"])
        mixed = (1.0 - weight) * logits[rows] + weight * context
        logits[rows] = mixed / float(model["pooled_temperature"])
    return logits


def topic_probabilities(
    texts: list[str], model: dict | None = None, languages: list[str | None] | None = None
) -> np.ndarray:
    """Calibrated scores over the 17 IPTC topics (columns in IPTC_TOPICS order); rows sum to 1.

    `model`: weights as `load_model` returns them (default: the shipped ones). `languages`: each
    text's language (default: detected here; for a text too short to detect, its likely
    language); the contextual model is pooled in for English.
    """
    model = model or _model()
    from newsetl.enrich.language import detect_language, likely_language

    if languages is None:
        languages = [detect_language(t) for t in texts]
    # a short item has no detected language; its likely one decides whether the encoder reads it
    languages = [lang or likely_language(t) for t, lang in zip(texts, languages)]
    vectors = embed([lead(t) for t in texts])
    linear = linear_logits(texts, vectors, model)
    trained = softmax(pooled_logits(texts, linear, languages, model))
    codes = list(IPTC_TOPICS)
    columns = [codes.index(c) for c in model["classes"]]
    gate = float(model["gate"]) if "gate" in model else 2.0
    gated = [codes.index(str(c)) for c in model["gated"]] if "gated" in model else None
    return combine(trained, zero_shot_scores(vectors), columns, float(model["alpha"]), gate, gated)


def choose(scores: np.ndarray) -> list[tuple[str, float]]:
    codes = list(IPTC_TOPICS)
    order = np.argsort(-scores)
    best = scores[order[0]]
    return [
        (codes[i], round(float(scores[i]), 4))
        for i in order[:MAX_TOPICS]
        if scores[i] >= best * KEEP_RATIO
    ]


def classify_topics(
    texts: list[str], languages: list[str | None] | None = None
) -> list[list[tuple[str, float]]]:
    """For each text, (topic code, score) pairs, best first; scores are calibrated probabilities.
    `languages`: each text's language, when known (else detected)."""
    if not texts:
        return []
    return [choose(row) for row in topic_probabilities(texts, languages=languages)]


def classify_zero_shot(texts: list[str]) -> list[list[tuple[str, float]]]:
    """The naive baseline: article vs one-line descriptions only (kept for evaluation)."""
    if not texts:
        return []
    return [choose(row) for row in zero_shot_scores(embed([lead(t) for t in texts]))]
