"""A follow-up question starts fast: after an answer in a conversation, the conversation so far
is evaluated into the local model's cache in the background, while the user reads.

Without this the next prompt's cache match ends at the last answer: the pipeline shows a
composed, verified answer rather than the model's raw words, so the model has the previous
answer and the new question to evaluate when the follow-up is asked (row 3 of
``assistant bench``: 0.55 of a cold start on a Xeon, where the target is 0.25). Primed, it
evaluates only the follow-up's own message. It is only an optimisation: an engine that cannot
prime (a model server, the tests' fake) is skipped, and a failure is logged, never raised.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

from assistant.answers.conversations import ConversationStore
from assistant.answers.pipeline import AnswerEvent, Finished, past_turns
from assistant.answers.prompting import conversation_opening
from assistant.engines.engine import Engine

_log = logging.getLogger(__name__)


class FollowUpCache:
    """Primes the model with a conversation after each of its answers (one at a time)."""

    def __init__(self, conversations: ConversationStore) -> None:
        self._conversations = conversations
        self._thread: threading.Thread | None = None

    def after_answer(self, events: Iterator[AnswerEvent], engine: Engine,
                     conversation_id: int | None, system: str) -> Iterator[AnswerEvent]:
        """``events``, starting the priming once the answer is stored (at :class:`Finished`)
        if it continues a conversation."""
        try:
            for event in events:
                if isinstance(event, Finished) and conversation_id is not None:
                    self.prime(engine, conversation_id, system)
                yield event
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # a caller that stopped listening stops the answer

    def prime(self, engine: Engine, conversation_id: int, system: str) -> None:
        """Evaluate the conversation's next opening in ``engine`` in a background thread."""
        prime = getattr(engine, "prime_conversation", None)
        if prime is None or not getattr(engine, "started", True):
            return  # a model server, or a lazy engine no answer has needed yet
        messages = conversation_opening(past_turns(self._conversations.turns(conversation_id)),
                                        system)

        def run() -> None:
            try:
                prime(messages)
            except Exception as exc:  # the engine closed or was swapped: nothing is lost
                _log.debug("the follow-up cache was not primed: %s", exc)

        self.wait()  # one at a time: the engine serves one request anyway
        self._thread = threading.Thread(target=run, name="offgrid-follow-up-cache",
                                        daemon=True)
        self._thread.start()

    def wait(self, timeout_s: float | None = None) -> None:
        """Return once the priming under way (if any) has ended, or after ``timeout_s``."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
