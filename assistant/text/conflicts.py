"""Whether a source sentence states a claim's facts the same way (pure).

A claim can reuse a source's words and still swap who did what, or which figure goes with
which case. These checks hold a claim's names and figures to the sentence it paraphrases:
the names must be there (or be what all the sources are about), each figure must be stated
there with the same qualifier and said of the same name, and the polarity must agree.
"""

from __future__ import annotations

import itertools
import re

from assistant.text.facts import (
    Figure,
    acronym,
    figures,
    mentions_name,
    names,
    negated,
    word_figures,
)

# Where a sentence lists parallel facts: "$42,700 at 5 cents and $68,000 at 8 cents".
_CLAUSE_BREAK = re.compile(r";\s+|,?\s+(?:and|while|whereas|but|versus|vs\.?|against|"
                           r"compared\s+(?:with|to))\s+|,\s+", re.IGNORECASE)


def _variant(name: str, other: str) -> bool:
    """Whether two different names share a word: "Stratum" and "Stratum V2"."""
    return name.lower() != other.lower() and bool(
        set(name.lower().split()) & set(other.lower().split()))


def _term(name: str) -> bool:
    """A technical abbreviation ("CPU", "GPUs", "ASIC"), not a place or a body ("US")."""
    single = name[:-1] if re.fullmatch(r"[A-Z]{2,}s", name) else name
    return acronym(single) and len(single) >= 3 and " " not in name


def topic_names(claim: str, passages: list[str], common: frozenset[str] = frozenset()
                ) -> frozenset[str]:
    """The claim's names that nearly every passage mentions: what the sources are about."""
    needed = max(2, -(-4 * len(passages) // 5))
    return frozenset(name for name in names(claim, common)
                     if sum(mentions_name(p, name) for p in passages) >= needed)


def clauses(text: str) -> list[str]:
    """``text`` cut where it lists parallel facts, each part stating a figure: "$42,700 at
    5 cents and $68,000 at 8 cents" is two clauses; "In 2023, Paraguay charged 3 cents"
    stays one (a lone year or a part without a figure joins its neighbour)."""
    parts: list[str] = []
    cursor = 0
    for match in _CLAUSE_BREAK.finditer(text):
        parts.append(text[cursor:match.start()])
        cursor = match.end()
    parts.append(text[cursor:])
    merged: list[str] = []
    for part in parts:
        if merged and not (_states_figure(merged[-1]) and _states_figure(part)):
            merged[-1] = merged[-1] + ", " + part
        else:
            merged.append(part)
    return merged


def _states_figure(text: str) -> bool:
    return any(not figure.year for figure in figures(text))


def conflict(claim: str, sentence: str, window: str, common: frozenset[str] = frozenset(),
             implied: tuple[Figure, ...] = (), topics: frozenset[str] = frozenset()
             ) -> str | None:
    """Why ``sentence`` does not state ``claim``'s facts, or None if nothing conflicts.

    ``window`` is the sentence with its neighbours: a name or figure may come from there
    when the sentence itself refers back ("The country …"). ``implied`` are figures the
    claim answers to (a question's "at 8 cents"): where the sentence states them, the
    claim's figures must go with them. ``topics`` are names the sources are about
    ("Bitcoin"): a claim may name them where the sentence does not, unless the sentence
    names someone else instead (a rival: "Paraguay" where the claim says "United States").
    """
    own = names(sentence, common)
    claim_names = names(claim, common)
    refers_back = not own  # "The country has …": its name is in the sentence before
    rivals = [name for name in own if not _term(name) and (
        not mentions_name(claim, name)  # someone else: "Paraguay" for "United States"
        or any(_variant(name, topic) for topic in topics))]  # "Stratum" for "Stratum V2"
    for name in claim_names:
        if not (mentions_name(sentence, name) or (refers_back and mentions_name(window, name))
                or (name in topics and not rivals)):
            return f"the sources do not say this of “{name}”"
    own_figures = figures(sentence) + word_figures(sentence)
    nearby = own_figures + figures(window) + word_figures(window)
    claimed = figures(claim) + word_figures(claim)
    for figure in claimed:
        if not any(figure.matches(other) for other in nearby):
            return f"the figure {figure.text} is not in the sources"
    anchored = [f for f in claimed if any(f.matches(o) for o in own_figures)]
    amounts = [f for f in claimed if not f.year]
    if claimed and not refers_back and not any(f in anchored for f in amounts or claimed):
        # Figures may continue into the next sentence, but one must be in this one, and a
        # year alone ("2021") does not place "35–38%" here.
        return f"the figure {(amounts or claimed)[0].text} is not in this passage"
    for figure in claimed:
        rival = None if figure in anchored or figure.year or not figure.kind else next(
            (f for f in own_figures if f.kind == figure.kind
             and not any(c.matches(f) for c in claimed)), None)
        if rival:  # "140 GW" from the next sentence, where this one says "16 GW"
            return f"the source gives {rival.text} here, not {figure.text}"
    # the claim's own figures are placed in its text; the question's are not
    reason = _said_of(claim, claim_names, claimed, sentence, own, own_figures)
    if refers_back and not reason and not anchored:
        # "That implies a coefficient of 1.": the claim's figures are in the sentences around
        reason = _said_of(claim, claim_names, claimed, window, names(window, common),
                          figures(window) + word_figures(window))
    claimed += [f for f in implied if not any(f.matches(c) for c in claimed)]
    reason = (_mispaired(claimed, sentence) or _split_by_clause(claim_names, claimed, sentence)
              or reason)
    if reason:
        return reason
    if negated(claim) != negated(sentence):
        return "the source says the opposite" if negated(claim) else \
            "the source says this is not so"
    return None


def _said_of(claim: str, claim_names: list[str], claimed: list[Figure], sentence: str,
             own: list[str], stated: list[Figure]) -> str | None:
    """A figure the claim gives to one name where the source gives it to another: "the
    United States held three-quarters" where the source says "China held three-quarters, …
    the United States …" (the name just before the figure differs, and both are named).
    ``claim_names``/``claimed`` and ``own``/``stated`` are the names and figures of the claim
    and of the sentence."""
    for figure in claimed:
        if figure.year:
            continue
        same = next((f for f in stated if figure.matches(f)), None)
        ours = _name_before(claim, figure.start, claim_names)
        if same is None or ours is None or not mentions_name(sentence, ours):
            continue
        theirs = _name_before(sentence, same.start, own)
        if theirs and not (mentions_name(theirs, ours) or mentions_name(ours, theirs)):
            return f"in the source {same.text} is said of “{theirs}”, not “{ours}”"
    return None


def _name_before(text: str, at: int, found: list[str]) -> str | None:
    """The name that ends nearest before offset ``at`` in its clause of ``text``."""
    start = max([m.end() for m in _CLAUSE_BREAK.finditer(text, 0, at)], default=0)
    best, where = None, -1
    for name in found:
        for match in re.finditer(re.escape(name), text[start:at]):
            if match.end() > where:
                best, where = name, match.end()
    return best


def _mispaired(claimed: list[Figure], sentence: str) -> str | None:
    """Figures the claim puts together that the source gives for different cases: "$42,700
    at 8 cents" where the source says "$42,700 at 5 cents and $68,000 at 8 cents" (the clause
    holding $42,700 gives its own price, and 8 cents sits in another clause)."""
    parts = clauses(sentence)
    if len(parts) < 2:
        return None
    stated = [figures(part) for part in parts]
    years = {f.value for found in stated for f in found if f.year}
    where = []
    for figure in claimed:
        if figure.year and len(years) < 2:
            continue  # one year dates the whole sentence
        holding = [i for i, found in enumerate(stated) if any(figure.matches(f) for f in found)]
        if holding:
            where.append((figure, holding))
    for (a, in_a), (b, in_b) in itertools.combinations(where, 2):
        if set(in_a) & set(in_b):
            continue
        for first, places, second in ((a, in_a, b), (b, in_b, a)):
            rivals = [f for i in places for f in stated[i] if f.kind == second.kind
                      and second.kind and not any(c.matches(f) for c in claimed)]
            if rivals:
                return (f"in the source {first.text} goes with {rivals[0].text}, "
                        f"not {second.text}")
    return None


def _split_by_clause(claim_names: list[str], claimed: list[Figure], sentence: str) -> str | None:
    """A name given a figure the source states for something else: "Ethiopia charged 3 cents"
    where the source says "Paraguay charged 3 cents, while Ethiopia charged 5 cents"."""
    parts = clauses(sentence)
    if len(parts) < 2:
        return None
    for name in claim_names:
        holding = [p for p in parts if mentions_name(p, name)]
        if not holding or len(holding) == len(parts):
            continue
        for figure in claimed:
            if figure.year:
                continue
            with_figure = [p for p in parts if any(figure.matches(f) for f in figures(p))]
            rivals = [f for p in holding for f in figures(p)
                      if f.kind == figure.kind and not figure.matches(f)]
            if with_figure and rivals and not any(p in holding for p in with_figure):
                return f"in the source {figure.text} is not said of “{name}”"
    return None
