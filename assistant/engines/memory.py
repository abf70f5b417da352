"""Will a model fit? Its weights and its context's KV cache against the memory free now.

A model larger than the free memory does not fail cleanly: llama.cpp maps the weights and the
machine starts swapping, or the system kills the app. So a model is refused before loading
when its estimate exceeds what the system reports as available.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.errors import ModelError
from assistant.system.memory_use import available_bytes
from assistant.text.formatting import human_size

# Compute buffers, the tokenizer and llama.cpp's own allocations beyond weights and KV cache.
OVERHEAD_BYTES = 300 * 1024 * 1024
# Bytes per cached value of each KV cache type: q8_0 stores 32 values in 34 bytes (int8 and one
# f16 scale). The engine keeps f16 (:data:`KV_CACHE_TYPE`): q8_0 would halve the cache, but on
# a 2-core Xeon it halved prompt speed too (SmolLM2, 2,500 tokens: 440 against 205 tok/s; q8_0
# keys alone, 104).
KV_BYTES_PER_VALUE = {"f16": 2.0, "q8_0": 34 / 32}
KV_CACHE_TYPE = "f16"


def kv_cache_bytes(metadata: dict[str, Any], n_ctx: int, cache_type: str = KV_CACHE_TYPE) -> int:
    """The K and V cache of ``n_ctx`` tokens, from the GGUF metadata, as llama.cpp sizes it:
    the sum over layers of ``n_ctx × (n_embd_k_gqa + n_embd_v_gqa)`` values, each of
    :data:`KV_BYTES_PER_VALUE` bytes for ``cache_type``.

    A layer's ``n_embd_k_gqa`` is its KV heads × the key head size (``attention.key_length``,
    else ``embedding_length / head_count``); the value head size defaults the same way, not to
    the key's. A head count is one number or one per layer; KV heads default to the heads.
    """
    arch = str(metadata.get("general.architecture", ""))
    layers = int(metadata.get(f"{arch}.block_count") or 0)

    def per_layer(key: str) -> list[int] | None:
        value = metadata.get(f"{arch}.{key}")
        if isinstance(value, list):
            return [int(v) for v in value] if len(value) == layers else None
        return None if value is None else [int(value)] * layers

    heads = per_layer("attention.head_count") or [1] * layers
    kv_heads = per_layer("attention.head_count_kv") or heads
    width, first_heads = int(metadata.get(f"{arch}.embedding_length") or 0), heads[:1]
    head_size = width // first_heads[0] if first_heads and first_heads[0] else 0
    key = int(metadata.get(f"{arch}.attention.key_length") or head_size)
    value = int(metadata.get(f"{arch}.attention.value_length") or head_size)
    return round(sum(kv_heads) * (key + value) * n_ctx * KV_BYTES_PER_VALUE[cache_type])


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
