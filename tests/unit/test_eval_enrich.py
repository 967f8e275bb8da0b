"""The topic evaluation's readers and its per-desk breakdown (benchmarks/eval_enrich.py)."""

from collections import Counter

from benchmarks.eval_enrich import per_label, read_kpcrowd, read_wnut, topic_sets

BODY = " ".join(["word"] * 60)


def test_kpcrowd_keeps_five_desks_with_a_body_and_unescapes(tmp_path):
    (tmp_path / "tech-1.txt").write_text(f"Apple&#8217;s new phone\n{BODY}\n", encoding="utf-8")
    (tmp_path / "politics_world-2.txt").write_text(f"Vote\n{BODY}", encoding="utf-8")
    (tmp_path / "business-3.txt").write_text("Title only, no body", encoding="utf-8")
    (tmp_path / "crime-4.txt").write_text(f"Robbery\n{BODY}", encoding="utf-8")
    docs = read_kpcrowd(tmp_path)
    assert docs == [
        (f"Vote\n\n{BODY}", "medtop:11000000"),
        (f"Apple\u2019s new phone\n\n{BODY}", "medtop:13000000"),
    ]


def test_kpcrowd_set_appears_when_its_folder_is_present(tmp_path):
    folder = tmp_path / "keyphrases" / "500N-KPCrowd-v1.1" / "docsutf8"
    folder.mkdir(parents=True)
    (folder / "sports-9.txt").write_text(f"Cup final\n{BODY}", encoding="utf-8")
    sets = topic_sets(tmp_path)
    assert sets["topics_kpcrowd_five_desks"] == [(f"Cup final\n\n{BODY}", "medtop:15000000")]
    assert "topics_masakhane_eng_dev" not in sets


def test_per_label_counts_where_the_misses_went():
    confusion = {
        "medtop:13000000": Counter(
            {"medtop:13000000": 6, "medtop:04000000": 3, "medtop:01000000": 1}
        ),
        "medtop:15000000": Counter({"medtop:15000000": 2}),
    }
    table = per_label(confusion)
    assert table["science and technology"] == {
        "articles": 10,
        "top1": 0.6,
        "taken_as": {
            "economy, business and finance": 3,
            "arts, culture, entertainment and media": 1,
        },
    }
    assert table["sport"] == {"articles": 2, "top1": 1.0, "taken_as": {}}


def test_short_news_sets_appear_when_their_folders_are_present(tmp_path):
    (tmp_path / "huffpost").mkdir()
    items = [
        '{"link": "a", "headline": "Chip maker ships", "short_description": "New cores.", '
        '"category": "TECH"}',
        '{"link": "b", "headline": "Ten soups", "short_description": "Warm.", '
        '"category": "FOOD & DRINK"}',
    ]
    (tmp_path / "huffpost" / "part.json").write_text("\n".join(items), encoding="utf-8")
    raw = tmp_path / "uci-news-aggregator" / "rawData"
    raw.mkdir(parents=True)
    row = ["1", "Studio books a summer film slate", "u", "Pub", "e", "s1", "example.com", "0"]
    (raw / "p.csv").write_text("\t".join(row) + "\n", encoding="utf-8")
    sets = topic_sets(tmp_path)
    assert sets["topics_huffpost_five_desks_short"] == [
        ("Chip maker ships\n\nNew cores.", "medtop:13000000")
    ]
    assert sets["topics_uci_headlines_short"] == [
        ("Studio books a summer film slate", "medtop:01000000")
    ]


def test_wnut_posts_score_people_places_and_organisations_only(tmp_path):
    path = tmp_path / "dev.conll"
    lines = [
        "met\tO",
        "ada\tB-person",
        "at\tO",
        "Harbour\tB-corporation",
        "Coffee\tI-corporation",
        "in\tO",
        "Larkspur\tB-location",
        "",
        "new\tO",
        "Skyphone\tB-product",
        "by\tO",
        "Northwind\tB-group",
        "",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert read_wnut(path) == [
        (
            "met ada at Harbour Coffee in Larkspur",
            {("ada", "PER"), ("Harbour Coffee", "ORG"), ("Larkspur", "LOC")},
        ),
        ("new Skyphone by Northwind", {("Northwind", "ORG")}),
    ]
