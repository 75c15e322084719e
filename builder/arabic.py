"""Arabic text rules, in one place, for everything that compares text.

Search (index and query), automatic mentions, quote hints, tag slugs and
sorting all compare *folded* text.  Folding makes spellings that Arabic
writers use interchangeably compare equal; it is applied character by
character, in this order:

1. compatibility decomposition (NFKD), lower case, NFKD again: Arabic
   presentation forms copied from PDFs (ﺍﻟﻤﻮﺻﻞ), ligatures (ﻻ), full-width
   and superscript digits become plain letters and digits, and hamza and
   madda carriers split into a letter plus a combining mark (أ = ا + ٔ).
   Canonically equivalent text (NFC or not) therefore folds the same, which
   is what NFC is for, and English names match whatever their case;
2. every combining mark (categories Mn, Me), every invisible format
   character (Cf: ZWNJ, bidi marks, BOM, soft hyphen) and tatweel ـ are
   dropped: harakat, shadda, sukun, superscript alef, Quranic marks
   (المَوْصِل = الموصل, الرقّة = الرقة, الـرقة = الرقة), and with the marks of
   step 1 the hamza and madda of أ إ آ ؤ ئ (so أ إ آ -> ا, ؤ -> و, ئ -> ي:
   the seed writes both القائم and القايم for one town, and إحتلاله);
3. letters written one for another: ٱ ٲ ٳ -> ا, ة ۃ -> ه (الرقه),
   ى ی ې -> ي (فى/في, التى/التي, Persian yeh), ک -> ك, ھ ە -> ه;
4. Arabic-Indic ٠-٩ and Persian ۰-۹ digits -> 0-9 (٢٠١٤ = 2014);
5. apostrophes (' ’ ‘ ` ´) are dropped, so a transliteration is one word
   whether or not it marks the hamza or ayn: Al-Qa'im = Al-Qaim.

What is *not* folded, on purpose: the standalone hamza ء (شيء and شي are
different spellings of different weights; folding it away would merge
words such as سماء/سما), and letters that differ in meaning (ذ/ز, ظ/ض,
ه/ح).  Words are runs of letters and digits (Unicode L and N) of the folded
text; everything else separates words.

Display never uses these forms: the source text is evidence and is shown
verbatim.  The same rules run in the browser (``templates/static/js/fold.js``);
``tests/test_arabic.py`` runs both on the same tricky inputs.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from functools import cached_property
from typing import Any, Callable

TATWEEL = "\u0640"
_DROP_CATEGORIES = frozenset({"Mn", "Me", "Cf"})
_LETTERS = {
    "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ة": "ه", "ۃ": "ه", "ھ": "ه", "ە": "ه",
    "ى": "ي", "ی": "ي", "ې": "ي",
    "ک": "ك",
    "'": "", "’": "", "‘": "", "`": "", "´": "",
    **{chr(0x0660 + i): str(i) for i in range(10)},
    **{chr(0x06F0 + i): str(i) for i in range(10)},
}
"""Steps 3 to 5 of the folding; kept identical to FOLD in fold.js."""


def fold_char(ch: str) -> str:
    """The folded form of one character: '' (dropped), one or more characters."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).lower())
    return "".join(_LETTERS.get(c, c) for c in text
                   if c != TATWEEL and unicodedata.category(c) not in _DROP_CATEGORIES)


class _FoldTable(dict):  # type: ignore[type-arg]
    """Code point -> folded text, filled on first use: lets str.translate fold at C speed."""

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD = _FoldTable()


class _OddChars:
    """A regex matching the characters that may not fold to exactly one character.

    Those (dropped marks, expanded ligatures) are the only places where
    folded and original offsets drift apart; finding them with a regex keeps
    :class:`Folded` at C speed.  The class lists every such character of the
    Basic Multilingual Plane (computed once, on first use, in about 0.1 s)
    and every astral character (checked one by one when met).
    """

    def __init__(self) -> None:
        self._regex: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        if self._regex is None:
            odd = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000 and len(_FOLD[c]) != 1]
            self._regex = re.compile("[" + "".join(re.escape(c) for c in odd) + "\U00010000-\U0010FFFF]")
        return self._regex


_odd_chars = _OddChars()


def normalize(text: str) -> str:
    """Fold ``text`` for matching (never for display)."""
    return text.translate(_FOLD)


_TOKENS_KEPT = 200_000


class TokenCache(dict[str, Any]):
    """What a function gives for each token of many texts, made on first sight.

    ``map(cache.__getitem__, tokens)`` then runs in C for every token seen
    before (most of a corpus repeats), and calls ``make`` only for new ones.
    Forgotten all at once past ``_TOKENS_KEPT`` tokens, so memory stays bounded.
    """

    def __init__(self, make: Callable[[str], Any]):
        super().__init__()
        self.make = make

    def __missing__(self, token: str) -> Any:
        if len(self) > _TOKENS_KEPT:
            self.clear()
        value = self[token] = self.make(token)
        return value


class Folded:
    """Folded text that can map its offsets back to the original text.

    Most characters fold to exactly one character; only the exceptions
    (dropped marks, expanded ligatures) are recorded, found by a regex scan
    the first time an offset is mapped (a text with no match never pays for
    it); mapping an offset is then a binary search.
    """

    def __init__(self, original: str, text: str | None = None):
        self.original = original
        self.text = original.translate(_FOLD) if text is None else text

    @classmethod
    def of(cls, original: str, words: "TokenCache | None" = None) -> "Folded":
        """``original`` folded; ``words`` (a :func:`fold_cache`) keeps the folded space-separated tokens of many texts.

        Folding is per character, so a text folds token by token; a corpus
        repeats most of its tokens, and a dict look-up per token is cheaper
        than translating 3,500 characters one by one (25 against 180 us).
        """
        if words is None:
            return cls(original)
        return cls(original, " ".join(cls.folded_tokens(original, words)))

    @staticmethod
    def folded_tokens(original: str, words: "TokenCache") -> list[str]:
        """The folded space-separated tokens of ``original`` (joined by spaces, its folded text)."""
        return list(map(words.__getitem__, original.split(" ")))

    @staticmethod
    def prepare() -> None:
        """Build the shared tables now (about 0.1 s), e.g. before worker processes fork."""
        _odd_chars.regex  # noqa: B018 - computed on first access

    @cached_property
    def _exceptions(self) -> tuple[list[int], list[int], list[int]]:
        """Original offsets of the exceptions, where their output starts, and its length."""
        exc, at, size = [], [], []
        shift = 0
        for m in _odd_chars.regex.finditer(self.original):
            i, n = m.start(), len(_FOLD[ord(m.group())])
            if n == 1:  # an astral character that folds to one
                continue
            exc.append(i)
            at.append(i + shift)
            size.append(n)
            shift += n - 1
        return exc, at, size

    def start(self, j: int) -> int:
        """Original offset of the character that produced folded offset ``j``."""
        exc, exc_at, exc_len = self._exceptions
        m = bisect.bisect_right(exc_at, j) - 1
        if m < 0:
            return j
        at, size, i = exc_at[m], exc_len[m], exc[m]
        if j < at + size:
            return i
        return i + 1 + (j - at - size)

    def span(self, j: int, k: int) -> tuple[int, int]:
        """Original [start, end) of the folded range [j, k) (k > j)."""
        return self.start(j), self.start(k - 1) + 1


def fold_cache() -> TokenCache:
    """Folded tokens for :meth:`Folded.of`."""
    return TokenCache(normalize)


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` keeping, for each output character, its index in ``text``.

    Lets a match found in folded text be shown on the original characters.
    """
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = _FOLD[ord(ch)]
        out.append(folded)
        index.extend([i] * len(folded))
    return "".join(out), index


# ------------------------------------------------------------------ words

WORD = re.compile(r"[^\W_]+")
"""A word of folded text: a run of letters and digits (Unicode L and N)."""


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return WORD.findall(normalize(text))


_PROCLITIC = "وفبكل"


def search_stem(word: str) -> str:
    """The key a folded word is indexed and searched under.

    Strips leading ال and the one-letter proclitics و ف ب ك ل, greedily and
    in any order, while at least three letters remain: والرقه, بالرقه,
    للرقه and الرقه all become رقه.  Greedy and order-free on purpose, so a
    word and any clitic form of it always get the same key (الوزير and
    وزير both give زير); the price is that a few unrelated words share a
    key (كتاب/تاب), which ranking by exact words puts last.
    """
    while True:
        if word.startswith("ال") and len(word) >= 5:
            word = word[2:]
        elif len(word) >= 4 and word[0] in _PROCLITIC:
            word = word[1:]
        else:
            return word


def prefix_stems(word: str) -> list[str]:
    """Every stage of stripping a word typed so far, for prefix search.

    A reader typing الرق has not finished رقه: each stage (الرق, رق) is
    tried as a prefix of the index keys, as long as two letters remain.
    The browser does this (``prefixStems`` in fold.js); kept here so the
    two can be tested against each other.
    """
    out = [word]
    while True:
        if word.startswith("ال") and len(word) >= 4:
            word = word[2:]
        elif len(word) >= 3 and word[0] in _PROCLITIC:
            word = word[1:]
        else:
            return out
        out.append(word)


# ------------------------------------------------------------------ sorting

_SORT_STRIP = re.compile(r"^ال(?=\w\w)")


def sort_key(name: str) -> tuple[str, str, str]:
    """Arabic alphabetical order that ignores a leading ال and diacritics.

    Folded Arabic letters are in Unicode in alphabetical (hija'i) order
    (ا ب ت ث ... ن ه و ي) once ة ى and the hamza forms are folded, so the
    folded text compares correctly; the full folded name and the original
    break ties so the order is total and stable.
    """
    folded = normalize(name).strip()
    return (_SORT_STRIP.sub("", folded), folded, name)


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
HIJRI = ("محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة",
         "رجب", "شعبان", "رمضان", "شوال", "ذو القعدة", "ذو الحجة")


def month_name(month: int, style: str = "both") -> str:
    """Arabic month name: levantine تموز, egyptian يوليو, or both تموز/يوليو."""
    if style == "levantine":
        return LEVANTINE[month - 1]
    if style == "egyptian":
        return EGYPTIAN[month - 1]
    return f"{LEVANTINE[month - 1]}/{EGYPTIAN[month - 1]}"


def hijri_month_name(month: int) -> str:
    """Name of a Hijri month (1 = محرم)."""
    return HIJRI[month - 1]
