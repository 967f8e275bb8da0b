"""Quality on real third-party pages (see benchmarks/realpages.py for the data folder).

The reported figures come from the real pipeline: the pages are served from 127.0.0.1, one
`urls` source per original site (allow_private_network = true, no host delay), `newsetl run`
as a user runs it, then the DuckDB `articles` rows are scored with the metrics of quality.md.
A page that became a reject counts as empty output and a missing date. On the same pages and in
the same run: trafilatura 2.3.1 alone (`bare_extraction` with its defaults: body, title, date,
authors) and htmldate alone (`find_date` with its defaults, and with original_date=True).

`--direct` calls extract and clean in-process instead of running the pipeline: a faster inner
loop for development, not the reported figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

from dateutil.parser import UnknownTimezoneWarning

from benchmarks.realpages import LabelledPage, load, split_authors
from benchmarks.scoring import normalise_space, text_scores
from newsetl.serve import serve_handler

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

# The baselines' htmldate hands zone names to dateutil, which warns about each one it does not
# know; the pipeline silences the same warning (newsetl.extract.page), and so does its baseline.
warnings.filterwarnings("ignore", category=UnknownTimezoneWarning)


# --- serving and running --------------------------------------------------------------------


@contextmanager
def serve_pages(pages: list[LabelledPage]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 answering each page's path with its HTML, as text/html."""
    # Keyed by the unquoted path: the fetcher may write '%d8' as '%D8' (one MediaCloud page was
    # a 404 in the pipeline run for that alone).
    files = {unquote(page.path): page for page in pages}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            page = files.get(unquote(self.path.split("?")[0])) or files.get(unquote(self.path))
            if page is None:
                self.send_error(404)
                return
            body = page.html()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:
            pass

    with serve_handler(Handler) as base:
        yield base


def source_name(page: LabelledPage) -> str:
    """One source per original site, as a user would configure it."""
    return "".join(c if c.isalnum() or c in "-." else "-" for c in page.host).strip("-.") or "site"


def sources_file(base: str, pages: list[LabelledPage], target: Path) -> None:
    by_source: dict[str, list[str]] = defaultdict(list)
    for page in pages:
        by_source[source_name(page)].append(base + page.path)
    lines = []
    for name, urls in sorted(by_source.items()):
        lines += [
            "[[sources]]",
            f'name = "{name}"',
            'kind = "urls"',
            f"urls = {json.dumps(urls)}",
            "allow_private_network = true",
            "delay = 0",
            "",
        ]
    target.write_text("\n".join(lines), encoding="utf-8")


def run_pipeline(pages: list[LabelledPage]) -> tuple[dict[str, dict], float]:
    """`newsetl run` over the served pages; page path -> what its articles row says."""
    import duckdb

    with tempfile.TemporaryDirectory() as tmp, serve_pages(pages) as base:
        sources = Path(tmp) / "sources.toml"
        sources_file(base, pages, sources)
        warehouse = Path(tmp) / "warehouse"
        env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING", "NEWSETL_HOST_DELAY": "0"}
        env.pop("PREFECT_API_URL", None)
        # The run starts its own short-lived Prefect server; a busy machine needs more than 20 s.
        env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
        # One source per site makes ~1,000 sources, fetched with the default fetch threads as a
        # user's run would (the seen-URL index is no task input since it left the plain set).
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "newsetl", "run", "--sources", str(sources)]
            + ["--warehouse", str(warehouse)],
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / "real-run.stderr").write_text(done.stderr, encoding="utf-8")
            raise SystemExit(f"newsetl run failed (stderr in {RESULTS / 'real-run.stderr'})")
        con = duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True)
        rows = con.execute(
            "select url, title, authors, published_date, date_source, text from articles"
        ).fetchall()
        rejects = con.execute("select url, stage, reason from rejects").fetchall()
        con.close()
    found: dict[str, dict] = {}
    for url, title, authors, day, date_source, text in rows:
        found[urlsplit(url).path] = {
            "text": text or "",
            "title": title,
            "authors": list(authors or []),
            "date": str(day) if day else None,
            "date_source": date_source,
        }
    for url, stage, reason in rejects:
        found.setdefault(urlsplit(url).path, {"reject": f"{stage}: {reason}"})
    return found, seconds


# --- in-process runs (ours for the inner loop, and the baselines) ---------------------------

BASE = "http://127.0.0.1:8000"


def _ours_one(page: LabelledPage) -> dict:
    from newsetl.clean import clean_documents
    from newsetl.extract import extract_document
    from newsetl.records import FeedItem, RawPage, Reject

    url = BASE + page.path
    raw = RawPage(
        "raw", "run", source_name(page), url, url, url, 200, "text/html", "{}", page.html(),
        FeedItem(), datetime.now(UTC),
    )  # fmt: skip
    doc = extract_document(raw)
    if isinstance(doc, Reject):
        return {"reject": f"extract: {doc.reason}"}
    articles, rejects = clean_documents([doc])
    if not articles:
        return {"reject": f"clean: {rejects[0].reason}"}
    article = articles[0]
    return {
        "text": article.text,
        "title": article.title,
        "authors": article.authors,
        "date": str(article.published_date) if article.published_date else None,
        "date_source": article.date_source,
    }


def _trafilatura_one(page: LabelledPage) -> dict:
    import trafilatura

    result = trafilatura.bare_extraction(page.html(), url=BASE + page.path, with_metadata=True)
    if result is None:
        return {}
    return {
        "text": result.text or "",
        "title": result.title,
        "authors": split_authors(result.author),
        "date": (result.date or "")[:10] or None,
    }


def _htmldate_one(page: LabelledPage) -> dict:
    from htmldate import find_date

    html = page.html().decode("utf-8", errors="replace")
    url = BASE + page.path
    return {
        "date": find_date(html, url=url),
        "date_original": find_date(html, url=url, original_date=True),
    }


def run_all(func, pages: list[LabelledPage], workers: int = 2) -> dict[str, dict]:
    with ProcessPoolExecutor(workers) as pool:
        outputs = pool.map(_safe, [func] * len(pages), pages, chunksize=8)
        return {page.path: out for page, out in zip(pages, outputs)}


def _safe(func, page):
    try:
        return func(page)
    except Exception as err:  # a page that breaks a system is its empty output
        return {"error": f"{type(err).__name__}: {err}"[:200]}


# --- scoring --------------------------------------------------------------------------------


def _same_names(gold: list[str], got: list[str]) -> bool:
    return sorted(normalise_space(n) for n in gold) == sorted(normalise_space(n) for n in got)


def score(pages: list[LabelledPage], found: dict[str, dict], date_key: str = "date") -> dict:
    """quality.md's measures over the pages that carry each label; missing output is wrong."""
    out: dict = {"pages": len(pages)}
    bodies = [p for p in pages if p.body is not None]
    if bodies:
        out["body"] = text_scores(
            [(p.body, found.get(p.path, {}).get("text") or "") for p in bodies]
        )
        out["body"]["pages"] = len(bodies)
    titled = [p for p in pages if p.title]
    if titled:
        hits = sum(
            normalise_space(found.get(p.path, {}).get("title")) == normalise_space(p.title)
            for p in titled
        )
        out["title"] = {"exact": hits / len(titled), "pages": len(titled)}
    dated = [p for p in pages if p.date]
    if dated:
        hits = sum(found.get(p.path, {}).get(date_key) == p.date for p in dated)
        out["date"] = {"exact_day": hits / len(dated), "pages": len(dated)}
    authored = [p for p in pages if p.authors and p.body is not None]
    if authored:
        hits = sum(
            _same_names(p.authors, found.get(p.path, {}).get("authors") or []) for p in authored
        )
        unauthored = [p for p in pages if not p.authors and p.body is not None]
        none_right = sum(not found.get(p.path, {}).get("authors") for p in unauthored)
        out["authors"] = {
            "exact": hits / len(authored),
            "pages": len(authored),
            "none_when_none": none_right / len(unauthored) if unauthored else None,
        }
    out["rejected"] = sum("reject" in found.get(p.path, {}) for p in pages)
    return out


def misses(pages: list[LabelledPage], found: dict[str, dict]) -> dict[str, list]:
    """Per-page differences, for development (the JSON results keep them out)."""
    wrong: dict[str, list] = defaultdict(list)
    for p in pages:
        got = found.get(p.path, {})
        if "reject" in got:
            wrong["rejected"].append((p.path, got["reject"]))
        if p.title and normalise_space(got.get("title")) != normalise_space(p.title):
            wrong["title"].append((p.path, p.title, got.get("title")))
        if p.date and got.get("date") != p.date:
            wrong["date"].append((p.path, p.date, got.get("date"), got.get("date_source")))
        if p.authors and not _same_names(p.authors, got.get("authors") or []):
            wrong["authors"].append((p.path, p.authors, got.get("authors")))
        if p.body:
            f1 = text_scores([(p.body, got.get("text") or "")])
            wrong["body"].append((p.path, round(f1["precision"], 3), round(f1["recall"], 3)))
    return wrong


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(report: dict) -> str:
    rows = [("corpus / measure", "pages", "newsetl", "trafilatura", "htmldate", "htmldate orig")]
    for name, systems in report["corpora"].items():
        ours, traf, hd = systems["newsetl"], systems["trafilatura"], systems["htmldate"]
        hdo = systems["htmldate_original"]
        if "body" in ours:
            for key in ("f1", "precision", "recall"):
                rows.append(
                    (f"{name} body {key}", str(ours["body"]["pages"]), _fmt(ours["body"][key]),
                     _fmt(traf["body"][key]), "-", "-")
                )  # fmt: skip
        if "title" in ours:
            rows.append(
                (f"{name} title exact", str(ours["title"]["pages"]), _fmt(ours["title"]["exact"]),
                 _fmt(traf["title"]["exact"]), "-", "-")
            )  # fmt: skip
        if "date" in ours:
            rows.append(
                (f"{name} date exact day", str(ours["date"]["pages"]),
                 _fmt(ours["date"]["exact_day"]), _fmt(traf["date"]["exact_day"]),
                 _fmt(hd["date"]["exact_day"]), _fmt(hdo["date"]["exact_day"]))
            )  # fmt: skip
        if "authors" in ours:
            rows.append(
                (f"{name} authors exact", str(ours["authors"]["pages"]),
                 _fmt(ours["authors"]["exact"]), _fmt(traf["authors"]["exact"]), "-", "-")
            )  # fmt: skip
        rows.append(
            (f"{name} rejected pages", str(ours["pages"]), str(ours["rejected"]), "-", "-", "-")
        )
    width = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(v.ljust(w) for v, w in zip(r, width)) for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in width))
    return "\n".join(lines)


def _cached(cache: Path | None, name: str, func, pages: list[LabelledPage]) -> dict[str, dict]:
    """A baseline's outputs, kept in `cache` between development runs (the libraries are pinned)."""
    if cache is None:
        return run_all(func, pages)
    file = cache / f"{name}.json"
    known = json.loads(file.read_text(encoding="utf-8")) if file.exists() else {}
    todo = [p for p in pages if p.path not in known]
    if todo:
        known.update(run_all(func, todo))
        cache.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(known), encoding="utf-8")
    return {p.path: known[p.path] for p in pages}


def evaluate(
    split: str = "dev",
    direct: bool = False,
    limit: int | None = None,
    cache: Path | None = None,
    only: set[str] | None = None,
) -> dict | None:
    corpora = load(split)
    if not corpora:
        return None
    if limit:
        corpora = {name: pages[:limit] for name, pages in corpora.items()}
    if only:
        corpora = {n: [p for p in ps if p.path in only] for n, ps in corpora.items()}
        corpora = {n: ps for n, ps in corpora.items() if ps}
    pages = [p for ps in corpora.values() for p in ps]
    if direct:
        started = time.perf_counter()
        ours, seconds = run_all(_ours_one, pages), None
        seconds = time.perf_counter() - started
    else:
        ours, seconds = run_pipeline(pages)
    traf = _cached(cache, f"trafilatura-{split}", _trafilatura_one, pages)
    hd = _cached(cache, f"htmldate-{split}", _htmldate_one, pages)
    report: dict = {
        "split": split,
        "mode": "in-process extract+clean (development loop)" if direct else "newsetl run",
        "newsetl_seconds": round(seconds, 1),
        "corpora": {},
    }
    for name, group in corpora.items():
        report["corpora"][name] = {
            "newsetl": score(group, ours),
            "trafilatura": score(group, traf),
            "htmldate": score(group, hd),
            "htmldate_original": score(group, hd, date_key="date_original"),
        }
    report["_found"] = {"newsetl": ours, "trafilatura": traf}
    report["_corpora"] = corpora
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--direct", action="store_true", help="in-process inner loop")
    parser.add_argument("--limit", type=int, help="at most this many pages per corpus")
    parser.add_argument("--misses", type=Path, help="write per-page differences here (JSON)")
    parser.add_argument("--cache", type=Path, help="keep baseline outputs here between runs")
    parser.add_argument("--only", type=Path, help="a file of page paths to score, one a line")
    args = parser.parse_args(argv)
    only = set(args.only.read_text().split()) if args.only else None
    report = evaluate(args.split, args.direct, args.limit, args.cache, only)
    if report is None:
        print("no real-page corpus under the eval data folder (see benchmarks/realpages.py)")
        return
    found, corpora = report.pop("_found"), report.pop("_corpora")
    if args.misses:
        pages = [p for ps in corpora.values() for p in ps]
        args.misses.write_text(
            json.dumps(
                {"newsetl": misses(pages, found["newsetl"]),
                 "trafilatura": misses(pages, found["trafilatura"])},
                indent=1, ensure_ascii=False,
            ),
            encoding="utf-8",
        )  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    name = f"eval-real-{args.split}{'-direct' if args.direct else ''}.json"
    (RESULTS / name).write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(table(report))
    print(f"\n{report['mode']}: {report['newsetl_seconds']} s; details in {RESULTS / name}")


if __name__ == "__main__":
    main()
