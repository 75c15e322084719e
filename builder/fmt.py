"""Formatting values for display: dates at their precision, numbers, names.

Used as Jinja filters; they format what the model holds and compute
nothing else, so templates stay free of logic.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from builder.arabic import digits, month_name
from builder.dates import DateSpan, PartialDate
from builder.model import Settings


class Formatter:
    """Date and number formatting bound to one site's settings."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def num(self, value: Any) -> str:
        """A number in the site's numerals."""
        return digits(value, self.settings.numerals)

    def partial(self, value: PartialDate, with_year: bool = True) -> str:
        style = self.settings.month_names
        parts = []
        if value.day:
            parts.append(self.num(value.day))
        if value.month:
            parts.append(month_name(value.month, style))
        if with_year:
            parts.append(self.num(value.year))
        return " ".join(parts)

    def date(self, value: Any) -> str:
        """A date, month, year or range in Arabic, never more precise than known."""
        if value is None:
            return ""
        if isinstance(value, DateSpan):
            if value.end is None:
                return self.partial(value.start)
            same_year = value.start.year == value.end.year
            return f"{self.partial(value.start, with_year=not same_year)} – {self.partial(value.end)}"
        if isinstance(value, PartialDate):
            return self.partial(value)
        if isinstance(value, date):
            return self.partial(PartialDate(value.year, value.month, value.day))
        return str(value)

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
        return {"adate": self.date, "num": self.num, "month": self.month, "iso": self.iso}
