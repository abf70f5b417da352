"""Hostile models: damaged GGUF files, templates that try to run code or exhaust the machine,
and models too large for the memory free; each gives a clear error and the app goes on."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.engines.gguf import read_metadata
from assistant.engines.memory import check_fits
from assistant.engines.registry import default_model
from assistant.errors import ModelError
from tests.services import MakeService

ROOT = Path(__file__).resolve().parents[1]
MARKER = "/tmp/offgrid-template-ran-code"
HOSTILE_TEMPLATES = {
    "reaches os.system": "{{ cycler.__init__.__globals__.os.system('touch " + MARKER + "') }}",
    "walks subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "huge repetition": "{{ 'x' * 1000000000 }}",
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                    "{% endfor %}",
    "mutates messages": "{{ messages.append(messages) }}",
}


def with_template(tmp_path: Path, template: str) -> Path:
    """The bundled model with its chat template replaced (same byte length: nothing moves)."""
    source = default_model().path
    data = source.read_bytes()
    original = read_metadata(source)["tokenizer.chat_template"].encode()
    payload = template.encode()
    assert len(payload) + 4 <= len(original)
    padded = payload + b"{#" + b" " * (len(original) - len(payload) - 4) + b"#}"
    start = data.index(original)
    path = tmp_path / "hostile-template.gguf"
    path.write_bytes(data[:start] + padded + data[start + len(original):])
    return path


@pytest.mark.parametrize("name", list(HOSTILE_TEMPLATES))
def test_a_template_that_attacks_is_refused_when_the_model_loads(
        tmp_path: Path, make_service: MakeService, name: str) -> None:
    path = with_template(tmp_path, HOSTILE_TEMPLATES[name])
    assert read_metadata(path)["tokenizer.chat_template"].startswith(HOSTILE_TEMPLATES[name])
    with make_service() as service:
        before = service.load_model()
        with pytest.raises(ModelError, match="chat template"):
            service.load_model(path)
        assert service.model_info() == before  # the model in use stays
    assert not os.path.exists(MARKER)


def damaged_copies(folder: Path) -> dict[str, str]:
    """Damaged copies of the bundled model: truncated anywhere, bytes flipped in the header,
    the metadata and the tensor table. Name → what was done."""
    source = default_model().path
    data = source.read_bytes()
    rng = random.Random(9)
    folder.mkdir()
    done: dict[str, str] = {}
    for fraction in (0.0001, 0.01, 0.3, 0.5, 0.6, 0.8, 0.9, 0.99, 0.9999):
        name = f"cut-{fraction}.gguf"
        (folder / name).write_bytes(data[: int(len(data) * fraction)])
        done[name] = f"truncated at {fraction:.2%}"
    table = len(data) // 80  # the tensor table follows the metadata (~1.7 MB here)
    for number in range(12):
        region = ("header", 4, 24) if number < 3 else (
            ("metadata", 24, table) if number < 7 else ("tensor table", 1_769_000, 1_790_000))
        buffer = bytearray(data)
        for _ in range(64):
            buffer[rng.randrange(region[1], region[2])] = rng.randrange(256)
        name = f"flipped-{region[0].replace(' ', '-')}-{number}.gguf"
        (folder / name).write_bytes(bytes(buffer))
        done[name] = f"64 bytes flipped in the {region[0]}"
    (folder / "noise.gguf").write_bytes(b"GGUF\x03\x00\x00\x00" + rng.randbytes(100_000))
    done["noise.gguf"] = "GGUF magic, then noise"
    return done


def test_damaged_model_files_give_clear_errors_and_never_crash(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    done = damaged_copies(folder)
    # In a child, so that a crash in native code would show here as a failure, not kill pytest.
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from assistant.errors import ModelError\n"
        "from assistant.engines.llama_engine import LlamaEngine\n"
        "from tests.local_engine import engine_settings\n"
        "for path in sorted(Path(sys.argv[1]).iterdir()):\n"
        "    print('TRY', path.name, flush=True)\n"
        "    try:\n"
        "        LlamaEngine(engine_settings(path)).close()\n"
        "        print('RESULT', json.dumps([path.name, 'loaded']), flush=True)\n"
        "    except ModelError as exc:\n"
        "        print('RESULT', json.dumps([path.name, str(exc)]), flush=True)\n")
    child = subprocess.run([sys.executable, "-c", script, str(folder)], cwd=ROOT,
                           capture_output=True, text=True, timeout=600, check=False)
    tried = [line.split(" ", 1)[1] for line in child.stdout.splitlines()
             if line.startswith("TRY ")]
    assert child.returncode == 0, f"crashed ({child.returncode}) on {tried[-1:]}"
    results = dict(json.loads(line.split(" ", 1)[1]) for line in child.stdout.splitlines()
                   if line.startswith("RESULT "))
    assert set(results) == set(done)
    loaded = [name for name, outcome in results.items() if outcome == "loaded"]
    for name, outcome in results.items():
        if outcome != "loaded":
            assert any(word in outcome for word in ("GGUF", "llama.cpp could not load",
                                                    "truncated", "model")), (name, outcome)
    # Only damage llama.cpp cannot see (a flipped byte in a value it does not check) loads.
    assert all(name.startswith("flipped-metadata") for name in loaded), loaded


def test_a_model_too_large_for_the_free_memory_is_refused_before_loading(
        tmp_path: Path, make_service: MakeService) -> None:
    source = default_model().path
    metadata = read_metadata(source)
    need = check_fits(source, metadata, 8192, available=10**12)
    assert 300e6 < need < 1e9  # 138 MB weights + 189 MB context + overhead
    with pytest.raises(ModelError, match=r"needs about .* of memory .* only 200\.0 MB is free"):
        check_fits(source, metadata, 8192, available=200_000_000)
    huge = tmp_path / "huge.gguf"  # a real header on a 2 TB sparse file
    huge.write_bytes(source.read_bytes()[:2_000_000])
    os.truncate(huge, 2 * 10**12)
    with make_service() as service:
        with pytest.raises(ModelError, match=r"huge.gguf needs about 2\.0 TB of memory"):
            service.load_model(huge)
