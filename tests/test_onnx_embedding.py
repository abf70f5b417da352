"""The embedder on onnxruntime: int8 vectors close to the reference's, no PyTorch at run time,
an export made once per package, and the reference answering when the export cannot be made or
loaded."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.engines.embedding import SentenceTransformerEmbedder, default_embedding_model_path
from assistant.engines.onnx_embedding import (
    EXPORT_STEM,
    QUANTIZED_AGREEMENT,
    OnnxEmbedder,
    export_key,
    exported_model,
    float_products,
)
from tests.services import MakeService

ROOT = Path(__file__).resolve().parents[1]
TEXTS = [
    "What is hashprice?",
    "HOW MUCH DOES A KILOWATT-HOUR COST FOR MINERS IN TEXAS?",  # lowercased as the reference
    "Édition spéciale: l'énergie du minage — 42 %, ≈ 3.4 GB",
    # Past the model's max_seq_length, cut where the reference cuts: each third of this text
    # is on another subject, so a cut anywhere else moves the vector.
    " ".join(["Miners compare the hash rate of their machines with the network's."] * 12
             + ["Simmer the onions slowly in butter until they turn golden brown."] * 12
             + ["Astronomers measure the distance to nearby stars by parallax."] * 40),
    "A mid-length passage about the energy cost of one bitcoin, the network's hash rate and "
    "how the difficulty adjustment keeps blocks ten minutes apart on average.",
]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding the real export of the packaged model (made once here)."""
    cache = tmp_path_factory.mktemp("model-cache")
    exported_model(default_embedding_model_path(), cache)
    return cache


def cache_copy(onnx_cache: Path, data_dir: Path) -> Path:
    """``data_dir``'s model cache holding the module's export (as after a first run)."""
    cache = data_dir / "model-cache"
    shutil.copytree(onnx_cache, cache)
    return cache


@pytest.mark.integration
def test_its_vectors_stay_close_to_the_references(
        onnx_cache: Path, real_embedder: SentenceTransformerEmbedder) -> None:
    embedder = OnnxEmbedder(onnx_cache)
    ours = embedder.embed(TEXTS)
    assert embedder.backend == "onnxruntime"
    assert ours.shape == (len(TEXTS), embedder.dimension) and ours.dtype == np.float32
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * real_embedder.embed(TEXTS)).sum(axis=1)
    # Close, and not the float export's 1.000000: the weights are int8.
    assert QUANTIZED_AGREEMENT < cosines.min() and cosines.max() < 0.99999, cosines
    # Each text runs alone: its vector is the same whatever is embedded beside it.
    alone = np.vstack([embedder.embed([text]) for text in reversed(TEXTS)])[::-1]
    assert np.allclose(alone, ours, atol=1e-6)


@pytest.mark.integration
def test_the_export_keeps_in_float_only_the_products_that_drift(onnx_cache: Path) -> None:
    import onnx

    graph = onnx.load(str(next(onnx_cache.glob("*.onnx")))).graph
    weights = {initializer.name for initializer in graph.initializer}
    in_float = sorted(node.name for node in graph.node if node.op_type == "MatMul"
                      and any(name in weights for name in node.input))
    assert in_float == [f"/bert/encoder/layer.{n}/output/dense/MatMul" for n in range(3)]
    assert sum(node.op_type == "MatMulInteger" for node in graph.node) == 36 - 3


def test_the_products_left_in_float_are_the_first_halfs_feed_forward_outputs() -> None:
    def products(layers: int) -> list[str]:
        return [f"/bert/encoder/layer.{n}/{part}/MatMul" for n in range(layers)
                for part in ("attention/self/query", "attention/output/dense",
                             "intermediate/dense", "output/dense")]

    assert float_products(products(6)) == [
        "/bert/encoder/layer.0/output/dense/MatMul", "/bert/encoder/layer.1/output/dense/MatMul",
        "/bert/encoder/layer.2/output/dense/MatMul"]
    assert len(float_products(products(12))) == 6
    assert float_products(products(3)) == [
        "/bert/encoder/layer.0/output/dense/MatMul", "/bert/encoder/layer.1/output/dense/MatMul"]
    assert float_products(["/pooler/dense/MatMul"]) == []


@pytest.mark.integration
def test_a_library_embedded_by_the_reference_is_embedded_again_once(
        onnx_cache: Path, tmp_path: Path, make_service: MakeService,
        real_embedder: SentenceTransformerEmbedder) -> None:
    (tmp_path / "docs").mkdir()
    note = tmp_path / "docs" / "hashprice.md"
    note.write_text("# Hashprice\n\nHashprice is the revenue a miner earns per unit of hash "
                    "rate per day, in dollars per petahash per day.\n", encoding="utf-8")
    data = tmp_path / "data"
    with make_service(data, embedder=real_embedder) as service:
        service.ingest([note], collection="notes")
        chunks = service._store.chunk_count()
    with make_service(data, embedder=OnnxEmbedder(cache_copy(onnx_cache, data))) as service:
        assert service.reembedded == chunks > 0  # another model's vectors: embedded again
        hits = service.search("what does a miner earn per petahash", k=1)
    assert hits and Path(hits[0].path).name == "hashprice.md"
    with make_service(data, embedder=OnnxEmbedder(data / "model-cache")) as service:
        assert service.reembedded == 0  # once


@pytest.mark.integration
def test_searching_on_onnx_never_imports_pytorch(onnx_cache: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    cache_copy(onnx_cache, data)
    note = tmp_path / "note.md"
    note.write_text("The difficulty adjusts every 2016 blocks.\n", encoding="utf-8")
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from assistant.app.service import AssistantService
        with AssistantService(Path({str(data)!r})) as service:
            service.ingest([Path({str(note)!r})], collection="notes")
            hits = service.search("how often does the difficulty adjust", k=1)
            print(len(hits), service.embedder_notice or "-")
        heavy = ("torch", "transformers", "sentence_transformers")
        print(*sorted(name for name in heavy if name in sys.modules) or ["none"])
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "-", "none"]


def fake_package(folder: Path) -> Path:
    """A model folder with a few small files, standing in for the package's."""
    (folder / "1_Pooling").mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"weights")
    (folder / "1_Pooling" / "config.json").write_text("{}")
    return folder


class CountingExport:
    """An exporter that writes a small file and counts its calls (or fails, if told to)."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self, model_dir: Path, target: Path) -> None:
        self.calls += 1
        target.write_bytes(b"half an export")
        if self.fail:
            raise RuntimeError("the exporter crashed")


def test_the_export_is_made_once_and_again_when_the_package_changes(tmp_path: Path) -> None:
    package, cache, export = fake_package(tmp_path / "model"), tmp_path / "cache", CountingExport()
    first = exported_model(package, cache, export)
    assert exported_model(package, cache, export) == first and export.calls == 1
    weights = package / "model.safetensors"
    weights.write_bytes(b"new weights")  # an upgraded package
    os.utime(weights, ns=(1, 1))
    second = exported_model(package, cache, export)
    assert second != first and export.calls == 2
    assert sorted(cache.iterdir()) == [second]  # the stale export is removed
    assert second.name == f"{EXPORT_STEM}-{export_key(package)}.onnx"


def test_a_failed_export_leaves_nothing_behind(tmp_path: Path) -> None:
    package, cache = fake_package(tmp_path / "model"), tmp_path / "cache"
    with pytest.raises(RuntimeError):
        exported_model(package, cache, CountingExport(fail=True))
    assert list(cache.iterdir()) == []


class CopyExport:
    """An exporter that copies a finished export (as fast as a real one is slow)."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.calls = 0

    def __call__(self, model_dir: Path, target: Path) -> None:
        self.calls += 1
        shutil.copyfile(self.source, target)


def damage(cache: Path) -> Path:
    """Write a damaged export where the package's export belongs in ``cache``."""
    cache.mkdir(exist_ok=True)
    path = cache / f"{EXPORT_STEM}-{export_key(default_embedding_model_path())}.onnx"
    path.write_bytes(b"not a model")
    return path


@pytest.mark.integration
def test_a_damaged_export_is_made_again(onnx_cache: Path, tmp_path: Path) -> None:
    path = damage(tmp_path / "cache")
    export = CopyExport(next(onnx_cache.glob("*.onnx")))
    embedder = OnnxEmbedder(tmp_path / "cache", export=export)
    assert embedder.embed(TEXTS[:1]).shape == (1, embedder.dimension)
    assert embedder.backend == "onnxruntime" and embedder.notice == ""
    assert export.calls == 1 and path.read_bytes() != b"not a model"


@pytest.fixture
def broken(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OnnxEmbedder]:
    """An embedder whose ONNX copy cannot be had: its export crashes (after finding a damaged
    copy, or none)."""
    cache = tmp_path / "cache"
    if request.param == "damaged, export fails":
        damage(cache)
    yield OnnxEmbedder(cache, export=CountingExport(fail=True))


@pytest.mark.integration
@pytest.mark.parametrize("broken", ["export fails", "damaged, export fails"], indirect=True)
def test_the_reference_answers_when_the_onnx_copy_fails(
        broken: OnnxEmbedder, real_embedder: SentenceTransformerEmbedder) -> None:
    vectors = broken.embed(TEXTS[:2])
    assert broken.backend == "sentence-transformers"
    assert "PyTorch" in broken.notice
    assert np.allclose(vectors, real_embedder.embed(TEXTS[:2]), atol=1e-5)
