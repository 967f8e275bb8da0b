"""Counting words in any script."""

from __future__ import annotations

import re

# Chinese and Japanese write no spaces between words: each ideograph or kana counts as a word,
# as word processors count them (a 280-character Chinese report is no longer "20 words" and a
# reject). Other scripts count their runs of letters and digits (`WORD`), or, where extraction
# weighs a page's parts against each other, its pieces between spaces (`SPACED`).
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = re.compile(f"[{CJK}]|[^\\W{CJK}]+")
SPACED = re.compile(f"[{CJK}]|[^\\s{CJK}]+")


def count_words(text: str, spaced: bool = False) -> int:
    """Words of `text`: letter and digit runs, or with `spaced` the pieces between spaces
    (`len(text.split())` for text without Chinese or Japanese)."""
    return len((SPACED if spaced else WORD).findall(text))
