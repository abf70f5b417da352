"""Where the time before an answer's first token goes: the answer path's calls, timed.

Qt-free, for the app bench's probe: it wraps the facade's parts in the process that answers
(the window's, in the probe), which is why it lives in the core beside the other benches.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import assistant.answers.pipeline as answering
from assistant.app import AssistantService


class Timeline:
    """Wraps the calls on the answer path to record where the time before a token goes.

    A call made inside another recorded one is labelled with its path (``search/embed``).
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, float]] = []
        self.active = False
        self._stack = threading.local()

    def wrap(self, owner: Any, name: str, label: str) -> None:
        """Record ``owner.name`` calls as ``label`` (skipped if the owner has no such name)."""
        inner = getattr(owner, name, None)
        if inner is None:
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            stack: list[str] = self._stack.__dict__.setdefault("labels", [])
            path = "/".join([*stack, label])
            stack.append(label)
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                stack.pop()
                if self.active:
                    self.calls.append((path, started, time.perf_counter()))

        setattr(owner, name, timed)

    def breakdown(self, asked: float, first_token: float) -> dict[str, float]:
        """Milliseconds per label between ``asked`` and ``first_token`` on the GUI thread;
        ``before_first_call`` and ``after_last_call`` are the unrecorded ends."""
        phases: dict[str, float] = {}
        before = [(label, started, ended) for label, started, ended in self.calls
                  if started < first_token]
        for label, started, ended in before:
            phases[label] = phases.get(label, 0.0) + (min(ended, first_token) - started) * 1000
        if before:
            phases["before_first_call"] = (min(c[1] for c in before) - asked) * 1000
            phases["after_last_call"] = (first_token - max(c[2] for c in before)) * 1000
        phases["total"] = (first_token - asked) * 1000
        return {label: round(ms, 1) for label, ms in phases.items()}


def instrument(service: AssistantService) -> Timeline:
    """A timeline over the answer path of ``service`` (its private parts: the bench may)."""
    timeline = Timeline()
    timeline.wrap(service._retriever, "search", "search")
    timeline.wrap(service._index, "query", "dense")
    timeline.wrap(service._store, "lexical_search", "lexical")
    timeline.wrap(service._embedder, "embed", "embed")
    for name in ("split_sentences", "score_sentences", "focus_sources", "select_evidence",
                 "build_messages", "abstain_reason"):
        timeline.wrap(answering, name, name)
    # The model runs in its engine process: counting a prompt's tokens is a round trip to it,
    # and the prompt's evaluation is what comes after the last call (``after_last_call``).
    timeline.wrap(service._engine, "count_tokens", "count_tokens")
    return timeline
