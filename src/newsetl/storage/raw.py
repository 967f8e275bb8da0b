"""The raw archive (DIR/raw): every fetched response, compressed Parquet, append-only."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from newsetl.records import FeedItem, RawPage, Reject
from newsetl.schema import RAW
from newsetl.storage.lake import part_tag, write_table
from newsetl.storage.queries import sql
from newsetl.urls import normalize_url, redact_text, redact_url


def write_raw(pages: list[RawPage], raw_dir: Path) -> list[Path]:
    """Append pages to the archive, partitioned by fetch date; returns the files written."""
    if not pages:
        return []
    rows = [
        {
            "raw_id": p.raw_id,
            "run_id": p.run_id,
            "source": p.source,
            "kind": p.kind,
            # Credentials in a URL (user:password@, ?token=) never reach the archive.
            "url": redact_url(p.url),
            "url_key": normalize_url(p.url_key),
            "final_url": redact_url(p.final_url),
            "status": p.status,
            "content_type": p.content_type,
            "headers": redact_text(p.headers),
            "body": p.body,
            "feed_item": p.item.to_json(),
            "fetched_at": p.fetched_at,
            "fetched_date": p.fetched_at.date(),
        }
        for p in pages
    ]
    # Files carry the run id in their name: a run finds all it archived, also across task retries.
    return write_table(RAW, RAW.to_arrow(rows), raw_dir, merge=False, tag=pages[0].run_id)


def raw_files(raw_dir: Path, run_id: str | None = None, since: date | None = None) -> list[Path]:
    """Archive files by day, then name; only one run's (in write order) when `run_id` is given;
    only those of days from `since` on when given (a file's day is its pages' fetch day, UTC).

    Listed with os.scandir, not Path.glob (30 ms a listing at three years of days, 1,100
    folders)."""
    root = raw_dir / RAW.name
    first = f"{RAW.partition}={since.isoformat()}" if since else ""
    try:
        with os.scandir(root) as entries:
            days = sorted(e.name for e in entries if e.is_dir() and e.name >= first)
    except FileNotFoundError:
        return []
    files = []
    for day in days:
        with os.scandir(root / day) as entries:
            names = sorted(e.name for e in entries if e.name.endswith(".parquet"))
        folder = root / day
        files += [folder / n for n in names if run_id is None or part_tag(Path(n)) == run_id]
    return files


# Archived pages that processing reads: pages (not feeds, sitemaps, refusals) with a usable answer.
PAGES = "coalesce(kind, 'page') = 'page' and status < 400"
# Pages not fetched again: those archived with a usable response, those gone for good (404,
# 410), and those refused for what they are (not HTML, too large). Timeouts and 5xx are
# retried by the next run.
GONE = (404, 410)
SEEN = f"({PAGES}) or (coalesce(kind, 'page') = 'page' and status in {GONE}) or kind = 'refused'"


def asked_again(failed: RawPage | None) -> bool:
    """Whether the next run asks again for a page whose fetch failed (`failed` is what the
    archive keeps of it, if anything): the archive's SEEN rule, for one page in hand."""
    if failed is None:
        return True  # no answer at all: a timeout, a refused connection
    return failed.kind == "page" and failed.status >= 400 and failed.status not in GONE


ANY = "true"
# Archived answers that were no page to process: an error status (404, 503) or a refusal (not
# HTML, too large). The run that fetched each made a reject of it.
FAILED = "(kind = 'refused' or (coalesce(kind, 'page') = 'page' and status >= 400))"


def scan(
    files: list[Path], columns: str, where: str, batch_rows: int = 1024
) -> Iterator[pa.RecordBatch]:
    """The one reader of the archive: `columns` of the rows of `files` matching `where`, in file
    order, streamed in record batches (files written before a column existed read it as NULL)."""
    if not files:
        return
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")  # fetched_at comes back in UTC, as it was written
        yield from con.sql(
            sql("raw_scan", columns=columns, where=where),
            params={"files": [str(f) for f in files]},
        ).to_arrow_reader(batch_rows)
    finally:
        con.close()


def seen_url_keys(raw_dir: Path) -> set[str]:
    """Normalised page URLs that the archive already answers for."""
    return {
        key
        for batch in scan(raw_files(raw_dir), "distinct url_key", SEEN)
        for key in batch.column(0).to_pylist()
    }


def raw_ids(raw_dir: Path) -> set[str]:
    """Ids of every archived response."""
    return {
        r for batch in scan(raw_files(raw_dir), "raw_id", ANY) for r in batch.column(0).to_pylist()
    }


def count_raw_pages(raw_dir: Path, files: list[Path] | None = None) -> int:
    """Archived pages that processing reads (not feeds, not errors)."""
    files = raw_files(raw_dir) if files is None else files
    return sum(batch.column(0)[0].as_py() for batch in scan(files, "count(*)", PAGES))


COLUMNS = ", ".join(
    ["raw_id", "run_id", "source", "kind", "url", "url_key", "final_url", "status"]
    + ["content_type", "headers", "body", "feed_item", "fetched_at"]
)


def read_raw(
    raw_dir: Path, batch_rows: int = 200, files: list[Path] | None = None
) -> Iterator[list[RawPage]]:
    """Yield the archived pages (not feeds, not errors) in batches of `batch_rows`, file by file;
    only from `files` when given."""
    batch: list[RawPage] = []
    files = raw_files(raw_dir) if files is None else files
    for chunk in scan(files, COLUMNS, PAGES, batch_rows):
        for r in chunk.to_pylist():
            batch.append(
                RawPage(
                    raw_id=r["raw_id"],
                    run_id=r["run_id"],
                    source=r["source"],
                    kind=r["kind"] or "page",
                    url=r["url"],
                    url_key=r["url_key"],
                    final_url=r["final_url"],
                    status=r["status"],
                    content_type=r["content_type"],
                    headers=r["headers"],
                    body=r["body"],
                    item=FeedItem.from_json(r["feed_item"]),
                    fetched_at=r["fetched_at"],
                )
            )
            if len(batch) >= batch_rows:
                yield batch
                batch = []
    if batch:
        yield batch


def unfinished_run_files(
    raw_dir: Path, finished_runs: set[str], files: list[Path] | None = None
) -> list[Path]:
    """Raw files of runs that never completed (among `files`, the archive's by default): their
    pages are in the archive (so no later run fetches them again) but may not have become
    articles."""
    return [
        path
        for path in (raw_files(raw_dir) if files is None else files)
        if part_tag(path) and part_tag(path) not in finished_runs
    ]


@dataclass(frozen=True)
class Unrecorded:
    """What the archive tells of runs that ended without recording themselves (killed, or
    interrupted with Ctrl-C): when each first archived a response, and the fetch rejects it
    held in memory only, one for each failed answer it archived."""

    first_fetched: dict[str, datetime]
    rejects: list[Reject]


def unrecorded_runs(files: list[Path]) -> Unrecorded:
    """Read from these runs' archive files (see `Unrecorded`). Failures that left nothing in the
    archive (a timeout, a refused connection) are not found, but no later run takes them for
    seen: they are asked again and rejected again if they still fail."""
    first: dict[str, datetime] = {}
    rejects = []
    # One pass over the runs' rows (their metadata, no bodies): every row dates its run, the
    # failed ones are rejects.
    columns = "run_id, fetched_at, source, kind, url, final_url, status, headers, "
    columns += f"{FAILED} as failed"
    for batch in scan(files, columns, ANY):
        for r in batch.to_pylist():
            run = r["run_id"]
            if run not in first or r["fetched_at"] < first[run]:
                first[run] = r["fetched_at"]
            if not r["failed"]:
                continue
            refusal = (
                json.loads(r["headers"] or "{}").get("x-newsetl-refused")
                if r["kind"] == "refused"
                else None
            )
            where = r["final_url"] or r["url"]
            rejects.append(
                Reject(
                    "fetch",
                    r["source"],
                    r["url"],
                    refusal or f"http {r['status']}",
                    f"{where} (archived by run {r['run_id']}, which ended before recording it)",
                )
            )
    return Unrecorded(first, rejects)


def headers_json(headers: dict[str, str]) -> str:
    return json.dumps(headers, ensure_ascii=False, sort_keys=True)
