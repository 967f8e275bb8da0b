"""newsetl.urls: the normalised URL is the identity of an article."""

from __future__ import annotations

import hashlib

import pytest

from newsetl.urls import article_id, normalize_url


def test_utm_and_fbclid_are_stripped_and_other_params_kept():
    url = "https://news.example.org/story?utm_source=feed&utm_medium=rss&UTM_Campaign=x&fbclid=IwAR0abc&page=2"
    assert normalize_url(url) == "https://news.example.org/story?page=2"


@pytest.mark.parametrize("param", ["gclid", "mc_cid", "ref_src", "smid", "_ga"])
def test_other_tracking_params_are_stripped(param):
    assert (
        normalize_url(f"https://news.example.org/a?{param}=1&id=7")
        == "https://news.example.org/a?id=7"
    )


def test_fragment_is_dropped():
    assert normalize_url("https://news.example.org/a/b#comments") == "https://news.example.org/a/b"


def test_scheme_and_host_are_lower_cased_but_path_is_not():
    assert (
        normalize_url("HTTPS://News.Example.ORG/World/Story-1")
        == "https://news.example.org/World/Story-1"
    )


def test_trailing_dot_of_host_is_removed():
    assert normalize_url("https://news.example.org./a") == "https://news.example.org/a"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example.org:443/a", "https://news.example.org/a"),
        ("http://news.example.org:80/a", "http://news.example.org/a"),
        ("http://news.example.org:8080/a", "http://news.example.org:8080/a"),
        ("https://news.example.org:80/a", "https://news.example.org:80/a"),
    ],
)
def test_only_the_default_port_of_the_scheme_is_removed(url, expected):
    assert normalize_url(url) == expected


def test_query_is_sorted():
    assert (
        normalize_url("https://x.example.com/s?z=1&b=2&a=3")
        == "https://x.example.com/s?a=3&b=2&z=1"
    )


def test_blank_query_values_are_kept():
    assert normalize_url("https://x.example.com/s?b=&a=1") == "https://x.example.com/s?a=1&b="


def test_empty_path_becomes_slash():
    assert normalize_url("https://x.example.com") == "https://x.example.com/"
    assert normalize_url("https://x.example.com?utm_source=a") == "https://x.example.com/"


def test_surrounding_whitespace_is_ignored():
    assert normalize_url("  https://x.example.com/a \n") == "https://x.example.com/a"


def test_normalize_is_idempotent():
    once = normalize_url("HTTPS://X.example.com:443/a?z=1&utm_term=q&a=2#top")
    assert normalize_url(once) == once


def test_ipv6_host_keeps_its_brackets():
    assert normalize_url("http://[::1]:8080/x") == "http://[::1]:8080/x"


def test_article_id_is_a_stable_20_hex_digest():
    aid = article_id("https://news.example.org/2024/05/flood-barrier")
    assert aid == article_id("https://news.example.org/2024/05/flood-barrier")
    assert len(aid) == 20
    assert int(aid, 16) >= 0
    # Pinned: ids are stored in the warehouse, a change of the hash would orphan every row.
    expected = hashlib.sha256(b"https://news.example.org/2024/05/flood-barrier").hexdigest()[:20]
    assert aid == expected == "6686d49b5bd91681ed1e"


def test_article_id_is_equal_for_url_variants():
    variants = [
        "https://news.example.org/2024/05/flood-barrier?b=2&a=1",
        "HTTPS://NEWS.EXAMPLE.ORG:443/2024/05/flood-barrier?a=1&b=2",
        "https://news.example.org/2024/05/flood-barrier?a=1&utm_source=tw&b=2&fbclid=zz#section-3",
    ]
    assert len({article_id(v) for v in variants}) == 1


def test_article_id_differs_for_different_articles():
    assert article_id("https://news.example.org/a?id=1") != article_id(
        "https://news.example.org/a?id=2"
    )
    assert article_id("https://news.example.org/a") != article_id("https://news.example.org/b")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.example/news/../news/story.html", "https://x.example/news/story.html"),
        ("https://x.example/news/./story.html", "https://x.example/news/story.html"),
        ("https://x.example/a/b/..", "https://x.example/a/"),
        ("https://x.example/../story", "https://x.example/story"),
        ("https://x.example/a..b/.well-known/c.d", "https://x.example/a..b/.well-known/c.d"),
    ],
)
def test_dot_segments_are_resolved(url, expected):
    # "/news/../news/story.html" is the same page: it was stored as a second article.
    assert normalize_url(url) == expected


def test_the_records_of_a_local_jsonl_file_without_addresses_are_distinct_records():
    one, two = (f"file:///data/inbox/batch.jsonl#record-{n * 16}" for n in ("1", "2"))
    assert normalize_url(one) == one
    assert article_id(one) != article_id(two)
    # Elsewhere a fragment is a place in the page, as before.
    assert normalize_url("file:///data/inbox/page.html#top") == "file:///data/inbox/page.html"
    assert normalize_url("file:///data/inbox/batch.jsonl#L2") == "file:///data/inbox/batch.jsonl"
    assert normalize_url(f"https://news.example.org/a#record-{'1' * 16}") == (
        "https://news.example.org/a"
    )
