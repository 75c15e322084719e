"""Arabic text rules, in one place, used by everything that compares text.

Matching (search, alias matching, quote hints, sorting) folds spelling
variants that Arabic writers use interchangeably:

* NFC first, so composed and decomposed forms compare equal;
* diacritics (harakat, shadda, sukun, superscript alef, Quranic marks) and
  tatweel removed: سُوريا = سوريا, الـرقة = الرقة;
* hamza forms of alef أ إ آ ٱ -> ا (the seed writes both الإرهابي and
  إحتلاله); hamza on waw/ya ؤ ئ are kept apart from و ي except ئ/ي folding
  is done because the seed writes القائم and القايم for one town;
* ة -> ه and ى -> ي (الرقه, مستشفى/مستشفي);
* Arabic-Indic ٠-٩ and Persian ۰-۹ digits -> 0-9 (٢٠١٤ = 2014);
* case-folded Latin, so English names match too.

Display never uses these forms: the source text is evidence and is shown
verbatim.  The same rules are implemented for the browser in
``templates/static/js/search.js``; a test runs both on the same inputs.
"""

from __future__ import annotations

import re
import unicodedata

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640]")
_FOLD = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ة": "ه",
    "ى": "ي", "ئ": "ي", "ی": "ي", "ې": "ي",
    "ؤ": "و",
    "ک": "ك",
    **{chr(0x0660 + i): str(i) for i in range(10)},
    **{chr(0x06F0 + i): str(i) for i in range(10)},
})
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")


def normalize(text: str) -> str:
    """Fold ``text`` for matching (never for display)."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _DIACRITICS.sub("", text)
    return text.translate(_FOLD).casefold()


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` keeping, for each output character, its index in ``text``.

    Lets a match found in folded text be shown on the original characters.
    Works character by character, so it assumes ``text`` is already NFC
    (all content is NFC-normalised by the loader's callers before anchoring).
    """
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if _DIACRITICS.match(ch) or _INVISIBLE.match(ch):
            continue
        folded = ch.translate(_FOLD).casefold()
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


ARTICLE_PREFIX = "ال"

_SORT_STRIP = re.compile(r"^(ال)(?=\w\w)")


def sort_key(name: str) -> tuple[str, str]:
    """Arabic alphabetical order that ignores a leading ال and diacritics."""
    folded = normalize(name)
    return (_SORT_STRIP.sub("", folded), folded)


# ------------------------------------------------------------------ numbers

_TO_ARAB = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def digits(value: object, numerals: str = "latn") -> str:
    """Write a number (or text with digits) in the site's numerals."""
    text = str(value)
    return text.translate(_TO_ARAB) if numerals == "arab" else text


# ------------------------------------------------------------------ months

LEVANTINE = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
             "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول")
EGYPTIAN = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
            "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر")


def month_name(month: int, style: str = "both") -> str:
    """Arabic month name: levantine تموز, egyptian يوليو, or both تموز/يوليو."""
    if style == "levantine":
        return LEVANTINE[month - 1]
    if style == "egyptian":
        return EGYPTIAN[month - 1]
    return f"{LEVANTINE[month - 1]}/{EGYPTIAN[month - 1]}"
