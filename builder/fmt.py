"""Formatting values for display: dates at their precision, numbers, names.

Used as Jinja filters (``adate``, ``hijri``, ``num``, ``month``, ``iso``)
and by the publishing outputs; they format what the model holds and compute
nothing else, so templates stay free of logic.

* Numbers the site writes (dates, counts, note numbers) follow
  ``numerals`` in site.yaml: ``arab`` ٠١٢٣ (with the Arabic decimal
  separator ٫) or ``latn`` 0123.  An article's own text is never touched.
* Month names follow ``month_names``: ``levantine`` تموز, ``egyptian``
  يوليو or ``both`` تموز/يوليو.
* A date never shows more than is known: a month-precision date has no
  day, a year-precision one no month.
* With ``hijri: true``, a date also shows its Hijri date in the Umm
  al-Qura calendar (``hijridate``), in parentheses: a day as a day
  (16 شوال 1438 هـ), a month as the Hijri month or months it overlaps
  (شوال–ذو القعدة 1438 هـ), and so does a range with an end known only
  to the month (16 January – April 2013).  A year, or a range with an end
  known only to the year, has no Hijri form: it would claim a precision
  the source does not have.
  Dates outside the tables (before 1924 or after 2077) show none.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hijridate import Gregorian

from builder.arabic import digits, hijri_month_name, month_name
from builder.dates import DateSpan, PartialDate
from builder.model import Settings

HIJRI_ERA = "هـ"
ARABIC_DECIMAL = "٫"


def to_hijri(day: date) -> tuple[int, int, int] | None:
    """(year, month, day) in the Umm al-Qura calendar, or None outside its tables."""
    try:
        h = Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError):
        return None
    return h.year, h.month, h.day


class Formatter:
    """Date and number formatting bound to one site's settings."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._dates: dict[Any, str] = {}  # a corpus has few distinct dates and shows each on many pages

    # ------------------------------------------------------------ numbers

    def num(self, value: Any) -> str:
        """A number in the site's numerals (floats with the Arabic decimal separator)."""
        text = str(value)
        if self.settings.numerals == "arab" and isinstance(value, float):
            text = text.replace(".", ARABIC_DECIMAL)
        return digits(text, self.settings.numerals)

    # ------------------------------------------------------------ Gregorian

    def partial(self, value: PartialDate, with_year: bool = True, with_month: bool = True) -> str:
        """A partial date: only the parts that are known (and asked for)."""
        parts = []
        if value.day:
            parts.append(self.num(value.day))
        if value.month and with_month:
            parts.append(month_name(value.month, self.settings.month_names))
        if with_year:
            parts.append(self.num(value.year))
        return " ".join(parts)

    def gregorian(self, value: Any) -> str:
        """A date, month, year or range in Arabic, never more precise than known."""
        if value is None:
            return ""
        if isinstance(value, DateSpan):
            return self._span(value)
        if isinstance(value, PartialDate):
            return self.partial(value)
        if isinstance(value, date):
            return self.partial(PartialDate(value.year, value.month, value.day))
        return str(value)

    def _span(self, value: DateSpan) -> str:
        start, end = value.start, value.end
        if end is None:
            return self.partial(start)
        if start.year != end.year or not start.month:
            return f"{self.partial(start)} – {self.partial(end)}"
        if start.month and start.month == end.month and start.day and end.day:
            return f"{self.num(start.day)}–{self.partial(end)}"  # 20–31 آب/أغسطس 2017
        return f"{self.partial(start, with_year=False)} – {self.partial(end)}"

    # ------------------------------------------------------------ Hijri

    def hijri(self, value: Any) -> str:
        """The Hijri form of a date ('' when off, not precise enough, or out of range)."""
        if not self.settings.hijri or value is None:
            return ""
        if isinstance(value, date):
            value = PartialDate(value.year, value.month, value.day)
        if isinstance(value, PartialDate):
            value = DateSpan(value)
        if not isinstance(value, DateSpan):
            return ""
        start, end = value.start, value.end
        if end is None:
            if start.day:
                return self._hijri_days(start.first_day(), None)
            if start.month:
                return self._hijri_months(start.first_day(), start.last_day())
            return ""
        if start.day and end.day:
            return self._hijri_days(start.first_day(), end.first_day())
        if start.month and end.month:  # a day to a month, or months: the Hijri months it overlaps
            return self._hijri_months(start.first_day(), end.last_day())
        return ""

    def _hijri_day(self, h: tuple[int, int, int], with_year: bool = True) -> str:
        text = f"{self.num(h[2])} {hijri_month_name(h[1])}"
        return f"{text} {self.num(h[0])}" if with_year else text

    def _hijri_days(self, first: date, last: date | None) -> str:
        a = to_hijri(first)
        b = to_hijri(last) if last else None
        if a is None or (last is not None and b is None):
            return ""
        if b is None:
            return f"{self._hijri_day(a)} {HIJRI_ERA}"
        if a[0] == b[0]:
            return f"{self._hijri_day(a, with_year=False)} – {self._hijri_day(b)} {HIJRI_ERA}"
        return f"{self._hijri_day(a)} – {self._hijri_day(b)} {HIJRI_ERA}"

    def _hijri_months(self, first: date, last: date) -> str:
        a, b = to_hijri(first), to_hijri(last)
        if a is None or b is None:
            return ""
        if (a[0], a[1]) == (b[0], b[1]):
            return f"{hijri_month_name(a[1])} {self.num(a[0])} {HIJRI_ERA}"
        if a[0] == b[0]:
            return f"{hijri_month_name(a[1])}–{hijri_month_name(b[1])} {self.num(a[0])} {HIJRI_ERA}"
        return f"{hijri_month_name(a[1])} {self.num(a[0])} – {hijri_month_name(b[1])} {self.num(b[0])} {HIJRI_ERA}"

    # ------------------------------------------------------------ together

    def date(self, value: Any) -> str:
        """The Gregorian date, followed by its Hijri form in parentheses when the site shows it."""
        key = (type(value), value)
        try:
            shown = self._dates.get(key)
        except TypeError:  # not hashable: not one of the date types, shown as it is
            shown, key = None, None
        if shown is None:
            text = self.gregorian(value)
            hijri = self.hijri(value)
            shown = f"{text} ({hijri})" if hijri else text
            if key is not None:
                self._dates[key] = shown
        return shown

    def month(self, month: int) -> str:
        return month_name(month, self.settings.month_names) if month else ""

    @staticmethod
    def iso(value: Any) -> str:
        """Machine-readable date for <time datetime>, at the value's precision."""
        if isinstance(value, DateSpan):
            return value.start.iso
        if isinstance(value, PartialDate):
            return value.iso
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def filters(self) -> dict[str, Any]:
        return {"adate": self.date, "hijri": self.hijri, "num": self.num, "month": self.month, "iso": self.iso}
