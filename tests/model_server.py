"""Run llama-cpp-python's OpenAI-compatible server for the tests: ``python -m
tests.model_server --model PATH --port P …`` takes the server's own arguments.

Weights load in their plain layout: llama.cpp's CPU-specific (repacked) layouts crash on some
CPUs (AMX Xeons), and the tests run on whatever CPU the machine has. Offgrid's own engine does
the same in safe mode (assistant/engines/llama_engine.py)."""

from __future__ import annotations

from typing import Any

import llama_cpp.llama_cpp as native
from llama_cpp.server.__main__ import main

_original = native.llama_model_default_params


def _plain_layout() -> Any:
    params = _original()
    params.use_extra_bufts = False
    return params


if __name__ == "__main__":
    if "use_extra_bufts" in {name for name, *_ in native.llama_model_params._fields_}:
        native.llama_model_default_params = _plain_layout
    main()
