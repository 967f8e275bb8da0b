"""Public, third-party labelled pages for `make eval`, read from a local data folder.

Nothing is fetched here and nothing of these corpora lives in the repository: the folder named by
`NEWSETL_EVAL_DATA` (default `eval-data/` at the repository root) holds whatever of them was
unpacked there, and each corpus below is used when its folder is present.

- `wcxb/`: github.com/Murrough-Foley/web-content-extraction-benchmark (CC-BY-4.0), its `dev/`
  and `test/` folders as they are (`<split>/html/NNNN.html.gz`, `<split>/ground-truth/NNNN.json`).
  Pages of type `article` are scored: gold main text, title, author and publication day.
- `htmldate-mediacloud/`: github.com/adbar/htmldate (Apache-2.0), `tests/eval_mediacloud_2020.json`
  and the pages it names from `tests/test_set/` (200 news pages with gold publication days).
  It is a development set (the library we compare with was built on its neighbours).
"""

from __future__ import annotations

import gzip
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class LabelledPage:
    """One real page and what its labels say; a field is None where the corpus has no label."""

    corpus: str
    page_id: str
    url: str  # where the page was published
    html_file: Path
    title: str | None = None
    authors: list[str] | None = None
    date: str | None = None  # YYYY-MM-DD
    body: str | None = None
    kind: str = "article"

    def html(self) -> bytes:
        data = self.html_file.read_bytes()
        return gzip.decompress(data) if self.html_file.suffix == ".gz" else data

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "unknown").removeprefix("www.")

    @property
    def path(self) -> str:
        """Where the local server shows it: its corpus and id, then the page's own path.

        Keeping the original path lets the pipeline see what it sees on the real site (dates and
        slugs in the URL); the host is lost, as it is for every page served from 127.0.0.1.
        """
        own = urlsplit(self.url).path or "/"
        own = quote(own, safe="/%-._~")
        return f"/{self.corpus}/{self.page_id}{own if own.startswith('/') else '/' + own}"


def data_root() -> Path:
    return Path(os.environ.get("NEWSETL_EVAL_DATA") or ROOT / "eval-data")


AUTHOR_SPLIT = re.compile(r"\s*(?:;|&|\||\band\b)\s*")


def split_authors(value: str | None) -> list[str]:
    """'A, B and C' -> ['A', 'B', 'C']: how a gold or baseline author string is compared.

    After a comma, a piece of one word or in capitals is a credential ('Jo Doe, MD, FACS'), not a
    second name.
    """
    if not value:
        return []
    names = []
    for part in AUTHOR_SPLIT.split(value):
        pieces = [" ".join(p.split()) for p in part.split(",")]
        names += [p for i, p in enumerate(pieces) if p and (i == 0 or _second_name(p))]
    return names


def _second_name(piece: str) -> bool:
    return len(piece.split()) >= 2 and not piece.isupper() and "." not in piece


def wcxb(root: Path, split: str, kinds: tuple[str, ...] = ("article",)) -> list[LabelledPage]:
    folder = root / "wcxb" / split
    pages = []
    for truth in sorted((folder / "ground-truth").glob("*.json")):
        data = json.loads(truth.read_text(encoding="utf-8"))
        kind = data.get("_internal", {}).get("page_type", {}).get("primary", "")
        if kind not in kinds:
            continue
        gold = data["ground_truth"]
        html_file = folder / "html" / f"{truth.stem}.html.gz"
        if not html_file.exists():
            continue
        date = gold.get("publish_date")
        pages.append(
            LabelledPage(
                corpus=f"wcxb-{split}",
                page_id=truth.stem,
                url=data.get("url") or data.get("source_url") or "",
                html_file=html_file,
                title=gold.get("title"),
                authors=split_authors(gold.get("author")) if gold.get("author") else None,
                date=date if date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else None,
                body=gold.get("main_content") or "",
                kind=kind,
            )
        )
    return pages


def htmldate_mediacloud(root: Path) -> list[LabelledPage]:
    folder = root / "htmldate-mediacloud"
    labels = folder / "eval_mediacloud_2020.json"
    if not labels.exists():
        return []
    pages = []
    for url, label in json.loads(labels.read_text(encoding="utf-8")).items():
        html_file = folder / "test_set" / label["file"]
        if html_file.exists() and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(label.get("date"))):
            pages.append(
                LabelledPage(
                    corpus="mediacloud",
                    page_id=Path(label["file"]).stem,
                    url=url,
                    html_file=html_file,
                    date=label["date"],
                )
            )
    return pages


PAGE_URL = re.compile(
    rb"""<(?:meta[^>]+property=["']og:url["'][^>]+content|link[^>]+rel=["']canonical["'][^>]+href)"""
    rb"""=["'](https?://[^"'\s]+)["']""",
    re.IGNORECASE,
)


def ir_research(root: Path) -> list[LabelledPage]:
    """MSVCode/ir-research-data `Extraction/` (research use only): news pages of nine large
    outlets in 2005, 2009, 2013 and 2017 (`big5-*`) and pages of about 240 sites found by news
    queries in 2017 (`chaos-all`), each with the text a person marked as the article: its first
    line is the headline, the rest the body. The page's own URL comes from its og:url or canonical
    link where it has one, so pages of one outlet form one source as on the real site."""
    folder = root / "ir-research-data" / "Extraction"
    pages = []
    for gold_file in sorted(folder.glob("*/gold/*.txt")):
        group = gold_file.parent.parent.name
        html_file = next(
            (f for ext in (".htm", ".html") if (f := gold_file.parent.parent / "html" /
             (gold_file.stem + ext)).exists()),
            None,
        )  # fmt: skip
        if html_file is None:
            continue
        data = gold_file.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:  # some gold files were saved in Windows-1252
            text = data.decode("cp1252", errors="replace")
        lines = text.strip().splitlines()
        if len(lines) < 2:
            continue
        page_id = re.sub(r"[^a-z0-9]+", "-", f"{group} {gold_file.stem}".lower()).strip("-")
        found = PAGE_URL.search(html_file.read_bytes()[:300_000])
        url = found.group(1).decode("ascii", "replace") if found else ""
        # A page kept by the Wayback Machine names the page it keeps after its own address.
        url = re.sub(r"^https?://[^/]*archive\.org/web/\d+\w*/", "", url)
        pages.append(
            LabelledPage(
                corpus="irx",
                page_id=page_id,
                url=url or f"https://{page_id}.irx.example/",
                html_file=html_file,
                title=" ".join(lines[0].split()),
                body="\n".join(line.strip() for line in lines[1:] if line.strip()),
            )
        )
    return pages


def load(split: str = "dev", root: Path | None = None) -> dict[str, list[LabelledPage]]:
    """Every present corpus for the split: 'dev' (development sets) or 'test' (held out)."""
    root = root or data_root()
    found: dict[str, list[LabelledPage]] = {}
    if split == "dev":
        found["wcxb-dev"] = wcxb(root, "dev")
        found["mediacloud"] = htmldate_mediacloud(root)
        found["irx"] = ir_research(root)
    else:
        found["wcxb-test"] = wcxb(root, "test")
    return {name: pages for name, pages in found.items() if pages}
