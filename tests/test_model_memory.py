"""Will a model fit: its KV cache sized as llama.cpp sizes it, from the GGUF metadata."""

from __future__ import annotations

from assistant.engines import gguf
from assistant.engines.memory import kv_cache_bytes
from assistant.engines.registry import default_model

SMOLLM2 = {"general.architecture": "llama", "llama.block_count": 30,
           "llama.embedding_length": 576, "llama.attention.head_count": 9,
           "llama.attention.head_count_kv": 3}


def test_the_default_model_kv_cache_is_what_llama_cpp_allocates() -> None:
    metadata = gguf.read_metadata(default_model().path)
    # llama.cpp, loading it with n_ctx=8192: "KV buffer size = 180.00 MiB" (K 90, V 90, f16);
    # with type_k=type_v=q8_0: "KV buffer size = 95.62 MiB" (K 47.81, V 47.81)
    assert kv_cache_bytes(metadata, 8192, "f16") == 188_743_680
    assert kv_cache_bytes(metadata, 8192, "q8_0") == 100_270_080
    assert kv_cache_bytes(metadata, 8192) == 188_743_680  # the engine's cache type


def test_kv_cache_is_layers_context_kv_heads_and_head_sizes_in_f16() -> None:
    assert kv_cache_bytes(SMOLLM2, 8192, "f16") == 188_743_680
    assert kv_cache_bytes(SMOLLM2, 4096, "f16") == 94_371_840
    explicit = {**SMOLLM2, "llama.attention.key_length": 128,
                "llama.attention.value_length": 96}
    assert kv_cache_bytes(explicit, 1024, "f16") == 30 * 1024 * 3 * (128 + 96) * 2
    no_gqa = {k: v for k, v in SMOLLM2.items() if k != "llama.attention.head_count_kv"}
    assert kv_cache_bytes(no_gqa, 1024, "f16") == 30 * 1024 * 9 * (64 + 64) * 2
    # q8_0: 32 values in 34 bytes
    assert kv_cache_bytes(no_gqa, 1024, "q8_0") == 30 * 1024 * 9 * (64 + 64) * 34 // 32


def test_the_value_head_size_defaults_to_width_over_heads_not_to_the_key_size() -> None:
    key_only = {**SMOLLM2, "llama.attention.key_length": 128}  # as llama.cpp: v = 576 / 9
    assert kv_cache_bytes(key_only, 1024, "f16") == 30 * 1024 * 3 * (128 + 64) * 2


def test_kv_heads_given_per_layer_are_summed() -> None:
    per_layer = {**SMOLLM2, "llama.block_count": 3, "llama.attention.head_count_kv": [1, 2, 0]}
    assert kv_cache_bytes(per_layer, 100, "f16") == (1 + 2 + 0) * 100 * (64 + 64) * 2


def test_missing_metadata_is_no_kv_cache_rather_than_an_error() -> None:
    assert kv_cache_bytes({}, 8192) == 0
