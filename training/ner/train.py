"""Train newsetl's NER pipeline and install it at src/newsetl/enrich/data/ner (shipped).

1. training/ner/build_data.py writes training/ner/corpus/ (CoNLL-2003 eng.train, 95% train /
   5% dev by document; see that file for the label mapping).
2. `spacy train training/ner/config.cfg`: en_core_web_sm's NER component (its CNN tok2vec and
   transition-based NER, the same architecture and speed) fine-tuned on that corpus; the best
   checkpoint on the dev part is kept.
3. The best checkpoint is copied into the package with a meta.json that says what it was trained
   on and under which terms.

    NEWSETL_EVAL_DATA=/work/eval-data nice -n 10 .venv/bin/python -m training.ner.build_data
    nice -n 10 .venv/bin/python -m training.ner.train

Then `make eval` (benchmarks/eval_enrich.py) scores it on CoNLL-2003 eng.testa, which training
never reads.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "training" / "ner"
OUTPUT = HERE / "output"
TARGET = ROOT / "src" / "newsetl" / "enrich" / "data" / "ner"

META = {
    "lang": "en",
    "name": "newsetl_ner",
    "version": "1.0.0",
    "description": (
        "newsetl's English NER: spaCy en_core_web_sm 3.8's NER component (CNN tok2vec + "
        "transition-based NER) fine-tuned on CoNLL-2003 eng.train, with spaCy's labels: PERSON, "
        "ORG, GPE, LOC from the CoNLL gold annotation; NORP, EVENT, FAC, LAW, LANGUAGE, PRODUCT, "
        "WORK_OF_ART where en_core_web_sm names a CoNLL MISC span. Built by training/ner/ in the "
        "newsetl repository."
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-train", action="store_true", help="only install output/")
    # Anything else goes to spacy train as a config override, e.g. --training.max_epochs=2
    args, overrides = parser.parse_known_args()
    if not args.skip_train:
        command = [
            sys.executable, "-m", "spacy", "train", str(HERE / "config.cfg"),
            "--output", str(OUTPUT), "--code", str(HERE / "functions.py"), *overrides,
        ]  # fmt: skip
        subprocess.run(command, check=True, cwd=ROOT)
    best = OUTPUT / "model-best"
    trained = json.loads((best / "meta.json").read_text(encoding="utf-8"))
    if TARGET.exists():
        shutil.rmtree(TARGET)
    shutil.copytree(best, TARGET)
    meta = {
        **trained,
        **META,
        "performance": trained.get("performance", {}),
        "dev_set": "5% of CoNLL-2003 eng.train documents (token-level span scores)",
    }
    # The shipped copy needs nothing from training/: the lookups it copied are in its vocab.
    config = (TARGET / "config.cfg").read_text(encoding="utf-8")
    config = config.replace(
        '[initialize.before_init]\n@callbacks = "newsetl.source_lookups.v1"\n', ""
    ).replace("after_init = null\n", "after_init = null\nbefore_init = null\n", 1)
    (TARGET / "config.cfg").write_text(config, encoding="utf-8")
    (TARGET / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in TARGET.rglob("*") if p.is_file())
    print(f"installed {TARGET} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
