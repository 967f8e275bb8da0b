"""newsetl.enrich.topics: how trained and zero-shot scores combine, on texts we wrote."""

from __future__ import annotations

import numpy as np
import pytest

from newsetl.enrich.topics import classify_topics, combine, model_info, topic_probabilities
from newsetl.schema import IPTC_TOPICS

CODES = list(IPTC_TOPICS)
SPORT, WEATHER, LABOUR = (
    CODES.index("medtop:15000000"),
    CODES.index("medtop:17000000"),
    CODES.index("medtop:09000000"),
)
TRAINED = [CODES.index("medtop:04000000"), SPORT]  # two trained classes for the toy cases


def zero_shot(best: int, score: float) -> np.ndarray:
    row = np.full(len(CODES), (1.0 - score) / (len(CODES) - 1))
    row[best] = score
    return row[None, :]


def test_untrained_topic_below_the_gate_leaves_the_trained_model_in_charge():
    trained = np.array([[0.2, 0.8]])
    scores = combine(trained, zero_shot(WEATHER, 0.5), TRAINED, alpha=0.3, gate=0.6)
    assert scores.argmax() == SPORT
    assert np.isclose(scores.sum(), 1.0)
    # the untrained topic still gets its share, less than the trained winner's
    assert 0 < scores[0, WEATHER] < scores[0, SPORT]


def test_untrained_topic_above_the_gate_takes_the_zero_shot_scores():
    trained = np.array([[0.2, 0.8]])
    zero = zero_shot(WEATHER, 0.7)
    scores = combine(trained, zero, TRAINED, alpha=0.3, gate=0.6)
    assert scores.argmax() == WEATHER
    assert np.allclose(scores, zero)


def test_a_confident_zero_shot_trained_topic_opens_no_gate():
    trained = np.array([[0.9, 0.1]])
    scores = combine(trained, zero_shot(SPORT, 0.95), TRAINED, alpha=0.3, gate=0.6)
    assert scores.argmax() == TRAINED[0]


def test_shipped_model_has_a_fitted_gate_and_its_data_origin():
    info = model_info()
    assert 0.0 < info["hyperparameters"]["gate"] <= 2.0
    assert all(d["licence"] and d["origin"] for d in info["training_data"])
    names = " ".join(d["name"].lower() + d["origin"].lower() for d in info["training_data"])
    assert "ag news" not in names and "ag_news" not in names and "bbc news" not in names


TEXTS = {
    # Nigerian Pidgin (the training data has it): a football report
    "medtop:15000000": "Super Eagles don win di match 2-0 for Lagos on Saturday. Di striker score "
    "two goal for second half and di coach say im happy well well with how di players take play. "
    "Dem go face Ghana for di next round of di tournament.",
    # a strike over pay: labour, which the training data lacks, comes through the gate
    "medtop:09000000": (
        "Dockworkers walked out at dawn after their union rejected the latest pay offer. The "
        "strike, the first at the port in twenty years, follows months of talks over wages, "
        "shift patterns and job security; union leaders said members would picket the gates all"
        " week and called on the employers to return to collective bargaining."
    ),
}


@pytest.mark.parametrize("code", list(TEXTS))
def test_desk_of_texts_we_wrote(code):
    result = classify_topics([TEXTS[code]])[0]
    assert result[0][0] == code, [IPTC_TOPICS[c] for c, _ in result]


def test_scores_are_probabilities_for_gated_and_ungated_rows():
    scores = topic_probabilities(list(TEXTS.values()))
    assert np.allclose(scores.sum(axis=1), 1.0)
    assert (scores >= 0).all() and (scores <= 1).all()
