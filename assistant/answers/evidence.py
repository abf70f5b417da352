"""Pick the exact sentences of the retrieved passages that best answer a question.

Each sentence is scored by meaning (cosine of its embedding with the question's), by the
share of the question's content words it contains, and by how well its passage ranked.
The scoring and selection are pure functions over precomputed vectors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from assistant.library.documents import Hit
from assistant.text.keywords import content_words, spelled_words
from assistant.text.sentences import is_heading, sentence_spans

DENSE_WEIGHT = 0.6
LEXICAL_WEIGHT = 0.3
PASSAGE_WEIGHT = 0.1
# A sentence next to a strong one often holds the answer ("… because X. For that reason Y.").
NEIGHBOUR_WEIGHT = 0.35
# A sentence of the kind the question asks for: a figure for "how much", a name for "who",
# a year for "when", a cause for "why", a definition for "what is".
ANSWER_TYPE_BONUS = 0.1
# A sentence that only restates the question's words answers nothing.
RESTATEMENT_PENALTY = 0.1
MIN_SENTENCE_CHARS = 25
# A sentence that leans on the one before it ("For that reason …", "…, that is 140 TWh") is
# scored with it and quoted with it, so that an answer never starts in mid-thought.
CONTINUATION_WEIGHT = 0.7
MAX_JOINED_WORDS = 50
_CONTINUES = re.compile(
    r"^[\W_]*(?:(?:for|because of) (?:that|this|these|those)(?: reasons?)?|as a result|"
    r"put differently|in other words|that|this|these|those|it|its|they|their|such|so|thus|"
    r"hence|therefore)\b"
    r"|^[\W_]*(?:\w+\s+){1,3}(?:their|its|they|these|those)\b"
    r"|^[^.;:]{0,60},\s*that is\b",
    re.IGNORECASE)
_QUANTITY_QUESTION = re.compile(
    r"\b(how (much|many|big|large|long|fast|high|low|often)|what (share|percentage|fraction|"
    r"proportion|cost|price|rate|size|number)|at what (price|rate|cost|level))\b",
    re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_NAME_QUESTION = re.compile(r"^\s*(who|whom|whose)\b|\b(which|what) (firm|company|country|"
                            r"countries|state|person|people|organi[sz]ation|researcher|author|"
                            r"pool|region|city|group|agency|university|project)\b|^\s*where\b",
                            re.IGNORECASE)
_NAME_IN_SENTENCE = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+|\b[A-Z]{2,}\b")
_TIME_QUESTION = re.compile(r"^\s*when\b|\b(what|which) (year|month|date|decade)\b|"
                            r"\bsince when\b", re.IGNORECASE)
_TIME_IN_SENTENCE = re.compile(r"\b(1[89]\d\d|20\d\d)\b|\b(January|February|March|April|"
                               r"May|June|July|August|September|October|November|December)\b")
_WHY_QUESTION = re.compile(r"^\s*why\b|\bwhat (drives|causes|caused|explains|led to)\b|"
                           r"\bfor what reason\b", re.IGNORECASE)
_CAUSE_IN_SENTENCE = re.compile(r"\b(because|due to|driven by|as a result|so that|owing to|"
                                r"reason|leads? to|led to|causes?d?|thanks to|since|pushed|"
                                r"squeez\w*|rising|higher|lower|cheaper)\b", re.IGNORECASE)
_DEFINITION_QUESTION = re.compile(r"^\s*what (is|are|does|do)\s+(an?\s+|the\s+)?"
                                  r"(?P<term>[\w\s-]{2,40}?)\s*(mean|measure|refer to)?\??$",
                                  re.IGNORECASE)


def answer_type_bonus(question: str, sentence: str) -> float:
    """A bonus for a sentence of the kind the question asks for."""
    if _QUANTITY_QUESTION.search(question):
        return ANSWER_TYPE_BONUS if _DIGIT.search(sentence) else 0.0
    if _TIME_QUESTION.search(question):
        return ANSWER_TYPE_BONUS if _TIME_IN_SENTENCE.search(sentence) else 0.0
    if _WHY_QUESTION.search(question):
        return ANSWER_TYPE_BONUS if _CAUSE_IN_SENTENCE.search(sentence) else 0.0
    if _NAME_QUESTION.search(question):
        asked = {w.lower() for w in re.findall(r"\w+", question)}
        new_names = [m.group(0) for m in _NAME_IN_SENTENCE.finditer(sentence)
                     if m.group(0).lower() not in asked]
        return ANSWER_TYPE_BONUS if new_names else 0.0
    match = _DEFINITION_QUESTION.match(question)
    if match:
        term = re.escape(match.group("term").strip().lower())
        defines = re.search(rf"\b{term}\b[^.]{{0,40}}\b(is|are|means|refers to|measures)\b",
                            sentence.lower())
        return ANSWER_TYPE_BONUS if defines else 0.0
    return 0.0


def continues(text: str) -> bool:
    """Whether a sentence leans on the one before it ("So …", "For that reason …",
    "Depending on whether their …", "Running for a year, that is 140 TWh.")."""
    return bool(_CONTINUES.search(text))


def restates(question_words: set[str], text: str) -> bool:
    """Whether ``text`` says hardly more than the question (at most two new words)."""
    return len(content_words(text) - question_words) <= 2
_TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")


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
            if (len(text) < MIN_SENTENCE_CHARS or _TABLE_RULE.match(text)
                    or is_heading(text) or text.rstrip().endswith("?")):
                continue  # headings and questions restate the question; they answer nothing
            sentences.append(Sentence(number, text, hit.start + start, hit.start + end))
    return sentences


def lexical_overlap(question_words: set[str], text: str) -> float:
    """The share of the question's content words that ``text`` contains."""
    if not question_words:
        return 0.0
    return len(question_words & spelled_words(text)) / len(question_words)


def score_sentences(question: str, question_vector: np.ndarray, sentences: Sequence[Sentence],
                    sentence_vectors: np.ndarray, passage_scores: Sequence[float]) -> list[float]:
    """A relevance score per sentence: meaning, shared words, its passage's rank, its
    neighbours' scores, and whether it states a figure when the question asks for one."""
    words = spelled_words(question)
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
    scores = []
    for index, sentence in enumerate(sentences):
        score = base[index]
        for j in (index - 1, index + 1):
            if 0 <= j < len(sentences) and sentences[j].source == sentence.source:
                later = sentences[max(index, j)]
                weight = CONTINUATION_WEIGHT if continues(later.text) else NEIGHBOUR_WEIGHT
                score = max(score, base[index] + weight * (base[j] - base[index]))
        score += answer_type_bonus(question, sentence.text)
        if restates(words, sentence.text):
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
    sentence that leans on the one before it comes joined to it."""
    ranked = sorted(range(len(sentences)), key=lambda i: scores[i], reverse=True)
    chosen: list[Evidence] = []
    seen: set[str] = set()
    at: dict[int, int] = {}  # sentence index -> its place in ``chosen``
    for index in ranked:
        sentence = sentences[index]
        key = " ".join(sentence.text.lower().split())
        if key in seen:  # overlapping chunks repeat sentences
            continue
        seen.add(key)
        joined = with_context(hits, sentences, index)
        hit = hits[sentence.source - 1]
        if joined is not sentence and index - 1 in at:  # its sentence before is already in
            place = at[index - 1]
            chosen[place] = replace(chosen[place], sentence=joined)
            continue
        if joined is not sentence:
            seen.add(" ".join(sentences[index - 1].text.lower().split()))
            at[index - 1] = len(chosen)
        at[index] = len(chosen)
        chosen.append(Evidence(joined, scores[index], hit.title, hit.path, hit.page,
                               hit.heading))
        if len(chosen) == limit:
            break
    return chosen


def with_context(hits: Sequence[Hit], sentences: Sequence[Sentence], index: int) -> Sentence:
    """``sentences[index]`` joined to the sentence before it in its passage when it leans on
    it and the two stay short; else the sentence itself."""
    sentence = sentences[index]
    if index == 0 or not continues(sentence.text):
        return sentence
    before = sentences[index - 1]
    if before.source != sentence.source:
        return sentence
    hit = hits[sentence.source - 1]
    text = hit.text[before.start - hit.start:sentence.end - hit.start]
    gap = hit.text[before.end - hit.start:sentence.start - hit.start]
    if len(text.split()) > MAX_JOINED_WORDS or gap.strip():
        return sentence  # too long to quote whole, or something was left out between them
    return Sentence(sentence.source, text, before.start, sentence.end)
