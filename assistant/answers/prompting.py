"""Build the chat prompt for a grounded answer so that it always fits the context window.

Pure functions: the token counter is passed in. Earlier turns are kept exactly as they were
sent while they fit, so the model's KV cache can reuse them; when they no longer fit they are
compacted to question and answer, the oldest are dropped, and at last the sources shrink.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from assistant.engines.chat_template import ChatMessage
from assistant.errors import ModelError

SYSTEM_PROMPT = (
    "You are Offgrid, a research assistant. Answer the question using only the numbered "
    "sources. After each fact, cite its source number in "
    "brackets, like [1]. If the sources do not answer the question, say that they do not."
)
MIN_SOURCE_CHARS = 200

TokenCounter = Callable[[list[ChatMessage]], int]


@dataclass(frozen=True)
class PastTurn:
    """An earlier exchange: the user message as it was sent, its compact form, the answer."""

    sent: str
    compact: str
    answer: str


def user_message(question: str, sources: Sequence[str], *, max_chars: int | None = None) -> str:
    """The question after its numbered source texts, each cut to ``max_chars`` if given."""
    if not sources:
        return question
    lines = []
    for number, text in enumerate(sources, start=1):
        text = " ".join(text.split())
        if max_chars is not None and len(text) > max_chars:
            text = text[:max_chars].rsplit(" ", 1)[0] + " …"
        lines.append(f"[{number}] {text}")
    return "Sources:\n" + "\n".join(lines) + f"\n\nQuestion: {question}"


def _messages(history: Sequence[PastTurn], compact_upto: int, current: str,
              system: str = SYSTEM_PROMPT) -> list[ChatMessage]:
    messages = [ChatMessage("system", system)]
    for index, turn in enumerate(history):
        content = turn.compact if index < compact_upto else turn.sent
        messages += [ChatMessage("user", content), ChatMessage("assistant", turn.answer)]
    messages.append(ChatMessage("user", current))
    return messages


def conversation_opening(history: Sequence[PastTurn],
                         system: str = SYSTEM_PROMPT) -> list[ChatMessage]:
    """The messages the next prompt of a conversation starts with while its earlier turns
    fit whole: the system message, then each turn as it was sent and answered. Evaluated
    ahead of time, they leave a follow-up question only its own tokens to evaluate."""
    return _messages(history, 0, "", system)[:-1]


def build_messages(question: str, sources: Sequence[str], history: Sequence[PastTurn], *,
                   count: TokenCounter, budget: int,
                   system: str = SYSTEM_PROMPT) -> tuple[list[ChatMessage], int]:
    """Messages within ``budget`` prompt tokens, and how many sources they kept."""
    make = partial(_messages, system=system)
    current = user_message(question, sources)
    messages = make(history, 0, current)
    if count(messages) <= budget:
        return messages, len(sources)
    messages = make(history, len(history), current)
    if count(messages) <= budget:
        return messages, len(sources)
    # Drop the oldest turns, leaving history at most half the room so this happens rarely.
    kept = list(history)
    base = count(make([], 0, current))
    while kept:
        used = count(make(kept, len(kept), current))
        if used <= budget and used - base <= (budget - base) // 2:
            break
        kept.pop(0)
    messages = make(kept, len(kept), current)
    if count(messages) <= budget:
        return messages, len(sources)
    return _shrink_sources(question, list(sources), count=count, budget=budget,
                           make=make)


def _shrink_sources(question: str, sources: list[str], *, count: TokenCounter, budget: int,
                    make: Callable[..., list[ChatMessage]]) -> tuple[list[ChatMessage], int]:
    max_chars = max((len(text) for text in sources), default=0)
    while True:
        current = user_message(question, sources, max_chars=max_chars)
        messages = make([], 0, current)
        if count(messages) <= budget:
            return messages, len(sources)
        if max_chars > MIN_SOURCE_CHARS:
            max_chars = max(MIN_SOURCE_CHARS, max_chars * 2 // 3)
        elif sources:
            sources.pop()
        else:
            break
    # Only the question is left and it alone is too long: keep its end, where the ask is.
    words = question.split()
    while words:
        words = words[len(words) // 4 + 1:]
        messages = make([], 0, " ".join(words))
        if count(messages) <= budget:
            return messages, 0
    raise ModelError(f"the model's context ({budget} tokens for the prompt) is too small "
                     "for even the instructions")
