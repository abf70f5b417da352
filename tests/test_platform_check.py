"""The check before the window opens: missing X11 libraries are named, with what to install.

The pure functions are tested against exact outputs; the check itself against fake ``ldd``
reports and, where a C compiler is at hand, against a real plugin file built to need a
library no system has, read by the real ``ldd``. Nothing here depends on whether this machine
has the X11 libraries: the real ones are never what a test expects to be missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from ui.platform_check import (
    NO_DISPLAY,
    PlatformProblem,
    find_problems,
    format_problems,
    missing_in_ldd_output,
    packages_for,
    platform_error,
    platforms_to_try,
)

ROOT = Path(__file__).resolve().parent.parent
ABSENT = "libxcb-offgrid-absent.so.0"  # a library no system has
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's check")

LDD_MISSING_TWO = """\
/venv/PySide6/Qt/plugins/platforms/libqxcb.so:
\tlinux-vdso.so.1 (0x00007ffd5a9f2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x1)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f0e1c0a0000)
/venv/PySide6/Qt/lib/libQt6XcbQpa.so.6:
\tlibxcb-icccm.so.4 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0e1be00000)
"""
LDD_ALL_FOUND = """\
/venv/PySide6/Qt/plugins/platforms/libqxcb.so:
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f0e1c0a0000)
"""


class FakeLdd:
    """``ldd`` answering from a table of reports by file name; remembers what it was asked."""

    def __init__(self, reports: Mapping[str, str]) -> None:
        self.reports = reports
        self.asked: list[Path] = []

    def __call__(self, library: Path) -> str:
        self.asked.append(library)
        return self.reports.get(library.name, "")


def make_qt_dir(root: Path, plugins: Sequence[str] = ("libqxcb.so",)) -> Path:
    """A directory laid out like PySide6's ``Qt``, with empty plugin files."""
    qt_dir = root / "Qt"
    (qt_dir / "plugins" / "platforms").mkdir(parents=True)
    for name in plugins:
        (qt_dir / "plugins" / "platforms" / name).touch()
    return qt_dir


def loads_everything(soname: str) -> bool:
    return True


def check(environ: Mapping[str, str], qt_dir: Path, ldd: FakeLdd,
          can_load: Callable[[str], bool] = loads_everything) -> tuple[PlatformProblem, ...]:
    """The check on Linux with a fake ldd and, unless given, every library loadable."""
    return find_problems(environ, "linux", qt_dir, ldd, can_load)


# --- which platform Qt will try ---------------------------------------------------------

@pytest.mark.parametrize(("environ", "expected"), [
    ({}, ("xcb",)),
    ({"DISPLAY": ":0"}, ("xcb",)),
    ({"WAYLAND_DISPLAY": "wayland-0"}, ("wayland", "xcb")),
    ({"XDG_SESSION_TYPE": "wayland"}, ("wayland", "xcb")),
    ({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}, ("xcb",)),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, ("wayland", "xcb")),
    ({"QT_QPA_PLATFORM": "offscreen"}, ()),
    ({"QT_QPA_PLATFORM": "minimal"}, ()),
    ({"QT_QPA_PLATFORM": "vnc:size=800x600"}, ()),
    ({"QT_QPA_PLATFORM": "xcb;offscreen"}, ()),
])
def test_platforms_qt_will_try(environ: dict[str, str], expected: tuple[str, ...]) -> None:
    assert platforms_to_try(environ, "linux") == expected


@pytest.mark.parametrize("system", ["darwin", "win32"])
def test_macos_and_windows_are_not_checked(system: str) -> None:
    assert platforms_to_try({}, system) == ()


# --- the pure functions -----------------------------------------------------------------

def test_ldd_output_gives_each_missing_soname_once_in_order() -> None:
    assert missing_in_ldd_output(LDD_MISSING_TWO) == ("libxcb-cursor.so.0", "libxcb-icccm.so.4")
    assert missing_in_ldd_output(LDD_ALL_FOUND) == ()


def test_sonames_map_to_debian_and_fedora_packages() -> None:
    assert packages_for(["libxcb-cursor.so.0", "libxcb-shape.so.0", "libxcb-randr.so.0",
                         "libxkbcommon-x11.so.0", "libfoo.so.3"]) == (
        ("libxcb-cursor0", "libxcb-shape0", "libxcb-randr0", "libxkbcommon-x11-0"),
        ("xcb-util-cursor", "libxcb", "libxkbcommon-x11"),
        ("libfoo.so.3",),
    )


def test_the_message_names_the_libraries_and_the_install_lines() -> None:
    problem = PlatformProblem("xcb", ("libxcb-cursor.so.0", "libxcb-icccm.so.4"))
    assert format_problems([problem]) == (
        "Offgrid cannot open its window: Qt's X11 (xcb) platform plugin cannot start.\n"
        "These system libraries are missing:\n"
        "  libxcb-cursor.so.0\n"
        "  libxcb-icccm.so.4\n"
        "Install them, then start Offgrid again:\n"
        "  Debian/Ubuntu:  sudo apt-get install libxcb-cursor0 libxcb-icccm4\n"
        "  Fedora:         sudo dnf install xcb-util-cursor xcb-util-wm"
    )


def test_an_unknown_library_is_listed_with_how_to_find_its_package() -> None:
    problem = PlatformProblem("xcb", ("libxcb-keysyms.so.1", "libfoo.so.3"))
    assert format_problems([problem]) == (
        "Offgrid cannot open its window: Qt's X11 (xcb) platform plugin cannot start.\n"
        "These system libraries are missing:\n"
        "  libxcb-keysyms.so.1\n"
        "  libfoo.so.3  (package unknown: search your distribution for it)\n"
        "Install them, then start Offgrid again:\n"
        "  Debian/Ubuntu:  sudo apt-get install libxcb-keysyms1\n"
        "  Fedora:         sudo dnf install xcb-util-keysyms\n"
        "To find a package: apt-file search libfoo.so.3  or  dnf provides '*/libfoo.so.3'"
    )


def test_no_display_is_said_plainly() -> None:
    assert format_problems([PlatformProblem("xcb", no_display=True)]) == (
        "Offgrid cannot open its window: Qt's X11 (xcb) platform plugin cannot start.\n"
        "There is no display: run from a desktop session, or under Xvfb, "
        "or set QT_QPA_PLATFORM=offscreen for tests."
    )


# --- the check, with a fake ldd ---------------------------------------------------------

def test_missing_libraries_are_found_with_ldd_on_the_plugin(tmp_path: Path) -> None:
    qt_dir = make_qt_dir(tmp_path)
    ldd = FakeLdd({"libqxcb.so": LDD_MISSING_TWO})
    problems = check({"DISPLAY": ":0"}, qt_dir, ldd)
    assert problems == (PlatformProblem("xcb", ("libxcb-cursor.so.0", "libxcb-icccm.so.4")),)
    assert ldd.asked == [qt_dir / "plugins/platforms/libqxcb.so"]
    message = format_problems(problems)
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4\n" in message
    assert message.endswith("sudo dnf install xcb-util-cursor xcb-util-wm")


def test_xcb_cursor_is_checked_even_when_ldd_cannot_see_it(tmp_path: Path) -> None:
    problems = check({"DISPLAY": ":0"}, make_qt_dir(tmp_path), FakeLdd({}),
                     can_load=lambda soname: soname != "libxcb-cursor.so.0")
    assert problems == (PlatformProblem("xcb", ("libxcb-cursor.so.0",)),)


def test_all_present_with_a_display_passes(tmp_path: Path) -> None:
    assert check({"DISPLAY": ":0"}, make_qt_dir(tmp_path),
                 FakeLdd({"libqxcb.so": LDD_ALL_FOUND})) == ()


def test_no_display_is_a_problem_even_with_every_library(tmp_path: Path) -> None:
    assert check({}, make_qt_dir(tmp_path), FakeLdd({})) == (
        PlatformProblem("xcb", no_display=True),)


def test_offscreen_is_not_checked(tmp_path: Path) -> None:
    ldd = FakeLdd({"libqxcb.so": LDD_MISSING_TWO})
    assert check({"QT_QPA_PLATFORM": "offscreen"}, make_qt_dir(tmp_path), ldd,
                 can_load=lambda soname: False) == ()
    assert ldd.asked == []


def test_wayland_that_works_is_enough(tmp_path: Path) -> None:
    qt_dir = make_qt_dir(tmp_path, ("libqxcb.so", "libqwayland.so"))
    ldd = FakeLdd({"libqxcb.so": LDD_MISSING_TWO})
    assert check({"WAYLAND_DISPLAY": "wayland-0"}, qt_dir, ldd) == ()
    assert [library.name for library in ldd.asked] == ["libqwayland.so"]


def test_broken_wayland_falls_back_to_xcb_as_qt_does(tmp_path: Path) -> None:
    qt_dir = make_qt_dir(tmp_path, ("libqxcb.so", "libqwayland.so"))
    wayland_missing = "\tlibwayland-cursor.so.0 => not found\n"
    environ = {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}
    assert check(environ, qt_dir, FakeLdd({"libqwayland.so": wayland_missing})) == ()
    problems = check(environ, qt_dir, FakeLdd({"libqwayland.so": wayland_missing,
                                               "libqxcb.so": LDD_MISSING_TWO}))
    assert problems == (
        PlatformProblem("wayland", ("libwayland-cursor.so.0",)),
        PlatformProblem("xcb", ("libxcb-cursor.so.0", "libxcb-icccm.so.4")),
    )
    assert format_problems(problems).splitlines()[-2] == (
        "  Debian/Ubuntu:  sudo apt-get install libwayland-cursor0 libxcb-cursor0 libxcb-icccm4")


def test_a_wayland_session_without_x11_asks_for_the_wayland_libraries(tmp_path: Path) -> None:
    qt_dir = make_qt_dir(tmp_path, ("libqxcb.so", "libqwayland.so"))
    ldd = FakeLdd({"libqwayland.so": "\tlibwayland-cursor.so.0 => not found\n"})
    problems = check({"WAYLAND_DISPLAY": "wayland-0"}, qt_dir, ldd)
    assert format_problems(problems) == (
        "Offgrid cannot open its window: Qt's Wayland or X11 (xcb) platform plugin cannot "
        "start.\n"
        "Wayland needs the libraries below, and there is no X11 display to fall back to "
        "(DISPLAY is not set).\n"
        "These system libraries are missing:\n"
        "  libwayland-cursor.so.0\n"
        "Install them, then start Offgrid again:\n"
        "  Debian/Ubuntu:  sudo apt-get install libwayland-cursor0\n"
        "  Fedora:         sudo dnf install libwayland-cursor"
    )


def test_the_plugin_path_qt_honours_is_checked_first(tmp_path: Path) -> None:
    qt_dir = make_qt_dir(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "libqxcb.so").touch()
    ldd = FakeLdd({})
    check({"DISPLAY": ":0", "QT_QPA_PLATFORM_PLUGIN_PATH": str(elsewhere)}, qt_dir, ldd)
    assert ldd.asked == [elsewhere / "libqxcb.so"]


def test_when_it_cannot_tell_it_lets_qt_decide(tmp_path: Path) -> None:
    def no_ldd(library: Path) -> None:
        return None

    qt_dir = make_qt_dir(tmp_path / "a")
    assert find_problems({"DISPLAY": ":0"}, "linux", qt_dir, no_ldd, loads_everything) == ()
    no_plugin = make_qt_dir(tmp_path / "b", plugins=())
    assert check({}, no_plugin, FakeLdd({"libqxcb.so": LDD_MISSING_TWO})) == ()


# --- the real ldd on a real plugin file that needs a library no system has ----------------

@pytest.fixture(scope="module")
def plugin_needing_absent_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plugin directory laid out like Qt's: ``libqxcb.so`` needs a library beside it (as the
    real one needs ``libQt6XcbQpa.so.6``), which needs ``ABSENT``, deleted after linking."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None or shutil.which("ldd") is None or not sys.platform.startswith("linux"):
        pytest.skip("needs a C compiler and ldd")
    build = tmp_path_factory.mktemp("plugin")
    platforms = build / "platforms"
    platforms.mkdir()
    sources = {ABSENT: "int absent(void) { return 0; }",
               "libqpa.so": "int absent(void); int qpa(void) { return absent(); }",
               "libqxcb.so": "int qpa(void); int plugin(void) { return qpa(); }"}
    for name, source in sources.items():
        (build / f"{name}.c").write_text(source + "\n")
    compile_ = [cc, "-shared", "-fPIC", f"-L{platforms}", "-Wl,-rpath,$ORIGIN"]
    subprocess.run([*compile_, f"-Wl,-soname,{ABSENT}", "-o", str(platforms / ABSENT),
                    str(build / f"{ABSENT}.c")], check=True)
    subprocess.run([*compile_, "-o", str(platforms / "libqpa.so"), str(build / "libqpa.so.c"),
                    f"-l:{ABSENT}"], check=True)
    subprocess.run([*compile_, "-o", str(platforms / "libqxcb.so"),
                    str(build / "libqxcb.so.c"), "-l:libqpa.so"], check=True)
    (platforms / ABSENT).unlink()
    return platforms


def test_the_real_ldd_finds_what_a_library_the_plugin_loads_lacks(
        plugin_needing_absent_library: Path, tmp_path: Path) -> None:
    environ = {"DISPLAY": ":0", "QT_QPA_PLATFORM_PLUGIN_PATH": str(plugin_needing_absent_library)}
    message = platform_error(environ, "linux", make_qt_dir(tmp_path, plugins=()))
    assert message is not None
    assert f"  {ABSENT}  (package unknown: search your distribution for it)" in message
    assert f"apt-file search {ABSENT}" in message
    assert "libqpa.so" not in message


# --- python -m ui -----------------------------------------------------------------------

def run_ui(environ: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m ui`` with the test's environment minus any display, plus ``environ``."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "QT_QPA_PLATFORM",
                          "QT_QPA_PLATFORM_PLUGIN_PATH"}}
    return subprocess.run([sys.executable, "-m", "ui", *args], cwd=ROOT, env={**env, **environ},
                          capture_output=True, text=True, timeout=120)


@linux_only
def test_python_m_ui_without_a_display_says_so_and_exits() -> None:
    result = run_ui({})
    assert result.returncode == 1
    assert f"There is {NO_DISPLAY}." in result.stderr
    assert "Traceback" not in result.stderr


@linux_only
def test_python_m_ui_names_a_missing_library_and_exits(plugin_needing_absent_library: Path
                                                       ) -> None:
    result = run_ui({"DISPLAY": ":0",
                     "QT_QPA_PLATFORM_PLUGIN_PATH": str(plugin_needing_absent_library)})
    assert result.returncode == 1
    assert result.stderr.startswith("Offgrid cannot open its window: Qt's X11 (xcb) platform")
    assert f"\n  {ABSENT}  (package unknown" in result.stderr
    assert "no display" not in result.stderr and "Traceback" not in result.stderr


def test_python_m_ui_offscreen_skips_the_check() -> None:
    result = run_ui({"QT_QPA_PLATFORM": "offscreen"}, "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: python -m ui" in result.stdout
    assert "cannot open its window" not in result.stderr
