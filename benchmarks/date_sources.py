"""Which date source is right how often on real pages: `python -m benchmarks.date_sources`.

For every development page with a gold day (WCXB `dev` articles and the htmldate MediaCloud pages,
see benchmarks/realpages.py; never a held-out split), each date source that newsetl's extraction
reads is computed on its own: a date in the URL path, the article's JSON-LD, the meta tags, other
JSON-LD objects, a `<time>` marked as published, a full date written where pages put dates,
htmldate (as trafilatura calls it, and with its defaults). It prints, per source, how many pages it
dates and how many of those days are right, and for each pair of sources how often each is right
when the two disagree: the confidence order of `find_published` comes from these counts.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from itertools import combinations

from benchmarks.realpages import LabelledPage, load


def candidates(page: LabelledPage) -> dict[str, str | None]:
    """Each source's day for one page (None where the source says nothing)."""
    from htmldate import find_date
    from trafilatura.utils import load_html

    from newsetl.extract import metadata as meta

    html = page.html()
    url = "http://127.0.0.1:8000" + page.path
    tree = load_html(html)
    if tree is None:
        return {}
    ld_objects = meta.json_ld_objects(tree)
    ld = meta.article_json_ld(ld_objects)
    tags = meta.meta_tags(tree)
    out: dict[str, str | None] = {}

    for source, value in meta.date_candidates(tree, ld, tags, url, ld_objects).items():
        out[source] = value.date().isoformat()
    text = html.decode("utf-8", errors="replace")
    try:
        out["htmldate-orig"] = find_date(text, url=url, original_date=True, extensive_search=True)
        out["htmldate-default"] = find_date(text, url=url)
    except Exception:  # a page that breaks htmldate gives it no date
        out["htmldate-orig"] = out["htmldate-default"] = None
    return {k: (v[:10] if isinstance(v, str) else v) for k, v in out.items()}


def _safe(page: LabelledPage) -> dict:
    try:
        return candidates(page)
    except Exception as err:
        return {"error": str(err)[:100]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", help="write per-page candidates and gold here (JSON)")
    args = parser.parse_args(argv)
    corpora = load("dev")
    pages = [p for ps in corpora.values() for p in ps if p.date]
    with ProcessPoolExecutor(2) as pool:
        found = list(pool.map(_safe, pages, chunksize=8))
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as out:
            json.dump(
                [{"corpus": p.corpus, "path": p.path, "gold": p.date, **f}
                 for p, f in zip(pages, found)], out, indent=0,
            )  # fmt: skip
    for name in sorted({p.corpus for p in pages}):
        rows = [(p, f) for p, f in zip(pages, found) if p.corpus == name]
        print(f"\n{name}: {len(rows)} dated pages")
        dates: Counter = Counter()
        right: Counter = Counter()
        for p, f in rows:
            for source, value in f.items():
                if value:
                    dates[source] += 1
                    right[source] += value == p.date
        for source in sorted(dates, key=lambda s: -right[s] / dates[s]):
            share = right[source] / dates[source]
            print(f"  {source:18} dates {dates[source]:4}  right {share:.3f}")
        print("  when two disagree: A right / B right / neither")
        for a, b in combinations(sorted(dates), 2):
            both = [(p, f) for p, f in rows if f.get(a) and f.get(b) and f[a] != f[b]]
            if len(both) >= 3:
                ra = sum(f[a] == p.date for p, f in both)
                rb = sum(f[b] == p.date for p, f in both)
                print(f"  {a:16} vs {b:16} {ra:3} / {rb:3} / {len(both) - ra - rb:3}")


if __name__ == "__main__":
    main()
