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
"""

from __future__ import annotations

import sys
import time

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


def main(variant: str) -> None:
    started = time.perf_counter()
    held = T.held_out_sets()
    sources = T.drop_overlaps(T.training_sources(), held)
    docs = [doc for group in sources.values() for doc in group]
    raw = np.array([T.SOURCE_WEIGHT.get(n, 1.0) for n, group in sources.items() for _ in group])
    classes = sorted({c for _, c in docs})
    y = np.array([classes.index(c) for _, c in docs])
    columns = [CODES.index(c) for c in classes]
    shipped = topics.load_model(topics.WEIGHTS)
    gate, gated = float(shipped["gate"]), [CODES.index(str(c)) for c in shipped["gated"]]
    alpha = float(shipped["alpha"])
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


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "lead")
