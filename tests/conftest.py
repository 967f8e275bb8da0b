"""Session fixtures: the sample site on 127.0.0.1, one Prefect harness, one ingest run."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "examples" / "site"
SAMPLE_SOURCES = ROOT / "examples" / "sources.toml"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Commands the tests start stop their own Prefect server; tests/integration/test_kept_server.py
# checks the server kept between commands.
os.environ.setdefault("NEWSETL_SERVER_KEEP_MINUTES", "0")


def _expected(key: str) -> list[dict]:
    found = []
    for path in sorted(SITE.glob("*/expected.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found += [{**item, "source": data["source"]} for item in data[key]]
    return found


def expected_articles() -> list[dict]:
    """The labelled truth of the sample site, one dict per article, with its source."""
    return _expected("articles")


def expected_rejects() -> list[dict]:
    """Feed items of the sample site that must end as rejects, with the reason."""
    return _expected("rejects")


def sources_for(base_url: str, target: Path) -> Path:
    """The bundled sources file, pointed at a server on another port and without [serve]."""
    text = SAMPLE_SOURCES.read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^\[serve\].*?(?=^\[\[sources\]\])", "", text)
    text = text.replace("http://127.0.0.1:8765", base_url)
    target.write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def sample_site():
    """The sample news site served on a free port of 127.0.0.1 for the whole session."""
    from newsetl.serve import serve_folder

    with serve_folder(SITE, 0) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the session (its SQLite dislikes many)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def sample_warehouse(sample_site, prefect_harness, tmp_path_factory) -> Path:
    """A warehouse holding one ingest run of the sample site (tests read it, never write)."""
    from newsetl_flows.ingest import ingest

    folder = tmp_path_factory.mktemp("sample")
    ingest(
        sources=str(sources_for(sample_site, folder / "sources.toml")),
        warehouse=str(folder / "warehouse"),
    )
    return folder / "warehouse"
