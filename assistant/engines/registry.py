"""The registry of known models (bundled ``registry.json``) and the user's own GGUF files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistant.engines.embedding import package_dir
from assistant.engines.gguf import context_length
from assistant.errors import ModelError
from assistant.system.files import write_atomic
from assistant.system.paths import models_dir, registry_file


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


def _entry(raw: dict[str, object]) -> ModelEntry:
    # Registered models ship inside Python packages; a path relative to the registry would
    # point into Offgrid's own installed package, where no model file is.
    if not raw.get("package"):
        raise ModelError(f"the model registry entry '{raw.get('id')}' names no package")
    return ModelEntry(
        id=str(raw["id"]), name=str(raw.get("name", raw["id"])), role=str(raw["role"]),
        path=package_dir(str(raw["package"])) / str(raw["file"]),
        license=str(raw.get("license", "unknown")),
        context_length=(int(raw["context_length"])  # type: ignore[call-overload]
                        if raw.get("context_length") else None),
        default=bool(raw.get("default", False)),
    )


def load_registry(folder: Path | None = None) -> list[ModelEntry]:
    """Registered models, then any other ``.gguf`` file in ``folder`` (default: ``models/``)."""
    registry = registry_file()
    try:
        raw = json.loads(registry.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the model registry {registry}: {exc}") from exc
    entries = [_entry(item) for item in raw.get("models", [])]
    folder = folder or models_dir()
    if folder is None:
        return entries
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


USER_MODELS_FILE = "models.json"


def user_models(data_dir: Path) -> list[ModelEntry]:
    """The GGUF files the user registered with ``assistant models add``."""
    try:
        raw = json.loads((data_dir / USER_MODELS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {data_dir / USER_MODELS_FILE}: {exc}") from exc
    return [ModelEntry(id=str(item["id"]), name=str(item["name"]), role="chat",
                       path=Path(item["path"]), license="see the model's card",
                       context_length=item.get("context_length"))
            for item in raw.get("models", [])]


def all_models(data_dir: Path) -> list[ModelEntry]:
    """Bundled and registered chat models, the default first."""
    bundled = [entry for entry in load_registry() if entry.role == "chat"]
    return bundled + user_models(data_dir)


def add_user_model(data_dir: Path, path: Path) -> ModelEntry:
    """Register a GGUF file after checking that it is a readable model; returns its entry."""
    from assistant.engines.engine import check_model_file  # llm imports llama_cpp lazily

    path = Path(path).expanduser().absolute()
    metadata = check_model_file(path)
    entries = [entry for entry in user_models(data_dir) if entry.path != path]
    name = str(metadata.get("general.name") or path.stem)
    entry = ModelEntry(id=path.stem, name=name, role="chat", path=path,
                       license=str(metadata.get("general.license") or "see the model's card"),
                       context_length=context_length(metadata))
    entries.append(entry)
    payload = {"models": [{"id": e.id, "name": e.name, "path": str(e.path),
                           "context_length": e.context_length} for e in entries]}
    write_atomic(data_dir / USER_MODELS_FILE, json.dumps(payload, indent=2))
    return entry


def resolve_model(data_dir: Path, name_or_path: str | None) -> Path:
    """The file of a model given by id, name or path; the default model for None."""
    if not name_or_path:
        return default_model().path
    for entry in all_models(data_dir):
        if name_or_path in (entry.id, entry.name):
            return entry.path
    return Path(name_or_path).expanduser()
