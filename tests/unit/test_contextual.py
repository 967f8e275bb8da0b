"""newsetl.enrich.contextual: the MiniLM encoder run in numpy, and how topics pool it in."""

from __future__ import annotations

import numpy as np

from newsetl.enrich import contextual, topics
from training.topics.contextual import CONTEXTUAL_ARRAYS, choose_skip

RATES = "The central bank raised its interest rate again to slow rising prices."
RATES_AGAIN = "Borrowing costs went up once more as the monetary authority fought inflation."
MATCH = "The visiting side scored twice after the break to win the league match."


def test_vectors_are_unit_length_and_a_paraphrase_is_nearer_than_another_subject():
    vectors = contextual.encode([RATES, RATES_AGAIN, MATCH])
    assert vectors is not None and vectors.shape == (3, contextual.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > 0.5 > unrelated + 0.2


def test_a_text_gets_the_same_vector_alone_and_padded_in_a_batch_of_longer_ones():
    longer = " ".join([MATCH] * 12)  # past MAX_TOKENS word pieces: cut
    alone = contextual.encode([RATES])
    batched = contextual.encode([longer, RATES, RATES_AGAIN])
    assert alone is not None and batched is not None
    assert np.allclose(alone[0], batched[1], atol=1e-5)


def test_only_the_first_words_count():
    head = " ".join(["word"] * contextual.PREFIX_WORDS)
    vectors = contextual.encode([f"{head} {RATES}", f"{head} {MATCH}"])
    assert vectors is not None and np.allclose(vectors[0], vectors[1], atol=1e-6)


def test_token_states_of_every_layer_pool_to_the_vectors():
    encoder = contextual._encoder()
    texts = [RATES, MATCH, "Short."]
    states, masks = encoder.states(texts, len(encoder.layers))
    assert states.shape == (3, contextual.MAX_TOKENS, contextual.DIMENSIONS)
    pooled = (states * masks[:, :, None]).sum(axis=1) / masks.sum(axis=1)[:, None]
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    assert np.allclose(pooled, contextual.encode(texts), atol=1e-5)
    assert masks[2].sum() < masks[0].sum()  # padding is masked out


def test_layer_changes_round_trip_within_int8_steps():
    rng = np.random.default_rng(3)
    base = {"up": rng.normal(size=(6, 4)).astype(np.float32), "up_bias": np.zeros(4, np.float32)}
    tuned = {
        "up": base["up"] + rng.normal(scale=1e-3, size=(6, 4)).astype(np.float32),
        "up_bias": np.full(4, 0.25, np.float32),
    }
    changes = contextual.layer_changes(tuned, base, 4)
    assert changes["4.up.q"].dtype == np.int8 and changes["4.up.scale"].shape == (4,)
    restored = contextual.apply_changes(base, changes, 4)
    step = changes["4.up.scale"]  # one int8 step per output column
    assert np.all(np.abs(restored["up"] - tuned["up"]) <= step / 2 + 1e-7)
    assert np.array_equal(restored["up_bias"], tuned["up_bias"])
    unchanged = contextual.layer_changes(base, base, 4)
    assert np.array_equal(contextual.apply_changes(base, unchanged, 4)["up"], base["up"])


def test_the_shipped_encoder_has_its_top_layers_tuned_and_the_others_as_the_wheel():
    assert contextual.TUNED.is_file()
    wheel = contextual.Encoder(contextual.model_zip(), tuned=None)
    shipped = contextual._encoder()
    with np.load(contextual.TUNED) as changes:
        first = int(changes["first_layer"])
    assert 0 < first < len(shipped.layers)
    for i, (ours, theirs) in enumerate(zip(shipped.layers, wheel.layers, strict=True)):
        same = all(np.array_equal(ours[name], theirs[name]) for name in ours)
        assert same == (i < first), i
    assert not np.allclose(shipped.encode([RATES]), wheel.encode([RATES]), atol=1e-3)


def linear_only() -> dict:
    model = dict(topics._model())
    for name in CONTEXTUAL_ARRAYS:
        model.pop(name, None)
    return model


TEXTS = [f"Rates\n\n{RATES} {RATES_AGAIN}", f"Match report\n\n{MATCH}"]


def test_shipped_weights_pool_the_contextual_model_for_english_only():
    assert "contextual" in topics._model()
    every = dict(topics._model(), contextual_skip_above=np.float32(1.0))  # none skipped
    pooled = topics.topic_probabilities(TEXTS, every, languages=["en", "en"])
    alone = topics.topic_probabilities(TEXTS, linear_only(), languages=["en", "en"])
    assert not np.allclose(pooled, alone)
    french = topics.topic_probabilities(TEXTS, every, languages=["fr", "de"])
    assert np.allclose(french, alone)
    assert np.allclose(pooled.sum(axis=1), 1.0)


def test_without_the_encoder_the_linear_model_decides(monkeypatch):
    monkeypatch.setattr(contextual, "encode", lambda texts: None)
    every = dict(topics._model(), contextual_skip_above=np.float32(1.0))
    assert np.allclose(
        topics.topic_probabilities(TEXTS, every, languages=["en", "en"]),
        topics.topic_probabilities(TEXTS, linear_only(), languages=["en", "en"]),
    )


def test_articles_the_linear_model_is_sure_of_skip_the_encoder():
    model = dict(topics._model())
    model["contextual_skip_above"] = np.float32(0.9)
    sure_sport = np.array([[0.0, 30.0], [0.0, 0.1], [0.0, 30.0]]) * float(model["temperature"])
    rows = topics.contextual_rows(sure_sport, ["en", "en", "fr"], model)
    assert rows.tolist() == [False, True, False]


def test_pidgin_rows_are_pooled_like_english_ones():
    model = dict(topics._model(), contextual_skip_above=np.float32(1.01))  # never sure
    rows = topics.contextual_rows(np.zeros((3, 2)), ["pcm", "en", "fr"], model)
    assert rows.tolist() == [True, True, False]


def test_a_headline_with_no_detected_language_is_read_by_the_encoder_when_likely_english(
    monkeypatch,
):
    read: list[str] = []
    encode = contextual.encode
    monkeypatch.setattr(contextual, "encode", lambda texts: read.extend(texts) or encode(texts))
    model = dict(topics._model(), contextual_skip_above=np.float32(1.01))
    headlines = ["Phone maker beats forecasts", "Wo der Fluss endet"]
    topics.topic_probabilities(headlines, model, languages=[None, None])
    assert read == ["Phone maker beats forecasts"]


def test_skip_threshold_is_the_lowest_that_costs_no_out_of_fold_article():
    # three articles, class 0 right; the linear model is sure and right on the first, unsure
    # and wrong on the second (the pooled logits fix it), sure and wrong on the third.
    linear = np.array([[5.0, 0.0], [0.0, 0.2], [0.0, 2.5]])
    context = np.array([[5.0, 0.0], [3.0, 0.0], [3.0, 0.0]])
    y = np.array([0, 0, 0])
    pooled_top1 = float((((linear + context) / 2).argmax(axis=1) == y).mean())
    chosen, table = choose_skip(linear, context, y, 0.5, pooled_top1)
    # skipping the third (linear confidence 0.924) costs it, skipping only the first does not
    assert 0.924 < chosen <= 0.99
    assert table[0]["top1"] == pooled_top1
