"""The bundled MiniLM embedder run by onnxruntime, with no PyTorch at run time.

The packaged model is exported once to ONNX (transformer, mean pooling and L2 normalisation in
one graph) from the package's own weights, into a cache folder beside the chat model's converted
copy, under a key of the package's files: a changed package is exported again. Exporting needs
torch and ``onnx``; running needs only onnxruntime and ``tokenizers``. A copy onnxruntime cannot
load is exported again; if that fails too, or onnxruntime is missing, the sentence-transformers
embedder (the reference) answers instead, with a notice.

Its vectors are those of the reference: over the bundled library and the QA documents' 388
chunks, float32 export against ``SentenceTransformer.encode``, every cosine was 1.000000 (to six
places), so it keeps the reference's ``model_id`` and stored vectors are not embedded again.
(Dynamic int8 quantization was measured and left out: cosines 0.986 min, 0.995 median, and
the dev set's fact-in-evidence fell from 95.8% to 93.8%.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.engines.embedding import SentenceTransformerEmbedder, default_embedding_model_path
from assistant.errors import ModelError

_log = logging.getLogger(__name__)

# Bump when the exported graph changes (inputs, pooling, opset): older files are exported again.
EXPORT_RECIPE = "minilm-mean-l2-opset17-v1"
EXPORT_STEM = "all-MiniLM-L6-v2"
# An export is kept only if its vectors for a padded batch of another shape than the traced
# one have at least this cosine to the model's own (float noise leaves them above 0.99999).
EXPORT_AGREEMENT = 0.9999
# Texts are cut at the model's max_seq_length, as the reference cuts them (this, if the
# package does not say).
MAX_TOKENS = 256
# Texts are run longest first in batches of this many (fewer pad tokens). Measured on 2 cores
# (a Xeon) over the library's 251 chunks: batches of 4 ran 74 chunks/s, of 16 66, of 64 slower
# still; and onnxruntime keeps the memory of its largest batch: 4 chunks of 256 tokens held
# 180 MB less than 16 (the attention scores grow with batch × tokens²).
BATCH = 4

Exporter = Callable[[Path, Path], None]


def export_key(model_dir: Path) -> str:
    """A short key of the package's model files (names, sizes, modification times) and the
    export recipe: it changes when the package is reinstalled or upgraded."""
    parts = [EXPORT_RECIPE]
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        stat = path.stat()
        parts.append(f"{path.relative_to(model_dir)}|{stat.st_size}|{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def exported_model(model_dir: Path, cache: Path, export: Exporter | None = None) -> Path:
    """The ONNX export of ``model_dir`` in ``cache``, exported the first time (and again when
    the package's files change; older exports are removed)."""
    target = cache / f"{EXPORT_STEM}-{export_key(model_dir)}.onnx"
    if target.is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        (export or export_onnx)(model_dir, partial)
        os.replace(partial, target)  # atomic: a crash never leaves a half-written export
    finally:
        partial.unlink(missing_ok=True)
    for older in cache.glob(f"{EXPORT_STEM}-*.onnx"):
        if older != target:
            older.unlink(missing_ok=True)
    return target


def export_onnx(model_dir: Path, target: Path) -> None:
    """Export the sentence-transformers model in ``model_dir`` (BERT, mean pooling, L2
    normalisation) to ``target``, with dynamic batch and sequence axes. Imports torch."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager",
                                     local_files_only=True).eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    pooled = Pooled().eval()
    example = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on transformers' mask code
        torch.onnx.export(
            pooled, (example, example), str(target), dynamo=False, opset_version=17,
            input_names=["input_ids", "attention_mask"], output_names=["embeddings"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "embeddings": {0: "batch"}})
        # The tracer records one shape and one mask; a graph that bakes either in (a change
        # in transformers' mask code could) gives other vectors for another batch.
        ids = torch.randint(1000, 20000, (3, 13), generator=torch.Generator().manual_seed(0))
        mask = torch.ones_like(ids)
        mask[1, 9:] = mask[2, 4:] = 0
        expected = pooled(ids, mask).numpy()
    import onnxruntime

    session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    got = session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
    if float((got * expected).sum(axis=1).min()) < EXPORT_AGREEMENT:
        raise ModelError("the ONNX export does not give the model's vectors")


class OnnxEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) on onnxruntime, exported into ``cache`` on first
    use; the sentence-transformers embedder if that fails (``notice`` says why)."""

    model_id = SentenceTransformerEmbedder.model_id  # the same vectors (see the module doc)
    dimension = SentenceTransformerEmbedder.dimension

    def __init__(self, cache: Path, model_path: Path | None = None, *,
                 export: Exporter | None = None) -> None:
        self.cache = cache
        self.model_path = model_path
        self.notice = ""
        self._export = export
        self._session: Any = None
        self._tokenizer: Any = None
        self._fallback: SentenceTransformerEmbedder | None = None
        self._lock = threading.Lock()

    @property
    def backend(self) -> str:
        """What embeds: "onnxruntime", "sentence-transformers" (the fallback), or "" (not
        loaded yet)."""
        if self._fallback is not None:
            return "sentence-transformers"
        return "onnxruntime" if self._session is not None else ""

    def load(self) -> None:
        """Load the model now (exporting it the first time); otherwise the first call to
        :meth:`embed` does."""
        with self._lock:
            if self._session is not None or self._fallback is not None:
                return
            model_dir = self.model_path or default_embedding_model_path()
            try:
                self._session, self._tokenizer = _open(model_dir, self.cache, self._export)
            except Exception as exc:  # onnxruntime or torch missing, export failed, bad file
                self.notice = (f"the embedder runs on PyTorch (slower to start): its ONNX "
                               f"copy could not be made or loaded ({exc})")
                _log.warning("%s", self.notice)
                self._fallback = SentenceTransformerEmbedder(model_dir)
        if self._fallback is not None:
            self._fallback.load()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalized embeddings of ``texts``."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self.load()
        if self._fallback is not None:
            return self._fallback.embed(texts)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        try:
            for first in range(0, len(order), BATCH):
                rows = order[first:first + BATCH]
                encoded = self._tokenizer.encode_batch([texts[i] for i in rows])
                feed = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
                        "attention_mask": np.array([e.attention_mask for e in encoded],
                                                   dtype=np.int64)}
                out[rows] = self._session.run(None, feed)[0]
        except Exception as exc:
            raise ModelError(f"embedding failed: {exc}") from exc
        return out


def _open(model_dir: Path, cache: Path, export: Exporter | None) -> tuple[Any, Any]:
    """An onnxruntime session of the export of ``model_dir`` in ``cache`` (exported first if
    need be) and the package's tokenizer, set as the reference uses it (lowercased by its
    normaliser, cut at its max_seq_length, padded to the longest text of a batch)."""
    import onnxruntime  # before exporting: without it, an export would be of no use
    from tokenizers import Tokenizer

    onnx_path = exported_model(model_dir, cache, export)
    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1
    # Threads sleep rather than spin while waiting: with another process busy on a core, a
    # question took 5 ms either way, and spinning slowed batches by up to 15%.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    try:
        session = onnxruntime.InferenceSession(str(onnx_path), options,
                                               providers=["CPUExecutionProvider"])
    except Exception:  # a damaged copy (a disk error, a copy cut short): export it again
        onnx_path.unlink(missing_ok=True)
        session = onnxruntime.InferenceSession(str(exported_model(model_dir, cache, export)),
                                               options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_tokens(model_dir))
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return session, tokenizer



def max_tokens(model_dir: Path) -> int:
    """The model's ``max_seq_length`` (``sentence_bert_config.json``), else :data:`MAX_TOKENS`."""
    try:
        config = json.loads((model_dir / "sentence_bert_config.json").read_text("utf-8"))
        return int(config["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return MAX_TOKENS
