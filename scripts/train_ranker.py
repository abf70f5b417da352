"""Train the evidence ranker on the question sets; write ``assistant/answers/ranker_weights.py``.

    .venv/bin/python scripts/train_ranker.py [--questions FILE ...] [--check-only]

Every in-scope question of the sets is searched as the app searches it (the bundled library,
with the sets' external documents ingested beside it, in a temporary data directory); each
sentence of the five passages found is a candidate, labelled by whether it holds one of the
question's expected facts. A linear model over :data:`assistant.answers.ranking.FEATURES` is
fitted with a listwise softmax loss (per question, the probability given to the sentences that
hold the fact), then a logistic calibration maps its scores to 0–1.

Before writing, the script prints a leave-one-set-out comparison (each set ranked by weights
trained on the others) of the rules' order and the ranker's: how often the fact is in the
first, the first two and the first four distinct sentences. ``--check-only`` prints that and
writes nothing. Blind sets are left out of training until they have been measured once.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import textwrap
from collections import Counter
from pathlib import Path

import numpy as np

from assistant.answers.evidence import split_sentences
from assistant.answers.pipeline import AskOptions
from assistant.answers.ranking import FEATURES, sentence_features
from assistant.app.service import AssistantService
from assistant.bench.dev_set import has_fact, load_questions
from assistant.engines.onnx_embedding import OnnxEmbedder
from assistant.system.paths import PROJECT_ROOT, library_dir, resolve_data_dir

TRAINING_SETS = ("questions", "heldout", "heldout2", "heldout3", "heldout4", "heldout5",
                 "external/dev", "external/heldout", "external/heldout2", "external/heldout3")
OUTPUT = PROJECT_ROOT / "assistant" / "answers" / "ranker_weights.py"
L2 = 0.01
STEPS = 300
RATE = 0.5


def gather(paths: list[Path]) -> list[dict]:
    """Per in-scope question: its set, features, labels and distinct-sentence keys."""
    questions = [dict(q, set=path.relative_to(PROJECT_ROOT / "tests" / "qa").with_suffix("")
                      .as_posix()) for path in paths for q in load_questions(path)]
    embedder = OnnxEmbedder(resolve_data_dir() / "model-cache")
    documents = sorted({(PROJECT_ROOT / q["document"]).resolve() for q in questions
                        if q.get("document")})
    items = []
    with tempfile.TemporaryDirectory() as tmp, \
            AssistantService(Path(tmp), embedder=embedder, library_dir=library_dir()) as service:
        service.sync_library()
        if documents:
            service.ingest(documents, collection="external")
        for q in questions:
            if q["kind"] != "in_scope":
                continue
            hits = service.search(q["question"], k=AskOptions().k)  # as the pipeline does
            sentences = split_sentences(hits)
            if not sentences:
                continue
            vectors = embedder.embed([q["question"]] + [s.text for s in sentences])
            features = sentence_features(q["question"], vectors[0], sentences, vectors[1:],
                                         [hit.score for hit in hits])
            items.append({"set": q["set"], "x": features,
                          "y": np.array([has_fact(q["facts"], s.text) for s in sentences],
                                        dtype=float),
                          "keys": [" ".join(s.text.lower().split()) for s in sentences]})
    return items


def fit(items: list[dict]) -> dict:
    """Standardisation, weights and calibration fitted on ``items``."""
    usable = [item for item in items if item["y"].any()]
    stacked = np.vstack([item["x"] for item in items])
    mean, scale = stacked.mean(0), stacked.std(0) + 1e-9
    weights = np.zeros(stacked.shape[1])
    for _ in range(STEPS):
        gradient = L2 * weights
        for item in usable:
            z = (item["x"] - mean) / scale
            logits = z @ weights
            p = np.exp(logits - logits.max())
            p /= p.sum()
            gradient += z.T @ (p - item["y"] / item["y"].sum()) / len(usable)
        weights -= RATE * gradient
    raw = np.concatenate([((item["x"] - mean) / scale) @ weights for item in items])
    labels = np.concatenate([item["y"] for item in items])
    slope, offset = 1.0, 0.0
    for _ in range(2000):  # logistic calibration of the raw score (Platt)
        p = 1 / (1 + np.exp(-(slope * raw + offset)))
        slope -= 0.5 * float(np.mean((p - labels) * raw))
        offset -= 0.5 * float(np.mean(p - labels))
    return {"features": list(FEATURES), "mean": mean.tolist(), "scale": scale.tolist(),
            "weights": weights.tolist(), "calibration": [slope, offset]}


def placed(item: dict, scores: np.ndarray) -> Counter:
    """Whether the fact is in the first 1, 2 and 4 distinct sentences by ``scores``."""
    order, seen = [], set()
    for index in np.argsort(-scores, kind="stable"):
        if item["keys"][index] not in seen:
            seen.add(item["keys"][index])
            order.append(index)
    return Counter({f"top{n}": int(item["y"][order[:n]].any()) for n in (1, 2, 4)})


def cross_check(items: list[dict]) -> None:
    """Leave one set out: the rules' order against the ranker trained on the other sets."""
    totals = {"rules": Counter(), "ranker": Counter()}
    for held in sorted({item["set"] for item in items}):
        model = fit([item for item in items if item["set"] != held])
        rows = {"rules": Counter(), "ranker": Counter()}
        for item in (item for item in items if item["set"] == held):
            rows["rules"] += placed(item, item["x"][:, 0])
            z = (item["x"] - np.asarray(model["mean"])) / np.asarray(model["scale"])
            rows["ranker"] += placed(item, z @ np.asarray(model["weights"]))
        count = sum(1 for item in items if item["set"] == held)
        print(f"{held:20s} {count:3d} questions   rules " + _row(rows["rules"]) + "   ranker "
              + _row(rows["ranker"]))
        for name in totals:
            totals[name] += rows[name]
    print(f"{'all':20s} {len(items):3d} questions   rules " + _row(totals["rules"])
          + "   ranker " + _row(totals["ranker"]))


def _row(counts: Counter) -> str:
    return " / ".join(f"{counts[f'top{n}']:3d}" for n in (1, 2, 4))


def write(model: dict, sets: list[str]) -> None:
    """Write ``model`` as the Python module the app imports."""
    lines = ['"""Weights of the evidence ranker, written by ``scripts/train_ranker.py``.', "",
             *textwrap.wrap(f"Trained on: {', '.join(sets)}.", 96), '"""', "", "WEIGHTS = {"]
    for key in ("features", "mean", "scale", "weights", "calibration"):
        shown = ", ".join(repr(v) if isinstance(v, str) else f"{v:.6g}" for v in model[key])
        wrapped = textwrap.wrap(f"{key!r}: [{shown}],", 92, subsequent_indent="    ")
        lines += ["    " + line for line in wrapped]
    lines.append("}")
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(PROJECT_ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, action="append",
                        help="a question file (repeatable; default: the sets in TRAINING_SETS)")
    parser.add_argument("--check-only", action="store_true",
                        help="print the leave-one-set-out comparison, write nothing")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.questions] if args.questions else [
        PROJECT_ROOT / "tests" / "qa" / f"{name}.jsonl" for name in TRAINING_SETS]
    items = gather(paths)
    print("distinct sentences holding the fact first / in the first 2 / in the first 4",
          file=sys.stderr)
    cross_check(items)
    if not args.check_only:
        write(fit(items), sorted({item["set"] for item in items}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
