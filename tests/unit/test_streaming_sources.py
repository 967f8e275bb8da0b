"""WARC and directory sources stream: memory does not grow with the size of the source, and a
record too large decompressed is a reject, read no further than the limit."""

from __future__ import annotations

import gc
import tracemalloc

from newsetl.config import Settings
from newsetl.discover import discover
from newsetl.fetch.pages import fetch_pages
from newsetl.sources import Source
from newsetl.storage.raw import count_raw_pages, write_raw
from newsetl.transport import Fetcher


def write_warc(path, records: int, body_bytes: int, huge: int = 0) -> None:
    """A gzipped WARC of `records` HTML responses of about `body_bytes` each (one of `huge`)."""
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    filler = b"<p>" + b"The harbour board met again. " * (body_bytes // 30) + b"</p>"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n in range(records):
            body = b"<html><body><h1>Story %d</h1>%s</body></html>" % (n, filler)
            if huge and n == 1:
                body = b"<html><body>" + b"x" * huge + b"</body></html>"
            headers = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.0"
            )
            writer.write_record(
                writer.create_warc_record(
                    f"https://quay.example.org/{n}",
                    "response",
                    payload=BytesIO(body),
                    http_headers=headers,
                )
            )


def ingest_peak(source: Source, settings: Settings, raw_dir) -> tuple[int, int]:
    """Peak Python memory of discovering and archiving a source, and the pages archived."""
    fetcher = Fetcher(settings)
    gc.collect()
    tracemalloc.start()
    try:
        found = discover(source, fetcher, stream=True)
        result = fetch_pages(
            source,
            found.candidates,
            fetcher,
            "run-1",
            set(),
            sink=lambda held: write_raw(held, raw_dir),
            flush_every=20,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result.fetched


def test_warc_memory_is_flat_in_its_size(tmp_path):
    settings = Settings(host_delay=0)
    peaks = {}
    for records in (40, 320):
        path = tmp_path / f"crawl-{records}.warc.gz"
        write_warc(path, records, 40_000)
        raw = tmp_path / f"raw-{records}"
        peak, fetched = ingest_peak(Source(name="crawl", kind="warc", path=path), settings, raw)
        assert fetched == records
        assert count_raw_pages(raw) == records
        peaks[records] = peak
    # 8 times the records (about 13 MB of bodies against 1.6 MB): the peak stays put.
    assert peaks[320] < peaks[40] * 1.5 + 1_000_000, peaks
    assert peaks[320] < 320 * 40_000 / 2, peaks


def test_directory_memory_is_flat_in_its_size(tmp_path):
    settings = Settings(host_delay=0)
    peaks = {}
    for files in (40, 320):
        folder = tmp_path / f"inbox-{files}"
        folder.mkdir()
        for n in range(files):
            (folder / f"{n:04d}.html").write_bytes(
                b"<html><body><p>" + b"Quay news. " * 4000 + b"</p></body></html>"
            )
        raw = tmp_path / f"raw-{files}"
        peak, fetched = ingest_peak(
            Source(name="inbox", kind="directory", path=folder), settings, raw
        )
        assert fetched == files
        peaks[files] = peak
    assert peaks[320] < peaks[40] * 1.5 + 1_000_000, peaks


def test_a_warc_record_over_the_limit_is_a_reject(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, 3, 1000, huge=3_000_000)
    settings = Settings(host_delay=0, max_body_bytes=1_000_000)
    found = discover(Source(name="crawl", kind="warc", path=path), Fetcher(settings), stream=True)
    urls = [c.url for c in found.candidates]
    assert urls == ["https://quay.example.org/0", "https://quay.example.org/2"]
    assert [(r.url, r.reason) for r in found.rejects] == [
        ("https://quay.example.org/1", "too large")
    ]


def test_a_file_over_the_limit_is_a_reject_and_not_read(tmp_path):
    (tmp_path / "big.html").write_bytes(b"<html>" + b"x" * 2_000_000 + b"</html>")
    (tmp_path / "ok.html").write_bytes(b"<html><p>fine</p></html>")
    (tmp_path / "lines.jsonl").write_bytes(
        b'{"url": "https://example.org/1", "text": "'
        + b"y" * 2_000_000
        + b'"}\n{"url": "https://example.org/2", "text": "short"}\n'
    )
    settings = Settings(host_delay=0, max_body_bytes=1_000_000)
    found = discover(Source(name="inbox", kind="directory", path=tmp_path), Fetcher(settings))
    assert sorted(c.url.rsplit("/", 1)[-1] for c in found.candidates) == ["2", "ok.html"]
    assert sorted(r.reason for r in found.rejects) == ["too large", "too large"]
