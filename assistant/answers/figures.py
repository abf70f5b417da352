"""A figure question answered by the calculator: the figure, its formula with each default
cited to the library passage it was read from, then the library's evidence as usual.

Nothing is generated, so the answer is exact and immediate: the presets' passages are found
with the pipeline's own search (so a default cites the source the window can open), the
question's passages are retrieved and scored as for a factual answer, and the best of them
follow the figure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from assistant.answers.composing import lead, lead_text
from assistant.answers.evidence import (
    Evidence,
    Sentence,
    select_evidence,
    split_sentences,
)
from assistant.answers.overview import hit_from
from assistant.answers.ranking import rank_sentences
from assistant.engines.embedding import Embedder
from assistant.library.documents import Hit
from assistant.library.records import ChunkRecord
from assistant.mining.figures import (
    Calculation,
    CalculationInput,
    calculate_figure,
    formula,
    input_text,
    number,
)
from assistant.mining.presets import Preset, Presets
from assistant.mining.quantities import MINER_HASHRATE
from assistant.mining.questions import (
    BREAKEVEN_PRICE,
    ENERGY_COST_PER_BTC,
    ENERGY_PER_BLOCK,
    ENERGY_PER_BTC,
    EXPECTED_BLOCKS,
    HASHPRICE,
    NETWORK_POWER,
    FigureQuestion,
)
from assistant.text.facts import figures, round_significant
from assistant.text.keywords import content_words
from assistant.text.sentences import sentence_spans

Search = Callable[[str, int, Sequence[str] | None], list[Hit]]
# The passages holding a phrase as written (the store's keyword index).
Mentioning = Callable[[str, Sequence[str] | None], list[ChunkRecord]]
PASSAGE_HITS = 3  # how many hits to look through for a preset's passage
STATING_CHUNKS = 20  # how many passages holding a rounded figure are read for its sentence
MIN_DIGITS = 3  # a rounded figure looked for has this many significant digits at least


@dataclass(frozen=True)
class FigureAnswer:
    """What a computed answer shows: its text, sources, evidence and the calculation."""

    text: str
    sources: list[Hit]
    evidence: list[Evidence]
    calculation: Calculation


def _plain(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def passage_hit(passage: str, search: Search, collections: Sequence[str] | None) -> Hit | None:
    """The library passage a preset was read from, found with the search: the hit whose
    text holds it (None if the library searched does not hold it)."""
    wanted = _plain(passage)
    return next((hit for hit in search(passage, PASSAGE_HITS, collections)
                 if wanted in _plain(hit.text)), None)


def _passage_evidence(number_: int, hit: Hit, passage: str) -> Evidence:
    """The preset's passage as evidence of source ``number_`` (its place in the document
    where the chunk holds it verbatim, else the chunk's)."""
    at = hit.text.find(passage)
    start, end = (hit.start + at, hit.start + at + len(passage)) if at >= 0 else (hit.start,
                                                                                  hit.end)
    return Evidence(Sentence(number_, passage, start, end), 1.0, hit.title, hit.path,
                    hit.page, hit.heading)


def _cited(calculation: Calculation, search: Search,
           collections: Sequence[str] | None) -> tuple[Calculation, list[Hit], list[Evidence]]:
    """The calculation with each preset input's citation number, the sources those numbers
    refer to and the passages as evidence."""
    sources: list[Hit] = []
    evidence: list[Evidence] = []
    numbers: dict[str, int | None] = {}
    items = []
    for item in calculation.inputs:
        preset = item.preset
        if preset is not None and preset.source.passage not in numbers:
            hit = passage_hit(preset.source.passage, search, collections)
            found = next((n for n, s in enumerate(sources, 1) if hit and s.chunk_id ==
                          hit.chunk_id), None)
            if hit is not None and found is None:
                sources.append(hit)
                found = len(sources)
            if hit is not None and found is not None:
                evidence.append(_passage_evidence(found, hit, preset.source.passage))
            numbers[preset.source.passage] = found
        citation = numbers.get(preset.source.passage) if preset is not None else None
        items.append(replace(item, citation=citation))
    return replace(calculation, inputs=tuple(items)), sources, evidence


def _mark(item: CalculationInput) -> str:
    """What follows an input in the formula: its citation, "(stated)", or the note named."""
    if item.stated:
        return " (stated)"
    if item.citation is not None:
        return f" [{item.citation}]"
    if item.preset is not None:
        return f" (the note “{item.preset.source.title}”)"
    return ""


def hash_rate_text(th_s: float) -> str:
    """A miner's hash rate in the unit people quote it in: "8 EH/s", "500 PH/s", "200 TH/s"."""
    for unit, size in (("EH/s", 1e6), ("PH/s", 1e3)):
        if th_s >= size:
            return f"{th_s / size:,.3f}".rstrip("0").rstrip(".") + f" {unit}"
    return input_text(MINER_HASHRATE, th_s)


def headline(calculation: Calculation) -> str:
    """The figure, first: "About $68,267 per bitcoin, energy only (fees ignored)."."""
    c, value = calculation, calculation.value
    if c.quantity == EXPECTED_BLOCKS:
        share = hash_rate_text(c.input(MINER_HASHRATE).value)
        return (f"About {number(value)} blocks a day for {share} (about {number(value * 7)} "
                f"a week): its share of the network's hash rate times the blocks a day brings; "
                f"the real count varies at random around it.")
    fees = c.input("fees_btc").value if c.quantity not in (NETWORK_POWER,
                                                            ENERGY_PER_BLOCK) else 0.0
    paid = "fees ignored" if fees == 0 else f"with {input_text('fees_btc', fees)} of fees " \
                                             f"per block"
    if c.quantity == ENERGY_COST_PER_BTC:
        return f"About {number(value, '$')} per bitcoin, energy only ({paid})."
    if c.quantity == ENERGY_PER_BTC:
        return f"About {number(value, 'kWh')} per bitcoin ({paid})."
    if c.quantity == ENERGY_PER_BLOCK:
        return f"About {number(value, 'kWh')} per block."
    if c.quantity == NETWORK_POWER:
        return (f"About {number(value, 'GW')} for the whole network, about "
                f"{number(c.extra['twh_per_year'], 'TWh')} a year.")
    if c.quantity == HASHPRICE:
        return (f"About {number(value, '$')} per PH/s per day "
                f"({number(c.extra['btc_per_ph_day'], 'BTC')}), {paid}.")
    if c.quantity == BREAKEVEN_PRICE:
        machine = input_text("efficiency_j_th", c.input("efficiency_j_th").value)
        return (f"About {number(value, '$/kWh')}: above that electricity price a {machine} "
                f"machine's power costs more than it earns ({paid}).")
    miner = c.input(MINER_HASHRATE).value
    per = "per PH/s" if miner == 1_000 else f"for {hash_rate_text(miner)}"
    verdict = "Yes" if value > 0 else "No"
    return (f"{verdict}: about {number(value, '$')} a day {per} after power "
            f"(revenue {number(c.extra['revenue_usd'], '$')}, power "
            f"{number(c.extra['power_cost_usd'], '$')}); it breaks even at "
            f"{number(c.extra['breakeven_price_kwh'], '$/kWh')} ({paid}).")


def _notes(calculation: Calculation) -> str:
    """What the formula does not say: the stated values, a region's tariff, left-out fees."""
    stated = [f"{item.label} {input_text(item.name, item.value)}"
              for item in calculation.inputs if item.stated]
    parts = [f"Stated in the question: {', '.join(stated)}."] if stated else []
    for item in calculation.inputs:
        preset: Preset | None = item.preset
        if preset is not None and preset.key.startswith("tariff:"):
            parts.append(f"Electricity price: {preset.label}, "
                         f"{input_text(item.name, item.value)}{_mark(item)}.")
        if item.name == "fees_btc" and item.value == 0 and preset is not None:
            parts.append(f"Fees are left out, as in the library's worked example{_mark(item)}.")
    return " ".join(parts)


def answer_figure(figure: FigureQuestion, question: str, presets: Presets, search: Search,
                  embedder: Embedder, *, k: int, evidence_limit: int, words: int,
                  collections: Sequence[str] | None,
                  mentioning: Mentioning | None = None) -> FigureAnswer:
    """The computed answer to ``figure``: figure, formula and notes, then the library's own
    evidence for ``question``; a CalculationError if a stated value cannot be meant."""
    calculation, sources, evidence = _cited(calculate_figure(figure, presets), search,
                                            collections)
    marks = {item.name: _mark(item) for item in calculation.inputs}
    shown = formula(calculation.quantity, calculation.values(), lambda name: marks[name])
    text = f"{headline(calculation)}\n= {shown}"
    notes = _notes(calculation)
    if notes:
        text += f"\n{notes}"
    known = {hit.chunk_id for hit in sources}
    sources += [hit for hit in search(question, k, collections) if hit.chunk_id not in known]
    found = _question_evidence(question, sources, embedder, evidence_limit)
    passages = {_plain(item.sentence.text) for item in evidence}
    found = [item for item in found if _plain(item.sentence.text) not in passages]
    # A sentence of the library that states the computed figure ("about $68,000") confirms it;
    # where the question's passages hold none, the library is searched for one.
    def stating(item: Evidence) -> bool:
        return states_value(calculation.value, calculation.unit, item.sentence.text)

    if mentioning is not None and not any(map(stating, found)):
        found = [*_stating(calculation, question, sources, mentioning, collections), *found]
    found.sort(key=lambda item: not stating(item))
    chosen = lead(found, limit=words)[:1]  # the figure answers; one sentence sets it in context
    if chosen:
        text += f"\n\nFrom the library: {lead_text(chosen)}"
    return FigureAnswer(text, sources, evidence + found, calculation)


def written_forms(value: float) -> list[str]:
    """``value`` as writers round it, to four, three and two significant figures
    ("820,500", "821,000", "820,000" for 820,512.8); whole numbers only."""
    forms: list[str] = []
    for significant in (4, 3, 2):
        rounded = round_significant(abs(value), significant) if value else 0.0
        form = f"{rounded:,.0f}" if rounded >= 1 else ""
        if form and form not in forms:
            forms.append(form)
    return forms


def _stating(calculation: Calculation, question: str, sources: list[Hit],
             mentioning: Mentioning, collections: Sequence[str] | None) -> list[Evidence]:
    """The library's sentences that state the computed figure as writers round it (to three
    or more digits: "38" is in too many passages to look for) and share a word with
    ``question``, those of passages already among ``sources`` first (new passages are
    added to ``sources``)."""
    chunks: dict[int, ChunkRecord] = {}
    for form in written_forms(calculation.value):
        if len(form.replace(",", "").rstrip("0")) >= MIN_DIGITS:
            for chunk in mentioning(form, collections)[:STATING_CHUNKS]:
                chunks.setdefault(chunk.id, chunk)
    asked = {word for word in content_words(question) if not word.isdigit()}
    known = [hit.chunk_id for hit in sources]
    found: list[Evidence] = []
    for chunk in sorted(chunks.values(), key=lambda c: c.id not in known):
        stated = [(start, end) for start, end in sentence_spans(chunk.text)
                  if states_value(calculation.value, calculation.unit, chunk.text[start:end])
                  and asked & content_words(chunk.text[start:end])]
        if not stated:
            continue
        if chunk.id not in known:
            sources.append(hit_from(chunk))
            known.append(chunk.id)
        number_ = known.index(chunk.id) + 1
        found += [Evidence(Sentence(number_, chunk.text[start:end], chunk.start + start,
                                    chunk.start + end), 1.0, chunk.title, chunk.path,
                           chunk.page, chunk.heading) for start, end in stated]
        break
    return found


def states_value(value: float, unit: str, text: str) -> bool:
    """Whether ``text`` states ``value`` (in ``unit``) as writers round it ("about $68,000"
    for $68,266.67), in the same unit; years and ordinals do not count."""
    written = f"${value:.2f}" if unit.startswith("$") else f"{value:.6g} {unit.split('/')[0]}"
    computed = figures(written)
    return value != 0 and bool(computed) and any(
        not figure.year and figure.kind == computed[0].kind and figure.matches(computed[0])
        for figure in figures(text))


def _question_evidence(question: str, sources: list[Hit], embedder: Embedder,
                       limit: int) -> list[Evidence]:
    """The sources' sentences that best answer ``question``, scored as for a factual
    answer."""
    sentences = split_sentences(sources)
    if not sentences:
        return []
    vectors = embedder.embed([question] + [s.text for s in sentences])
    scores = rank_sentences(question, vectors[0], sentences, vectors[1:],
                            [hit.score for hit in sources])
    return select_evidence(sources, sentences, scores, limit=limit)

