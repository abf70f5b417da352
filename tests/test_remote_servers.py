"""The remote engine against a real model server: llama-cpp-python's OpenAI-compatible
server, started by the test with the bundled model on a free loopback port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli.main import main
from assistant.engines.chat_template import ChatMessage
from assistant.engines.engine import GenerationParams
from assistant.engines.registry import default_model
from assistant.engines.remote_engine import RemoteEngine
from assistant.system.paths import PROJECT_ROOT

pytestmark = pytest.mark.integration
ALIAS = "smollm2-served"
START_TIMEOUT_S = 180


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m tests.model_server`` serving the bundled model; yields its URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.model_server", "--model", str(default_model().path),
             "--model_alias", ALIAS, "--host", "127.0.0.1", "--port", str(port),
             "--n_ctx", "2048", "--n_threads", "2"],
            cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{url}/v1/models", timeout=2) as reply:
                    if json.load(reply)["data"]:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the model server did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


MESSAGES = [ChatMessage("system", "You answer briefly."),
            ChatMessage("user", "Name one colour of the sky.")]


def test_the_engine_streams_from_llama_cpp_pythons_server(model_server: str) -> None:
    engine = RemoteEngine(model_server)
    assert engine.model_id == ALIAS and engine.n_ctx >= 2048
    counted = engine.count_tokens(MESSAGES)
    assert 5 < counted < 60  # the server's tokenizer, not the estimate
    stream = engine.stream(MESSAGES, GenerationParams(max_tokens=24))
    text = stream.text()
    assert text.strip() and 0 < stream.stats.completion_tokens <= 24
    assert stream.stats.prompt_tokens > 5 and stream.stats.ttft_ms > 0


def test_stop_ends_the_servers_stream(model_server: str) -> None:
    engine = RemoteEngine(model_server)
    cancel = threading.Event()
    stream = engine.stream(MESSAGES, GenerationParams(max_tokens=200, temperature=0.8),
                           cancel)
    pieces = []
    for piece in stream:
        pieces.append(piece)
        if len(pieces) == 3:
            stream.stop("stopped by the user")
            break
    assert len(pieces) == 3 and stream.stats.stop_reason == "stopped by the user"
    again = engine.stream(MESSAGES, GenerationParams(max_tokens=8)).text()
    assert again.strip()  # the server serves the next request normally


def test_ask_answers_through_the_server(model_server: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = str(tmp_path / "data")
    assert main(["--data-dir", data_dir, "--llm-url", model_server, "ask", "--json",
                 "--max-tokens", "48", "--collection", "Library", "What is hashprice?"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == ALIAS and result["answer"] and result["sources"]
    assert result["timings"]["completion_tokens"] > 0
