"""How a prompt is cut into llama.cpp calls (pure)."""

from __future__ import annotations

import pytest

from assistant.engines.llama_engine import PROMPT_CHUNK, prompt_chunks


@pytest.mark.parametrize(("start", "end", "expected"), [
    (0, 1536, [(b, b + 256) for b in range(0, 1536, 256)]),
    (689, 1007, [(689, 1007)]),                   # a 318-token follow-up: one call, not 256 + 62
    (0, 300, [(0, 300)]),
    (0, 400, [(0, 256), (256, 400)]),             # a 144-token tail is big enough on its own
    (0, 5, [(0, 5)]),
    (10, 10, []),
])
def test_chunks_cover_the_prompt_without_a_short_tail(
        start: int, end: int, expected: list[tuple[int, int]]) -> None:
    chunks = prompt_chunks(start, end, 256)
    assert chunks == expected
    assert all(stop - begin < 256 + 128 for begin, stop in chunks)


def test_chunks_are_contiguous_for_any_length() -> None:
    for end in range(1, 2000, 37):
        chunks = prompt_chunks(3, 3 + end)
        assert chunks[0][0] == 3 and chunks[-1][1] == 3 + end
        assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:], strict=False))
        assert all(stop - begin <= PROMPT_CHUNK * 3 // 2 for begin, stop in chunks)
