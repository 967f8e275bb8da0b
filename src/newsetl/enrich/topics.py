"""IPTC Media Topics (17 top-level) by zero-shot similarity, with no training data.

Each topic is described by words a news desk uses for it (written here, from the IPTC
definitions). An article's text is embedded with WordLlama and compared to each description;
cosine similarities are turned into scores by a softmax; the best topic is always kept, others
whose score is close to it are kept too (multi-label).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from newsetl.enrich.embeddings import embed
from newsetl.schema import IPTC_TOPICS

METHOD = "wordllama-zero-shot-v1"
TEMPERATURE = 40.0
KEEP_RATIO = 0.5
MAX_TOPICS = 3
LEAD_WORDS = 350

DESCRIPTIONS: dict[str, str] = {
    "medtop:01000000": "arts culture entertainment media: film cinema movie actor director music concert "
    "album band singer festival theatre opera ballet museum exhibition gallery painting artist sculpture "
    "novel author book literature television series broadcaster celebrity fashion heritage",
    "medtop:02000000": "crime law justice: police arrest suspect charged court trial judge jury verdict "
    "sentence prison convicted prosecutor lawyer fraud theft murder smuggling drugs investigation lawsuit",
    "medtop:03000000": "disaster accident emergency: earthquake flood wildfire explosion crash collapse "
    "injured killed casualties rescue teams evacuated damage aftershocks survivors emergency services",
    "medtop:04000000": "economy business finance: inflation interest rates central bank markets shares "
    "stocks investors profit revenue company earnings trade exports growth recession prices currency bonds",
    "medtop:05000000": "education: school pupils students teachers university college classroom exams "
    "curriculum tuition degree lessons headteacher education ministry learning",
    "medtop:06000000": "environment: climate change emissions pollution conservation wildlife species "
    "habitat biodiversity restoration ecosystem glacier forest river nature protection recycling carbon",
    "medtop:07000000": "health: disease outbreak virus vaccine vaccination hospital patients doctors "
    "nurses medicine illness infection cases epidemic treatment public health",
    "medtop:08000000": "human interest: people community charity volunteers anniversary celebration "
    "heartwarming personal story animals pets centenarian reunion",
    "medtop:09000000": "labour: workers trade union strike walkout wages pay dispute employment jobs "
    "unemployment working conditions collective bargaining dockworkers staff industrial action",
    "medtop:10000000": "lifestyle leisure: travel tourism holiday food restaurant recipe cooking wine "
    "hobby gardening shopping home design wellbeing fitness",
    "medtop:11000000": "politics: government minister parliament election vote party president prime "
    "minister legislation law bill opposition policy coalition cabinet diplomacy treaty",
    "medtop:12000000": "religion: church pope bishop mosque imam temple faith worship believers clergy "
    "religious holy prayer pilgrimage",
    "medtop:13000000": "science technology: research scientists study laboratory experiment discovery "
    "innovation engineering satellite space launch rocket battery software artificial intelligence",
    "medtop:14000000": "society: social issues housing poverty inequality migration immigrants refugees "
    "families welfare discrimination demographics communities rights",
    "medtop:15000000": "sport: match game goal score win defeat coach team players league cup final "
    "championship tournament season stadium fans race athlete football ski",
    "medtop:16000000": "conflict war peace: military army troops soldiers defence forces attack missile "
    "drone strike invasion ceasefire weapons combat frontline armed",
    "medtop:17000000": "weather: forecast storm snow rain wind temperatures cold front heatwave frost "
    "meteorologist weather service warning gusts snowfall",
}


@lru_cache(maxsize=1)
def _topic_matrix() -> np.ndarray:
    return embed([DESCRIPTIONS[code] for code in IPTC_TOPICS])


def classify_topics(texts: list[str]) -> list[list[tuple[str, float]]]:
    """For each text, (topic code, score) pairs, best first; scores sum to at most 1."""
    if not texts:
        return []
    leads = [" ".join(t.split()[:LEAD_WORDS]) for t in texts]
    similarity = embed(leads) @ _topic_matrix().T
    codes = list(IPTC_TOPICS)
    results = []
    for row in similarity:
        weights = np.exp((row - row.max()) * TEMPERATURE)
        scores = weights / weights.sum()
        order = np.argsort(-scores)
        best = scores[order[0]]
        chosen = [
            (codes[i], round(float(scores[i]), 4))
            for i in order[:MAX_TOPICS]
            if scores[i] >= best * KEEP_RATIO
        ]
        results.append(chosen)
    return results
