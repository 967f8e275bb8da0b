"""A page's declared encoding is how its bytes are read (newsetl.extract.encoding)."""

from __future__ import annotations

import codecs
import dataclasses
import json

from newsetl.extract import Document, extract_document
from newsetl.extract.encoding import declared_encoding, declared_text

URL = "https://courier.example.net/2005/05/bear-hunt"
PARAGRAPHS = [
    "Hunters in the northern county faced their fear\u2014the first bear hunt allowed there in "
    "thirty-five years\u2014and the wildlife board called it a \u201ccareful cull\u201d of a "
    "growing population.",
    "The board\u2019s chairman, a retired forester, said the season would be short and that "
    "every animal taken would be weighed and measured at the ranger station by the lake.",
    "A local caf\u00e9 owner, whose cause c\u00e9l\u00e8bre has long been the protection of the "
    "old forest, said she would follow the hunt closely and publish the board\u2019s figures.",
]


def page_html(declaration: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f"<html><head>{declaration}<title>Bear hunt returns to the north</title></head>"
        f"<body><article><h1>Bear hunt returns after thirty-five years</h1>{body}</article>"
        "</body></html>"
    )


def test_a_latin1_declaration_is_read_as_windows_1252_as_browsers_do():
    body = page_html('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">')
    data = body.encode("cp1252")
    assert declared_encoding(data) == "cp1252"
    assert declared_text(data) == body


def test_the_http_header_comes_before_the_pages_own_declaration():
    body = page_html('<meta charset="iso-8859-1">')
    headers = json.dumps({"content-type": "text/html; charset=windows-1251"})
    assert declared_encoding(body.encode("cp1252"), headers) == "cp1251"
    assert declared_encoding(body.encode("cp1252"), json.dumps({"content-type": "text/html"})) == (
        "cp1252"
    )


def test_bytes_are_left_to_trafilatura_where_nothing_or_utf8_is_declared():
    for declaration in ("", '<meta charset="utf-8">', '<meta charset="no-such-encoding">'):
        data = page_html(declaration).encode("utf-8")
        assert declared_text(data) is data
    # Saved as UTF-8 under an old Latin-1 declaration: the bytes are valid UTF-8, read as such.
    data = page_html('<meta charset="iso-8859-1">').encode("utf-8")
    assert declared_text(data) is data
    # A byte order mark says more than any declaration.
    data = codecs.BOM_UTF8 + page_html('<meta charset="iso-8859-1">').encode("utf-8")
    assert declared_text(data) is data


def test_a_windows_1252_page_keeps_its_dashes_quotes_and_accents(make_page):
    data = page_html('<meta charset="ISO-8859-1">').encode("cp1252")
    doc = extract_document(make_page(URL, data))
    assert isinstance(doc, Document)
    text = "\n".join(doc.paragraphs)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    # The same from the Content-Type header alone, with no declaration in the page.
    page = dataclasses.replace(
        make_page(URL, page_html("").encode("cp1252")),
        headers=json.dumps({"content-type": "text/html; charset=ISO-8859-1"}),
    )
    doc = extract_document(page)
    assert isinstance(doc, Document)
    assert PARAGRAPHS[2] in "\n".join(doc.paragraphs)


def test_a_text_file_in_windows_1252_is_not_read_with_replacement_marks(make_page):
    text = "Bear hunt returns after thirty-five years\n\n" + "\n\n".join(PARAGRAPHS)
    doc = extract_document(
        make_page("file:///data/bear-hunt.txt", text.encode("cp1252"), content_type="text/plain")
    )
    assert isinstance(doc, Document)
    assert "\ufffd" not in "\n".join(doc.paragraphs)
    assert PARAGRAPHS[0] in doc.paragraphs


def test_a_label_of_no_page_encoding_is_ignored_not_a_failure(make_page):
    # Python knows codecs no browser reads a page in ("rot13", "base64", EBCDIC's "cp037"):
    # such a label is ignored and the page is read as if it declared nothing.
    for label in ("rot13", "base64", "cp037", "unicode_escape", "idna", "utf-32", "no-such"):
        data = page_html(f'<meta charset="{label}">').encode("utf-8")
        assert declared_encoding(data) is None
        assert declared_text(data) is data
        doc = extract_document(make_page(URL, data))
        assert isinstance(doc, Document)
        assert PARAGRAPHS[2] in doc.paragraphs
    for label, codec in (
        ("x-mac-roman", "mac-roman"),
        ("windows-874", "cp874"),
        ("koi8-r", "koi8-r"),
    ):
        assert declared_encoding(page_html(f'<meta charset="{label}">').encode()) == codec
