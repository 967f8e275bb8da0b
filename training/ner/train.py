"""Train newsetl's NER pipeline and install it at src/newsetl/enrich/data/ner (shipped).

0. training/ner/build_data.py writes training/ner/corpus/ (CoNLL-2003 eng.train, 95% train /
   5% dev by document; see that file for the label mapping).
1. `spacy train training/ner/config_full.cfg`: en_core_web_sm's NER component (its CNN tok2vec
   and transition-based NER: 4 encoder layers, 18 labels) fine-tuned on that corpus; the best
   checkpoint on the dev part is kept (output/full/). This was newsetl_ner 1.0.0.
2. training/ner/shrink.py cuts a smaller NER out of it (training/ner/shrunk/): the same
   embeddings, the first `--depth` encoder layers, only the labels the pipeline keeps
   (PERSON, ORG, GPE, LOC, NORP, EVENT, FAC: 29 actions instead of 74).
3. `spacy train training/ner/config.cfg` fine-tunes that one on the same corpus (output/).
4. Its best checkpoint is copied into the package with a meta.json that says what it was
   trained on and under which terms.

    NEWSETL_EVAL_DATA=/work/eval-data nice -n 10 .venv/bin/python -m training.ner.build_data
    nice -n 10 .venv/bin/python -m training.ner.train

`--source DIR` starts at stage 2 from a trained full-size pipeline (newsetl_ner 2.0.0 was
shrunk from the shipped 1.0.0, i.e. stage 1's output).

Then `make eval` (benchmarks/eval_enrich.py) scores it on CoNLL-2003 eng.testa, which training
never reads.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "training" / "ner"
OUTPUT = HERE / "output"
FULL = OUTPUT / "full"
SHRUNK = HERE / "shrunk"
DEPTH = 2  # encoder layers kept: see training/ner/README.md for what each depth cost and gave
TARGET = ROOT / "src" / "newsetl" / "enrich" / "data" / "ner"

META = {
    "lang": "en",
    "name": "newsetl_ner",
    "version": "2.0.0",
    "description": (
        "newsetl's English NER: spaCy en_core_web_sm 3.8's NER component (CNN tok2vec + "
        "transition-based NER) fine-tuned on CoNLL-2003 eng.train, then cut down for speed (its "
        "hash embeddings, width 96, and first {depth} of 4 encoder layers kept; only the labels "
        "newsetl keeps) and fine-tuned again. Labels: PERSON, ORG, GPE, LOC from the CoNLL gold "
        "annotation; NORP, EVENT, FAC where en_core_web_sm names a CoNLL MISC span. Built by "
        "training/ner/ in the newsetl repository."
    ),
    "license": "research use only (see sources): trained on CoNLL-2003 / Reuters RCV1",
    "sources": [
        {
            "name": "CoNLL-2003 English NER annotations (eng.train)",
            "url": "https://www.clips.uantwerpen.be/conll2003/ner/",
            "license": (
                "annotations over Reuters Corpus Volume 1 text; the text is distributed by NIST "
                "under the Reuters Corpus research agreement (research and development use)"
            ),
        },
        {
            "name": "spaCy en_core_web_sm 3.8.0 (starting weights, tokenizer, silver labels)",
            "url": "https://github.com/explosion/spacy-models",
            "license": "MIT (trained on OntoNotes 5, licensed by Explosion)",
        },
    ],
}


def spacy_train(config: Path, output: Path, overrides: list[str]) -> None:
    command = [
        sys.executable, "-m", "spacy", "train", str(config),
        "--output", str(output), "--code", str(HERE / "functions.py"), *overrides,
    ]  # fmt: skip
    subprocess.run(command, check=True, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-train", action="store_true", help="only install output/")
    parser.add_argument("--source", type=Path, help="a trained full-size pipeline: skip stage 1")
    parser.add_argument("--depth", type=int, default=DEPTH)
    # Anything else goes to the last spacy train as a config override, e.g.
    # --training.max_epochs=2
    args, overrides = parser.parse_known_args()
    if not args.skip_train:
        source = args.source
        if source is None:
            spacy_train(HERE / "config_full.cfg", FULL, [])
            source = FULL / "model-best"
        from newsetl.enrich.entities import LABELS
        from training.ner.shrink import shrink

        shrink(source, SHRUNK, args.depth, sorted(LABELS))
        spacy_train(HERE / "config.cfg", OUTPUT, overrides)
    best = OUTPUT / "model-best"
    trained = json.loads((best / "meta.json").read_text(encoding="utf-8"))
    if TARGET.exists():
        shutil.rmtree(TARGET)
    shutil.copytree(best, TARGET)
    # The shipped copy needs nothing from training/: the lookups it copied are in its vocab.
    config = (TARGET / "config.cfg").read_text(encoding="utf-8")
    # What was trained says how deep it is (--skip-train installs whatever output/ holds).
    encoder = config.split("[components.ner.model.tok2vec.encode]", 1)[1]
    depth = re.search(r"^depth = (\d+)$", encoder, re.MULTILINE)
    meta = {
        **trained,
        **META,
        "description": META["description"].format(depth=depth.group(1) if depth else "?"),
        "performance": trained.get("performance", {}),
        "dev_set": "5% of CoNLL-2003 eng.train documents (token-level span scores)",
    }
    config = config.replace(
        '[initialize.before_init]\n@callbacks = "newsetl.source_lookups.v1"\n', ""
    ).replace("after_init = null\n", "after_init = null\nbefore_init = null\n", 1)
    (TARGET / "config.cfg").write_text(config, encoding="utf-8")
    (TARGET / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in TARGET.rglob("*") if p.is_file())
    print(f"installed {TARGET} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
