"""newsetl.sources.load_sources: a valid file loads, every mistake is one clear sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsetl.sources import SourcesError, load_sources

VALID = """
[[sources]]
name = "velmora-post"
kind = "feed"
url = "https://velmora.example.org/rss.xml"
delay = 2.5
max_articles = 30
drop_patterns = ["^Read the full report", "(?i)listen to this article"]

[[sources]]
name = "linden.gazette"
kind = "sitemap"
url = "https://linden.example.net/sitemap.xml"
allow_private_network = true

[[sources]]
name = "handpicked"
kind = "urls"
urls = ["https://a.example.com/1", "http://b.example.com/2"]

[[sources]]
name = "archive"
kind = "directory"
path = "docs"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_loads_every_source(tmp_path):
    (tmp_path / "docs").mkdir()
    parsed = load_sources(write(tmp_path, VALID))
    assert [(s.name, s.kind) for s in parsed.sources] == [
        ("velmora-post", "feed"),
        ("linden.gazette", "sitemap"),
        ("handpicked", "urls"),
        ("archive", "directory"),
    ]
    feed, sitemap, urls, _directory = parsed.sources
    assert feed.url == "https://velmora.example.org/rss.xml"
    assert feed.delay == 2.5
    assert feed.max_articles == 30
    assert feed.drop_patterns == ["^Read the full report", "(?i)listen to this article"]
    assert feed.allow_private_network is False
    assert sitemap.allow_private_network is True
    assert urls.urls == ["https://a.example.com/1", "http://b.example.com/2"]
    assert parsed.serve is None


def test_relative_path_is_resolved_against_the_files_folder(tmp_path, monkeypatch):
    (tmp_path / "config" / "docs").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the working directory must not matter
    path = tmp_path / "config" / "sources.toml"
    path.write_text(
        '[[sources]]\nname = "archive"\nkind = "directory"\npath = "docs"\n', encoding="utf-8"
    )
    (source,) = load_sources(path).sources
    assert source.path == (tmp_path / "config" / "docs").resolve()
    assert source.path.is_absolute()


def test_absolute_path_is_kept(tmp_path):
    folder = tmp_path / "abs-docs"
    folder.mkdir()
    path = write(
        tmp_path, f'[[sources]]\nname = "archive"\nkind = "directory"\npath = "{folder}"\n'
    )
    assert load_sources(path).sources[0].path == folder


def test_serve_root_is_resolved_and_must_be_a_folder(tmp_path):
    (tmp_path / "site").mkdir()
    body = '[[sources]]\nname = "a"\nkind = "feed"\nurl = "http://127.0.0.1:8765/feed.xml"\n'
    parsed = load_sources(write(tmp_path, body + '[serve]\nroot = "site"\nport = 0\n'))
    assert parsed.serve.root == (tmp_path / "site").resolve()
    assert parsed.serve.port == 0
    with pytest.raises(SourcesError, match=r"serve\.root .*nosite is not a folder"):
        load_sources(write(tmp_path, body + '[serve]\nroot = "nosite"\n'))


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(SourcesError) as caught:
        load_sources(write(tmp_path, text))
    message = str(caught.value)
    assert "\n" not in message, "the message must be one line"
    assert str(tmp_path / "sources.toml") in message, "the message must name the file"
    return message


def test_missing_file(tmp_path):
    with pytest.raises(SourcesError) as caught:
        load_sources(tmp_path / "nope.toml")
    assert str(caught.value) == f"sources file {tmp_path / 'nope.toml'} does not exist"


def test_bad_toml(tmp_path):
    message = error_of(tmp_path, '[[sources]\nname = "a"\n')
    assert "is not valid TOML" in message
    assert "line 1" in message


def test_unknown_kind(tmp_path):
    message = error_of(
        tmp_path, '[[sources]]\nname = "a"\nkind = "podcast"\nurl = "https://e.example.com/"\n'
    )
    assert "source 'a'.kind" in message
    assert "'feed', 'sitemap', 'urls', 'directory' or 'warc'" in message


@pytest.mark.parametrize(
    ("kind", "needs"),
    [
        ("feed", "url"),
        ("sitemap", "url"),
        ("urls", "urls"),
        ("directory", "path"),
        ("warc", "path"),
    ],
)
def test_source_without_its_location(tmp_path, kind, needs):
    message = error_of(tmp_path, f'[[sources]]\nname = "a"\nkind = "{kind}"\n')
    assert message.endswith(f"source 'a': a {kind} source needs '{needs}'")


def test_duplicate_names(tmp_path):
    text = (
        '[[sources]]\nname = "twin"\nkind = "feed"\nurl = "https://e.example.com/1"\n'
        '[[sources]]\nname = "twin"\nkind = "feed"\nurl = "https://e.example.com/2"\n'
    )
    assert error_of(tmp_path, text).endswith("source name 'twin' is used twice")


@pytest.mark.parametrize(
    "url",
    ["ftp://e.example.com/feed", "e.example.com/feed", "file:///etc/passwd", "javascript:alert(1)"],
)
def test_non_http_url(tmp_path, url):
    message = error_of(tmp_path, f'[[sources]]\nname = "a"\nkind = "feed"\nurl = "{url}"\n')
    assert message.endswith(f"'{url}' is not an http(s) URL")


def test_non_http_url_in_a_urls_list(tmp_path):
    text = (
        '[[sources]]\nname = "a"\nkind = "urls"\n'
        'urls = ["https://ok.example.com/", "mailto:x@example.com"]\n'
    )
    assert error_of(tmp_path, text).endswith("'mailto:x@example.com' is not an http(s) URL")


def test_unknown_key(tmp_path):
    text = (
        '[[sources]]\nname = "a"\nkind = "feed"\nurl = "https://e.example.com/"\ncolour = "red"\n'
    )
    assert error_of(tmp_path, text).endswith("source 'a'.colour: unknown key")


def test_unknown_top_level_key(tmp_path):
    text = 'sauces = 1\n[[sources]]\nname = "a"\nkind = "feed"\nurl = "https://e.example.com/"\n'
    assert "sauces: unknown key (did you mean 'sources'?)" in error_of(tmp_path, text)


def test_every_problem_is_named_at_once_a_misspelt_key_first(tmp_path):
    text = (
        '[[sources]]\nname = "a"\nknd = "feed"\nurl = "https://e.example.com/"\n'
        "max_artciles = 3\n"
        '[[sources]]\nname = "b"\nkind = "urls"\nurls = []\n'
        '[serve]\nroot = "."\nporrt = 8000\n'
    )
    assert error_of(tmp_path, text).split(": ", 1)[1] == (
        "source 'a'.knd: unknown key (did you mean 'kind'?); "
        "source 'a'.max_artciles: unknown key (did you mean 'max_articles'?); "
        "serve.porrt: unknown key (did you mean 'port'?); "
        "source 'a'.kind: Field required; "
        "source 'b': 'urls' is empty: a urls source needs it"
    )


def test_a_long_list_of_problems_is_cut_short(tmp_path):
    text = "".join(f'[[sources]]\nname = "s{i}"\nkind = "feed"\n' for i in range(8))
    message = error_of(tmp_path, text)
    assert message.count("a feed source needs 'url'") == 5 and message.endswith("; and 3 more")


def test_bad_drop_pattern(tmp_path):
    text = (
        '[[sources]]\nname = "a"\nkind = "feed"\nurl = "https://e.example.com/"\n'
        'drop_patterns = ["ok", "(unclosed"]\n'
    )
    message = error_of(tmp_path, text)
    assert "source 'a'.drop_patterns" in message
    assert "drop pattern '(unclosed' is not a valid regex" in message


def test_directory_path_missing(tmp_path):
    message = error_of(
        tmp_path, '[[sources]]\nname = "archive"\nkind = "directory"\npath = "nowhere"\n'
    )
    assert message.endswith(f"source 'archive': {(tmp_path / 'nowhere').resolve()} does not exist")


def test_missing_folders_are_named_beside_the_other_problems(tmp_path):
    text = (
        '[[sources]]\nname = "inbox"\nkind = "directory"\npath = "data/inbox"\n'
        '[[sources]]\nname = "crawl"\nkind = "warc"\npath = "data/crawl"\n'
        '[[sources]]\nname = "wire"\nkind = "feed"\n'
    )
    base = tmp_path.resolve()
    assert error_of(tmp_path, text).split(": ", 1)[1] == (
        "source 'wire': a feed source needs 'url'; "
        f"source 'inbox': {base / 'data/inbox'} does not exist; "
        f"source 'crawl': {base / 'data/crawl'} does not exist"
    )


def test_empty_file_has_no_sources(tmp_path):
    assert error_of(tmp_path, "").endswith("sources: Field required")


def test_bad_name(tmp_path):
    message = error_of(
        tmp_path, '[[sources]]\nname = "has space"\nkind = "feed"\nurl = "https://e.example.com/"\n'
    )
    assert "source 'has space'.name" in message


def test_negative_delay(tmp_path):
    text = '[[sources]]\nname = "a"\nkind = "feed"\nurl = "https://e.example.com/"\ndelay = -1\n'
    assert "source 'a'.delay" in error_of(tmp_path, text)


def test_a_scheme_in_capitals_is_an_http_url(tmp_path):
    # URL schemes are case-insensitive: "HTTP://..." stopped the whole run.
    text = '[[sources]]\nname = "caps"\nkind = "urls"\nurls = ["HTTP://a.example.com/News/1"]\n'
    text += '[[sources]]\nname = "feed"\nkind = "feed"\nurl = "Https://a.example.com/rss"\n'
    caps, feed = load_sources(write(tmp_path, text)).sources
    assert caps.urls == ["http://a.example.com/News/1"]
    assert feed.url == "https://a.example.com/rss"
