"""Byte counts as people read them: the unit rolls over where rounding reaches 1000."""

from __future__ import annotations

import pytest

from assistant.text.formatting import human_size


@pytest.mark.parametrize(("size", "expected"), [
    (0, "0 bytes"),
    (999, "999 bytes"),
    (1000, "1.0 KB"),
    (12_500, "12.5 KB"),
    (999_949, "999.9 KB"),
    (999_950, "1.0 MB"),  # 999.95 KB rounds to 1000.0: it is written as the next unit
    (999_999, "1.0 MB"),
    (210_000_000, "210.0 MB"),
    (999_950_000, "1.0 GB"),
    (4_100_000_000, "4.1 GB"),
    (2_000_000_000_000, "2.0 TB"),
    (999_950_000_000, "1.0 TB"),
    (1_500_000_000_000_000, "1500.0 TB"),  # the largest unit carries on counting
])
def test_human_size(size: int, expected: str) -> None:
    assert human_size(size) == expected
