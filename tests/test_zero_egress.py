"""Zero egress: the whole flow runs the same under the egress guard and with no network at all.

Each run is a child process (tests/egress_flow.py) with its own data dir: first run and library
indexing, 20 mixed files carrying remote images and links, a question, a restart, a follow-up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.integration


def run_flow(tmp_path: Path, prefix: list[str], *extra: str) -> dict[str, Any]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "tests.egress_flow", str(tmp_path / "data"),
         str(tmp_path / "files"), *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("EGRESS_FLOW "))
    return json.loads(line.removeprefix("EGRESS_FLOW "))


def check_flow(out: dict[str, Any]) -> None:
    assert out["library_files"] >= 5
    assert out["ingested"] == out["expected_files"] == 20 and out["failed"] == []
    assert not out["first"]["abstained"] and "file07.html" in out["first"]["sources"][:3]
    assert not out["second"]["abstained"] and "file13.docx" in out["second"]["sources"][:3]
    assert out["needs_sync_after_restart"] is False and out["turns"] == 2


def test_the_flow_makes_no_network_access_under_the_guard(tmp_path: Path) -> None:
    out = run_flow(tmp_path, [], "--guard")
    check_flow(out)
    assert out["attempts"] == []  # not one connection or lookup was even tried


def no_network_namespace() -> list[str]:
    """The command prefix for a network namespace with only a loopback that is down."""
    unshare = shutil.which("unshare")
    if unshare is None or sys.platform != "linux":
        pytest.skip("needs util-linux 'unshare' on Linux")
    prefix = [unshare, "--net"] if os.geteuid() == 0 else [unshare, "--user", "--map-root-user",
                                                           "--net"]
    probe = subprocess.run([*prefix, "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot create a network namespace here: {probe.stderr.strip()}")
    return prefix


def test_the_flow_runs_the_same_in_a_namespace_without_network(tmp_path: Path) -> None:
    out = run_flow(tmp_path, no_network_namespace())
    assert out["network_reachable"] is False  # it really ran cut off
    check_flow(out)
