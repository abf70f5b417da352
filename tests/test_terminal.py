"""How the terminal names a passage's place."""

from __future__ import annotations

from assistant.text.formatting import location


def test_location_gives_the_page_and_the_heading_without_the_title_root() -> None:
    assert location(3, "Intro", "Paper") == "p. 3, Intro"
    assert location(2, "Paper > Step 4", "Paper") == "p. 2, Step 4"
    assert location(3, "Paper", "Paper") == "p. 3"
    assert location(3, None, "Paper") == "p. 3"
    assert location(None, "Paper > Methods > Radar", "Paper") == "Methods > Radar"
    assert location(None, "Paper", "Paper") == "beginning"
    assert location(None, "Other > Part", "Paper") == "Other > Part"
    assert location(None, None, "Paper") == "beginning"
