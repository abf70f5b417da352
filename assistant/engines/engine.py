"""What the answer pipeline needs from a language model, and the settings to load one.

The model itself runs in its own process (:mod:`assistant.engines.engine_process`), where
:mod:`assistant.engines.llama_engine`, the only module that imports ``llama_cpp``, loads it. Nothing
here loads native code.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from assistant.engines import gguf
from assistant.engines.chat_template import ChatMessage
from assistant.errors import ModelError

# A model's context is its own length capped at this (a setting chooses another). Prompts here
# take 400-1,500 tokens and a conversation is compacted when it no longer fits; each 4,096
# tokens of SmolLM2's f16 KV cache hold 90 MB.
DEFAULT_CONTEXT = 4096


@dataclass(frozen=True)
class EngineSettings:
    """How to load a model: ``n_ctx`` None means the model's own length, capped at
    :data:`DEFAULT_CONTEXT`.

    With a ``weights_cache`` folder, a model stored in a weight format that is slow on CPUs
    (:data:`SLOW_FILE_TYPES`) is converted once to Q8_0 there and the copy is loaded instead.
    """

    model_path: Path
    n_ctx: int | None = None
    n_threads: int | None = None
    seed: int = 0
    weights_cache: Path | None = None
    # Load without llama.cpp's CPU-specific (repacked) weight layouts: slower on some CPUs,
    # but those layouts crash on others (AMX on some Xeons).
    safe_layout: bool = False


@dataclass(frozen=True)
class GenerationParams:
    """Sampling settings for one answer."""

    max_tokens: int = 320
    temperature: float = 0.1
    top_p: float = 0.9
    top_k: int = 40
    repeat_penalty: float = 1.0
    # Small models often open with "The answer is:" and stop; no end of turn before this many.
    min_tokens: int = 8


@dataclass
class GenerationStats:
    """What one generation cost: tokens, reuse of the cached prefix, and timings."""

    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    ttft_ms: float = 0.0
    total_ms: float = 0.0
    stop_reason: str = ""

    @property
    def decode_tokens_per_s(self) -> float:
        """Generated tokens per second after the first token."""
        decode_s = (self.total_ms - self.ttft_ms) / 1000
        if self.completion_tokens <= 1 or decode_s <= 0:
            return 0.0
        return round((self.completion_tokens - 1) / decode_s, 1)


class Engine(Protocol):
    """What the answer pipeline needs from a language model (the real one or a fake)."""

    model_id: str

    @property
    def n_ctx(self) -> int:
        """The context window in tokens (an attribute or a property)."""
        ...

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        """Prompt tokens that ``messages`` render to."""
        ...

    def stream(self, messages: list[ChatMessage], params: GenerationParams,
               cancel: threading.Event | None = None) -> TokenStream:
        """Start generating the assistant's reply to ``messages``."""
        ...


class TokenStream:
    """An iterator of text pieces; ``stats`` is complete once iteration ends."""

    def __init__(self, pieces: Iterator[str], stats: GenerationStats) -> None:
        self._pieces = pieces
        self.stats = stats

    def __iter__(self) -> Iterator[str]:
        return self._pieces

    def text(self) -> str:
        """Consume the stream and return the whole reply."""
        return "".join(self._pieces)

    def stop(self, reason: str) -> None:
        """End generation early (the caller stops reading) and record why."""
        close = getattr(self._pieces, "close", None)
        if close is not None:
            close()
        self.stats.stop_reason = reason


def check_model_path(path: Path) -> None:
    """A :class:`ModelError` unless ``path`` is an existing file (nothing is read)."""
    if not path.exists():
        raise ModelError(f"model file not found: {path}")
    if not path.is_file():
        raise ModelError(f"not a model file: {path}")


def check_model_file(path: Path) -> dict[str, Any]:
    """The GGUF metadata of ``path``, or a :class:`ModelError` saying why it is unusable."""
    check_model_path(path)
    metadata = gguf.read_metadata(path)
    if "general.architecture" not in metadata:
        raise ModelError(f"{path.name} is a GGUF file without an architecture: not a model")
    return metadata
