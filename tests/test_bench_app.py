"""Bench rows 6–8 (the app itself): the memory budget, the timeline, the rows, and a real probe."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.bench.app_bench import (
    HEADROOM_MB,
    _breakdown,
    _rows,
    rss_budget_mb,
    run_probe,
)
from assistant.bench.heartbeat import Beats, Stall, ThreadHeartbeat
from assistant.bench.timeline import Timeline


def test_the_memory_budget_is_the_model_its_kv_cache_and_the_headroom() -> None:
    assert rss_budget_mb(93.8, 180.0) == 93.8 + 180.0 + HEADROOM_MB


def test_the_timeline_splits_the_wait_before_the_first_token() -> None:
    timeline = Timeline()
    timeline.calls = [("search", 1.010, 1.060), ("search/embed", 1.015, 1.040),
                      ("embed", 1.060, 1.160), ("prompt_eval", 1.200, 1.700),
                      ("embed", 2.0, 2.1)]  # after the first token: not counted
    phases = timeline.breakdown(asked=1.0, first_token=1.750)
    assert phases == {"search": 50.0, "search/embed": 25.0, "embed": 100.0,
                      "prompt_eval": 500.0, "before_first_call": 10.0,
                      "after_last_call": 50.0, "total": 750.0}


def test_wrapped_calls_are_labelled_by_where_they_were_made() -> None:
    class Retriever:
        def __init__(self, embedder: Embedder) -> None:
            self.embedder = embedder

        def search(self, query: str) -> str:
            return self.embedder.embed(query)

    class Embedder:
        def embed(self, text: str) -> str:
            return text.upper()

    embedder = Embedder()
    retriever = Retriever(embedder)
    timeline = Timeline()
    timeline.wrap(retriever, "search", "search")
    timeline.wrap(embedder, "embed", "embed")
    timeline.wrap(embedder, "missing", "ignored")  # absent: left alone
    assert retriever.search("q") == "Q"  # not recording yet
    timeline.active = True
    assert retriever.search("q") == "Q" and embedder.embed("x") == "X"
    assert [label for label, _, _ in timeline.calls] == ["search/embed", "search", "embed"]


def _figures(**changes: float) -> dict:
    figures = {
        "startup_window_s": 0.6, "startup_window_first_run_s": 0.7,
        "startup_first_token_s": 2.5, "startup_library_ready_s": 1.8,
        "startup_model_ready_s": 2.0, "ready_first_token_s": 0.8,
        "ready_prompt_tokens": 313, "ready_breakdown_prompt_eval_ms": 500.0,
        "gui_max_stall_generating_ms": 12.0, "gui_max_stall_ingesting_ms": 28.0,
        "gui_max_stall_ms": 28.0, "ingest_fixture_chunks": 900,
        "control_max_stall_generating_ms": 3.0, "control_max_stall_ingesting_ms": 6.0,
        "peak_rss_mb": 690.0, "rss_budget_mb": 700.0, "model_file_mb": 138.1,
        "kv_cache_mb": 90.0, "n_ctx": 4096, "peak_rss_with_import_mb": 760.0,
        "peak_rss_app_mb": 250.0, "peak_rss_engine_mb": 340.0, "peak_rss_others_mb": 100.0,
    }
    figures.update(changes)
    return figures


def test_rows_meet_or_miss_their_targets() -> None:
    rows = _rows(_figures())
    assert [row.number for row in rows] == ["6", "6", "6", "7", "8"]
    assert all(row.met for row in rows)
    missed = _rows(_figures(startup_first_token_s=3.1, gui_max_stall_ms=31.0,
                            gui_max_stall_ingesting_ms=31.0, peak_rss_mb=701.0))
    assert [row.met for row in missed] == [True, False, True, False, False]
    assert "prompt_eval 500" in missed[2].note
    assert missed[3].measured == "12 / 31 ms"
    assert "app 250 + engine 340 + vector index and others 100" in missed[4].note
    assert "outside the app meanwhile: 3 / 6 ms" in missed[3].note


def test_row_8_counts_the_apps_children_but_the_document_reader() -> None:
    from ui.bench.instruments import READER_MODULE, children_peak_rss_mb

    idle = [sys.executable, "-c", "import sys; print(flush=True); sys.stdin.read()"]
    before = children_peak_rss_mb(set())
    index = subprocess.Popen(idle, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    reader = subprocess.Popen([*idle, READER_MODULE], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)
    try:
        for child in (index, reader):
            assert child.stdout is not None and child.stdout.readline()  # it is up
        with_index = children_peak_rss_mb(set())
        assert with_index > before + 1  # a bare Python holds several MB
        assert children_peak_rss_mb({index.pid}) == pytest.approx(before, abs=0.5)
    finally:
        for child in (index, reader):
            child.communicate(timeout=10)


def test_breakdowns_are_medians_per_phase_over_the_runs() -> None:
    runs = [{"ready_breakdown_ms": {"search": 30.0, "prompt_eval": 500.0}},
            {"ready_breakdown_ms": {"search": 50.0, "prompt_eval": 700.0, "embed": 90.0}},
            {"ready_breakdown_ms": {"search": 40.0, "prompt_eval": 600.0, "embed": 120.0}},
            {}]  # a run without a first token has no breakdown: left out
    assert _breakdown(runs, "ready_breakdown_ms") == {  # a phase a run lacked took 0 ms
        "embed": 90.0, "prompt_eval": 600.0, "search": 40.0}


def test_a_heartbeat_counts_late_ticks_and_keeps_the_long_stalls() -> None:
    times = iter([10.0, 10.005, 10.045, 10.050, 10.360, 30.5])
    beats = Beats(interval_s=0.005, keep_ms=5.0, clock=lambda: next(times))
    for _ in range(5):
        beats.tick()
    assert round(beats.longest_ms, 3) == 305.0
    assert [(s.began, s.ended, round(s.late_ms, 3)) for s in beats.stalls] == [
        (10.005, 10.045, 35.0), (10.050, 10.360, 305.0)]
    beats.restart()
    beats.tick()  # the first tick after a restart is never late
    assert beats.longest_ms == 0.0 and len(beats.stalls) == 2


def test_the_control_heartbeat_counts_only_stalls_inside_the_windows() -> None:
    beats = Beats(interval_s=0.005, keep_ms=5.0)
    beats.stalls = [Stall(9.9, 10.0, 40.0), Stall(19.0, 20.0, 300.0), Stall(30.4, 30.5, 60.0)]
    assert beats.longest_within([[9.0, 11.0], [30.0, 31.0]]) == 60.0
    assert beats.longest_within([[0.0, 5.0]]) == 0.0


def test_the_control_heartbeat_thread_ticks_until_halted() -> None:
    control = ThreadHeartbeat(interval_s=0.001)
    control.start()
    control.halt.set()
    control.join(timeout=5)
    assert not control.is_alive() and control.beats.last is not None


@pytest.mark.integration
def test_the_probe_measures_the_real_app(tmp_path: Path) -> None:
    documents = tmp_path / "import"
    documents.mkdir()
    for n in range(2):
        (documents / f"note-{n}.md").write_text(
            f"# Station {n}\n\nThe pump at station {n} moved {n + 3} cubic metres of water "
            "a day, and the crew checked its filter every morning.\n", encoding="utf-8")
    data = tmp_path / "data"
    ready = run_probe("ready", data, questions=["What is hashprice?"], imports=[documents],
                      timeout_s=400)
    assert 0 < ready["window_s"] < ready["library_ready_s"] <= ready["model_ready_s"]
    assert 0 < ready["ready_first_token_s"] < 60
    breakdown = ready["ready_breakdown_ms"]
    assert breakdown["total"] == pytest.approx(ready["ready_first_token_s"] * 1000, abs=2)
    assert 0 < breakdown["search"] < breakdown["total"]
    assert ready["ready_answer"]["prompt_tokens"] > 50
    assert 0 <= ready["gui_max_stall_generating_ms"] < 10_000
    assert 0 <= ready["gui_max_stall_ingesting_ms"] < 10_000
    assert 0 <= ready["control_max_stall_generating_ms"] < 10_000
    assert ready["generating_windows"][0][0] < ready["ingesting_windows"][0][0]
    assert ready["ingest_summary"] == "2 added"
    weights = Path(ready["weights_path"])
    assert ready["peak_rss_answering_mb"] > weights.stat().st_size / 2**20 + 200
    assert ready["n_ctx"] == 4096
    # A second start of the same data directory: asked the moment the window shows.
    again = tmp_path / "again"
    shutil.copytree(data, again)
    startup = run_probe("startup", again, questions=["What is hashprice?"], timeout_s=400)
    assert 0 < startup["window_s"] < startup["model_ready_s"] < startup["first_token_s"] < 120
    assert startup["startup_breakdown_ms"]["total"] > 0
