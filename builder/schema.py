"""The content format as data: one description drives validation and JSON Schema.

Each YAML file kind (site, place, actor, event, front matter, annotations)
is a :class:`Record` of :class:`Field` s.  The loader validates with
:func:`validate`; ``athar schema NAME`` prints :func:`json_schema` of the
same records, so the editor's schema and the builder cannot drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable
from urllib.parse import urlsplit

from builder.errors import Loc, Problems, did_you_mean
from builder.source import CONTROL_RE, LDict, LList, char_name, describe, source_text

ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$")
_MONTH_DAY = (r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
              r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
              r"|02-(?:0[1-9]|1[0-9]|2[0-9]))")
DAY_PATTERN = r"^[0-9]{4}-" + _MONTH_DAY + "$"
"""ISO YYYY-MM-DD with a real month and a possible day (February 30 never; 29 checked by the loader)."""
PARTIAL_DATE_PATTERN = r"^(?!0000)[0-9]{4}(?:-(?:0[1-9]|1[0-2])|-" + _MONTH_DAY + ")?$"
"""YYYY, YYYY-MM or YYYY-MM-DD, two digits for month and day."""
WIKIDATA_RE = re.compile(r"^Q[1-9][0-9]*$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
URL_SCHEMES = ("http", "https", "mailto")
MAX_YEAR_AHEAD = 1
"""Dates more than this many years after today are refused as typos."""

EVENT_TYPES = (
    "battle",
    "territory-change",
    "airstrike",
    "declaration",
    "campaign",
    "siege",
    "attack",
    "protest",
    "agreement",
    "other",
)
"""A small controlled vocabulary, modelled on ACLED's event types."""

# Invisible and direction-control characters that hide in copy-pasted text.
INVISIBLE = {
    **{chr(c): f"U+{c:04X}" for c in range(0x200B, 0x2010)},
    **{chr(c): f"U+{c:04X}" for c in range(0x202A, 0x202F)},
    **{chr(c): f"U+{c:04X}" for c in range(0x2066, 0x206A)},
    "\u061c": "U+061C",
    "\ufeff": "U+FEFF",
}


@dataclass(frozen=True)
class Field:
    """One field of a record: its name, type, whether required, and why it exists."""

    name: str
    kind: str
    doc: str
    required: bool = False
    choices: tuple[str, ...] = ()
    record: "Record | None" = None  # for kind "records"


@dataclass(frozen=True)
class Record:
    """A YAML mapping with known fields."""

    name: str
    doc: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def title(self) -> str:
        """The record's name in messages: 'front matter', 'event reference'."""
        return self.name.replace("_", " ")


SOURCE = Record("source", "A published source for an event.", (
    Field("title", "text", "Title of the source.", required=True),
    Field("url", "url", "Where the source can be read (http, https)."),
))

SITE = Record("site", "Site settings (content/site.yaml).", (
    Field("title", "text", "Site name, shown in every page header.", required=True),
    Field("description", "text", "One-line description for the home page and feeds."),
    Field("base_url", "text", "Absolute URL (https://example.org/project/) or path prefix (/project/)."),
    Field("language", "text", "Language of the site (default ar)."),
    Field("direction", "enum", "Text direction (default rtl).", choices=("rtl", "ltr")),
    Field("numerals", "enum", "Digits for numbers the site writes: arab ٠١٢٣ or latn 0123 (default latn).", choices=("arab", "latn")),
    Field("month_names", "enum", "Month names: levantine تموز, egyptian يوليو, both تموز/يوليو (default both).", choices=("levantine", "egyptian", "both")),
    Field("hijri", "bool", "Show Hijri (Umm al-Qura) dates beside Gregorian ones."),
    Field("auto_mentions", "bool", "Find registry names in article text automatically (default true)."),
    Field("author", "text", "Who maintains the research site (feeds, structured data)."),
    Field("latin_language", "text", "Language of notes, descriptions and source titles written in Latin letters (default en)."),
))

PLACE = Record("place", "A place in the gazetteer (places.yaml).", (
    Field("id", "id", "Stable identifier: lowercase a-z, 0-9 and -.", required=True),
    Field("name", "text", "Arabic name.", required=True),
    Field("name_en", "text", "English name."),
    Field("aliases", "textlist", "Other spellings, matched in text and search (e.g. القايم)."),
    Field("kind", "text", "city, airbase, region, country, ..."),
    Field("country", "country", "ISO 3166 alpha-2 code."),
    Field("admin1", "text", "First-level administrative division."),
    Field("lat", "lat", "Latitude in decimal degrees."),
    Field("lon", "lon", "Longitude in decimal degrees."),
    Field("wikidata", "wikidata", "Wikidata Q-id."),
    Field("description", "text", "Short description (Markdown)."),
))

ACTOR = Record("actor", "An actor (actors.yaml).", (
    Field("id", "id", "Stable identifier: lowercase a-z, 0-9 and -.", required=True),
    Field("name", "text", "Arabic name.", required=True),
    Field("name_en", "text", "English name."),
    Field("aliases", "textlist", "Other names and spellings."),
    Field("kind", "text", "state force, armed group, coalition, ..."),
    Field("wikidata", "wikidata", "Wikidata Q-id."),
    Field("description", "text", "Short description (Markdown)."),
))

EVENT = Record("event", "A canonical event (events.yaml).", (
    Field("id", "id", "Stable identifier: lowercase a-z, 0-9 and -.", required=True),
    Field("title", "text", "Arabic title.", required=True),
    Field("title_en", "text", "English title."),
    Field("date", "pdate", "2017, 2017-07, 2017-07-10 or {start: ..., end: ...}.", required=True),
    Field("type", "enum", "Event type (ACLED-like vocabulary).", choices=EVENT_TYPES),
    Field("places", "idlist", "Place ids."),
    Field("actors", "idlist", "Actor ids."),
    Field("sources", "records", "Published sources: list of {title, url}.", record=SOURCE),
    Field("description", "text", "Description (Markdown)."),
))

FRONT_MATTER = Record("front_matter", "Front matter of articles/<slug>.md.", (
    Field("title", "text", "Headline.", required=True),
    Field("date", "date", "Publication date, YYYY-MM-DD.", required=True),
    Field("slug", "id", "URL slug (defaults to the file name)."),
    Field("source", "text", "Outlet name."),
    Field("source_url", "url", "Original URL."),
    Field("author", "text", "Author as the source gives it."),
    Field("dateline", "text", "Dateline (place of writing)."),
    Field("retrieved", "date", "When the text was archived, YYYY-MM-DD."),
    Field("language", "text", "Language of the article (default from site)."),
    Field("tags", "textlist", "Free tags."),
))

MENTION = Record("mention", "A mention of a place or actor in the text.", (
    Field("ref", "ref", "place:<id> or actor:<id>.", required=True),
    Field("quote", "text", "The exact words in the text.", required=True),
    Field("prefix", "context", "Text just before the quote, to pick an occurrence."),
    Field("suffix", "context", "Text just after the quote, to pick an occurrence."),
    Field("occurrence", "occurrence", "1-based occurrence, or all (default)."),
))

EVENT_REF = Record("event_ref", "An event the article reports.", (
    Field("ref", "id", "Event id.", required=True),
    Field("quote", "text", "The words reporting the event.", required=True),
    Field("prefix", "context", "Text just before the quote."),
    Field("suffix", "context", "Text just after the quote."),
    Field("occurrence", "occurrence", "1-based occurrence, needed when the quote repeats."),
    Field("claimed_date", "pdate", "The date as the article gives it, if it does."),
    Field("note", "text", "Researcher note (Markdown)."),
))

RELATED = Record("related", "A story the article lists as related (its المزيد list).", (
    Field("title", "text", "Title as the article gives it.", required=True),
    Field("article", "id", "Slug, when the story is in the corpus."),
    Field("url", "url", "Original link, when known."),
))

NOTE = Record("note", "A research note on a span of the text.", (
    Field("quote", "text", "The words the note is about.", required=True),
    Field("prefix", "context", "Text just before the quote."),
    Field("suffix", "context", "Text just after the quote."),
    Field("occurrence", "occurrence", "1-based occurrence."),
    Field("text", "text", "The note (Markdown).", required=True),
))

ANNOTATIONS = Record("annotations", "Stand-off annotations, articles/<slug>.yaml.", (
    Field("mentions", "records", "Entity mentions.", record=MENTION),
    Field("events", "records", "Events the article reports.", record=EVENT_REF),
    Field("related", "records", "The article's own related list, in order.", record=RELATED),
    Field("notes", "records", "Research notes on spans.", record=NOTE),
))

RECORDS = {r.name: r for r in (SITE, PLACE, ACTOR, EVENT, FRONT_MATTER, ANNOTATIONS)}
"""Every top-level record, by the name ``athar schema NAME`` takes."""

LIST_FILES = {"places": PLACE, "actors": ACTOR, "events": EVENT}
"""Registry files are lists of these records."""


# ---------------------------------------------------------------- validation

def validate(record: Record, node: Any, loc: Loc, problems: Problems) -> dict[str, Any] | None:
    """Check a YAML mapping against a record; return clean values or None.

    Every problem is recorded with its location; a value that fails is left
    out of the result, so later stages see only good data.
    """
    if not isinstance(node, LDict):
        problems.error(loc, f"expected a mapping of {record.title} fields, found {_kind_of(node)}",
                       "write it as 'key: value' lines")
        return None
    out: dict[str, Any] = {}
    ok = True
    known = [f.name for f in record.fields]
    for key in node:
        if record.field(key) is None:
            hint = did_you_mean(key, known) or "known fields: " + ", ".join(known)
            problems.error(node.key_locs[key], f"unknown field {key!r} in {record.title}", hint)
            ok = False
    for f in record.fields:
        if f.name in node and node[f.name] is None:
            if f.required:
                problems.error(node.where(f.name), f"required field '{f.name}' is empty in {record.title}",
                               f"write the value after '{f.name}:' ({f.doc})")
                ok = False
            continue
        if f.name not in node:
            if f.required:
                problems.error(node.loc, f"missing required field '{f.name}' in {record.title}",
                               f"add '{f.name}:' ({f.doc})")
                ok = False
            continue
        value = _check_value(f, node[f.name], node.where(f.name), problems)
        if value is _BAD:
            ok = False if f.required else ok
            continue
        out[f.name] = value
    out["_at"] = node.value_locs
    return out if ok else None


_BAD = object()


_kind_of = describe


def _check_value(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    checker = _CHECKERS[f.kind]
    return checker(f, value, loc, problems)


def _text(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    if isinstance(value, bool):
        problems.error(loc, f"'{f.name}' must be text, found {_kind_of(value)}",
                       "YAML reads yes/no/true/false/on/off as true or false: put the text in quotes")
        return _BAD
    if isinstance(value, (dict, list)) or value is None:
        problems.error(loc, f"'{f.name}' must be text, found {_kind_of(value)}",
                       "a value containing ': ' or starting with [ { must be put in quotes")
        return _BAD
    text = source_text(value)
    if not text.strip():
        problems.error(loc, f"'{f.name}' is empty", f"write the {f.name} or remove the field")
        return _BAD
    if _has_control(text, f.name, loc, problems):
        return _BAD
    warn_invisible(text, f.name, loc, problems)
    return text


def _context(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    """A prefix or suffix: text, where white space alone (a space before the quote) or nothing is context too."""
    if isinstance(value, str) and not value.strip() and not CONTROL_RE.search(value):
        return value
    return _text(f, value, loc, problems)


def _has_control(text: str, what: str, loc: Loc, problems: Problems) -> bool:
    """Control characters written as YAML escapes ("\\a", "\\0") would break HTML and feeds."""
    bad = CONTROL_RE.search(text)
    if bad:
        problems.error(loc, f"'{what}' contains the control character {char_name(bad.group())}",
                       "remove it (written as an escape such as \\a, \\e or \\0 in a quoted value)")
    return bool(bad)


def warn_invisible(text: str, what: str, loc: Loc, problems: Problems) -> None:
    """Warn about invisible or direction-control characters, naming each."""
    if not _INVISIBLE_RE.search(text):  # the usual case, found without a loop in Python
        return
    found = sorted({INVISIBLE[c] for c in text if c in INVISIBLE})
    if found:
        names = ", ".join(f"{code} {unicodedata.name(chr(int(code[2:], 16)), '')}".strip() for code in found)
        problems.warning(loc, f"'{what}' contains invisible or direction-control characters: {names}",
                         "delete them; they make matching and links fail silently")


def _id(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        value = source_text(value)
    if not isinstance(value, str):
        problems.error(loc, f"'{f.name}' must be an identifier, found {_kind_of(value)}",
                       "use lowercase ASCII letters, digits and '-', e.g. mosul-2017")
        return _BAD
    value = strip_invisible(value, f.name, loc, problems)
    if not ID_RE.match(value):
        problems.error(loc, f"'{f.name}' value {value!r} is not a valid identifier",
                       f"use lowercase ASCII letters, digits and '-' only, e.g. '{suggest_id(value)}'")
        return _BAD
    return value


_INVISIBLE_RE = re.compile("[" + "".join(re.escape(c) for c in INVISIBLE) + "]")


def strip_invisible(value: str, what: str, loc: Loc, problems: Problems) -> str:
    """Identifiers: warn about invisible characters (naming them) and drop them.

    A right-to-left mark pasted after ``mosul`` is invisible in every
    editor; the intent is clear, so it is a warning (an error with
    ``--strict``), and the id is used without it.
    """
    if not any(c in INVISIBLE for c in value):
        return value
    warn_invisible(value, what, loc, problems)
    return "".join(c for c in value if c not in INVISIBLE)


_ARABIC_LATIN = dict(zip(
    "ابتثجحخدذرزسشصضطظعغفقكلمنهويىةءأإآؤئ",
    ["a", "b", "t", "th", "j", "h", "kh", "d", "dh", "r", "z", "s", "sh", "s", "d", "t", "z", "", "gh",
     "f", "q", "k", "l", "m", "n", "h", "w", "y", "a", "a", "", "a", "i", "a", "w", "y"],
))


def suggest_id(value: str) -> str:
    """A valid identifier close to what was written (for hints).

    Lowercases, transliterates Arabic letters roughly (الموصل -> almwsl),
    turns every other run of characters into one '-'.
    """
    text = "".join(str(unicodedata.digit(c)) if c.isdigit() else _ARABIC_LATIN.get(c, c)
                   for c in unicodedata.normalize("NFKD", value.lower()))
    text = text.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:100].strip("-")
    return slug or "item-1"


def _enum(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    if value not in f.choices:
        hint = did_you_mean(str(value), f.choices) or "one of: " + ", ".join(f.choices)
        problems.error(loc, f"'{f.name}' must be one of {', '.join(f.choices)}; found {value!r}", hint)
        return _BAD
    return value


def _bool(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    if not isinstance(value, bool):
        problems.error(loc, f"'{f.name}' must be true or false, found {_kind_of(value)}")
        return _BAD
    return value


def _number(lo: float, hi: float) -> Callable[..., Any]:
    def check(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.error(loc, f"'{f.name}' must be a number, found {_kind_of(value)}")
            return _BAD
        if not lo <= value <= hi:
            problems.error(loc, f"'{f.name}' {value} is outside {lo:g}..{hi:g}",
                           "latitude is -90..90 and longitude -180..180, in decimal degrees")
            return _BAD
        return float(value)
    return check


def _pattern(regex: re.Pattern[str], example: str) -> Callable[..., Any]:
    def check(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
        if not isinstance(value, str) or not regex.match(value):
            problems.error(loc, f"'{f.name}' value {value!r} is not valid", f"write it like {example}")
            return _BAD
        return value
    return check


CONTROL_CLASS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff"
"""CONTROL_RE as a character class both Python and ECMAScript read (lone surrogates cannot reach JSON)."""
TEXT_PATTERN = r"^(?=[\s\S]*\S)[^" + CONTROL_CLASS + "]*$"
"""Text: at least one visible character, no control characters."""
CONTEXT_PATTERN = r"^[^" + CONTROL_CLASS + "]*$"
"""A prefix or suffix: no control characters; white space alone, or nothing, is context too."""

URL_PATTERN = (r"^(?:[hH][tT][tT][pP][sS]?://[^\s/?#@{inv}]+(?:[/?#][^\s{inv}]*)?"
               r"|[mM][aA][iI][lL][tT][oO]:[^\s{inv}]+)$").format(
    inv="".join(f"\\u{ord(c):04x}" for c in sorted(INVISIBLE)) + CONTROL_CLASS)
_URL_RE = re.compile(URL_PATTERN)


def _url(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    """Only http, https and mailto: a ``javascript:`` or ``data:`` link is refused, never published."""
    if not isinstance(value, str) or not value.strip():
        problems.error(loc, f"'{f.name}' must be a URL, found {_kind_of(value)}", "write e.g. https://example.org/story")
        return _BAD
    scheme = urlsplit(value.strip()).scheme.lower()
    if scheme not in URL_SCHEMES:
        shown = f"'{scheme}:'" if scheme else "no scheme"
        problems.error(loc, f"'{f.name}' {value!r} has {shown}; only http, https and mailto links are allowed",
                       "links must start with https:// (other schemes such as javascript: and data: are refused)")
        return _BAD
    if _has_control(value, f.name, loc, problems):
        return _BAD
    if any(c in value for c in INVISIBLE) or any(c.isspace() for c in value):
        problems.error(loc, f"'{f.name}' contains spaces or invisible characters",
                       "percent-encode spaces as %20 and delete invisible characters")
        return _BAD
    if not _URL_RE.match(value):
        problems.error(loc, f"'{f.name}' {value!r} is not a complete URL",
                       "write it with the host name, e.g. https://example.org/story")
        return _BAD
    return value


def _textlist(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        problems.error(loc, f"'{f.name}' must be a list of text, found {_kind_of(value)}",
                       f"write it as {f.name}: [a, b]")
        return _BAD
    locs = getattr(value, "item_locs", [loc] * len(value))
    out = []
    for item, item_loc in zip(value, locs):
        checked = _text(f, item, item_loc, problems)
        if checked is not _BAD:
            out.append(checked)
    return tuple(out)


def _idlist(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        problems.error(loc, f"'{f.name}' must be a list of ids, found {_kind_of(value)}")
        return _BAD
    locs = getattr(value, "item_locs", [loc] * len(value))
    out = []
    for item, item_loc in zip(value, locs):
        checked = _id(f, item, item_loc, problems)
        if checked is not _BAD:
            out.append((checked, item_loc))
    return tuple(out)


def _records(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    assert f.record is not None
    if not isinstance(value, list):
        problems.error(loc, f"'{f.name}' must be a list, found {_kind_of(value)}",
                       "start each item with '- '")
        return _BAD
    locs = getattr(value, "item_locs", [loc] * len(value))
    out = []
    for item, item_loc in zip(value, locs):
        checked = validate(f.record, item, item_loc, problems)
        if checked is not None:
            checked["_loc"] = item_loc
            out.append(checked)
    return out


def _occurrence(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 2.0 is 2, as JSON Schema's "integer" says
    if value == "all" or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return int(value) if value != "all" else value
    problems.error(loc, f"'{f.name}' must be a positive whole number or 'all', found {_kind_of(value)}")
    return _BAD


def _ref(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    if not isinstance(value, str) or ":" not in value:
        problems.error(loc, f"'{f.name}' must look like place:<id> or actor:<id>, found {_kind_of(value)}",
                       "write e.g. ref: place:mosul")
        return _BAD
    value = strip_invisible(value, f.name, loc, problems)
    kind, _, ident = value.partition(":")
    if kind not in ("place", "actor"):
        problems.error(loc, f"'{f.name}' kind {kind!r} is not place or actor",
                       did_you_mean(kind, ("place", "actor")) or "write place:<id> or actor:<id>")
        return _BAD
    if not ID_RE.match(ident):
        problems.error(loc, f"'{f.name}' id {ident!r} is not a valid identifier",
                       f"use lowercase ASCII letters, digits and '-' only, e.g. '{kind}:{suggest_id(ident)}'")
        return _BAD
    return (kind, ident)


_DAY_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_PARTIAL_RE = re.compile(r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$")


def _iso_form(value: Any, regex: re.Pattern[str]) -> str | None:
    """Why a date is not written the ISO way (two-digit month and day), or None."""
    text = source_text(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if text is not None and not regex.match(text) and re.match(r"^[0-9]{4}-[0-9]{1,2}(?:-[0-9]{1,2})?$", text):
        return f"{text!r} needs two digits for the month and the day"
    return None


def _date(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    from builder.dates import parse_day
    parsed = _iso_form(value, _DAY_RE) or parse_day(value)
    if isinstance(parsed, str):
        problems.error(loc, f"'{f.name}': {parsed}", "write a real date as YYYY-MM-DD, e.g. 2017-07-10")
        return _BAD
    if parsed.year > date.today().year + MAX_YEAR_AHEAD:
        problems.error(loc, f"'{f.name}' {value} is far in the future", "check the year")
        return _BAD
    return parsed


def _pdate(f: Field, value: Any, loc: Loc, problems: Problems) -> Any:
    from builder.dates import parse_span
    parts = [value.get("start"), value.get("end")] if isinstance(value, dict) else [value]
    parsed = next((why for why in (_iso_form(p, _PARTIAL_RE) for p in parts) if why), None) or parse_span(value)
    if isinstance(parsed, str):
        problems.error(loc, f"'{f.name}': {parsed}",
                       "write 2017, 2017-07, 2017-07-10 or {start: 2017-08-20, end: 2017-08-31}")
        return _BAD
    if parsed.start.year > date.today().year + MAX_YEAR_AHEAD:
        problems.error(loc, f"'{f.name}' {value} is far in the future", "check the year")
        return _BAD
    return parsed


_CHECKERS: dict[str, Callable[..., Any]] = {
    "text": _text,
    "context": _context,
    "id": _id,
    "enum": _enum,
    "bool": _bool,
    "lat": _number(-90, 90),
    "lon": _number(-180, 180),
    "country": _pattern(COUNTRY_RE, "IQ"),
    "wikidata": _pattern(WIKIDATA_RE, "Q83298"),
    "url": _url,
    "textlist": _textlist,
    "idlist": _idlist,
    "records": _records,
    "occurrence": _occurrence,
    "ref": _ref,
    "date": _date,
    "pdate": _pdate,
}


# ---------------------------------------------------------------- JSON Schema
#
# The JSON Schema is generated from the same Field kinds the loader checks,
# and tests/test_schema.py feeds the same good and bad values to both.  The
# schema cannot express a few checks (29 February, dates far in the
# future, ids unknown to the corpus); the loader makes those.

_TEXT = {"type": ["string", "number"], "pattern": TEXT_PATTERN}
_ID = {"type": "string", "pattern": ID_RE.pattern}
_ID_OR_NUMBER = {"anyOf": [_ID, {"type": "integer", "minimum": 0}]}
_PARTIAL_DATE = {"anyOf": [{"type": "string", "pattern": PARTIAL_DATE_PATTERN},
                           {"type": "integer", "minimum": 1000, "maximum": 9999}]}

_JSON_TYPES: dict[str, dict[str, Any]] = {
    "text": _TEXT,
    "context": {"type": ["string", "number"], "pattern": CONTEXT_PATTERN},
    "id": _ID_OR_NUMBER,
    "bool": {"type": "boolean"},
    "lat": {"type": "number", "minimum": -90, "maximum": 90},
    "lon": {"type": "number", "minimum": -180, "maximum": 180},
    "country": {"type": "string", "pattern": COUNTRY_RE.pattern},
    "wikidata": {"type": "string", "pattern": WIKIDATA_RE.pattern},
    "url": {"type": "string", "pattern": URL_PATTERN},
    "textlist": {"anyOf": [{"type": "string", "pattern": TEXT_PATTERN}, {"type": "array", "items": _TEXT}]},
    "idlist": {"anyOf": [_ID, {"type": "array", "items": _ID_OR_NUMBER}]},
    "occurrence": {"anyOf": [{"type": "integer", "minimum": 1}, {"const": "all"}]},
    "ref": {"type": "string", "pattern": r"^(place|actor):" + ID_RE.pattern[1:]},
    "date": {"type": "string", "pattern": DAY_PATTERN},
    "pdate": {"anyOf": [_PARTIAL_DATE, {
        "type": "object", "additionalProperties": False, "required": ["start", "end"],
        "properties": {"start": _PARTIAL_DATE, "end": _PARTIAL_DATE}}]},
}


def _field_schema(f: Field) -> dict[str, Any]:
    if f.kind == "enum":
        schema: dict[str, Any] = {"enum": list(f.choices)}
    elif f.kind == "records":
        assert f.record is not None
        schema = {"type": "array", "items": record_schema(f.record)}
    else:
        schema = dict(_JSON_TYPES[f.kind])
    if not f.required:  # an empty optional field ("name_en:") is read as absent
        schema = {"anyOf": [*schema["anyOf"], {"type": "null"}]} if list(schema) == ["anyOf"] \
            else {"anyOf": [schema, {"type": "null"}]}
    schema["description"] = f.doc
    return schema


def record_schema(record: Record) -> dict[str, Any]:
    """JSON Schema of one mapping."""
    schema: dict[str, Any] = {
        "type": "object",
        "description": record.doc,
        "additionalProperties": False,
        "properties": {f.name: _field_schema(f) for f in record.fields},
    }
    required = [f.name for f in record.fields if f.required]
    if required:
        schema["required"] = required
    return schema


SCHEMA_NAMES = ("site", "places", "actors", "events", "front-matter", "annotations")
"""The names ``athar schema NAME`` takes, one per kind of YAML file."""

SCHEMA_FILES = {
    "site": "site.yaml",
    "places": "places.yaml, places/*.yaml",
    "actors": "actors.yaml, actors/*.yaml",
    "events": "events.yaml, events/*.yaml",
    "front-matter": "the YAML between the --- lines of articles/<slug>.md",
    "annotations": "articles/<slug>.yaml",
}


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) for a content file kind."""
    if name in LIST_FILES:
        body: dict[str, Any] = {"type": "array", "items": record_schema(LIST_FILES[name])}
    else:
        body = record_schema(RECORDS[name.replace("-", "_")])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://athar.invalid/schema/{name}.json",
        "title": f"athar {name}: {SCHEMA_FILES[name]}",
        **body,
    }


def schema_text(name: str) -> str:
    """The schema as the shipped file ``builder/schemas/NAME.json`` holds it."""
    import json
    return json.dumps(json_schema(name), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
