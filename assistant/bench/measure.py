"""What every bench section shares: the context it runs in, its rows, and statistics."""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Figure = float | int | str | None


@dataclass(frozen=True)
class BenchContext:
    """Where a section runs: ``quick`` trades repetitions for time; ``work_dir`` is scratch."""

    work_dir: Path
    quick: bool = False
    model_path: Path | None = None

    def reps(self, full: int, quick: int) -> int:
        """How many repetitions to run."""
        return quick if self.quick else full

    def log(self, message: str) -> None:
        """Progress on stderr (the table goes to stdout)."""
        print(f"[bench] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Row:
    """One line of the table: a target and what was measured against it."""

    number: str
    what: str
    measured: str
    target: str
    met: bool | None = None
    note: str = ""


@dataclass
class SectionResult:
    """A section's flat JSON figures and its table rows."""

    figures: dict[str, Figure] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)


def median(values: list[float]) -> float:
    """The median (0.0 for no values)."""
    return float(statistics.median(values)) if values else 0.0


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by nearest rank."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)])


def alternate(sides: dict[str, Callable[[], float]], reps: int) -> dict[str, list[float]]:
    """Run each side once per repetition, in turn (ABAB…, the order flipped every other
    repetition), so drifts in machine load hit both sides alike; returns every value."""
    names = list(sides)
    values: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(reps):
        order = names if rep % 2 == 0 else list(reversed(names))
        for name in order:
            values[name].append(sides[name]())
    return values


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` rounded to 3 places (0.0 when the denominator is 0)."""
    return round(numerator / denominator, 3) if denominator else 0.0


def timed(action: Callable[[], object]) -> float:
    """Seconds ``action`` takes."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started
