"""`newsetl report`: one HTML file that holds its data and opens in a real browser offline.

The browser test drives Debian's Chromium (/usr/bin/chromium; `make test` installs it when it
is missing and it runs as root) with the playwright package, no browser download, networking
off: every chart must draw an SVG and the console must stay free of errors.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newsetl.cli import main

CHROMIUM = Path("/usr/bin/chromium")


class _Checker(HTMLParser):
    """Counts open/close tags (void elements aside) and keeps the JSON script blocks."""

    VOID = {"meta", "br", "img", "hr", "input", "link", "col", "area", "base", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.blocks: dict[str, str] = {}
        self._block: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)
        attributes = dict(attrs)
        if tag == "script" and attributes.get("type") == "application/json":
            self._block = attributes.get("id") or ""
            self.blocks[self._block] = ""

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()
        self._block = None

    def handle_data(self, data):
        if self._block is not None:
            self.blocks[self._block] += data


@pytest.fixture(scope="module")
def report_file(sample_warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    code = main(
        [
            "report",
            "--warehouse",
            str(sample_warehouse),
            "--query",
            "earthquake OR quake",
            "--query",
            '"rate cut" OR ecb',
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    return out


def test_report_is_one_valid_self_contained_html_file(report_file):
    text = report_file.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    # nothing is fetched: no external script, stylesheet, image or font
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", text)
    assert "vegaEmbed" in text and report_file.stat().st_size > 500_000  # the bundle is inline


def test_report_embeds_the_data_it_claims(report_file, sample_warehouse):
    import duckdb

    checker = _Checker()
    checker.feed(report_file.read_text(encoding="utf-8"))
    data = json.loads(checker.blocks["newsetl-data"])
    charts = json.loads(checker.blocks["newsetl-charts"])
    with duckdb.connect(str(sample_warehouse / "newsetl.duckdb"), read_only=True) as con:
        per_source = dict(
            con.execute("select source, count(*) from articles group by 1").fetchall()
        )
        rejects = con.execute("select count(*) from rejects").fetchone()[0]
    drawn: dict[str, int] = {}
    for row in data["articles_per_day"]:
        drawn[row["source"]] = drawn.get(row["source"], 0) + row["articles"]
    assert drawn == per_source  # every sample article is dated
    # the chart draws exactly these rows
    assert charts["chart-articles_per_day"]["data"]["values"] == data["articles_per_day"]
    quake = [r for r in data["attention"] if r["query"] == "earthquake OR quake"]
    assert sum(r["articles"] for r in quake) >= 2  # two outlets covered the Izmir earthquake
    assert all(0 <= r["share"] <= 1 for r in data["attention"])
    assert sum(r["records"] for r in data["pipeline_health"] if r["outcome"] != "loaded") == rejects
    people = {r["entity"] for r in data["top_entities"] if r["kind"] == "people"}
    assert "Tomas Lindqvist" in people
    with duckdb.connect(str(sample_warehouse / "newsetl.duckdb"), read_only=True) as con:
        shared = con.execute(
            "select count(*) from (select story_id from articles where story_id is not null "
            "group by 1 having count(distinct source) > 1)"
        ).fetchone()[0]
    assert len(data["stories"]) == shared >= 1
    text = report_file.read_text(encoding="utf-8")
    assert "Izmir" in text and "Pipeline health" in text


def test_chart_specs_follow_the_vega_lite_schema(report_file):
    """The report builds its specs unchecked (for speed); here each is checked once, whole."""
    import altair as alt

    checker = _Checker()
    checker.feed(report_file.read_text(encoding="utf-8"))
    charts = json.loads(checker.blocks["newsetl-charts"])
    assert len(charts) >= 5
    for spec in charts.values():
        alt.Chart.from_dict(spec, validate=True)  # raises on a spec the schema refuses
        broken = {**spec, "mark": {"type": "no-such-mark"}}
        with pytest.raises(Exception, match="no-such-mark|not valid|is not one of"):
            alt.Chart.from_dict(broken, validate=True)


def test_report_renders_offline_in_chromium(report_file):
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is missing: `apt-get install -y chromium` (make test does it as root)"
        )
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            context = browser.new_context(offline=True)
            page = context.new_page()
            page.on(
                "console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else 0
            )
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "request",
                lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else 0,
            )
            page.goto(report_file.as_uri())
            page.wait_for_function("document.body.dataset.charts !== undefined", timeout=60_000)
            status = page.evaluate("document.body.dataset.charts")
            charts = page.eval_on_selector_all(
                "div.chart",
                "els => els.map(e => [e.id, e.querySelectorAll('svg path, svg rect, svg line, "
                "svg text').length])",
            )
            page.screenshot(path=str(report_file.with_suffix(".png")), full_page=True)
        finally:
            browser.close()
    assert status == "rendered", errors
    assert errors == [] and requests == []
    assert len(charts) == 5
    assert all(marks > 10 for _, marks in charts), charts  # axes, marks and labels drawn


def test_report_refuses_a_bad_query_and_writes_nothing(sample_warehouse, tmp_path, capsys):
    out = tmp_path / "r.html"
    code = main(
        ["report", "--warehouse", str(sample_warehouse), "--query", "(a", "--out", str(out)]
    )
    assert code == 2 and not out.exists()
    assert "not closed" in capsys.readouterr().err


def test_every_ingest_run_publishes_its_charts_to_prefect(sample_warehouse):
    """The sample run left a markdown artifact with the charts as PNG images."""
    import base64
    from uuid import UUID

    import duckdb
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
    )

    with duckdb.connect(str(sample_warehouse / "newsetl.duckdb"), read_only=True) as con:
        run_ids = [UUID(r[0]) for r in con.execute("select run_id from runs").fetchall()]
    # That run's own artifact: other runs of the session publish under the same key.
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["newsetl-ingest-charts"]),
                flow_run_id=ArtifactFilterFlowRunId(any_=run_ids),
            )
        )
    assert artifacts and artifacts[0].type == "markdown" and artifacts[0].flow_run_id
    markdown = str(artifacts[0].data)
    images = re.findall(r"!\[([^\]]+)\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert [title for title, _ in images] == [
        "Articles per day and source",
        "Topic trends",
        "Pipeline health",
    ]
    for _, data in images:
        png = base64.b64decode(data)
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and width > 300 and height > 40
