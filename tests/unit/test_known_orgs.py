"""training/ner/known_orgs.py: which names the list of known organisations keeps."""

from __future__ import annotations

from collections import Counter

from training.ner.known_orgs import known, sentence_case, word_counts


def test_only_headlines_in_sentence_case_are_read():
    assert sentence_case("Harbour council says ferry fares will rise in spring")
    assert not sentence_case("Harbour Council Says Ferry Fares Will Rise In Spring")
    assert not sentence_case("2014 - 15")


def test_a_name_is_kept_when_seen_often_enough_and_nearly_always_as_an_organisation():
    counts = {
        "Northwind": Counter(ORG=9, PERSON=1),  # 0.9 of 10
        "Larkspur": Counter(ORG=4),  # too rare
        "Harlow": Counter(ORG=6, GPE=4),  # a place as often
    }
    assert known(counts, min_mentions=5, min_share=0.9) == ["Northwind"]
    assert known(counts, min_mentions=4, min_share=0.6) == ["Harlow", "Larkspur", "Northwind"]


def test_human_labels_and_lower_case_use_keep_a_name_out():
    counts = {
        "Larkspur": Counter(ORG=30),  # CoNLL calls it a place 4 times: 40 >= 30, out
        "Northwind": Counter(ORG=500),  # a place twice there: 20 < 500, kept
        "Ferry": Counter(ORG=30),  # "ferry" in lower case as often: a common word
    }
    gold = {"Larkspur": Counter(LOC=4), "Northwind": Counter(LOC=2)}
    words = word_counts(["Northwind and Ferry run the ferry; the ferry is late.", "Ferry"])
    assert words[0]["ferry"] == 2 and words[1]["Ferry"] == 2
    assert known(counts, 5, 0.9) == ["Ferry", "Larkspur", "Northwind"]
    assert known(counts, 5, 0.9, gold, words) == ["Northwind"]


def test_corporations_people_labelled_in_wnut_join_unless_conll_says_person(tmp_path):
    from training.ner.known_orgs import human_corporations, wnut_labels

    (tmp_path / "wnut17").mkdir()
    rows = []
    for name, kind, times in (
        ("Chirper", "corporation", 3),
        ("Quayside Radio", "corporation", 4),
        ("Lumen", "corporation", 2),  # too rare
        ("Brackwater", "corporation", 3),
        ("Brackwater", "location", 2),  # a place too often
        ("Mossgrove", "corporation", 5),  # CoNLL: a person
        ("chirper", "corporation", 5),  # not written as a name
    ):
        words = name.split()
        for _ in range(times):
            rows += [f"{words[0]}\tB-{kind}", *(f"{w}\tI-{kind}" for w in words[1:]), "on\tO", ""]
    (tmp_path / "wnut17" / "train.conll").write_text("\n".join(rows), encoding="utf-8")
    labels = wnut_labels(tmp_path)
    assert labels["Quayside Radio"] == Counter(corporation=4)
    gold = {"Mossgrove": Counter(PER=3)}
    assert human_corporations(labels, gold, 0.9) == ["Chirper", "Quayside Radio"]


def test_the_shipped_list_knows_the_platforms_the_models_take_for_people():
    from newsetl.enrich.entities import relabel

    assert relabel("Twitter", "PERSON") == "ORG"
    assert relabel("YouTube", "PERSON") == "ORG"
