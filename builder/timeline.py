"""Stage 3b, the event timeline: every event in date order, grouped for reading.

Events are ordered by their start (a year-precision date sorts before the
months of that year), then by id.  Each event carries the articles that
report it and the dates those articles claim, so a disagreement between a
source and the documented date is visible on the index.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import cached_property
from typing import Iterable, Iterator
from dataclasses import dataclass

from builder.arabic import sort_key
from builder.dates import DateSpan
from builder.model import Corpus, Event
from builder.schema import EVENT_TYPES


@dataclass(frozen=True, slots=True)
class Report:
    """One article's report of an event."""

    slug: str
    claimed_date: DateSpan | None
    differs: bool  # the article's claimed date is not the documented one
    anchor: str = ""  # the id of the report's quote marker in the article's page (see quote_anchor)


@dataclass(frozen=True, slots=True)
class Entry:
    """An event on the timeline with the articles that report it."""

    event: Event
    reports: tuple[Report, ...]

    @property
    def years(self) -> tuple[int, ...]:
        """Every year the event's dates touch: a 2016-2017 battle is found under both."""
        return tuple(range(self.event.date.start.year, self.event.date.last_day().year + 1))


@dataclass(frozen=True)
class MonthGroup:
    month: int  # 0 when only the year is known
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class YearGroup:
    year: int
    months: tuple[MonthGroup, ...]


@dataclass(frozen=True)
class Facets:
    """What the event index can be filtered by: only values some event has."""

    years: tuple[int, ...] = ()
    types: tuple[str, ...] = ()  # in the vocabulary's order
    places: tuple[str, ...] = ()  # ids, in Arabic alphabetical order of their names
    actors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Timeline:
    """All events in order, grouped by year then month."""

    entries: tuple[Entry, ...]
    years: tuple[YearGroup, ...]
    by_event: dict[str, Entry]
    facets: Facets = Facets()

    @cached_property
    def span(self) -> tuple[DateSpan, DateSpan] | None:
        """The first and last event dates, for the home page (computed once per timeline)."""
        if not self.entries:
            return None
        return self.entries[0].event.date, max((e.event.date for e in self.entries), key=lambda d: d.last_day())


def build_timeline(corpus: Corpus) -> Timeline:
    """Order and group the corpus's events."""
    reports: dict[str, list[Report]] = defaultdict(list)
    for article in sorted(corpus.articles.values(), key=lambda a: (a.date, a.slug)):
        for event_id, claimed, nth in numbered_claims(article.claims):
            differs = claim_differs(claimed, corpus.events[event_id].date)
            reports[event_id].append(Report(article.slug, claimed, differs, quote_anchor(event_id, nth)))
    ordered = sorted(corpus.events.values(), key=lambda e: (e.date.sort_key, e.id))
    entries = tuple(Entry(e, tuple(_unique_reports(reports.get(e.id, [])))) for e in ordered)
    years: dict[int, dict[int, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        start = entry.event.date.start
        years[start.year][start.month].append(entry)
    groups = tuple(
        YearGroup(year, tuple(MonthGroup(m, tuple(es)) for m, es in sorted(months.items())))
        for year, months in sorted(years.items())
    )
    return Timeline(entries, groups, {e.event.id: e for e in entries}, _facets(entries, corpus))


def _facets(entries: tuple[Entry, ...], corpus: Corpus) -> Facets:
    """The filter options of the event index, sorted for readers."""
    types = {e.event.type for e in entries if e.event.type}
    places = {p for e in entries for p in e.event.places}
    actors = {a for e in entries for a in e.event.actors}
    return Facets(
        years=tuple(sorted({y for e in entries for y in e.years})),
        types=tuple(t for t in EVENT_TYPES if t in types) + tuple(sorted(types - set(EVENT_TYPES))),
        places=tuple(sorted(places, key=lambda i: (sort_key(corpus.places[i].name), i))),
        actors=tuple(sorted(actors, key=lambda i: (sort_key(corpus.actors[i].name), i))),
    )


def _unique_reports(reports: list[Report]) -> list[Report]:
    seen = set()
    out = []
    for r in reports:
        key = (r.slug, r.claimed_date.iso if r.claimed_date else None)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def claim_differs(claimed: DateSpan | None, documented: DateSpan) -> bool:
    """Whether an article's date for an event disagrees with the record.

    A claim agrees when it lies within the documented dates at its own
    precision: "July 2017" agrees with 10 July 2017.
    """
    return claimed is not None and not (claimed.first_day() <= documented.last_day()
                                        and claimed.last_day() >= documented.first_day())


def numbered_claims(claims: Iterable[tuple[str, DateSpan | None]]) -> Iterator[tuple[str, DateSpan | None, int]]:
    """Each of an article's event reports with how many times its event was reported so far (1 for the first)."""
    seen: Counter[str] = Counter()
    for event_id, claimed in claims:
        seen[event_id] += 1
        yield event_id, claimed, seen[event_id]


def quote_anchor(event_id: str, nth: int) -> str:
    """The id of an event report's marker in its article's page: the nth report of that event there.

    An article may quote one event several times (a battle told twice,
    with two dates); each quote needs an id of its own. The first keeps
    ``q-ev-ID``; the others are ``q-ev2-ID``, ``q-ev3-ID``, ..., which no
    first quote's id can be ("q-ev-" and "q-ev2" differ at the fifth
    character).
    """
    return f"q-ev-{event_id}" if nth == 1 else f"q-ev{nth}-{event_id}"
