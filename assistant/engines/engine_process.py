"""The language model in its own process: an :class:`~assistant.engines.engine.Engine` to trust.

llama.cpp's native code can crash (a segfault in CPU-specific kernels, an abort, the system
killing it for memory). :class:`ProcessEngine` runs the model in ``python -m
assistant.engines.engine_server`` and talks to it over pipes, so a crash there ends only that
process:
the request in flight fails with :class:`~assistant.errors.EngineCrashed` (the answer keeps
what it had), a new engine process starts at once, and the next request is answered by it.
The app never loads llama.cpp: tokens are counted and chat templates rendered in the engine.

A crash of a fast weight layout while loading or on the first evaluation switches the model to
the safe layout (see :mod:`assistant.engines.engine_layout`), remembered for that model and CPU.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from assistant.engines.chat_template import ChatMessage
from assistant.engines.engine import (
    EngineSettings,
    GenerationParams,
    GenerationStats,
    TokenStream,
    check_model_file,
    check_model_path,
)
from assistant.engines.engine_child import (
    SERVER_COMMAND,
    EngineChild,
    crash_message,
    exit_description,
    is_fault,
    open_log,
    runtime_version,
    safe_mode_notice,
)
from assistant.engines.engine_layout import (
    FAST,
    SAFE,
    CpuInfo,
    LayoutChoice,
    LayoutMemory,
    layout_key,
    this_cpu,
)
from assistant.engines.engine_server import messages_to_json, settings_to_json
from assistant.errors import EngineCrashed, ModelError
from assistant.system.memory_use import resident_bytes

# How often a stream looks at its cancel flag while it waits for the next piece.
CANCEL_POLL_S = 0.05


class ProcessEngine:
    """A GGUF chat model served by its own engine process; restarted after a crash.

    ``system`` is evaluated into the KV cache as each engine process starts. ``layouts``
    remembers which weight layout works for a model on this CPU; ``log_path`` receives the
    engine's own messages (stderr); ``command`` starts an engine process (tests use one
    that crashes on purpose).
    """

    def __init__(self, settings: EngineSettings, *, system: str | None = None,
                 layouts: LayoutMemory | None = None, cpu: CpuInfo | None = None,
                 log_path: Path | None = None, command: list[str] | None = None,
                 lazy: bool = False) -> None:
        # A missing file fails here; the engine reads and checks the model's contents.
        check_model_path(settings.model_path)
        self.settings = settings
        self.model_path = settings.model_path
        self.model_id = settings.model_path.stem
        self._n_ctx = 0
        self.weights_path = settings.model_path
        self.cpu = cpu or this_cpu()
        self.crashes = 0
        self.notice = ""  # what the user should know about the layout (safe mode)
        self._system = system
        self._layouts = layouts
        self._command = list(command or SERVER_COMMAND)
        self._log = open_log(log_path) if log_path is not None else None
        self._lock = threading.RLock()
        self._ids = 0
        self._closed = False
        self._key = layout_key(settings.model_path, self.cpu, runtime_version())
        self._child: EngineChild | None = None
        self.safe_layout = False
        self._layout_chosen = False
        if lazy:  # started by the first request that needs the model (or its n_ctx)
            check_model_file(settings.model_path)  # but a file that is no model fails now
            return
        try:
            self._ensure()
        except BaseException:
            self.close()
            raise

    @property
    def started(self) -> bool:
        """Whether the engine process has been started (a lazy engine waits for a request)."""
        return self._layout_chosen

    @property
    def n_ctx(self) -> int:
        """The model's context length, as the engine loaded it (starting a lazy engine)."""
        if not self._n_ctx:
            with self._lock:
                self._ensure()
        return self._n_ctx

    # -- the layout -------------------------------------------------------------------------

    def _initial_layout(self) -> bool:
        """Whether to start with the safe layout: asked for, remembered, or an AMX CPU whose
        self-test fails."""
        if self.settings.safe_layout:
            return True
        remembered = self._layouts.get(self._key) if self._layouts else None
        if remembered is not None:
            if remembered.layout == SAFE:
                self.notice = safe_mode_notice(remembered.reason)
            return remembered.layout == SAFE
        if not self.cpu.has_amx:
            return False
        test = EngineChild(self._command, self._start_message(safe=False, self_test=True),
                      self._log, safe=False)
        reply = test.reply()
        code = None
        if reply is None:
            code = test.exit_code()
        test.close()
        if reply is not None and "ready" in reply:
            self._remember(FAST, "the self-test of the fast layout passed on this CPU")
            return False
        if reply is not None and "error" in reply:
            raise ModelError(str(reply["error"]))
        self._switch_to_safe(f"the fast weight layout crashed in its self-test on this CPU "
                             f"with AMX ({exit_description(code)})")
        return True

    def _remember(self, layout: str, reason: str) -> None:
        if self._layouts is not None:
            self._layouts.remember(self._key, LayoutChoice(layout, reason))

    def _switch_to_safe(self, reason: str) -> None:
        self.safe_layout = True
        self.notice = safe_mode_notice(reason)
        self._remember(SAFE, reason)

    # -- the process ------------------------------------------------------------------------

    def _start_message(self, *, safe: bool, self_test: bool = False) -> dict[str, Any]:
        settings = settings_to_json(self.settings)
        settings["safe_layout"] = safe
        return {"settings": settings, "system": self._system, "self_test": self_test}

    def _spawn(self) -> EngineChild:
        self._child = EngineChild(self._command, self._start_message(safe=self.safe_layout),
                             self._log, safe=self.safe_layout)
        return self._child

    def _ensure(self) -> EngineChild:
        """The running engine process, started (and waited for) if need be."""
        if self._closed:
            raise ModelError("the model was closed")
        if not self._layout_chosen:
            self.safe_layout = self._initial_layout()
            self._layout_chosen = True
        child = self._child or self._spawn()
        if child.ready is not None and child.process.poll() is not None:
            self.crashes += 1  # it ended while idle: nothing was lost, start another
            child = self._spawn()
        if child.ready is not None:
            return child
        reply = child.reply()
        if reply is not None and "ready" in reply:
            child.ready = reply["ready"]
            child.evaluated = int(child.ready.get("primed") or 0) > 0
            self._n_ctx = int(child.ready["n_ctx"])
            self.weights_path = Path(child.ready["weights_path"])
            return child
        self._child = None
        if reply is not None:
            child.close()
            raise ModelError(str(reply.get("error", "the model engine did not start")))
        code = child.exit_code()
        self.crashes += 1
        if not child.safe and is_fault(code):
            self._switch_to_safe(f"the fast weight layout crashed while loading "
                                 f"{self.model_path.name} ({exit_description(code)})")
            return self._ensure()
        raise ModelError(f"the model engine crashed while loading {self.model_path.name} "
                         f"({exit_description(code)})")

    def _crashed(self, child: EngineChild) -> tuple[str, bool]:
        """After the process died mid-request: the message, and whether the request may be
        retried (a fault before its first evaluation, now switched to the safe layout).
        A new process is started at once, so the next request finds it loading or ready."""
        code = child.exit_code()
        self.crashes += 1
        self._child = None
        retry = not child.safe and not child.evaluated and is_fault(code)
        if retry:
            self._switch_to_safe(f"the fast weight layout crashed on its first evaluation "
                                 f"({exit_description(code)})")
        if not self._closed:
            self._spawn()
        return crash_message(code), retry

    @property
    def pid(self) -> int | None:
        """The engine process's id (None between a crash and the restart)."""
        return self._child.process.pid if self._child is not None else None

    def memory_bytes(self) -> int:
        """The engine process's resident memory now (0 if it is between two lives)."""
        child = self._child
        return (resident_bytes(child.process.pid) or 0) if child else 0

    def close(self) -> None:
        """Stop the engine process and free its model."""
        with self._lock:
            self._closed = True
            if self._child is not None:
                self._child.close()
                self._child = None
            if self._log is not None:
                self._log.close()
                self._log = None

    # -- requests ---------------------------------------------------------------------------

    def _request(self, op: str, **fields: Any) -> Any:
        with self._lock:
            for _attempt in range(2):
                child = self._ensure()
                self._ids += 1
                request_id = self._ids
                reply = (child.reply() if child.send({"id": request_id, "op": op, **fields})
                         else None)
                while reply is not None and reply.get("id") != request_id:
                    reply = child.reply()  # a stale line of a request given up on
                if reply is None:
                    message, retry = self._crashed(child)
                    if retry:
                        continue
                    raise EngineCrashed(message)
                if "error" in reply:
                    raise ModelError(str(reply["error"]))
                return reply.get("result")
            raise EngineCrashed("the model engine crashed twice on one request")

    def count_tokens(self, messages: list[ChatMessage]) -> int:
        """Prompt tokens that ``messages`` render to (counted in the engine)."""
        return int(self._request("count_tokens", messages=messages_to_json(messages)))

    def tokenize(self, messages: list[ChatMessage]) -> list[int]:
        """The prompt tokens of ``messages`` under the model's chat template."""
        return [int(t) for t in self._request("tokenize", messages=messages_to_json(messages))]

    def render(self, messages: list[ChatMessage]) -> str:
        """The prompt text of ``messages`` under the model's chat template."""
        return str(self._request("render", messages=messages_to_json(messages)))

    def detokenize(self, tokens: list[int]) -> str:
        """The text of ``tokens``."""
        return str(self._request("detokenize", tokens=tokens))

    def prime(self, system: str) -> int:
        """Evaluate the opening every prompt shares now (and in every restarted engine)."""
        self._system = system
        return int(self._request("prime", system=system))

    def prime_conversation(self, messages: list[ChatMessage]) -> int:
        """Evaluate the opening of the prompt that will continue ``messages`` now (see
        :meth:`LlamaEngine.prime_conversation`); how many tokens it has."""
        return int(self._request("prime_conversation", messages=messages_to_json(messages)))

    def clear_cache(self) -> None:
        """Forget the evaluated prompt, so the next one starts cold (for benchmarks)."""
        self._request("clear_cache")

    def raw_completion(self, prompt: str,
                       params: GenerationParams) -> tuple[int, float, float, int]:
        """Raw llama-cpp-python on the engine's loaded model: the bench's reference."""
        count, first, last, prompt_tokens = self._request(
            "raw_completion", prompt=prompt, params=params.__dict__)
        return int(count), float(first), float(last), int(prompt_tokens)

    def stream(self, messages: list[ChatMessage], params: GenerationParams,
               cancel: threading.Event | None = None) -> TokenStream:
        """Stream the reply to ``messages``; ``cancel`` stops it between two tokens."""
        stats = GenerationStats()
        return TokenStream(self._stream(messages, params, cancel, stats), stats)

    def _stream(self, messages: list[ChatMessage], params: GenerationParams,
                cancel: threading.Event | None, stats: GenerationStats) -> Iterator[str]:
        request = {"op": "stream", "messages": messages_to_json(messages),
                   "params": params.__dict__}
        with self._lock:
            for _attempt in range(2):
                child = self._ensure()
                self._ids += 1
                request_id = self._ids
                outcome = yield from self._pieces(child, request_id, request, cancel, stats)
                if outcome is None:
                    return
                message, retry = outcome
                if not retry:
                    raise EngineCrashed(message)
            raise EngineCrashed("the model engine crashed twice on one answer")

    def _pieces(self, child: EngineChild, request_id: int, request: dict[str, Any],
                cancel: threading.Event | None,
                stats: GenerationStats) -> Generator[str, None, tuple[str, bool] | None]:
        """Yield one stream's pieces; return None when it finished, else the crash message
        and whether the request may be retried (only if nothing was yielded yet)."""
        yielded = finished = crashed = cancel_sent = False
        child.send({"id": request_id, **request})  # if it is gone, its replies end at once
        try:
            while True:
                if cancel is not None and cancel.is_set() and not cancel_sent:
                    child.send({"op": "cancel", "id": request_id})
                    cancel_sent = True
                try:
                    reply = child.reply(CANCEL_POLL_S)
                except queue.Empty:
                    continue
                if reply is None:
                    crashed = True
                    message, retry = self._crashed(child)
                    return message, retry and not yielded
                if reply.get("id") != request_id:
                    continue
                if "piece" in reply:
                    yielded = True
                    yield str(reply["piece"])
                elif "done" in reply:
                    for key, value in reply["done"].items():
                        setattr(stats, key, value)
                    child.evaluated = finished = True
                    return None
                elif "error" in reply:
                    finished = True
                    raise ModelError(str(reply["error"]))
        finally:
            if not finished and not crashed:  # the caller stopped reading: end it there
                self._drain(child, request_id, stats)

    def _drain(self, child: EngineChild, request_id: int, stats: GenerationStats) -> None:
        child.send({"op": "cancel", "id": request_id})
        while (reply := child.reply()) is not None:
            if reply.get("id") == request_id and ("done" in reply or "error" in reply):
                for key, value in reply.get("done", {}).items():
                    setattr(stats, key, value)  # the caller sets its own stop reason after
                return
        self._crashed(child)
