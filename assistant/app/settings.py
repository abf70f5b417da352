"""The user's settings, kept as JSON in the data directory."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from assistant.answers.prompting import SYSTEM_PROMPT
from assistant.errors import AssistantError
from assistant.system.files import PRIVATE, write_atomic

SETTINGS_FILE = "settings.json"
THEMES = ("light", "dark", "system")  # system: follow the desktop's light or dark setting
API_HOST = "127.0.0.1"  # the local API's address by default: this computer only
API_PORT = 8765


@dataclass(frozen=True)
class Settings:
    """Generation, model and appearance settings; 0 for context or threads means automatic."""

    temperature: float = 0.1
    max_tokens: int = 320
    top_k: int = 40
    context_length: int = 0
    threads: int = 0
    system_prompt: str = SYSTEM_PROMPT
    theme: str = "light"
    font_size: int = 11
    model_path: str = ""
    # A model server to answer with (OpenAI-compatible), instead of the model above
    remote_url: str = ""
    remote_model: str = ""
    # A Chroma server the library is shared on (this data directory keeps a mirror of it)
    chroma_url: str = ""
    # The local API served by the window (off by default), and the bearer token it asks of
    # requests when it listens on an address other machines reach
    api_enabled: bool = False
    api_host: str = API_HOST
    api_port: int = API_PORT
    api_token: str = ""

    def checked(self) -> Settings:
        """These settings, or an :class:`AssistantError` naming the first bad value."""
        for name in _RULES:
            problem = _problem(name, getattr(self, name))
            if problem:
                raise AssistantError(problem)
        return self


# Each setting's rule: whether a value of the right type is allowed, and what to say if not.
_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "temperature": (lambda v: 0.0 <= v <= 2.0, "temperature must be between 0 and 2"),
    "max_tokens": (lambda v: 16 <= v <= 8192, "max tokens must be between 16 and 8192"),
    "top_k": (lambda v: 1 <= v <= 1000, "top-k must be between 1 and 1000"),
    "context_length": (lambda v: v == 0 or 512 <= v <= 131072,
                       "context length must be 0 (the model's own) or 512 to 131072"),
    "threads": (lambda v: 0 <= v <= 256, "threads must be 0 (automatic) or 1 to 256"),
    "system_prompt": (lambda v: bool(v.strip()), "the system prompt cannot be empty"),
    "theme": (lambda v: v in THEMES, f"theme must be one of {', '.join(THEMES)}"),
    "font_size": (lambda v: 6 <= v <= 40, "font size must be between 6 and 40"),
    "model_path": (lambda v: True, ""),
    "remote_url": (lambda v: not v or v.startswith(("http://", "https://")),
                   "the model server's address must start with http:// or https://"),
    "remote_model": (lambda v: True, ""),
    "chroma_url": (lambda v: not v or v.startswith(("http://", "https://")),
                   "the Chroma server's address must start with http:// or https://"),
    "api_enabled": (lambda v: True, ""),
    "api_host": (lambda v: bool(v.strip()) and not any(c.isspace() for c in v),
                 "the local API's host must be an address such as 127.0.0.1"),
    "api_port": (lambda v: 1 <= v <= 65535, "the local API's port must be between 1 and 65535"),
    "api_token": (lambda v: not v or len(v) >= 16,
                  "the local API's token must be at least 16 characters long"),
}
_FIELD_TYPES = {f.name: str(f.type) for f in fields(Settings)}  # "float", "int", "str", "bool"
_SECRET = {"api_token"}  # a bad value of these is never repeated in a message
_KINDS = {"float": "a number", "int": "a whole number", "str": "text", "bool": "true or false"}


def _problem(name: str, value: object) -> str:
    """What is wrong with ``value`` for the setting ``name`` (its type, then its rule), or ""."""
    kind = _FIELD_TYPES[name]
    if not _of_kind(kind, value):
        return f"{name.replace('_', ' ')} must be {_KINDS[kind]}"
    allowed, message = _RULES[name]
    return "" if allowed(value) else message


def _of_kind(kind: str, value: object) -> bool:
    """Whether a JSON value has a setting's type (a whole number will do for a number; true
    and false are not numbers)."""
    if kind == "bool" or isinstance(value, bool):
        return kind == "bool" and isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float)
    return isinstance(value, int if kind == "int" else str)


@dataclass(frozen=True)
class LoadedSettings:
    """The saved settings, and what was wrong in the file (each named value was reset)."""

    settings: Settings
    problems: tuple[str, ...] = ()

    def notice(self) -> str:
        """A message for the user naming what was reset, or "" if the file was sound."""
        if not self.problems:
            return ""
        return (f"Some saved settings in {SETTINGS_FILE} were not valid and were reset to "
                f"their defaults: {'; '.join(self.problems)}.")


def read_settings(data_dir: Path) -> LoadedSettings:
    """The saved settings, each bad value reset to its default alone (and named), unknown keys
    ignored; the defaults for a missing or unreadable file."""
    path = data_dir / SETTINGS_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return LoadedSettings(Settings())
    except (OSError, ValueError) as exc:
        return LoadedSettings(Settings(), (f"the file could not be read ({_reason(exc)}), so "
                                           "every setting is at its default",))
    if not isinstance(raw, dict):
        return LoadedSettings(Settings(), ("the file does not hold a JSON object, so every "
                                           "setting is at its default",))
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name in _FIELD_TYPES:
        if name not in raw:
            continue
        problem = _problem(name, raw[name])
        if problem:
            shown = "" if name in _SECRET else f" (it was {_shown(raw[name])})"
            problems.append(problem + shown)
        else:
            values[name] = float(raw[name]) if _FIELD_TYPES[name] == "float" else raw[name]
    return LoadedSettings(replace(Settings(), **values), tuple(problems))


def load_settings(data_dir: Path) -> Settings:
    """The saved settings (see :func:`read_settings`), without what was wrong with them."""
    return read_settings(data_dir).settings


def _reason(exc: OSError | ValueError) -> str:
    """Why the file could not be read, briefly."""
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return "not valid JSON" if isinstance(exc, json.JSONDecodeError) else "not UTF-8 text"


def _shown(value: object) -> str:
    """A bad value as the file holds it, cut short if long."""
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "…"


def save_settings(data_dir: Path, settings: Settings) -> None:
    """Write the settings atomically (checked first), readable by the user alone: they hold
    the local API's token."""
    settings.checked()
    write_atomic(data_dir / SETTINGS_FILE, json.dumps(asdict(settings), indent=2), mode=PRIVATE)
