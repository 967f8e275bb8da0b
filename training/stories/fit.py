"""Fit the story matcher's pair model and merge threshold.

Writes src/newsetl/enrich/data/stories.json.

Data: ECB+ 1.0 topics 1-20 only (the `fit` split of benchmarks/eval_stories.py; topics 21-35
are for checking, 36-45 are the acceptance set and are never read). ECB+ is by Cybulska and
Vossen (2014), CC BY 3.0, from the public GitHub repository tommasoc80/EventStoryLine, folder
`ECB+_LREC2014/ECB+/`; put it under `$NEWSETL_EVAL_DATA/ecbplus/ECB+/`. Only the fitted numbers
ship in the package, no ECB+ text.

1. Every document of the fit split gets the same date (the hard case) and its title+lead
   embedding, as in the pipeline.
2. Candidate pairs from blocking (the shipped blocking settings below); label = same
   sub-topic. Pair features as `stories.Pairs.features`.
3. L2-regularised logistic regression on the candidate pairs (Newton's method, numpy only).
   Pair features include TF-IDF cosines whose document frequencies add the background table
   of training/stories/background.py (build it first), and conflicts: main places or actors
   absent from the other article, numbers of the lead not shared.
4. Merge threshold and cohesion share (see `stories.average_link`), searched on a grid, each
   setting scored three ways on the fit split: as one batch; as scheduled runs see the data
   (runs of RUN_SIZE documents in a fixed random order, each seeing the earlier ones as known
   stories); as lone batches of RUN_SIZE with no history (a new warehouse). Kept: the best
   mean F1 of the three among settings with precision >= MIN_PRECISION in one batch and in
   runs, and >= MIN_PRECISION_LONE in lone batches.

    NEWSETL_EVAL_DATA=/work/eval-data .venv/bin/python -m training.stories.fit
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from benchmarks.eval_stories import (
    RUN_SIZE,
    SPLITS,
    chunk_scores,
    load,
    members,
    ner_entities,
    scores,
)
from newsetl.enrich import stories

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "src" / "newsetl" / "enrich" / "data" / "stories.json"
FEATURES = (
    "text",
    "lead",
    "title",
    "embedding",
    "names",
    "numbers",
    "missing",
    "places",
    "actors",
    "lead_numbers",
    "number_conflict",
)
SEED = 7  # document order of the runs, as benchmarks/eval_stories.py
BLOCKING = {"block_keys": 15, "block_max_df": 0.05, "block_min_df": 30}
L2 = 1.0
MIN_PRECISION = 0.85  # one batch and runs (the 0.80 asked, with a margin)
MIN_PRECISION_LONE = 0.80  # lone small batches: few same-story pairs, a noisy figure


def logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression (bias not penalised)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        gradient = design.T @ (p - y) + penalty * w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def chunks(n: int) -> list[list[int]]:
    order = [int(x) for x in np.random.default_rng(SEED).permutation(n)]
    return [order[k : k + RUN_SIZE] for k in range(0, n, RUN_SIZE)]


def prepare(batch: list, model: stories.Model):
    """Candidate pairs and probabilities of the three settings; they do not depend on the
    threshold, so the grid search only replays the clustering."""
    whole = stories.story_edges(batch, 3, model)
    lone = []
    for part in chunks(len(batch)):
        lone.append((part, stories.story_edges([batch[x] for x in part], 3, model)))
    runs_ = []
    done: list[int] = []
    for part in chunks(len(batch)):
        runs_.append(
            (part, list(done), stories.story_edges([batch[x] for x in part + done], 3, model))
        )
        done += part
    return whole, lone, runs_


def replay_runs(batch: list, runs_, threshold: float, cohesion: float) -> list[str]:
    """`stories.assign_stories` run after run, on the prepared probabilities."""
    ids: dict[int, str] = {}
    for part, done, edges in runs_:
        fixed = {len(part) + x: ids[d] for x, d in enumerate(done)}
        labels = stories.average_link(len(part) + len(done), edges, threshold, fixed, cohesion)
        fresh = [stories.StoryMember(**{**batch[x].__dict__, "story_id": None}) for x in part]
        stories.name_stories(fresh, labels, fixed)
        ids.update({x: m.story_id for x, m in zip(part, fresh)})
    return [ids[x] for x in range(len(batch))]


def replay_lone(truth: list[str], lone, threshold: float, cohesion: float) -> dict:
    return chunk_scores(
        (
            (part, stories.average_link(len(part), edges, threshold, cohesion=cohesion))
            for part, edges in lone
        ),
        truth,
    )


def main() -> int:
    docs = load(SPLITS["fit"])
    if not docs:
        print("no ECB+ fit topics found (see the docstring)")
        return 1
    truth = [d["story"] for d in docs]
    batch = members(docs, entities=ner_entities(docs))
    draft = stories.Model(
        features=FEATURES,
        weights=np.zeros(len(FEATURES)),
        bias=0.0,
        threshold=0.5,
        cohesion=0.0,
        **BLOCKING,
    )
    pairs = stories.Pairs(batch, draft)
    candidates = pairs.candidates(window_days=3)
    x = pairs.matrix(candidates)
    y = np.array([truth[i] == truth[j] for i, j in candidates], dtype=np.float64)
    weights, bias = logistic(x, y)
    model = stories.Model(
        features=FEATURES, weights=weights, bias=bias, threshold=0.5, cohesion=0.0, **BLOCKING
    )
    whole, lone, runs_ = prepare(batch, model)
    best = None
    # Highest threshold and cohesion first, so ties go to the more careful setting.
    for cohesion in np.arange(0.95, 0.349, -0.05):
        for threshold in np.arange(0.95, 0.049, -0.05):
            t, c = round(float(threshold), 3), round(float(cohesion), 3)
            settings = {
                "one_batch": scores(truth, stories.average_link(len(batch), whole, t, cohesion=c)),
                "runs": scores(truth, replay_runs(batch, runs_, t, c)),
                "lone_batches": replay_lone(truth, lone, t, c),
            }
            print(f"threshold {t} cohesion {c}: {settings}")
            floors = {"one_batch": MIN_PRECISION, "runs": MIN_PRECISION}
            if any(s["precision"] < floors.get(k, MIN_PRECISION_LONE) for k, s in settings.items()):
                continue
            mean = sum(s["f1"] for s in settings.values()) / len(settings)
            if best is None or mean > best[0]:
                best = (mean, t, c, settings)
    if best is None:
        print(f"no setting reaches precision {MIN_PRECISION} in every setting")
        return 1
    best = best[1:]
    data = {
        "method": "stories-v4: background IDF, place/actor conflicts, blocking + logistic pair "
        "model + average link",
        "features": list(FEATURES),
        "weights": [round(float(w), 6) for w in weights],
        "bias": round(bias, 6),
        "threshold": best[0],
        "cohesion": best[1],
        **BLOCKING,
        "fitted_on": "ECB+ 1.0 topics 1-20 (Cybulska and Vossen 2014, CC BY 3.0; "
        "github.com/tommasoc80/EventStoryLine), all documents on one date; one batch, runs of "
        "30 and lone batches of 30",
        "fit_pairs": {"candidates": len(candidates), "positive": int(y.sum())},
        "fit_scores": best[2],
        "script": "training/stories/fit.py",
    }
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
