"""An engine process that crashes where a test asks, for the crash and safe-mode tests.

    python -m tests.engine_faults WHERE

``load``: a fast-layout engine segfaults while loading. ``first_eval``: a fast-layout engine
segfaults on its first answer, before any text. ``self_test``: the fast layout's self-test
segfaults. ``self_test_passes``: the self-test passes whatever the CPU. ``none``: nothing
is changed. The layout code cannot tell these from the real AMX
crash, which is the point: no AMX machine is needed to test the path.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from assistant.engines import engine_server
from assistant.engines.engine import EngineSettings
from assistant.engines.llama_engine import LlamaEngine


def segfault() -> None:
    """Die as llama.cpp's faulty kernels do."""
    os.kill(os.getpid(), signal.SIGSEGV)


def main(where: str) -> None:
    if where == "load":
        original_init = LlamaEngine.__init__

        def init(self: LlamaEngine, settings: EngineSettings) -> None:
            if not settings.safe_layout:
                segfault()
            original_init(self, settings)

        LlamaEngine.__init__ = init  # type: ignore[method-assign]
    elif where == "first_eval":
        original_stream = LlamaEngine.stream

        def stream(self: LlamaEngine, *args: Any, **kwargs: Any) -> Any:
            if not self.safe_layout:
                segfault()
            return original_stream(self, *args, **kwargs)

        LlamaEngine.stream = stream  # type: ignore[method-assign]
    elif where == "self_test":
        original_test = engine_server.self_test

        def self_test(engine: LlamaEngine) -> None:
            if not engine.safe_layout:
                segfault()
            original_test(engine)

        engine_server.self_test = self_test
    elif where == "self_test_passes":  # as on an AMX CPU whose fast layout works
        def passes(engine: LlamaEngine) -> None:
            """The self-test's verdict without its evaluation, which on this machine's CPU
            may really crash."""

        engine_server.self_test = passes
    engine_server.serve()


if __name__ == "__main__":
    main(sys.argv[1])
