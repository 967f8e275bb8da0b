"""Quality of newsetl: `make eval`. First the labelled pages we wrote (own corpus), then the
public third-party pages found in the eval data folder (benchmarks/real_eval.py).

Runs the real pipeline (`newsetl run`) over the evaluation corpus (benchmarks/corpus, 40 pages
of varied layouts, as `urls` sources) and the bundled sample site (32 articles, as feeds), both
served from 127.0.0.1, then scores what landed in DuckDB with the metrics of the quality brief.
trafilatura alone (its default `extract`) is scored on the same corpus pages as a baseline.
Prints a table and writes benchmarks/results/eval.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from benchmarks.scoring import (
    entity_scores,
    normalise_space,
    story_scores,
    text_scores,
    typed_entities,
)
from newsetl.serve import serve_folder

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "benchmarks" / "corpus"
SITE = ROOT / "examples" / "site"
RESULTS = ROOT / "benchmarks" / "results"
DESKS = {
    "medtop:11000000",
    "medtop:04000000",
    "medtop:15000000",
    "medtop:13000000",
    "medtop:01000000",
}


def corpus_labels() -> list[dict]:
    labels = []
    for path in sorted(CORPUS.glob("*/labels.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                label = json.loads(line)
                label["path"] = f"/{path.parent.name}/{label['file']}"
                label["set"] = "corpus"
                label["source"] = f"eval-{path.parent.name}-{label['layout']}"
                labels.append(label)
    return labels


def sample_labels() -> list[dict]:
    labels = []
    for path in sorted(SITE.glob("*/expected.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for article in data["articles"]:
            labels.append(
                {
                    **article,
                    "set": "sample",
                    "source": data["source"],
                    "body": "\n\n".join(article["body"]),
                    "published_date": article["published_at"][:10],
                }
            )
    return labels


def sources_file(corpus_base: str, site_base: str, labels: list[dict], target: Path) -> None:
    by_source = defaultdict(list)
    for label in labels:
        if label["set"] == "corpus":
            by_source[label["source"]].append(corpus_base + label["path"])
    lines = []
    for name, urls in sorted(by_source.items()):
        lines += [
            "[[sources]]",
            f'name = "{name}"',
            'kind = "urls"',
            f"urls = {json.dumps(urls)}",
            "allow_private_network = true",
            "delay = 0",
            "",
        ]
    for feed in sorted(SITE.glob("*/*.xml")):
        lines += [
            "[[sources]]",
            f'name = "{feed.parent.name}"',
            'kind = "feed"',
            f'url = "{site_base}/{feed.parent.name}/{feed.name}"',
            "allow_private_network = true",
            "delay = 0",
            "",
        ]
    target.write_text("\n".join(lines), encoding="utf-8")


def run_pipeline(sources: Path, warehouse: Path) -> float:
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsetl",
            "run",
            "--sources",
            str(sources),
            "--warehouse",
            str(warehouse),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"newsetl run failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def read_results(warehouse: Path) -> dict[str, dict]:
    con = duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True)
    rows = con.execute(
        "select article_id, url, title, authors, published_date, text, story_id from articles"
    ).fetchall()
    topics = dict(
        con.execute(
            "select article_id, arg_max(topic_code, score) from article_topics group by 1"
        ).fetchall()
    )
    entities = defaultdict(list)
    for aid, name, label in con.execute(
        "select article_id, entity, label from article_entities"
    ).fetchall():
        entities[aid].append((name, label))
    con.close()
    results = {}
    for aid, url, title, authors, day, text, story in rows:
        path = "/" + url.split("/", 3)[3]
        results[path] = {
            "title": title,
            "authors": authors,
            "published_date": str(day) if day else None,
            "text": text,
            "story": story,
            "topic": topics.get(aid),
            "entities": entities[aid],
        }
    return results


def trafilatura_baseline(labels: list[dict]) -> dict[str, float]:
    import trafilatura

    pairs = []
    for label in labels:
        html = (CORPUS / label["path"].lstrip("/")).read_text(encoding="utf-8")
        pairs.append((label["body"], trafilatura.extract(html) or ""))
    return text_scores(pairs)


def spacy_baseline(labels: list[dict]) -> dict[str, float]:
    """spaCy's small English model on the labelled body text, mentions taken as they come
    (always en_core_web_sm, the naive baseline, whatever pipeline newsetl is set to use)."""
    from benchmarks.eval_enrich import BASELINE_MODEL
    from newsetl.enrich.entities import load_model

    nlp = load_model(BASELINE_MODEL)
    pairs = []
    for label, doc in zip(labels, nlp.pipe([label["body"] for label in labels])):
        pairs.append(
            (
                typed_entities(label["entities"]),
                typed_entities([(e.text, e.label_) for e in doc.ents]),
            )
        )
    return entity_scores(pairs)


def score(labels: list[dict], results: dict[str, dict]) -> dict:
    found = [(label, results.get(label["path"])) for label in labels]
    got = [(label, r) for label, r in found if r is not None]
    desk = [(label, r) for label, r in got if label["topic"] in DESKS]
    return {
        "pages": len(labels),
        "articles": len(got),
        "text": text_scores([(label["body"], r["text"] if r else "") for label, r in found]),
        "title": sum(
            normalise_space(r["title"]) == normalise_space(label["title"]) for label, r in got
        )
        / len(labels),
        "date": sum(r["published_date"] == label["published_date"] for label, r in got)
        / len(labels),
        "authors": sum(list(r["authors"] or []) == label["authors"] for label, r in got)
        / len(labels),
        "topic_top1": sum(r["topic"] == label["topic"] for label, r in got) / len(labels),
        "topic_top1_five_desks": (
            sum(r["topic"] == label["topic"] for label, r in desk) / len(desk)
        )
        if desk
        else None,
        "entities": entity_scores(
            [(typed_entities(label["entities"]), typed_entities(r["entities"])) for label, r in got]
        ),
        "stories": story_scores(
            {label["path"]: label["story"] for label, _ in got},
            {label["path"]: r["story"] for label, r in got},
        ),
        "misses": {
            "title": [
                label["path"]
                for label, r in got
                if normalise_space(r["title"]) != normalise_space(label["title"])
            ],
            "date": [
                label["path"] for label, r in got if r["published_date"] != label["published_date"]
            ],
            "authors": [
                label["path"] for label, r in got if list(r["authors"] or []) != label["authors"]
            ],
            "topic": [label["path"] for label, r in got if r["topic"] != label["topic"]],
            "no_article": [label["path"] for label, r in found if r is None],
        },
    }


def table(report: dict) -> str:
    rows = [("metric", "corpus (40 pages)", "sample (32 articles)")]
    c, s = report["corpus"], report["sample"]

    def fmt(value) -> str:
        return "-" if value is None else f"{value:.3f}"

    rows += [
        ("text F1 (shingles)", fmt(c["text"]["f1"]), fmt(s["text"]["f1"])),
        ("text precision", fmt(c["text"]["precision"]), fmt(s["text"]["precision"])),
        ("text recall", fmt(c["text"]["recall"]), fmt(s["text"]["recall"])),
        ("trafilatura alone, text F1", fmt(report["baseline_trafilatura"]["f1"]), "-"),
        ("title exact", fmt(c["title"]), fmt(s["title"])),
        ("date exact day", fmt(c["date"]), fmt(s["date"])),
        ("authors exact", fmt(c["authors"]), fmt(s["authors"])),
        ("topic top-1", fmt(c["topic_top1"]), fmt(s["topic_top1"])),
        (
            "topic top-1, five desks",
            fmt(c["topic_top1_five_desks"]),
            fmt(s["topic_top1_five_desks"]),
        ),
        ("entities F1 (PER/ORG/LOC)", fmt(c["entities"]["f1"]), fmt(s["entities"]["f1"])),
        (
            "spaCy sm alone, entities F1",
            fmt(report["baseline_spacy_entities"]["corpus"]["f1"]),
            fmt(report["baseline_spacy_entities"]["sample"]["f1"]),
        ),
        (
            "stories pairwise precision",
            fmt(c["stories"]["precision"]),
            fmt(s["stories"]["precision"]),
        ),
        ("stories pairwise recall", fmt(c["stories"]["recall"]), fmt(s["stories"]["recall"])),
    ]
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [" | ".join(v.ljust(w) for v, w in zip(r, width)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in width))
    return "\n".join(lines)


def main() -> None:
    labels = corpus_labels() + sample_labels()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_folder(CORPUS, 0) as corpus_base,
        serve_folder(SITE, 0) as site_base,
    ):
        sources = Path(tmp) / "sources.toml"
        sources_file(corpus_base, site_base, labels, sources)
        seconds = run_pipeline(sources, Path(tmp) / "warehouse")
        results = read_results(Path(tmp) / "warehouse")
    corpus = [label for label in labels if label["set"] == "corpus"]
    report = {
        "corpus": score(corpus, results),
        "sample": score([label for label in labels if label["set"] == "sample"], results),
        "baseline_trafilatura": trafilatura_baseline(corpus),
        "baseline_spacy_entities": {
            "corpus": spacy_baseline(corpus),
            "sample": spacy_baseline([lb for lb in labels if lb["set"] == "sample"]),
        },
        "run_seconds": round(seconds, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "eval.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(table(report))
    for name in ("corpus", "sample"):
        misses = {k: v for k, v in report[name]["misses"].items() if v}
        if misses:
            print(f"\n{name} misses: " + json.dumps(misses))
    print(f"\nnewsetl run took {report['run_seconds']} s; details in {RESULTS / 'eval.json'}")
    # Real third-party pages, when present in the eval data folder (benchmarks/realpages.py).
    from benchmarks import real_eval

    split = os.environ.get("NEWSETL_EVAL_SPLIT", "dev")
    print(f"\nReal third-party pages, {split} split (newsetl run vs the libraries alone):")
    real_eval.main(["--split", split])

    # Topics and entities on real third-party data, when present (benchmarks/eval_enrich.py).
    from benchmarks.eval_enrich import run as eval_enrich

    eval_enrich()

    # Key phrases on public news with gold key phrases, when present (benchmarks/eval_keywords.py).
    from benchmarks.eval_keywords import run as eval_keywords

    eval_keywords()


if __name__ == "__main__":
    main()
