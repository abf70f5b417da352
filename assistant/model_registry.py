"""The registry of known models (``models/registry.json``) and the user's own GGUF files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistant.embedding import package_dir
from assistant.errors import ModelError
from assistant.paths import models_dir


@dataclass(frozen=True)
class ModelEntry:
    """A model Offgrid can use: where its file is and what it is."""

    id: str
    name: str
    role: str
    path: Path
    license: str
    context_length: int | None
    default: bool = False


def _entry(raw: dict[str, object], folder: Path) -> ModelEntry:
    package = raw.get("package")
    file = str(raw["file"])
    base = package_dir(str(package)) if package else folder
    return ModelEntry(
        id=str(raw["id"]), name=str(raw.get("name", raw["id"])), role=str(raw["role"]),
        path=base / file, license=str(raw.get("license", "unknown")),
        context_length=(int(raw["context_length"])  # type: ignore[call-overload]
                        if raw.get("context_length") else None),
        default=bool(raw.get("default", False)),
    )


def load_registry(folder: Path | None = None) -> list[ModelEntry]:
    """Registered models, then any other ``.gguf`` file found in the models folder."""
    folder = folder or models_dir()
    registry = folder / "registry.json"
    try:
        raw = json.loads(registry.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the model registry {registry}: {exc}") from exc
    entries = [_entry(item, folder) for item in raw.get("models", [])]
    known = {entry.path.resolve() for entry in entries}
    for gguf in sorted(folder.glob("*.gguf")):
        if gguf.resolve() not in known:
            entries.append(ModelEntry(id=gguf.stem, name=gguf.stem, role="chat", path=gguf,
                                      license="see the model's card", context_length=None))
    return entries


def default_model(role: str = "chat", folder: Path | None = None) -> ModelEntry:
    """The default model for a role; its file must exist."""
    for entry in load_registry(folder):
        if entry.role == role and entry.default:
            if not entry.path.exists():
                raise ModelError(f"the default {role} model file is missing: {entry.path}")
            return entry
    raise ModelError(f"no default {role} model in the registry")
