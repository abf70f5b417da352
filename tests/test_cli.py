"""The ``assistant`` command-line contract, end to end on the real engines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from assistant.cli.main import main
from tests import fake_openai
from tests.documents_factory import make_pdf
from tests.services import MakeService

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parent.parent
HIT_KEYS = {"score", "title", "path", "collection", "page", "heading", "start", "end", "text"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One data directory for the module (the bundled library is indexed into it once)."""
    return str(tmp_path_factory.mktemp("cli") / "data")


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_first_use_indexes_the_bundled_library(data_dir: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    collections = _json(capsys, ["--data-dir", data_dir, "collections", "--json"])
    library = next(c for c in collections if c["name"] == "Library")  # type: ignore[union-attr]
    assert library["documents"] >= 12 and library["chunks"] > 50
    hits = _json(capsys, ["--data-dir", data_dir, "search", "--json", "--collection", "Library",
                          "When was the last halving and what did it cut the subsidy to?"])
    assert hits and "3.125" in " ".join(h["text"] for h in hits[:3])  # type: ignore[index]


def test_ingest_search_list_remove(data_dir: str, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    pdf = make_pdf(tmp_path / "falconry.pdf", [
        "Falconers train hawks with patience and food rewards.",
        "The hood calms a falcon before the hunt begins.",
    ], title="Falconry Basics")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"garbage")
    assert main(["--data-dir", data_dir, "ingest", "--collection", "Birds",
                 str(pdf), str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2  # one line per file
    (good,) = [line for line in lines if "falconry.pdf" in line]
    (failed,) = [line for line in lines if "bad.pdf" in line]
    assert good.startswith("added") and good.endswith("falconry.pdf (2 chunks)")
    assert failed.startswith("failed") and "not a PDF file" in failed

    hits = _json(capsys, ["--data-dir", data_dir, "search", "--json", "--k", "3",
                          "--collection", "Birds", "why put a hood on a falcon"])
    assert isinstance(hits, list) and 1 <= len(hits) <= 3
    assert HIT_KEYS <= set(hits[0])
    assert (hits[0]["title"], hits[0]["page"], hits[0]["collection"]) == (
        "Falconry Basics", 2, "Birds")
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)

    docs = _json(capsys, ["--data-dir", data_dir, "docs", "list", "--collection", "Birds",
                          "--json"])
    assert [d["title"] for d in docs] == ["Falconry Basics"]  # type: ignore[index]
    assert main(["--data-dir", data_dir, "ingest", "--collection", "Birds", str(pdf)]) == 0
    assert capsys.readouterr().out.startswith("unchanged")
    assert main(["--data-dir", data_dir, "docs", "remove", str(pdf)]) == 0
    assert "removed" in capsys.readouterr().out
    assert _json(capsys, ["--data-dir", data_dir, "docs", "list", "--collection", "Birds",
                          "--json"]) == []


def test_python_dash_m_uses_the_env_data_dir(data_dir: str) -> None:
    env = dict(os.environ, ASSISTANT_DATA_DIR=data_dir)
    result = subprocess.run([sys.executable, "-m", "assistant", "search", "--json", "--k", "1",
                             "Nakamoto coefficient"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    (hit,) = json.loads(result.stdout)
    assert "Nakamoto coefficient" in hit["text"]


def test_the_interactive_session_searches_and_quits(data_dir: str) -> None:
    env = dict(os.environ, ASSISTANT_DATA_DIR=data_dir)
    result = subprocess.run([sys.executable, "-m", "assistant"], cwd=ROOT, env=env,
                            input="/collections\nItaipu dam Paraguay\n/quit\n",
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Library:" in result.stdout and "[1] " in result.stdout
    assert "Paraguay" in result.stdout


def test_errors_are_clear_and_exit_nonzero(data_dir: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", data_dir, "docs", "remove", "/no/such/file.md"]) == 1
    assert "no document" in capsys.readouterr().err
    assert main(["--data-dir", data_dir, "ask", "--model", "/no/such/model.gguf", "hi"]) == 1
    assert "model file not found: /no/such/model.gguf" in capsys.readouterr().err
    broken = Path(data_dir).parent / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\x00" * 7)
    assert main(["--data-dir", data_dir, "ask", "--model", str(broken), "hi"]) == 1
    assert "invalid GGUF file" in (err := capsys.readouterr().err) and "(truncated?)" in err
    from assistant.engines.registry import default_model

    truncated = Path(data_dir).parent / "truncated.gguf"  # a good header, then nothing
    truncated.write_bytes(default_model().path.read_bytes()[:3_000_000])
    # Found before any engine starts (``ask`` starts one only for an answer that needs it).
    assert main(["--data-dir", data_dir, "ask", "--model", str(truncated), "hi"]) == 1
    assert "invalid GGUF file" in (err := capsys.readouterr().err) and "(truncated?)" in err
    assert main(["--data-dir", data_dir, "ask", "--collection", "Nope", "hi"]) == 1
    assert "no collection named 'Nope'" in capsys.readouterr().err


def test_a_bad_setting_is_named_on_stderr_and_the_rest_kept(
        data_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    Path(data_dir).mkdir(parents=True, exist_ok=True)  # when this test runs first
    settings = Path(data_dir) / "settings.json"
    before = settings.read_text(encoding="utf-8") if settings.exists() else None
    settings.write_text('{"theme": "pink", "font_size": 15}', encoding="utf-8")
    try:
        assert main(["--data-dir", data_dir, "collections", "--json"]) == 0
        err = capsys.readouterr().err
        assert ('warning: Some saved settings in settings.json were not valid and were reset '
                'to their defaults: theme must be one of light, dark, system '
                '(it was "pink").') in err
        assert "font size" not in err
    finally:
        if before is None:
            settings.unlink()
        else:
            settings.write_text(before, encoding="utf-8")


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_is_read_from_the_installed_package(
        flag: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([flag])
    assert stopped.value.code == 0
    assert capsys.readouterr().out == f"offgrid {metadata.version('offgrid')}\n"

    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)  # run from a checkout, not installed
    with pytest.raises(SystemExit):
        main([flag])
    assert capsys.readouterr().out.startswith("offgrid (not installed")


ANSWER_KEYS = {"question", "answer", "abstained", "evidence", "sources", "unsupported", "model",
               "timings"}
SOURCE_KEYS = {"n", "title", "path", "page", "heading", "start", "end", "score", "text"}
TIMING_KEYS = {"retrieval_ms", "ttft_ms", "total_ms", "prompt_tokens", "completion_tokens",
               "decode_tokens_per_s"}


def test_ask_json_contract(data_dir: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = _json(capsys, ["--data-dir", data_dir, "ask", "--json", "--max-tokens", "32",
                            "--collection", "Library", "What is hashprice?"])
    assert isinstance(result, dict) and set(result) >= ANSWER_KEYS
    assert result["question"] == "What is hashprice?" and result["abstained"] is False
    assert result["model"] == "SmolLM2-135M-Instruct.Q4_1" and result["answer"]
    assert result["sources"] and set(result["sources"][0]) >= SOURCE_KEYS
    assert [s["n"] for s in result["sources"]] == list(range(1, len(result["sources"]) + 1))
    assert result["evidence"] and {"text", "source"} <= set(result["evidence"][0])
    assert any("hashprice" in e["text"].lower() for e in result["evidence"])
    assert set(result["timings"]) >= TIMING_KEYS
    assert 0 < result["timings"]["completion_tokens"] <= 32
    assert isinstance(result["unsupported"], list)


def test_ask_computes_a_figure_question(data_dir: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    question = "What is the energy cost per bitcoin at 8 cents per kWh?"
    result = _json(capsys, ["--data-dir", data_dir, "ask", "--json", question])
    assert isinstance(result, dict) and set(result) >= ANSWER_KEYS | {"calculation"}
    assert result["answer"].startswith("About $68,267 per bitcoin, energy only")
    assert round(result["calculation"]["value"]) == 68_267
    assert result["timings"]["completion_tokens"] == 0  # computed, not generated
    assert main(["--data-dir", data_dir, "ask", question]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith("About $68,267 per bitcoin") and "= 800 EH/s [1] × 20 J/TH" in shown
    assert "Computed by the calculator" in shown


def test_a_one_shot_answer_that_needs_no_model_never_starts_its_engine(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    question = "What is the energy cost per bitcoin at 8 cents per kWh?"
    result = _json(capsys, ["--data-dir", str(data), "ask", "--json", question])
    assert isinstance(result, dict) and round(result["calculation"]["value"]) == 68_267
    # The default model runs from a converted copy made as its engine first loads it.
    assert list((data / "model-cache").glob("*.onnx"))  # the embedder ran
    assert not list((data / "model-cache").glob("*.gguf"))  # the model never loaded


def test_ask_batch_reads_questions_from_stdin(data_dir: str, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from assistant.app import models_door as service_module

    loads: list[object] = []
    real = service_module.ProcessEngine

    def counting(*args: object, **kwargs: object) -> object:
        loads.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service_module, "ProcessEngine", counting)
    monkeypatch.setattr("sys.stdin", io.StringIO(
        "What is the Nakamoto coefficient?\n\nHow do I knit a woollen scarf?\n"))
    assert main(["--data-dir", data_dir, "ask", "--json", "--max-tokens", "16", "-"]) == 0
    lines = capsys.readouterr().out.splitlines()
    answers = [json.loads(line) for line in lines]
    assert [a["question"] for a in answers] == ["What is the Nakamoto coefficient?",
                                               "How do I knit a woollen scarf?"]
    assert [a["abstained"] for a in answers] == [False, True]
    assert all(set(a) >= ANSWER_KEYS for a in answers)
    assert len(loads) == 1


def test_models_list_and_add(data_dir: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.engines.registry import default_model

    models = _json(capsys, ["--data-dir", data_dir, "models", "list", "--json"])
    assert isinstance(models, list) and models[0]["default"] and models[0]["available"]
    fake = tmp_path / "notes.gguf"
    fake.write_text("this is not a model", encoding="utf-8")
    assert main(["--data-dir", data_dir, "models", "add", str(fake)]) == 1
    assert "not a GGUF model file: notes.gguf" in capsys.readouterr().err
    copy = tmp_path / "my-model.gguf"
    copy.symlink_to(default_model().path)
    assert main(["--data-dir", data_dir, "models", "add", str(copy)]) == 0
    assert "registered my-model" in capsys.readouterr().out
    models = _json(capsys, ["--data-dir", data_dir, "models", "list", "--json"])
    assert [m["id"] for m in models][-1] == "my-model"


def test_chat_keeps_a_conversation(data_dir: str, make_service: MakeService) -> None:
    env = {**os.environ, "ASSISTANT_DATA_DIR": data_dir}
    script = "Why are miners moving to Paraguay?\nand what about Ethiopia?\n/quit\n"
    done = subprocess.run([sys.executable, "-m", "assistant", "chat", "--max-tokens", "24"],
                          input=script, capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Evidence:") == 2 and "Ethiopia" in done.stdout
    with make_service(data_dir, embedder="real") as svc:  # the CLI's embedder: no re-embedding
        (conversation,) = [c for c in svc._conversations.list() if c.turns == 2]
        assert conversation.title == "Why are miners moving to Paraguay?"


def test_summarize_a_document_with_citations(data_dir: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    payload = _json(capsys, ["--data-dir", data_dir, "summarize", "--json", "hashprice.md"])
    assert payload["answer"].startswith("“Hashprice: What a Unit of Hash Rate Earns per Day” in ")  # type: ignore[index]
    lines = payload["answer"].splitlines()[1:]  # type: ignore[index]
    assert len(lines) >= 3 and all(line.startswith("• ") for line in lines)
    assert payload["unsupported"] == [] and payload["model"] is None  # type: ignore[index]
    assert all(e["path"].endswith("hashprice.md") for e in payload["evidence"])  # type: ignore[index]
    assert main(["--data-dir", data_dir, "summarize", "nothing-like-it"]) == 1
    assert "no document in the library matches" in capsys.readouterr().err


def test_ask_through_a_remote_model_server(data_dir: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with fake_openai.serve() as server:
        result = _json(capsys, ["--data-dir", data_dir, "--llm-url", fake_openai.url(server),
                                "ask", "--json", "--collection", "Library",
                                "What is hashprice?"])
        sent = [body for method, path, body in server.requests
                if path == "/v1/chat/completions"]
    assert isinstance(result, dict) and result["model"] == "tiny-chat"
    assert len(sent) == 1 and "hashprice" in sent[0]["messages"][-1]["content"].lower()
    assert result["timings"]["completion_tokens"] == len(fake_openai.WORDS)
    assert result["evidence"] and result["answer"]
    assert main(["--data-dir", data_dir, "--llm-url", "http://127.0.0.1:9", "ask",
                 "What is hashprice?"]) == 1
    assert "127.0.0.1:9 is not reachable" in capsys.readouterr().err
