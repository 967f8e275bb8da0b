"""Documents -> articles: normalisation, caption and duplicate removal, boilerplate removal.

Boilerplate is removed in four ways, from most to least specific: the source's own
`drop_patterns`; paragraphs learned as recurring across a source's articles (the corpus
statistics live in the warehouse table `article_paragraphs`, so learning improves as it grows);
photo captions and repeated paragraphs; generic boilerplate shapes (`newsetl.clean.rules`).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import ftfy
from ftfy.chardata import LIGATURES, WIDTH_MAP

from newsetl.clean import rules
from newsetl.extract import Document
from newsetl.extract.page import DECLARED_MIN_WORDS
from newsetl.records import Article, Reject
from newsetl.urls import article_id, normalize_url
from newsetl.words import count_words

MIN_WORDS = 40


def minimum_words(doc: Document) -> int:
    """Words of text an article needs after cleaning: MIN_WORDS for a web page, fewer for one
    that declares itself an article or that a feed or news sitemap lists with its publication
    date (the publisher's own word that it is an article: a news brief of two sentences;
    DECLARED_MIN_WORDS, measured in newsetl.extract.page), one
    for plain text handed over as a document."""
    if doc.given_text:
        return 1
    if doc.declared_article or doc.page.item.published_at is not None:
        return DECLARED_MIN_WORDS
    return MIN_WORDS


# A paragraph in at least this many distinct articles of one source is that source's boilerplate.
RECURRENCE_THRESHOLD = 3
# A paragraph seen before in the same article is a repeat (caption, pull quote) from this many
# words on; shorter repeats are the article's own subheadings and list items ("Pros:", "Price").
DUPLICATE_MIN_WORDS = 8
# A lone repeat shorter than this is kept: a training plan's "Warm up: 10-20 minutes easy jogging"
# on every day. On WCXB dev (benchmarks/real_eval.py --direct) dropping every repeat of 8 words or
# more, keeping all, and keeping lone ones under 20 / 30 / 50 words scored mean body F1 0.9349,
# 0.9339, 0.9351, 0.9351, 0.9347 (30: 39 pages better, 28 worse).
DUPLICATE_LONE_WORDS = 30
WORD = re.compile(r"\w+")
HEADLINE_WITHIN = 5  # paragraphs from the start where a repeat of the headline goes


# What ftfy could change in a text after html.unescape: anything outside ASCII, a character
# entity left after one unescape ("&amp;amp;"), a control or terminal-escape character.
NOT_PLAIN = re.compile(r"[^\x09\x0a\x0d\x20-\x25\x27-\x7e]")
# ftfy's ligature and character-width steps (str.translate over the whole text, about a third of
# its time on the rest) change only these: Latin ligatures, full- and half-width forms.
WIDTH_OR_LIGATURE = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in sorted({*LIGATURES, *WIDTH_MAP})) + "]"
)


def normalize_text(text: str) -> str:
    """Mojibake and entities fixed, NFC, one space between words.

    ftfy is most of the cleaning step's time (about 110 us a paragraph on WCXB pages). Plain
    ASCII text it leaves as it is, so it is not asked; text without ligatures or width forms
    skips those two steps. Both shortcuts give the same text as ftfy's full run (checked on the
    80,085 paragraphs of WCXB dev; tests/unit/test_clean.py)."""
    text = html.unescape(text)
    if NOT_PLAIN.search(text) is None:
        return " ".join(text.split())
    if WIDTH_OR_LIGATURE.search(text) is None:
        text = ftfy.fix_text(
            text, uncurl_quotes=False, fix_latin_ligatures=False, fix_character_width=False
        )
    else:
        text = ftfy.fix_text(text, uncurl_quotes=False)  # keep the outlet's typography
    text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def paragraph_hash(paragraph: str) -> str:
    """Identity of a paragraph for recurrence counting: case and spacing do not matter."""
    key = " ".join(WORD.findall(paragraph.lower()))
    return hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


def _repeats(paragraphs: list[str], hashes: list[str]) -> list[bool]:
    """Which paragraphs repeat an earlier one of the same article and go: a long repeat, one right
    after itself, or one in a run of repeats (the article's text given twice); a lone repeat of a
    few words is the article's own (a plan's "Warm up: 10 minutes" on every day)."""
    seen: set[str] = set()
    again = []
    for paragraph, h in zip(paragraphs, hashes):
        again.append(h in seen and len(paragraph.split()) >= DUPLICATE_MIN_WORDS)
        seen.add(h)
    out = []
    for i, (paragraph, repeat) in enumerate(zip(paragraphs, again)):
        # Right after itself, or beside another repeat: the text given twice.
        twice = (i > 0 and (again[i - 1] or hashes[i - 1] == hashes[i])) or (
            i + 1 < len(again) and again[i + 1]
        )
        out.append(repeat and (len(paragraph.split()) >= DUPLICATE_LONE_WORDS or twice))
    return out


@dataclass(frozen=True)
class Prepared:
    """A document's paragraphs normalised (empty ones out) and hashed, once per run."""

    document: Document
    article_id: str
    paragraphs: list[str]
    hashes: list[str]


def prepare_documents(documents: list[Document]) -> list[Prepared]:
    prepared = []
    for doc in documents:
        paragraphs = [t for p in doc.paragraphs if (t := normalize_text(p))]
        hashes = [paragraph_hash(p) for p in paragraphs]
        prepared.append(Prepared(doc, article_id(doc.canonical_url), paragraphs, hashes))
    return prepared


def clean_documents(
    documents: list[Document],
    prior_counts: dict[tuple[str, str], int] | None = None,
    drop_patterns: dict[str, list[str]] | None = None,
) -> tuple[list[Article], list[Reject]]:
    """Clean a batch; `prior_counts` = articles per (source, paragraph hash) already loaded."""
    return clean_prepared(prepare_documents(documents), prior_counts, drop_patterns)


def clean_prepared(
    prepared: list[Prepared],
    prior_counts: dict[tuple[str, str], int] | None = None,
    drop_patterns: dict[str, list[str]] | None = None,
) -> tuple[list[Article], list[Reject]]:
    """`clean_documents` for documents already prepared (`prepare_documents`)."""
    prior_counts = prior_counts or {}
    batch_counts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for item in prepared:
        for h in set(item.hashes):
            batch_counts[(item.document.page.source, h)].add(item.article_id)

    compiled = {
        s: [re.compile(p, re.IGNORECASE) for p in pats] for s, pats in (drop_patterns or {}).items()
    }
    articles, rejects = [], []
    for item in prepared:
        doc, aid, paragraphs, hashes = item.document, item.article_id, item.paragraphs, item.hashes
        source = doc.page.source
        keep = []
        captions = {normalize_text(c).lower() for c in doc.captions}
        # The headline often comes back among the first paragraphs (after a kicker, a share bar or
        # a date line); the title column holds it. Measured on the development pages against the
        # first paragraph only: ir-research-data 66 pages better, none worse; WCXB dev 19 better,
        # 7 worse (pages whose gold starts with the headline); body 0.9636 -> 0.9644 and
        # 0.9469 -> 0.9470.
        headline = paragraph_hash(doc.title) if doc.title else None
        repeats = _repeats(paragraphs, hashes)
        tail = rules.tail_start(paragraphs)
        box = range(0)  # a box of other stories inside the article, the story after it kept
        if tail is not None:
            resume = rules.story_resumes(paragraphs, tail)
            if resume is not None:
                box = range(tail, resume)
                later = rules.tail_start(paragraphs[resume:])
                tail = None if later is None else resume + later
        footer = rules.footer_start(paragraphs)
        if footer is not None and (tail is None or footer < tail):
            tail = footer
        dated = rules.dated_teasers_start(paragraphs)
        if dated is not None and (tail is None or dated < tail):
            tail = dated
        menu = rules.menu_rows(paragraphs)
        gallery = rules.gallery_slides(paragraphs)
        if (
            sum(count_words(p, spaced=True) for p, g in zip(paragraphs, gallery) if not g)
            < MIN_WORDS
        ):
            # The extractor took a gallery instead of the story: its captions are all the text
            # there is, and a page left empty would lose its title and date too.
            gallery = [False] * len(paragraphs)
        for index, (paragraph, h) in enumerate(zip(paragraphs, hashes)):
            if (tail is not None and index >= tail) or index in box:
                keep.append(False)
                continue
            recurring = prior_counts.get((source, h), 0) + len(batch_counts[(source, h)] - {aid})
            drop = (
                any(p.search(paragraph) for p in compiled.get(source, []))
                or recurring + 1 >= RECURRENCE_THRESHOLD
                or paragraph.lower() in captions
                or repeats[index]
                or menu[index]
                or gallery[index]
                or (index < HEADLINE_WITHIN and h == headline)
                or rules.is_boilerplate_line(paragraph)
                or rules.is_date_line(paragraph)
                or rules.is_byline_line(paragraph)
            )
            keep.append(not drop)
        kept = [p for p, k in zip(paragraphs, keep) if k]
        kept = [
            p
            for i, p in enumerate(kept)
            if not (i >= len(kept) - 3 and (rules.is_appeal(p) or rules.is_promo(p)))
        ]
        cut = rules.appeal_start(kept)
        if cut is not None:
            kept = kept[:cut]
        kept = rules.drop_lead_lines(kept)
        text = "\n\n".join(kept)
        words = count_words(text)
        wall = rules.wall_kind(paragraphs, words)
        if wall:
            rejects.append(
                Reject(
                    "clean", source, doc.page.url, wall, f"{words} words of text before the wall"
                )
            )
            continue
        if words < minimum_words(doc):
            rejects.append(
                Reject(
                    "clean",
                    source,
                    doc.page.url,
                    "not an article" if words else "empty body",
                    f"{words} words of text after cleaning",
                )
            )
            continue
        kept_set = set(kept)
        articles.append(
            Article(
                article_id=aid,
                source=source,
                url=doc.page.url,
                canonical_url=normalize_url(doc.canonical_url),
                title=normalize_text(doc.title) if doc.title else "",
                authors=[normalize_text(a) for a in doc.authors],
                published_at=doc.published_at,
                date_source=doc.date_source,
                text=text,
                raw_id=doc.page.raw_id,
                run_id=doc.page.run_id,
                fetched_at=doc.page.fetched_at,
                description=normalize_text(doc.description) if doc.description else None,
                site_name=doc.site_name,
                paragraph_hashes=[(h, p not in kept_set) for p, h in zip(paragraphs, hashes)],
                removed_paragraphs=len(paragraphs) - len(kept),
                word_count=words,
            )
        )
    return articles, rejects
