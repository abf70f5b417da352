"""Rows 6–8: the desktop app itself — start-up, GUI-thread stalls and memory.

The core never imports Qt, so every run starts the real window offscreen in a child process,
``python -m ui.bench.probe``, and reads the one JSON line it prints. The process start is
taken here, just before the launch, and handed to the child (``OFFGRID_BENCH_LAUNCHED``).
Each run gets a fresh copy of a data directory whose bundled library was indexed once first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.app.settings import Settings, save_settings
from assistant.bench.heartbeat import ThreadHeartbeat
from assistant.bench.measure import BenchContext, Figure, Row, SectionResult, median
from assistant.engines import gguf
from assistant.engines.memory import kv_cache_bytes
from assistant.system.paths import PROJECT_ROOT

PROBE = "ui.bench.probe"
LAUNCHED_ENV = "OFFGRID_BENCH_LAUNCHED"
MARKER = "BENCH_PROBE "
MB = 1024 * 1024
# Row 8's budget beyond the model's weights and KV cache, for the app and its child processes
# together (the engine, the vector index; the document reader aside): with the default model
# (138 MB of weights, a 90 MB f16 cache at 4,096 tokens) it makes the 700 MB target.
HEADROOM_MB = 472
# The first is asked the moment the window shows; all are asked once the model is ready.
QUESTIONS = ("What is hashprice?", "How does the difficulty adjustment work?",
             "Why are miners moving to Paraguay and Ethiopia?")
TARGET_WINDOW_S, TARGET_STARTUP_TOKEN_S, TARGET_READY_TOKEN_S = 2.0, 3.0, 1.0
TARGET_STALL_MS = 30.0
# The phases before the first token named in row 6's note (all are in the JSON).
BREAKDOWN_NOTE = ("before_first_call", "search", "embed", "score_sentences", "build_messages",
                  "count_tokens", "prompt_eval", "after_last_call")


def rss_budget_mb(model_file_mb: float, kv_cache_mb: float,
                  headroom_mb: float = HEADROOM_MB) -> float:
    """Row 8's ceiling: the model file, its KV cache and a fixed headroom, in MB."""
    return round(model_file_mb + kv_cache_mb + headroom_mb, 1)


def make_import_fixtures(folder: Path, pages: int) -> Path:
    """A batch to import: a ``pages``-page PDF, Markdown and text."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(20):
        (folder / f"station-{n:02d}.md").write_text(
            f"# Field station {n}\n\n" + "\n\n".join(
                f"## Week {w}\n\nStation {n} logged {n * 7 + w} kWh in week {w}; the battery "
                f"bank held {40 + w}% at dawn and the crew replaced {w % 3} panels." * 3
                for w in range(12)), encoding="utf-8")
    for n in range(10):
        (folder / f"log-{n:02d}.txt").write_text(
            "\n".join(f"Day {d}: pump {n} moved {d * 13 % 97} cubic metres; filter {d % 5} "
                      "was rinsed and the gauge read normal." for d in range(200)),
            encoding="utf-8")
    from fpdf import FPDF  # a dependency of the app, for the bench

    pdf = FPDF()
    pdf.set_auto_page_break(auto=False)
    for page in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 5, " ".join(
            f"Page {page}, line {line}: turbine {page % 17} delivered {page * line % 311} MWh "
            f"while the reservoir stood at {50 + line % 40} metres." for line in range(18)))
    pdf.output(str(folder / "turbines.pdf"))
    return folder


def run_probe(scenario: str, data_dir: Path, *, questions: Sequence[str] = (),
              imports: Sequence[Path] = (), timeout_s: float = 300.0) -> dict[str, Any]:
    """Start the app in a child process with one scenario; the figures it reports, with the
    control heartbeat's longest stall in each watched phase (``control_max_stall_*_ms``)."""
    command = [sys.executable, "-m", PROBE, "--scenario", scenario,
               "--data-dir", str(data_dir), "--timeout", str(timeout_s)]
    for question in questions:
        command += ["--question", question]
    for path in imports:
        command += ["--import", str(path)]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    control = ThreadHeartbeat()  # the machine's own stalls, to tell from the app's
    control.start()
    env[LAUNCHED_ENV] = repr(time.time())  # last, just before the launch
    try:
        done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True,
                              text=True, timeout=timeout_s + 120)
    finally:
        control.halt.set()
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise RuntimeError(f"the app probe ({scenario}) printed no figures "
                           f"(exit {done.returncode}): {done.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(lines[-1][len(MARKER):])
    if figures.get("errors"):
        raise RuntimeError(f"the app probe ({scenario}) failed: {figures['errors']}")
    for phase in ("generating", "ingesting"):
        if f"{phase}_windows" in figures:
            figures[f"control_max_stall_{phase}_ms"] = control.beats.longest_within(
                figures[f"{phase}_windows"])
    return figures


def _fresh_copy(template: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(template, target)
    return target


def _medians(runs: list[dict[str, Any]], key: str) -> float:
    values = [run[key] for run in runs if isinstance(run.get(key), int | float)]
    return round(median(values), 3)


def _breakdown(runs: list[dict[str, Any]], key: str) -> dict[str, float]:
    """Per phase, the median milliseconds before the first token (``key``: which answer)."""
    timed = [run[key] for run in runs if key in run]
    phases = {phase for breakdown in timed for phase in breakdown}
    return {phase: round(median([breakdown.get(phase, 0.0) for breakdown in timed]), 1)
            for phase in sorted(phases)}


def run(ctx: BenchContext) -> SectionResult:
    """Rows 6, 7 and 8, each figure a median over several launches of the app."""
    result = SectionResult()
    figures = result.figures
    template = ctx.work_dir / "app-data"
    template.mkdir(parents=True, exist_ok=True)
    if ctx.model_path is not None:
        save_settings(template, Settings(model_path=str(ctx.model_path.resolve())))
    ctx.log("app: first launch, indexing the bundled library…")
    first = run_probe("index", template, timeout_s=900)
    figures["startup_window_first_run_s"] = first["window_s"]
    figures["library_first_index_s"] = first.get("library_ready_s")

    startups: list[dict[str, Any]] = []
    for rep in range(ctx.reps(5, 3)):
        ctx.log(f"app: start-up {rep + 1}…")
        startups.append(run_probe("startup", _fresh_copy(template, ctx.work_dir / "app-run"),
                                  questions=QUESTIONS[:1]))
    fixtures = make_import_fixtures(ctx.work_dir / "app-import", ctx.reps(200, 120))
    readies: list[dict[str, Any]] = []
    for rep in range(ctx.reps(3, 2)):
        ctx.log(f"app: answering and importing {rep + 1}…")
        readies.append(run_probe("ready", _fresh_copy(template, ctx.work_dir / "app-run"),
                                 questions=QUESTIONS, imports=[fixtures]))

    figures.update({
        "startup_window_s": _medians(startups, "window_s"),
        "startup_first_token_s": _medians(startups, "first_token_s"),
        "startup_library_ready_s": _medians(startups, "library_ready_s"),
        "startup_model_ready_s": _medians(startups, "model_ready_s"),
        "gui_max_stall_loading_ms": _medians(startups, "gui_max_stall_loading_ms"),
        "ready_first_token_s": _medians(readies, "ready_first_token_s"),
        "gui_max_stall_generating_ms": _medians(readies, "gui_max_stall_generating_ms"),
        "gui_max_stall_ingesting_ms": _medians(readies, "gui_max_stall_ingesting_ms"),
        "control_max_stall_generating_ms": _medians(readies, "control_max_stall_generating_ms"),
        "control_max_stall_ingesting_ms": _medians(readies, "control_max_stall_ingesting_ms"),
        "peak_rss_mb": _medians(readies, "peak_rss_answering_mb"),
        "peak_rss_app_mb": _medians(readies, "peak_rss_app_answering_mb"),
        "peak_rss_engine_mb": _medians(readies, "peak_rss_engine_answering_mb"),
        "peak_rss_others_mb": _medians(readies, "peak_rss_others_answering_mb"),
        "peak_rss_with_import_mb": _medians(readies, "peak_rss_mb_end"),
        "ingest_fixture_seconds": _medians(readies, "ingest_seconds"),
        "ingest_fixture_chunks": readies[0].get("ingest_chunks"),
        "app_runs_startup": len(startups), "app_runs_ready": len(readies),
    })
    figures["gui_max_stall_ms"] = max(_medians(readies, "gui_max_stall_generating_ms"),
                                      _medians(readies, "gui_max_stall_ingesting_ms"))
    answer = readies[0].get("ready_answer", {})
    figures["ready_prompt_tokens"] = answer.get("prompt_tokens")
    figures["ready_cached_tokens"] = answer.get("cached_tokens")
    figures["ready_decode_tokens_per_s"] = _medians(
        [run.get("ready_answer", {}) for run in readies], "decode_tokens_per_s")
    for runs, name in ((readies, "ready"), (startups, "startup")):
        for phase, ms in _breakdown(runs, f"{name}_breakdown_ms").items():
            figures[f"{name}_breakdown_{phase.replace('/', '_')}_ms"] = ms
    _memory_budget(figures, readies[-1])  # its data directory (with the model's copy) is there
    shutil.rmtree(ctx.work_dir / "app-run", ignore_errors=True)
    result.rows.extend(_rows(figures))
    return result


def _memory_budget(figures: dict[str, Figure], ready: dict[str, Any]) -> None:
    """The model file the app ran, its KV cache at the app's context, and row 8's budget."""
    weights = Path(ready.get("weights_path") or ready["model_path"])
    n_ctx = int(ready["n_ctx"])
    kv_mb = kv_cache_bytes(gguf.read_metadata(weights), n_ctx) / MB
    model_mb = weights.stat().st_size / MB
    figures.update({
        "model_file_mb": round(model_mb, 1), "kv_cache_mb": round(kv_mb, 1), "n_ctx": n_ctx,
        "model_original_file_mb": round(Path(ready["model_path"]).stat().st_size / MB, 1),
        "rss_budget_mb": rss_budget_mb(model_mb, kv_mb),
    })


def _rows(f: dict[str, Any]) -> list[Row]:
    breakdown = ", ".join(f"{phase} {f[key]:.0f}" for phase in BREAKDOWN_NOTE
                          if (key := f"ready_breakdown_{phase}_ms") in f)
    return [
        Row("6", "start-up: launch → window shown", f"{f['startup_window_s']:.2f} s",
            f"≤ {TARGET_WINDOW_S:.0f} s", f["startup_window_s"] <= TARGET_WINDOW_S,
            note=f"first run ever {f['startup_window_first_run_s']:.2f} s"),
        Row("6", "start-up: launch → first token of a question asked as the window shows",
            f"{f['startup_first_token_s']:.1f} s", f"≤ {TARGET_STARTUP_TOKEN_S:.0f} s",
            0 < f["startup_first_token_s"] <= TARGET_STARTUP_TOKEN_S,
            note=f"library ready {f['startup_library_ready_s']:.1f} s, model ready "
                 f"{f['startup_model_ready_s']:.1f} s"),
        Row("6", "start-up: first token of a question asked once the models are loaded",
            f"{f['ready_first_token_s']:.2f} s", f"≤ {TARGET_READY_TOKEN_S:.0f} s",
            0 < f["ready_first_token_s"] <= TARGET_READY_TOKEN_S,
            note=f"{f['ready_prompt_tokens']} prompt tokens; ms: {breakdown}"),
        Row("7", "responsiveness: longest GUI-thread stall, generating / ingesting",
            f"{f['gui_max_stall_generating_ms']:.0f} / {f['gui_max_stall_ingesting_ms']:.0f} ms",
            f"≤ {TARGET_STALL_MS:.0f} ms", f["gui_max_stall_ms"] <= TARGET_STALL_MS,
            note=f"5 ms heartbeat; import of {f['ingest_fixture_chunks']} chunks; a control "
                 f"heartbeat outside the app meanwhile: {f['control_max_stall_generating_ms']:.0f}"
                 f" / {f['control_max_stall_ingesting_ms']:.0f} ms"),
        Row("8", "memory: peak RSS answering, the app and its child processes together "
            "(the document reader aside)",
            f"{f['peak_rss_mb']:.0f} MB", f"≤ {f['rss_budget_mb']:.0f} MB",
            f["peak_rss_mb"] <= f["rss_budget_mb"],
            note=f"app {f.get('peak_rss_app_mb', 0):.0f} + engine "
                 f"{f.get('peak_rss_engine_mb', 0):.0f} + vector index and others "
                 f"{f.get('peak_rss_others_mb', 0):.0f}; budget: model "
                 f"{f['model_file_mb']:.0f} + KV {f['kv_cache_mb']:.0f} (n_ctx {f['n_ctx']}) + "
                 f"{HEADROOM_MB}; after an import too: {f['peak_rss_with_import_mb']:.0f} MB"),
    ]
