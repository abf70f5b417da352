"""The real engine loaded in the test's own process, in the weight layout this CPU can run.

llama.cpp's repacked (AMX) weight layouts segfault in the first evaluation on some Xeons.
The app decides with a self-test in a child process (assistant/engines/engine_layout.py); a
test that loads the model in its own process cannot survive that crash, so on a CPU with AMX
it loads the plain layout the app falls back to there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.engines.engine import EngineSettings
from assistant.engines.engine_layout import this_cpu
from assistant.engines.llama_engine import LlamaEngine


def engine_settings(model_path: Path, **options: Any) -> EngineSettings:
    """Settings for an in-process engine: the safe layout on a CPU with AMX."""
    return EngineSettings(model_path, safe_layout=this_cpu().has_amx, **options)


def local_engine(model_path: Path, **options: Any) -> LlamaEngine:
    """The model loaded in this process, in a layout this CPU runs."""
    return LlamaEngine(engine_settings(model_path, **options))
