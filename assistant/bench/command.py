"""Run the bench sections, print the Markdown table and write the flat JSON figures."""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from assistant.bench.measure import BenchContext, Figure, Row, SectionResult
from assistant.engines.engine_layout import this_cpu

# Section name -> module (each has ``run(ctx) -> SectionResult``), in table order.
SECTIONS = {
    "engine": "assistant.bench.engine_bench",
    "ingest": "assistant.bench.ingest_bench",
    "retrieval": "assistant.bench.retrieval_bench",
    "app": "assistant.bench.app_bench",
    "embedder": "assistant.bench.embedder_bench",
}


def add_bench_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``assistant bench``."""
    bench = commands.add_parser(
        "bench", help="measure speed, latency and memory against the performance targets")
    bench.add_argument("--quick", action="store_true",
                       help="fewer repetitions and smaller corpora (a few minutes)")
    bench.add_argument("--json", metavar="FILE", help="also write the figures as flat JSON")
    bench.add_argument("--only", action="append", choices=sorted(SECTIONS), metavar="SECTION",
                       help=f"run only these sections ({', '.join(SECTIONS)}; repeatable)")
    bench.add_argument("--model", metavar="GGUF", help="chat model (default: the bundled one)")


def markdown_table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| # | what | measured | target | met |", "|---|---|---|---|---|"]
    for row in rows:
        met = {True: "yes", False: "**no**", None: "–"}[row.met]
        measured = f"{row.measured} ({row.note})" if row.note else row.measured
        lines.append(f"| {row.number} | {row.what} | {measured} | {row.target} | {met} |")
    return "\n".join(lines)


def machine_line(figures: dict[str, Figure]) -> str:
    """What the figures were measured on: the CPU's model and flags, the chat engine's weight
    layout (when the engine section ran) and the embedder's backend."""
    layout = figures.get("weight_layout") or "not measured (engine section not run)"
    line = (f"CPU: {figures.get('cpu')}; {figures.get('cpu_count')} cores; "
            f"engine weight layout: {layout}")
    backend = figures.get("embedder_backend")
    return f"{line}; embedder: {backend}" if backend else line


def run_bench(args: argparse.Namespace) -> int:
    """Entry point of ``assistant bench``; exit status 1 if a target was missed."""
    names = args.only or list(SECTIONS)
    started = time.perf_counter()
    combined = SectionResult()
    with tempfile.TemporaryDirectory(prefix="offgrid-bench-") as scratch:
        ctx = BenchContext(work_dir=Path(scratch), quick=args.quick,
                           model_path=Path(args.model) if args.model else None)
        for name in names:
            ctx.log(f"section {name}…")
            module = importlib.import_module(SECTIONS[name])
            result: SectionResult = module.run(ctx)
            combined.figures.update(result.figures)
            combined.rows.extend(result.rows)
    combined.figures.update({
        "quick": args.quick, "bench_seconds": round(time.perf_counter() - started, 1),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpu_count": _cpu_count(), "cpu": this_cpu().describe(),
    })
    print(machine_line(combined.figures))
    print()
    print(markdown_table(combined.rows))
    if args.json:
        Path(args.json).write_text(json.dumps(combined.figures, indent=2) + "\n",
                                   encoding="utf-8")
    return 0 if all(row.met is not False for row in combined.rows) else 1


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
