"""benchmarks.real_eval / realpages: corpus folders read as documented, pages served at their own
path from 127.0.0.1, rejected pages scored as empty output, author strings split as documented."""

from __future__ import annotations

import gzip
import json
import urllib.request

from benchmarks.real_eval import score, serve_pages, sources_file
from benchmarks.realpages import LabelledPage, load, split_authors

BODY = "The night ferry to the outer islands will run twice a week from the first of March on."


def _corpora(root):
    wcxb = root / "wcxb" / "dev"
    (wcxb / "html").mkdir(parents=True)
    (wcxb / "ground-truth").mkdir()
    html = f"<html><body><h1>Night ferry returns</h1><p>{BODY}</p></body></html>"
    (wcxb / "html" / "0001.html.gz").write_bytes(gzip.compress(html.encode()))
    truth = {
        "url": "https://ferries.example.org/2026/02/night-ferry",
        "_internal": {"page_type": {"primary": "article"}},
        "ground_truth": {
            "title": "Night ferry returns",
            "author": "Ana Ruiz, MD and Tom Berg",
            "publish_date": "2026-02-11",
            "main_content": BODY,
        },
    }
    (wcxb / "ground-truth" / "0001.json").write_text(json.dumps(truth))
    shop = {**truth, "_internal": {"page_type": {"primary": "product"}}}
    (wcxb / "ground-truth" / "0002.json").write_text(json.dumps(shop))
    (wcxb / "html" / "0002.html.gz").write_bytes(gzip.compress(b"<html></html>"))
    mc = root / "htmldate-mediacloud"
    (mc / "test_set").mkdir(parents=True)
    (mc / "test_set" / "17.html").write_text("<html><body>x</body></html>")
    (mc / "eval_mediacloud_2020.json").write_text(
        json.dumps(
            {
                "https://a.example/x": {"file": "17.html", "date": "2020-05-01"},
                "https://a.example/y": {"file": "18.html", "date": "2020-05-02"},  # no page
                "https://a.example/z": {"file": "17.html", "date": "nan"},  # no gold date
            }
        )
    )


def test_corpora_are_read_from_the_data_folder(tmp_path):
    _corpora(tmp_path)
    corpora = load("dev", tmp_path)
    assert sorted(corpora) == ["mediacloud", "wcxb-dev"]
    (page,) = corpora["wcxb-dev"]  # the product page is not an article
    assert (page.title, page.date, page.authors) == (
        "Night ferry returns",
        "2026-02-11",
        ["Ana Ruiz", "Tom Berg"],
    )
    assert page.path == "/wcxb-dev/0001/2026/02/night-ferry"
    assert [p.date for p in corpora["mediacloud"]] == ["2020-05-01"]
    assert load("test", tmp_path) == {}


def test_l3s_pages_take_the_marked_full_text_and_their_one_headline(tmp_path):
    folder = tmp_path / "l3s-gn1"
    (folder / "original").mkdir(parents=True)
    (folder / "annotated").mkdir()
    uuid = "0a1b2c3d-1111-2222-3333-444455556666"
    (folder / "url-mapping.txt").write_text(
        f"<urn:uuid:{uuid}>\thttp://ferries.example.org/news/story.asp?id=7\n"
    )
    (folder / "original" / f"{uuid}.html").write_text("<html><body>as crawled</body></html>")
    annotated = (
        '<html><body><span class="x-nc-sel0">Home | Timetables</span>'
        '<h2><span class="x-nc-sel1">Night ferry returns</span></h2>'
        '<p><span class="x-nc-sel2">The night ferry to the outer</span>'
        '<a href="/isles"><span class="x-nc-sel2">islands</span></a>'
        '<span class="x-nc-sel2"> will run twice a week.</span></p>\n'
        '<p><span class="x-nc-sel3">Photo: the quay at dusk</span></p>'
        '<p><span class="x-nc-sel2">Tickets go on sale in February.</span></p>'
        '<div><span class="x-nc-sel5">More ferry news</span></div></body></html>'
    )
    (folder / "annotated" / f"{uuid}.html").write_text(annotated, encoding="utf-8")
    (page,) = load("dev", tmp_path)["l3s-gn1"]
    assert page.title == "Night ferry returns"
    assert page.body == (
        "The night ferry to the outer islands will run twice a week.\n"
        "Tickets go on sale in February."
    )
    assert page.path == "/l3s-gn1/0a1b2c3d/news/story.asp"
    assert page.html() == b"<html><body>as crawled</body></html>"


def test_split_authors():
    assert split_authors("Jo Doe, MD, FACS") == ["Jo Doe"]
    assert split_authors("Jo Doe, Ann Lee & Bo Chan") == ["Jo Doe", "Ann Lee", "Bo Chan"]
    assert split_authors("Jo Doe, Ph.D.") == ["Jo Doe"]
    assert split_authors(None) == []


def test_pages_are_served_at_their_path_and_sources_are_per_site(tmp_path):
    _corpora(tmp_path)
    (page,) = load("dev", tmp_path)["wcxb-dev"]
    with serve_pages([page]) as base:
        with urllib.request.urlopen(base + page.path) as response:
            assert BODY.encode() in response.read()
            assert response.headers["Content-Type"] == "text/html"
        target = tmp_path / "sources.toml"
        sources_file(base, [page], target)
    text = target.read_text()
    assert 'name = "ferries.example.org"' in text and "allow_private_network = true" in text


def test_a_rejected_page_counts_as_empty_output_and_a_missing_date():
    pages = [
        LabelledPage(
            "c", str(i), f"https://x.example/{i}", None, "T", ["Ann Lee"], "2026-01-02", BODY
        )
        for i in range(2)
    ]
    found = {
        pages[0].path: {"text": BODY, "title": "T", "authors": ["Ann Lee"], "date": "2026-01-02"},
        pages[1].path: {"reject": "extract: not an article"},
    }
    result = score(pages, found)
    assert result["body"]["recall"] == 0.5 and result["body"]["precision"] == 1.0
    assert result["date"]["exact_day"] == 0.5
    assert result["title"]["exact"] == 0.5
    assert result["authors"]["exact"] == 0.5
    assert result["rejected"] == 1
