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

from assistant.answers.question_kinds import WHY_QUESTION, names, quantity_question

_COMBINING = re.compile(r"[\u0300-\u036f]")  # the accents NFKD splits off
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
# A question about two things ("How does Paraguay's tariff compare with Ethiopia's?") may be
# answered from a document on one of them.
_COMPARISON = re.compile(r"\b(?:compar\w*|differ\w*|versus|vs\.?|than|between|both|either|"
                         r"neither|besides|unlike|like)\b", re.IGNORECASE)
_TWO_CAPITALS = re.compile(r"^[A-Z]{2}s?$")
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]+\b")
_NAME_RUN = re.compile(r"(?<!\w)[A-Z][\w'’-]*\w(?:\s+[A-Z][\w'’-]*\w)*")
_SENTENCE_START = re.compile(r"(^|[.?!:]\s+)$")
# Model names and numbers: "M60", "7840U", "bge-small-en-v1.5", and a name with its number
# ("Novec 7100", "Orange Pi 5"); not "10-minute" or a month's year ("April 2024").
_IDENTIFIER = re.compile(r"(?<![\w.$])(?:[A-Za-z][\w.-]*\d[\w.-]*|\d[\d.]*[A-Za-z][\w.-]*)"
                         r"(?<![.-])")
_NUMBERED_NAME = re.compile(r"\b[A-Z][\w-]*(?: [A-Z][\w-]*)* \d+(?:\.\d+)?\b(?![.,]\d)")
# Sizes and units rather than names: "135M-parameter", "7B", "4-bit", "16GB"; a month's year.
_MEASURE = re.compile(r"^\d[\d.]*(?:[KMBTkmb]|bn|[kMGT]?Wh?|[kMGTP]B|[KMGTPE]H|[GM]Hz|nm|ms|s|"
                      r"h|x)?(?:-[a-z]+)*$|^(?:January|February|March|April|May|June|July|"
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
_AMOUNT_ASKED = re.compile(r"\bwhat(?:'s| is| are| was| were| would be)?(?: the| an?)? "
                           r"(?:[\w-]+\s){0,2}(?:rates?|prices?|costs?|tariffs?|fees?|"
                           r"speed-?ups?|capacity|efficiency|temperature|frequency|power draw|"
                           r"hash ?rate|throughput|latency|scores?|recall|accuracy|boiling "
                           r"point)\b|\bwhat\b[^?]{0,40}\b(?:does|do|did)\b[^?]{0,40}\b(?:score|"
                           r"reach|achieve)\b", re.IGNORECASE)
# Questions answered by naming something: "Which pool …", "Which smartphone chip …".
_NAME_ASKED = re.compile(r"\b(?:which|what) (?!of\b)(?:[\w]+ ){0,2}(?:firms?|compan(?:y|ies)|"
                         r"countr(?:y|ies)|organi[sz]ations?|pools?|cit(?:y|ies)|"
                         r"universit(?:y|ies)|chips?|brands?|manufacturers?|vendors?)\b(?![-'’])",
                         re.IGNORECASE)
# "How many ways … does the note describe?" is answered by the list itself.
_COUNT_OF_LISTED = re.compile(r"\bhow many\b.*\b(?:describe|list|mention|name|distinguish|"
                              r"identify|outline|cover|give)s?\b", re.IGNORECASE)


@functools.lru_cache(maxsize=8)  # a document's text is folded once for all its terms
def _folded(text: str) -> str:
    """``text`` in lower case without accents ("Itaipú" matches "Itaipu")."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


def names_asked(question: str) -> list[str]:
    """The names in ``question``, a run of capitalised words as one ("United States", "Lantern
    Labs"), without a possessive ending and without the word that opens a sentence."""
    found = []
    for match in _NAME_RUN.finditer(question):
        words = match.group(0).split()
        if _SENTENCE_START.search(question[:match.start()]):
            words = words[1:]
        run: list[str] = []
        for word in words:
            bare = re.sub(r"['’]s?$", "", word)
            run.append(bare)
            if bare != word:  # "MintGreen's North Vancouver": two names
                found.append(" ".join(run))
                run = []
        if run:
            found.append(" ".join(run))
    return [name for name in found if name and not _TWO_CAPITALS.match(name)]


def pinned(question: str) -> list[str]:
    """The names and years ``question`` asks about: what an answer must be about. Two
    capitals ("US", "PC") are left out: abbreviations a document may spell out."""
    numbered = [m.group(0) for m in _NUMBERED_NAME.finditer(question)
                if not _YEAR.fullmatch(m.group(0).split()[-1])
                and not _SENTENCE_START.search(question[:m.start()])]
    identifiers = [m.group(0) for m in _IDENTIFIER.finditer(question)]
    models = [term for term in numbered + identifiers if not _MEASURE.search(term)]
    return list(dict.fromkeys(names_asked(question) + models + _YEAR.findall(question)))


def mentioned(term: str, text: str) -> bool:
    """Whether ``text`` mentions ``term``: the words, a plural, for a demonym such as
    "Norwegian" the country's stem ("Norw…"), for a name of several words its initials ("US"
    for "United States") or each of its words; case and accents ignored."""
    folded = _folded(text)
    word = re.escape(_folded(term))
    if re.search(rf"\b{word}(?:s|es|n|ns|an|ans|ese)?\b", folded):  # "Ethiopia(n)"
        return True
    parts = term.split()
    if len(parts) > 1:
        initials = "".join(part[0] for part in parts if part[:1].isupper())
        if len(initials) >= 2 and re.search(rf"\b{re.escape(initials)}\b", text):
            return True
        return all(_TWO_CAPITALS.match(part) or mentioned(part, text) for part in parts)
    return len(term) >= 6 and bool(_DEMONYM.search(term)) and \
        re.search(rf"\b{word[:4]}", folded) is not None


def states_quantity(text: str) -> bool:
    """Whether ``text`` states an amount: a figure other than a year, or one in words."""
    return bool(_DIGIT.search(_YEAR.sub("", text)) or _NUMBER_WORDS.search(text))


def missing(question: str, document: str | None) -> list[str]:
    """What ``question`` pins down that ``document`` (its whole text; None if not known) never
    mentions. A comparison may be answered from a document about one side."""
    if document is None or _COMPARISON.search(question):
        return []
    return [term for term in pinned(question) if not mentioned(term, document)]


def on_subject(question: str, documents: Sequence[str | None]) -> tuple[list[int], str | None]:
    """The evidence order that puts first the items whose document (``documents``, one per
    item, best first) mentions everything ``question`` pins down, and why the question is not
    answered if none does."""
    found: dict[str | None, list[str]] = {}  # items of one document share its answer
    absent = [found.setdefault(document, missing(question, document)) if document not in found
              else found[document] for document in documents]
    if not absent or not absent[0]:
        return list(range(len(documents))), None
    about = [n for n, terms in enumerate(absent) if not terms]
    if not about:
        quoted = ", ".join(f"“{term}”" for term in absent[0])
        return [], f"the closest passages are from documents that never mention {quoted}"
    return about + [n for n, terms in enumerate(absent) if terms], None


def unanswered(question: str, sentence: str) -> str | None:
    """Why ``sentence``, the best evidence, is not the kind of answer ``question`` asks for
    (an amount, a name); None if it may be."""
    asks_amount = quantity_question(question) or _AMOUNT_ASKED.search(question)
    if asks_amount and not WHY_QUESTION.search(question) \
            and not _COUNT_OF_LISTED.search(question) and not states_quantity(sentence):
        return "the closest passages state no amount that answers it"
    if _NAME_ASKED.search(question) and not new_names(question, sentence):
        return "the closest passages name nothing that answers it"
    return None


def new_names(question: str, sentence: str) -> list[str]:
    """The names and abbreviations ``sentence`` gives that ``question`` does not."""
    asked = {word.lower() for word in re.findall(r"\w+", question)}
    found = names(sentence) | set(_ACRONYM.findall(sentence))
    return sorted(name for name in found if name.lower() not in asked)
