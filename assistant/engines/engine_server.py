"""The engine process: ``python -m assistant.engines.engine_server`` owns one loaded model.

The app talks to it through :class:`assistant.engines.engine_process.ProcessEngine`, one JSON
object a line each way. The first line in holds the settings; the first line out says ``ready``
(with the model's facts) or ``error``. Then each request carries an ``id`` and is answered in
order, one at a time; a stream answers with ``piece`` lines and a final ``done``. A ``cancel``
line is read while a stream runs and stops it between two tokens. If llama.cpp crashes, only
this process ends; the app sees its pipe close and starts another.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import IO, Any

from assistant.engines.chat_template import ChatMessage
from assistant.engines.engine import EngineSettings, GenerationParams
from assistant.engines.llama_engine import LlamaEngine
from assistant.errors import ModelError
from assistant.system import egress

# The self-test a fast layout must pass on a CPU known to crash with it: a prompt long enough
# to take several evaluation batches, then a few sampled tokens.
SELF_TEST_WORDS = 300
SELF_TEST_TOKENS = 8
# Pieces written within this long of the last one sent are sent together: the app wakes up
# ~30 times a second instead of once per token, and on a 2-core machine each wake-up takes a
# core from the model's threads. The first piece goes at once (time to first token).
PIECE_INTERVAL_S = 0.03


def messages_from_json(data: list[dict[str, str]]) -> list[ChatMessage]:
    """Chat messages back from their wire form."""
    return [ChatMessage(str(item["role"]), str(item["content"])) for item in data]


def messages_to_json(messages: list[ChatMessage]) -> list[dict[str, str]]:
    """Chat messages in their wire form."""
    return [{"role": message.role, "content": message.content} for message in messages]


def params_from_json(data: dict[str, Any]) -> GenerationParams:
    """Sampling settings back from their wire form (unknown keys ignored)."""
    known = {f.name for f in fields(GenerationParams)}
    return GenerationParams(**{key: value for key, value in data.items() if key in known})


def settings_from_json(data: dict[str, Any]) -> EngineSettings:
    """Load settings back from their wire form."""
    cache = data.get("weights_cache")
    return EngineSettings(Path(data["model_path"]), n_ctx=data.get("n_ctx"),
                          n_threads=data.get("n_threads"), seed=int(data.get("seed", 0)),
                          weights_cache=Path(cache) if cache else None,
                          safe_layout=bool(data.get("safe_layout")))


def settings_to_json(settings: EngineSettings) -> dict[str, Any]:
    """Load settings in their wire form."""
    data = asdict(settings)
    data["model_path"] = str(settings.model_path)
    data["weights_cache"] = str(settings.weights_cache) if settings.weights_cache else None
    return data


def write_reply(out: IO[bytes], message: dict[str, Any]) -> None:
    """One JSON line to the app; if the app is gone, this process ends."""
    try:
        out.write(json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n")
        out.flush()
    except (BrokenPipeError, ValueError):
        os._exit(0)


def self_test(engine: LlamaEngine) -> None:
    """Evaluate a prompt of several batches and sample a few tokens (a crash ends the test)."""
    text = " ".join(["The miners compare hash rate, difficulty and power prices."]
                    * (SELF_TEST_WORDS // 9))
    stream = engine.stream([ChatMessage("user", text)],
                           GenerationParams(max_tokens=SELF_TEST_TOKENS, min_tokens=0))
    stream.text()
    engine.clear_cache()


class Server:
    """Answers requests for one loaded engine; a reader thread takes the cancels."""

    def __init__(self, engine: LlamaEngine, replies: IO[bytes]) -> None:
        self.engine = engine
        self._replies = replies
        self._requests: queue.Queue[dict[str, Any]] = queue.Queue()
        self._cancels: dict[int, threading.Event] = {}
        self._cancelled: set[int] = set()
        self._guard = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        """Write one reply line."""
        write_reply(self._replies, message)

    def read(self, lines: IO[str]) -> None:
        """The reader thread: queue requests, act on cancels at once."""
        for line in lines:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("op") == "cancel":
                with self._guard:
                    event = self._cancels.get(message.get("id"))
                    if event is not None:
                        event.set()
                    else:
                        self._cancelled.add(message.get("id"))
                continue
            self._requests.put(message)
        # The app closed the pipe: it closed the model or it is gone (killed, crashed). Leave
        # now, even mid-answer: the system frees the model, and no engine outlives its app.
        os._exit(0)

    def run(self) -> None:
        """Answer requests until the app says close (or goes away: see :meth:`read`)."""
        while True:
            message = self._requests.get()
            if message.get("op") == "close":
                return
            request_id: int = message.get("id", 0)  # every request the app sends has one
            try:
                self._handle(request_id, message)
            except ModelError as exc:
                self.send({"id": request_id, "error": str(exc)})
            except Exception as exc:  # a bug here must reach the app as a message
                self.send({"id": request_id,
                           "error": f"the model engine failed: {type(exc).__name__}: {exc}"})

    def _handle(self, request_id: int, message: dict[str, Any]) -> None:
        op, engine = message.get("op"), self.engine
        if op == "stream":
            self._stream(request_id, message)
            return
        if op == "count_tokens":
            result: Any = engine.count_tokens(messages_from_json(message["messages"]))
        elif op == "tokenize":
            result = engine.tokenize(messages_from_json(message["messages"]))
        elif op == "render":
            result = engine.template.render(messages_from_json(message["messages"]))
        elif op == "detokenize":
            result = engine.detokenize([int(t) for t in message["tokens"]])
        elif op == "prime":
            result = engine.prime(str(message["system"]))
        elif op == "prime_conversation":
            result = engine.prime_conversation(messages_from_json(message["messages"]))
        elif op == "clear_cache":
            engine.clear_cache()
            result = None
        elif op == "raw_completion":
            result = engine.raw_completion(str(message["prompt"]),
                                           params_from_json(message["params"]))
        else:
            raise ModelError(f"the model engine does not know the request '{op}'")
        self.send({"id": request_id, "result": result})

    def _stream(self, request_id: int, message: dict[str, Any]) -> None:
        cancel = threading.Event()
        with self._guard:
            self._cancels[request_id] = cancel
            if request_id in self._cancelled:
                cancel.set()
        try:
            stream = self.engine.stream(messages_from_json(message["messages"]),
                                        params_from_json(message["params"]), cancel)
            held, sent_at = "", 0.0
            try:
                for piece in stream:
                    held += piece
                    now = time.perf_counter()
                    if sent_at == 0.0 or now - sent_at >= PIECE_INTERVAL_S:
                        self.send({"id": request_id, "piece": held})
                        held, sent_at = "", now
            finally:
                stream.stop(stream.stats.stop_reason)  # releases the engine's lock
            if held:
                self.send({"id": request_id, "piece": held})
            self.send({"id": request_id, "done": asdict(stream.stats)})
        finally:
            with self._guard:
                self._cancels.pop(request_id, None)
                self._cancelled.discard(request_id)


def serve() -> None:
    """The engine process's main: load the model the first line asks for, then serve."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # native code printing to stdout must not corrupt the replies
    sys.stdout = sys.stderr
    egress.install()  # nothing this process runs may reach another host
    start = json.loads(sys.stdin.readline() or "{}")
    try:
        engine = LlamaEngine(settings_from_json(start["settings"]))
        primed = engine.prime(start["system"]) if start.get("system") else 0
        if start.get("self_test"):
            self_test(engine)
    except ModelError as exc:
        write_reply(replies, {"error": str(exc)})
        return
    server = Server(engine, replies)
    server.send({"ready": {"n_ctx": engine.n_ctx, "weights_path": str(engine.weights_path),
                           "primed": primed}})
    reader = threading.Thread(target=server.read, args=(sys.stdin,), daemon=True)
    reader.start()
    try:
        server.run()
    finally:
        engine.close()


if __name__ == "__main__":
    serve()
