"""Key phrase quality on public news with gold key phrases: `make eval` calls `run()`.

Reads what is present under $NEWSETL_EVAL_DATA/keyphrases/ (README: evaluation data):
- 500N-KPCrowd-v1.1/: English news stories, key phrases chosen by at least 90 % of crowd
  annotators (about 49 per story, so recall at 10 is low for any method: read precision);
- WKC/: 100 French Wikinews articles, key phrases from three annotators (about 12 each).
Stories under 100 words are left out (many KPCrowd files hold only a title). Each method gives
its top 10; a phrase matches a gold one when both agree after lower-casing, dropping punctuation
and a plural "s" (the same for both). Ours (newsetl.enrich.keywords) is printed next to YAKE
0.7 with the settings newsetl used before, from the same run, with words/s (CPU time) of each.
Results go to benchmarks/results/eval_keywords.json.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from benchmarks.eval_enrich import RESULTS, data_folder

SETS = {"500N-KPCrowd-v1.1": "en", "WKC": "fr"}
TOP = 10
MIN_WORDS = 100
TOKEN = re.compile(r"\w+")


def read_set(folder: Path) -> list[tuple[str, list[str]]]:
    docs = []
    for path in sorted((folder / "docsutf8").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        keys = folder / "keys" / f"{path.stem}.key"
        if len(text.split()) < MIN_WORDS or not keys.is_file():
            continue
        gold = [line.strip() for line in keys.read_text(encoding="utf-8").splitlines()]
        docs.append((text, [g for g in gold if g]))
    return docs


def normal(phrase: str) -> str:
    words = []
    for word in TOKEN.findall(phrase.lower()):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return " ".join(words)


def score(docs: list[tuple[str, list[str]]], found: list[list[str]], seconds: float) -> dict:
    precision = recall = f1 = 0.0
    for (_, gold), phrases in zip(docs, found):
        wanted = {normal(g) for g in gold}
        top: list[str] = []
        for phrase in map(normal, phrases):
            if phrase not in top:
                top.append(phrase)
        hits = len(set(top[:TOP]) & wanted)
        p = hits / len(top[:TOP]) if top else 0.0
        r = hits / len(wanted) if wanted else 0.0
        precision, recall = precision + p, recall + r
        f1 += 2 * p * r / (p + r) if p + r else 0.0
    n = len(docs)
    words = sum(len(text.split()) for text, _ in docs)
    return {
        "f1_at_10": round(f1 / n, 3),
        "precision_at_10": round(precision / n, 3),
        "recall_at_10": round(recall / n, 3),
        "words_per_s": round(words / seconds) if seconds else None,
    }


def timed_phrases(extract, docs: list[tuple[str, list[str]]]) -> tuple[list[list[str]], float]:
    extract(docs[0][0])  # loads what the method loads, outside the timing
    started = time.process_time()
    found = [extract(text) for text, _ in docs]
    return found, time.process_time() - started


def yake_baseline(language: str):
    import yake

    extractor = yake.KeywordExtractor(lan=language, n=3, top=TOP, dedupLim=0.8)
    return lambda text: [phrase for phrase, _ in extractor.extract_keywords(text)]


def run() -> dict:
    from newsetl.enrich.keywords import extract_keywords

    base = data_folder() / "keyphrases"
    report: dict = {"data": str(base)}
    for name, language in SETS.items():
        if not (base / name / "docsutf8").is_dir():
            continue
        docs = read_set(base / name)
        ours = timed_phrases(
            lambda t, lang=language: [p for p, _ in extract_keywords(t, lang)], docs
        )
        plain = timed_phrases(yake_baseline(language), docs)
        report[name] = {
            "documents": len(docs),
            "language": language,
            "ours": score(docs, *ours),
            "yake_baseline": score(docs, *plain),
        }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "eval_keywords.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(table(report))
    return report


def table(report: dict) -> str:
    lines = [f"key phrases on public news ({report['data']}), top {TOP}"]
    for name, value in report.items():
        if not isinstance(value, dict):
            continue
        lines.append(f"  {name} ({value['language']}): {value['documents']} stories")
        for method in ("ours", "yake_baseline"):
            s = value[method]
            lines.append(
                f"    {method:<14} P@10 {s['precision_at_10']:.3f}  R@10 {s['recall_at_10']:.3f}"
                f"  F1@10 {s['f1_at_10']:.3f}  {s['words_per_s']} words/s"
            )
    if len(lines) == 1:
        lines.append("  no key phrase data found (see README: evaluation data)")
    return "\n".join(lines)


if __name__ == "__main__":
    run()
