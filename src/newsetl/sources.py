"""The sources file: what to ingest, validated before anything runs."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SourceKind = Literal["feed", "sitemap", "urls", "directory", "warc"]


def _lower_scheme(url: str) -> str:
    scheme, rest = url.split(":", 1)
    return scheme.lower() + ":" + rest


class SourcesError(ValueError):
    """The sources file cannot be used; the message is one sentence for the user."""


class Source(BaseModel):
    """One news source: where its articles are found."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    kind: SourceKind
    url: str | None = None
    urls: list[str] = Field(default_factory=list)
    path: Path | None = None
    allow_private_network: bool = False
    robots: bool = Field(True, description="Honour the site's robots.txt.")
    delay: float | None = Field(None, ge=0, description="Seconds between requests to one host.")
    max_articles: int | None = Field(
        None, gt=0, description="Fetch at most this many new articles a run."
    )
    drop_patterns: list[str] = Field(
        default_factory=list, description="Regexes of paragraphs to drop."
    )

    @model_validator(mode="after")
    def _where(self) -> Source:
        needs = {
            "feed": "url",
            "sitemap": "url",
            "urls": "urls",
            "directory": "path",
            "warc": "path",
        }[self.kind]
        if not getattr(self, needs):
            if needs in self.model_fields_set:  # there, but empty ("urls = []", "url = ''")
                raise ValueError(f"'{needs}' is empty: a {self.kind} source needs it")
            raise ValueError(f"a {self.kind} source needs '{needs}'")
        for url in [self.url, *self.urls]:
            if url and not re.match(r"^https?://[^/\s]+", url, re.IGNORECASE):
                raise ValueError(f"'{url}' is not an http(s) URL")
        # A scheme is case-insensitive: "HTTP://host/a" is kept as "http://host/a".
        if self.url:
            self.url = _lower_scheme(self.url)
        self.urls = [_lower_scheme(url) for url in self.urls]
        return self

    @field_validator("drop_patterns")
    @classmethod
    def _patterns_compile(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as err:
                raise ValueError(f"drop pattern {pattern!r} is not a valid regex ({err})") from None
        return patterns


class ServeSite(BaseModel):
    """A local folder served on 127.0.0.1 while the run lasts (the bundled sample site)."""

    model_config = ConfigDict(extra="forbid")

    root: Path
    port: int = Field(8765, ge=0, le=65535)


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[Source] = Field(min_length=1)
    serve: ServeSite | None = None

    @model_validator(mode="after")
    def _unique_names(self) -> SourcesFile:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"source name '{source.name}' is used twice")
            seen.add(source.name)
        return self


MAX_PROBLEMS = 5  # problems of a sources file named in its one-line error


def _problem(error: Any, data: dict) -> str:
    """One validation error as "where: what", the source named as the file names it."""
    loc = list(error["loc"])
    keys: Iterable[str] = SourcesFile.model_fields
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        entries = data.get("sources")
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        loc[:2] = [f"source '{name}'" if isinstance(name, str) else f"source #{loc[1] + 1}"]
        keys = Source.model_fields
    elif loc[:1] == ["serve"]:
        keys = ServeSite.model_fields
    where = ".".join(str(p) for p in loc) or "top level"
    if error["type"] == "extra_forbidden":
        close = difflib.get_close_matches(str(error["loc"][-1]), list(keys), n=1, cutoff=0.6)
        return f"{where}: unknown key" + (f" (did you mean '{close[0]}'?)" if close else "")
    return f"{where}: " + error["msg"].removeprefix("Value error, ")


def load_sources(path: str | Path) -> SourcesFile:
    """Read and validate a sources file; relative paths in it are relative to the file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesError(f"sources file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SourcesError(f"sources file {path} cannot be read: {err}") from None
    except tomllib.TOMLDecodeError as err:
        raise SourcesError(f"sources file {path} is not valid TOML: {err}") from None
    base = path.resolve().parent
    # Every problem at once: unknown keys first (a misspelt key explains the missing one), then
    # the others, then folders and files that are not there.
    try:
        parsed = SourcesFile.model_validate(data)
        problems: list[str] = []
    except ValidationError as err:
        parsed = None
        errors = sorted(err.errors(), key=lambda e: e["type"] != "extra_forbidden")
        problems = [_problem(e, data) for e in errors]
    problems += _missing_paths(data, base)
    if problems:
        named = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            named.append(f"and {len(problems) - MAX_PROBLEMS} more")
        raise SourcesError(f"sources file {path}: " + "; ".join(named))
    assert parsed is not None
    for source in parsed.sources:
        if source.path is not None and not source.path.is_absolute():
            source.path = base / source.path
    if parsed.serve and not parsed.serve.root.is_absolute():
        parsed.serve.root = base / parsed.serve.root
    return parsed


def _missing_paths(data: dict, base: Path) -> list[str]:
    """The sources' `path`s and `serve.root` that are not there (relative to the file's
    folder), read from the file as written, so that they are named beside its other problems."""
    problems = []
    sources = data.get("sources")
    for item in sources if isinstance(sources, list) else []:
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            where = Path(item["path"])
            where = where if where.is_absolute() else base / where
            if not where.exists():
                problems.append(f"source '{item.get('name', '?')}': {where} does not exist")
    serve = data.get("serve")
    if isinstance(serve, dict) and isinstance(serve.get("root"), str):
        root = Path(serve["root"])
        root = root if root.is_absolute() else base / root
        if not root.is_dir():
            problems.append(f"serve.root {root} is not a folder")
    return problems
