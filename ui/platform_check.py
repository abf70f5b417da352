"""Whether Qt can open a window here, checked before ``QApplication`` exists.

When a system library that Qt's window-system plugin needs is missing, Qt aborts with "no Qt
platform plugin could be initialized" and names no library. This module finds the plugin Qt
will load, asks ``ldd`` which of its libraries the system lacks, and says what to install.
It imports no Qt, so it runs (and is tested) without Qt starting; its cost is one ``ldd``
run, about 10 ms. When it cannot tell (no ``ldd``, a Qt it does not recognise, a headless or
unknown platform), it says nothing and lets Qt decide.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# soname -> (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libXext.so.6": ("libxext6", "libXext"),
    "libXrender.so.1": ("libxrender1", "libXrender"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
}

# Plugin files Qt loads for each platform name it is given, newest Qt first. ldd lists
# everything a plugin loads, so its report on libqxcb.so covers libQt6XcbQpa.so.6 too.
PLUGIN_FILES: dict[str, tuple[str, ...]] = {
    "xcb": ("libqxcb.so",),
    "wayland": ("libqwayland.so", "libqwayland-generic.so"),
    "wayland-egl": ("libqwayland.so", "libqwayland-egl.so"),
}
# Libraries a platform needs that it may load with dlopen, which ldd cannot see
# (Qt >= 6.5 will not start xcb without libxcb-cursor).
LOADED_AT_RUN_TIME: dict[str, tuple[str, ...]] = {"xcb": ("libxcb-cursor.so.0",)}
PLATFORM_NAMES = {"xcb": "X11 (xcb)", "wayland": "Wayland", "wayland-egl": "Wayland"}

NO_DISPLAY = ("no display: run from a desktop session, or under Xvfb, "
              "or set QT_QPA_PLATFORM=offscreen for tests")
EXIT_STATUS = 1


@dataclass(frozen=True)
class PlatformProblem:
    """Why Qt cannot open a window with one platform plugin."""

    platform: str
    missing: tuple[str, ...] = ()
    no_display: bool = False


def platforms_to_try(environ: Mapping[str, str], system: str) -> tuple[str, ...]:
    """The platform plugins Qt will try, in order; () when there is nothing to check.

    Only Linux's xcb and wayland are checked: offscreen, minimal, vnc and other plugins need
    no X or Wayland libraries, and macOS and Windows ship everything Qt needs.
    """
    if not system.startswith("linux"):
        return ()
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        # "name[:options]" entries separated by ";", e.g. "wayland;xcb" or "vnc:size=800x600"
        names = tuple(entry.split(":", 1)[0].strip() for entry in requested.split(";")
                      if entry.strip())
    elif environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland":
        names = ("wayland", "xcb")  # Qt tries Wayland first, then X11 through XWayland
    else:
        names = ("xcb",)
    if any(name not in PLUGIN_FILES for name in names):
        return ()
    return names


def missing_in_ldd_output(ldd_output: str) -> tuple[str, ...]:
    """The sonames ``ldd`` reports as ``=> not found``, each once, in the order it lists them."""
    missing: list[str] = []
    for line in ldd_output.splitlines():
        name, arrow, where = line.strip().partition("=>")
        if arrow and where.strip() == "not found" and name.strip() not in missing:
            missing.append(name.strip())
    return tuple(missing)


def packages_for(sonames: Iterable[str]
                 ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Debian/Ubuntu packages, Fedora packages, and the sonames neither table knows."""
    debian: list[str] = []
    fedora: list[str] = []
    unknown: list[str] = []
    for soname in sonames:
        if soname not in PACKAGES:
            unknown.append(soname)
            continue
        deb, rpm = PACKAGES[soname]
        if deb not in debian:
            debian.append(deb)
        if rpm not in fedora:
            fedora.append(rpm)
    return tuple(debian), tuple(fedora), tuple(unknown)


def format_problems(problems: Sequence[PlatformProblem]) -> str:
    """What to tell a person whose Qt cannot open a window: what is missing, what to run."""
    plugins = " or ".join(PLATFORM_NAMES.get(p.platform, p.platform) for p in problems)
    lines = [f"Offgrid cannot open its window: Qt's {plugins} platform plugin cannot start."]
    if any(problem.no_display for problem in problems):
        if len(problems) == 1:
            lines.append(f"There is {NO_DISPLAY}.")
        else:  # Wayland was tried first and lacks libraries
            lines.append("Wayland needs the libraries below, and there is no X11 display to "
                         "fall back to (DISPLAY is not set).")
    missing: list[str] = []
    for problem in problems:
        missing += [soname for soname in problem.missing if soname not in missing]
    if missing:
        debian, fedora, unknown = packages_for(missing)
        lines.append("These system libraries are missing:")
        lines += [f"  {soname}" + ("  (package unknown: search your distribution for it)"
                                   if soname in unknown else "") for soname in missing]
        if debian:
            lines += ["Install them, then start Offgrid again:",
                      f"  Debian/Ubuntu:  sudo apt-get install {' '.join(debian)}",
                      f"  Fedora:         sudo dnf install {' '.join(fedora)}"]
        if unknown:
            name = unknown[0]
            lines.append(f"To find a package: apt-file search {name}  or  "
                         f"dnf provides '*/{name}'")
    return "\n".join(lines)


def find_plugin(platform: str, plugin_dirs: Sequence[Path]) -> Path | None:
    """The plugin file Qt would load for ``platform``: the first directory that has one wins."""
    for directory in plugin_dirs:
        for filename in PLUGIN_FILES[platform]:
            if (directory / filename).is_file():
                return directory / filename
    return None


def run_ldd(library: Path) -> str | None:
    """``ldd``'s report on ``library``, or None when there is no ``ldd`` to ask."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        result = subprocess.run([ldd, str(library)], capture_output=True, text=True,
                                timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout


def can_load_library(soname: str) -> bool:
    """Whether the dynamic loader finds ``soname`` (it stays loaded; Qt loads it anyway)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def pyside_qt_dir() -> Path | None:
    """PySide6's bundled ``Qt`` directory, found without importing PySide6."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    qt_dir = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    return qt_dir if qt_dir.is_dir() else None


def find_problems(environ: Mapping[str, str], system: str, qt_dir: Path | None,
                  list_libraries: Callable[[Path], str | None] = run_ldd,
                  can_load: Callable[[str], bool] = can_load_library
                  ) -> tuple[PlatformProblem, ...]:
    """Why each platform Qt would try cannot start; () when one can, or when we cannot tell.

    ``qt_dir`` is PySide6's ``Qt`` directory (``plugins/platforms/`` inside).
    ``QT_QPA_PLATFORM_PLUGIN_PATH`` is searched first, as Qt does.
    """
    platforms = platforms_to_try(environ, system)
    if not platforms or qt_dir is None:
        return ()
    plugin_dirs = [Path(environ["QT_QPA_PLATFORM_PLUGIN_PATH"])] \
        if environ.get("QT_QPA_PLATFORM_PLUGIN_PATH") else []
    plugin_dirs.append(qt_dir / "plugins" / "platforms")
    problems: list[PlatformProblem] = []
    for platform in platforms:
        plugin = find_plugin(platform, plugin_dirs)
        if plugin is None:
            if platform == "xcb":
                return ()  # a Qt laid out differently from PySide6's wheel: let Qt decide
            continue  # Qt moves on to the next platform
        report = list_libraries(plugin)
        if report is None:
            return ()  # no ldd: we cannot tell
        missing = list(missing_in_ldd_output(report))
        missing += [soname for soname in LOADED_AT_RUN_TIME.get(platform, ())
                    if soname not in missing and not can_load(soname)]
        no_display = platform == "xcb" and not environ.get("DISPLAY")
        if not missing and not no_display:
            return ()
        problems.append(PlatformProblem(platform, tuple(missing), no_display))
    return tuple(problems)


def platform_error(environ: Mapping[str, str] | None = None, system: str | None = None,
                   qt_dir: Path | None = None) -> str | None:
    """The message to print instead of starting Qt, or None when Qt can open a window."""
    environ = os.environ if environ is None else environ
    system = sys.platform if system is None else system
    if not platforms_to_try(environ, system):
        return None  # skip the PySide6 look-up too
    problems = find_problems(environ, system, qt_dir or pyside_qt_dir())
    return format_problems(problems) if problems else None
