"""Fast, deterministic stand-ins for the engines, for unit tests."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+")


class HashEmbedder:
    """Bag-of-words hashed into a fixed-size unit vector: texts sharing words are close."""

    model_id = "test/hash-embedder"

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension
        self.calls = 0
        self.texts_embedded = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                slot = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(),
                                      "little") % self.dimension
                out[row, slot] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out


class FakeEngine:
    """A language model that replies from a queue of token lists and records its prompts.

    Tokens are counted as whitespace-separated words of the rendered messages, so tests can
    reason about the context budget exactly.
    """

    model_id = "fake-engine"

    def __init__(self, replies: Sequence[Sequence[str]] = (), n_ctx: int = 4096) -> None:
        self.replies = [list(reply) for reply in replies]
        self.n_ctx = n_ctx
        self.prompts: list[list] = []

    def count_tokens(self, messages: list) -> int:
        return sum(len(m.content.split()) + 4 for m in messages)

    def stream(self, messages: list, params, cancel=None):  # type: ignore[no-untyped-def]
        from assistant.engines.engine import GenerationStats, TokenStream

        prompt_tokens = self.count_tokens(messages)
        assert prompt_tokens + params.max_tokens <= self.n_ctx, "context window exceeded"
        self.prompts.append(list(messages))
        reply = self.replies.pop(0) if self.replies else ["No", " reply."]
        stats = GenerationStats(prompt_tokens=prompt_tokens, stop_reason="stop")

        def pieces():  # type: ignore[no-untyped-def]
            for piece in reply[: params.max_tokens]:
                if cancel is not None and cancel.is_set():
                    stats.stop_reason = "cancelled"
                    return
                stats.completion_tokens += 1
                yield piece

        return TokenStream(pieces(), stats)


class GatedEngine(FakeEngine):
    """A :class:`FakeEngine` whose replies hold their first piece until ``release`` is set,
    and which counts how many replies stream at once (the model serves one at a time)."""

    def __init__(self, replies: Sequence[Sequence[str]] = (), n_ctx: int = 4096) -> None:
        import threading

        super().__init__(replies, n_ctx)
        self.release = threading.Event()
        self.streaming = threading.Event()  # set when a reply has begun (and waits)
        self.active = 0
        self.most_at_once = 0
        self._count = threading.Lock()

    def stream(self, messages: list, params, cancel=None):  # type: ignore[no-untyped-def]
        from assistant.engines.engine import TokenStream

        inner = super().stream(messages, params, cancel)

        def pieces():  # type: ignore[no-untyped-def]
            with self._count:
                self.active += 1
                self.most_at_once = max(self.most_at_once, self.active)
            self.streaming.set()
            try:
                while not self.release.wait(0.02):
                    if cancel is not None and cancel.is_set():
                        break
                yield from inner
            finally:
                with self._count:
                    self.active -= 1

        return TokenStream(pieces(), inner.stats)
