"""The user's settings, kept as JSON in the data directory."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

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
        rules = [
            (0.0 <= self.temperature <= 2.0, "temperature must be between 0 and 2"),
            (16 <= self.max_tokens <= 8192, "max tokens must be between 16 and 8192"),
            (1 <= self.top_k <= 1000, "top-k must be between 1 and 1000"),
            (self.context_length == 0 or 512 <= self.context_length <= 131072,
             "context length must be 0 (the model's own) or 512 to 131072"),
            (0 <= self.threads <= 256, "threads must be 0 (automatic) or 1 to 256"),
            (bool(self.system_prompt.strip()), "the system prompt cannot be empty"),
            (self.theme in THEMES, f"theme must be one of {', '.join(THEMES)}"),
            (6 <= self.font_size <= 40, "font size must be between 6 and 40"),
            (not self.remote_url or self.remote_url.startswith(("http://", "https://")),
             "the model server's address must start with http:// or https://"),
            (not self.chroma_url or self.chroma_url.startswith(("http://", "https://")),
             "the Chroma server's address must start with http:// or https://"),
            (bool(self.api_host.strip()) and not any(c.isspace() for c in self.api_host),
             "the local API's host must be an address such as 127.0.0.1"),
            (1 <= self.api_port <= 65535, "the local API's port must be between 1 and 65535"),
            (not self.api_token or len(self.api_token) >= 16,
             "the local API's token must be at least 16 characters long"),
        ]
        for ok, message in rules:
            if not ok:
                raise AssistantError(message)
        return self


def load_settings(data_dir: Path) -> Settings:
    """The saved settings; defaults for a missing file, unknown keys or bad values."""
    try:
        raw = json.loads((data_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Settings()
    known = {f.name: f.type for f in fields(Settings)}
    values = {key: value for key, value in raw.items() if key in known} \
        if isinstance(raw, dict) else {}
    try:
        return replace(Settings(), **values).checked()
    except (AssistantError, TypeError):
        return Settings()


def save_settings(data_dir: Path, settings: Settings) -> None:
    """Write the settings atomically (checked first), readable by the user alone: they hold
    the local API's token."""
    settings.checked()
    write_atomic(data_dir / SETTINGS_FILE, json.dumps(asdict(settings), indent=2), mode=PRIVATE)
