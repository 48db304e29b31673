import numpy as np
import pytest

from lab.synchrony import DIMENSIONS, feature_backends, style_vector, style_vectors
from lab.synchrony.text_features import flesch_fallback, sentiment_fallback

CASUAL = "hey lol that's sooo cool!! wanna grab pizza later"
FORMAL = "The committee has reviewed your application. A decision will be communicated in writing."


def test_a_style_vector_has_the_papers_eight_dimensions_and_every_backend_is_named():
    v = style_vector(CASUAL)
    assert v.shape == (8,) and np.isfinite(v).all()
    assert set(feature_backends()) == set(DIMENSIONS)
    assert style_vectors([CASUAL, FORMAL]).shape == (2, 8)


def test_the_dimensions_move_the_right_way():
    casual, formal = style_vector(CASUAL), style_vector(FORMAL)
    index = {d: i for i, d in enumerate(DIMENSIONS)}
    assert casual[index["informality"]] > 0.5 > formal[index["informality"]]
    assert style_vector("One. Two words. Three more words.")[index["avg_sentence_length"]] == pytest.approx(2.0)
    assert style_vector("the cat and the dog")[index["function_word_ratio"]] == pytest.approx(3 / 5)
    assert style_vector("I love this, it is great")[index["sentiment_compound"]] > 0.3
    assert style_vector("I hate this, it is awful")[index["sentiment_compound"]] < -0.3
    assert style_vector("my friend and my family")[index["empath_social"]] > 0


def test_the_fallbacks_follow_their_documented_formulas():
    assert sentiment_fallback("not good") < 0 < sentiment_fallback("good")
    assert sentiment_fallback("great") == pytest.approx(3.1 / np.sqrt(3.1 ** 2 + 15))
    # "The cat sat." : 3 words, 1 sentence, 3 syllables.
    assert flesch_fallback("The cat sat.") == pytest.approx(206.835 - 1.015 * 3 - 84.6 * 1)
    hard = "Incomprehensibility characterizes bureaucratic communication."
    assert flesch_fallback("Short words win.") > flesch_fallback(hard)


def test_a_non_string_utterance_is_refused():
    with pytest.raises(TypeError, match="must be a string"):
        style_vector(3.5)


def test_the_libraries_are_used_when_importable(monkeypatch):
    from lab.synchrony import text_features

    class Vader:
        def polarity_scores(self, text):
            return {"compound": 0.123}

    class Textstat:
        @staticmethod
        def flesch_reading_ease(text):
            return 42.0

    monkeypatch.setattr(text_features, "_vader", lambda: Vader())
    monkeypatch.setattr(text_features, "_textstat", lambda: Textstat)
    v = style_vector("Any text at all.")
    assert v[DIMENSIONS.index("sentiment_compound")] == 0.123
    assert v[DIMENSIONS.index("flesch_reading_ease")] == 42.0
    backends = feature_backends()
    assert backends["sentiment_compound"] == "vaderSentiment" and backends["flesch_reading_ease"] == "textstat"
