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
from assistant.text.keywords import content_words
from assistant.text.sentences import sentence_spans

SUPPORT_THRESHOLD = 0.62
MIN_CLAIM_WORDS = 3
_CITATION = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


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
    """The answer's sentences, each stripped of and paired with its ``[n]`` markers."""
    claims: list[Claim] = []
    for start, end in sentence_spans(answer):
        raw = answer[start:end]
        numbers = tuple(int(n) for group in _CITATION.findall(raw)
                        for n in re.split(r"\s*,\s*", group))
        text = " ".join(_CITATION.sub("", raw).split())
        if text or numbers:
            claims.append(Claim(text, tuple(dict.fromkeys(numbers))))
    # A marker alone after a sentence break ("... fees. [2]") belongs to the sentence before.
    merged: list[Claim] = []
    for claim in claims:
        if merged and claim.citations and not content_words(claim.text):
            previous = merged[-1]
            merged[-1] = Claim(previous.text, previous.citations + claim.citations)
        else:
            merged.append(claim)
    return [claim for claim in merged if claim.text]


def is_checkable(claim: Claim) -> bool:
    """Whether a sentence states enough to check (not "Sure!" or a bare heading)."""
    return len(content_words(claim.text)) >= MIN_CLAIM_WORDS


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def check_claims(claims: Sequence[Claim], claim_vectors: np.ndarray,
                 passages: Sequence[str], sentences: Sequence[Sentence],
                 sentence_vectors: np.ndarray,
                 threshold: float = SUPPORT_THRESHOLD) -> list[ClaimCheck]:
    """A verdict for every checkable claim against the numbered ``passages`` (1-based)."""
    source_words = [content_words(text) for text in passages]
    source_numbers = [_numbers(text) for text in passages]
    similarity = (np.asarray(claim_vectors, dtype=np.float32)
                  @ np.asarray(sentence_vectors, dtype=np.float32).T
                  if len(sentences) else np.zeros((len(claims), 0)))
    checks: list[ClaimCheck] = []
    for row, claim in enumerate(claims):
        if not is_checkable(claim):
            continue
        words = content_words(claim.text)
        numbers = _numbers(claim.text)
        scores: dict[int, float] = {}
        for source in range(1, len(passages) + 1):
            columns = [i for i, s in enumerate(sentences) if s.source == source]
            meaning = float(similarity[row, columns].max()) if columns else 0.0
            coverage = len(words & source_words[source - 1]) / len(words)
            score = 0.5 * meaning + 0.5 * coverage
            if numbers - source_numbers[source - 1]:
                score = min(score, threshold - 0.01)  # a figure the source does not state
            scores[source] = score
        supported = tuple(sorted((s for s, v in scores.items() if v >= threshold),
                                 key=lambda s: -scores[s]))
        best = max(scores.values(), default=0.0)
        checks.append(ClaimCheck(claim, best, supported, _reason(claim, supported, numbers,
                                                                  source_numbers)))
    return checks


def _reason(claim: Claim, supported: tuple[int, ...], numbers: set[str],
            source_numbers: Sequence[set[str]]) -> str | None:
    if not supported:
        missing = sorted(n for n in numbers if not any(n in found for found in source_numbers))
        if missing:
            return f"the figure {missing[0]} is not in the sources"
        return "not supported by the sources"
    wrong = [n for n in claim.citations if n not in supported]
    if wrong:
        marks = ", ".join(f"[{n}]" for n in wrong)
        return (f"cites {marks}, which does not support it; "
                f"support found in [{supported[0]}]")
    return None
