"""A page's bytes as the characters its server or its markup says they are.

trafilatura decodes a page by itself: UTF-8 when the bytes are valid UTF-8, else a statistical
guess, whatever the page declares. On older pages in Windows-1252 (declared as ISO-8859-1, as
most of them are) the guess is often a Central European or Baltic code page, and every dash,
curly quote and accented letter comes out wrong ("fear—the" as "fearŚthe", "célèbre" as
"célčbre"). A browser reads the charset of the Content-Type header first, then the page's own
<meta> (or XML) declaration, and treats the ISO-8859-1 and ASCII labels as Windows-1252
(WHATWG Encoding): so does `declared_text`. Where nothing is declared, or UTF-8 is, the bytes
go to trafilatura as before.
"""

from __future__ import annotations

import codecs
import json
import re

# <meta charset="..."> and <meta http-equiv="Content-Type" content="text/html; charset=...">,
# and an XML declaration's encoding, in the first bytes of the page (the HTML standard looks at
# the first 1,024; real pages put long scripts before theirs, so more is read here).
META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)")
HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
SNIFF_BYTES = 16_384

# Labels a browser reads as another (wider) encoding than Python's codec of the same name.
BROWSER_ENCODINGS = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "big5": "big5hkscs",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "windows-874": "cp874",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
    "ibm866": "cp866",
    "iso-8859-8-i": "iso8859-8",
}


# The encodings a browser decodes pages in (WHATWG Encoding), as Python names them: a label of
# any other codec Python knows ("rot13", "base64", "cp037", "unicode_escape") is no page
# encoding and is ignored, as browsers ignore it.
WEB_ENCODINGS = frozenset(
    codecs.lookup(name).name
    for name in (
        "utf-8", "utf-16", "utf-16-le", "utf-16-be", "cp866", "koi8-r", "koi8-u", "mac-roman",
        "mac-cyrillic", "cp874", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255",
        "cp1256", "cp1257", "cp1258", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5",
        "iso8859-6", "iso8859-7", "iso8859-8", "iso8859-10", "iso8859-13", "iso8859-14",
        "iso8859-15", "iso8859-16", "gb18030", "big5hkscs", "euc-jp", "iso2022-jp", "cp932",
        "cp949",
    )
)  # fmt: skip


def _codec(label: str | None) -> str | None:
    """Python's codec for a page encoding label, or None for a label of no page encoding."""
    if not label:
        return None
    label = label.strip().lower()
    name = BROWSER_ENCODINGS.get(label, label)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return codec if codec in WEB_ENCODINGS else None


def header_encoding(headers: str | None) -> str | None:
    """The codec of the Content-Type header's charset (from the raw archive's headers JSON)."""
    if not headers or headers in ("{}", ""):
        return None
    try:
        content_type = json.loads(headers).get("content-type", "")
    except (ValueError, AttributeError):
        return None
    found = HEADER_CHARSET.search(content_type if isinstance(content_type, str) else "")
    return _codec(found.group(1)) if found else None


def declared_encoding(body: bytes, headers: str | None = None) -> str | None:
    """The codec the page declares: the Content-Type header's charset, else its <meta> or XML
    declaration; None when it declares none we know."""
    codec = header_encoding(headers)
    if codec:
        return codec
    start = body[:SNIFF_BYTES]
    for pattern in (XML_ENCODING, META_CHARSET):
        found = pattern.search(start)
        codec = _codec(found.group(1).decode("ascii", "ignore")) if found else None
        if codec:
            return codec
    return None


def declared_text(body: bytes, headers: str | None = None) -> str | bytes:
    """The page as text in the encoding it declares, or its bytes unchanged (for trafilatura's
    own decoding) where it declares none, declares UTF-8, starts with a byte order mark, or is
    valid UTF-8 with characters beyond ASCII whatever it declares (a page saved as UTF-8 under
    an old declaration: no Windows-1252 text of real words is also valid UTF-8)."""
    if body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body
    codec = declared_encoding(body, headers)
    if codec is None or codec.startswith("utf"):
        return body
    if not body.isascii():
        try:
            body.decode("utf-8")
            return body
        except UnicodeDecodeError:
            pass
    return body.decode(codec, errors="replace")


def plain_text(body: bytes, headers: str | None = None) -> str:
    """A text file's characters: in the Content-Type header's charset, else UTF-8, else
    trafilatura's guess (a local file in Windows-1252 or Windows-1251 reads as such rather than
    with a replacement mark for every accented letter)."""
    codec = header_encoding(headers)
    if codec:
        return body.decode(codec, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        from trafilatura.utils import decode_file

        return decode_file(body)
