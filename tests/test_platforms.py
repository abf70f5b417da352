"""macOS and Windows code paths, forced on Linux: the document reader without an address-space
cap, the instance lock through msvcrt, no POSIX-only module at import, psutil memory readings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from assistant.engines import memory as model_memory
from assistant.errors import IngestError, ModelError
from assistant.library.parse_sandbox import ParseSandbox, SandboxLimits, out_of_memory
from assistant.system import instance_lock, memory_use
from assistant.system.instance_lock import DataDirInUse, InstanceLock

REPO = Path(__file__).resolve().parent.parent
POSIX_ONLY = ("resource", "fcntl", "termios", "tty", "pty", "pwd", "grp", "posix")

# Installed first in a child: our packages (not the libraries, which on Linux may use them)
# can no longer import POSIX-only modules, as on Windows. An import hook and not a meta-path
# finder, because psutil has already put ``resource`` and ``pwd`` in sys.modules.
BLOCK_POSIX = f"""
import builtins
real_import = builtins.__import__
def windows_import(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {{}}).get("__name__", "").partition(".")[0]
    if level == 0 and importer in ("assistant", "ui") and name.partition(".")[0] in {POSIX_ONLY!r}:
        raise ModuleNotFoundError(f"No module named {{name!r}} (as on Windows)")
    return real_import(name, globals, locals, fromlist, level)
builtins.__import__ = windows_import
"""
# As macOS answers a cap on the address space.
REFUSE_CAP = """
import resource
def refuse(*args):
    raise ValueError("current limit exceeds maximum limit")
resource.setrlimit = refuse
"""
# A parser that allocates (and touches) up to 1.5 GB for bomb.txt, then reads it normally: only
# a memory limit makes it fail.
BOMB = """
import time
import assistant.library.loaders as loaders
real = loaders.load_document
def load(path, pause=None):
    if path.name == "bomb.txt":
        held = []
        for _ in range(96):
            held.append(b"x" * (16 << 20))
            time.sleep(0.005)
    return real(path, pause)
loaders.load_document = load
"""
READERS = {"address-space cap": "", "cap refused (macOS)": REFUSE_CAP,
           "no resource module (Windows)": BLOCK_POSIX}


def sandbox_with(setup: str, limits: SandboxLimits) -> ParseSandbox:
    """A sandbox whose reader child runs ``setup`` before serving."""
    sandbox = ParseSandbox(limits)
    serve = f"from assistant.library.parse_sandbox import serve\nserve({limits.memory_mb})\n"
    sandbox.command = [sys.executable, "-c", setup + serve]
    return sandbox


def note(folder: Path) -> Path:
    """A small sound Markdown file."""
    path = folder / "note.md"
    path.write_text("# Note\n\nSeagrass meadows store carbon.\n")
    return path


@pytest.mark.parametrize("setup", READERS.values(), ids=READERS.keys())
def test_the_reader_reads_a_file_whatever_the_address_space_cap(
        tmp_path: Path, setup: str) -> None:
    sandbox = sandbox_with(setup, SandboxLimits(seconds=60, memory_mb=1024))
    try:
        assert "Seagrass" in sandbox.load(note(tmp_path)).text
        assert "Seagrass" in sandbox.load(note(tmp_path)).text  # the same child, still alive
    finally:
        sandbox.close()


@pytest.mark.parametrize("setup", READERS.values(), ids=READERS.keys())
def test_a_memory_bomb_is_stopped_with_the_same_reason_with_or_without_the_cap(
        tmp_path: Path, setup: str) -> None:
    sandbox = sandbox_with(setup + BOMB, SandboxLimits(seconds=60, memory_mb=512))
    bomb = tmp_path / "bomb.txt"
    bomb.write_text("Kelp, if the reader survives.\n")
    try:
        started = time.perf_counter()
        with pytest.raises(IngestError) as failed:
            sandbox.load(bomb)
        assert str(failed.value) == out_of_memory(512)
        assert "needs more than 512 MB of memory" in str(failed.value)
        assert time.perf_counter() - started < 30
        assert "Seagrass" in sandbox.load(note(tmp_path)).text  # a fresh reader goes on
    finally:
        sandbox.close()


def test_the_polling_limit_counts_resident_memory(tmp_path: Path) -> None:
    """Below the limit the uncapped reader is left alone, even after a large allocation."""
    sandbox = sandbox_with(REFUSE_CAP + BOMB, SandboxLimits(seconds=60, memory_mb=3072))
    bomb = tmp_path / "bomb.txt"
    bomb.write_text("Kelp, if the reader survives.\n")
    try:
        assert "Kelp" in sandbox.load(bomb).text  # 1.5 GB under a 3 GB limit
    finally:
        sandbox.close()


class FakeMsvcrt:
    """``msvcrt.locking`` as Windows enforces it: a byte locked through one descriptor
    cannot be locked through another until it is unlocked; unlocking a byte not locked
    fails. Keyed by (device, inode, position), the position being the descriptor's own."""

    LK_UNLCK, LK_LOCK, LK_NBLCK = 0, 1, 2

    def __init__(self) -> None:
        self.held: dict[tuple[int, int, int], int] = {}

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        """Lock or unlock ``nbytes`` from ``fd``'s current position."""
        info, start = os.fstat(fd), os.lseek(fd, 0, os.SEEK_CUR)
        keys = [(info.st_dev, info.st_ino, start + n) for n in range(nbytes)]
        if mode == self.LK_UNLCK:
            if any(self.held.get(key) != fd for key in keys):
                raise PermissionError(13, "Permission denied")
            for key in keys:
                del self.held[key]
            return
        if any(self.held.get(key, fd) != fd for key in keys):
            raise PermissionError(36, "Resource deadlock avoided")
        self.held.update(dict.fromkeys(keys, fd))


@pytest.fixture
def windows_lock(monkeypatch: pytest.MonkeyPatch) -> FakeMsvcrt:
    """The instance lock's Windows path, with fcntl gone."""
    fake = FakeMsvcrt()
    monkeypatch.setattr(instance_lock, "WINDOWS", True)
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    monkeypatch.setitem(sys.modules, "fcntl", None)  # import fcntl -> ImportError
    return fake


def test_on_windows_a_second_owner_is_refused_until_the_first_lets_go(
        tmp_path: Path, windows_lock: FakeMsvcrt) -> None:
    first = InstanceLock(tmp_path)
    first.acquire()
    assert first.held and windows_lock.held
    with pytest.raises(DataDirInUse) as refused:
        InstanceLock(tmp_path).acquire()
    message = str(refused.value)
    assert "already running" in message and str(tmp_path) in message
    assert f"process {os.getpid()}" in message  # read from the file beside the locked byte
    text = (tmp_path / instance_lock.LOCK_FILE).read_bytes()
    assert all(position >= len(text) for _, _, position in windows_lock.held)  # readable
    first.release()
    assert not windows_lock.held and not first.held
    second = InstanceLock(tmp_path)
    second.acquire()
    assert second.held
    second.release()


def test_without_the_windows_path_the_fake_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeMsvcrt()
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    lock = InstanceLock(tmp_path)
    lock.acquire()  # flock, as before on POSIX
    try:
        assert not fake.held
        with pytest.raises(DataDirInUse):
            InstanceLock(tmp_path).acquire()
    finally:
        lock.release()


def test_our_modules_import_and_measure_without_posix_only_modules() -> None:
    check = BLOCK_POSIX + """
import pkgutil, importlib
import assistant, ui
names = [m.name for package in (assistant, ui)
         for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
         if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
try:  # the blocker works: an import from inside ui fails
    exec("import resource", {"__name__": "ui.panels.status_bar"})
    raise SystemExit("the blocker let ui import resource")
except ModuleNotFoundError:
    pass
from ui.panels.status_bar import process_memory_mb
from ui.bench.instruments import peak_rss_mb
from assistant.system.memory_use import available_bytes
from assistant.library.parse_sandbox import limit_address_space
limit_address_space(4096)  # no resource: the parent's polling is the limit
print(len(names), process_memory_mb() > 10, peak_rss_mb() > 10, available_bytes() > 0)
"""
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    count, *readings = done.stdout.split()
    assert int(count) > 40 and readings == ["True", "True", "True"]


def test_available_memory_comes_from_psutil(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setattr(psutil, "virtual_memory",
                        lambda: SimpleNamespace(available=200_000_000))
    assert memory_use.available_bytes() == 200_000_000
    weights = tmp_path / "model.gguf"
    weights.write_bytes(b"\0" * 1024)
    with pytest.raises(ModelError, match="only 200.0 MB is free"):
        model_memory.check_fits(weights, {}, 512)  # the overhead alone does not fit


def test_available_memory_is_unknown_when_psutil_fails(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    def broken() -> None:
        raise OSError("no /proc here")

    monkeypatch.setattr(psutil, "virtual_memory", broken)
    assert memory_use.available_bytes() is None
    weights = tmp_path / "model.gguf"
    weights.write_bytes(b"\0" * 1024)
    assert model_memory.check_fits(weights, {}, 512) > 0  # unknown: not refused
    monkeypatch.setitem(sys.modules, "psutil", None)
    assert memory_use.available_bytes() is None


def test_the_status_bar_memory_follows_this_process() -> None:
    from ui.panels.status_bar import process_memory_mb

    before = process_memory_mb()
    block = b"x" * (200 * 1024 * 1024)
    grown = process_memory_mb() - before
    assert len(block) and 180 < grown < 260
