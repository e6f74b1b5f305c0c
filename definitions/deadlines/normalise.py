"""Grammar section «normalisation»: lower case, «ё» → «е», every dash → «-», quotes and
footnote asterisks dropped, «..» → «.», digits split from glued words («2022г.»), ordinal endings
dropped («1-я декада»).
"""

from __future__ import annotations

import re

_CHARACTERS = str.maketrans(
    {
        "ё": "е",
        "і": "i",  # a Ukrainian/Belarusian «і» typed for the Roman numeral I
        **dict.fromkeys("‐‑‒–—―−﹘﹣－", "-"),
        **dict.fromkeys("«»\"“”„‟'‘’‚`*", ""),
    }
)


# Whether a phrase has any character to translate: str.translate with a table of non-Latin
# characters costs more than all the rest of the normalisation, and most phrases have none.
_SPECIAL_RE = re.compile("[" + re.escape("".join(map(chr, _CHARACTERS))) + "]")
_DOT_RUN_RE = re.compile(r"\.{2,}")  # «30.08..2022»


_GLUED_RE = re.compile(r"[0-9](?=[a-zа-я])|[a-zа-я](?=[0-9])")  # «2022г.», «2020года»


# Ordinal endings carry nothing: «1-я декада», «4-й квартал», «3-х месячный».
_ORDINAL_RE = re.compile(
    r"(?<![0-9])([0-9]{1,2}) ?-? ?(?:й|я|е|го|ого|ое|ая|ый|ой|ий|ом|ей|ю|ую|ые|ых|х|ти|ми)\b"
)


def _normalise(phrase: str) -> str:
    """Lower-case and tidy a phrase so the grammar sees one spelling of each thing."""
    text = phrase.lower()
    # Callable replacements and cheap guards: this runs for every phrase the tick compiles.
    if _SPECIAL_RE.search(text):
        text = text.translate(_CHARACTERS)
    if ".." in text:
        text = _DOT_RUN_RE.sub(".", text)
    text = _GLUED_RE.sub(lambda match: match[0] + " ", text)
    text = _ORDINAL_RE.sub(lambda match: match[1], text)
    return " ".join(text.split()).strip(" .,;:")
