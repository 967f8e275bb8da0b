"""newsetl.pipeline.assign_stories: a batch spanning many days is matched in date slices, each
against the stored articles of its own window, and a story may cross a slice's edge."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from newsetl.config import Settings
from newsetl.enrich.embeddings import embed
from newsetl.enrich.stories import lead_text
from newsetl.pipeline import STORY_SLICE_DAYS, assign_stories, date_slices

START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
KILN_FIRE = (
    "Fire guts the Ostery brick kiln",
    "A fire destroyed the main kiln of the Ostery brickworks on the edge of Pellingham late on "
    "Monday, the county fire service said. Forty firefighters fought the blaze for six hours. "
    "Plant manager Idris Fenwick said 120 workers would be sent home on full pay.",
)
KILN_FIRE_AGAIN = (
    "Ostery brickworks fire: 120 workers sent home",
    "The Ostery brickworks in Pellingham will stay shut after a fire gutted its main kiln on "
    "Monday. Forty firefighters spent six hours on the blaze, the county fire service said, and "
    "manager Idris Fenwick told the 120 workers they would be paid in full.",
)
REGATTA = (
    "Harlow crew wins the Pellingham regatta",
    "The Harlow rowing club won the eights at the Pellingham regatta on Saturday, beating the "
    "holders by a length. Stroke Wen Adair said the crew had trained at dawn since January.",
)


class Stored:
    """A warehouse view that holds nothing and notes the dates each window read asked for."""

    def __init__(self) -> None:
        self.asked: list[list[date]] = []

    def recent_story_members(self, dates, window_days, exclude):
        self.asked.append(sorted(dates))
        return []


def article(make_article, aid: str, day: int | None, story: tuple[str, str]):
    title, text = story
    return make_article(
        aid,
        published_at=None if day is None else START + timedelta(days=day),
        title=title,
        text=text,
        entities=[],
        story_id=None,
        vector=embed([lead_text(title, text)])[0].tolist(),
    )


def test_a_short_batch_is_one_slice(make_article):
    batch = [article(make_article, f"a{d}", d, REGATTA) for d in range(STORY_SLICE_DAYS)]
    assert date_slices(batch, STORY_SLICE_DAYS) == [batch]


def test_a_long_batch_is_cut_in_date_order_with_the_undated_last(make_article):
    days = [30, 0, None, 13, 14, 27, 28, 5]
    batch = [article(make_article, f"a{i}", d, REGATTA) for i, d in enumerate(days)]
    slices = date_slices(batch, STORY_SLICE_DAYS)
    spans = [[a.published_date for a in part] for part in slices]
    first = START.date()
    assert spans == [
        [first + timedelta(days=d) for d in (0, 5, 13)],
        [first + timedelta(days=d) for d in (14, 27)],
        [first + timedelta(days=d) for d in (28, 30)] + [None],
    ]
    assert sorted(a.article_id for part in slices for a in part) == sorted(
        a.article_id for a in batch
    )


def test_each_slice_reads_its_own_window_and_a_story_crosses_the_edge(make_article):
    batch = [
        article(make_article, "early", 0, REGATTA),
        article(make_article, "fire", 13, KILN_FIRE),
        article(make_article, "fire-next-day", 15, KILN_FIRE_AGAIN),
        article(make_article, "late", 40, REGATTA),
    ]
    stored = Stored()
    matched = assign_stories(batch, stored, Settings(story_window_days=3))  # type: ignore[arg-type]
    first = START.date()
    assert stored.asked == [
        [first, first + timedelta(days=13)],
        [first + timedelta(days=15)],
        [first + timedelta(days=40)],
    ]
    ids = {a.article_id: a.story_id for a in matched}
    assert ids["fire-next-day"] == ids["fire"] == "s-fire"
    assert ids["early"] == "s-early" and ids["late"] == "s-late"
    assert all(a.story_id is None for a in batch)  # the input is left as it was
