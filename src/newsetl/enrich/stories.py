"""Story ids: articles about the same event share one, within a few days, across runs.

Each article is embedded (title + lead). Two articles are one story when their embeddings are
nearly identical (wire copy, light edits), or similar and naming the same people (the same event
told by two outlets), or more similar still and sharing several named entities. Candidates are only articles within `window_days`;
previous runs' articles come from the warehouse, so a story can grow across runs.
"""

from __future__ import annotations

import numpy as np

from newsetl.records import STORY_LABELS as STORY_LABELS  # where the matcher looks
from newsetl.records import StoryMember

NEAR_DUPLICATE = 0.95
# Similar text and shared names: the same people at the same time is an event; places and
# organisations alone are a beat (two stories about one parliament), so they need more.
SAME_PEOPLE = (0.60, 2)  # cosine at least, and at least this many people in common
SAME_EVENT = (0.80, 3)  # cosine at least, and at least this many named entities in common
CANDIDATE = min(SAME_PEOPLE[0], SAME_EVENT[0])
LEAD_WORDS = 120


def as_vector(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def lead_text(title: str, text: str) -> str:
    return f"{title}\n" + " ".join(text.split()[:LEAD_WORDS])


def _same_story(a: StoryMember, b: StoryMember, similarity: float, window_days: int) -> bool:
    if (
        a.published_date
        and b.published_date
        and abs((a.published_date - b.published_date).days) > window_days
    ):
        return False
    if similarity >= NEAR_DUPLICATE:
        return True
    shared = a.entities & b.entities
    people = sum(1 for e in shared if e.startswith("PERSON:"))
    return (similarity >= SAME_PEOPLE[0] and people >= SAME_PEOPLE[1]) or (
        similarity >= SAME_EVENT[0] and len(shared) >= SAME_EVENT[1]
    )


def assign_stories(batch: list[StoryMember], known: list[StoryMember], window_days: int) -> None:
    """Set `story_id` on every batch member; known members keep theirs and lend them."""
    if not batch:
        return
    vectors = np.stack([m.vector for m in batch])
    within = vectors @ vectors.T
    links = [
        (float(within[i, j]), i, j)
        for i in range(len(batch))
        for j in np.nonzero(within[i, i + 1 :] >= CANDIDATE)[0] + i + 1
        if _same_story(batch[i], batch[j], float(within[i, j]), window_days)
    ]
    members: dict[int, list[int]] = {i: [i] for i in range(len(batch))}
    root_of = list(range(len(batch)))
    # Strongest links first; two groups join only if they are close on average, so one
    # borderline pair cannot chain two stories into one.
    for _, i, j in sorted(links, reverse=True):
        a, b = root_of[i], root_of[j]
        if a == b or float(within[np.ix_(members[a], members[b])].mean()) < CANDIDATE:
            continue
        for k in members[b]:
            root_of[k] = a
        members[a] += members.pop(b)

    def find(i: int) -> int:
        return root_of[i]

    inherited: dict[int, tuple[float, str]] = {}
    if known:
        across = vectors @ np.stack([k.vector for k in known]).T
        for i in range(len(batch)):
            for j in np.nonzero(across[i] >= CANDIDATE)[0]:
                similarity = float(across[i, j])
                if known[j].story_id and _same_story(batch[i], known[j], similarity, window_days):
                    root = find(i)
                    if similarity > inherited.get(root, (0.0, ""))[0]:
                        inherited[root] = (similarity, known[j].story_id)
    groups: dict[int, list[int]] = {}
    for i in range(len(batch)):
        groups.setdefault(find(i), []).append(i)
    for root, members in groups.items():
        story = inherited.get(root, (0.0, None))[1] or "s-" + min(
            batch[i].article_id for i in members
        )
        for i in members:
            batch[i].story_id = story
