"""The lock (``constraints.txt``): exact pins that satisfy ``pyproject.toml``, and no CUDA."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

import tasks

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")
TORCH_CEILING = Version("2.14")


def lock_pins(lock_text: str) -> tuple[dict[str, list[Version]], list[str]]:
    """Parse a lock into ``{canonical name: [versions]}`` and the lines that are not pins."""
    pins: dict[str, list[Version]] = {}
    bad: list[str] = []
    for raw in lock_text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = PIN.match(line)
        try:
            version = Version(match.group(2)) if match else None
        except InvalidVersion:
            version = None
        if match is None or version is None or version.local is not None:
            bad.append(line)
            continue
        pins.setdefault(canonicalize_name(match.group(1)), []).append(version)
    return pins, bad


def lock_problems(pyproject_text: str, lock_text: str) -> list[str]:
    """Every way a lock breaks ``pyproject.toml``'s bounds or the install's rules; [] if none."""
    project = tomllib.loads(pyproject_text)["project"]
    requirements = [
        Requirement(text)
        for text in [*project["dependencies"], *project["optional-dependencies"]["test"]]
    ]
    pins, bad = lock_pins(lock_text)
    problems = [f"not a name==version pin: {line!r}" for line in bad]
    for name, versions in pins.items():
        if len(versions) > 1:
            problems.append(f"{name} is pinned {len(versions)} times")
        if name.startswith("nvidia-") or "cuda" in name or name == "triton":
            problems.append(f"{name} is a CUDA package; the lock must not install it")
    torch = pins.get("torch", [])
    if any(version >= TORCH_CEILING for version in torch):
        pinned = ", ".join(str(version) for version in torch)
        problems.append(f"torch must stay below {TORCH_CEILING}, the lock has {pinned}")
    for requirement in requirements:
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        versions = pins.get(name, [])
        if not versions:
            problems.append(f"{requirement} is not pinned in the lock")
        for version in versions:
            if not requirement.specifier.contains(version, prereleases=True):
                problems.append(f"the lock pins {name}=={version}, outside {requirement}")
    return problems


def real_texts() -> tuple[str, str]:
    """The repository's ``pyproject.toml`` and ``constraints.txt``."""
    return (ROOT / "pyproject.toml").read_text(), tasks.LOCK.read_text()


def test_the_lock_satisfies_pyproject() -> None:
    assert lock_problems(*real_texts()) == []


def test_the_lock_pins_the_torch_that_tasks_installs() -> None:
    pins, _ = lock_pins(tasks.LOCK.read_text())
    assert pins["torch"] == [Version(tasks.TORCH_REQUIREMENT.split("==")[1])]


@pytest.mark.parametrize(
    "name", ["llama-cpp-python", "chromadb", "sentence-transformers", "transformers", "PySide6"]
)
def test_the_engines_and_qt_have_an_upper_bound(name: str) -> None:
    """A release that may break their API enters only when someone raises the bound."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    (requirement,) = [
        Requirement(text) for text in project["dependencies"]
        if canonicalize_name(Requirement(text).name) == canonicalize_name(name)
    ]
    assert not requirement.specifier.contains("999")


def test_the_suite_runs_on_the_locked_versions() -> None:
    """What the suite passes with is what the lock says, so a user gets the tested install."""
    pins, _ = lock_pins(tasks.LOCK.read_text())
    drifted = {}
    for name, (version, *_) in pins.items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            continue  # a package only another platform's resolution needs
        if installed.public != version.public:
            drifted[name] = f"locked {version}, installed {installed}"
    assert drifted == {}


def with_line(lock_text: str, name: str | None, new_line: str) -> str:
    """``lock_text`` with the pin of ``name`` replaced by ``new_line``, or it added if None."""
    if name is None:
        return lock_text + new_line + "\n"
    lines = [
        new_line if (match := PIN.match(line)) and match.group(1) == name else line
        for line in lock_text.splitlines()
    ]
    assert lines != lock_text.splitlines(), f"{name} is not in the lock"
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("name", "new_line", "expected"),
    [
        ("chromadb", "chromadb==0.4.24", "chromadb==0.4.24, outside"),
        ("chromadb", "chromadb==2.0.0", "chromadb==2.0.0, outside"),
        ("pytest", "", "pytest>=8 is not pinned"),
        (None, "numpy==1.26.0", "numpy is pinned 2 times"),
        ("psutil", "psutil>=5.9", "not a name==version pin: 'psutil>=5.9'"),
        ("torch", "torch==2.13.0+cpu", "not a name==version pin: 'torch==2.13.0+cpu'"),
        ("torch", "torch==2.14.0", "torch must stay below 2.14"),
        (None, "nvidia-cublas-cu12==12.8.4.1", "nvidia-cublas-cu12 is a CUDA package"),
    ],
    ids=["too old", "too new", "missing", "twice", "a range", "a local build", "torch 2.14",
         "CUDA"],
)
def test_a_broken_lock_is_caught(name: str | None, new_line: str, expected: str) -> None:
    pyproject, lock = real_texts()
    problems = lock_problems(pyproject, with_line(lock, name, new_line))
    assert any(expected in problem for problem in problems), problems


def test_lock_lines_keep_exact_pins_and_drop_what_the_lock_must_not_hold() -> None:
    freeze = "\n".join([
        "# Editable install with no version control (offgrid==0.1.0)",
        "-e /work/main",
        "Jinja2==3.1.6",
        "llama_cpp_python==0.3.16",
        "nvidia-cublas-cu12==12.8.4.1",
        "pip==25.1",
        "setuptools==80.9.0",
        "torch==2.13.0+cpu",
        "triton==3.5.0",
        "filelock==3.20.0",
    ])
    assert tasks.lock_lines(freeze) == [
        "filelock==3.20.0",
        "Jinja2==3.1.6",
        "llama_cpp_python==0.3.16",
        "setuptools==80.9.0",
        "torch==2.13.0",
    ]
