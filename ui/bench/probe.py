"""The app measured from inside, for ``assistant bench`` (section "app").

    OFFGRID_BENCH_LAUNCHED=<time.time()> QT_QPA_PLATFORM=offscreen \\
        python -m ui.bench.probe --scenario startup --data-dir DIR [--question Q ...]

It starts the window exactly as ``python -m ui`` does, runs one scenario and prints one line
``BENCH_PROBE {json}`` on stdout. Times ``*_s`` are seconds since the parent launched the
process (``OFFGRID_BENCH_LAUNCHED``, wall clock); ``*_ms`` are durations; ``*_windows`` are
wall-clock ``[began, ended]`` spans of the watched phases.

Scenarios:
  index    window shown, then wait until the library is indexed and the model loaded (a
           data dir for later runs: indexed, the model's fast copy made)
  startup  ask a question the moment the window is painted; time its first token
  ready    wait for the model, ask (time to first token, with a breakdown), ask the rest,
           read the peak memory, then import ``--import`` while a heartbeat watches the
           GUI thread (it also watches while answering)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer, SignalInstance

from assistant.bench.timeline import Timeline, instrument
from ui.bench.instruments import Heartbeat, StackSampler, children_peak_rss_mb, peak_rss_mb

LAUNCHED_ENV = "OFFGRID_BENCH_LAUNCHED"
MARKER = "BENCH_PROBE "


def wait_for(signal: SignalInstance, timeout_s: float,
             ready: Callable[[], bool] | None = None,
             abort: SignalInstance | None = None) -> tuple[Any, ...]:
    """Run the event loop until ``signal`` fires (or ``ready()`` already holds); its args.

    Raises :class:`TimeoutError` after ``timeout_s``, and :class:`RuntimeError` with the
    message if ``abort`` fires first (e.g. the controller's ``error``).
    """
    if ready is not None and ready():
        return ()
    loop = QEventLoop()
    got: list[tuple[Any, ...]] = []
    failed: list[str] = []

    def done(*args: Any) -> None:
        got.append(args)
        loop.quit()

    def stop(message: str) -> None:
        failed.append(message)
        loop.quit()

    signal.connect(done)
    if abort is not None:
        abort.connect(stop)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(done)
    if abort is not None:
        abort.disconnect(stop)
    if got:
        return got[0]
    if failed:
        raise RuntimeError(failed[0])
    raise TimeoutError(f"waited {timeout_s:.0f} s for {signal}")


class FirstPaint(QObject):
    """Calls ``then`` once, when the window is first painted (what the user first sees)."""

    def __init__(self, then: Callable[[], None]) -> None:
        super().__init__()
        self.then = then
        self.fired = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if not self.fired and event.type() == QEvent.Type.Paint:
            self.fired = True
            QTimer.singleShot(0, self.then)  # after this paint is done
        return False


class Probe:
    """Runs one scenario over the real window and collects its figures."""

    def __init__(self, args: argparse.Namespace, launched: float) -> None:
        from ui.window.launch import open_window  # imported here, as python -m ui does: timed

        self.args = args
        self.launched = launched
        self.figures: dict[str, Any] = {"scenario": args.scenario, "errors": []}
        self.finished = False
        self.beats: list[Heartbeat] = []
        self.sampler = StackSampler() if args.trace_stalls else None
        if self.sampler is not None:
            self.sampler.start()
        qt_argv = ["--data-dir", args.data_dir]
        self.app, self.controllers, self.window = open_window(qt_argv)
        self.session = self.controllers.session
        self.session.error.connect(self.figures["errors"].append)
        self.session.library_ready.connect(lambda: self._mark("library_ready_s"))
        self.session.model_ready.connect(lambda _id: self._mark("model_ready_s"))
        self.loading_beat = self._heartbeat()
        self.first_paint = FirstPaint(self._shown)
        self.window.installEventFilter(self.first_paint)
        QTimer.singleShot(int(args.timeout * 1000), self._timed_out)

    def _heartbeat(self) -> Heartbeat:
        beat = Heartbeat()
        self.beats.append(beat)
        return beat

    def _mark(self, key: str) -> None:
        self.figures.setdefault(key, round(time.time() - self.launched, 3))

    def _shown(self) -> None:
        self._mark("window_s")
        self.figures["imported_at_window"] = sorted(
            name for name in ("torch", "sentence_transformers", "chromadb", "llama_cpp")
            if name in sys.modules)
        self.loading_beat.start()
        self.session.model_ready.connect(
            lambda _id: self.figures.setdefault("gui_max_stall_loading_ms",
                                                self.loading_beat.stop()))
        try:
            getattr(self, f"_scenario_{self.args.scenario}")()
        except Exception as exc:  # report it, never hang the parent
            self.figures["errors"].append(f"{type(exc).__name__}: {exc}")
        self._finish()

    def _timed_out(self) -> None:
        self.figures["errors"].append(f"the probe timed out after {self.args.timeout:.0f} s")
        self._finish()

    def _peak_rss_mb(self, moment: str) -> float:
        """The app's peak memory plus its model engine's (the model lives in that process)
        and its other children's but the document reader's (the vector index lives in one);
        each is kept in the figures too."""
        pid = None
        if self.session.service is not None and self.session.model_id is not None:
            pid = self.session.service.model_info().pid
        app, engine = peak_rss_mb(), peak_rss_mb(pid) if pid else 0.0
        others = children_peak_rss_mb({pid} if pid else set())
        self.figures[f"peak_rss_app_{moment}_mb"] = app
        self.figures[f"peak_rss_engine_{moment}_mb"] = engine
        self.figures[f"peak_rss_others_{moment}_mb"] = others
        return round(app + engine + others, 1)

    def _finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        self.figures["peak_rss_mb_end"] = self._peak_rss_mb("end")
        print(MARKER + json.dumps(self.figures), flush=True)
        if self.sampler is not None:
            self.sampler.halt.set()
            stalls = sorted(stall for beat in self.beats for stall in beat.stalls)
            with open(self.args.trace_stalls, "w", encoding="utf-8") as trace:
                trace.write(self.sampler.explain(stalls))
        self.window.close()  # shuts the session down: waits for its threads
        self.app.quit()

    def _ask(self, question: str) -> float:
        """Type ``question`` into the box and send it, as a user does; when it was sent."""
        self.window.question.input.setPlainText(question)
        asked = time.perf_counter()
        self.window.user_actions.send()
        return asked

    def _answer(self, question: str, timeout_s: float) -> tuple[float, float | None, Any]:
        """Ask and wait for the answer: when it was asked, when its first token reached the
        GUI thread (None if none did), and the answer."""
        first: list[float] = []
        catch = lambda _text: first.append(time.perf_counter())  # noqa: E731
        self.controllers.chat.token.connect(catch)
        asked = self._ask(question)
        (answer,) = wait_for(self.controllers.chat.answered, timeout_s,
                             abort=self.session.error)
        self.controllers.chat.token.disconnect(catch)
        # The Send button comes back once the answer is stored, a moment after it shows.
        wait_for(self.controllers.chat.busy_changed, timeout_s, ready=lambda: not self.session.busy)
        if answer.abstained:
            self.figures["errors"].append(f"abstained: {question}")
        return asked, (first[0] if first else None), answer

    # -- scenarios --------------------------------------------------------------------------

    def _scenario_index(self) -> None:
        wait_for(self.session.model_ready, self.args.timeout,
                 ready=lambda: self.session.ready)

    def _scenario_startup(self) -> None:
        first: list[float] = []
        self.controllers.chat.token.connect(lambda _text: first.append(time.perf_counter()))
        timelines: list[tuple[float, Timeline]] = []

        def watch(_model_id: str) -> None:  # runs just before the waiting question starts
            assert self.session.service is not None
            timeline = instrument(self.session.service)
            timeline.active = True
            timelines.append((time.perf_counter(), timeline))

        self.session.model_ready.connect(watch)
        self._ask(self.args.question[0])
        (answer,) = wait_for(self.controllers.chat.answered, self.args.timeout,
                             abort=self.session.error)
        if first:
            since_launch = time.time() - (time.perf_counter() - first[0])
            self.figures["first_token_s"] = round(since_launch - self.launched, 3)
            if timelines:
                ready_at, timeline = timelines[0]
                self.figures["startup_breakdown_ms"] = timeline.breakdown(ready_at, first[0])
        self.figures["answer_ttft_ms"] = round(answer.timings.ttft_ms, 1)

    def _scenario_ready(self) -> None:
        wait_for(self.session.model_ready, self.args.timeout,
                 ready=lambda: self.session.ready)
        assert self.session.service is not None
        timeline = instrument(self.session.service)
        beat = self._heartbeat()
        stalls: list[float] = []
        for number, question in enumerate(self.args.question):
            timeline.active = number == 0
            beat.start()
            began = time.time()
            asked, first, answer = self._answer(question, self.args.timeout)
            stalls.append(beat.stop())
            self.figures.setdefault("generating_windows", []).append([began, time.time()])
            timeline.active = False
            if number == 0 and first is not None:
                self.figures["ready_first_token_s"] = round(first - asked, 3)
                self.figures["ready_breakdown_ms"] = timeline.breakdown(asked, first)
                self.figures["ready_answer"] = {
                    "retrieval_ms": round(answer.timings.retrieval_ms, 1),
                    "ttft_ms": round(answer.timings.ttft_ms, 1),
                    "prompt_tokens": answer.timings.prompt_tokens,
                    "cached_tokens": answer.timings.cached_tokens,
                    "decode_tokens_per_s": answer.timings.decode_tokens_per_s}
        self.figures["gui_max_stall_generating_ms"] = max(stalls)
        self.figures["peak_rss_answering_mb"] = self._peak_rss_mb("answering")
        model = self.session.service.model_info()
        self.figures["model_path"] = str(model.model_path)
        self.figures["weights_path"] = str(model.weights_path)
        self.figures["n_ctx"] = model.n_ctx
        if self.args.import_path:
            from pathlib import Path

            beat.start()
            began = time.time()
            self.window.user_actions.import_paths([Path(p) for p in self.args.import_path])
            (report,) = wait_for(self.controllers.library.import_finished, self.args.timeout,
                                 abort=self.session.error)
            self.figures["gui_max_stall_ingesting_ms"] = beat.stop()
            self.figures["ingesting_windows"] = [[began, time.time()]]
            self.figures["ingest_seconds"] = round(report.seconds, 2)
            self.figures["ingest_summary"] = report.summary()
            self.figures["ingest_chunks"] = sum(r.chunks for r in report.results)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the probe; exit status 1 if the scenario reported an error."""
    launched = float(os.environ.get(LAUNCHED_ENV) or time.time())
    parser = argparse.ArgumentParser(prog="python -m ui.bench.probe", description=__doc__)
    parser.add_argument("--scenario", choices=("index", "startup", "ready"), required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--question", action="append", default=[])
    parser.add_argument("--import", dest="import_path", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--trace-stalls", metavar="FILE",
                        help="sample every thread's stack; write what each stall showed to FILE")
    args = parser.parse_args(argv)
    if args.scenario != "index" and not args.question:
        parser.error("--question is needed for this scenario")
    probe = Probe(args, launched)
    probe.app.exec()
    return 1 if probe.figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
