"""Named entities with spaCy, merged to one canonical name per entity within an article."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

from newsetl.enrich.places import country_code, place_population
from newsetl.records import Entity

LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
POSSESSIVE = re.compile(r"['’]s$")
# A name tagged PERSON becomes a place only when the place is big: "Izmir" yes, "Clinton" (a
# small town in several US states, and a surname) no. Measured on CoNLL-2003 eng.testa.
PERSON_TO_PLACE_POPULATION = 500_000
# A place written in capitals alone ("AMSTERDAM", a dateline) is kept as written unless the
# article also writes it in mixed case, which it then joins. Title-casing every such dateline
# cost 3.4 points of document-level F1 on CoNLL-2003 eng.testa (0.649 -> 0.616).
TITLE_CASE_CAPS = False
# Label fixes from what the name itself says (see relabel); each is switched on only while it
# pays on CoNLL-2003 eng.testa (benchmarks/eval_enrich.py --ablate).
ORG_WORD_FIX = False  # "Social Democrats", "Bank of ..." -> ORG: neutral (-0.0003 F1), off
KNOWN_PLACE_FIX = False  # "Limerick" tagged PERSON or ORG -> GPE: -6.5 points (clubs: "Lazio"), off
# "Kowalczyk" joins "Marta Kowalczyk" within an article (see canonical_entities).
MERGE_PARTIAL_NAMES = True
# A one-word "person" that is an ordinary word ("Season", "Fortunately", "Define" at the start of
# a sentence or a how-to heading) goes (see common_word_people). On CoNLL-2003 eng.testa F1
# 0.8486 -> 0.8489 (7 gone, 2 of them gold surnames), WikiANN English 0.4177 -> 0.4192 (34 gone,
# 3 gold); on 60 real web articles (WCXB dev, ir-research-data) 109 gone, all but two or three
# of them no name by eye ("Swift", "Rita").
COMMON_WORD_FIX = True
COMMON_ZIPF = 3.5  # wordfreq's Zipf frequency of the word in lower case: ~ once per 300k words
# A name en_core_web_sm tags ORG nearly every time in news (data/known_orgs.txt, built by
# training/ner/known_orgs.py) is an ORG when our model calls it a person or a place: "Google",
# "Nintendo" as people, "Amazon" as a place (see README, "Entities").
KNOWN_ORG_FIX = True
KNOWN_ORGS = Path(__file__).resolve().parent / "data" / "known_orgs.txt"
# "U.S.", "U.N." keep their final stop; so do company and US-state abbreviations ("Norwest
# Corp.", "Fla."): dropping it cost 12 names on CoNLL-2003 eng.testa.
ABBREVIATION = re.compile(
    r"(?:(?:\b[A-Z]\.)+|\b(?:Corp|Inc|Co|Cos|Ltd|Bros|Jr|Sr|St|Mt|Ft|Ala|Ariz|Ark|Calif|Colo|"
    r"Conn|Del|Fla|Ga|Ill|Ind|Kan|Ky|La|Md|Mass|Mich|Minn|Miss|Mo|Mont|Neb|Nev|Okla|Ore|Pa|"
    r"Tenn|Tex|Va|Vt|Wash|Wis|Wyo)\.)$"
)


# Our own pipeline, shipped inside the package (training/ner/ builds it): en_core_web_sm's NER
# fine-tuned on CoNLL-2003 eng.train. The default when NEWSETL_SPACY_MODEL is unset; any other
# name or path is loaded by spaCy as usual (e.g. the official en_core_web_sm).
OWN_MODEL = "newsetl_ner"
OWN_MODEL_DIR = Path(__file__).resolve().parent / "data" / "ner"


@lru_cache(maxsize=4)
def model_label(name: str) -> str:
    """How enrich_version names the pipeline: ours with its version ("newsetl_ner-2.0.0"), so
    articles enriched by an older build of it count as stale; any other by its name."""
    if name != OWN_MODEL:
        return name
    meta = json.loads((OWN_MODEL_DIR / "meta.json").read_text(encoding="utf-8"))
    return f"{name}-{meta['version']}"


@lru_cache(maxsize=2)
def load_model(name: str):
    """The spaCy pipeline with only what NER needs; loaded once per process."""
    import spacy

    nlp = spacy.load(OWN_MODEL_DIR if name == OWN_MODEL else name)
    nlp.select_pipes(enable=[p for p in nlp.pipe_names if p in {"tok2vec", "ner", "transformer"}])
    return nlp


# Words that make a name an organisation whatever the model says ("Social Democrats", "Bank of
# ...").
ORG_WORDS = re.compile(
    r"\b(party|democrats|republicans|union|council|department|ministry|agency|university|college|institute|"
    r"bank|group|authority|commission|association|alliance|federation|committee|court|police|service|"
    r"company|corporation|inc|ltd|plc|corp|gmbh|foundation|school|hospital|club|fc|league|board|office|"
    r"parliament|assembly|senate|congress|government|army|navy|forces|network|news|times|press|"
    r"museum|theatre|theater|festival|orchestra|airlines|airways)\b",
    re.IGNORECASE,
)
DATELINE = re.compile(r"^[A-Z][A-Z .'-]{2,}\s+[-–—]\s+")  # "BRATTLEBORO - The Selectboard"


def clean_mention(text: str) -> str:
    text = " ".join(text.split()).strip(' ,;:"“”‘’()[]')
    if not ABBREVIATION.search(text):
        text = text.rstrip(".")
    text = DATELINE.sub("", text)
    text = POSSESSIVE.sub("", text)
    if (
        TITLE_CASE_CAPS
        and text.isupper()
        and len(text) > 3
        and " " not in text
        and country_code(text, alternates=False)
    ):
        text = text.title()  # a dateline: "AMSTERDAM"
    if re.match(r"^(the|The)\s+", text):
        bare = re.sub(r"^(the|The)\s+", "", text)
        # "The Hague" is the name; "the Netherlands" and "the White House" drop the article.
        text = text if text.startswith("The ") and is_city_named(text) else bare
    text = text.strip(" ,;:\"'“”‘’()[]")
    return text if ABBREVIATION.search(text) else text.rstrip(".")


def is_city_named(name: str) -> bool:
    from newsetl.enrich.places import fold, gazetteer_cities

    return fold(name) in gazetteer_cities()


@lru_cache(maxsize=1)
def known_orgs() -> frozenset[str]:
    lines = KNOWN_ORGS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def relabel(name: str, label: str, full_person_name: bool = False) -> str:
    """Fix the small model's commonest confusions with what the name itself says."""
    known_place = country_code(name, alternates=False)
    if (
        KNOWN_ORG_FIX
        and label in ("PERSON", "GPE", "LOC")
        and not full_person_name
        and not (label != "PERSON" and known_place)  # "Chennai" stays a place
        and name in known_orgs()
    ):
        return "ORG"
    if (
        ORG_WORD_FIX
        and label in ("PERSON", "GPE", "LOC")
        and ORG_WORDS.search(name)
        and not (label != "PERSON" and known_place)
    ):
        return "ORG"
    if ORG_WORD_FIX and label == "NORP" and len(name.split()) > 1 and ORG_WORDS.search(name):
        return "ORG"  # "Social Democrats": a party, an organisation
    if full_person_name or not KNOWN_PLACE_FIX:
        return label
    if (
        label in ("PERSON", "ORG")
        and len(name.split()) <= 2
        and known_place
        and not ORG_WORDS.search(name)
        and (label == "ORG" or place_population(name) >= PERSON_TO_PLACE_POPULATION)
    ):
        return "GPE"  # a place the gazetteer knows, named alone: "Limerick", "Lethbridge"
    return label


SENTENCE_END = ".!?:|\n"
OPENERS = " \t\"'“‘(*-–—•"


def only_sentence_initial(word: str, text: str) -> bool:
    """Whether `word` occurs in `text` and every occurrence opens a sentence, line or heading."""
    found = False
    for match in re.finditer(rf"\b{re.escape(word)}\b", text):
        found = True
        before = text[: match.start()].rstrip(OPENERS)
        if before and before[-1] not in SENTENCE_END:
            return False
    return found


def common_word_people(entities: list[Entity], text: str, language: str) -> set[str]:
    """One-word PERSON entities that are ordinary words of the article's language: the word is
    also written in lower case in the text ("Season" beside "the season"), or it is a common
    word (Zipf frequency >= COMMON_ZIPF) that the text capitalises only where a sentence, line
    or heading starts ("Fortunately, ...", "Always ...")."""
    from wordfreq import zipf_frequency

    lower = {w for w in re.findall(r"[^\W\d_]+", text) if w.islower()}
    found = set()
    for entity in entities:
        word = entity.entity
        if entity.label != "PERSON" or " " in word:
            continue
        if word.lower() in lower or (
            zipf_frequency(word.lower(), language) >= COMMON_ZIPF
            and only_sentence_initial(word, text)
        ):
            found.add(word)
    return found


def canonical_entities(
    mentions: list[tuple[str, str]], article_text: str | None = None, language: str = "en"
) -> list[Entity]:
    """(text, label) mentions of one article -> entities with counts.

    A person named in part ("Kowalczyk") joins the fullest name that ends or starts with it;
    an entity seen under several labels takes its most frequent one (PERSON wins ties). Given
    the article's text, one-word "people" that are ordinary words of its `language` go.
    """
    cleaned = [(clean_mention(t), label) for t, label in mentions if label in LABELS]
    # Proper names start with a capital (in the languages NER runs on): "blankets" is noise.
    cleaned = [(t, label) for t, label in cleaned if len(t) > 1 and t[0].isupper()]
    written = {t for t, _ in cleaned if not t.isupper()}
    cleaned = [
        (t.title() if t.isupper() and len(t) > 3 and t.title() in written else t, label)
        for t, label in cleaned
    ]
    people = sorted({t for t, label in cleaned if label == "PERSON"}, key=lambda t: -len(t.split()))

    def canonical(text: str) -> str:
        if not MERGE_PARTIAL_NAMES:
            return text
        words = text.split()
        for full in people:
            full_words = full.split()
            if len(full_words) > len(words) and (
                full_words[-len(words) :] == words or full_words[: len(words)] == words
            ):
                return full
        return text

    counts: Counter[str] = Counter()
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for text, label in cleaned:
        name = canonical(text)
        if name != text and name in people:
            label = "PERSON"
        counts[name] += 1
        labels[name][label] += 1
    entities = []
    for name, mentions_count in counts.items():
        ranked = labels[name].most_common()
        label = ranked[0][0]
        if "PERSON" in labels[name] and labels[name]["PERSON"] == ranked[0][1]:
            label = "PERSON"
        label = relabel(name, label, full_person_name=name in people and len(name.split()) > 1)
        code = country_code(name) if label in PLACE_LABELS else None
        entities.append(
            Entity(entity=name, label=label, mentions=mentions_count, country_code=code)
        )
    if article_text is not None and COMMON_WORD_FIX:
        common = common_word_people(entities, article_text, language)
        entities = [e for e in entities if e.entity not in common]
    entities.sort(key=lambda e: (-e.mentions, e.entity))
    return entities


# Pipelines trained on WikiNER (spaCy's French, Spanish, ... models) tag PER, ORG, LOC and MISC;
# ours are OntoNotes labels. MISC (events, works, nationalities mixed) is dropped.
WIKINER_LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": "LOC"}


def ontonotes_label(name: str, label: str) -> str:
    """A WikiNER label as ours; a LOC the gazetteer knows as a country or city is a GPE."""
    if label == "LOC" and country_code(name, alternates=False):
        return "GPE"
    return WIKINER_LABELS.get(label, "")


def extract_entities(
    texts: list[str], model: str, batch_size: int = 16, language: str = "en"
) -> list[list[Entity]]:
    """Entities of each text (in `language`), in order; spaCy runs over the whole batch at once."""
    nlp = load_model(model)
    wikiner = "PER" in nlp.get_pipe("ner").labels
    results = []
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=batch_size)):
        mentions = [(ent.text, ent.label_) for ent in doc.ents]
        if wikiner:
            mentions = [(t, ontonotes_label(clean_mention(t), label)) for t, label in mentions]
        results.append(canonical_entities(mentions, text, language))
    return results
