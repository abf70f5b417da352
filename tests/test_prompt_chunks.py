"""How a prompt is cut into llama.cpp calls (pure)."""

from __future__ import annotations

import pytest

from assistant.engines.llama_engine import CANCEL_WITHIN_S, PROMPT_CHUNK, chunk_size, prompt_chunks


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


@pytest.mark.parametrize(("tokens_per_s", "expected"), [
    (None, PROMPT_CHUNK),   # not measured yet
    (505.0, 512),           # the bundled model on 2 cores: llama.cpp's own batch
    (200.0, 256),
    (90.0, 128),            # a bigger model
    (20.0, 128),            # never below 128 tokens a call (each call's cost would dominate)
])
def test_a_chunk_takes_little_more_than_the_cancel_time(tokens_per_s: float | None,
                                                      expected: int) -> None:
    assert chunk_size(tokens_per_s) == expected
    if tokens_per_s and expected > 128:
        assert expected / tokens_per_s <= CANCEL_WITHIN_S < 2 * expected / tokens_per_s
