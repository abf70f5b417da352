"""Will a model fit? Its weights and its context's KV cache against the memory free now.

A model larger than the free memory does not fail cleanly: llama.cpp maps the weights and the
machine starts swapping, or the system kills the app. So a model is refused before loading
when its estimate exceeds what the system reports as available.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.errors import ModelError
from assistant.text.formatting import human_size

# Compute buffers, the tokenizer and llama.cpp's own allocations beyond weights and KV cache.
OVERHEAD_BYTES = 300 * 1024 * 1024


def kv_cache_bytes(metadata: dict[str, Any], n_ctx: int) -> int:
    """The KV cache of ``n_ctx`` tokens (16-bit keys and values), from the GGUF metadata."""
    arch = str(metadata.get("general.architecture", ""))

    def number(key: str, default: int = 0) -> int:
        value = metadata.get(f"{arch}.{key}", default)
        return int(value[0] if isinstance(value, list) and value else value or default)

    layers, width = number("block_count"), number("embedding_length")
    heads = number("attention.head_count", 1) or 1
    kv_heads = number("attention.head_count_kv", heads) or heads
    key = number("attention.key_length", width // heads)
    value = number("attention.value_length", key)
    return layers * n_ctx * kv_heads * (key + value) * 2


def available_bytes() -> int | None:
    """Memory the system can give a new program now (psutil: ``MemAvailable`` on Linux, the
    free and reclaimable pages on macOS and Windows); ``None`` if it cannot be read, and then
    no model is refused for want of memory."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except (ImportError, OSError, RuntimeError, AttributeError, ValueError):
        return None


def check_fits(path: Path, metadata: dict[str, Any], n_ctx: int,
               available: int | None = None) -> int:
    """The bytes ``path`` needs with an ``n_ctx`` context; :class:`ModelError` if that is
    more than the memory available."""
    weights = path.stat().st_size
    kv = kv_cache_bytes(metadata, n_ctx)
    need = weights + kv + OVERHEAD_BYTES
    free = available if available is not None else available_bytes()
    if free is not None and need > free:
        raise ModelError(
            f"{path.name} needs about {human_size(need)} of memory (weights "
            f"{human_size(weights)}, a {n_ctx:,}-token context {human_size(kv)}), but only "
            f"{human_size(free)} is free: close other programs, choose a smaller model or a "
            "shorter context")
    return need
