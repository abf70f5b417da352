#!/usr/bin/env python3
"""Offgrid's two set-up commands: ``python3 tasks.py app`` and ``python3 tasks.py test``.

Each creates or updates ``.venv/`` at the repository root, installs everything the project
needs (skipped when nothing changed since the last install), then runs the app or the tests.
Only the standard library is used here, so it works on a fresh machine with Python 3.11+.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".offgrid-install-stamp"
# Pinned so pip takes the CPU wheel; an unbounded torch pulls several GB of CUDA packages.
TORCH_REQUIREMENT = "torch==2.13.0"


def venv_python() -> Path:
    """Return the interpreter inside ``.venv``."""
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def install_fingerprint() -> str:
    """Hash of everything that decides what gets installed."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "tasks.py"):
        digest.update((ROOT / name).read_bytes())
    digest.update(sys.version.encode())
    digest.update(os.environ.get("OFFGRID_TORCH_INDEX", "").encode())
    return digest.hexdigest()


def run(cmd: list[str], **kwargs: object) -> None:
    """Run a command, echoing it, and stop on failure."""
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)  # type: ignore[arg-type]


def ensure_venv() -> Path:
    """Create ``.venv`` if needed and install the project into it when out of date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - tasks.py runs on the system Python
        sys.exit(f"Offgrid needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    python = venv_python()
    if not python.exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = install_fingerprint()
    if STAMP.exists() and STAMP.read_text().strip() == fingerprint:
        return python
    print(
        "Installing Offgrid and its engines. The first time, llama-cpp-python compiles from "
        "source (about 6 minutes on 2 cores); later runs reuse pip's cached wheel.",
        flush=True,
    )
    torch_cmd = [str(python), "-m", "pip", "install", TORCH_REQUIREMENT]
    torch_index = os.environ.get("OFFGRID_TORCH_INDEX")
    if torch_index:
        torch_cmd += ["--index-url", torch_index]
    run(torch_cmd)
    run([str(python), "-m", "pip", "install", "-e", ".[test]"])
    STAMP.write_text(fingerprint)
    return python


def main(argv: list[str]) -> int:
    """Dispatch ``app`` or ``test``; extra arguments go to the app or to pytest."""
    if not argv or argv[0] not in {"app", "test", "setup"}:
        print(__doc__)
        print("usage: python3 tasks.py app [ARGS...] | test [PYTEST ARGS...] | setup")
        return 2
    python = ensure_venv()
    command, rest = argv[0], argv[1:]
    if command == "setup":
        return 0
    if command == "app":
        return subprocess.call([str(python), "-m", "ui", *rest], cwd=ROOT)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.call([str(python), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
