"""Settings: saved in the data directory, checked, and safe to load when damaged."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant.app.settings import SETTINGS_FILE, Settings, load_settings, save_settings
from assistant.errors import AssistantError


def test_settings_round_trip(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == Settings()
    chosen = replace(Settings(), temperature=0.7, max_tokens=500, theme="dark", font_size=14,
                     system_prompt="Be terse.", context_length=4096, threads=2)
    save_settings(tmp_path, chosen)
    assert load_settings(tmp_path) == chosen


@pytest.mark.parametrize(("change", "message"), [
    ({"temperature": 3.0}, "temperature"), ({"max_tokens": 2}, "max tokens"),
    ({"context_length": 100}, "context length"), ({"theme": "pink"}, "theme"),
    ({"system_prompt": "  "}, "system prompt"), ({"font_size": 99}, "font size"),
])
def test_bad_values_are_refused_by_name(tmp_path: Path, change: dict, message: str) -> None:
    with pytest.raises(AssistantError, match=message):
        save_settings(tmp_path, replace(Settings(), **change))
    assert not (tmp_path / SETTINGS_FILE).exists()


def test_a_damaged_file_gives_defaults(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text("{not json", encoding="utf-8")
    assert load_settings(tmp_path) == Settings()
    (tmp_path / SETTINGS_FILE).write_text('{"temperature": "hot", "extra": 1}',
                                          encoding="utf-8")
    assert load_settings(tmp_path) == Settings()


def test_the_checkout_is_found_from_the_core() -> None:
    """The project root is the checkout: the bench starts the window there, the eval scripts
    read their question sets from it, and the user's own models live in its models/."""
    from assistant.system.paths import PROJECT_ROOT, models_dir

    assert (PROJECT_ROOT / "pyproject.toml").is_file()
    assert (PROJECT_ROOT / "ui" / "__init__.py").is_file()
    assert models_dir() == PROJECT_ROOT / "models"
