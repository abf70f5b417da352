"""GGUF metadata reading and the model registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.engines.gguf import context_length, read_metadata
from assistant.engines.registry import default_model, load_registry
from assistant.errors import ModelError


def test_the_bundled_chat_model_is_a_readable_gguf() -> None:
    entry = default_model("chat")
    assert entry.path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and entry.path.is_file()
    metadata = read_metadata(entry.path)
    assert metadata["general.architecture"] == "llama"
    assert context_length(metadata) == entry.context_length == 8192
    assert "tokenizer.chat_template" in metadata


def test_the_embedding_model_ships_in_its_package() -> None:
    entry = default_model("embedding")
    assert (entry.path / "model.safetensors").is_file()


@pytest.mark.parametrize(("content", "message"), [
    (b"", "not a GGUF"),
    (b"PK\x03\x04 zip file", "not a GGUF"),
    (b"GGUF\x03\x00\x00\x00\x01\x00", "truncated"),
    (b"GGUF\x09\x00\x00\x00" + b"\x00" * 16, "unsupported GGUF version 9"),
])
def test_bad_model_files_give_clear_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=message):
        read_metadata(path)


def test_a_truncated_real_model_is_rejected(tmp_path: Path) -> None:
    source = default_model("chat").path
    path = tmp_path / "cut.gguf"
    path.write_bytes(source.read_bytes()[:50_000])
    with pytest.raises(ModelError, match="truncated"):
        read_metadata(path)


def test_a_real_model_cut_after_its_header_is_rejected_by_its_tensor_offsets(
        tmp_path: Path) -> None:
    source = default_model("chat").path.read_bytes()
    whole = tmp_path / "whole.gguf"
    whole.write_bytes(source)
    read_metadata(whole)  # the whole file passes
    for keep in (3_000_000, len(source) // 2):  # the header and metadata whole, data cut
        path = tmp_path / f"cut-{keep}.gguf"
        path.write_bytes(source[:keep])
        with pytest.raises(ModelError, match=f"cut-{keep}.gguf: its tensor data is cut short"):
            read_metadata(path)


def test_user_gguf_files_in_the_models_folder_are_listed(tmp_path: Path) -> None:
    (tmp_path / "my-model.gguf").write_bytes(b"GGUF")
    ids = [entry.id for entry in load_registry(tmp_path)]
    assert ids[-1] == "my-model" and "smollm2-135m-instruct-q4_1" in ids
