"""The bundled MiniLM embedder run by onnxruntime, with no PyTorch at run time.

The packaged model is exported once to ONNX (transformer, mean pooling and L2 normalisation in
one graph) from the package's own weights, into a cache folder beside the chat model's converted
copy, under a key of the package's files: a changed package is exported again. Exporting needs
torch and ``onnx``; running needs only onnxruntime and ``tokenizers``. A copy onnxruntime cannot
load is exported again; if that fails too, or onnxruntime is missing, the sentence-transformers
embedder (the reference) answers instead, with a notice.

Its weights are int8 where the vectors allow it (:func:`quantize`): each text runs 3.6 times
as fast as the reference's ``SentenceTransformer.encode`` on 2 cores, against 1.8 times in
float32. Over the library's 254 chunks the vectors' cosines to the reference were 0.992 at
least (0.996 median), and the dev and held-out sets found the same passages (hit@5 and
fact in evidence unchanged). The vectors are close but not the reference's, so they carry
a ``model_id`` of their own: a library embedded by the reference is embedded again once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from assistant.engines.embedding import SentenceTransformerEmbedder, default_embedding_model_path
from assistant.errors import ModelError

_log = logging.getLogger(__name__)

# Bump when the exported graph changes (inputs, pooling, opset): older files are exported again.
EXPORT_RECIPE = "minilm-mean-l2-opset17-int8-7bit-v3"
EXPORT_STEM = "all-MiniLM-L6-v2"
# An export is kept only if its vectors for a padded batch of another shape than the traced
# one have at least this cosine to the model's own (float noise leaves them above 0.99999).
EXPORT_AGREEMENT = 0.9999
# The int8 copy is kept only if each of these texts' vectors has at least this cosine to the
# model's own (over the library's 254 chunks the minimum was 0.992; weights quantized per
# tensor instead of per column, 0.915).
QUANTIZED_AGREEMENT = 0.98
CHECK_TEXTS = (
    "What does a miner earn per petahash of hash rate in a day?",
    "The difficulty adjusts every 2016 blocks so that a block is found about every ten "
    "minutes.",
    "Quantized weights let a small language model answer questions on an ordinary laptop.",
    "Simmer the onions slowly in butter until they turn golden brown.",
    "TABLE 3: 21.5 EH/s, 38 J/TH, $0.05/kWh; see p. 12.",
)
# Texts are cut at the model's max_seq_length, as the reference cuts them (this, if the
# package does not say).
MAX_TOKENS = 256
# Each text is run alone (no padding: its vector never depends on the texts beside it), on a
# single-threaded session, as many at once as the machine has cores. Measured on 2 cores (a
# Xeon) over the library's 254 chunks: batches of 4 on 2 threads ran 76 chunks/s, batches of
# 4 two at a time on one thread each 88, single texts two at a time 98 (a run of a small
# model is mostly short operators, and two threads synchronising on each of them wait more
# than they work); a question alone took 4.3 ms on one thread, 4.0 on two.
MAX_WORKERS = 4

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
    full = target.with_name(target.name + ".float")
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's notes on transformers' mask code
            torch.onnx.export(
                pooled, (example, example), str(full), dynamo=False, opset_version=17,
                input_names=["input_ids", "attention_mask"], output_names=["embeddings"],
                dynamic_axes={"input_ids": axes, "attention_mask": axes,
                              "embeddings": {0: "batch"}})
            # The tracer records one shape and one mask; a graph that bakes either in (a
            # change in transformers' mask code could) gives other vectors for another batch.
            ids = torch.randint(1000, 20000, (3, 13), generator=torch.Generator().manual_seed(0))
            mask = torch.ones_like(ids)
            mask[1, 9:] = mask[2, 4:] = 0
            expected = pooled(ids, mask).numpy()
            texts = [torch.tensor([ids_of]) for ids_of in _token_ids(model_dir, CHECK_TEXTS)]
            references = [pooled(t, torch.ones_like(t)).numpy() for t in texts]
        import onnxruntime

        session = onnxruntime.InferenceSession(str(full), providers=["CPUExecutionProvider"])
        got = session.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
        if float((got * expected).sum(axis=1).min()) < EXPORT_AGREEMENT:
            raise ModelError("the ONNX export does not give the model's vectors")
        quantize(full, target)
        session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
        agreement = min(float((session.run(None, {"input_ids": t.numpy(),
                                                  "attention_mask": np.ones_like(t.numpy())}
                                           )[0] * reference).sum())
                        for t, reference in zip(texts, references, strict=True))
        if agreement < QUANTIZED_AGREEMENT:
            raise ModelError(f"the int8 copy's vectors drift from the model's (cosine "
                             f"{agreement:.3f})")
    finally:
        full.unlink(missing_ok=True)


def quantize(source: Path, target: Path) -> None:
    """Write ``source``'s graph with dynamic int8 weights to ``target`` (one scale per output
    column; the activations are quantized as each text runs), but for
    :func:`float_products`.

    The weights use 7 of the 8 bits: CPUs without VNNI (AVX2 alone, as on the AMD EPYCs we
    run on) multiply 8-bit pairs into 16-bit sums that saturate at full range; at 7 bits no
    sum can, so every CPU computes the same vectors (a library shared between machines needs
    that). Over the library's chunks, on a CPU with VNNI, 8 bits gave cosines to the
    reference of 0.9937 min / 0.9969 median, 7 bits 0.9924 / 0.9957, at the same speed."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(source)).graph
    weights = {initializer.name for initializer in graph.initializer}
    products = [node.name for node in graph.node
                if node.op_type == "MatMul" and any(name in weights for name in node.input)]
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer's advice on pre-processing, on every call
    try:
        quantize_dynamic(str(source), str(target), per_channel=True, reduce_range=True,
                         weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                         nodes_to_exclude=float_products(products),
                         extra_options={"MatMulConstBOnly": True})
    finally:
        root.setLevel(level)


def float_products(products: Sequence[str]) -> list[str]:
    """Of the encoder's weight products (node names), those left in float: the feed-forward
    output products of its first half of layers. Their input (after GELU) has the widest
    outliers, which one activation scale per text flattens. Quantized one group at a time
    over the library's chunks, they cost the most (mean cosine lost: layer 0 0.0014,
    layer 2 0.0009, layer 1 0.0006; layers 3-5 0.0002 at most, any other group 0.0004 at
    most)."""
    layers = {name: int(found.group(1)) for name in products
              if (found := re.search(r"layer\.(\d+)/output/dense/", name))}
    count = max(layers.values(), default=-1) + 1
    return [name for name, layer in layers.items() if layer < (count + 1) // 2]


def _token_ids(model_dir: Path, texts: Sequence[str]) -> list[list[int]]:
    """``texts`` as the package's tokenizer cuts them (as :func:`_open` sets it)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=max_tokens(model_dir))
    tokenizer.no_padding()
    return [encoding.ids for encoding in tokenizer.encode_batch(list(texts))]


class OnnxEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) on onnxruntime, exported into ``cache`` on first
    use; the sentence-transformers embedder if that fails (``notice`` says why)."""

    # Close to the reference's vectors, not the same (see the module doc). If the ONNX copy
    # fails and the reference answers instead, its vectors are as close: they keep this id.
    model_id = f"{SentenceTransformerEmbedder.model_id}+onnx-int8"
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
        try:
            if len(texts) == 1:
                return self._run(texts[0])
            with ThreadPoolExecutor(min(workers(), len(texts))) as pool:
                return np.vstack(list(pool.map(self._run, texts)))
        except Exception as exc:
            raise ModelError(f"embedding failed: {exc}") from exc

    def _run(self, text: str) -> np.ndarray:
        """The vector of ``text``, tokenized and run on this thread (the runs of other texts
        go on beside it)."""
        tokens = np.array([self._tokenizer.encode(text).ids], dtype=np.int64)
        return self._session.run(None, {"input_ids": tokens,
                                        "attention_mask": np.ones_like(tokens)})[0]


def workers() -> int:
    """How many texts are embedded at once: the cores this process may use (at most
    :data:`MAX_WORKERS`)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cores))


def _open(model_dir: Path, cache: Path, export: Exporter | None) -> tuple[Any, Any]:
    """An onnxruntime session of the export of ``model_dir`` in ``cache`` (exported first if
    need be) and the package's tokenizer, set as the reference uses it (lowercased by its
    normaliser, cut at its max_seq_length, padded to the longest text of a batch)."""
    import onnxruntime  # before exporting: without it, an export would be of no use
    from tokenizers import Tokenizer

    onnx_path = exported_model(model_dir, cache, export)
    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = options.intra_op_num_threads = 1  # texts run side by side
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
    tokenizer.no_padding()  # each text runs alone
    return session, tokenizer



def max_tokens(model_dir: Path) -> int:
    """The model's ``max_seq_length`` (``sentence_bert_config.json``), else :data:`MAX_TOKENS`."""
    try:
        config = json.loads((model_dir / "sentence_bert_config.json").read_text("utf-8"))
        return int(config["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return MAX_TOKENS
