"""Resolve a follow-up question ("and what about Ethiopia?") against the previous turns."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.keywords import content_words

_OPENERS = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|what of|same for)\b",
    re.IGNORECASE,
)
_REFERENCES = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|there|he|she|his|her|one|ones)\b",
    re.IGNORECASE,
)
SHORT_QUESTION_WORDS = 4


def is_follow_up(question: str) -> bool:
    """Whether ``question`` leans on the conversation so far to be understood."""
    words = content_words(question)
    if _OPENERS.match(question) and len(words) <= SHORT_QUESTION_WORDS + 2:
        return True
    return len(words) <= SHORT_QUESTION_WORDS and bool(_REFERENCES.search(question))


def retrieval_query(question: str, previous_questions: Sequence[str]) -> str:
    """The text to search with: a follow-up is joined to the (resolved) question before it."""
    if previous_questions and is_follow_up(question):
        return f"{previous_questions[-1]} {question}"
    return question
