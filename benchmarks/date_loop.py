"""Publication days on the development pages, in-process, with the baselines beside them:
`python -m benchmarks.date_loop [--cache DIR] [--misses]`.

A development loop, not the reported figure (that is `make eval`, through `newsetl run`). For
every dated page of WCXB `dev` and the htmldate MediaCloud set (benchmarks/realpages.py; never a
held-out split) it runs extract + clean as the pipeline does and scores the day, next to
trafilatura alone and htmldate alone (defaults, and original_date=True) from the same run; with
`--misses` it prints each page we get wrong with our `date_source`, the gold day, the baselines'
days and every date source's own day. `--cache` keeps the baselines' outputs between runs.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.real_eval import BASE, _cached, _htmldate_one, _trafilatura_one, run_all
from benchmarks.realpages import LabelledPage, load


def _ours(page: LabelledPage) -> dict:
    """Our day, its source, the reject if any, and each date source's own day."""
    from trafilatura.utils import load_html

    from newsetl.clean import clean_documents
    from newsetl.extract import extract_document
    from newsetl.extract import metadata as meta
    from newsetl.records import FeedItem, RawPage, Reject

    url = BASE + page.path
    raw = RawPage(
        "raw", "run", page.host, url, url, url, 200, "text/html", "{}", page.html(),
        FeedItem(), datetime.now(UTC),
    )  # fmt: skip
    out: dict = {}
    tree = load_html(page.html())
    if tree is not None:
        ld_objects = meta.json_ld_objects(tree)
        ld = meta.article_json_ld(ld_objects)
        found = meta.date_candidates(tree, ld, meta.meta_tags(tree), url, ld_objects)
        out["sources"] = {k: v.date().isoformat() for k, v in found.items()}
    seen: list = []
    vote = meta.find_published

    def recorded(*args, **kwargs):  # what the date vote was given, for --dump
        seen.append((args, kwargs))
        return vote(*args, **kwargs)

    meta.find_published = recorded
    try:
        doc = extract_document(raw)
    finally:
        meta.find_published = vote
    for args, kwargs in seen:
        if args[3]:  # the page's own vote (the list-page check passes no URL)
            out["found_date"] = args[5]
            out["candidates"] = {k: v.isoformat() for k, v in kwargs["candidates"].items()}
    if isinstance(doc, Reject):
        return {**out, "reject": f"extract: {doc.reason}: {doc.detail}"}
    out["doc_date"] = str(doc.published_at.date()) if doc.published_at else None
    out["date_source"] = doc.date_source
    articles, rejects = clean_documents([doc])
    if not articles:
        return {**out, "reject": f"clean: {rejects[0].reason}: {rejects[0].detail}"}
    out["date"] = str(articles[0].published_date) if articles[0].published_date else None
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="keep baseline outputs here between runs")
    parser.add_argument("--misses", action="store_true", help="print the pages we get wrong")
    parser.add_argument("--corpus", help="only this corpus (wcxb-dev, mediacloud)")
    parser.add_argument("--dump", type=Path, help="write each page's outputs and gold here")
    args = parser.parse_args(argv)
    corpora = {
        name: [p for p in pages if p.date]
        for name, pages in load("dev").items()
        if not args.corpus or name == args.corpus
    }
    pages = [p for ps in corpora.values() for p in ps]
    ours = run_all(_ours, pages)
    traf = _cached(args.cache, "trafilatura-dev", _trafilatura_one, pages)
    hd = _cached(args.cache, "htmldate-dev", _htmldate_one, pages)
    if args.dump:
        args.dump.write_text(
            json.dumps(
                {p.path: {"corpus": p.corpus, "gold": p.date, "ours": ours[p.path],
                          "trafilatura": traf[p.path], "htmldate": hd[p.path]} for p in pages},
                indent=0,
            ),
            encoding="utf-8",
        )  # fmt: skip
    for name, group in corpora.items():
        n = len(group)
        if not n:  # a corpus with no gold dates (ir-research-data)
            continue

        def share(found: dict, key: str = "date", group: list = group) -> float:
            return sum(found[p.path].get(key) == p.date for p in group) / len(group)

        rejected = [p for p in group if "reject" in ours[p.path]]
        before = share(ours, "doc_date", rejected) if rejected else 0.0
        by_source: Counter = Counter()
        right: Counter = Counter()
        for p in group:
            source = ours[p.path].get("date_source", "rejected")
            by_source[source] += 1
            right[source] += ours[p.path].get("date") == p.date
        print(
            f"{name}: {n} dated pages | newsetl {share(ours):.3f} | trafilatura "
            f"{share(traf):.3f} | htmldate {share(hd):.3f} | htmldate orig "
            f"{share(hd, 'date_original'):.3f} | rejected {len(rejected)} "
            f"(day right before the reject {before:.2f})"
        )
        print("   " + "  ".join(f"{s} {right[s]}/{by_source[s]}" for s in sorted(by_source)))
        if args.misses:
            for p in group:
                got = ours[p.path]
                if got.get("date") == p.date:
                    continue
                print(
                    f"  {p.path[:70]:70} gold {p.date} got {got.get('date')} "
                    f"[{got.get('date_source') or got.get('reject', '')[:60]}] "
                    f"traf {traf[p.path].get('date')} hd {hd[p.path].get('date')} "
                    f"hdo {hd[p.path].get('date_original')} {got.get('sources')}"
                )


if __name__ == "__main__":
    main()
