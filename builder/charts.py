"""Visual overviews drawn at build time: the events timeline and the places map.

Both are plain geometry computed here and drawn as inline SVG by the
templates ``_timeline_svg.html`` and ``_map_svg.html``: no script is needed
to see them.  They read right to left like the pages around them: on the
timeline the earliest year is at the right; on the map Arabic labels start
at their dot and run leftwards (west), and move to the east side only when
there is no room.  Each is a picture with a title and a description; the
lists that follow them on the page are the full text alternative.

The timeline draws each event over the whole stretch its date allows: a
day is a dot, a month or a year a bar of that length (lighter the vaguer
it is), so a vague date never looks precise.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Callable

from builder.model import Corpus, Event, Place
from builder.timeline import Timeline

# ----------------------------------------------------------------- timeline

TL_WIDTH = 1000
TL_RIGHT, TL_LEFT = 980, 20  # time runs from right to left
TL_AXIS_Y = 40
TL_LANE = 26
TL_LABEL_WIDTH = 56  # room a year label needs; narrower years are labelled every few years
TL_GAP_DAYS_FRACTION = 0.012  # marks closer than this share of the span go to another lane
OPACITY = {"day": 0.95, "month": 0.6, "year": 0.3}


@dataclass(frozen=True)
class YearTick:
    year: int
    x: float  # where the year starts (its right edge)
    label_x: float  # the middle of the year's band
    width: float
    labelled: bool = True  # False when years are too narrow to label each one


@dataclass(frozen=True)
class TimelineMark:
    event: Event
    x: float  # left edge
    width: float  # 0 for a dot
    cx: float  # centre, for dots
    y: float  # lane centre
    opacity: float

    @property
    def is_dot(self) -> bool:
        return self.width == 0


@dataclass(frozen=True)
class TimelineChart:
    width: int
    height: int
    axis_y: int
    ticks: tuple[YearTick, ...]
    marks: tuple[TimelineMark, ...]
    first_year: int
    last_year: int


def timeline_chart(timeline: Timeline) -> TimelineChart | None:
    """Years along the axis right to left; one mark per event, in lanes so none overlap."""
    if not timeline.entries:
        return None
    events = [e.event for e in timeline.entries]
    first = min(e.date.first_day() for e in events).year
    last = max(e.date.last_day() for e in events).year
    start, end = date(first, 1, 1), date(last + 1, 1, 1)
    total = (end - start).days
    scale = (TL_RIGHT - TL_LEFT) / total

    def x(day: date) -> float:
        return TL_RIGHT - (day - start).days * scale

    every = math.ceil(TL_LABEL_WIDTH / ((TL_RIGHT - TL_LEFT) / (last - first + 1)))
    ticks = tuple(
        YearTick(y, _r(x(date(y, 1, 1))), _r((x(date(y, 1, 1)) + x(date(y + 1, 1, 1))) / 2),
                 _r(x(date(y, 1, 1)) - x(date(y + 1, 1, 1))), (y - first) % every == 0)
        for y in range(first, last + 1)
    )
    lanes: list[int] = []  # per lane: last day ordinal used
    gap = max(1, round(total * TL_GAP_DAYS_FRACTION))
    marks = []
    for ev in events:
        lo, hi = ev.date.first_day(), ev.date.last_day()
        lane = next((i for i, used in enumerate(lanes) if used + gap < lo.toordinal()), len(lanes))
        if lane == len(lanes):
            lanes.append(0)
        lanes[lane] = hi.toordinal()
        y = TL_AXIS_Y + 24 + lane * TL_LANE
        dot = ev.date.precision == "day" and not ev.date.is_range
        right, left = x(lo), x(date.fromordinal(hi.toordinal() + 1))
        width = 0.0 if dot else max(3.0, right - left)
        marks.append(TimelineMark(ev, _r(left if not dot else right), _r(width), _r(right), y,
                                  OPACITY[_vaguest(ev)]))
    height = TL_AXIS_Y + 24 + len(lanes) * TL_LANE + 10
    return TimelineChart(TL_WIDTH, height, TL_AXIS_Y, ticks, tuple(marks), first, last)


def _vaguest(ev: Event) -> str:
    order = ("day", "month", "year")
    ends = [ev.date.start] + ([ev.date.end] if ev.date.end else [])
    return max((d.precision for d in ends), key=order.index)


# ---------------------------------------------------------------------- map

MAP_WIDTH = 1000
MAP_MIN_SPAN = 4.0  # degrees of latitude shown at least, for context
MAP_PAD = 0.2
LABEL_SIZE = 22
OUTLINES = "static/data/country-outlines.json"
Box = tuple[float, float, float, float]  # west/left, south/top, east/right, north/bottom


@dataclass(frozen=True)
class MapPoint:
    place: Place
    x: float
    y: float
    label_x: float | None  # None: no room for a label (the list below names it)
    label_anchor: str  # "start" (label west of the dot, RTL) or "end" (east)


@dataclass(frozen=True)
class MapChart:
    width: int
    height: int
    outlines: tuple[str, ...]  # SVG path data, one per country
    points: tuple[MapPoint, ...]
    label_size: int
    bbox: tuple[float, float, float, float]  # west, south, east, north shown
    outline_source: str


def map_chart(corpus: Corpus, outline_file: Path | None, counts: dict[str, int]) -> MapChart | None:
    """Every place with coordinates as a dot over country outlines (equirectangular)."""
    located = [(p, p.lon, p.lat) for p in corpus.places.values() if p.lat is not None and p.lon is not None]
    if not located:
        return None
    west, south, east, north, height = _frame([(lon, lat) for _, lon, lat in located])
    kx = MAP_WIDTH / (east - west)
    ky = height / (north - south)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * kx, (north - lat) * ky

    source, countries = _outlines(outline_file)
    paths = tuple(p for p in (_path(rings, (west, south, east, north), project) for rings in countries) if p)
    order = sorted(located, key=lambda t: (-counts.get(t[0].id, 0), t[0].name, t[0].id))
    dots = [project(lon, lat) for _, lon, lat in order]
    placed: list[Box] = []
    points = []
    for (place, _, _), (x, y) in zip(order, dots):
        label_x, anchor = _label(place.name, x, y, placed, dots)
        points.append(MapPoint(place, _r(x), _r(y), label_x, anchor))
    points.sort(key=lambda p: p.place.id)
    return MapChart(MAP_WIDTH, round(height), paths, tuple(points), LABEL_SIZE,
                    (_r(west), _r(south), _r(east), _r(north)), source)


def _frame(coords: list[tuple[float, float]]) -> tuple[float, float, float, float, float]:
    """The lon/lat box to show and the picture's height, keeping shapes true at mid-latitude."""
    lons = [lon for lon, _ in coords]
    lats = [lat for _, lat in coords]
    mid = (min(lats) + max(lats)) / 2
    k = math.cos(math.radians(mid))
    lat_span = max(MAP_MIN_SPAN, (max(lats) - min(lats)) * (1 + 2 * MAP_PAD))
    lon_span = max(lat_span / k * 0.6, (max(lons) - min(lons)) * (1 + 2 * MAP_PAD))
    height = MAP_WIDTH * lat_span / (lon_span * k)
    if height > MAP_WIDTH * 0.9:  # too tall: widen
        lon_span = lat_span / (0.9 * k)
        height = MAP_WIDTH * 0.9
    elif height < MAP_WIDTH * 0.5:  # too flat: show more north and south
        lat_span = lon_span * k * 0.5
        height = MAP_WIDTH * 0.5
    cx = (min(lons) + max(lons)) / 2
    return cx - lon_span / 2, mid - lat_span / 2, cx + lon_span / 2, mid + lat_span / 2, height


@lru_cache(maxsize=4)
def _outlines(path: Path | None) -> tuple[str, tuple[tuple[tuple[float, ...], ...], ...]]:
    if path is None or not path.is_file():
        return "", ()
    data = json.loads(path.read_text(encoding="utf-8"))
    return data.get("source", ""), tuple(tuple(tuple(r) for r in c["rings"]) for c in data["countries"])


def _path(rings: tuple[tuple[float, ...], ...], box: Box, project: Callable[[float, float], tuple[float, float]]) -> str:
    """SVG path data of a country's rings that touch the box; nearby points merged."""
    west, south, east, north = box
    parts = []
    for ring in rings:
        lons, lats = ring[0::2], ring[1::2]
        if max(lons) < west or min(lons) > east or max(lats) < south or min(lats) > north:
            continue
        cmds = []
        last = None
        for lon, lat in zip(lons, lats):
            x, y = project(lon, lat)
            p = (round(x), round(y))
            if p != last:
                cmds.append(f"{p[0]} {p[1]}")
                last = p
        if len(cmds) >= 3:
            parts.append("M" + "L".join(cmds) + "Z")
    return "".join(parts)


def _label(name: str, x: float, y: float, placed: list[Box], dots: list[tuple[float, float]]) -> tuple[float | None, str]:
    """Put a label west of its dot (RTL reading), else east, else none."""
    width = LABEL_SIZE * 0.5 * len(name) + 4
    half = LABEL_SIZE * 0.6
    for anchor, left in (("start", x - 10 - width), ("end", x + 10)):
        box = (left, y - half, left + width, y + half)
        inside = box[0] >= 0 and box[2] <= MAP_WIDTH
        clear = not any(_overlap(box, b) for b in placed)
        clear = clear and not any(box[0] - 4 <= dx <= box[2] + 4 and box[1] - 4 <= dy <= box[3] + 4
                                  for dx, dy in dots if (dx, dy) != (x, y))
        if inside and clear:
            placed.append(box)
            return _r(x - 10 if anchor == "start" else x + 10), anchor
    return None, "start"


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _r(v: float) -> float:
    """Round for the SVG: one decimal is finer than a pixel."""
    return round(v, 1)
