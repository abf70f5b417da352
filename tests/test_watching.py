"""Watched folders: what changed in a folder (pure), the stored list, and a rescan through
the service (new, changed, moved and deleted files; untouched files never read)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.app import AssistantError, WatchedFolder
from assistant.library.watching import (
    DiskFile,
    FolderChanges,
    KnownFile,
    compare_folder,
    format_watched,
    parse_watched,
    scan_folder,
)

STORED_AT = 1_000_000.0


def known(path: str, size: int, sha: str) -> KnownFile:
    return KnownFile(path, size, sha, STORED_AT)


class Hashes:
    """A hash_of that records which files it read."""

    def __init__(self, hashes: dict[str, str]) -> None:
        self.hashes = hashes
        self.read: list[str] = []

    def __call__(self, path: str) -> str | None:
        self.read.append(path)
        return self.hashes.get(path)


def test_an_untouched_folder_has_no_changes_and_no_file_is_read() -> None:
    hashes = Hashes({})
    changes = compare_folder([DiskFile("/w/a.md", 10, STORED_AT - 100)],
                             [known("/w/a.md", 10, "h1")], hashes)
    assert changes == FolderChanges() and changes.empty
    assert hashes.read == []


def test_new_changed_deleted_and_moved_files_are_told_apart() -> None:
    disk = [DiskFile("/w/same.md", 10, STORED_AT - 100),
            DiskFile("/w/grown.md", 12, STORED_AT - 100),        # size differs
            DiskFile("/w/edited.md", 10, STORED_AT + 50),        # same size, new content
            DiskFile("/w/touched.md", 10, STORED_AT + 50),       # same size, same content
            DiskFile("/w/fresh.md", 7, STORED_AT + 50),
            DiskFile("/w/sub/renamed.md", 20, STORED_AT + 50)]
    stored = [known("/w/same.md", 10, "s"), known("/w/grown.md", 10, "g"),
              known("/w/edited.md", 10, "e-old"), known("/w/touched.md", 10, "t"),
              known("/w/old-name.md", 20, "r"), known("/w/gone.md", 5, "x")]
    hashes = Hashes({"/w/edited.md": "e-new", "/w/touched.md": "t",
                     "/w/sub/renamed.md": "r", "/w/fresh.md": "f"})
    changes = compare_folder(disk, stored, hashes)
    assert changes == FolderChanges(new=("/w/fresh.md",), changed=("/w/edited.md", "/w/grown.md"),
                                    deleted=("/w/gone.md",),
                                    moved=(("/w/old-name.md", "/w/sub/renamed.md"),))
    assert "/w/same.md" not in hashes.read and "/w/fresh.md" not in hashes.read


def test_a_new_file_of_a_deleted_ones_size_but_other_content_is_new() -> None:
    changes = compare_folder([DiskFile("/w/b.md", 5, STORED_AT)], [known("/w/a.md", 5, "a")],
                             Hashes({"/w/b.md": "b"}))
    assert changes == FolderChanges(new=("/w/b.md",), deleted=("/w/a.md",))


def test_an_unreadable_file_is_left_for_the_next_scan() -> None:
    changes = compare_folder([DiskFile("/w/a.md", 5, STORED_AT + 9)], [known("/w/a.md", 5, "a")],
                             Hashes({}))
    assert changes.empty


def test_scan_finds_supported_files_and_every_subfolder(tmp_path: Path) -> None:
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "a.md").write_text("# A\n\nalpha", encoding="utf-8")
    (tmp_path / "sub" / "deeper" / "b.txt").write_text("beta", encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / ".hidden" / "c.md").write_text("gamma", encoding="utf-8")
    scan = scan_folder(tmp_path)
    assert [Path(f.path).name for f in scan.files] == ["a.md", "b.txt"]
    assert scan.folders == (str(tmp_path), str(tmp_path / "sub"), str(tmp_path / "sub" / "deeper"))
    assert scan_folder(tmp_path / "missing").files == ()


def test_the_stored_list_round_trips_and_a_bad_record_is_a_clear_error() -> None:
    folders = [WatchedFolder("/a", "My documents"), WatchedFolder("/b", "Work", paused=True)]
    assert parse_watched(format_watched(folders)) == folders
    assert parse_watched(None) == []
    with pytest.raises(AssistantError, match="watched folders is unreadable"):
        parse_watched('{"version": 99, "folders": []}')


# -- through the service --------------------------------------------------------------------


def results(scan) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {Path(r.path).name: r.status for r in scan.results}


def test_a_rescan_keeps_the_library_in_step_with_the_folder(make_service, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "notes"
    (folder / "sub").mkdir(parents=True)
    (folder / "keep.md").write_text("# Keep\n\nThe reservoir stores water.", encoding="utf-8")
    (folder / "edit.md").write_text("# Edit\n\nThe turbine spins.", encoding="utf-8")
    (folder / "move.md").write_text("# Move\n\nThe dam holds a lake.", encoding="utf-8")
    (folder / "drop.md").write_text("# Drop\n\nThe spillway overflows.", encoding="utf-8")
    service = make_service()
    assert service.watch_folder(folder, "Notes") == [WatchedFolder(str(folder.resolve()),
                                                                   "Notes")]
    first = service.rescan_watched()
    assert sorted(results(first).values()) == ["added"] * 4
    assert str(folder / "sub") in first.folders
    assert not service.rescan_watched().results  # nothing changed: nothing is ingested

    (folder / "edit.md").write_text("# Edit\n\nThe turbine spins faster now.", encoding="utf-8")
    os.replace(folder / "move.md", folder / "sub" / "moved.md")
    (folder / "drop.md").unlink()
    (folder / "new.md").write_text("# New\n\nThe penstock carries water.", encoding="utf-8")
    second = service.rescan_watched()
    assert results(second) == {"edit.md": "updated", "moved.md": "updated", "new.md": "added"}
    assert [Path(p).name for p in second.removed] == ["drop.md"]
    assert sorted(Path(d.path).name for d in service.documents("Notes")) == \
        ["edit.md", "keep.md", "moved.md", "new.md"]
    assert "penstock" in service.search("penstock water", k=1)[0].text


def test_paused_and_removed_folders_are_left_alone_and_the_list_survives_a_restart(  # type: ignore[no-untyped-def]
        make_service, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    service = make_service()
    service.watch_folder(folder, "Notes")
    service.pause_watch(str(folder.resolve()), True)
    (folder / "a.md").write_text("# A\n\nalpha beta", encoding="utf-8")
    assert service.rescan_watched().results == ()
    data_dir = service.data_dir
    service.close()
    again = make_service(data_dir)
    assert again.watched_folders() == [WatchedFolder(str(folder.resolve()), "Notes", True)]
    again.pause_watch(str(folder.resolve()), False)
    assert results(again.rescan_watched()) == {"a.md": "added"}
    assert again.unwatch_folder(str(folder.resolve())) == []
    with pytest.raises(AssistantError, match="not a watched folder"):
        again.pause_watch(str(folder.resolve()), True)
    with pytest.raises(AssistantError, match="not a folder"):
        again.watch_folder(folder / "a.md", "Notes")


def test_a_file_that_fails_is_not_retried_until_it_changes(make_service, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "bad.pdf").write_bytes(b"not a pdf at all")
    service = make_service()
    service.watch_folder(folder, "Notes")
    assert results(service.rescan_watched()) == {"bad.pdf": "failed"}
    assert service.rescan_watched().results == ()
    (folder / "bad.pdf").write_bytes(b"still not a pdf, but longer")
    assert results(service.rescan_watched()) == {"bad.pdf": "failed"}


def test_the_cli_watch_loop_indexes_a_dropped_file_and_stops_cleanly(  # type: ignore[no-untyped-def]
        make_service, tmp_path: Path, capsys) -> None:
    import threading

    from assistant.cli.watch import run_watch

    folder = tmp_path / "notes"
    folder.mkdir()
    service = make_service()
    stop = threading.Event()
    outcome: list[int] = []
    loop = threading.Thread(target=lambda: outcome.append(run_watch(
        service, [str(folder)], "Notes", lambda: 0, stop=stop, every=0.05)))
    loop.start()
    try:
        (folder / "dropped.md").write_text("# Dropped\n\nThe sluice gate opens.", encoding="utf-8")
        found = threading.Event()
        for _ in range(600):  # up to a minute on a busy machine; usually at once
            if service.documents("Notes"):
                found.set()
                break
            stop.wait(0.1)
        assert found.is_set(), "the dropped file was never indexed"
    finally:
        stop.set()
        loop.join(timeout=60)
    assert outcome == [0] and not loop.is_alive()
    assert "added" in capsys.readouterr().out
    with pytest.raises(AssistantError, match="needs at least one folder"):
        run_watch(service, [str(folder / "dropped.md")], "Notes", lambda: 0)
