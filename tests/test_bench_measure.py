"""The bench's shared statistics and its table (pure functions)."""

from __future__ import annotations

from assistant.bench.command import machine_line, markdown_table
from assistant.bench.measure import Row, alternate, median, percentile, ratio


def test_alternate_interleaves_the_sides_and_flips_the_order() -> None:
    calls: list[str] = []

    def side(name: str, value: float):  # type: ignore[no-untyped-def]
        def run() -> float:
            calls.append(name)
            return value
        return run

    values = alternate({"a": side("a", 1.0), "b": side("b", 2.0)}, reps=3)
    assert calls == ["a", "b", "b", "a", "a", "b"]
    assert values == {"a": [1.0, 1.0, 1.0], "b": [2.0, 2.0, 2.0]}


def test_statistics() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.0
    assert percentile(values, 50) == 50.0
    assert percentile([], 95) == 0.0
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert ratio(1.0, 3.0) == 0.333
    assert ratio(1.0, 0.0) == 0.0


def test_the_table_marks_missed_targets() -> None:
    table = markdown_table([
        Row("1", "decode parity", "0.99", "≥ 0.97", True),
        Row("2", "prefill parity", "0.90", "≥ 0.97", False, note="noisy"),
        Row("4b", "pages/s", "4.6", "–"),
    ])
    lines = table.splitlines()
    assert lines[0] == "| # | what | measured | target | met |"
    assert lines[2] == "| 1 | decode parity | 0.99 | ≥ 0.97 | yes |"
    assert lines[3] == "| 2 | prefill parity | 0.90 (noisy) | ≥ 0.97 | **no** |"
    assert lines[4] == "| 4b | pages/s | 4.6 | – | – |"


def test_the_output_names_the_cpu_the_engine_weight_layout_and_the_embedder() -> None:
    figures = {"cpu": "Intel(R) Xeon(R) (amx_tile avx512f)", "cpu_count": 2,
               "weight_layout": "safe", "embedder_backend": "onnxruntime"}
    assert machine_line(figures) == ("CPU: Intel(R) Xeon(R) (amx_tile avx512f); 2 cores; "
                                     "engine weight layout: safe; embedder: onnxruntime")
    del figures["weight_layout"], figures["embedder_backend"]
    assert machine_line(figures).endswith(
        "engine weight layout: not measured (engine section not run)")
