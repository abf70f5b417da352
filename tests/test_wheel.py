"""An installed wheel works: built from the checkout and installed without network into a
scratch environment that cannot see the checkout, it finds its bundled library and registry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "assistant" / "bundled" / "library"
# What the build reads: pyproject.toml names README.md as the long description and LICENSE as
# the licence file.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "assistant", "ui")


def run(command: list[str | Path], cwd: Path | None = None,
        env: dict[str, str] | None = None) -> str:
    """Run a command; its stdout, or a failure that shows what it said."""
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stderr[-3000:]}"
    return done.stdout


def build_wheel(tmp_path: Path) -> Path:
    """The wheel pip builds from a copy of the checkout (never writing ``build/`` into it)."""
    source = tmp_path / "source"
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path / "wheels"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "-w", out, source])
    (wheel,) = out.glob("offgrid-*.whl")
    return wheel


def scratch_env(tmp_path: Path, wheel: Path) -> tuple[Path, Path]:
    """A venv holding only the wheel, seeing this venv's dependencies but not the checkout;
    the venv and its site-packages.

    The wheel goes in first (this venv's pip, run as the scratch interpreter, sees nothing
    installed yet). Then a ``.pth`` adds this venv's site-packages as plain paths: the ``.pth``
    files inside them, among them the editable install's, are not processed.
    """
    venv = tmp_path / "scratch"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", wheel])
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                .strip())
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "offgrid-dependencies.pth").write_text("\n".join(ours) + "\n")
    return venv, site


@pytest.mark.integration
def test_an_installed_wheel_searches_its_bundled_library(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"assistant/bundled/library/{path.name}" for path in LIBRARY.iterdir()}
    assert "assistant/bundled/library/energy-cost-per-bitcoin.pdf" in shipped
    assert shipped <= names, sorted(shipped - names)
    assert "assistant/bundled/registry.json" in names
    version = wheel.name.split("-")[1]
    info = f"offgrid-{version}.dist-info"
    archive = zipfile.ZipFile(wheel)
    assert archive.read(f"{info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
    metadata = archive.read(f"{info}/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert "[gui_scripts]\noffgrid = ui.__main__:run" in archive.read(
        f"{info}/entry_points.txt").decode()
    assert {"ui/resources/offgrid.svg", "ui/resources/offgrid.desktop"} <= names  # the icon

    venv, site = scratch_env(tmp_path, wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    *where, editable = json.loads(run(
        [venv / "bin" / "python", "-c",
         "import json, sys, assistant, assistant.system.paths as p\n"
         "print(json.dumps([assistant.__file__, str(p.library_dir()),\n"
         "                  [m for m in sys.modules if m.startswith('__editable__')]]))"],
        cwd=elsewhere, env=env))
    assert editable == [], "the checkout's editable install is active in the scratch venv"
    for found in where:
        assert Path(found).is_relative_to(site) and not Path(found).is_relative_to(ROOT), where

    assistant = venv / "bin" / "assistant"
    assert (venv / "bin" / "offgrid").is_file()  # the window's launcher
    # the version comes from the installed package's metadata
    assert run([assistant, "--version"], cwd=elsewhere, env=env) == f"offgrid {version}\n"
    data = tmp_path / "data"
    hits = json.loads(run([assistant, "--data-dir", data, "search", "--json", "hashprice"],
                          cwd=elsewhere, env=env))
    assert hits and hits[0]["title"] == "Hashprice: What a Unit of Hash Rate Earns per Day"
    assert Path(hits[0]["path"]).is_relative_to(site), hits[0]["path"]

    models = json.loads(run([assistant, "--data-dir", data, "models", "list", "--json"],
                            cwd=elsewhere, env=env))
    assert models[0]["id"] == "smollm2-135m-instruct-q4_1"
    assert models[0]["default"] and models[0]["available"]

    # the calculator's cited defaults come from the installed notes
    calc = json.loads(run([assistant, "calc", "--json"], cwd=elsewhere, env=env))
    assert round(calc["energy_per_btc_kwh"]) == 853_333
    assert calc["inputs"]["price_usd_kwh"]["source"]["file"] == "hashprice.md"
