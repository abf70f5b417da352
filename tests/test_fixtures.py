"""The suite's own fixtures (tests/conftest.py): the service factory closes what a test left
open."""

from __future__ import annotations

from pathlib import Path

from tests.services import ServiceFactory


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
