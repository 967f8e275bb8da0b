"""Build the story matcher's background document frequencies: enrich/data/stories_df.tsv.gz.

Why: a scheduled run holds a few dozen articles; document frequencies from such a batch say
little (in 32 articles "strike" or "measles" look as rare as "Rotterdam"), so TF-IDF cosines of
two different events of one kind come out high. The matcher adds these counts from real news
to the batch's own.

Data: MasakhaNEWS English (Adelani et al. 2023; BBC News articles of 2022; licence AFL-3.0 per
the dataset card, huggingface.co/datasets/masakhane/masakhanews; files `data/eng/dev.tsv` and
`data/eng/test.tsv` of the public GitHub repository masakhane-io/masakhane-news), put under
`$NEWSETL_EVAL_DATA/masakhane-news/eng/`. Only per-word document counts ship (words, not text),
for words held by at least MIN_DF documents. No ECB+ text is used, so the check split stays
unseen.

    NEWSETL_EVAL_DATA=/work/eval-data .venv/bin/python -m training.stories.background
"""

from __future__ import annotations

import csv
import gzip
import os
import sys
from collections import Counter
from pathlib import Path

from newsetl.enrich import stories

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "src" / "newsetl" / "enrich" / "data" / "stories_df.tsv.gz"
MIN_DF = 2


def documents() -> list[str]:
    base = Path(os.environ.get("NEWSETL_EVAL_DATA", ROOT / "eval-data")) / "masakhane-news" / "eng"
    texts = []
    csv.field_size_limit(10**8)
    for name in ("train.tsv", "dev.tsv", "test.tsv"):
        path = base / name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                texts.append(f"{row.get('headline') or ''}\n{row.get('text') or ''}")
    return texts


def main() -> int:
    texts = documents()
    if not texts:
        print("no MasakhaNEWS English files found (see the docstring)")
        return 1
    df: Counter = Counter()
    for text in texts:
        df.update(stories.document_keys(text))
    kept = sorted((t, c) for t, c in df.items() if c >= MIN_DF)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(TARGET, "wt", encoding="utf-8", compresslevel=9) as out:
        out.write(f"#documents\t{len(texts)}\n")
        out.write(
            "#source\tMasakhaNEWS English dev+test (BBC News 2022), AFL-3.0; "
            "training/stories/background.py\n"
        )
        for term, count in kept:
            out.write(f"{term}\t{count}\n")
    print(f"{len(texts)} documents, {len(kept)} words kept of {len(df)}; {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
