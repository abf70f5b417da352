"""What kind of answer a question asks for, and whether a sentence is of that kind.

"How much" wants a figure (in the unit asked, if one is), "who" a name, "when" a year, "why"
a cause, "what is" a definition, "what does RAG stand for" the words it abbreviates. An
explanation of something named should be about it. Pure functions of text.
"""

from __future__ import annotations

import re

from assistant.text.facts import UNITS, figures
from assistant.text.keywords import content_words

# A sentence of the kind the question asks for: a figure for "how much", a name for "who",
# a year for "when", a cause for "why", a definition for "what is".
ANSWER_TYPE_BONUS = 0.1
_QUANTITY_QUESTION = re.compile(
    r"\b(how (much|many|big|large|long|fast|high|low|often)|what (share|percentage|fraction|"
    r"proportion|cost|price|rate|size|number)|at what (price|rate|cost|level))\b",
    re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_ASKED_UNIT = re.compile(r"\bhow (?:many|much)\s+([\w/-]+)", re.IGNORECASE)
NAME_QUESTION = re.compile(r"^\s*(who|whom|whose)\b|\b(which|what) (firm|company|country|"
                           r"countries|state|person|people|organi[sz]ation|researcher|author|"
                           r"pool|region|city|group|agency|university|project)\b|^\s*where\b",
                           re.IGNORECASE)
_NAME_IN_SENTENCE = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+|\b[A-Z]{2,}\b")
_TIME_QUESTION = re.compile(r"^\s*when\b|\b(what|which) (year|month|date|decade)\b|"
                            r"\bsince when\b", re.IGNORECASE)
_TIME_IN_SENTENCE = re.compile(r"\b(1[89]\d\d|20\d\d)\b|\b(January|February|March|April|"
                               r"May|June|July|August|September|October|November|December)\b")
WHY_QUESTION = re.compile(r"^\s*why\b|\bwhat (?:mainly |most )?(drives|causes|caused|explains|"
                          r"led to|limits|constrains|determines|holds back)\b|"
                          r"\bfor what reason\b", re.IGNORECASE)
_CAUSE_IN_SENTENCE = re.compile(r"\b(because|due to|driven by|as a result|so that|owing to|"
                                r"reason|leads? to|led to|causes?d?|thanks to|since|pushed|"
                                r"squeez\w*|rising|higher|lower|cheaper|limit\w*|bottleneck|"
                                r"bound by|cannot|can't|unable|drawn (?:by|to)|attract\w*)\b",
                                re.IGNORECASE)
_STRONG_CAUSE = re.compile(r"\b(because|due to|owing to|as a result of|the reason|for that reason|"
                           r"driven by)\b", re.IGNORECASE)
# "What's the name for …", "What is X called?", "What does the paper call …": the sentence
# that gives the name ("… became known as pool hopping", "… nicknamed the silicon lottery").
TERM_QUESTION = re.compile(r"\b(?:what(?:'s| is| was) the (?:name|term|nickname|word|label)|"
                           r"what (?:is|are|was|were) [\w\s,'-]{2,60}? (?:called|known as|"
                           r"named|nicknamed|termed)|what (?:does|do|did) [\w\s'-]{2,40}? call|"
                           r"what (?:name|term|nickname) )", re.IGNORECASE)
_TERM_IN_SENTENCE = re.compile(r"\b(?:called|known as|nicknamed|dubbed|termed|so-called|"
                               r"named|refer(?:s|red)? to (?:it|this|them) as)\b",
                               re.IGNORECASE)
_DEFINITION_QUESTION = re.compile(r"^\s*what (is|are|does|do)\s+(an?\s+|the\s+)?"
                                  r"(?P<term>[\w\s-]{2,40}?)\s*(mean|measure|refer to)?\??$",
                                  re.IGNORECASE)
# "What does the word edge refer to in edge AI?": the sentence that says what the word itself
# is ('The "edge" is …'), not one about the phrase it sits in ("Edge AI means …").
_WORD_QUESTION = re.compile(r"^\s*what (?:does|do) (?:the )?(?:word|term|phrase|name|prefix|"
                            r"abbreviation|acronym)\s+[\"'“‘]?(?P<term>[\w-]{1,30})[\"'”’]?\s+"
                            r"(?:mean|refer to|stand for)\b", re.IGNORECASE)

# "Besides X, what else …", "Apart from X, which …", "What else … besides X?": X is set aside.
_ASIDE = r"(?:besides|apart from|aside from|other than|in addition to|except for)"
_ASIDE_FIRST = re.compile(rf"^\s*{_ASIDE}\s+(?P<aside>.+?),\s*(?=(?:what|which|who|whom|how|"
                          r"why|where|when|is|are|does|do|did|can|could)\b)", re.IGNORECASE)
# A trailing aside of more than eight words, or holding a preposition or a year, runs into
# the question.
_TAIL = re.compile(r"^(?:\S+\s+){8,}\S|\b(?:with|in|on|at|for|to|during|by|per|from|"
                   r"into|since|before|after)\b|\b(?:1[89]|20)\d\d\b", re.IGNORECASE)
_ASIDE_LAST = re.compile(rf",?\s+{_ASIDE}\s+(?P<aside>[^,?]+?)\s*(?=\?|$)", re.IGNORECASE)


def set_aside(question: str) -> tuple[str, str]:
    """``question`` without what it sets aside, and that ("Besides rising power prices, what
    else squeezes miners?" → ("what else squeezes miners?", "rising power prices")); the
    question and "" when it sets nothing aside."""
    for pattern in (_ASIDE_FIRST, _ASIDE_LAST):
        match = pattern.search(question)
        if match is not None and pattern is _ASIDE_LAST and _TAIL.search(match.group("aside")):
            continue  # "… other than bitcoin with an S19?": where the aside ends is unclear
        if match is not None:
            rest = (question[:match.start()] + question[match.end():]).strip(" ,")
            if len(rest.split()) >= 3 and content_words(match.group("aside")):
                return rest, match.group("aside").strip()
    return question, ""


def answer_type_bonus(question: str, sentence: str) -> float:
    """A bonus for a sentence of the kind the question asks for."""
    acronym = asked_acronym(question)
    if acronym:  # "What does RAG stand for?": the sentence that spells it out answers
        return 2 * ANSWER_TYPE_BONUS if expands(acronym, sentence) else 0.0
    if WHY_QUESTION.search(question):  # "What limits how fast …" asks for a cause
        if _STRONG_CAUSE.search(sentence):
            return 2 * ANSWER_TYPE_BONUS
        return ANSWER_TYPE_BONUS if _CAUSE_IN_SENTENCE.search(sentence) else 0.0
    if TERM_QUESTION.search(question):
        return ANSWER_TYPE_BONUS if _TERM_IN_SENTENCE.search(sentence) else 0.0
    if _QUANTITY_QUESTION.search(question):
        if not _DIGIT.search(sentence):
            return 0.0
        unit = asked_unit(question)
        stated = unit and any(f.kind == unit for f in figures(sentence))
        return ANSWER_TYPE_BONUS * (2 if stated else 1)
    if _TIME_QUESTION.search(question):
        return ANSWER_TYPE_BONUS if _TIME_IN_SENTENCE.search(sentence) else 0.0
    if NAME_QUESTION.search(question):
        asked = {w.lower() for w in re.findall(r"\w+", question)}
        new_names = [m.group(0) for m in _NAME_IN_SENTENCE.finditer(sentence)
                     if m.group(0).lower() not in asked]
        return ANSWER_TYPE_BONUS if new_names else 0.0
    match = _WORD_QUESTION.match(question)
    if match:
        term = re.escape(match.group("term").lower())
        defines = re.search(rf"(?<![\w-])[\"'“‘]?{term}[\"'”’]?\s+(?:is|are|means|refers to|"
                            rf"stands for)\b", sentence.lower())
        return ANSWER_TYPE_BONUS if defines else 0.0
    match = _DEFINITION_QUESTION.match(question)
    if match:
        term = re.escape(match.group("term").strip().lower())
        defines = re.search(rf"\b{term}\b[^.]{{0,40}}\b(is|are|means|refers to|measures)\b",
                            sentence.lower())
        return ANSWER_TYPE_BONUS if defines else 0.0
    return 0.0


_ACRONYM_ASKED = re.compile(r"\b(?:stands?|short) for\b|\b(?:abbreviation|acronym|initials)\b",
                            re.IGNORECASE)
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]*[A-Z]s?\b")
_MINOR_WORDS = frozenset("of and the for in on to a an".split())


def asked_acronym(question: str) -> str:
    """The abbreviation a question asks to have spelled out ("What does RAG stand for?" →
    "RAG"), or ""."""
    if not _ACRONYM_ASKED.search(question):
        return ""
    found = _ACRONYM.findall(question)
    return found[-1].rstrip("s") if found else ""


def expands(acronym: str, sentence: str) -> bool:
    """Whether ``sentence`` names ``acronym`` and spells it out: consecutive words whose
    initials are its letters ("retrieval-augmented generation" for RAG), minor words
    ("of", "and") allowed between them."""
    if not re.search(rf"\b{re.escape(acronym)}s?\b", sentence):
        return False
    letters = acronym.lower()
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", sentence)]
    for first in range(len(words)):
        matched, index = 0, first
        while index < len(words) and matched < len(letters):
            if words[index][0] == letters[matched] and words[index] != letters:
                matched += 1
            elif not matched or words[index] not in _MINOR_WORDS:
                break
            index += 1
        if matched == len(letters):
            return True
    return False


def asked_unit(question: str) -> str:
    """The unit a quantity question asks in ("How many kilowatt-hours …" → "kwh"), or ""."""
    match = _ASKED_UNIT.search(question)
    if not match:
        return ""
    found = figures(f"1 {match.group(1)}")
    return found[0].kind if found and found[0].kind in UNITS else ""


_CAPITALISED = re.compile(r"(?<!^)(?<![.!?:]\s)(?<![-*#|]\s)\b[A-Z][a-z]{2,}\b")
_EMPHASIS = re.compile(r"[*_`]+")
_LIST_MARK = re.compile(r"^\s*(?:[-+•]|\d+[.)])\s+")
_WORD_OR_NAME = re.compile(r"\b[A-Z]\w+")


def names(text: str) -> set[str]:
    """The capitalised words of ``text`` that are not sentence openers: its names."""
    text = _LIST_MARK.sub("", _EMPHASIS.sub("", text.strip()))  # "1. **Rising** …" opens
    return {m.group(0) for m in _CAPITALISED.finditer(text)}


def off_subject(asked_names: set[str], text: str) -> bool:
    """Whether ``text`` names something the question does not, and none of what it names
    ("The United States gained …" for a question about China; "Chinese" counts as China)."""
    if not asked_names:
        return False
    stems = {name[:4] for name in asked_names}
    if any(word[:4] in stems for word in _WORD_OR_NAME.findall(text)):
        return False
    return bool(names(text))

