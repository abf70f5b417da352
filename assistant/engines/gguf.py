"""Read a GGUF file's header and metadata without loading the model (pure Python).

Used to check that a file is a readable GGUF before handing it to llama.cpp, and to read
facts such as the architecture, context length and chat template. Sizes are bounded, so a
damaged or hostile file gives a clear :class:`ModelError` instead of exhausting memory.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, BinaryIO

from assistant.errors import ModelError

MAGIC = b"GGUF"
_MAX_STRING = 16 * 1024 * 1024
_MAX_ARRAY = 10_000_000
_MAX_KEYS = 100_000
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
            10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


def _read(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise ModelError("invalid GGUF file: it ends too early (truncated?)")
    return data


def _unpack(handle: BinaryIO, fmt: str) -> Any:
    return struct.unpack(fmt, _read(handle, struct.calcsize(fmt)))[0]


def _string(handle: BinaryIO) -> str:
    length = _unpack(handle, "<Q")
    if length > _MAX_STRING:
        raise ModelError("invalid GGUF file: a metadata string is implausibly long")
    return _read(handle, length).decode("utf-8", errors="replace")


def _value(handle: BinaryIO, kind: int, keep: bool) -> Any:
    if kind in _SCALARS:
        return _unpack(handle, _SCALARS[kind])
    if kind == _STRING:
        return _string(handle)
    if kind == _ARRAY:
        item_kind = _unpack(handle, "<I")
        count = _unpack(handle, "<Q")
        if count > _MAX_ARRAY:
            raise ModelError("invalid GGUF file: a metadata array is implausibly long")
        if item_kind in _SCALARS and not keep:
            handle.seek(count * struct.calcsize(_SCALARS[item_kind]), 1)
            return count
        items = [_value(handle, item_kind, keep) for _ in range(count)]
        return items if keep else count
    raise ModelError(f"invalid GGUF file: unknown metadata type {kind}")


def _check_tensor_data(handle: BinaryIO, tensors: int, metadata: dict[str, Any],
                       size: int, name: str) -> None:
    """A :class:`ModelError` unless every tensor's data begins inside the file (a copy cut
    short passes the header but not this; llama.cpp would only fail when loading it)."""
    if tensors > _MAX_KEYS:
        raise ModelError("invalid GGUF file: implausible number of tensors")
    last = 0
    for _ in range(tensors):
        _string(handle)  # name
        dims = _unpack(handle, "<I")
        if dims > 8:
            raise ModelError("invalid GGUF file: a tensor with implausibly many dimensions")
        handle.seek(8 * dims + 4, 1)  # its shape, its type
        last = max(last, _unpack(handle, "<Q"))  # its offset within the data section
    alignment = int(metadata.get("general.alignment") or 32) or 32
    data_start = -(-handle.tell() // alignment) * alignment
    if tensors and data_start + last >= size:
        raise ModelError(f"invalid GGUF file {name}: its tensor data is cut short (truncated?)")


def read_metadata(path: Path, *, keep_arrays: bool = False) -> dict[str, Any]:
    """The GGUF metadata of ``path``; arrays are replaced by their length unless kept."""
    try:
        with path.open("rb") as handle:
            if handle.read(4) != MAGIC:
                raise ModelError(f"not a GGUF model file: {path.name}")
            version = _unpack(handle, "<I")
            if version not in (2, 3):
                raise ModelError(f"unsupported GGUF version {version} in {path.name}")
            tensors = _unpack(handle, "<Q")
            count = _unpack(handle, "<Q")
            if count > _MAX_KEYS:
                raise ModelError("invalid GGUF file: implausible number of metadata keys")
            metadata: dict[str, Any] = {"GGUF.version": version}
            for _ in range(count):
                key = _string(handle)
                metadata[key] = _value(handle, _unpack(handle, "<I"), keep_arrays)
            _check_tensor_data(handle, tensors, metadata, path.stat().st_size, path.name)
            return metadata
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror or exc}") from exc


def context_length(metadata: dict[str, Any]) -> int | None:
    """The context length the model was trained with, if the metadata states it."""
    architecture = metadata.get("general.architecture")
    value = metadata.get(f"{architecture}.context_length")
    return int(value) if isinstance(value, int) else None
