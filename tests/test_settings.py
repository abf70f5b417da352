"""Settings: saved in the data directory, checked, and safe to load when damaged."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.app.settings import (
    SETTINGS_FILE,
    LoadedSettings,
    Settings,
    load_settings,
    read_settings,
    save_settings,
)
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


def test_a_damaged_file_gives_defaults_and_says_so(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text("{not json", encoding="utf-8")
    loaded = read_settings(tmp_path)
    assert loaded.settings == Settings() == load_settings(tmp_path)
    assert "could not be read (not valid JSON)" in loaded.notice()
    (tmp_path / SETTINGS_FILE).write_text("[1, 2]", encoding="utf-8")
    assert read_settings(tmp_path).settings == Settings()
    assert "does not hold a JSON object" in read_settings(tmp_path).notice()


def test_a_missing_file_gives_defaults_without_a_notice(tmp_path: Path) -> None:
    assert read_settings(tmp_path) == LoadedSettings(Settings())
    assert read_settings(tmp_path).notice() == ""


def test_one_bad_value_resets_only_itself_and_is_named(tmp_path: Path) -> None:
    chosen = replace(Settings(), temperature=0.7, theme="dark", font_size=14,
                     system_prompt="Be terse.", chroma_url="http://10.0.0.5:8000")
    save_settings(tmp_path, chosen)
    saved = json.loads((tmp_path / SETTINGS_FILE).read_text(encoding="utf-8"))
    saved.update(temperature="hot", extra=1)  # one bad value and a key from another version
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(saved), encoding="utf-8")
    loaded = read_settings(tmp_path)
    assert loaded.settings == replace(chosen, temperature=Settings().temperature)
    assert loaded.problems == ('temperature must be a number (it was "hot")',)
    assert loaded.notice() == ("Some saved settings in settings.json were not valid and were "
                               'reset to their defaults: temperature must be a number '
                               '(it was "hot").')


@pytest.mark.parametrize(("key", "value", "problem"), [
    ("temperature", 3.0, "temperature must be between 0 and 2 (it was 3.0)"),
    ("temperature", True, "temperature must be a number (it was true)"),
    ("max_tokens", 2, "max tokens must be between 16 and 8192 (it was 2)"),
    ("max_tokens", 256.5, "max tokens must be a whole number (it was 256.5)"),
    ("theme", "pink", 'theme must be one of light, dark, system (it was "pink")'),
    ("system_prompt", 5, "system prompt must be text (it was 5)"),
    ("system_prompt", " ", 'the system prompt cannot be empty (it was " ")'),
    ("api_enabled", "yes", 'api enabled must be true or false (it was "yes")'),
    ("api_port", 70000, "the local API's port must be between 1 and 65535 (it was 70000)"),
    ("api_token", "short", "the local API's token must be at least 16 characters long"),
    ("remote_url", "ftp://" + "x" * 60,
     "the model server's address must start with http:// or https:// (it was \"ftp://"
     + "x" * 30 + "…)"),
])
def test_each_bad_value_is_reset_alone(tmp_path: Path, key: str, value: object,
                                       problem: str) -> None:
    raw = {key: value, "font_size": 15, "threads": 3}
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(raw), encoding="utf-8")
    loaded = read_settings(tmp_path)
    assert loaded.settings == replace(Settings(), font_size=15, threads=3)
    assert loaded.problems == (problem,)


def test_a_whole_number_is_a_valid_temperature(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text('{"temperature": 1}', encoding="utf-8")
    loaded = read_settings(tmp_path)
    assert loaded.settings.temperature == 1.0 and isinstance(loaded.settings.temperature, float)
    assert loaded.problems == ()


def test_several_bad_values_are_all_named(tmp_path: Path) -> None:
    (tmp_path / SETTINGS_FILE).write_text(
        '{"theme": "pink", "top_k": 0, "max_tokens": 400}', encoding="utf-8")
    loaded = read_settings(tmp_path)
    assert loaded.settings == replace(Settings(), max_tokens=400)
    assert [p.split(" must")[0] for p in loaded.problems] == ["top-k", "theme"]


def test_the_checkout_is_found_from_the_core() -> None:
    """The project root is the checkout: the bench starts the window there, the eval scripts
    read their question sets from it, and the user's own models live in its models/."""
    from assistant.system.paths import PROJECT_ROOT, models_dir

    assert (PROJECT_ROOT / "pyproject.toml").is_file()
    assert (PROJECT_ROOT / "ui" / "__init__.py").is_file()
    assert models_dir() == PROJECT_ROOT / "models"
