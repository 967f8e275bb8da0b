"""Main text and metadata of one raw page, with trafilatura as the extraction engine."""

from __future__ import annotations

import copy
import logging
import re
import threading
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from dateutil.parser import UnknownTimezoneWarning
from lxml import html as lxml_html

from newsetl.dates import after_fetch
from newsetl.extract import metadata as meta
from newsetl.extract.encoding import declared_text, plain_text
from newsetl.records import RawPage, Reject
from newsetl.words import count_words

if TYPE_CHECKING:
    from collections.abc import Callable

    from trafilatura.settings import Document as ExtractedText

# htmldate, inside trafilatura, asks dateutil about zone names dateutil does not know
# ("2025-11-03 10:15 EDT"), and dateutil warns on the run's console once per name and process.
# htmldate keeps only the day, which the name does not change; our own date sources read the
# names (newsetl.dates). A filter for the whole process: the extraction threads share it.
warnings.filterwarnings("ignore", category=UnknownTimezoneWarning)
# trafilatura logs on the run's console each page it cannot parse ("lxml parsing failed:
# Document is empty"); each such page is a reject row with its reason, so the log adds noise.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

# trafilatura is imported where a page is extracted, not with this module: a run with nothing
# new to extract (a scheduled run that found nothing) does not pay its import. The worker
# processes import it before they fork (newsetl.parallel_preload).

# Per-page bounds: extraction time grows with the number of elements (about a millisecond
# each in the worst case), so a page past these is a reject, not a stuck run. The largest of
# 2,245 real news pages measured had 15,793 elements (99th percentile 6,362).
MAX_EXTRACT_BYTES = 5_000_000
MAX_ELEMENTS = 25_000
MAX_DEPTH = 400

# The start of the article's text that tells a headline from a site's own title (meta.find_title).
LEAD_WORDS = 80
# A page whose extracted words are mostly link texts is a list of links (home, section, tag page).
# Measured on real pages (benchmarks/real_eval.py, WCXB dev): at 0.7 no article of 793 is
# rejected and some list pages are; a rule on linked headlines before extraction rejected 24 real
# articles (their related-story blocks) and was dropped.
MAX_LINK_SHARE = 0.7
# A page that says it is an article and dates itself (metadata.declared_article) is one when it
# has a sentence or two of its own: past the link share if that many of its words are not link
# texts, and in clean past its minimum length. On the development pages (benchmarks/date_loop.py)
# this kept 3 real articles that were rejects (two short news items, one with a region menu
# around its text) and let 1 of 216 listing and collection pages of WCXB dev through.
DECLARED_MIN_WORDS = 20


@dataclass
class Document:
    """What extraction found in a page, before text-level cleaning."""

    page: RawPage
    canonical_url: str
    title: str | None
    authors: list[str]
    published_at: datetime | None
    date_source: str
    paragraphs: list[str]
    captions: set[str] = field(default_factory=set)
    description: str | None = None
    site_name: str | None = None
    # The page says it is an article and dates itself (metadata.declared_article): a short text
    # does not make it a non-article.
    declared_article: bool = False
    # Plain text handed over as a document (a .txt file, a JSONL record's text, a WARC
    # conversion record; not a text/plain response fetched from the web): it has no navigation
    # or link lists, so no length makes it a non-article; a headline with a one-line summary is
    # kept (clean rejects it only when nothing is left).
    given_text: bool = False


def _normal(text: str) -> str:
    return " ".join(text.split()).lower()


# The Wayback Machine's toolbar on pages read from web.archive.org (its capture calendar, "About
# this capture", the crawl's owner): text and dates of the archive, not of the page. Element ids
# of its older (wm-ipp) and current (wm-ipp-base, wm-ipp-print, donato) toolbars.
ARCHIVE_TOOLBAR = '//*[@id="wm-ipp" or @id="wm-ipp-base" or @id="wm-ipp-print" or @id="donato"]'


def drop_archive_toolbar(tree: lxml_html.HtmlElement, body: bytes | None = None) -> None:
    """Takes the toolbar out; `body`, the page as fetched, spares the search of the whole tree
    on a page that names none of the toolbar's ids (in an ASCII-compatible encoding: UTF-16
    has NUL bytes)."""
    if (
        body is not None
        and b"\x00" not in body[:512]
        and not (b"wm-ipp" in body or b"donato" in body)
    ):
        return
    for element in tree.xpath(ARCHIVE_TOOLBAR):
        element.drop_tree()


CAPTIONS = (
    "//figcaption | //*[contains(@class, 'caption') or contains(@class, 'cutline')"
    " or contains(@class, 'photo-credit') or contains(@class, 'image-credit')]"
)


# Home, section and tag pages: a run of linked headlines, each with a short blurb beside it, and
# no publication date of their own. On WCXB dev (benchmarks/list_pages.py) at a share of 0.5 the
# rule rejected 1 of 793 real articles (a government topic page, 55 % teasers) and 4 of 216
# listing and collection pages; at 0.6 no article is rejected. Our sample's section page is 97 %.
LIST_PAGE_HEADLINES = 5
TEASER_MAX_WORDS = 80
MAX_TEASER_SHARE = 0.6
LINKED_HEADLINES = (
    "//*[self::h1 or self::h2 or self::h3 or self::h4][.//a[@href]]"
    "[not(ancestor::header or ancestor::nav or ancestor::footer or ancestor::aside)]"
)


def teaser_texts(tree: lxml_html.HtmlElement) -> tuple[int, set[str]]:
    """How many linked headlines the page has, and their texts with the short blurbs beside them."""
    headlines = tree.xpath(LINKED_HEADLINES)
    texts: set[str] = set()
    for headline in headlines:
        texts.add(_normal(headline.text_content()))
        box = headline.getparent()
        if box is not None and len(box.text_content().split()) <= TEASER_MAX_WORDS:
            texts.add(_normal(box.text_content()))  # a list item read as one paragraph
            texts.update(_normal(p.text_content()) for p in box.iter("p"))
    texts.discard("")
    return len(headlines), texts


# A paragraph that is the whole text of a link to another page of the same site is the site's
# teaser for another story (a related-stories box, a linked headline between the article's
# paragraphs), which trafilatura's recall mode keeps. Links to other sites (a post's sources, a
# guide's products), to places in the page itself (a table of contents) and links that are
# headings (a roundup's stories, a guide's chapters) are the article's own. Measured on the
# development pages (benchmarks/real_eval.py --direct, against the same run without the rule):
# ir-research-data 30 pages better, 2 worse (body F1 0.969 -> 0.970); WCXB dev 15 better, 15
# worse (0.948 either way). Without the heading exception WCXB dev read 18 and 18; with three
# words instead of five 23 and 23.
SITE_LINK_MIN_WORDS = 5
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def page_links(tree: lxml_html.HtmlElement) -> tuple[set[str], dict[str, list[str]]]:
    """The texts of the page's links (normalised), and for those outside headings the targets
    each text links to; one pass over the links."""
    texts: set[str] = set()
    targets: dict[str, list[str]] = {}
    for anchor in tree.iter("a"):
        text = _normal(anchor.text_content())
        texts.add(text)
        if next(anchor.iterancestors(*HEADINGS), None) is None:
            targets.setdefault(text, []).append(anchor.get("href") or "")
    return texts, targets


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def other_page_of_site(url: str, canonical: str) -> Callable[[str], bool]:
    """Whether a link target (relative to `canonical`) is another page of the site `url` and
    `canonical` belong to: not the page itself, not a mail or script link."""
    hosts = {h for h in (_host(url), _host(canonical)) if h}
    here = {urlsplit(url).path.rstrip("/"), urlsplit(canonical).path.rstrip("/")}

    def test(href: str) -> bool:
        target = urlsplit(urljoin(canonical, href.strip()))
        if target.scheme not in ("http", "https") or target.path.rstrip("/") in here:
            return False
        host = (target.hostname or "").removeprefix("www.")
        return any(host == h or host.endswith("." + h) for h in hosts)

    return test


def _site_link(
    paragraph: str, links: dict[str, list[str]], same_site: Callable[[str], bool]
) -> bool:
    """Whether `paragraph` is a link's whole text and the link goes to another page of this site."""
    text = _normal(paragraph)
    bare = text.lstrip("-•* ")
    if len(bare.split()) < SITE_LINK_MIN_WORDS:
        return False
    return any(same_site(href) for href in links.get(bare) or links.get(text) or [])


# A line that is nothing but links between brackets, bars or bullets ("[Site Info] [Privacy
# Policy] [Advertise]"): the page's own links, not the story (the NER took "Privacy Policy" for a
# person in 19 of 720 ir-research-data articles). Three links or more: on the development pages
# ir-research-data 11 pages better, WCXB dev 1, none worse; with two, 2 WCXB pages were worse (a
# checklist's linked items).
LINK_LINE_SEPARATORS = re.compile(r"\s*[|\[\]•·»]\s*")
LINK_LINE_MIN = 3


def links_only(paragraph: str, link_texts: set[str]) -> bool:
    pieces = [piece for piece in LINK_LINE_SEPARATORS.split(_normal(paragraph)) if piece]
    return len(pieces) >= LINK_LINE_MIN and all(piece in link_texts for piece in pieces)


def _dated_by_itself(tree: lxml_html.HtmlElement, candidates: dict[str, datetime]) -> bool:
    """Whether the page's own markup or text dates it (not a feed, not a date guessed from
    teasers); `candidates` are its date sources (metadata.date_candidates)."""
    own, _ = meta.find_published(
        tree, {}, {}, "", None, None, datetime.now(UTC), candidates=candidates
    )
    return own is not None


def _html_tree(body: bytes, headers: str | None) -> lxml_html.HtmlElement | None:
    """The page parsed by trafilatura's parser in the encoding it declares; None where no HTML
    document could be read."""
    from trafilatura.utils import load_html

    tree = load_html(declared_text(body, headers))
    return tree if isinstance(tree, lxml_html.HtmlElement) else None


def markup_date(body: bytes, url: str, headers: str | None = None) -> datetime | None:
    """The publication time a page's own markup, URL and text give (not htmldate's guess), for
    choosing pages by date before extraction: a backfill's local pages (WARC records, HTML
    files), which no feed or sitemap dates. None where the page gives none or is no HTML."""
    if not body.strip() or len(body) > MAX_EXTRACT_BYTES:
        return None
    tree = _html_tree(body, headers)
    if tree is None:
        return None
    ld_objects = meta.json_ld_objects(tree)
    ld = meta.article_json_ld(ld_objects)
    published, _ = meta.find_published(
        tree, ld, meta.meta_tags(tree), url, None, None, datetime.now(UTC), ld_objects
    )
    return published


def extract_document(page: RawPage) -> Document | Reject:
    """A Document, or a Reject saying why this page holds no article."""
    if page.content_type.startswith("text/plain"):
        return _plain_text_document(page)
    if len(page.body) > MAX_EXTRACT_BYTES:
        return Reject(
            "extract",
            page.source,
            page.url,
            "page too large",
            f"{len(page.body)} bytes > {MAX_EXTRACT_BYTES}",
        )
    if not page.body.strip():
        return Reject(
            "extract", page.source, page.url, "empty page", f"{len(page.body)} bytes, no text"
        )
    tree = _html_tree(page.body, page.headers)
    if tree is None:
        return Reject(
            "extract",
            page.source,
            page.url,
            "not html",
            f"no HTML document in {len(page.body)} bytes sent as {page.content_type or 'no type'}",
        )
    too_big = _too_big(tree)
    if too_big:
        return Reject("extract", page.source, page.url, "page too large", too_big)
    drop_archive_toolbar(tree, page.body)
    ld_objects = meta.json_ld_objects(tree)
    ld = meta.article_json_ld(ld_objects)
    tags = meta.meta_tags(tree)
    captions = {_normal(c.text_content()) for c in tree.xpath(CAPTIONS)}
    captions.discard("")
    link_texts, site_links = page_links(tree)
    canonical = meta.find_canonical(tree, tags, page.final_url)
    result = main_text(tree, page.final_url)
    found = PageMetadata(tree, page.final_url)
    if result is None or not (result.text or "").strip():
        return Reject(
            "extract", page.source, page.url, "no article text", "the extractor found no main text"
        )
    paragraphs = [" ".join(p.split()) for p in (result.text or "").split("\n")]
    paragraphs = [p for p in paragraphs if p]
    words = sum(count_words(p, spaced=True) for p in paragraphs)
    link_words = sum(count_words(p, spaced=True) for p in paragraphs if _normal(p) in link_texts)
    candidates = meta.date_candidates(tree, ld, tags, page.final_url, ld_objects)
    declared = meta.declared_article(ld, tags, candidates)
    own_words = words - link_words
    if (
        words
        and link_words / words > MAX_LINK_SHARE
        and not (declared and own_words >= DECLARED_MIN_WORDS)
    ):
        return Reject(
            "extract",
            page.source,
            page.url,
            "not an article",
            f"{link_words} of {words} words are link texts (a list page)",
        )
    # trafilatura's sitename is sometimes the headline: the page's own markup and its host come
    # first.
    site_name = (
        tags.get("og:site_name") or meta.site_from_host(tree, canonical) or found.field("sitename")
    )
    published, date_source = meta.find_published(
        tree,
        ld,
        tags,
        page.final_url,
        page.item.published_at,
        _htmldate_day(page, tree, found, candidates),
        page.fetched_at,
        candidates=candidates,
    )
    headlines, teasers = teaser_texts(tree)
    if headlines >= LIST_PAGE_HEADLINES and words and not _dated_by_itself(tree, candidates):
        teaser_words = sum(
            count_words(p, spaced=True)
            for p in paragraphs
            if _normal(p).lstrip("-•* ") in teasers or _normal(p) in link_texts
        )
        if teaser_words / words > MAX_TEASER_SHARE:
            return Reject(
                "extract",
                page.source,
                page.url,
                "not an article",
                f"{teaser_words} of {words} words are linked headlines and their blurbs"
                " (a home, section or tag page)",
            )
    same_site = other_page_of_site(page.final_url, canonical)
    paragraphs = [
        p
        for p in paragraphs
        if not _site_link(p, site_links, same_site) and not links_only(p, link_texts)
    ] or paragraphs
    return Document(
        page=page,
        canonical_url=canonical,
        title=meta.find_title(
            tree,
            ld,
            tags,
            lambda: found.field("title"),
            page.item.title,
            site_name,
            canonical,
            lead=" ".join(" ".join(paragraphs[:3]).split()[:LEAD_WORDS]),
        ),
        authors=meta.find_authors(ld, tags, lambda: found.field("author"), page.item.authors, tree),
        published_at=published,
        date_source=date_source,
        paragraphs=paragraphs,
        captions=captions,
        description=tags.get("og:description")
        or tags.get("description")
        or found.field("description"),
        site_name=site_name,
        declared_article=declared,
    )


# trafilatura's recall mode keeps lists and quoted posts, but on some pages it settles on a small
# block and misses most of the story. Measured on WCXB dev (793 articles): recall mode alone
# scored body F1 0.938, its default mode 0.937; taking the default mode's text where recall mode
# kept less than half of it scored 0.943 (17 pages switch, recall 0.943 -> 0.957). The default
# mode runs only where recall mode kept less than 0.7 of the words in the page's <p> elements
# (57 pages of 793), which finds all 17.
SECOND_OPINION_SHARE = 0.7
RECALL_MIN_SHARE = 0.5


# trafilatura's metadata step runs htmldate on every page it reads: about a fifth of extraction's
# time on real pages. Its day matters only where the page's other date sources disagree or are
# missing (`_htmldate_day` asks htmldate itself then). It also reads the page's categories, tags
# and licence, and the address's domain, which newsetl never asks for (6 % of extraction's time
# on 200 WCXB `dev` pages). While PageMetadata runs that step, these calls are switched off in
# that thread; any other caller of trafilatura (a benchmark's plain trafilatura, in the same
# process) keeps them.
_TRAFILATURA_UNREAD = threading.local()
# Each step and what it gives while switched off.
UNREAD_STEPS: dict[str, list[str] | None] = {
    "find_date": None,
    "extract_catstags": [],
    "extract_license": None,
    "extract_domain": None,
}


def _switchable_steps() -> None:
    """Puts the switch in front of trafilatura's metadata steps that newsetl does not read,
    once per process."""
    import trafilatura.metadata

    for name, nothing in UNREAD_STEPS.items():
        real = getattr(trafilatura.metadata, name)
        if getattr(real, "newsetl_switch", False):
            continue

        def step(*args, _real=real, _nothing=nothing, **kwargs):
            if getattr(_TRAFILATURA_UNREAD, "off", False):
                return copy.copy(_nothing)
            return _real(*args, **kwargs)

        step.newsetl_switch = True  # type: ignore[attr-defined]
        setattr(trafilatura.metadata, name, step)


def _trafilatura(tree: lxml_html.HtmlElement, url: str, favor_recall: bool) -> ExtractedText | None:
    import trafilatura
    from trafilatura.settings import Document as ExtractedText

    result = trafilatura.bare_extraction(
        copy.deepcopy(tree),  # trafilatura prunes the tree it gets; ours is read again later
        url=url,
        # Its metadata (title, author, site name, ...) is asked for apart, where ours has
        # none (PageMetadata).
        with_metadata=False,
        # Measured on real pages (benchmarks/real_eval.py): tables are article text
        # (standings, results, prices); readers' comments are not the article.
        include_comments=False,
        include_tables=True,
        favor_recall=favor_recall,
    )
    return result if isinstance(result, ExtractedText) else None


class PageMetadata:
    """trafilatura's metadata of a page (title, author, site name, description, address), read
    the first time a field is asked for: the page's own markup names most of them, and then
    trafilatura's metadata step (a sixth of extraction's time) is not run. It reads a copy of
    the tree as parsed, as `bare_extraction` with its metadata would (outputs the same on every
    development page), with trafilatura's own htmldate call and the steps whose fields newsetl
    never reads switched off."""

    def __init__(self, tree: lxml_html.HtmlElement, url: str) -> None:
        self._tree = tree
        self._url = url
        self._read: ExtractedText | None = None

    def _metadata(self) -> ExtractedText:
        if self._read is None:
            from trafilatura.metadata import extract_metadata

            _switchable_steps()
            was = getattr(_TRAFILATURA_UNREAD, "off", False)
            _TRAFILATURA_UNREAD.off = True
            try:
                self._read = extract_metadata(copy.deepcopy(self._tree), self._url)
            finally:
                _TRAFILATURA_UNREAD.off = was
        return self._read

    def field(self, name: str) -> str | None:
        """One of trafilatura's fields: "title", "author", "sitename", "description", "url"."""
        value = getattr(self._metadata(), name, None)
        return value if isinstance(value, str) else None


def _htmldate_day(
    page: RawPage,
    tree: lxml_html.HtmlElement,
    trafilatura_found: PageMetadata,
    candidates: dict[str, datetime],
) -> str | None:
    """htmldate's day, where it can change the page's date (`meta.htmldate_can_decide`; elsewhere
    htmldate is not asked).

    It reads the parsed page as trafilatura would (with the address trafilatura found). Where
    the page has no other source, it first reads the page as fetched: on the parsed tree
    htmldate sometimes finds another day than in the page's own text. On the MediaCloud pages
    dated by htmldate, 13 of 15 days were right from the parsed page and 14 from the fetched
    one (the 15th is a forum page, rejected); no WCXB `dev` day changed
    (benchmarks/date_loop.py). Where that finds no day, the parsed page's stands."""
    from htmldate import find_date

    if not meta.htmldate_can_decide(candidates, page.item.published_at):
        return None
    if not candidates and not page.item.published_at:  # htmldate alone dates the page
        try:
            found = find_date(
                page.body, original_date=True, extensive_search=True, url=page.final_url
            )
        except (ValueError, TypeError):  # an undecodable or empty body: the parsed page's day
            found = None
        if found:
            return found
    return find_date(
        tree, original_date=True, extensive_search=True, url=trafilatura_found.field("url")
    )


def _words(result: ExtractedText | None) -> int:
    return len((result.text or "").split()) if result is not None else 0


def main_text(tree: lxml_html.HtmlElement, url: str) -> ExtractedText | None:
    """trafilatura's main text and metadata: recall mode, unless it missed most of the text."""
    result = _trafilatura(tree, url, favor_recall=True)
    kept = _words(result)
    if kept < SECOND_OPINION_SHARE * sum(len(p.text_content().split()) for p in tree.iter("p")):
        other = _trafilatura(tree, url, favor_recall=False)
        if kept < RECALL_MIN_SHARE * _words(other):
            return other
    return result


def _too_big(tree: lxml_html.HtmlElement) -> str | None:
    """Why a parsed page is past the extraction bounds, or None (one pass, stops early; the
    depth is sampled every thousand elements)."""
    for count, element in enumerate(tree.iter(), 1):
        if count > MAX_ELEMENTS:
            return f"more than {MAX_ELEMENTS} elements"
        if count % 1000 == 0 and len(list(element.iterancestors())) > MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} deep"
    return None


def _plain_text_document(page: RawPage) -> Document | Reject:
    text = plain_text(page.body, page.headers)
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", text)]
    blocks = [b for b in blocks if b]
    if not blocks:
        return Reject("extract", page.source, page.url, "no article text", "empty text file")
    title = page.item.title
    future = page.item.published_at is not None and after_fetch(
        page.item.published_at, page.fetched_at
    )
    if not title and len(blocks) > 1 and len(blocks[0].split()) <= 25:
        title = blocks.pop(0)
    return Document(
        page=page,
        canonical_url=page.final_url,
        title=title,
        authors=meta.clean_authors(page.item.authors),
        published_at=None if future else page.item.published_at,
        date_source="future" if future else "feed" if page.item.published_at else "none",
        paragraphs=blocks,
        given_text=page.headers in ("", "{}"),  # no HTTP headers: read from a file, not fetched
    )
