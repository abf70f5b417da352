"""Shared fixtures: tests never touch the user's real data directory or the network, each
builds its services with one factory, and none leaves a thread or a process running.

``--order=file|reverse|shuffle`` (with ``--order-seed=N``) runs the tests in another order,
to show that none needs another to have run first.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from assistant.system import egress
from assistant.system.egress import EgressGuard
from tests.fakes import HashEmbedder
from tests.services import MakeService, ServiceFactory

pytest_plugins = ["pytester"]

# -- the order the tests run in ------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("order", "the order the tests run in")
    group.addoption("--order", choices=("file", "reverse", "shuffle"), default="file",
                    help="run the tests in file order (default), reversed or shuffled")
    group.addoption("--order-seed", type=int, default=None,
                    help="the seed of --order=shuffle (default: a new one, printed)")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("order_seed") is None:
        config.option.order_seed = random.SystemRandom().randrange(1_000_000)


def _order_line(config: pytest.Config) -> str:
    order = config.getoption("order")
    if order == "shuffle":
        return f"order: shuffle, seed {config.getoption('order_seed')}"
    return f"order: {order}"


def pytest_report_header(config: pytest.Config) -> str:
    return _order_line(config)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    if config.getoption("order") != "file":  # again at the end: -q shows no header
        terminalreporter.write_line(_order_line(config))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    order = config.getoption("order")
    if order == "reverse":
        items.reverse()
    elif order == "shuffle":
        random.Random(config.getoption("order_seed")).shuffle(items)


# -- isolation ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory,
                       _no_dangling_threads_or_processes: None,
                       monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every default location at a temp dir, so the real data dir is never used.

    (It asks for the leak check first, so that check is set up before ``monkeypatch`` and
    torn down after it: it looks at the processes with the test's patches undone.)
    """
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg"))

    def _refuse() -> Path:
        raise AssertionError("a test tried to use the user's real data directory")

    monkeypatch.setattr("assistant.system.paths.default_data_dir", _refuse)
    return home / "data"


@pytest.fixture
def hash_embedder() -> HashEmbedder:
    """A fast deterministic embedder."""
    return HashEmbedder()


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    """The real all-MiniLM-L6-v2 embedder, loaded once for the session."""
    from assistant.engines.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    embedder.load()
    return embedder


@pytest.fixture(scope="session", autouse=True)
def _offline() -> Iterator[EgressGuard]:
    """Every test runs with the app's egress guard: a connection off the machine raises."""
    guard = egress.install()
    yield guard
    guard.uninstall()


@pytest.fixture
def no_network(_offline: EgressGuard) -> list[str]:
    """The network accesses the guard refuses during this test (none expected)."""
    _offline.attempts.clear()
    return _offline.attempts


# -- the service factory --------------------------------------------------------------------


@pytest.fixture
def make_service(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[MakeService]:
    """``make_service(**variants)``: an :class:`AssistantService` in a temp data dir with a
    hash embedder, no bundled library and no model unless asked (see
    :class:`tests.services.ServiceFactory` for the variants: ``embedder="real"``,
    ``engine="fake"|"real"``, ``library_dir="bundled"``, ``limits=``, ``data_dir=``).
    Every service it made and the test left open is closed afterwards."""
    factory = ServiceFactory(tmp_path, lambda: request.getfixturevalue("real_embedder"))
    yield factory
    factory.close()


# -- nothing left running -------------------------------------------------------------------

GRACE_S = 5.0  # how long a thread or process that is on its way out may take


def _running_children() -> dict[tuple[int, float], psutil.Process]:
    """This process's descendants that still run (not zombies), by (pid, start time)."""
    found = {}
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                found[(child.pid, child.create_time())] = child
        except psutil.Error:
            pass
    return found


def _describe(process: psutil.Process) -> str:
    try:
        command = " ".join(process.cmdline()) or process.name()
    except psutil.Error:
        command = "?"
    return f"process {process.pid} ({command[:200]})"


def _still_running(started: dict[tuple[int, float], psutil.Process],
                   grace_s: float) -> list[psutil.Process]:
    """Of ``started``, those still running after up to ``grace_s`` seconds."""
    deadline = time.monotonic() + grace_s
    while True:
        left = [p for key, p in _running_children().items() if key in started]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.1)


# Fixture values that cannot own a process (a data folder, its name, a list of files).
_INERT = (str, bytes, Path, int, float, tuple, list, dict, type(None))


def _owner_scope(item: pytest.Item) -> str | None:
    """The widest scope above the test's of a fixture from this project the test uses
    (a process such a fixture started may outlive the test), or None."""
    info = getattr(item, "_fixtureinfo", None)
    scopes = set()
    for defs in (info.name2fixturedefs.values() if info is not None else ()):
        fixture = defs[-1]
        module = getattr(fixture.func, "__module__", "") or ""
        value = (getattr(fixture, "cached_result", None) or (None,))[0]
        if fixture.scope != "function" and module.startswith("tests.") and \
                not fixture.argname.startswith("_") and not isinstance(value, _INERT):
            scopes.add(fixture.scope)
    return "session" if "session" in scopes else (scopes.pop() if scopes else None)


_deferred: dict[str, dict[tuple[int, float], tuple[psutil.Process, str]]] = {
    "module": {}, "session": {}}


def _check_deferred(scope: str) -> None:
    """Fail on processes a test started that outlived the fixtures that could own them."""
    waiting = _deferred[scope]
    if not waiting:
        return
    left = _still_running({key: p for key, (p, _) in waiting.items()}, GRACE_S)
    problems = [f"{_describe(p)}, started by {waiting[(p.pid, p.create_time())][1]}, "
                f"is still running after its fixtures closed" for p in left]
    waiting.clear()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def _no_process_outlives_the_session() -> Iterator[None]:
    yield
    _check_deferred("session")


@pytest.fixture(scope="module", autouse=True)
def _no_process_outlives_its_module() -> Iterator[None]:
    yield
    _check_deferred("module")


@pytest.fixture(autouse=True)
def _no_dangling_threads_or_processes(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a QThread or a child process running (napari's
    ``_dangling_qthreads``), once its fixtures are torn down and after a short grace.

    A process started while the test used a module- or session-scoped fixture of this
    project may belong to that fixture: it must be gone when that scope ends. Qt is only
    watched if it was already imported: this fixture never imports PySide6.
    """
    before = set(_running_children())
    threads: list[Any] = []
    qtcore = sys.modules.get("PySide6.QtCore")
    original_start = qtcore.QThread.start if qtcore is not None else None
    if qtcore is not None:
        def recording_start(thread: Any, *args: Any, **kwargs: Any) -> Any:
            threads.append(thread)
            return original_start(thread, *args, **kwargs)

        qtcore.QThread.start = recording_start
    try:
        yield
    finally:
        if qtcore is not None:
            qtcore.QThread.start = original_start
    problems = _dangling_qthreads(threads) if threads else []
    started = {key: p for key, p in _running_children().items() if key not in before}
    scope = _owner_scope(request.node)
    for process in _still_running(started, 0.0 if scope else GRACE_S):
        if scope is not None:
            _deferred["module" if scope != "session" else "session"][
                (process.pid, process.create_time())] = (process, request.node.nodeid)
        else:
            problems.append(f"{_describe(process)} is still running")
    if problems:
        pytest.fail("the test left running:\n" + "\n".join(problems), pytrace=False)


def _dangling_qthreads(threads: list[Any]) -> list[str]:
    """The QThreads started during the test that are still running after the grace."""
    import shiboken6

    deadline = time.monotonic() + GRACE_S
    problems = []
    for thread in threads:
        if not shiboken6.isValid(thread):  # deleted: it had finished
            continue
        thread.wait(max(0, int((deadline - time.monotonic()) * 1000)))
        if shiboken6.isValid(thread) and thread.isRunning():
            name = thread.objectName() or type(thread).__qualname__
            problems.append(f"QThread {name} {thread!r}")
    threads.clear()
    return problems
