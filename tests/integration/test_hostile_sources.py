"""A good feed with malformed links and a header tarpit among its items, and a source that is
slow on every page: each costs rejects, never the run, and the run ends in bounded time."""

from __future__ import annotations

import time

import duckdb
import pytest

from tests.conftest import ROOT
from tests.unit.test_fetch_adversarial import PAGE, Adversary, Handler

pytestmark = pytest.mark.slow

# A real article of the sample site (ours), served from the hostile server.
ARTICLE = next(
    p
    for p in sorted((ROOT / "examples" / "site" / "harbour-herald").rglob("*.html"))
    if "index" not in p.name
).read_bytes()


@pytest.fixture
def hostile():
    adversary = Adversary()
    adversary.thread.start()
    yield adversary
    adversary.httpd.shutdown()
    adversary.httpd.server_close()


def rss(links: list[str]) -> bytes:
    items = "".join(
        f"<item><title>Item {n}</title><link>{link}</link></item>" for n, link in enumerate(links)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>Q</title>'
    return f"{head}{items}</channel></rss>".encode()


def sources_file(path, url: str) -> str:
    path.write_text(
        f'[[sources]]\nname = "quay"\nkind = "feed"\nurl = "{url}"\n'
        "allow_private_network = true\ndelay = 0\nrobots = false\n",
        encoding="utf-8",
    )
    return str(path)


def test_malformed_links_and_a_tarpit_inside_a_good_feed(
    hostile, prefect_harness, tmp_path, monkeypatch
):
    from newsetl_flows.ingest import ingest

    def tarpit(h: Handler, hit: int) -> None:
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for n in range(600):
            h.wfile.write(f"X-Slow-{n}: {n}\r\n".encode())
            h.wfile.flush()
            time.sleep(0.5)

    hostile.fixed("/good", body=ARTICLE)
    hostile.routes["/tarpit"] = tarpit
    links = [
        hostile.url("/good"),
        hostile.url("/tarpit"),
        "http://example.com:99999/a",
        "http://[::1/b",
        "http://" + "x" * 64 + ".example.com/c",
    ]
    hostile.fixed("/feed.xml", body=rss(links), content_type="application/rss+xml")
    monkeypatch.setenv("NEWSETL_MAX_RESPONSE_SECONDS", "2")
    monkeypatch.setenv("NEWSETL_RETRIES", "0")
    warehouse = tmp_path / "wh"
    started = time.monotonic()
    summary = ingest(
        sources=sources_file(tmp_path / "s.toml", hostile.url("/feed.xml")),
        warehouse=str(warehouse),
    )
    assert time.monotonic() - started < 120
    assert summary["status"] == "completed" and summary["new_articles"] == 1
    with duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True) as con:
        reasons = sorted(r[0] for r in con.execute("select reason from rejects").fetchall())
    assert reasons.count("timeout") == 1
    assert reasons.count("bad url") + reasons.count("feed item without link") == 3
    assert hostile.hits["/tarpit"] == 1


def test_a_source_slow_on_every_page_costs_a_reject_not_the_run(
    hostile, prefect_harness, tmp_path, monkeypatch
):
    from newsetl_flows.ingest import ingest

    def slow(h: Handler, hit: int) -> None:
        time.sleep(1.0)  # each page inside every deadline, all together far too slow
        h.reply(200, PAGE)

    for n in range(12):
        hostile.routes[f"/slow/{n}"] = slow
    hostile.fixed(
        "/feed.xml",
        body=rss([hostile.url(f"/slow/{n}") for n in range(12)]),
        content_type="application/rss+xml",
    )
    monkeypatch.setenv("NEWSETL_SOURCE_TIMEOUT", "3")
    monkeypatch.setenv("NEWSETL_HOST_CONCURRENCY", "1")
    warehouse = tmp_path / "wh"
    started = time.monotonic()
    summary = ingest(
        sources=sources_file(tmp_path / "s.toml", hostile.url("/feed.xml")),
        warehouse=str(warehouse),
    )
    assert time.monotonic() - started < 90
    assert summary["status"] == "completed"
    with duckdb.connect(str(warehouse / "newsetl.duckdb"), read_only=True) as con:
        reasons = [r[0] for r in con.execute("select reason from rejects").fetchall()]
    assert "source timed out" in reasons


def test_status_counts_a_failed_page_a_later_run_loaded(
    hostile, prefect_harness, tmp_path, monkeypatch, capsys
):
    """A page that answered 503 in one run and its article in the next: its reject row stays
    (what happened), and `newsetl status` says its address was loaded since."""
    import json

    from newsetl.cli import main
    from newsetl_flows.ingest import ingest

    hostile.fixed("/down", status=503, body=b"busy", content_type="text/plain")
    hostile.fixed("/gone", status=404, body=b"no", content_type="text/plain")
    hostile.fixed(
        "/feed.xml",
        body=rss([hostile.url("/down"), hostile.url("/gone")]),
        content_type="application/rss+xml",
    )
    monkeypatch.setenv("NEWSETL_RETRIES", "0")
    sources = sources_file(tmp_path / "s.toml", hostile.url("/feed.xml"))
    warehouse = tmp_path / "wh"
    assert ingest(sources=sources, warehouse=str(warehouse))["new_articles"] == 0
    hostile.fixed("/down", body=ARTICLE)
    assert ingest(sources=sources, warehouse=str(warehouse))["new_articles"] == 1

    assert main(["status", "--warehouse", str(warehouse), "--format", "json"]) == 0
    reasons = json.loads(capsys.readouterr().out)["rejects_by_reason"]
    assert sorted(
        (r["reason"], r["addresses"], r["last_run"], r["loaded_since"]) for r in reasons
    ) == [
        ("http 404", 1, 0, 0),
        ("http 503", 1, 0, 1),
    ]
    assert main(["status", "--warehouse", str(warehouse)]) == 0
    assert "| last run | loaded since |" in capsys.readouterr().out
