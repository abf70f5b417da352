"""Pick the exact sentences of the retrieved passages that best answer a question.

Each sentence is scored by meaning (cosine of its embedding with the question's), by the
share of the question's content words it contains, and by how well its passage ranked. What a
question sets aside ("Besides rising power prices, what else …") is its premise: a list item
stating it hands its score to the other items of its list, which answer.
The scoring and selection are pure functions over precomputed vectors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from assistant.answers.question_kinds import (
    ANSWER_TYPE_BONUS,
    WHY_QUESTION,
    answer_type_bonus,
    names,
    off_subject,
    set_aside,
)
from assistant.library.documents import Hit
from assistant.text.keywords import content_words, spelled_words
from assistant.text.sentences import continues, is_heading, sentence_spans

DENSE_WEIGHT = 0.6
LEXICAL_WEIGHT = 0.3
PASSAGE_WEIGHT = 0.1
# A sentence next to a strong one often holds the answer ("… because X. For that reason Y.").
NEIGHBOUR_WEIGHT = 0.35
# A sentence that only restates the question's words answers nothing.
RESTATEMENT_PENALTY = 0.1
MIN_SENTENCE_CHARS = 25
# A sentence that leans on the one before it ("For that reason …", "…, that is 140 TWh") is
# scored with it and quoted with it, so that an answer never starts in mid-thought.
CONTINUATION_WEIGHT = 0.7
MAX_JOINED_WORDS = 60
# A list item shorter than a sentence is kept when it states a figure ("- Q8_0: 3.4 GB").
MIN_ITEM_CHARS = 8
MAX_ITEM_WORDS = 8  # words and numbers; "×", "÷" and "≈" are none
_WORD_CHARACTER = re.compile(r"\w")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
# How many sentences of its own a list item may hold before the list is taken to have ended.
ITEM_SENTENCES = 2
HEAD_WORDS = 6  # an item states what is set aside in its first words
# The parts of what a question sets aside, and the words that say "something else".
_PARTS = re.compile(r",|;|\b(?:and|or)\b")
_ELSE = re.compile(r"\b(?:other|others|also|as well|in addition|besides|too|additionally|"
                   r"further)\b", re.IGNORECASE)


_DIGIT = re.compile(r"\d")


def restates(question_words: set[str], text: str) -> bool:
    """Whether ``text`` says hardly more than the question (at most two new words, none of
    them a figure: "That implies a coefficient of 1." answers)."""
    new = content_words(text) - question_words
    return len(new) <= 2 and not any(_DIGIT.search(word) for word in new)
_TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")
# A question's condition ("… if ten pools each hold 10%?", "If a block comes every 10 minutes,
# …"): a sentence that only states it sets up a worked example; the answer follows it.
_CONDITION = re.compile(r"(?:^|[\s,])(?:if|suppose|assuming|given that|when(?! (?:will|would|"
                        r"did|does|do|is|was|were|has|had|can|could)\b))\s+(?P<cond>[^,?]+)",
                        re.IGNORECASE)


def asked_words(question: str) -> set[str]:
    """The content words of what ``question`` asks, not of what it sets aside ("Besides
    surplus hydro, what cheap power …": not "surplus", "hydro")."""
    return spelled_words(set_aside(question)[0])


def premise_words(question: str) -> tuple[set[str], set[str]]:
    """The content words of what ``question`` asks and of its condition (empty without one)."""
    match = _CONDITION.search(question)
    if not match:
        return spelled_words(question), set()
    condition = spelled_words(match.group("cond"))
    return spelled_words(question[:match.start()] + " " + question[match.end():]) - condition, \
        condition


def states_premise(asked: set[str], condition: set[str], text: str) -> bool:
    """Whether ``text`` states the question's condition and nothing of what it asks."""
    if len(condition) < 2 or len(asked) < 2:
        return False  # no condition (most questions): no sentence is read
    words = spelled_words(text)
    return 2 * len(words & condition) >= len(condition) and not words & asked



@dataclass(frozen=True)
class Sentence:
    """A sentence of source ``source`` (1-based), at ``start:end`` of its document's text."""

    source: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Evidence:
    """An evidence sentence with its score and where it is."""

    sentence: Sentence
    score: float
    title: str
    path: str
    page: int | None
    heading: str | None
    # Of several sentences quoted together, the one that earned the score.
    core: Sentence | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form used by the CLI and the desktop app."""
        return {
            "text": self.sentence.text, "source": self.sentence.source,
            "title": self.title, "path": self.path, "page": self.page,
            "heading": self.heading, "start": self.sentence.start, "end": self.sentence.end,
            "score": round(self.score, 4),
        }


def split_sentences(hits: Sequence[Hit]) -> list[Sentence]:
    """The sentences of each hit's passage, with offsets into its document's text."""
    sentences: list[Sentence] = []
    for number, hit in enumerate(hits, start=1):
        for start, end in sentence_spans(hit.text):
            text = hit.text[start:end]
            short = len(text) < MIN_SENTENCE_CHARS and not (  # "- Q8_0: 3.4 GB" answers
                len(text) >= MIN_ITEM_CHARS and _LIST_ITEM.match(text) and _DIGIT.search(text))
            if (short or _TABLE_RULE.match(text) or is_heading(text, hit.heading)
                    or text.rstrip().endswith("?")):
                continue  # headings and questions restate the question; they answer nothing
            sentences.append(Sentence(number, text, hit.start + start, hit.start + end))
    return sentences


def list_intro(sentences: Sequence[Sentence], index: int) -> int | None:
    """The sentence that introduces the list ``sentences[index]`` is a short item of ("The
    weight files take about:" for "- Q8_0: 3.4 GB"), or None (a long item says what it is)."""
    text = sentences[index].text
    if not _LIST_ITEM.match(text) \
            or sum(1 for w in text.split() if _WORD_CHARACTER.search(w)) > MAX_ITEM_WORDS:
        return None
    for j in range(index - 1, -1, -1):
        if sentences[j].source != sentences[index].source:
            return None
        if sentences[j].text.rstrip().endswith(":"):
            return j
        if not _LIST_ITEM.match(sentences[j].text):
            return None
    return None


def list_siblings(sentences: Sequence[Sentence], index: int) -> list[int]:
    """The other items of the list ``sentences[index]`` is an item of: the items of its
    passage reached without crossing an introduction ("… two pressures:") or more than
    ``ITEM_SENTENCES`` sentences that are not items."""
    found = []
    for step in (-1, 1):
        j, between = index + step, 0
        while 0 <= j < len(sentences) and sentences[j].source == sentences[index].source \
                and not sentences[j].text.rstrip().endswith(":"):
            if _LIST_ITEM.match(sentences[j].text):
                found.append(j)
                between = 0
            else:
                between += 1
                if between > ITEM_SENTENCES:
                    break
            j += step
    return found


def aside_items(aside: str, sentences: Sequence[Sentence]) -> list[int]:
    """The list items among ``sentences`` that state what a question sets aside (``aside``,
    from :func:`set_aside`; each part of "power, machines and staff" alone counts)."""
    parts = [words for words in (spelled_words(part) for part in _PARTS.split(aside)) if words]
    if not parts:
        return []
    found = []
    for index, sentence in enumerate(sentences):
        if _LIST_ITEM.match(sentence.text):
            words = spelled_words(_item_head(sentence.text))
            if any(2 * len(words & part) >= len(part) for part in parts):
                found.append(index)
    return found


def _item_head(text: str) -> str:
    """What a list item is about: its title ("1. **Rising power prices.** …"), the words
    before its colon or first stop, at most ``HEAD_WORDS`` words."""
    head = re.split(r"[:.;]\s", _LIST_ITEM.sub("", text).replace("*", "") + " ", maxsplit=1)[0]
    return " ".join(head.split()[:HEAD_WORDS])


def lexical_overlap(question_words: set[str], text: str) -> float:
    """The share of the question's content words that ``text`` contains."""
    if not question_words:
        return 0.0
    return len(question_words & spelled_words(text)) / len(question_words)


def score_sentences(question: str, question_vector: np.ndarray, sentences: Sequence[Sentence],
                    sentence_vectors: np.ndarray, passage_scores: Sequence[float]) -> list[float]:
    """A relevance score per sentence: meaning, shared words, its passage's rank, its
    neighbours' scores, and whether it states a figure when the question asks for one."""
    rest, aside = set_aside(question)
    words = spelled_words(rest)  # what it asks, as asked_words gives
    if not sentences:
        return []
    dense = np.asarray(sentence_vectors, dtype=np.float32) @ np.asarray(question_vector,
                                                                        dtype=np.float32)
    base = [
        DENSE_WEIGHT * float(dense[index])
        + LEXICAL_WEIGHT * lexical_overlap(words, sentence.text)
        + PASSAGE_WEIGHT * passage_scores[sentence.source - 1]
        for index, sentence in enumerate(sentences)
    ]
    asked, condition = premise_words(question)
    premise = [states_premise(asked, condition, s.text) for s in sentences]
    # "Besides X, what else …": an item stating X is the premise; the others may answer.
    fellows: dict[int, float] = {}
    for index in aside_items(aside, sentences):
        premise[index] = True
        for j in list_siblings(sentences, index):
            fellows[j] = max(fellows.get(j, base[j]), base[index])
    # An explanation of something named is about it ("Why did mining end up in China?").
    asked_names = names(question) if WHY_QUESTION.search(question) else set()
    scores = []
    for index, sentence in enumerate(sentences):
        score = base[index]
        if index in fellows and not premise[index]:
            score = fellows[index] + ANSWER_TYPE_BONUS
        if index and premise[index - 1] and sentences[index - 1].source == sentence.source:
            score = max(score, base[index - 1]) + ANSWER_TYPE_BONUS  # what the premise gives
        intro = list_intro(sentences, index)
        if intro is not None:  # an item says what it is only with its list's introduction
            score = max(score, base[index] + CONTINUATION_WEIGHT * (base[intro] - base[index]))
        for j in (index - 1, index + 1):
            if 0 <= j < len(sentences) and sentences[j].source == sentence.source:
                later = sentences[max(index, j)]
                weight = CONTINUATION_WEIGHT if continues(later.text) else NEIGHBOUR_WEIGHT
                score = max(score, base[index] + weight * (base[j] - base[index]))
        score += answer_type_bonus(question, sentence.text)
        if aside and _ELSE.search(sentence.text):  # "Other items, such as …"
            score += ANSWER_TYPE_BONUS
        if restates(words, sentence.text) or premise[index] \
                or off_subject(asked_names, sentence.text):
            score -= RESTATEMENT_PENALTY
        scores.append(score)
    return scores


def focus_sources(hits: Sequence[Hit], sentences: Sequence[Sentence], scores: Sequence[float],
                  *, limit: int) -> tuple[list[Hit], list[Sentence], list[int], dict[int, str]]:
    """Keep the sources of the ``limit`` best sentences, renumbered in rank order.

    Returns the kept hits, their sentences (renumbered), the kept sentences' indices into
    ``sentences``, and per new source number the chosen sentences in reading order.
    """
    best = sorted(range(len(sentences)), key=lambda i: scores[i], reverse=True)[:limit]
    numbers = {old: new for new, old in
               enumerate(sorted({sentences[i].source for i in best}), start=1)}
    kept_hits = [hits[old - 1] for old in sorted(numbers)]
    keep = [i for i, sentence in enumerate(sentences) if sentence.source in numbers]
    renumbered = [Sentence(numbers[sentences[i].source], sentences[i].text, sentences[i].start,
                           sentences[i].end) for i in keep]
    chosen: dict[int, list[Sentence]] = {}
    for i in sorted(best, key=lambda i: (sentences[i].source, sentences[i].start)):
        chosen.setdefault(numbers[sentences[i].source], []).append(sentences[i])
    texts = {number: " ".join(" ".join(s.text.split()) for s in items)
             for number, items in chosen.items()}
    return kept_hits, renumbered, keep, texts


def select_evidence(hits: Sequence[Hit], sentences: Sequence[Sentence], scores: Sequence[float],
                    *, limit: int = 4) -> list[Evidence]:
    """The ``limit`` best distinct sentences, best first, each tied to its source; a
    sentence comes joined to the one before it when it leans on it ("For that reason …"),
    and to the one after it when that one leans on it ("That implies …")."""
    ranked = sorted(range(len(sentences)), key=lambda i: scores[i], reverse=True)
    chosen: list[Evidence] = []
    spans: list[tuple[int, int]] = []  # the sentence indices each evidence item covers
    seen: set[str] = set()
    for index in ranked:
        key = " ".join(sentences[index].text.lower().split())
        if key in seen or any(lo <= index <= hi for lo, hi in spans):
            continue  # overlapping chunks repeat sentences; joined ones are in already
        lo, hi = _unit(hits, sentences, index)
        if any(start <= hi <= end for start, end in spans):
            hi = index  # the sentence after it is in already, on its own
        if lo < index - 1 and any(start <= lo <= end for start, end in spans):
            lo = index  # its list's introduction is quoted already, with another item
        place = next((n for n, (_, end) in enumerate(spans) if end == lo), None) \
            if lo < index else None
        if place is not None:  # the sentence before is in already: it takes this one along
            lo = spans[place][0]
            spans[place] = (lo, hi)
            chosen[place] = replace(chosen[place], sentence=_joined(sentences, hits, lo, hi))
        else:
            hit = hits[sentences[index].source - 1]
            spans.append((lo, hi))
            chosen.append(Evidence(_joined(sentences, hits, lo, hi), scores[index], hit.title,
                                   hit.path, hit.page, hit.heading,
                                   sentences[index] if lo < hi else None))
        seen.update(" ".join(s.text.lower().split()) for s in sentences[lo:hi + 1])
        if len(chosen) == limit:
            break
    return chosen


def _unit(hits: Sequence[Hit], sentences: Sequence[Sentence], index: int) -> tuple[int, int]:
    """The sentences quoted together with ``sentences[index]``: the one before it if it leans
    on it, the one after it if that one leans on it, while they stay short."""
    lo = hi = index
    intro = list_intro(sentences, index)
    if intro is not None and _words(hits, sentences, intro, index) <= MAX_JOINED_WORDS:
        return intro, index  # "The files take about: - F16: 6.4 GB - Q8_0: 3.4 GB"
    if sentences[index].text.rstrip().endswith(":"):  # an introduction with its items
        while hi + 1 < len(sentences) and list_intro(sentences, hi + 1) == index \
                and _words(hits, sentences, index, hi + 1) <= MAX_JOINED_WORDS:
            hi += 1
        return lo, hi
    if _leans(hits, sentences, index):
        lo = index - 1
    if index + 1 < len(sentences) and _leans(hits, sentences, index + 1):
        hi = index + 1
    while sum(len(s.text.split()) for s in sentences[lo:hi + 1]) > MAX_JOINED_WORDS \
            and hi > index:
        hi -= 1
    if sum(len(s.text.split()) for s in sentences[lo:hi + 1]) > MAX_JOINED_WORDS:
        lo = index
    return lo, hi


def _words(hits: Sequence[Hit], sentences: Sequence[Sentence], lo: int, hi: int) -> int:
    """How many words quoting sentences ``lo`` to ``hi`` together takes."""
    return len(_joined(sentences, hits, lo, hi).text.split())


def _leans(hits: Sequence[Hit], sentences: Sequence[Sentence], index: int) -> bool:
    """Whether ``sentences[index]`` leans on the sentence right before it in its passage."""
    if index == 0 or not continues(sentences[index].text):
        return False
    before, sentence = sentences[index - 1], sentences[index]
    if before.source != sentence.source:
        return False
    hit = hits[sentence.source - 1]
    return not hit.text[before.end - hit.start:sentence.start - hit.start].strip()


def _joined(sentences: Sequence[Sentence], hits: Sequence[Hit], lo: int, hi: int) -> Sentence:
    """Sentences ``lo`` to ``hi`` of one passage as one, with exact offsets."""
    first, last = sentences[lo], sentences[hi]
    if lo == hi:
        return first
    hit = hits[first.source - 1]
    return Sentence(first.source, hit.text[first.start - hit.start:last.end - hit.start],
                    first.start, last.end)
