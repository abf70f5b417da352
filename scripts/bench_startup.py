"""Benchmark: seconds from launching ``python -m ui`` to its window being visible.

    DISPLAY=:99 .venv/bin/python scripts/bench_startup.py [--runs N] [--data-dir DIR]

Needs an X display (a real one, or Xvfb) and ``xdotool``. Each run starts the app, polls for a
visible window titled "Offgrid" every 20 ms, then closes it. The library and the model go on
loading in the background after the window shows; this measures only the wait for the window.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def time_to_window(data_dir: Path, timeout: float = 30.0) -> float:
    """Seconds until a visible "Offgrid" window exists."""
    started = time.perf_counter()
    app = subprocess.Popen([sys.executable, "-m", "ui", "--data-dir", str(data_dir)], cwd=ROOT,
                           stdout=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < timeout:
            found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "Offgrid"],
                                   capture_output=True, text=True)
            if found.stdout.strip():
                return time.perf_counter() - started
            time.sleep(0.02)
        raise RuntimeError(f"no window within {timeout:.0f} s")
    finally:
        app.terminate()
        app.wait(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="default: a new temporary directory")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") or shutil.which("xdotool") is None:
        print("needs an X display (DISPLAY) and xdotool, e.g. under Xvfb", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        times = [time_to_window(data_dir) for _ in range(args.runs)]
    print(f"window visible after: first run {times[0]:.2f} s, median {statistics.median(times):.2f}"
          f" s, max {max(times):.2f} s over {len(times)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
