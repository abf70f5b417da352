"""The models part of the app's door: the language model that answers (loaded here, in its
own engine process, or on a model server) and the library's embedder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.answers.prompting import SYSTEM_PROMPT
from assistant.engines.embedding import Embedder
from assistant.engines.engine import Engine, EngineSettings
from assistant.engines.engine_layout import LAYOUTS_FILE, LayoutMemory
from assistant.engines.engine_process import ProcessEngine
from assistant.engines.registry import ModelEntry, add_user_model, all_models, default_model
from assistant.engines.remote_engine import RemoteEngine, parse_url
from assistant.errors import ModelError
from assistant.system.egress import allow as allow_egress
from assistant.system.foreground import ForegroundGate

ENGINE_LOG = "engine.log"  # what the model engine process writes to stderr


@dataclass(frozen=True)
class ModelInfo:
    """The loaded model: its name, files, context size, engine process and any notice."""

    model_id: str
    model_path: Path
    weights_path: Path
    n_ctx: int
    pid: int | None
    notice: str


class ModelsDoor:
    """What :class:`~assistant.app.service.AssistantService` offers on its models (the engine
    in ``_engine``, swapped only between answers, under the foreground ``_gate``)."""

    data_dir: Path
    _engine: Engine | None
    _embedder: Embedder
    _gate: ForegroundGate

    @property
    def weights_cache(self) -> Path:
        """Where models in a weight format slow on CPUs are kept converted (derived data)."""
        return self.data_dir / "model-cache"

    def _loaded(self) -> Engine:
        if self._engine is None:
            raise ModelError("no language model is loaded")
        return self._engine

    def model_info(self) -> ModelInfo:
        """Which model answers and how it runs; raises ModelError if none is loaded."""
        engine = self._loaded()
        return ModelInfo(engine.model_id, Path(getattr(engine, "model_path", "") or ""),
                         Path(getattr(engine, "weights_path", "") or ""), engine.n_ctx,
                         getattr(engine, "pid", None), self.model_notice)

    @property
    def embedder_name(self) -> str:
        """The embedding model's name, as the local API reports it."""
        return Path(str(getattr(self._embedder, "model_path", "") or "embedder")).name

    @property
    def embedder_notice(self) -> str:
        """What the user should know about how the embedder runs (its fallback), if anything."""
        return str(getattr(self._embedder, "notice", "") or "")

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """The library embedder's vectors for ``texts`` (what search compares)."""
        return [[float(x) for x in vector] for vector in self._embedder.embed(list(texts))]

    def warm_up(self) -> None:
        """Load the embedding model now, so the first question does not wait for it."""
        self._embedder.embed(["warm up"])

    def load_model(self, path: Path | None = None, *, n_ctx: int | None = None,
                   n_threads: int | None = None, system_prompt: str | None = None,
                   lazy: bool = False) -> ModelInfo | None:
        """Load a GGUF model (the default one if ``path`` is None) for answering, in its own
        engine process (a crash there costs a turn, never this process).

        If it fails, the model loaded before stays in use; if it loads, the old one is freed
        (once any answer it is writing has ended). The prompt's opening (``system_prompt``,
        else the default one) is evaluated at once, so the first question does not wait.
        ``lazy``: start the engine only when an answer first needs the model (a one-shot
        question answered by the calculator or from the library alone never starts it); then
        None is returned, as what the model is like is not known yet.
        """
        model_path = Path(path).expanduser() if path else default_model().path
        self._use(ProcessEngine(
            EngineSettings(model_path, n_ctx=n_ctx, n_threads=n_threads,
                           weights_cache=self.weights_cache),
            system=system_prompt or SYSTEM_PROMPT,
            layouts=LayoutMemory(self.weights_cache / LAYOUTS_FILE),
            log_path=self.data_dir / ENGINE_LOG, lazy=lazy))
        return None if lazy else self.model_info()

    def load_remote_model(self, url: str, model: str | None = None, *,
                          n_ctx: int | None = None) -> ModelInfo:
        """Answer with ``model`` (default: the first listed) from the OpenAI-compatible
        server at ``url`` (llama-server, vLLM, Ollama …), instead of a GGUF loaded here.
        The egress guard lets exactly that host and port through."""
        endpoint = parse_url(url)
        allow_egress(endpoint.host, endpoint.port)
        self._use(RemoteEngine(url, model, n_ctx=n_ctx))
        return self.model_info()

    def _use(self, engine: Engine) -> None:
        """Answer with ``engine`` from now on: swapped between two answers (the window's or
        the local API's), never under one, and the old engine closed."""
        with self._gate.active():
            previous, self._engine = self._engine, engine
            close = getattr(previous, "close", None)
            if close is not None:
                close()

    @property
    def model_remote(self) -> str:
        """``HOST:PORT`` of the model server answering, or "" for a model loaded here."""
        return str(getattr(self._engine, "remote", "") or "")

    @property
    def model_notice(self) -> str:
        """What the user should know about how the model runs (safe mode), if anything."""
        return str(getattr(self._engine, "notice", "") or "")

    def engine_memory_bytes(self) -> int:
        """Resident memory of the model engine's process, if one runs (else 0)."""
        memory = getattr(self._engine, "memory_bytes", None)
        return int(memory()) if memory is not None else 0

    def models(self) -> list[ModelEntry]:
        """The chat models: bundled, in ``models/``, and registered by the user."""
        return all_models(self.data_dir)

    def add_model(self, path: Path) -> ModelEntry:
        """Register a GGUF file after checking it is a readable model."""
        return add_user_model(self.data_dir, Path(path))
