"""The suite's own fixtures (tests/conftest.py): a test that leaves a child process or a
QThread running fails, the service factory closes what a test left open, and ``--order``
runs the tests reversed or shuffled, the same way for the same seed.

The leaking tests run in a pytest of their own (pytester, in a subprocess), with this
suite's conftest as their plugin.
"""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest

from tests.services import ServiceFactory

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytest run in a temp folder that uses this suite's conftest."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    pytester.makeconftest("pytest_plugins = ['tests.conftest']\n")
    return pytester


def test_a_test_that_leaves_a_child_process_running_fails(suite: pytest.Pytester,
                                                          tmp_path: Path) -> None:
    pid_file = tmp_path / "leaked.pid"
    suite.makepyfile(f"""
        import subprocess, sys
        from pathlib import Path

        def test_waits_for_its_child():
            subprocess.run([sys.executable, "-c", "pass"], check=True)

        def test_leaves_its_child_running():
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
            Path({str(pid_file)!r}).write_text(str(child.pid))
    """)
    try:
        result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    finally:
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass
    result.assert_outcomes(passed=2, errors=1)
    output = result.stdout.str()
    assert "ERROR at teardown of test_leaves_its_child_running" in output
    assert f"process {pid_file.read_text()} (" in output and "is still running" in output
    assert "time.sleep(120)" in output


def test_a_test_that_leaves_a_qthread_running_fails(suite: pytest.Pytester) -> None:
    suite.makepyfile("""
        import atexit, threading
        from PySide6.QtCore import QThread

        release = threading.Event()

        class Waiter(QThread):
            def run(self):
                release.wait()

        class Quick(QThread):
            def run(self):
                pass

        kept = []

        def _finish():
            release.set()
            for thread in kept:
                thread.wait()

        atexit.register(_finish)

        def test_waits_for_its_thread(qapp):
            thread = Quick()
            kept.append(thread)
            thread.start()
            assert thread.wait(5000)

        def test_leaves_its_thread_running(qapp):
            thread = Waiter()
            thread.setObjectName("left-behind")
            kept.append(thread)
            thread.start()
    """)
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    output = result.stdout.str()
    assert "ERROR at teardown of test_leaves_its_thread_running" in output
    assert "QThread left-behind" in output


def test_the_fixture_does_not_import_qt(suite: pytest.Pytester) -> None:
    suite.makepyfile("""
        import sys

        def test_without_qt():
            pass

        def test_qt_was_never_imported():
            assert "PySide6" not in sys.modules
    """)
    suite.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:pytest-qt",
                               "-p", "no:qt").assert_outcomes(passed=2)


def test_the_factory_closes_what_a_test_left_open(tmp_path: Path) -> None:
    factory = ServiceFactory(tmp_path)
    left_open = factory(engine="fake")
    with factory() as closed_by_the_test:
        pass
    assert left_open.data_dir != closed_by_the_test.data_dir
    assert left_open._lock.held
    factory.close()
    assert not left_open._lock.held
    with ServiceFactory(tmp_path)(left_open.data_dir) as reopened:  # the lock was released
        assert reopened.documents() == []


def _order(result: pytest.RunResult) -> list[str]:
    return re.findall(r"::(test_\w+) PASSED", result.stdout.str())


def test_the_order_option_reverses_and_shuffles_by_seed(suite: pytest.Pytester) -> None:
    suite.makepyfile(**{f"test_{name}": "".join(f"def test_{name}_{n}():\n    pass\n"
                                                for n in range(4))
                        for name in ("a", "b")})
    names = [f"test_{name}_{n}" for name in ("a", "b") for n in range(4)]
    assert _order(suite.runpytest_subprocess("-v", "-p", "no:cacheprovider")) == names
    reverse = suite.runpytest_subprocess("-v", "-p", "no:cacheprovider", "--order", "reverse")
    assert _order(reverse) == names[::-1] and "order: reverse" in reverse.stdout.str()
    shuffled = [suite.runpytest_subprocess("-v", "-p", "no:cacheprovider", "--order",
                                           "shuffle", "--order-seed", "7") for _ in range(2)]
    assert "order: shuffle, seed 7" in shuffled[0].stdout.str()
    assert _order(shuffled[0]) == _order(shuffled[1]) != names
    assert sorted(_order(shuffled[0])) == sorted(names)
    quiet = suite.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--order", "shuffle")
    assert re.search(r"^order: shuffle, seed \d+$", quiet.stdout.str(), re.M)
