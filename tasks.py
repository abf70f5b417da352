#!/usr/bin/env python3
"""Offgrid's set-up commands: ``python3 tasks.py app``, ``test``, ``setup``, ``lock`` and
``install-desktop``.

``app``, ``test`` and ``setup`` create or update ``.venv/`` at the repository root and install
exactly the versions pinned in ``constraints.txt`` (the lock: what the test suite passed with),
skipped when nothing changed since the last install; then ``app`` runs the app and ``test``
the tests. ``lock`` rebuilds ``.venv/`` from scratch with the newest releases that
``pyproject.toml`` allows and rewrites ``constraints.txt`` from it. ``install-desktop`` adds
Offgrid to the desktop's application menu (Linux and other freedesktop desktops): its
``.desktop`` entry, which runs this checkout's ``.venv``, and its icon, under
``$XDG_DATA_HOME`` (by default ``~/.local/share``).
Only the standard library is used here, so it works on a fresh machine with Python 3.11+.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".offgrid-install-stamp"
LOCK = ROOT / "constraints.txt"
# Pinned so pip takes the CPU wheel; an unbounded torch pulls several GB of CUDA packages.
# The lock holds the same version; `lock` keeps torch here rather than taking the newest.
TORCH_REQUIREMENT = "torch==2.13.0"
LOCK_HEADER = """\
# The lock: the exact versions `python3 tasks.py test` passed with. tasks.py installs with
# `pip install -c constraints.txt`, so every machine gets these versions and no others.
# Made by `python3 tasks.py lock` (the newest releases within pyproject.toml's bounds, from
# `pip freeze --all --exclude-editable`); to update it, run `python3 tasks.py lock`, then
# `python3 tasks.py test`, and commit this file only if the suite passes. setuptools is
# pinned (torch and llm import it at run time); not pinned: pip, which comes with the venv,
# Offgrid itself, and a CUDA torch build's GPU libraries (nvidia-*, triton), which torch pins.
"""
# pip is the installer itself: each venv brings its own, and a pin would make it replace
# itself halfway through an install.
UNLOCKED = {"pip"}


def venv_python() -> Path:
    """Return the interpreter inside ``.venv``."""
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def install_fingerprint() -> str:
    """Hash of everything that decides what gets installed."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "tasks.py", LOCK.name):
        digest.update((ROOT / name).read_bytes())
    digest.update(sys.version.encode())
    digest.update(os.environ.get("OFFGRID_TORCH_INDEX", "").encode())
    return digest.hexdigest()


def run(cmd: list[str], **kwargs: object) -> None:
    """Run a command, echoing it, and stop on failure."""
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)  # type: ignore[arg-type]


def lock_lines(freeze: str) -> list[str]:
    """Turn ``pip freeze`` output into the lock's sorted ``name==version`` lines.

    Drops comments, editable and direct-URL installs, pip, CUDA libraries, and local version
    labels: ``torch==2.13.0+cpu`` becomes ``torch==2.13.0``, which pip matches to any build of
    that release, the CPU one included.
    """
    lines = {}
    for raw in freeze.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "-e ", "--editable")) or "==" not in line:
            continue
        name, version = (part.strip() for part in line.split("==", 1))
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in UNLOCKED or key.startswith("nvidia-") or "cuda" in key or key == "triton":
            continue
        lines[key] = f"{name}=={version.split('+', 1)[0]}"
    return [lines[key] for key in sorted(lines)]


def write_lock(python: Path) -> None:
    """Rewrite ``constraints.txt`` from what is installed in the venv of ``python``."""
    freeze = subprocess.run(
        [str(python), "-m", "pip", "freeze", "--all", "--exclude-editable"],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout
    LOCK.write_text(LOCK_HEADER + "\n".join(lock_lines(freeze)) + "\n")
    print(f"Wrote {LOCK}", flush=True)


def ensure_venv(*, locking: bool = False) -> Path:
    """Create ``.venv`` if needed and install the project into it when out of date.

    Normally installs the versions in ``constraints.txt``. With ``locking``, starts from a
    new ``.venv``, installs the newest releases ``pyproject.toml`` allows and writes the lock.
    """
    if sys.version_info < (3, 11):  # noqa: UP036 - tasks.py runs on the system Python
        sys.exit(f"Offgrid needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    python = venv_python()
    if locking and VENV.exists():
        print(f"Removing {VENV} to resolve the lock from scratch", flush=True)
        shutil.rmtree(VENV)
    if not python.exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = install_fingerprint()
    if not locking and STAMP.exists() and STAMP.read_text().strip() == fingerprint:
        return python
    print(
        "Installing Offgrid and its engines. The first time, llama-cpp-python compiles from "
        "source (about 6 minutes on 2 cores); later runs reuse pip's cached wheel.",
        flush=True,
    )
    pip = [str(python), "-m", "pip", "install"]
    lock = [] if locking else ["-c", LOCK.name]
    # torch alone first, so OFFGRID_TORCH_INDEX serves torch and nothing else; the next step
    # installs torch's own dependencies, at the locked versions, from the usual indexes.
    torch_cmd = [*pip, "--no-deps", *lock, TORCH_REQUIREMENT]
    torch_index = os.environ.get("OFFGRID_TORCH_INDEX")
    if torch_index:
        torch_cmd += ["--index-url", torch_index]
    run(torch_cmd)
    run([*pip, *lock, "-e", ".[test]"])
    if locking:
        write_lock(python)
        fingerprint = install_fingerprint()
    STAMP.write_text(fingerprint)
    return python


def desktop_entry(template: str, python: Path, root: Path) -> str:
    """The desktop entry: ``template`` with this checkout's interpreter and folder filled in.

    The Desktop Entry spec quotes an Exec argument holding a space or a reserved character,
    escaping ``"`` ` ``$`` and ``\\`` inside, then escapes every backslash again as a string
    value; Path is a plain string value.
    """
    text = str(python)
    if re.search(r'[\s"\'\\`$<>~|&;*?#()]', text):
        text = '"' + re.sub(r'(["`$\\])', r"\\\1", text) + '"'
    return (template.replace("@PYTHON@", text.replace("\\", "\\\\"))
            .replace("@ROOT@", str(root).replace("\\", "\\\\")))


def install_desktop() -> list[Path]:
    """Install ``offgrid.desktop`` and the icon under ``$XDG_DATA_HOME``; the paths written."""
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    resources = ROOT / "ui" / "resources"
    entry = data_home / "applications" / "offgrid.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "offgrid.svg"
    python = venv_python()
    if not python.exists():
        print(f"Note: {python} does not exist yet; run `python3 tasks.py setup` before "
              "starting Offgrid from the menu.", flush=True)
    template = (resources / "offgrid.desktop").read_text(encoding="utf-8")
    for path in (entry, icon):
        path.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(desktop_entry(template, python, ROOT), encoding="utf-8")
    shutil.copyfile(resources / "offgrid.svg", icon)
    for path in (entry, icon):
        print(f"Wrote {path}", flush=True)
    return [entry, icon]


def main(argv: list[str]) -> int:
    """Run ``app``, ``test``, ``setup``, ``lock`` or ``install-desktop``; later arguments go
    to the app or pytest."""
    if not argv or argv[0] not in {"app", "test", "setup", "lock", "install-desktop"}:
        print(__doc__)
        print("usage: python3 tasks.py app [ARGS...] | test [PYTEST ARGS...] | setup | lock "
              "| install-desktop")
        return 2
    command, rest = argv[0], argv[1:]
    if command == "install-desktop":  # needs no install: it names the venv's interpreter
        install_desktop()
        return 0
    python = ensure_venv(locking=command == "lock")
    if command in {"setup", "lock"}:
        return 0
    if command == "app":
        return subprocess.call([str(python), "-m", "ui", *rest], cwd=ROOT)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.call([str(python), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
