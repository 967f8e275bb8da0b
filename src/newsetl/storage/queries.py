"""The pipeline's own SQL, by name, from queries.sql (in the style of views.sql)."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

NAME = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


@cache
def _queries() -> dict[str, str]:
    text = files("newsetl.storage").joinpath("queries.sql").read_text(encoding="utf-8")
    parts = NAME.split(text)
    found: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        lines = [line for line in body.strip().splitlines() if not line.startswith("--")]
        found[name] = "\n".join(lines).strip().rstrip(";")
    return found


def sql(name: str, **parts: str) -> str:
    """The named query; `parts` fill its {table}/{column} slots (names from the schema only)."""
    text = _queries()[name]
    return text.format(**parts) if parts else text.replace("{{", "{").replace("}}", "}")
