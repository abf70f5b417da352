"""Check each sentence of an answer against the sources it was written from (pure functions).

A sentence is supported by a source when it means nearly what one of the source's sentences
says and most of its content words occur in that source's passage; a figure (a number) it
states must appear in the source. A citation ``[n]`` whose source gives no support is flagged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.answers.evidence import Sentence
from assistant.text.conflicts import conflict, contradicts, topic_names
from assistant.text.facts import figures, proper_words
from assistant.text.keywords import content_words
from assistant.text.sentences import sentence_spans

SUPPORT_THRESHOLD = 0.62
MIN_CLAIM_WORDS = 3
# How much closer the sentence a claim restates must be than any that supports it for its
# conflict to decide the verdict.
CLOSEST_MARGIN = 0.05
_CITATION = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
# Citation markers at the start of a text ("[2] Next …" belongs to the sentence before).
LEADING_CITATIONS = re.compile(r"^(?:\s*\[\d+(?:\s*,\s*\d+)*\])+")
_LOWER_WORD = re.compile(r"\b[a-z][a-z'’-]*\b")


@dataclass(frozen=True)
class Claim:
    """A sentence of the answer with the citation markers it carries."""

    text: str
    citations: tuple[int, ...]


@dataclass(frozen=True)
class ClaimCheck:
    """The verdict on one claim: which sources support it, and why it is flagged if it is."""

    claim: Claim
    support: float
    supported_by: tuple[int, ...] = field(default_factory=tuple)
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON form used for ``unsupported`` entries."""
        return {"text": self.claim.text, "citations": list(self.claim.citations),
                "supported_by": list(self.supported_by), "support": round(self.support, 3),
                "reason": self.reason}


def split_claims(answer: str) -> list[Claim]:
    """The answer's sentences, each stripped of and paired with its ``[n]`` markers.

    Markers that open a sentence ("… fees. [2] Next …") belong to the sentence before.
    """
    claims: list[Claim] = []
    for start, end in sentence_spans(answer):
        raw = answer[start:end]
        leading = LEADING_CITATIONS.match(raw)
        if leading and claims:
            claims[-1] = Claim(claims[-1].text, claims[-1].citations + _numbers_in(
                leading.group(0)))
            raw = raw[leading.end():]
        text = " ".join(_CITATION.sub("", raw).split())
        if text or _numbers_in(raw):
            claims.append(Claim(text, _numbers_in(raw)))
    merged: list[Claim] = []
    for claim in claims:
        if merged and claim.citations and not content_words(claim.text):
            previous = merged[-1]
            merged[-1] = Claim(previous.text, previous.citations + claim.citations)
        else:
            merged.append(claim)
    return [Claim(c.text, tuple(dict.fromkeys(c.citations))) for c in merged if c.text]


def _numbers_in(raw: str) -> tuple[int, ...]:
    return tuple(int(n) for group in _CITATION.findall(raw) for n in re.split(r"\s*,\s*", group))


def is_checkable(claim: Claim) -> bool:
    """Whether a sentence states enough to check (not "Sure!" or a bare heading)."""
    return len(content_words(claim.text)) >= MIN_CLAIM_WORDS


def common_words(texts: Sequence[str]) -> frozenset[str]:
    """The words the texts write in lower case: "miners" is a common word, "Paraguay" not."""
    return frozenset(w for text in texts for w in _LOWER_WORD.findall(text))


def windows(sentences: Sequence[Sentence]) -> list[str]:
    """Each sentence with its neighbours in the same source."""
    out = []
    for i, sentence in enumerate(sentences):
        near = [sentences[j].text for j in (i - 1, i, i + 1)
                if 0 <= j < len(sentences) and sentences[j].source == sentence.source]
        out.append(" ".join(near))
    return out


def statements(sentences: Sequence[Sentence]) -> list[str]:
    """Each sentence as what it states: one that announces what follows ("… showed a very
    different picture:") states it with the next sentence of its source."""
    out = []
    for i, sentence in enumerate(sentences):
        text = sentence.text
        if (text.rstrip().endswith(":") and i + 1 < len(sentences)
                and sentences[i + 1].source == sentence.source):
            text = f"{text} {sentences[i + 1].text}"
        out.append(text)
    return out


def check_claims(claims: Sequence[Claim], claim_vectors: np.ndarray,
                 passages: Sequence[str], sentences: Sequence[Sentence],
                 sentence_vectors: np.ndarray, threshold: float = SUPPORT_THRESHOLD,
                 question: str = "") -> list[ClaimCheck]:
    """A verdict for every checkable claim against the numbered ``passages`` (1-based).

    A claim is supported by a source when one of its sentences, with that sentence's
    neighbours, says nearly the same (meaning and words) and states the claim's names and
    figures the same way, with the same polarity. ``question`` lends its figures as the
    qualifiers an answer's figures must go with ("at 8 cents").
    """
    common = common_words(passages)
    proper = proper_words(list(passages))
    implied = tuple(figures(question))
    around = windows(sentences)
    stated = statements(sentences)
    around_words = [content_words(text) for text in around]
    similarity = (np.asarray(claim_vectors, dtype=np.float32)
                  @ np.asarray(sentence_vectors, dtype=np.float32).T
                  if len(sentences) else np.zeros((len(claims), 0)))
    checks: list[ClaimCheck] = []
    for row, claim in enumerate(claims):
        if not is_checkable(claim):
            continue
        words = content_words(claim.text)
        topics = topic_names(claim.text, list(passages), common)
        scores: dict[int, float] = {}
        conflicts: list[tuple[float, str]] = []
        for i, sentence in enumerate(sentences):
            coverage = len(words & around_words[i]) / len(words)
            score = 0.5 * float(similarity[row, i]) + 0.5 * coverage
            if score < threshold:
                scores[sentence.source] = max(scores.get(sentence.source, 0.0), score)
                continue
            reason = conflict(claim.text, stated[i], around[i], common, implied, topics, proper,
                              _passage(passages, sentence.source))
            if reason:
                conflicts.append((score, reason))
                score = threshold - 0.01
            scores[sentence.source] = max(scores.get(sentence.source, 0.0), score)
        supported = tuple(sorted((s for s, v in scores.items() if v >= threshold),
                                 key=lambda s: -scores[s]))
        closest = max(conflicts, default=None)
        if closest and contradicts(closest[1]) and \
                closest[0] >= max(scores.values(), default=0.0) + CLOSEST_MARGIN:
            # the sentence it restates most closely says otherwise; a looser one that does
            # not conflict is no support ("14 GB at 4-bit" beside "Quantization stores …")
            supported, conflicts = (), [closest]
        best = max(scores.values(), default=0.0)
        checks.append(ClaimCheck(claim, best, supported,
                                 _reason(claim, supported, conflicts, passages)))
    return checks


def _passage(passages: Sequence[str], number: int) -> str:
    return passages[number - 1] if 0 < number <= len(passages) else ""


def _reason(claim: Claim, supported: tuple[int, ...], conflicts: list[tuple[float, str]],
            passages: Sequence[str]) -> str | None:
    if not supported:
        stated = [f for text in passages for f in figures(text)]
        missing = [f for f in figures(claim.text) if not any(f.matches(s) for s in stated)]
        if missing:
            return f"the figure {missing[0].text} is not in the sources"
        if conflicts:
            return max(conflicts)[1]
        return "not supported by the sources"
    wrong = [n for n in claim.citations if n not in supported]
    if wrong:
        marks = ", ".join(f"[{n}]" for n in wrong)
        return (f"cites {marks}, which does not support it; "
                f"support found in [{supported[0]}]")
    return None
