"""Whether the passage chosen to answer a question answers *that* question.

A question can sound like the library and still not be answered by it: "What rate does
Kazakhstan charge miners?" finds a passage on Ethiopia's tariff, "How many full nodes are
running?" one that explains what a full node is. The best evidence sentence then answers a
neighbouring question. Two checks catch it, both pure functions of text:

- **What the question pins down.** A name ("Kazakhstan", "Texas") or a year ("in 2024") the
  question asks about must be mentioned by the document the best sentence comes from. Its
  passage alone is not enough to ask for: documents name their subject once and then say "the
  utility" or "the network".
- **The kind of answer.** A question asking how much, how many or what share is answered by a
  sentence that states a quantity, in figures ("3.14 cents") or words ("two-thirds").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from assistant.answers.question_kinds import WHY_QUESTION, set_aside

# A question pins down this many terms at most (each is looked for in whole documents).
MAX_PINNED = 12
_COMBINING = re.compile(r"[\u0300-\u036f]")  # the accents NFKD splits off
_GAP = r"[\s-]{0,3}"
_LETTERS_DIGITS = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
# A question about two things ("How does Paraguay's tariff compare with Ethiopia's?") may be
# answered from a document on one of them.
_COMPARISON = re.compile(r"\b(?:compar\w*|differ\w*|versus|vs\.?|than|between|both|either|"
                         r"neither|besides|unlike)\b", re.IGNORECASE)
_TWO_CAPITALS = re.compile(r"^[A-Z]{2}s?$")
# Capitalised for their place, not names: a sentence's opening word, units and currencies.
_COMMON = frozenset("""a an the this that these those it its their there here what which who whom
whose when where why how is are was were do does did can could would should will shall may might
must has have had in on at by for from to of with about after before since during under over
according roughly approximately about exactly typically generally besides apart given suppose
assuming imagine if and or but so yes no not please also most some many all both each every any
per kwh mwh gwh twh usd eur gbp cny btc sat sats gb mb tb ghz mhz cpu gpu npu ram api i
january february march april june july august september october november december jan feb mar
apr jun jul aug sep sept oct nov dec""".split())
# More capitalised words than this share: a Title Case or capitals question, not names.
_TITLE_CASE_SHARE = 0.6
_CONTRACTION = re.compile(r"['’](?:s|ve|d|ll|m|re)$|n['’]t$|['’]$")
_SUFFIX = re.compile(r"-[a-z][\w-]*$")  # "Texas-based": Texas
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]+\b")
_CAPITALISED = re.compile(r"(?<![\w-])[A-Z][a-z][\w'’]+")
_NAME_RUN = re.compile(r"(?<!\w)[A-Z][\w'’-]*\w(?:\s+[A-Z][\w'’-]*\w)*")
_SENTENCE_START = re.compile(r"(^|[.?!:]\s+)$")
_OPENING = re.compile(r"(?:^|[.?!:]\s+)[\W_]*$")  # before a sentence's first word
# Model names and numbers: "M60", "7840U", "bge-small-en-v1.5", and a name with its number
# ("Novec 7100", "Orange Pi 5"); not "10-minute" or a month's year ("April 2024").
_IDENTIFIER = re.compile(r"(?<![\w.$])(?:[A-Za-z][\w.-]*\d[\w.-]*|\d[\d.]*[A-Za-z][\w.-]*)"
                         r"(?<![.-])")
_NUMBERED_NAME = re.compile(r"\b[A-Z][\w-]*(?: [A-Z][\w-]*)* \d+(?:\.\d+)?\b(?![.,]\d)")
# Sizes and units rather than names: "135M-parameter", "7B", "4-bit", "16GB"; a month's year.
_MEASURE = re.compile(r"^\d[\d.]*(?:[KMBTkmb]|bn|[kMGT]?Wh?|[kMGTP]B|[KMGTPE]H|[GM]Hz|nm|ms|s|"
                      r"h|x|st|nd|rd|th)?(?:-[a-z]+)*$|^(?:January|February|March|April|May|June|July|"
                      r"August|September|October|November|December) ")
# "Norwegian" is mentioned where a document says "Norway".
_DEMONYM = re.compile(r"(?:ian|ean|ese|ish|ic|an|i)$")
# Amounts in words. "One" and "single" are left out ("one of the places"), and a number word
# joined to a word that is no number is an adjective ("two-phase", "four-layer").
_NUMBER_WORDS = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|dozens?|hundreds?|thousands?|millions?|billions?|trillions?|half|halves|"
    r"thirds?|quarters?|fifths?|tenths?|twice|double|triple|several|few|majority|"
    r"daily|weekly|monthly|yearly|annually|hourly)\b(?!-(?!thirds?|quarters?|fifths?|tenths?|"
    r"halves|hundred|thousand|million|billion)[a-z])", re.IGNORECASE)
_DIGIT = re.compile(r"(?<!\w)\d")  # not the digits of a name such as "BM25"
# Beyond "how much" and "what share": "What electricity rate per kWh …", "What speed-up …".
_HOW_MUCH = re.compile(r"\bhow (?:much|many|big|large|long|fast|high|low|often)\b|\bat what "
                       r"(?:price|rate|cost|level)\b|\bwhat (?:share|percentage|fraction|"
                       r"proportion|number)\b", re.IGNORECASE)
# The noun ends its phrase ("What price signals …" asks for signals), and the words before it
# describe it ("What sets the tariff …" asks what sets it).
_AMOUNT_ASKED = re.compile(r"\bwhat(?:'s| is| are| was| were| would be)?(?: the| an?)? "
                           r"(?:(?!(?:the|an?|does|do|did|is|are|sets?)\b)[\w-]+\s){0,2}"
                           r"(?:rates?|prices?|costs?|tariffs?|fees?|speed-?ups?|capacity|"
                           r"efficiency|temperature|frequency|power draw|hash ?rate|throughput|"
                           r"latency|scores?|recall|accuracy|boiling point|size)"
                           r"(?=\s*[?,.]|\s*$|\s+(?:of|for|per|in|on|at|does|do|did|is|are|was|"
                           r"were|would|will|can|could|should|has|have|had|to|from|with|after|"
                           r"before|when|if|under|during)\b)"
                           r"|\bwhat\b[^?]{0,40}\b(?:does|do|did)\b[^?]{0,40}\b(?:score|reach|"
                           r"achieve)\b", re.IGNORECASE)
# Questions answered by naming something: "Which pool …", "Which smartphone chip …".
_NAME_ASKED = re.compile(r"\b(?:which|what) (?!of\b)(?:[\w]+ ){0,2}(?:firms?|compan(?:y|ies)|"
                         r"countr(?:y|ies)|organi[sz]ations?|pools?|cit(?:y|ies)|"
                         r"universit(?:y|ies)|chips?|brands?|manufacturers?|vendors?)\b(?![-'’])",
                         re.IGNORECASE)
_REFERENCE_HEADING = re.compile(r"(?:^|>\s*)(?:sources?|references?|bibliography|works cited|"
                                r"further reading|citations?)\s*$", re.IGNORECASE)
_ASKS_SOURCES = re.compile(r"\b(?:sources?|references?|cit(?:e|es|ed|ing|ation)\w*|"
                           r"bibliograph\w*|credit\w*|footnotes?)\b", re.IGNORECASE)
# "How many ways … does the note describe?" is answered by the list itself.
_COUNT_OF_LISTED = re.compile(r"\bhow many\b.*\b(?:describe|list|mention|name|distinguish|"
                              r"identify|outline|cover|give)s?\b", re.IGNORECASE)


def _folded(text: str) -> str:
    """``text`` in lower case without accents ("Itaipú" matches "Itaipu")."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


@functools.lru_cache(maxsize=8)
def _folded_document(text: str) -> str:
    """A document's text folded once for all the terms looked for in it."""
    return _folded(text)


def _spelling(term: str) -> str:
    """A pattern for ``term`` (folded) written with or without spaces or hyphens between its
    words and where letters meet digits: "Qwen 2.5" finds "Qwen2.5", "Llama-3-8B" finds
    "Llama 3 8B", "4CP" finds "4 CP"."""
    words = re.split(r"[\s-]+", _folded(term).strip())
    return _GAP.join(_GAP.join(re.escape(part) for part in _LETTERS_DIGITS.split(word))
                     for word in words if word)


def names_asked(question: str) -> list[str]:
    """The names in ``question``, a run of capitalised words as one ("United States", "Lantern
    Labs"), without a possessive or contraction, a lowercase suffix ("Texas-based"), units and
    common words; a sentence's opening word only within a longer run ("United States miners
    …"). None in a question whose words are mostly capitalised ("How Much Does …")."""
    words = re.findall(r"[A-Za-z][\w'’-]*", question)
    if words and sum(w[0].isupper() for w in words) > _TITLE_CASE_SHARE * len(words):
        return []
    found = []
    for match in _NAME_RUN.finditer(question):
        pairs = [(_SUFFIX.sub("", _CONTRACTION.sub("", raw)), raw)
                 for raw in match.group(0).split()]
        if _SENTENCE_START.search(question[:match.start()]) and (
                len(pairs) == 1 or pairs[0][0].lower() in _COMMON
                or len(pairs) > 2 or _CONTRACTION.search(pairs[1][1])):
            # "What …", "Once China's …": the opening word is no name; "United States miners
            # …" keeps it (a name's first word cannot be told from an opener, so two words
            # stay together)
            pairs = pairs[1:]
        run: list[str] = []
        for word, raw in pairs:
            if word.lower() in _COMMON or len(word) < 2:
                if run:
                    found.append(" ".join(run))
                run = []
                continue
            run.append(word)
            if _CONTRACTION.search(raw) or _SUFFIX.search(raw):  # "MintGreen's North …": two
                found.append(" ".join(run))
                run = []
        if run:
            found.append(" ".join(run))
    return [name for name in dict.fromkeys(found) if not _TWO_CAPITALS.match(name)]


def pinned(question: str) -> list[str]:
    """The names and years ``question`` asks about: what an answer must be about. Two
    capitals ("US", "PC") are left out: abbreviations a document may spell out. What the
    question sets aside ("Besides Kazakhstan, …") is not pinned: the answer is elsewhere."""
    question = set_aside(question)[0]
    numbered = [m.group(0) for m in _NUMBERED_NAME.finditer(question)
                if not _YEAR.fullmatch(m.group(0).split()[-1])
                and not _SENTENCE_START.search(question[:m.start()])]
    identifiers = [m.group(0) for m in _IDENTIFIER.finditer(question)]
    models = [term for term in numbered + identifiers if not _MEASURE.search(term)]
    terms = dict.fromkeys(names_asked(question) + models + _YEAR.findall(question))
    return list(terms)[:MAX_PINNED]


def needs_documents(question: str) -> bool:
    """Whether checking ``question`` reads the evidence's documents: it pins something down,
    or asks for a name (whose document tells a name from a sentence's opening word)."""
    return bool(pinned(question)) or _NAME_ASKED.search(question) is not None


def mentioned(term: str, text: str) -> bool:
    """Whether ``text`` mentions ``term``: the words, a plural, for a demonym such as
    "Norwegian" the country's stem ("Norw…"), for a name of several words its initials ("US"
    for "United States") or each of its words, for an abbreviation its words written out
    ("time-of-use" for TOU); case and accents ignored."""
    folded = _folded_document(text)
    word = _spelling(term)
    end = r"(?:\b|(?=\d))" if term[-1:].isalpha() else r"\b"  # "Qwen" in "Qwen2.5"
    if re.search(rf"\b{word}(?:s|es|n|ns|an|ans|ese)?{end}", folded):  # "Ethiopia(n)"
        return True
    if len(term) > 3 and term.endswith("s") and " " not in term and \
            re.search(rf"\b{_spelling(term[:-1])}\b", folded):  # "GGUFs", "S19s"
        return True
    if _ACRONYM.fullmatch(term) and term.isalpha() and 2 < len(term) <= 6 \
            and spells_out(term, text):
        return True
    parts = term.split()
    if len(parts) > 1:
        initials = "".join(part[0] for part in parts if part[:1].isupper())
        if len(initials) >= 2 and re.search(rf"\b{re.escape(initials)}\b", text):
            return True
        return all(_TWO_CAPITALS.match(part) or mentioned(part, text) for part in parts)
    return len(term) >= 6 and bool(_DEMONYM.search(term)) and \
        re.search(rf"\b{re.escape(_folded(term)[:4])}", folded) is not None


def spells_out(acronym: str, text: str) -> bool:
    """Whether ``text`` writes out the words ``acronym`` stands for: hyphenated ("time-of-use"
    for TOU) or capitalised ("Ethiopian Electric Power" for EEP)."""
    letters = [re.escape(letter) for letter in acronym]
    hyphenated = "-".join(rf"{letter.lower()}[a-z]*" for letter in letters)
    if re.search(rf"\b{hyphenated}\b", _folded_document(text)):
        return True
    capitalised = r"\s+".join(rf"{letter}[a-z]+" for letter in letters)
    return re.search(rf"\b{capitalised}\b", text) is not None


def states_quantity(text: str) -> bool:
    """Whether ``text`` states an amount: a figure other than a year, or one in words."""
    return bool(_DIGIT.search(_YEAR.sub("", text)) or _NUMBER_WORDS.search(text))


def missing(question: str, document: str | None) -> list[str]:
    """What ``question`` pins down that ``document`` (its whole text; None if not known) never
    mentions; for a comparison, everything only if it mentions none of it."""
    if document is None:
        return []
    terms = pinned(question)
    absent = [term for term in terms if not mentioned(term, document)]
    if _COMPARISON.search(question) and len(absent) < len(terms):
        return []  # a comparison may be answered from a document on one side
    return absent


def on_subject(question: str, documents: Sequence[str | None]) -> tuple[list[int], str | None]:
    """The evidence order that puts first the items whose document (``documents``, one per
    item, best first) mentions everything ``question`` pins down, and why the question is not
    answered if none does."""
    found: dict[str | None, list[str]] = {}  # items of one document share its answer
    for document in documents:
        if document not in found:
            found[document] = missing(question, document)
    absent = [found[document] for document in documents]
    if not absent or not absent[0]:
        return list(range(len(documents))), None
    about = [n for n, terms in enumerate(absent) if not terms]
    if not about:
        quoted = ", ".join(f"“{term}”" for term in absent[0][:3])
        return [], f"the closest passages are from documents that never mention {quoted}"
    return about + [n for n, terms in enumerate(absent) if terms], None


def references_last(question: str, headings: Sequence[str | None]) -> list[int]:
    """The evidence order (``headings``, one per item, best first) that puts a document's
    source list after its text: "Itaipu Binacional — public information …" names the dam's
    owners but answers nothing, unless the question asks about the sources themselves."""
    order = list(range(len(headings)))
    if _ASKS_SOURCES.search(question):
        return order
    listed = [n for n in order if headings[n] and _REFERENCE_HEADING.search(headings[n] or "")]
    return [n for n in order if n not in listed] + listed


def unanswered(question: str, sentence: str, document: str | None = None) -> str | None:
    """Why ``sentence``, the best evidence (from ``document``, if known), is not the kind of
    answer ``question`` asks for (an amount, a name); None if it may be."""
    asks_amount = _HOW_MUCH.search(question) or _AMOUNT_ASKED.search(question)
    if asks_amount and not WHY_QUESTION.search(question) \
            and not _COUNT_OF_LISTED.search(question) and not states_quantity(sentence):
        return "the closest passages state no amount that answers it"
    if _NAME_ASKED.search(question) and not new_names(question, sentence, document):
        return "the closest passages name nothing that answers it"
    return None


def new_names(question: str, sentence: str, document: str | None = None) -> list[str]:
    """The names and abbreviations ``sentence`` gives that ``question`` does not. Its opening
    word is a name ("Paraguay sells …") if ``document`` also writes it capitalised inside a
    sentence; "Typical …" is not."""
    asked = {word.lower() for word in re.findall(r"\w+", question)}
    words = [(m.start(), _CONTRACTION.sub("", m.group(0))) for m in _CAPITALISED.finditer(sentence)]
    found = {word for start, word in words
             if not _OPENING.search(sentence[:start]) or (
                 document is not None and re.search(rf"[\w,;]\s+{re.escape(word)}\b", document))}
    return sorted(name for name in found | set(_ACRONYM.findall(sentence))
                  if name.lower() not in asked and name.lower() not in _COMMON)
