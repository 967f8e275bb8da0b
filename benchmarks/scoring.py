"""The metrics of docs/quality: shingle F1 for text, exact matches for metadata,
micro F1 for entity sets, pairwise precision/recall for stories."""

from __future__ import annotations

import re
from collections import Counter
from itertools import combinations

TOKEN = re.compile(r"\w+")
ENTITY_TYPES = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}


def shingles(text: str, n: int = 4) -> Counter:
    tokens = TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 0)))


def text_scores(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """ScrapingHub benchmark: per page tp/fp/fn of 4-token shingles normalised to sum 1;
    precision over pages with output, recall over pages with truth; F1 of the two."""
    tp_p = fp_p = tp_r = fn_r = 0.0
    for truth, predicted in pairs:
        true_sh, pred_sh = shingles(truth), shingles(predicted)
        tp = sum((true_sh & pred_sh).values())
        fp = sum((pred_sh - true_sh).values())
        fn = sum((true_sh - pred_sh).values())
        total = tp + fp + fn
        if total == 0:
            continue
        tp, fp, fn = tp / total, fp / total, fn / total
        if pred_sh:
            tp_p += tp
            fp_p += fp
        if true_sh:
            tp_r += tp
            fn_r += fn
    precision = tp_p / (tp_p + fp_p) if tp_p + fp_p else 0.0
    recall = tp_r / (tp_r + fn_r) if tp_r + fn_r else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def normalise_space(text: str | None) -> str:
    return " ".join((text or "").split())


def entity_scores(pairs: list[tuple[set, set]]) -> dict[str, float]:
    """Micro P/R/F1 over per-article sets of (name, PER|ORG|LOC)."""
    tp = fp = fn = 0
    for truth, predicted in pairs:
        tp += len(truth & predicted)
        fp += len(predicted - truth)
        fn += len(truth - predicted)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def typed_entities(pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(name, ENTITY_TYPES[label]) for name, label in pairs if label in ENTITY_TYPES}


def story_scores(
    truth: dict[str, str | None], predicted: dict[str, str | None]
) -> dict[str, float]:
    """Pairwise precision/recall: a pair is positive when both share a story key / story_id."""
    ids = sorted(set(truth) & set(predicted))
    tp = fp = fn = 0
    for a, b in combinations(ids, 2):
        same_truth = truth[a] is not None and truth[a] == truth[b]
        same_pred = predicted[a] is not None and predicted[a] == predicted[b]
        tp += same_truth and same_pred
        fp += same_pred and not same_truth
        fn += same_truth and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": precision, "recall": recall, "pairs": tp + fn}
