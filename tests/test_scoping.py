"""Searching within collections: the overfetched best of the whole index, or a filtered search."""

from __future__ import annotations

from assistant.library.scoping import OVERFETCH, kept_within, overfetch


def test_enough_of_the_best_inside_are_kept_in_order() -> None:
    best = [1, 2, 3, 4, 5, 6, 7, 8]  # overfetch(2) rows of the whole index
    assert overfetch(2) == 2 * OVERFETCH == len(best)
    assert kept_within(best, lambda n: n % 2 == 0, 2) == [2, 4]


def test_too_few_inside_asks_for_a_filtered_search() -> None:
    assert kept_within([1, 3, 5, 7, 9, 11, 13, 2], lambda n: n % 2 == 0, 2) is None


def test_an_index_with_fewer_rows_than_asked_has_nothing_more_to_find() -> None:
    assert kept_within([1, 2, 3], lambda n: n > 1, 2) == [2, 3]
    assert kept_within([1, 3], lambda n: n % 2 == 0, 2) == []
