"""How the terminal names a passage's place."""

from __future__ import annotations

from assistant.text.formatting import location


def test_location_prefers_the_page_then_the_heading_without_the_title_root() -> None:
    assert location(3, "Intro", "Paper") == "p. 3"
    assert location(None, "Paper > Methods > Radar", "Paper") == "Methods > Radar"
    assert location(None, "Paper", "Paper") == "beginning"
    assert location(None, "Other > Part", "Paper") == "Other > Part"
    assert location(None, None, "Paper") == "beginning"
