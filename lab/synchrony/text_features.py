"""Style vectors from text: the paper's 8 dimensions, each from a library when installed, else a fallback.

Which implementation computes each dimension (``feature_backends()`` reports it at run time):

| dimension | library when importable | lightweight fallback (always available) |
|---|---|---|
| informality | — (1) | marker heuristic, `informality_heuristic` |
| sentiment_compound | `vaderSentiment` (VADER compound) | valence lexicon + negation, VADER's normalization |
| avg_sentence_length | — (no library needed) | words per sentence, this module's tokenizer |
| flesch_reading_ease | `textstat.flesch_reading_ease` | Flesch's formula, vowel-group syllable count |
| empath_social, _cognitive, _affect | — (2) | share of words in small LIWC-style lists (`lexicons.py`) |
| function_word_ratio | — (no library needed) | share of words in `lexicons.FUNCTION_WORDS` |

(1) The artifact's informality values look like a learned classifier's probability; there is
no light library for it. (2) Empath is not used: the artifact's three Empath columns are
constant 0, so the paper's data offers nothing to match them against.

The lab's install pulls ``vaderSentiment`` (its lexicon ships with it) but not ``textstat``,
whose recent versions download NLTK data at first use, which fails offline; textstat is used
only when it is installed and works.

Fallback values are on the same scales as the libraries' (compound in [−1, 1], Flesch in its
usual range) but are not equal to them; standardize per dataset before comparing datasets.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

from .lexicons import (AFFECT_WORDS, COGNITIVE_WORDS, FUNCTION_WORDS, INFORMAL_WORDS, NEGATIONS,
                       SENTIMENT_VALENCE, SOCIAL_WORDS)
from .style_space import DIMENSIONS

WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
SENTENCE_END = re.compile(r"[.!?]+")
EMOTICON = re.compile(r"[:;=][-']?[()DPp]|<3|!{2,}|\?{2,}")
VOWEL_GROUPS = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=1)
def _vader():
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return None
    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def _textstat():
    """textstat when it is installed *and works offline*: its recent versions fetch NLTK's cmudict
    at first use, which fails without network, so a failing trial call means the fallback."""
    try:
        import textstat
        textstat.flesch_reading_ease("A short trial sentence.")
    except Exception:  # ImportError, or LookupError / network errors from NLTK's downloader
        return None
    return textstat


def feature_backends() -> dict[str, str]:
    """Which implementation computes each dimension here, by dimension name."""
    lexicon = "fallback: share of words in lexicons.py lists"
    return {
        "informality": "fallback: informality_heuristic (chat markers)",
        "sentiment_compound": "vaderSentiment" if _vader() else "fallback: small valence lexicon (VADER-style)",
        "avg_sentence_length": "own: words per sentence",
        "flesch_reading_ease": "textstat" if _textstat() else "fallback: Flesch formula, vowel-group syllables",
        "empath_social": lexicon,
        "empath_cognitive": lexicon,
        "empath_affect": lexicon,
        "function_word_ratio": "own: share of lexicons.FUNCTION_WORDS",
    }


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters with an optional apostrophe part: "don't")."""
    return [w.lower() for w in WORD.findall(text)]


def sentence_count(text: str) -> int:
    """Sentences = non-empty pieces between '.', '!' or '?' (at least 1 for non-empty text)."""
    pieces = [p for p in SENTENCE_END.split(text) if WORD.search(p)]
    return max(1, len(pieces))


def informality_heuristic(text: str) -> float:
    """Informality in [0, 1] from chat markers (fallback; the paper used a learned scorer).

    0.35 × starts lower case + 0.15 × no final punctuation + 0.2 × emoticon or '!!'/'??'
    + 3 × rate of informal words (lexicons.INFORMAL_WORDS) + 1.5 × rate of contractions,
    clipped to [0, 1].
    """
    tokens = words(text)
    if not tokens:
        return 0.0
    stripped = text.strip()
    score = (0.35 * stripped[:1].islower() + 0.15 * (stripped[-1:] not in ".!?")
             + 0.2 * bool(EMOTICON.search(text))
             + 3.0 * sum(w in INFORMAL_WORDS for w in tokens) / len(tokens)
             + 1.5 * sum("'" in w for w in tokens) / len(tokens))
    return float(min(1.0, score))


def sentiment_fallback(text: str) -> float:
    """VADER-style compound in [−1, 1]: summed valences (flipped ×−0.74 after a negation within
    three words), normalized by s / √(s² + 15) as VADER does."""
    tokens = words(text)
    total = 0.0
    for i, w in enumerate(tokens):
        valence = SENTIMENT_VALENCE.get(w, 0.0)
        if valence and any(t in NEGATIONS for t in tokens[max(0, i - 3):i]):
            valence *= -0.74
        total += valence
    return total / math.sqrt(total * total + 15.0)


def syllables(word: str) -> int:
    """Vowel groups, less a silent final 'e', at least 1."""
    count = len(VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


def flesch_fallback(text: str) -> float:
    """Flesch reading ease 206.835 − 1.015 · words/sentence − 84.6 · syllables/word."""
    tokens = words(text)
    if not tokens:
        return 0.0
    per_sentence = len(tokens) / sentence_count(text)
    per_word = sum(syllables(w) for w in tokens) / len(tokens)
    return 206.835 - 1.015 * per_sentence - 84.6 * per_word


def style_vector(text: str) -> np.ndarray:
    """The 8-dim raw style vector of one utterance, in ``DIMENSIONS`` order."""
    if not isinstance(text, str):
        raise TypeError(f"an utterance must be a string, got {type(text).__name__}")
    tokens = words(text)
    n = len(tokens)
    rate = (lambda lexicon: sum(w in lexicon for w in tokens) / n) if n else (lambda lexicon: 0.0)
    vader, textstat = _vader(), _textstat()
    values = {
        "informality": informality_heuristic(text),
        "sentiment_compound": vader.polarity_scores(text)["compound"] if vader else sentiment_fallback(text),
        "avg_sentence_length": n / sentence_count(text) if n else 0.0,
        "flesch_reading_ease": (textstat.flesch_reading_ease(text) if textstat and n else flesch_fallback(text)),
        "empath_social": rate(SOCIAL_WORDS),
        "empath_cognitive": rate(COGNITIVE_WORDS),
        "empath_affect": rate(AFFECT_WORDS),
        "function_word_ratio": rate(FUNCTION_WORDS),
    }
    return np.array([values[d] for d in DIMENSIONS], dtype=np.float64)


def style_vectors(texts) -> np.ndarray:
    """Style vectors of many utterances, shape (n, 8)."""
    return np.stack([style_vector(t) for t in texts]) if len(texts) else np.zeros((0, len(DIMENSIONS)))
