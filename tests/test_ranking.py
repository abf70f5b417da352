"""The learned evidence ranker: features, rarity and the trained weights (pure, no model)."""

from __future__ import annotations

import numpy as np

from assistant.answers.evidence import Sentence, score_sentences
from assistant.answers.question_kinds import answer_type_bonus
from assistant.answers.ranker_weights import WEIGHTS
from assistant.answers.ranking import FEATURES, rank_sentences, rarity, sentence_features


def _sentences(*texts: str) -> list[Sentence]:
    out, start = [], 0
    for text in texts:
        out.append(Sentence(1, text, start, start + len(text)))
        start += len(text) + 1
    return out


POOL = _sentences(
    "Greenhouse heaters warm the greenhouse beds in winter.",
    "Greenhouse growers like heaters that run all winter.",
    "Heaters in a greenhouse save growers money in winter.",
    "Tomato yields rose by a fifth where the heaters ran.",
)


def test_a_word_found_in_fewer_sentences_is_rarer() -> None:
    idf = rarity(POOL)
    assert idf["tomato"] > idf["greenhouse"]
    # the same sentence twice (overlapping passages) counts once
    assert rarity(POOL + POOL[:1]) == idf


def test_the_sentence_with_the_questions_rare_word_outranks_one_repeating_its_common_ones() -> None:
    question = "What happened to tomato yields in greenhouse beds with heaters in winter?"
    vectors = np.ones((len(POOL) + 1, 4)) / 2.0  # meaning alone cannot tell them apart
    rules = score_sentences(question, vectors[0], POOL, vectors[1:], [1.0])
    ranked = rank_sentences(question, vectors[0], POOL, vectors[1:], [1.0])
    # the rules count shared words alike: a sentence of the common ones comes first
    assert rules[3] < max(rules[:3])
    # the ranker weighs the rare ones ("tomato", "yields"): the answer comes first
    assert max(range(len(POOL)), key=ranked.__getitem__) == 3
    assert all(0.0 < score < 1.0 for score in ranked)


def test_features_one_row_a_sentence_and_nothing_for_no_sentences() -> None:
    pool = POOL + _sentences("Yields rose 18 percent.")
    vectors = np.eye(len(pool) + 1, 6)
    rows = sentence_features("How much did yields rise?", vectors[0], pool, vectors[1:], [0.5])
    assert rows.shape == (len(pool), len(FEATURES))
    assert rows[4, FEATURES.index("figure")] == 1.0 and rows[0, FEATURES.index("figure")] == 0.0
    assert rank_sentences("Anything?", vectors[0], [], np.zeros((0, 6)), []) == []


def test_the_weights_module_was_trained_on_these_features() -> None:
    assert tuple(WEIGHTS["features"]) == FEATURES
    for key in ("mean", "scale", "weights"):
        assert len(WEIGHTS[key]) == len(FEATURES)
    assert len(WEIGHTS["calibration"]) == 2 and WEIGHTS["calibration"][0] > 0


def test_a_question_asking_for_a_name_favours_the_sentence_that_gives_it() -> None:
    for question in ("What's the name for the trick of leaving a pool mid-round?",
                     "What is leaving a pool mid-round called?",
                     "What does the report call leaving a pool mid-round?"):
        assert answer_type_bonus(question, "The tactic became known as pool hopping.") > 0
        assert answer_type_bonus(question, "Miners left the pool once the round ran long.") == 0
