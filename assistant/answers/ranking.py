"""Rank the evidence sentences with weights learned from the question sets (pure functions).

:func:`~assistant.answers.evidence.score_sentences` scores a sentence by rules: meaning,
shared words, its passage's rank, its neighbours, the kind of answer the question asks for.
Those rules weigh every shared word alike, so a sentence that repeats the question's common
words ("Autotuning firmware tests each chip instead.") outranks the one that holds its rare
ones ("… nicknamed the silicon lottery …"). The ranker takes the rules' score as one feature
among a few more (the question's rare words found, how rare the rarest is, whether the
sentence states a figure, its neighbours' meaning) and weighs them with a linear model
trained by ``scripts/train_ranker.py`` to put a sentence that holds the expected fact first
(a listwise softmax loss over each question's sentences). A logistic mapping of the result
gives a score between 0 and 1, so that "nearly as good as the best" keeps its meaning.

Word rarity is counted among the question's own candidate sentences, so nothing outside them
is needed.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from assistant.answers.evidence import Sentence, asked_words, score_sentences
from assistant.answers.question_kinds import WHY_QUESTION, answer_type_bonus, names, off_subject
from assistant.answers.ranker_weights import WEIGHTS
from assistant.text.keywords import spelled_words

FEATURES = ("rules", "rare_words", "shared_words", "passage", "passage_rank", "figure",
            "rarest_word", "neighbour_meaning", "answer_kind", "off_subject")
_DIGIT = re.compile(r"\d")


def rarity(sentences: Sequence[Sentence]) -> dict[str, float]:
    """Each word's inverse document frequency among the distinct ``sentences``."""
    texts = {" ".join(s.text.lower().split()) for s in sentences}
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(spelled_words(text))
    return {word: math.log((len(texts) + 1) / (count + 0.5)) for word, count in counts.items()}


def sentence_features(question: str, question_vector: np.ndarray,
                      sentences: Sequence[Sentence], sentence_vectors: np.ndarray,
                      passage_scores: Sequence[float]) -> np.ndarray:
    """One row of :data:`FEATURES` per sentence."""
    if not sentences:
        return np.zeros((0, len(FEATURES)))
    rules = score_sentences(question, question_vector, sentences, sentence_vectors,
                            passage_scores)
    dense = np.asarray(sentence_vectors, dtype=np.float32) @ np.asarray(question_vector,
                                                                        dtype=np.float32)
    asked = asked_words(question)
    idf = rarity(sentences)
    unseen = math.log(len(sentences) + 2)  # a question word no sentence has is rarest
    weights = {word: idf.get(word, unseen) for word in asked}
    total = sum(weights.values()) or 1.0
    asked_names = names(question) if WHY_QUESTION.search(question) else set()
    rows = []
    for index, sentence in enumerate(sentences):
        shared = asked & spelled_words(sentence.text)
        neighbours = [float(dense[j]) for j in (index - 1, index + 1)
                      if 0 <= j < len(sentences) and sentences[j].source == sentence.source]
        rows.append([
            rules[index],
            sum(weights[word] for word in shared) / total,
            len(shared) / len(asked) if asked else 0.0,
            passage_scores[sentence.source - 1],
            float(sentence.source),
            1.0 if _DIGIT.search(sentence.text) else 0.0,
            max((weights[word] for word in shared), default=0.0),
            max(neighbours, default=0.0),
            answer_type_bonus(question, sentence.text),
            1.0 if off_subject(asked_names, sentence.text) else 0.0,
        ])
    return np.asarray(rows, dtype=np.float64)


def linear_scores(features: np.ndarray, weights: dict = WEIGHTS) -> np.ndarray:
    """The ranker's raw score per row of ``features`` (higher ranks first)."""
    mean = np.asarray(weights["mean"])
    scale = np.asarray(weights["scale"])
    return ((features - mean) / scale) @ np.asarray(weights["weights"])


def rank_sentences(question: str, question_vector: np.ndarray, sentences: Sequence[Sentence],
                   sentence_vectors: np.ndarray, passage_scores: Sequence[float],
                   weights: dict = WEIGHTS) -> list[float]:
    """A score between 0 and 1 per sentence: how likely it is to hold the answer."""
    if not sentences:
        return []
    raw = linear_scores(sentence_features(question, question_vector, sentences,
                                          sentence_vectors, passage_scores), weights)
    slope, offset = weights["calibration"]
    return [float(v) for v in 1.0 / (1.0 + np.exp(-(slope * raw + offset)))]
