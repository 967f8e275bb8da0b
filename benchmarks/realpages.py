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
- `ir-research-data/`: github.com/MSVCode/ir-research-data (research use only), `Extraction/`.
- `l3s-gn1/`: L3S-GN1 (Kohlschuetter et al., WSDM 2010; research use only), as kept in
  github.com/geodrome/page-signal: 621 English news pages of 408 sites found through Google News
  in 2008 (`original/`), each also as annotated by people (`annotated/`: every text block in a
  `<span class="x-nc-selN">`, 1 headline, 2 full text, 3 supplemental, 4 comments, 5 related
  content, 0 not content), and their addresses (`url-mapping.txt`). The full text is the gold
  body, the one headline (where the page has one) the gold title.
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


L3S_HEADLINE, L3S_FULLTEXT = "1", "2"
LOST_CHARACTER = re.compile(r"\w\?\w|(?:^|\s)\?(?:\s|$)")


def l3s_gn1(root: Path) -> list[LabelledPage]:
    """L3S-GN1's pages with the text people marked as the article's full text and headline."""
    folder = root / "l3s-gn1"
    mapping = folder / "url-mapping.txt"
    if not mapping.exists():
        return []
    urls = {}
    for line in mapping.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, url = line.partition("\t")
        urls[key.strip().removeprefix("<urn:uuid:").removesuffix(">")] = url.strip()
    pages = []
    for annotated in sorted((folder / "annotated").glob("*.html")):
        original = folder / "original" / annotated.name
        if not original.exists():
            continue
        blocks = _labelled_blocks(annotated.read_bytes())
        body = _runs(blocks, L3S_FULLTEXT)
        if not body:
            continue
        # A headline whose quotes or dashes the annotation turned into "?" cannot be matched.
        headlines = {h for h in _runs(blocks, L3S_HEADLINE) if not LOST_CHARACTER.search(h)}
        pages.append(
            LabelledPage(
                corpus="l3s-gn1",
                page_id=annotated.stem[:8],
                url=urls.get(annotated.stem) or f"https://{annotated.stem[:8]}.l3s.example/",
                html_file=original,
                title=headlines.pop() if len(headlines) == 1 else None,  # two: which one?
                body="\n".join(body),
            )
        )
    return pages


def _labelled_blocks(data: bytes) -> list[tuple[str, str]]:
    """Each text of an annotated page, in page order, with the label of the nearest labelled
    element around it ("0" where none is)."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(data.decode("utf-8", errors="replace"))
    out: list[tuple[str, str]] = []

    def label(element) -> str:
        for node in (element, *element.iterancestors()):
            name = node.get("class") or ""
            if name.startswith("x-nc-sel"):
                return name.removeprefix("x-nc-sel")
        return "0"

    def walk(element) -> None:
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            return
        own = label(element)
        if element.text:
            out.append((own, element.text))
        for child in element:
            walk(child)
            if child.tail:
                out.append((own, child.tail))

    walk(tree)
    return out


def _runs(blocks: list[tuple[str, str]], wanted: str) -> list[str]:
    """The texts of `wanted` blocks, one string per run of them (texts of other labels that are
    only white space do not end a run; the texts of a run are joined with a space: the
    annotator's blocks split words only at tags)."""
    runs: list[str] = []
    current: list[str] = []
    for kind, text in blocks:
        if kind == wanted:
            current.append(text)
        elif current and text.strip():
            runs.append(" ".join(" ".join(current).split()))
            current = []
    if current:
        runs.append(" ".join(" ".join(current).split()))
    return [run for run in runs if run]


def load(split: str = "dev", root: Path | None = None) -> dict[str, list[LabelledPage]]:
    """Every present corpus for the split: 'dev' (development sets) or 'test' (held out)."""
    root = root or data_root()
    found: dict[str, list[LabelledPage]] = {}
    if split == "dev":
        found["wcxb-dev"] = wcxb(root, "dev")
        found["mediacloud"] = htmldate_mediacloud(root)
        found["irx"] = ir_research(root)
        found["l3s-gn1"] = l3s_gn1(root)
    else:
        found["wcxb-test"] = wcxb(root, "test")
    return {name: pages for name, pages in found.items() if pages}
