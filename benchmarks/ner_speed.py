"""NER speed and quality side by side, in one run: spaCy's en_core_web_sm (tok2vec + ner), the
shipped newsetl_ner and any candidate pipelines (`--candidate PATH`, e.g. a training output).

Speed: words/s of `nlp.pipe` on the same texts (WCXB dev article bodies, CoNLL-2003 eng.testa
documents), one thread, process CPU time; the models take turns over `--rounds` rounds and the
fastest round counts (the machine is shared). The tokenizer alone is timed too (its share of
the cost), and the pipeline at several batch sizes. Quality: document-level F1 on eng.testa
(the model alone and with newsetl's rules, as benchmarks/eval_enrich.py scores it) and on
WikiANN-en dev when present. eng.testb is never read.

    NEWSETL_EVAL_DATA=/work/eval-data nice -n 10 .venv/bin/python -m benchmarks.ner_speed \
        --candidate training/ner/output/model-best
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one process per core in the pipeline: one thread here

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from benchmarks.eval_enrich import BASELINE_MODEL, read_conll, read_wikiann, typed  # noqa: E402
from benchmarks.realpages import data_root, wcxb  # noqa: E402
from benchmarks.scoring import entity_scores  # noqa: E402

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def load(name: str):
    import spacy

    from newsetl.enrich.entities import OWN_MODEL, OWN_MODEL_DIR

    nlp = spacy.load(OWN_MODEL_DIR if name == OWN_MODEL else name)
    nlp.select_pipes(enable=[p for p in nlp.pipe_names if p in {"tok2vec", "ner"}])
    return nlp


def cpu_seconds(work) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def speed(models: dict, texts: list[str], batch_sizes: list[int], rounds: int) -> dict:
    """Fastest-round words/s per model: tokenizer alone and the pipeline at each batch size."""
    words = sum(len(t.split()) for t in texts)
    best: dict[str, dict[str, float]] = {name: {} for name in models}
    for _ in range(rounds):
        for name, nlp in models.items():
            runs = {"tokenizer": lambda nlp=nlp: [nlp.make_doc(t) for t in texts]}
            for size in batch_sizes:
                runs[f"batch {size}"] = lambda nlp=nlp, size=size: list(
                    nlp.pipe(texts, batch_size=size)
                )
            for what, work in runs.items():
                seconds = cpu_seconds(work)
                best[name][what] = min(best[name].get(what, seconds), seconds)
    return {
        name: {what: round(words / s) for what, s in timings.items()}
        for name, timings in best.items()
    }


def quality(name: str, nlp, docs) -> dict:
    """Doc-level F1 of the pipeline alone and with newsetl's rules (canonical names)."""
    from newsetl.enrich.entities import canonical_entities

    truth = [g for _, g in docs]
    parsed = list(nlp.pipe([t for t, _ in docs], batch_size=16))
    alone = [typed((e.text, e.label_) for e in doc.ents) for doc in parsed]
    ours = [
        typed((e.entity, e.label) for e in canonical_entities([(x.text, x.label_) for x in d.ents]))
        for d in parsed
    ]
    labels = sorted({e.label_ for d in parsed for e in d.ents})
    return {
        "model_alone_f1": round(entity_scores(list(zip(truth, alone)))["f1"], 4),
        "ours_f1": round(entity_scores(list(zip(truth, ours)))["f1"], 4),
        "labels_found": labels,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidate", action="append", default=[], help="a pipeline folder")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, action="append", help="batch sizes (default 16, 64)")
    parser.add_argument("--wcxb", type=int, default=300, help="WCXB dev article bodies to time")
    args = parser.parse_args()
    root = data_root()
    names = [BASELINE_MODEL, "newsetl_ner", *args.candidate]
    models = {name: load(name) for name in names}
    for nlp in models.values():
        list(nlp.pipe(["Warm up in London with Anna Novak."]))
    testa = read_conll(root / "conll2003" / "eng.testa")
    bodies = [p.body for p in wcxb(root, "dev") if p.body][: args.wcxb]
    texts = {"wcxb-dev articles": bodies, "conll testa": [t for t, _ in testa]}
    report: dict = {"speed_words_per_cpu_s": {}, "quality": {}}
    for label, these in texts.items():
        words = sum(len(t.split()) for t in these)
        timed = speed(models, these, args.batch or [16, 64], args.rounds)
        report["speed_words_per_cpu_s"][label] = {"texts": len(these), "words": words, **timed}
    wikiann = root / "wikiann-en" / "dev"
    for name, nlp in models.items():
        scores = {"conll testa": quality(name, nlp, testa)}
        if wikiann.exists():
            scores["wikiann-en dev"] = quality(name, nlp, read_wikiann(wikiann))
        report["quality"][name] = scores
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ner_speed.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_table(report, names)


def print_table(report: dict, names: list[str]) -> None:
    for label, row in report["speed_words_per_cpu_s"].items():
        print(f"\n{label}: {row['texts']} texts, {row['words']} words; words per CPU second")
        columns = list(row[names[0]])
        print(f"{'model':<44}" + "".join(f"{c:>12}" for c in columns))
        for name in names:
            print(f"{name[-44:]:<44}" + "".join(f"{row[name][c]:>12}" for c in columns))
    print("\ndocument-level F1 (PER/ORG/LOC): model alone / with newsetl rules")
    for name in names:
        cells = "  ".join(
            f"{data}: {s['model_alone_f1']:.3f} / {s['ours_f1']:.3f}"
            for data, s in report["quality"][name].items()
        )
        print(f"{name[-44:]:<44} {cells}")


if __name__ == "__main__":
    main()
