"""The local language model in llama.cpp: the only module that imports ``llama_cpp``.

:class:`LlamaEngine` loads one GGUF file and streams chat completions from it. It runs inside
the engine process (:mod:`assistant.engines.engine_server`), never in the app: llama.cpp's
native code can crash, and a crash there must cost a turn, not the window. A loaded model is not
thread-safe, so every call holds the engine's lock. llama.cpp keeps the evaluated tokens in its
KV cache, and a prompt that starts with the same tokens as the last one (the conversation so
far) is only evaluated from where it differs.
"""

from __future__ import annotations

import codecs
import ctypes
import hashlib
import logging
import os
import threading
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.engines import gguf
from assistant.engines.chat_template import ChatMessage, ChatTemplate
from assistant.engines.engine import (
    DEFAULT_CONTEXT,
    EngineSettings,
    GenerationParams,
    GenerationStats,
    TokenStream,
    check_model_file,
)
from assistant.engines.memory import check_fits
from assistant.errors import ModelError

if TYPE_CHECKING:  # imported when a model loads (the app never loads llama.cpp)
    from llama_cpp import LogitsProcessorList

# Prompt tokens evaluated per llama.cpp call, so that a cancel is noticed between two calls:
# the largest of PROMPT_CHUNKS that takes at most CANCEL_WITHIN_S at the model's last measured
# prompt speed (PROMPT_CHUNK before there is one). The fewer the calls, the closer to
# llama.cpp's own speed (the bundled model, 1,533-token prompt, 7 runs each in turn: 256 ->
# 491 tok/s, 512 -> 506, raw create_completion 505). Batches under 128 tokens cost far more
# per token (62 tokens at position 700: 286 tok/s, against 432 for 318), so a short tail joins
# the chunk before it.
PROMPT_CHUNKS = (512, 256, 128)
PROMPT_CHUNK = 256
CANCEL_WITHIN_S = 1.5
# Prompt speed is measured on evaluations of at least this many tokens (shorter ones are
# dominated by each call's fixed cost).
MEASURED_FROM = 256


def chunk_size(tokens_per_s: float | None) -> int:
    """Tokens per llama.cpp call at a prompt speed of ``tokens_per_s`` (None: not measured)."""
    if not tokens_per_s:
        return PROMPT_CHUNK
    fitting = [size for size in PROMPT_CHUNKS if size / tokens_per_s <= CANCEL_WITHIN_S]
    return max(fitting, default=min(PROMPT_CHUNKS))


def prompt_chunks(start: int, end: int, size: int = PROMPT_CHUNK) -> list[tuple[int, int]]:
    """The ``[begin, stop)`` ranges that evaluate tokens ``start`` to ``end``: ``size`` each,
    except that a tail shorter than half of ``size`` is added to the last one."""
    bounds = list(range(start, end, size))
    if not bounds:
        return []
    if len(bounds) > 1 and end - bounds[-1] < size // 2:
        bounds.pop()
    return list(zip(bounds, [*bounds[1:], end], strict=True))


# llama.cpp logs through this logger; only its errors are worth showing.
logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)

# GGUF ``general.file_type`` values whose CPU kernels are slow here, and the near-lossless
# format they are converted to once (measured on 2 cores with the bundled SmolLM2 Q4_1:
# prompt 235 -> 577 tok/s, decode 60 -> 81 tok/s, top-1 token agreement 96% with Q4_1 itself,
# as close as F16 of the same weights at 98%; Q4_0 would be faster still but agrees only 70%).
SLOW_FILE_TYPES = {3: "Q4_1"}
FAST_FILE_TYPE = (7, "Q8_0")
# Larger files are loaded as they are: the converted copy costs about twice their disk space.
MAX_CONVERTED_BYTES = 2 * 1024**3


def fast_weights_path(model_path: Path, metadata: dict[str, Any], cache: Path) -> Path:
    """The copy of ``model_path`` in a fast CPU weight format, converting it the first time;
    ``model_path`` itself when its format is fast already, or it is too large to copy."""
    stat = model_path.stat()
    if (metadata.get("general.file_type") not in SLOW_FILE_TYPES
            or stat.st_size > MAX_CONVERTED_BYTES):
        return model_path
    key = hashlib.sha256(
        f"{model_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    target = cache / f"{model_path.stem}-{key}.{FAST_FILE_TYPE[1]}.gguf"
    if target.is_file():
        return target
    import llama_cpp

    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = FAST_FILE_TYPE[0]
    params.allow_requantize = True
    params.nthread = max(1, os.cpu_count() or 1)
    try:
        status = llama_cpp.llama_model_quantize(
            str(model_path).encode(), str(partial).encode(), ctypes.byref(params))
        if status != 0:
            return model_path  # llama.cpp cannot convert it: load the original
        os.replace(partial, target)  # atomic: a crash never leaves a half-written copy
    except OSError:
        return model_path  # e.g. a full disk: the original still works, only slower
    finally:
        partial.unlink(missing_ok=True)
    return target


@contextmanager
def _weight_layout(*, safe: bool) -> Iterator[None]:
    """While inside, models load without CPU-specific weight layouts if ``safe``.

    ``Llama()`` takes no argument for llama.cpp's ``use_extra_bufts``; it builds its model
    parameters from ``llama_model_default_params()``, so that is wrapped for the load.
    """
    import llama_cpp.llama_cpp as native

    fields = {name for name, *_ in native.llama_model_params._fields_}
    if not safe or "use_extra_bufts" not in fields:
        yield
        return
    original = native.llama_model_default_params

    def safe_defaults() -> Any:
        params = original()
        params.use_extra_bufts = False
        return params

    native.llama_model_default_params = safe_defaults
    try:
        yield
    finally:
        native.llama_model_default_params = original


class LlamaEngine:
    """A GGUF chat model loaded with llama.cpp."""

    def __init__(self, settings: EngineSettings) -> None:
        metadata = check_model_file(settings.model_path)
        trained = gguf.context_length(metadata) or DEFAULT_CONTEXT
        self.n_ctx = settings.n_ctx or min(trained, DEFAULT_CONTEXT)
        check_fits(settings.model_path, metadata, self.n_ctx)  # refuse before converting
        self.model_path = settings.model_path
        self.model_id = settings.model_path.stem
        self.safe_layout = settings.safe_layout
        self._lock = threading.Lock()
        self._closed = False
        self._end_tokens: np.ndarray | None = None
        self._prompt_rate: float | None = None  # prompt tokens/s, last measured
        threads = settings.n_threads or max(1, os.cpu_count() or 1)
        # The file llama.cpp actually runs (a converted copy, or the model itself).
        self.weights_path = settings.model_path
        try:
            import llama_cpp
            self._llama_cpp = llama_cpp
            if settings.weights_cache is not None:
                self.weights_path = fast_weights_path(
                    settings.model_path, metadata, settings.weights_cache)
                if self.weights_path != settings.model_path:
                    check_fits(self.weights_path, metadata, self.n_ctx)  # the copy is larger
            with _weight_layout(safe=settings.safe_layout):
                self._llm = llama_cpp.Llama(
                    model_path=str(self.weights_path), n_ctx=self.n_ctx, n_threads=threads,
                    n_threads_batch=threads, seed=settings.seed, flash_attn=True,
                    verbose=False,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelError(
                f"llama.cpp could not load {settings.model_path.name}: {exc} "
                "(a damaged file, or an architecture this llama.cpp does not support)"
            ) from exc
        self.template = ChatTemplate(
            str(metadata.get("tokenizer.chat_template") or "") or None,
            bos_token=self._piece(self._llm.token_bos()),
            eos_token=self._piece(self._llm.token_eos()),
        )

    def close(self) -> None:
        """Free the model's memory now rather than at interpreter exit (after a call under
        way; any call after this fails cleanly)."""
        with self._lock:
            self._closed = True
            self._llm.close()

    def clear_cache(self) -> None:
        """Forget the evaluated prompt, so the next one starts cold (for benchmarks)."""
        with self._lock:
            self._llm.reset()
            self._llm._ctx.kv_cache_clear()

    def _hold_end(self, prompt_tokens: int, min_tokens: int) -> LogitsProcessorList | None:
        """A logits processor that forbids ending the turn before ``min_tokens`` tokens."""
        if min_tokens <= 0:
            return None
        if self._end_tokens is None:
            vocab = self._llm._model.vocab
            self._end_tokens = np.array(
                [t for t in range(self._llm.n_vocab())
                 if self._llama_cpp.llama_vocab_is_eog(vocab, t)], dtype=np.intc)

        def hold(input_ids: Any, logits: np.ndarray) -> np.ndarray:
            if len(input_ids) - prompt_tokens < min_tokens:
                logits[self._end_tokens] = -np.inf
            return logits

        return self._llama_cpp.LogitsProcessorList([hold])

    @property
    def prompt_chunk(self) -> int:
        """Prompt tokens per llama.cpp call now (see :func:`chunk_size`)."""
        return chunk_size(self._prompt_rate)

    def _evaluate_prompt(self, tokens: list[int], cancel: threading.Event | None) -> int:
        """Evaluate the part of ``tokens`` not in the KV cache, a chunk at a time, so a cancel
        is seen within a second or so; returns how many tokens were already cached."""
        llm = self._llm
        cached = _common_prefix(llm._input_ids[: llm.n_tokens].tolist(), tokens)
        if cached == len(tokens) == llm.n_tokens and not llm._requires_eval:
            return cached
        llm.n_tokens = min(cached, len(tokens) - 1)  # eval() drops the KV cache beyond this
        evaluated, started = 0, time.perf_counter()
        for begin, stop in prompt_chunks(llm.n_tokens, len(tokens), self.prompt_chunk):
            if cancel is not None and cancel.is_set():
                break
            llm.eval(tokens[begin:stop])
            evaluated += stop - begin
        if evaluated >= MEASURED_FROM:
            self._prompt_rate = evaluated / (time.perf_counter() - started)
        return cached

    def _piece(self, token: int) -> str:
        if token < 0:
            return ""
        return self._llm.detokenize([token], special=True).decode("utf-8", errors="replace")

    def tokenize(self, messages: list[ChatMessage]) -> list[int]:
        """The prompt tokens for ``messages`` under the model's chat template."""
        prompt = self.template.render(messages)
        add_bos = bool(self._llm._model.add_bos_token())
        if self.template.bos_token and prompt.startswith(self.template.bos_token):
            add_bos = False  # the template wrote it already
        return self._llm.tokenize(prompt.encode("utf-8"), add_bos=add_bos, special=True)

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        """Prompt tokens that ``messages`` render to."""
        return len(self.tokenize(messages))

    def detokenize(self, tokens: list[int]) -> str:
        """The text of ``tokens`` (invalid UTF-8 at a cut is dropped)."""
        return self._llm.detokenize(tokens).decode("utf-8", errors="ignore")

    def raw_completion(self, prompt: str,
                       params: GenerationParams) -> tuple[int, float, float, int]:
        """The bench's reference on this very loaded model: raw llama-cpp-python
        ``create_completion(stream=True)``, cold; tokens, seconds to the first and the last
        token, and prompt tokens. (Two loaded copies of one file differ by up to 8% in prompt
        speed, which would swamp the few percent the bench compares.)"""
        with self._lock:
            llm = self._llm
            llm.reset()
            started = time.perf_counter()
            first = last = 0.0
            count = 0
            for _chunk in llm.create_completion(
                    prompt, max_tokens=params.max_tokens, temperature=params.temperature,
                    top_p=params.top_p, top_k=params.top_k,
                    repeat_penalty=params.repeat_penalty, seed=0, stream=True):
                last = time.perf_counter() - started
                if count == 0:
                    first = last
                count += 1
            prompt_tokens = len(llm.tokenize(prompt.encode("utf-8"), special=True))
        return count, first, last, prompt_tokens

    def prime(self, system: str) -> int:
        """Evaluate the opening every prompt shares (the system message and the user turn's
        header) into the KV cache now, so the first question only pays for its own tokens;
        returns how many tokens that opening has."""
        return self.prime_conversation([ChatMessage("system", system)])

    def prime_conversation(self, messages: list[ChatMessage]) -> int:
        """Evaluate the opening of the next prompt that continues ``messages`` (they, then
        the next user turn's header) into the KV cache now: a follow-up question then only
        pays for its own tokens. Returns how many tokens that opening has."""
        with self._lock:  # all of it: the model may be closed from another thread meanwhile
            if self._closed:
                raise ModelError("the model was closed")
            one = self.tokenize([*messages, ChatMessage("user", "A")])
            other = self.tokenize([*messages, ChatMessage("user", "B")])
            opening = one[: _common_prefix(one, other)]
            if len(opening) > 1:
                self._evaluate_prompt(opening, None)
        return len(opening)

    def stream(self, messages: list[ChatMessage], params: GenerationParams,
               cancel: threading.Event | None = None) -> TokenStream:
        """Stream the reply to ``messages``; ``cancel`` stops it between two tokens."""
        stats = GenerationStats()
        return TokenStream(self._generate(messages, params, cancel, stats), stats)

    def _generate(self, messages: list[ChatMessage], params: GenerationParams,
                  cancel: threading.Event | None, stats: GenerationStats) -> Iterator[str]:
        tokens = self.tokenize(messages)
        room = self.n_ctx - len(tokens)
        if room < 16:
            raise ModelError(
                f"the prompt takes {len(tokens)} of the model's {self.n_ctx} context tokens; "
                "no room is left for an answer"
            )
        max_tokens = min(params.max_tokens, room)
        stats.prompt_tokens = len(tokens)
        with self._lock:
            llm = self._llm
            started = time.perf_counter()
            stats.cached_tokens = self._evaluate_prompt(tokens, cancel)
            if cancel is not None and cancel.is_set():
                stats.stop_reason = "cancelled"
                stats.total_ms = (time.perf_counter() - started) * 1000
                return
            decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            stats.stop_reason = "length"
            try:
                for token in self._sample(tokens, params, max_tokens):
                    if stats.completion_tokens == 0:
                        stats.ttft_ms = (time.perf_counter() - started) * 1000
                    if cancel is not None and cancel.is_set():
                        stats.stop_reason = "cancelled"
                        break
                    if self._llama_cpp.llama_vocab_is_eog(llm._model.vocab, token):
                        stats.stop_reason = "stop"
                        break
                    stats.completion_tokens += 1
                    piece = decoder.decode(llm.detokenize([token], special=False))
                    if piece:
                        yield piece
                    if stats.completion_tokens >= max_tokens:
                        break
                tail = decoder.decode(b"", final=True)
                if tail:
                    yield tail
            finally:
                stats.total_ms = (time.perf_counter() - started) * 1000

    def _sample(self, tokens: list[int], params: GenerationParams,
                max_tokens: int) -> Iterator[int]:
        """Sampled tokens after the (already evaluated) prompt ``tokens``.

        The first ``min_tokens`` come through a Python logits processor that forbids ending
        the turn; it costs time on every token, so the rest come from a second ``generate()``
        without it, which finds the tokens so far in the KV cache.
        """
        def generate(prompt: list[int], hold: LogitsProcessorList | None = None
                     ) -> Generator[int, Any, None]:
            return self._llm.generate(
                prompt, reset=True, top_k=params.top_k, top_p=params.top_p,
                temp=params.temperature, repeat_penalty=params.repeat_penalty,
                logits_processor=hold)

        held = min(params.min_tokens, max_tokens)
        produced: list[int] = []
        if held > 0:
            generator = generate(tokens, self._hold_end(len(tokens), held))
            try:
                for token in generator:
                    produced.append(token)
                    yield token
                    if len(produced) >= held:
                        break
            finally:
                generator.close()
        generator = generate(tokens + produced)
        try:
            yield from generator
        finally:
            generator.close()


def _common_prefix(cached: list[int], tokens: list[int]) -> int:
    count = 0
    for a, b in zip(cached, tokens, strict=False):
        if a != b:
            break
        count += 1
    return count
