"""How the list-page rule of extraction does on real pages: `python -m benchmarks.list_pages`.

Runs newsetl's extraction over the WCXB dev pages (see benchmarks/realpages.py for the data
folder) and counts, per labelled page type, how many are rejected as "not an article": articles
should never be, listing and collection pages (home, section, tag pages) should be. Prints the
same counts with the linked-headline rule switched off, from the same run.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, datetime

from trafilatura.utils import load_html

from benchmarks.realpages import data_root, wcxb
from newsetl.extract import page as extraction
from newsetl.records import FeedItem, RawPage, Reject

KINDS = ("article", "listing", "collection")


def rejected_as_list(pages: list) -> Counter:
    counts: Counter = Counter()
    for labelled in pages:
        tree = load_html(labelled.html())
        if tree is None or len(tree.xpath(extraction.LINKED_HEADLINES)) < 5:
            counts[(labelled.kind, "pages")] += 1  # too few linked headlines for the rule
            continue
        raw = RawPage(
            raw_id=labelled.page_id,
            run_id="eval",
            source="eval",
            url=labelled.url,
            url_key=labelled.url,
            final_url=labelled.url,
            status=200,
            content_type="text/html",
            headers="{}",
            body=labelled.html(),
            item=FeedItem(),
            fetched_at=datetime.now(UTC),
        )
        try:
            result = extraction.extract_document(raw)
        except Exception:  # counted apart: this script measures the rule, not the extractor
            counts[(labelled.kind, "error")] += 1
            continue
        if isinstance(result, Reject) and result.reason == "not an article":
            counts[(labelled.kind, "list")] += 1
        counts[(labelled.kind, "pages")] += 1
    return counts


def main() -> int:
    root = data_root()
    if not (root / "wcxb").is_dir():
        print(f"no WCXB data under {root}: nothing to measure")
        return 0
    pages = wcxb(root, "dev", kinds=KINDS)
    with_rule = rejected_as_list(pages)
    saved = extraction.LIST_PAGE_HEADLINES
    extraction.LIST_PAGE_HEADLINES = 10**9
    try:
        without = rejected_as_list(pages)
    finally:
        extraction.LIST_PAGE_HEADLINES = saved
    print("WCXB dev, rejected as 'not an article' (with the linked-headline rule | without)")
    for kind in KINDS:
        total = with_rule[(kind, "pages")]
        print(
            f"  {kind:<11} {total:>4} pages: {with_rule[(kind, 'list')]:>4} | "
            f"{without[(kind, 'list')]:>4}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
