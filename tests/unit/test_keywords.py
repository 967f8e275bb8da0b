"""Key phrases: frequent words that are rare in the language, their phrases, scores in (0, 1]."""

from newsetl.enrich.keywords import TOP, extract_keywords

STORY = (
    "The Harbour Board approved a tidal turbine for the estuary on Tuesday.\n\n"
    "Engineers say the tidal turbine will power four thousand homes. The Harbour Board "
    "expects the turbine to be running by spring, and the estuary's fishermen were consulted.\n\n"
    "A second tidal turbine is planned if the first meets its targets, the board said."
)


def test_frequent_rare_words_and_their_phrases_come_first():
    phrases = [p for p, _ in extract_keywords(STORY, "en")]
    assert phrases[0] == "tidal turbine"  # "turbine" is used mostly inside the phrase
    assert "Harbour Board" in phrases  # the text's own spelling
    assert "turbine" not in phrases  # inside a better phrase
    assert not {"the", "said", "a"} & {p.lower() for p in phrases}  # stop words never stand alone


def test_scores_fall_from_one_and_at_most_ten():
    pairs = extract_keywords(STORY * 5, "en")
    scores = [s for _, s in pairs]
    assert scores[0] == 1.0 and all(0 < s <= 1 for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert len(pairs) <= TOP


def test_other_languages_and_empty_text():
    french = extract_keywords("Le conseil municipal de Lyon vote le budget. Le budget passe.", "fr")
    assert [p for p, _ in french][:1] == ["budget"]  # "le" is a French stop word
    # A language with no word list or stop words still gets phrases from counts alone.
    assert extract_keywords("Kalo kalo mbuzi mbuzi mbuzi", "zz")[0][0] == "mbuzi"
    assert extract_keywords("", "en") == []
    assert extract_keywords("the and of, 2024", "en") == []
    # No spaces between words and no segmenter installed: clauses would come out as keywords.
    assert extract_keywords("市议会投票决定重建旧石桥。市议会投票决定重建旧石桥。", "zh") == []
