"""Dates at their precision: a year, a month, a day, or a range of those.

Researchers often know only "July 2017"; showing "1 July 2017" would be a
false claim.  A :class:`PartialDate` keeps exactly what was written and a
:class:`DateSpan` holds one date or a start/end range.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

_PARTIAL_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass(frozen=True, order=True, slots=True)
class PartialDate:
    """A Gregorian date known to the year, the month or the day."""

    year: int
    month: int = 0  # 0 = unknown
    day: int = 0  # 0 = unknown

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    @property
    def iso(self) -> str:
        """ISO 8601 at the date's own precision: 2017, 2017-07 or 2017-07-10."""
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def first_day(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> date:
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return date(self.year, month, day)


@dataclass(frozen=True, slots=True)
class DateSpan:
    """One partial date, or a range from ``start`` to ``end``."""

    start: PartialDate
    end: PartialDate | None = None

    @property
    def is_range(self) -> bool:
        return self.end is not None

    @property
    def precision(self) -> str:
        return self.start.precision

    @property
    def iso(self) -> str:
        """ISO 8601, a range written start/end."""
        return f"{self.start.iso}/{self.end.iso}" if self.end else self.start.iso

    @property
    def sort_key(self) -> tuple[int, int, int, int, int, int]:
        last = self.end or self.start
        return (self.start.year, self.start.month, self.start.day, last.year, last.month, last.day)

    def first_day(self) -> date:
        return self.start.first_day()

    def last_day(self) -> date:
        return (self.end or self.start).last_day()

    def same_as(self, other: "DateSpan") -> bool:
        return self.iso == other.iso


def parse_partial(value: Any) -> PartialDate | str:
    """Parse ``2017``, ``2017-07`` or ``2017-07-10``; return an error text if invalid."""
    if isinstance(value, bool) or value is None:
        return f"expected a date, found {value!r}"
    text = str(value).strip()
    match = _PARTIAL_RE.match(text)
    if not match:
        return f"{text!r} is not a date (expected YYYY, YYYY-MM or YYYY-MM-DD)"
    year, month, day = (int(g) if g else 0 for g in match.groups())
    if match.group(2) and not 1 <= month <= 12:
        return f"{text!r} has no month {month} (months are 01-12)"
    if match.group(3):
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            return f"{text!r} is not a real date ({calendar.month_name[month]} {year} has {last} days)"
    if year < 1:
        return f"{text!r} has no year"
    return PartialDate(year, month, day)


def parse_day(value: Any) -> date | str:
    """Parse a full ISO date ``YYYY-MM-DD``."""
    parsed = parse_partial(value)
    if isinstance(parsed, str):
        return parsed
    if not parsed.day:
        return f"{value!r} needs a day (YYYY-MM-DD)"
    return parsed.first_day()


def parse_span(value: Any) -> DateSpan | str:
    """Parse a partial date or a ``{start, end}`` mapping."""
    if isinstance(value, dict):
        unknown = set(value) - {"start", "end"}
        if unknown:
            return f"date range has unknown key(s) {', '.join(sorted(unknown))}; use start and end"
        if "start" not in value or "end" not in value:
            return "date range needs both start and end"
        start = parse_partial(value["start"])
        end = parse_partial(value["end"])
        if isinstance(start, str):
            return "start " + start
        if isinstance(end, str):
            return "end " + end
        if end.last_day() < start.first_day():
            return f"range ends ({end.iso}) before it starts ({start.iso})"
        return DateSpan(start, end)
    parsed = parse_partial(value)
    if isinstance(parsed, str):
        return parsed
    return DateSpan(parsed)
