"""Story ids: articles about the same event share one, within a few days, across runs.

Method (v3), fitted on real multi-outlet news (ECB+ topics 1-20, see training/stories/fit.py):

1. Each article is read as words (title, lead, whole text), the names it uses inside sentences
   (capitalised words not opening a sentence) and the numbers it quotes. Word weights are
   TF-IDF with document frequencies from the batch plus the warehouse's articles of the window.
2. Candidate pairs come from blocking: an article is indexed under its few most distinctive
   words and names; only articles sharing such a key, within `window_days` of each other, are
   compared. Keys held by too many articles block nothing. Cost grows with the number of
   articles times the keys' posting lengths, not with all pairs.
3. A small logistic model turns pair features (lexical cosine of whole text and of title+lead,
   embedding cosine of title+lead, shared names, shared numbers) into the probability that the
   two tell the same event.
4. Average-link clustering over those probabilities (a pair that is no candidate counts as 0),
   merging while the average is above a fitted threshold, so one borderline pair cannot chain
   two stories. Articles already loaded (the warehouse's window) enter as the stories they
   already form; two known stories never merge, so ids already given do not change.

The weights and the threshold ship in `data/stories.json`.
"""

from __future__ import annotations

import ast
import gzip
import heapq
import importlib.util
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from newsetl.records import STORY_LABELS as STORY_LABELS  # where the matcher looks
from newsetl.records import StoryMember

T = TypeVar("T")

LEAD_WORDS = 120  # embedding input: title + this many words
LEAD_TERMS = 60  # lexical "lead" feature: title + this many words
MAX_WORDS = 2000  # words read per article for the lexical features
PRIOR_DOCS = 50  # document-frequency smoothing without a background table, see Pairs
STORY_CANDIDATES = 25  # known stories a new article is scored against, see Pairs.candidates
PLACE_LABELS = ("GPE", "LOC", "FAC")
YEARS = frozenset(str(y) for y in range(1900, 2100))
ACTOR_LABELS = ("PERSON", "ORG")

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
NUMBER = re.compile(r"(?<![\w.,])\d[\d,.]*\d(?![\w])|(?<![\w.,])\d(?![\w.,])")

# Short English function words; other languages rely on IDF alone.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own s same she should so some such t than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself said says say told according
    one two new also its it's he's she's that's there's mr mrs ms dr st""".split()
)


@dataclass(frozen=True)
class Model:
    features: tuple[str, ...]
    weights: np.ndarray
    bias: float
    threshold: float  # average-link merge threshold on the probability
    cohesion: float  # two groups merge only if their average >= this share of their inner ones
    block_keys: int  # distinctive words/names per article used as blocking keys
    block_max_df: float  # a key held by more than this share of articles blocks nothing
    block_min_df: int  # ... nor by more than max(this, share * articles)


@lru_cache(maxsize=1)
def load_model() -> Model:
    data = json.loads(files("newsetl.enrich").joinpath("data/stories.json").read_text("utf-8"))
    return model_from_dict(data)


def model_from_dict(data: dict) -> Model:
    return Model(
        features=tuple(data["features"]),
        weights=np.asarray(data["weights"], dtype=np.float64),
        bias=float(data["bias"]),
        threshold=float(data["threshold"]),
        cohesion=float(data["cohesion"]),
        block_keys=int(data["block_keys"]),
        block_max_df=float(data["block_max_df"]),
        block_min_df=int(data["block_min_df"]),
    )


@lru_cache(maxsize=1)
def background() -> tuple[int, dict[str, int]]:
    """Document frequencies of words in real news (training/stories/background.py): how many
    of `documents` articles use each word. A scheduled run's few dozen articles alone cannot
    tell a common word ("strike", "measles") from a telling one ("Rotterdam")."""
    try:
        raw = files("newsetl.enrich").joinpath("data/stories_df.tsv.gz").read_bytes()
    except FileNotFoundError:
        return 0, {}
    documents, counts = 0, {}
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        key, _, value = line.partition("\t")
        if key == "#documents":
            documents = int(value)
        elif not key.startswith("#") and value:
            counts[key] = int(value)
    return documents, counts


def as_vector(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def lead_text(title: str, text: str) -> str:
    return f"{title}\n" + " ".join(text.split()[:LEAD_WORDS])


# -- reading an article ---------------------------------------------------------------------------


def _stem(word: str) -> str:
    """A light English suffix strip, so "arrested"/"arrests"/"arrest" meet."""
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=64)
def stopwords(language: str | None) -> frozenset[str]:
    """The function words of a text in `language`: the English ones, and for another language
    spaCy's stop words of that language beside them where spaCy has a list. Without them the
    articles of a language the document frequencies were not counted in (English news) share
    their commonest words as if they were telling ones ("les", "de", "una"), and two unrelated
    French articles read as one story."""
    if not language or language == "en":
        return STOPWORDS
    extra = _spacy_stop_words(language)
    return STOPWORDS | extra if extra else STOPWORDS


def _spacy_stop_words(language: str) -> frozenset[str]:
    """spaCy's stop words of `language`, read from its list's source file: importing spaCy costs
    a process that has not imported it 2.5 s, and story matching runs in the flow's process."""
    spec = importlib.util.find_spec("spacy")
    if not language.isalpha() or spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(list(spec.submodule_search_locations)[0]) / "lang" / language / "stop_words.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return frozenset()
    words: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "STOP_WORDS" for target in node.targets
        ):
            for part in ast.walk(node.value):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    words.update(part.value.lower().split())
    return frozenset(words)


def _term(token: str, stop: frozenset[str] = STOPWORDS) -> str:
    """The term a word token counts as ("" for none: a stopword, a number, one letter)."""
    word = token.lower()
    if word in stop or word.isdigit():
        return ""
    stem = _stem(word)
    return stem if len(stem) > 1 else ""


# Token -> term per language, filled as articles are read: a window's stored articles repeat the
# same words, so each is lower-cased and stemmed once (bounded: cleared when it grows past
# TERM_CACHE).
_TERM_OF: dict[str, dict[str, str]] = {}
TERM_CACHE = 500_000


def _language_key(language: str | None) -> str:
    return language if language and stopwords(language) is not STOPWORDS else "en"


def _terms(text: str, language: str | None = None) -> list[str]:
    key = _language_key(language)
    if sum(len(c) for c in _TERM_OF.values()) > TERM_CACHE:
        _TERM_OF.clear()
    cache = _TERM_OF.setdefault(key, {})
    stop = stopwords(key)
    out = []
    for token in WORD.findall(text):
        term = cache.get(token)
        if term is None:
            term = cache[token] = _term(token, stop)
        if term:
            out.append(term)
    return out


NAME_STRIP = "\"'“”‘’()[],.;:!?"
SENTENCE_ENDERS = frozenset('.!?:;"“”')


def _names(text: str, language: str | None = None) -> Counter:
    """Capitalised words that do not open a sentence (the word before does not end with one of
    `SENTENCE_ENDERS`): people, places, organisations."""
    stop = stopwords(_language_key(language))
    names: Counter = Counter()
    tokens = text.split()
    for i in range(1, len(tokens)):
        word = tokens[i].strip(NAME_STRIP)
        if len(word) > 1 and word[0].isupper() and tokens[i - 1][-1] not in SENTENCE_ENDERS:
            lower = word.lower()
            if lower not in stop:
                names[_stem(lower)] += 1
    return names


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in NUMBER.findall(text)} - {"0", "1", "2"}


def document_keys(text: str, language: str | None = None) -> set[str]:
    """The words and names one article counts once in a document-frequency table."""
    return set(_terms(text, language)) | set(_names(text, language))


def _main_entities(member: StoryMember, labels: tuple[str, ...], lead: str) -> set[str]:
    """Entities of these labels the title or lead names: where it happened, who did it."""
    found = set()
    for entity in member.entities:
        label, _, name = entity.partition(":")
        if label in labels and len(name) > 1 and name.lower() in lead:
            found.add(name.lower())
    return found


def _conflict(a: set[str], b: set[str], text_a: str, text_b: str) -> float:
    """1 when each article's main entities are absent from the other's whole text: two events
    of one kind in two places, or by two actors. 0 when either names none, or one names the
    other's."""
    if not a or not b:
        return 0.0
    a_in_b = sum(e in text_b for e in a) / len(a)
    b_in_a = sum(e in text_a for e in b) / len(b)
    return 1.0 - max(a_in_b, b_in_a)


def _disjoint(a: set[str], b: set[str]) -> float:
    """1 - the share of the smaller set the two have in common; 0 when either is empty."""
    if not a or not b:
        return 0.0
    return 1.0 - len(a & b) / min(len(a), len(b))


@dataclass
class _Read:
    terms: Counter
    names: Counter
    numbers: set[str]


def _read(member: StoryMember) -> _Read:
    body = " ".join(member.text.split()[:MAX_WORDS])
    return _Read(
        terms=Counter(_terms(f"{member.title}\n{body}", member.language)),
        names=_names(body, member.language),
        numbers=_numbers(body),
    )


def _lead_terms(member: StoryMember) -> Counter:
    lead = " ".join(member.text.split()[:LEAD_TERMS])
    return Counter(_terms(f"{member.title}\n{lead}", member.language))


class _PerMember(Generic[T]):
    """One value per member, worked out at its first use: only the members of a candidate pair
    need their pair features, and most of a stored window's articles are in none."""

    def __init__(self, count: int, make: Callable[[int], T]) -> None:
        self._make = make
        self._values: list[T | None] = [None] * count  # no value is None

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, i: int) -> T:
        value = self._values[i]
        if value is None:
            value = self._values[i] = self._make(i)
        return value


def _weighted(counts: Counter, idf: dict[str, float]) -> dict[str, float]:
    vector = {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {t: v / norm for t, v in vector.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    # The shared terms only (a set operation in C); fsum, so the result does not depend on the
    # set's order, which changes from process to process.
    return math.fsum(a[t] * b[t] for t in a.keys() & b.keys())


def _overlap(a: set[str], b: set[str], idf: dict[str, float], total: float) -> float:
    """IDF-weighted Jaccard: how much of what the two name, they name in common (`total`: the
    idf sums of a and of b added, worked out once per member)."""
    if not (a or b):
        return 0.0
    shared = sum(idf.get(t, 0.0) for t in a & b)
    return shared / ((total - shared) or 1.0)


class Pairs:
    """Articles read once; candidate pairs and their features on demand."""

    def __init__(self, members: list[StoryMember], model: Model):
        self.members = members
        self.model = model
        reads = [_read(m) for m in members]
        n = len(members)
        df: Counter = Counter()
        for r in reads:
            df.update(set(r.terms) | set(r.names) | r.numbers)
        self.df = df
        # Document frequencies: the batch's own plus a background table from real news, so
        # that a batch of a few dozen articles weighs words as a large one would. Without the
        # table, PRIOR_DOCS unseen articles are assumed not to use a word.
        documents, prior = background()
        if documents:
            total = n + documents + 1
            self.idf = {t: math.log(total / (c + prior.get(t, 0) + 0.5)) for t, c in df.items()}
        else:
            self.idf = {t: math.log((n + PRIOR_DOCS) / (c + 0.5)) for t, c in df.items()}
        # What blocking needs is read for every member; the pair features only for members of
        # a candidate pair, at their first use (the same values, whenever worked out).
        self.terms = [_weighted(r.terms, self.idf) for r in reads]
        self.names = [set(r.names) for r in reads]
        self.numbers = [r.numbers for r in reads]
        self.vectors = [m.vector for m in members]
        leads = _PerMember(
            n, lambda i: f"{members[i].title}\n{' '.join(members[i].text.split()[:LEAD_TERMS])}"
        )
        self.lowered = _PerMember(n, lambda i: f"{members[i].title}\n{members[i].text}".lower())
        self.places = _PerMember(
            n, lambda i: _main_entities(members[i], PLACE_LABELS, leads[i].lower())
        )
        self.actors = _PerMember(
            n, lambda i: _main_entities(members[i], ACTOR_LABELS, leads[i].lower())
        )
        self.lead_numbers = _PerMember(n, lambda i: _numbers(leads[i].lower()) - YEARS)
        self.titles = _PerMember(
            n,
            lambda i: _weighted(Counter(_terms(members[i].title, members[i].language)), self.idf),
        )
        self.lead = _PerMember(n, lambda i: _weighted(_lead_terms(members[i]), self.idf))
        self.salient = _PerMember(n, lambda i: self._salient(reads[i].names))
        self.name_mass = _PerMember(n, lambda i: self._mass(self.names[i]))
        self.number_mass = _PerMember(n, lambda i: self._mass(self.numbers[i]))

    def _mass(self, keys: set[str]) -> float:
        return sum(self.idf.get(t, 0.0) for t in keys)

    def _salient(self, names: Counter, k: int = 3) -> list[str]:
        """The names an article is about: frequent in it, rare in the batch."""
        ranked = sorted(names, key=lambda t: -names[t] * self.idf.get(t, 0.0))
        return ranked[:k]

    def _missing(self, i: int, j: int) -> float:
        """Share of i's salient names that j never uses."""
        if not self.salient[i]:
            return 0.0
        return sum(
            t not in self.names[j] and t not in self.terms[j] for t in self.salient[i]
        ) / len(self.salient[i])

    def keys(self, i: int) -> list[str]:
        """The article's most distinctive words and names, its blocking keys."""
        k = self.model.block_keys
        words = sorted(self.terms[i].items(), key=lambda kv: -kv[1])[:k]
        # Names of equal weight in name order: a set's order changes from process to process.
        names = sorted(self.names[i], key=lambda t: (-self.idf.get(t, 0.0), t))[:k]
        return [f"w:{t}" for t, _ in words] + [f"n:{t}" for t in names]

    def candidates(
        self, window_days: int | None, fixed: dict[int, str] | None = None
    ) -> list[tuple[int, int]]:
        """Pairs sharing a blocking key (and within the window). With `fixed` (members that
        already carry a story id), two fixed members of different stories are never paired:
        their clusters can never merge (`average_link`), so such a pair could change no label,
        and leaving it out keeps a run's cost in its new articles, not in the stored window."""
        n = len(self.members)
        limit = max(self.model.block_min_df, int(self.model.block_max_df * n))
        postings: dict[str, list[int]] = defaultdict(list)
        for i in range(n):
            for key in self.keys(i):
                postings[key].append(i)
        pairs: set[tuple[int, int]] = set()
        for holders in postings.values():
            if len(holders) < 2 or len(holders) > limit:
                continue
            if fixed:
                _add_pairs_across_stories(pairs, holders, fixed)
                continue
            for x, i in enumerate(holders):
                for j in holders[x + 1 :]:
                    pairs.add((i, j) if i < j else (j, i))
        if window_days is not None:
            pairs = {(i, j) for i, j in pairs if self.within(i, j, window_days)}
        if fixed:
            pairs = self._nearest_stories(pairs, fixed)
        return sorted(pairs)

    def _nearest_stories(
        self, pairs: set[tuple[int, int]], fixed: dict[int, str]
    ) -> set[tuple[int, int]]:
        """The candidate pairs of each free member with the members of its `STORY_CANDIDATES`
        nearest known stories only (by the best embedding cosine with any of their candidate
        members), and the pairs inside a known story only when some free member may join it.

        A dense window (thousands of stored articles a few days wide) hands each new article
        hundreds of known stories that share a blocking key with it; scoring them all made a
        run's cost follow the window, not its new articles. A known story no free member is
        paired with can never merge (two known stories never do), so its inner pairs change no
        label. Stories are kept whole: an average over a story counts every member."""
        kept: set[tuple[int, int]] = set()
        inner: list[tuple[int, int]] = []
        stories_of: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for i, j in pairs:
            if i in fixed and j in fixed:
                inner.append((i, j))  # one story: pairs across known stories are never made
            elif i in fixed or j in fixed:
                free, member = (j, i) if i in fixed else (i, j)
                stories_of[free][fixed[member]].append(member)
            else:
                kept.add((i, j))
        joinable: set[str] = set()
        for free, members in stories_of.items():
            nearest = sorted(
                members,
                key=lambda story: (-max(self._embedding(free, m) for m in members[story]), story),
            )[:STORY_CANDIDATES]
            joinable.update(nearest)
            for story in nearest:
                kept.update((free, m) if free < m else (m, free) for m in members[story])
        kept.update(pair for pair in inner if fixed[pair[0]] in joinable)
        return kept

    def _embedding(self, i: int, j: int) -> float:
        vi, vj = self.vectors[i], self.vectors[j]
        return float(vi @ vj) if vi.size and vi.shape == vj.shape else 0.0

    def within(self, i: int, j: int, window_days: int) -> bool:
        a, b = self.members[i].published_date, self.members[j].published_date
        return not (a and b and abs((a - b).days) > window_days)

    def features(self, i: int, j: int) -> dict[str, float]:
        return {
            "text": _cosine(self.terms[i], self.terms[j]),
            "lead": _cosine(self.lead[i], self.lead[j]),
            "embedding": self._embedding(i, j),
            "names": _overlap(
                self.names[i], self.names[j], self.idf, self.name_mass[i] + self.name_mass[j]
            ),
            "numbers": _overlap(
                self.numbers[i],
                self.numbers[j],
                self.idf,
                self.number_mass[i] + self.number_mass[j],
            ),
            "missing": min(self._missing(i, j), self._missing(j, i)),
            "places": _conflict(self.places[i], self.places[j], self.lowered[i], self.lowered[j]),
            "actors": _conflict(self.actors[i], self.actors[j], self.lowered[i], self.lowered[j]),
            "lead_numbers": _disjoint(self.lead_numbers[i], self.lead_numbers[j]),
            "number_conflict": _disjoint(self.numbers[i] - YEARS, self.numbers[j] - YEARS),
            "title": _cosine(self.titles[i], self.titles[j]),
        }

    def matrix(self, pairs: list[tuple[int, int]]) -> np.ndarray:
        names = self.model.features
        rows = [self.features(i, j) for i, j in pairs]
        return np.array([[r[f] for f in names] for r in rows], dtype=np.float64).reshape(
            len(rows), len(names)
        )

    def probabilities(self, pairs: list[tuple[int, int]]) -> np.ndarray:
        if not pairs:
            return np.zeros(0)
        z = self.matrix(pairs) @ self.model.weights + self.model.bias
        return 1.0 / (1.0 + np.exp(-z))


def _add_pairs_across_stories(
    pairs: set[tuple[int, int]], holders: list[int], fixed: dict[int, str]
) -> None:
    """The pairs of one posting list, less those of two fixed members of different stories."""
    free = [i for i in holders if i not in fixed]
    stories: dict[str, list[int]] = defaultdict(list)
    for i in holders:
        if i in fixed:
            stories[fixed[i]].append(i)
    groups = list(stories.values())
    for x, i in enumerate(free):
        for j in free[x + 1 :]:
            pairs.add((i, j) if i < j else (j, i))
        for group in groups:
            for j in group:
                pairs.add((i, j) if i < j else (j, i))
    for group in groups:
        for x, i in enumerate(group):
            for j in group[x + 1 :]:
                pairs.add((i, j) if i < j else (j, i))


# -- clustering -----------------------------------------------------------------------------------


def average_link(
    n: int,
    edges: dict[tuple[int, int], float],
    threshold: float,
    fixed: dict[int, str] | None = None,
    cohesion: float | None = None,
) -> list[int]:
    """Cluster label per item; merges while the average pair probability is >= threshold.

    Pairs missing from `edges` count as 0. Items in `fixed` carry a story id; items sharing one
    start together, and two clusters holding different fixed ids never merge. With `cohesion`,
    two clusters of two or more merge only if their average is at least that share of the
    looser one's inner average: two tight groups that resemble each other only loosely are two
    events of one kind (two boxers beaten by one champion), not one story.
    """
    fixed = fixed or {}
    parent = list(range(n))
    size = [1] * n
    ids: list[str | None] = [fixed.get(i) for i in range(n)]
    first: dict[str, int] = {}
    for i, story in fixed.items():
        if story in first:
            parent[i] = first[story]
        else:
            first[story] = i
    for i in range(n):
        if parent[i] != i:
            size[parent[i]] += 1
    links: dict[int, dict[int, float]] = defaultdict(dict)
    inner = [0.0] * n  # sum of probabilities inside each cluster
    for (i, j), p in edges.items():
        a, b = parent[i], parent[j]
        if a == b:
            inner[a] += p
            continue
        links[a][b] = links[a].get(b, 0.0) + p
        links[b][a] = links[b].get(a, 0.0) + p
    heap = [(-s / (size[a] * size[b]), a, b) for a in links for b, s in links[a].items() if a < b]
    heapq.heapify(heap)
    alive = [parent[i] == i for i in range(n)]
    while heap:
        negative, a, b = heapq.heappop(heap)
        if not (alive[a] and alive[b]) or b not in links[a]:
            continue
        average = links[a][b] / (size[a] * size[b])
        if abs(average + negative) > 1e-12:
            continue  # stale entry
        if average < threshold:
            break
        if ids[a] and ids[b] and ids[a] != ids[b]:
            continue
        if cohesion is not None and size[a] > 1 and size[b] > 1:
            inner_a = inner[a] / (size[a] * (size[a] - 1) / 2)
            inner_b = inner[b] / (size[b] * (size[b] - 1) / 2)
            if average < cohesion * min(inner_a, inner_b):
                continue
        if size[a] < size[b]:
            a, b = b, a
        # b joins a
        alive[b] = False
        parent[b] = a
        size[a] += size[b]
        ids[a] = ids[a] or ids[b]
        inner[a] += inner[b] + links[a][b]
        del links[a][b]
        for c, s in links.pop(b).items():
            if c == a:
                continue
            del links[c][b]
            links[a][c] = links[a].get(c, 0.0) + s
            links[c][a] = links[a][c]
        for c, s in links[a].items():
            heapq.heappush(heap, (-s / (size[a] * size[c]), min(a, c), max(a, c)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    return [root(i) for i in range(n)]


def story_edges(
    members: list[StoryMember],
    window_days: int | None,
    model: Model,
    fixed: dict[int, str] | None = None,
) -> dict[tuple[int, int], float]:
    """Candidate pairs (blocking, date window) and the probability that each is one story;
    with `fixed`, none between two members fixed to different stories (`Pairs.candidates`)."""
    pairs = Pairs(members, model)
    candidates = pairs.candidates(window_days, fixed)
    return dict(zip(candidates, pairs.probabilities(candidates).tolist()))


def cluster(
    members: list[StoryMember],
    window_days: int | None,
    model: Model | None = None,
    fixed: dict[int, str] | None = None,
    threshold: float | None = None,
) -> list[int]:
    """Cluster label per member (the whole pipeline of the module, for any list)."""
    model = model or load_model()
    return average_link(
        len(members),
        story_edges(members, window_days, model, fixed),
        model.threshold if threshold is None else threshold,
        fixed,
        cohesion=model.cohesion,
    )


def assign_stories(
    batch: list[StoryMember],
    known: list[StoryMember],
    window_days: int,
    model: Model | None = None,
) -> None:
    """Set `story_id` on every batch member; known members keep theirs and lend them."""
    if not batch:
        return
    lenders = [(k, k.story_id) for k in known if k.story_id]
    members = batch + [k for k, _ in lenders]
    fixed = {len(batch) + x: story for x, (_, story) in enumerate(lenders)}
    labels = cluster(members, window_days, model=model, fixed=fixed)
    name_stories(batch, labels, fixed)


def name_stories(batch: list[StoryMember], labels: list[int], fixed: dict[int, str]) -> None:
    """Story ids from cluster labels: a known story's id, else one from its first article."""
    story_of: dict[int, str] = {labels[i]: story for i, story in fixed.items()}
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(batch)):
        groups[labels[i]].append(i)
    for label, group in groups.items():
        story = story_of.get(label) or "s-" + min(batch[i].article_id for i in group)
        for i in group:
            batch[i].story_id = story
