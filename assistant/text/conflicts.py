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
    ASIDE,
    NEGATION,
    Figure,
    acronym,
    figures,
    mentions_name,
    names,
    negated,
    word_figures,
)
from assistant.text.keywords import content_words
from assistant.text.sentences import sentence_spans

# Where a sentence lists parallel facts: "$42,700 at 5 cents and $68,000 at 8 cents".
_CLAUSE_BREAK = re.compile(r";\s+|\s*\n\s*|,?\s+(?:and|or|while|whereas|but|versus|vs\.?|against|"
                           r"compared\s+(?:with|to))\s+|,\s+", re.IGNORECASE)


# How many words after a negation it applies to.
NEGATION_SCOPE = 4
_INTERJECTION = re.compile(r",\s*(?:for example|for instance|e\.g\.|i\.e\.|in practice|in fact|"
                           r"of course|however|therefore|in turn)\s*,", re.IGNORECASE)


# A version after a name: "Stratum V2", "Python 3.12" (not a figure: "Bitcoin 840,000").
_VERSION = r"\s+(?:[vV]\d+(?:\.\d+)*|\d+\.\d+(?:\.\d+)?)(?![\w.%]|,\d)"


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
    return frozenset(name for name in names(claim, common) if sum(
        mentions_name(p, name) and not versioned(p, name, claim) for p in passages) >= needed)


def versioned(text: str, name: str, claim: str) -> str | None:
    """The versioned name ``text`` says where ``claim`` says just ``name``: "Stratum V2"
    when every "Stratum" in the text carries the version and the claim's does not."""
    found = [m.group(0) for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)({_VERSION})?",
                                             text, re.IGNORECASE)]
    if not found or any(v.lower() == name.lower() for v in found):
        return None
    return next((v for v in found if v.lower() not in claim.lower()), None)


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
             implied: tuple[Figure, ...] = (), topics: frozenset[str] = frozenset(),
             proper: frozenset[str] | None = None, passage: str = "") -> str | None:
    """Why ``sentence`` does not state ``claim``'s facts, or None if nothing conflicts.

    ``window`` is the sentence with its neighbours: a name or figure may come from there
    when the sentence itself refers back ("The country …"). ``implied`` are figures the
    claim answers to (a question's "at 8 cents"): where the sentence states them, the
    claim's figures must go with them. ``topics`` are names the sources are about
    ("Bitcoin"): a claim may name them where the sentence does not, unless the sentence
    names someone else instead (a rival: "Paraguay" where the claim says "United States").
    ``proper`` are the words the sources capitalise inside sentences (see ``names``), and
    ``passage`` the sentence's passage: a sentence that names no one ("The network …")
    speaks of the names around it.
    """
    own = names(sentence, common, proper)
    claim_names = names(claim, common)
    refers_back = not own  # "The country has …": its name is in the sentence before
    rivals = [name for name in own if not _term(name) and (
        not mentions_name(claim, name)  # someone else: "Paraguay" for "United States"
        or any(_variant(name, topic) for topic in topics))]  # "Stratum" for "Stratum V2"
    for name in claim_names:
        variant = versioned(sentence, name, claim)
        if variant:  # "Stratum V2" where the claim says "the original Stratum"
            return f"the source says this of “{variant}”, not “{name}”"
        if not (mentions_name(sentence, name)
                or (refers_back and mentions_name(f"{window} {passage}", name))
                or (name in topics and not rivals)):
            other = next((r for r in rivals if len(r.split()) == len(name.split())), None)
            return (f"the source says this of “{other}”, not “{name}”" if other
                    else f"the sources do not say this of “{name}”")
    own_figures = figures(sentence) + word_figures(sentence)
    nearby = own_figures + figures(window) + word_figures(window)
    claimed = figures(claim) + word_figures(claim)
    for figure in claimed:
        if not any(figure.matches(other) for other in nearby):
            counted = _counted(claim, figure)
            instead = next((f for f in own_figures if counted and _counted(sentence, f) ==
                            counted and f.kind == figure.kind), None)
            if instead:  # "three main forces" where the claim says "four main forces"
                return f"the source gives {instead.text} here, not {figure.text}"
            return f"the figure {figure.text} is not in the sources"
    anchored = [f for f in claimed if any(f.matches(o) for o in own_figures)]
    amounts = [f for f in claimed if not f.year]
    if claimed and not refers_back and not any(f in anchored for f in amounts or claimed):
        # Figures may continue into the next sentence, but one must be in this one, and a
        # year alone ("2021") does not place "35–38%" here.
        return f"the figure {(amounts or claimed)[0].text} is not in this passage"
    if refers_back and amounts and not any(f in anchored for f in amounts):
        # "Running for a year, that is roughly 140 TWh.": the claim's figures are in the
        # sentences around, so it is held to the one that states most of them
        stating = max((window[a:b] for a, b in sentence_spans(window)),
                      key=lambda text: _stated(amounts, text), default="")
        if _stated(amounts, stating) and stating.strip() != sentence.strip():
            return conflict(claim, stating, window, common, implied, topics, proper, passage)
    for figure in claimed:
        rival = None if figure in anchored or figure.year or not figure.kind else next(
            (f for f in own_figures if f.kind == figure.kind
             and not any(c.matches(f) for c in claimed)), None)
        if rival:  # "140 GW" from the next sentence, where this one says "16 GW"
            return f"the source gives {rival.text} here, not {figure.text}"
    # the claim's own figures are placed in its text; the question's are not
    reason = _said_of(claim, claim_names, claimed, sentence, own, own_figures)
    borrowed = any(f not in anchored and not f.year for f in claimed)
    claimed += [f for f in implied if not any(f.matches(c) for c in claimed)]
    reason = (_mispaired(claimed, sentence) or _split_by_clause(claim_names, claimed, sentence)
              # figures taken from the next sentence must go together there too
              or (_mispaired(claimed, window) if borrowed else None) or reason)
    if reason:
        return reason
    if opposite(claim, sentence):
        return "the source says the opposite" if negated(claim) else \
            "the source says this is not so"
    return None


def _counted(text: str, figure: Figure) -> str:
    """The word a figure counts or measures: "main" in "four main forces", or ""."""
    match = re.match(r"\s+([A-Za-z][\w-]{2,})", text[figure.start + len(figure.text):])
    return match.group(1).lower() if match else ""


def _stated(claimed: list[Figure], text: str) -> int:
    """How many of the ``claimed`` figures ``text`` states."""
    found = figures(text) + word_figures(text)
    return sum(any(f.matches(o) for o in found) for f in claimed)


def contradicts(reason: str) -> bool:
    """Whether a conflict's ``reason`` holds against a claim whatever looser sentences say:
    the sentence it restates gives another name, figure or polarity, or does not name its
    subject; not merely that a figure of the claim is missing from it."""
    return not reason.startswith("the figure ")


def opposite(claim: str, sentence: str) -> bool:
    """Whether ``claim`` says the opposite of ``sentence``: what one of them negates (the
    words just after its "not", "never", "without", "rather than" …) the other states
    without a negation ("Concentration removes decentralization" for "Concentration does
    not remove decentralization"). A negation of something the claim does not restate
    ("…, a level the market does not support") or in an aside does not count."""
    mine, theirs = _negated_words(claim), _negated_words(sentence)
    mine_all = set().union(*mine)
    theirs_all = set().union(*theirs)
    return any(scope & _said(claim) and not scope & mine_all for scope in theirs) or any(
        scope & _said(sentence) and not scope & theirs_all for scope in mine)


def _negated_words(text: str) -> list[set[str]]:
    """What each negation in ``text`` applies to: the first words after it in its clause
    ("cannot, for example, create extra coins or …" → create, extra, coins), leaving out
    figures and unit symbols, which the figure checks hold."""
    text = _INTERJECTION.sub(" ", ASIDE.sub(" ", text))
    scopes = []
    for match in NEGATION.finditer(text):
        clause = re.split(r"[,;:.!?]", text[match.end():], maxsplit=1)[0]
        words = [word for token in re.findall(r"(?<![\w/])[A-Za-z][\w'’-]{2,}(?![\w/])", clause)
                 for word in sorted(_said(token))][:NEGATION_SCOPE]
        if words:
            scopes.append(set(words))
    return scopes


def _said(text: str) -> set[str]:
    """The content words of ``text`` but its negations ("not", "no" …)."""
    return {word for word in content_words(text) if not negated(word)}


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
