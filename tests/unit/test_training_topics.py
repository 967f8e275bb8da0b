"""training/topics/train.py: the MasakhaNEWS history reader never hands over held-out articles."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from newsetl.schema import IPTC_TOPICS
from training.topics import train

HEADER = ["category", "headline", "text"]


def write_tsv(path: Path, rows: list[list[str]], header: list[str] | None = HEADER) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        if header:
            writer.writerow(header)
        writer.writerows(rows)


def make_data(base: Path) -> None:
    news = base / "masakhane-news"
    write_tsv(news / "eng" / "dev.tsv", [["sports", "Dev headline, kept out!", "dev text"]])
    write_tsv(news / "eng" / "test.tsv", [["business", "Test headline", "test text"]])
    write_tsv(
        news / "few-shot" / "5_samples" / "eng" / "train.tsv",
        [["politics", "Few-shot headline", "few-shot text"]],
    )
    fsl = [
        ["sports", "dev headline kept out", "same as dev once normalised", "/x"],
        ["politics", "Test headline", "same as test", "/y"],
        ["politics", "few-shot headline", "already trained on", "/z"],
        ["health", "Health article", "text", "/w"],
    ] + [["technology", f"History article {i}", f"body {i}", f"/h{i}"] for i in range(40)]
    write_tsv(news / "history" / "abc" / "data-fsl" / "eng" / "5sample" / "train.tsv", fsl, None)
    export = base / "masakhane-news" / "history" / "def" / "raw_annotations" / "eng2.csv"
    export.parent.mkdir(parents=True)
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "category"])
        for annotator, label in enumerate(["business", "business", "politics"]):
            writer.writerow([annotator, "Voted lead. \nFirst lines of it...", label])
        for annotator, label in enumerate(["sports", "politics"]):
            writer.writerow([10 + annotator, "Tied lead. \nNo majority...", label])
        writer.writerow([20, "Uncategorised lead. \nLeft out...", "uncategorized"])


def test_history_leaves_out_dev_test_and_few_shot_and_splits_by_headline(tmp_path):
    make_data(tmp_path)
    kept = train.read_history(held_out=False, data=tmp_path)
    held = train.read_history(held_out=True, data=tmp_path)
    texts = [t for t, _ in kept + held]
    assert not any(
        t.startswith(("dev headline", "Test headline", "few-shot headline")) for t in texts
    )
    assert {t for t, _ in kept}.isdisjoint({t for t, _ in held})
    assert len(kept) + len(held) == 42  # 40 articles, the health one, the voted lead
    assert 0 < len(held) < len(kept)  # a fifth, by headline hash
    voted = [(t, c) for t, c in kept + held if t.startswith("Voted lead")]
    assert voted == [("Voted lead\n\nFirst lines of it", train.MASAKHANE["business"])]
    assert not any(t.startswith(("Tied lead", "Uncategorised")) for t in texts)


STORY = (
    "The energy support payment of six hundred pounds will arrive in households across "
    "Northern Ireland before the end of January, the prime minister told MPs on Wednesday, "
    "after weeks of delay blamed on the lack of a working executive at Stormont"
)


def test_articles_whose_text_overlaps_a_held_out_one_are_dropped_whatever_the_headline():
    held = {"dev": [(f"Sunak promises update\n\n{STORY}.", "medtop:11000000")]}
    sources = {
        "test": [
            # the same story under a rewritten headline, with a new last line
            (f"Energy payments: NI to get £600\n\n{STORY}. More follows.", "medtop:11000000"),
            ("Cup final tonight\n\nThe two sides meet at the national stadium.", "medtop:15000000"),
        ],
        # a lead (headline and first lines) whose text sits inside the held-out article
        "leads": [("Payment date\n\n" + " ".join(STORY.split()[:20]), "medtop:11000000")],
    }
    kept = train.drop_overlaps(sources, held)
    assert kept == {"test": [sources["test"][1]], "leads": []}


def test_a_few_shared_words_are_not_an_overlap():
    held = [("Minister speaks\n\n" + STORY, "medtop:11000000")]
    other = "A report says the energy support payment of six hundred pounds will be late again"
    assert train.overlapping([(other, "medtop:04000000")], held) == set()
    assert train.overlapping([(STORY, "medtop:11000000")], held) == {0}


def test_alpha_is_the_largest_share_that_costs_no_out_of_fold_article():
    codes = list(IPTC_TOPICS)
    trained = np.array([[0.9, 0.1], [0.55, 0.45]])
    zero = np.full((2, len(codes)), 0.05 / (len(codes) - 1))
    zero[:, 5] = 0.95  # an untrained topic the zero-shot method is sure of
    alpha, table = train.choose_alpha(trained, zero, [0, 1], [codes[0], codes[0]])
    # the uncertain article goes to the untrained topic from a share of about 0.37 on
    assert alpha == 0.35
    by_alpha = {row["alpha"]: row["out_of_fold_top1"] for row in table}
    assert by_alpha[0.35] == 1.0 and by_alpha[0.4] == 0.5 and by_alpha[0.5] == 0.0


def test_huffpost_reader_keeps_mapped_sections_once_per_link(tmp_path):
    folder = tmp_path / "huffpost"
    folder.mkdir()
    items = [
        {
            "link": "/a",
            "headline": "Senate passes bill",
            "short_description": "Vote.",
            "category": "POLITICS",
        },
        {"link": "/b", "headline": "A joke", "short_description": "", "category": "COMEDY"},
        {"link": "/c", "headline": "New phone", "short_description": "", "category": "TECH"},
        {"link": "/d", "headline": "", "short_description": "no headline", "category": "TECH"},
    ]
    (folder / "one.json").write_text(
        "\n".join(json.dumps(i) for i in items) + "\n\n", encoding="utf-8"
    )
    # a second partial copy: the same link once more (another label), and one new item
    again = [
        dict(items[0], category="SPORTS"),
        {"link": "/e", "headline": "Pope visits", "short_description": "", "category": "RELIGION"},
    ]
    (folder / "two.json").write_text("\n".join(json.dumps(i) for i in again), encoding="utf-8")
    found = train.read_huffpost(train.HUFFPOST, data=tmp_path)
    assert found == [
        ("Senate passes bill\n\nVote.", "medtop:11000000"),
        ("New phone", "medtop:13000000"),
    ]
    with_new = train.read_huffpost({**train.HUFFPOST, **train.HUFFPOST_NEW}, data=tmp_path)
    assert ("Pope visits", "medtop:12000000") in with_new and len(with_new) == 3


def test_uci_reader_takes_headlines_per_story_without_bbc_or_publisher_suffix(tmp_path):
    folder = tmp_path / "uci-news-aggregator" / "rawData"
    folder.mkdir(parents=True)

    def row(n, title, publisher, category, story, host):
        return [str(n), title, f"http://{host}/{n}", publisher, category, story, host, "1"]

    write_tsv(
        folder / "xaa.csv",
        [
            row(1, "Apple unveils a new iPhone today - Daily Tech", "Daily Tech", "t", "s1", "dt"),
            row(2, "Apple shows its new iPhone at last", "Other", "t", "s1", "ot"),
            row(3, "Fed official says the taper goes on", "BBC News", "b", "s2", "www.bbc.co.uk"),
            row(4, "Short title", "X", "b", "s3", "x"),  # under four words: left out
            row(5, "Drug maker wins approval for pill", "Y", "m", "s4", "y"),
        ],
        None,
    )
    write_tsv(
        folder / "xab.csv",
        [row(6, "Apple unveils a new iPhone today", "Repeat", "t", "s1", "rp")],  # a repeat
        None,
    )
    tech_only = {"t": train.UCI["t"]}
    one = train.read_uci(tech_only, 1, data=tmp_path)
    assert len(one) == 1 and one[0][1] == "medtop:13000000"
    both = sorted(train.read_uci(tech_only, 3, data=tmp_path))
    assert both == [
        ("Apple shows its new iPhone at last", "medtop:13000000"),
        ("Apple unveils a new iPhone today", "medtop:13000000"),
    ]
    every = train.read_uci(train.UCI, 3, data=tmp_path)
    assert ("Drug maker wins approval for pill", "medtop:07000000") in every
    assert not any("taper" in text or text == "Short title" for text, _ in every)


def test_round5_offsets_fix_a_class_that_is_scored_too_low_and_chunk_mean_is_unit_length():
    from training.topics import ablate

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    logits = np.eye(3)[y] * 1.0 + rng.normal(0, 0.2, (300, 3))
    logits[:, 1] -= 1.2  # class 1 under-scored: most of its rows go elsewhere
    before = (logits.argmax(1) == y).mean()
    one = ablate.fit_offsets(logits, y, 1)
    assert one[1] > 0 and one[0] == one[2] == 0
    assert ((logits + one).argmax(1) == y).mean() > before + 0.2
    every = ablate.fit_offsets(logits, y, None)
    assert ((logits + every).argmax(1) == y).mean() >= ((logits + one).argmax(1) == y).mean()
    text = "Shares in the chip maker rose after it raised its forecast. " * 40
    vectors = ablate.chunk_mean([text, "A short text."])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[1], ablate.embed(["A short text."])[0], atol=1e-5)


def test_short_view_keeps_the_headline_and_first_words_and_the_uci_fifth_is_stable():
    from training.topics import ablate

    body = " ".join(f"w{i}" for i in range(40))
    assert ablate.short_view(f"Port strike ends\n\n{body}", 3) == "Port strike ends\n\nw0 w1 w2"
    headlines = [f"Headline number {i} about markets" for i in range(200)]
    held = [h for h in headlines if ablate.uci_held_out(h)]
    assert 20 < len(held) < 60  # about a fifth
    assert held == [h for h in headlines if ablate.uci_held_out(h.upper() + "  ")]
