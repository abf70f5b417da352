"""The model in its own process: crashes cost one request, safe mode, and nothing lost on the
way through the pipe (streaming, the KV cache across turns, cancel)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.engines.chat_template import ChatMessage
from assistant.engines.engine import EngineSettings, GenerationParams
from assistant.engines.engine_child import (
    crash_message,
    exit_description,
    is_fault,
    runtime_version,
)
from assistant.engines.engine_layout import (
    FAST,
    SAFE,
    CpuInfo,
    LayoutMemory,
    layout_key,
    this_cpu,
)
from assistant.engines.engine_process import ProcessEngine
from assistant.engines.registry import default_model
from assistant.errors import EngineCrashed, ModelError

pytestmark = pytest.mark.integration

QUESTION = [ChatMessage("system", "You answer briefly."),
            ChatMessage("user", "Name three things a Bitcoin miner pays for.")]
LONG = GenerationParams(max_tokens=120, min_tokens=40)
PLAIN_CPU = CpuInfo("AMD EPYC (test)", frozenset({"avx2", "fma"}))
AMX_CPU = CpuInfo("Intel Xeon (test)", frozenset({"avx512f", "amx_int8", "amx_tile"}))


def faulty(where: str) -> list[str]:
    """An engine command that crashes where asked (see tests/engine_faults.py)."""
    return [sys.executable, "-m", "tests.engine_faults", where]


@pytest.fixture(scope="module")
def weights_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One converted copy of the default model for the whole module."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture
def settings(weights_cache: Path) -> EngineSettings:
    return EngineSettings(default_model().path, n_ctx=2048, weights_cache=weights_cache)


@pytest.fixture
def engine(settings: EngineSettings) -> Iterator[ProcessEngine]:
    # This machine's CPU: on one with AMX whose fast layout crashes, the self-test picks the
    # safe layout, as the app does; the fault tests below pass their own CPUs and faults.
    loaded = ProcessEngine(settings, system=QUESTION[0].content, cpu=this_cpu())
    yield loaded
    loaded.close()


def test_exit_descriptions() -> None:
    assert exit_description(-11) == "signal 11, SIGSEGV"
    assert exit_description(3) == "exit status 3"
    assert exit_description(0xC0000005) == "exception 0xC0000005"
    assert crash_message(-11) == ("the model engine crashed (signal 11, SIGSEGV); it has been "
                                  "restarted")
    assert "out of memory" in crash_message(-9)
    assert is_fault(-11) and is_fault(-6) and is_fault(0xC0000005)
    assert not is_fault(-9) and not is_fault(1) and not is_fault(0) and not is_fault(None)


def test_streams_through_the_pipe_and_reuses_the_cached_conversation(
        engine: ProcessEngine) -> None:
    first = engine.stream(QUESTION, GenerationParams(max_tokens=24))
    text = first.text()
    assert text.strip() and first.stats.completion_tokens > 0
    assert first.stats.prompt_tokens == engine.count_tokens(QUESTION)
    follow = [*QUESTION, ChatMessage("assistant", text), ChatMessage("user", "And the rest?")]
    second = engine.stream(follow, GenerationParams(max_tokens=8))
    second.text()
    # The conversation so far is still in the engine's KV cache: only the new turn is evaluated.
    assert second.stats.cached_tokens >= first.stats.prompt_tokens
    assert engine.tokenize(QUESTION)[:1] and engine.render(QUESTION).endswith(
        "assistant\n")


def test_cancel_reaches_the_engine_between_tokens(engine: ProcessEngine) -> None:
    cancel = threading.Event()
    stream = engine.stream(QUESTION, GenerationParams(max_tokens=400, min_tokens=400), cancel)
    pieces = []
    for piece in stream:
        pieces.append(piece)
        if len(pieces) == 3:
            cancel.set()
            set_at = time.perf_counter()
    assert stream.stats.stop_reason == "cancelled"
    assert time.perf_counter() - set_at < 1.0 and len(pieces) < 40
    assert engine.stream(QUESTION, GenerationParams(max_tokens=4)).text()  # still in step


@pytest.mark.parametrize("how", [signal.SIGSEGV, signal.SIGKILL, signal.SIGABRT])
def test_a_crash_costs_one_answer_and_the_engine_comes_back(
        engine: ProcessEngine, how: signal.Signals) -> None:
    crashed_pid, layout = engine.pid, engine.safe_layout
    assert crashed_pid is not None and crashed_pid != os.getpid()
    stream = engine.stream(QUESTION, LONG)
    pieces = []
    with pytest.raises(EngineCrashed) as raised:
        for piece in stream:
            pieces.append(piece)
            if len(pieces) == 2:
                os.kill(crashed_pid, how)
    assert len(pieces) >= 2  # what came before the crash was delivered
    assert f"signal {int(how)}" in str(raised.value) and "restarted" in str(raised.value)
    answer = engine.stream(QUESTION, GenerationParams(max_tokens=16)).text()
    assert answer.strip() and engine.pid not in (None, crashed_pid)
    assert engine.crashes == 1 and engine.safe_layout == layout  # a kill is not the layout's


def test_an_engine_that_died_while_idle_is_replaced_quietly(engine: ProcessEngine) -> None:
    dead = engine.pid
    assert dead is not None
    os.kill(dead, signal.SIGKILL)
    time.sleep(0.2)  # let it die (the real case: long before the next question)
    assert engine.count_tokens(QUESTION) > 10 and engine.pid != dead


def test_a_load_crash_in_the_fast_layout_retries_in_safe_mode_and_remembers(
        settings: EngineSettings, tmp_path: Path) -> None:
    memory = LayoutMemory(tmp_path / "layouts.json")
    engine = ProcessEngine(settings, cpu=PLAIN_CPU, layouts=memory, command=faulty("load"))
    try:
        assert engine.safe_layout and engine.crashes == 1
        assert "safe mode" in engine.notice and "signal 11" in engine.notice
        assert engine.stream(QUESTION, GenerationParams(max_tokens=8)).text().strip()
    finally:
        engine.close()
    key = layout_key(settings.model_path, PLAIN_CPU, runtime_version())
    remembered = memory.get(key)
    assert remembered is not None and remembered.layout == SAFE
    again = ProcessEngine(settings, cpu=PLAIN_CPU, layouts=memory, command=faulty("load"))
    try:
        assert again.safe_layout and again.crashes == 0  # no second crash to find out
    finally:
        again.close()


def test_a_crash_on_the_first_answer_is_retried_in_safe_mode(
        settings: EngineSettings, tmp_path: Path) -> None:
    memory = LayoutMemory(tmp_path / "layouts.json")
    engine = ProcessEngine(settings, cpu=PLAIN_CPU, layouts=memory,
                           command=faulty("first_eval"))
    try:
        assert not engine.safe_layout
        text = engine.stream(QUESTION, GenerationParams(max_tokens=8)).text()
        assert text.strip() and engine.safe_layout and engine.crashes == 1
        assert "first evaluation" in engine.notice
    finally:
        engine.close()


def test_an_amx_cpu_uses_the_safe_layout_unless_the_self_test_passes(
        settings: EngineSettings, tmp_path: Path) -> None:
    failing = LayoutMemory(tmp_path / "failing.json")
    engine = ProcessEngine(settings, cpu=AMX_CPU, layouts=failing,
                           command=faulty("self_test"))
    try:
        assert engine.safe_layout and "self-test" in engine.notice
    finally:
        engine.close()
    passing = LayoutMemory(tmp_path / "passing.json")
    engine = ProcessEngine(settings, cpu=AMX_CPU, layouts=passing,
                           command=faulty("self_test_passes"))
    try:
        assert not engine.safe_layout and not engine.notice
    finally:
        engine.close()
    key = layout_key(settings.model_path, AMX_CPU, runtime_version())
    assert (passing.get(key) or pytest.fail("not remembered")).layout == FAST


def test_a_model_llama_cpp_refuses_is_a_clear_error_not_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    data = bytearray(default_model().path.read_bytes())
    broken.write_bytes(bytes(data[: len(data) // 3]))  # the tensor data is cut short
    with pytest.raises(ModelError) as raised:
        ProcessEngine(EngineSettings(broken, n_ctx=512), cpu=PLAIN_CPU)
    assert "broken.gguf" in str(raised.value)


def test_the_app_process_never_loads_llama_cpp(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from assistant.app.service import AssistantService\n"
        "from tests.fakes import HashEmbedder\n"
        "with AssistantService(sys.argv[1], embedder=HashEmbedder()) as service:\n"
        "    service.load_model(n_ctx=1024)\n"
        "    assert service._engine.count_tokens([]) >= 0\n"
        "    print('LOADED', 'llama_cpp' in sys.modules, service.model_info().pid)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "data")],
                          capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    _, loaded, pid = done.stdout.split()
    assert loaded == "False" and int(pid) > 0


def test_a_primed_conversation_leaves_a_follow_up_only_its_own_tokens(
        engine: ProcessEngine) -> None:
    system = ChatMessage("system", "You answer in one short sentence.")
    first = [system, ChatMessage("user", "What is hashprice?")]
    engine.stream(first, GenerationParams(max_tokens=8)).text()
    # The app stores a composed answer, not the model's words: the cache matches up to it.
    shown = ChatMessage("assistant", "In short [1]: a miner's daily revenue per unit of hash.")
    follow_up = [*first, shown, ChatMessage("user", "And how does difficulty change it?")]
    opening = engine.prime_conversation([*first, shown])
    everything = engine.count_tokens(follow_up)
    assert abs(engine.count_tokens([*first, shown]) - opening) <= 8 and opening < everything
    stream = engine.stream(follow_up, GenerationParams(max_tokens=4))
    stream.text()
    assert stream.stats.cached_tokens == opening
    # Unprimed, the same follow-up after another answer matches only up to the answer.
    engine.stream(first, GenerationParams(max_tokens=8)).text()
    stream = engine.stream(follow_up, GenerationParams(max_tokens=4))
    stream.text()
    assert stream.stats.cached_tokens < engine.count_tokens(first) + 4
