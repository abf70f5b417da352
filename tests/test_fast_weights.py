"""The bundled Q4_1 model is converted once to Q8_0, which llama.cpp runs faster on CPUs."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.engines import gguf
from assistant.engines.chat_template import ChatMessage
from assistant.engines.engine import GenerationParams
from assistant.engines.llama_engine import fast_weights_path
from assistant.engines.registry import default_model
from tests.local_engine import local_engine

pytestmark = pytest.mark.integration


def test_the_default_model_is_converted_once_and_the_copy_answers(tmp_path: Path) -> None:
    source = default_model().path
    metadata = gguf.read_metadata(source)
    assert metadata["general.file_type"] == 3  # Q4_1, the slow format
    cache = tmp_path / "model-cache"
    converted = fast_weights_path(source, metadata, cache)
    assert converted.parent == cache and converted.name.endswith(".Q8_0.gguf")
    assert gguf.read_metadata(converted)["general.file_type"] == 7
    assert [p.name for p in cache.iterdir()] == [converted.name]  # no partial file left
    written = converted.stat().st_mtime_ns
    assert fast_weights_path(source, metadata, cache) == converted
    assert converted.stat().st_mtime_ns == written  # reused, not converted again
    # a model already in a fast format is loaded as it is
    assert fast_weights_path(converted, gguf.read_metadata(converted), cache) == converted

    engine = local_engine(source, n_ctx=1024, weights_cache=cache)
    try:
        assert engine.weights_path == converted
        assert engine.model_id == source.stem
        reply = engine.stream([ChatMessage("user", "Say hello.")],
                              GenerationParams(max_tokens=12)).text()
        assert reply.strip()
    finally:
        engine.close()


def test_a_file_llama_cpp_cannot_convert_is_loaded_as_it_is(tmp_path: Path) -> None:
    fake = tmp_path / "broken.gguf"
    fake.write_bytes(b"GGUF" + b"\0" * 64)
    metadata = {"general.file_type": 3, "general.architecture": "llama"}
    assert fast_weights_path(fake, metadata, tmp_path / "cache") == fake
    assert not any((tmp_path / "cache").glob("*"))


def test_priming_evaluates_the_shared_opening_before_the_first_question(tmp_path: Path) -> None:
    from assistant.answers.prompting import SYSTEM_PROMPT

    engine = local_engine(default_model().path, n_ctx=1024, weights_cache=tmp_path / "cache")
    try:
        opening = engine.prime(SYSTEM_PROMPT)
        system_only = engine.count_tokens([ChatMessage("system", SYSTEM_PROMPT)])
        # the system turn and the user turn's header (not the assistant header it counts)
        assert opening > 40 and abs(opening - system_only) <= 8
        stream = engine.stream([ChatMessage("system", SYSTEM_PROMPT),
                                ChatMessage("user", "What is hashprice?")],
                               GenerationParams(max_tokens=4))
        stream.text()
        assert stream.stats.cached_tokens == opening
    finally:
        engine.close()


def test_priming_a_closed_model_is_a_clear_error(tmp_path: Path) -> None:
    from assistant.errors import ModelError

    engine = local_engine(default_model().path, n_ctx=512, weights_cache=tmp_path / "cache")
    messages = [ChatMessage("system", "Be brief."), ChatMessage("user", "Hi"),
                ChatMessage("assistant", "Hello [1].")]
    assert engine.prime_conversation(messages) > 10
    engine.close()  # as the app closes it while a background priming may start
    with pytest.raises(ModelError, match="closed"):
        engine.prime_conversation(messages)
