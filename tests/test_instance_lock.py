"""One owner per data directory: a second instance is refused with a clear message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.app.service import AssistantService
from assistant.system.instance_lock import DataDirInUse, InstanceLock
from tests.fakes import HashEmbedder

HOLD = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from assistant.system.instance_lock import InstanceLock\n"
    "lock = InstanceLock(Path(sys.argv[1]))\n"
    "lock.acquire()\n"
    "print('held', flush=True)\n"
    "time.sleep(120)\n"
)


def test_a_second_service_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    with AssistantService(tmp_path, embedder=HashEmbedder()):
        with pytest.raises(DataDirInUse) as refused:
            AssistantService(tmp_path, embedder=HashEmbedder())
        message = str(refused.value)
        assert "already running" in message and str(tmp_path) in message
        assert f"process {os.getpid()}" in message
    with AssistantService(tmp_path, embedder=HashEmbedder()) as again:  # released on close
        assert again._lock.held


def test_another_process_is_refused_and_a_killed_owner_frees_the_directory(
        tmp_path: Path) -> None:
    owner = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == "held"
        with pytest.raises(DataDirInUse, match=f"process {owner.pid}"):
            InstanceLock(tmp_path).acquire()
        cli = subprocess.run(
            [sys.executable, "-m", "assistant", "--data-dir", str(tmp_path), "docs", "list"],
            capture_output=True, text=True, timeout=120)
        assert cli.returncode == 1
        assert "already running" in cli.stderr and "Traceback" not in cli.stderr
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
    lock = InstanceLock(tmp_path)
    lock.acquire()  # the system dropped the dead owner's lock
    assert lock.held
    lock.release()
