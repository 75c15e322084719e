"""The SVG overviews' geometry: the timeline reads right to left, the map keeps north up and east right."""

from __future__ import annotations

import json
from pathlib import Path

from builder.charts import MAP_WIDTH, TL_LEFT, TL_RIGHT, map_chart, timeline_chart
from builder.indexes import build_indexes
from helpers_corpus import corpus_from
from test_publish import FILES
from tools import REPO

OUTLINES = REPO / "templates" / "static" / "data" / "country-outlines.json"


def _corpus(tmp_path: Path, **overrides: str):
    corpus, problems = corpus_from(tmp_path, {**FILES, **overrides})
    assert not problems.errors, [d.format() for d in problems.errors]
    return corpus, build_indexes(corpus)


def test_timeline_runs_right_to_left_by_year(tmp_path: Path) -> None:
    corpus, indexes = _corpus(tmp_path)
    chart = timeline_chart(indexes.timeline)
    assert chart is not None
    assert [t.year for t in chart.ticks] == [2014, 2015, 2016, 2017]
    xs = [t.x for t in chart.ticks]
    assert xs == sorted(xs, reverse=True), "later years lie further left"
    assert xs[0] == TL_RIGHT
    assert chart.ticks[-1].x - chart.ticks[-1].width == TL_LEFT


def test_timeline_marks_show_each_date_at_its_precision(tmp_path: Path) -> None:
    corpus, indexes = _corpus(tmp_path)
    chart = timeline_chart(indexes.timeline)
    marks = {m.event.id: m for m in chart.marks}
    assert marks["mosul-2017"].is_dot, "a known day is a dot"
    year = marks["caliphate-2014"]
    assert not year.is_dot and abs(year.width - chart.ticks[0].width) < 1, "a year-precision event spans its year"
    assert year.opacity < marks["raqqa-2017"].opacity < marks["mosul-2017"].opacity, "vaguer is lighter"
    raqqa = marks["raqqa-2017"]
    assert raqqa.x < raqqa.cx, "a range extends leftwards from its start"
    assert raqqa.y != marks["mosul-2017"].y, "overlapping dates go to separate lanes"


def test_a_long_timeline_labels_every_few_years(tmp_path: Path) -> None:
    events = "".join(f"- id: e{y}\n  title: حدث {y}\n  date: {y}\n" for y in range(1950, 2021, 10))
    corpus, indexes = _corpus(tmp_path, **{"events.yaml": events, "articles/one.yaml": "{}\n", "articles/two.yaml": "{}\n"})
    chart = timeline_chart(indexes.timeline)
    labelled = [t.year for t in chart.ticks if t.labelled]
    assert len(chart.ticks) == 71 and labelled[0] == 1950
    gaps = {b - a for a, b in zip(labelled, labelled[1:])}
    assert len(gaps) == 1 and gaps.pop() * chart.ticks[0].width >= 50, "labels never crowd each other"


def test_no_events_no_timeline(tmp_path: Path) -> None:
    corpus, indexes = _corpus(tmp_path, **{"events.yaml": "[]\n", "articles/one.yaml": "{}\n", "articles/two.yaml": "{}\n"})
    assert timeline_chart(indexes.timeline) is None


def test_map_keeps_north_up_and_east_to_the_right(tmp_path: Path) -> None:
    corpus, indexes = _corpus(tmp_path)
    chart = map_chart(corpus, OUTLINES, {})
    assert chart is not None
    points = {p.place.id: p for p in chart.points}
    assert set(points) == {"mosul", "raqqa"}, "places without coordinates are not drawn"
    mosul, raqqa = points["mosul"], points["raqqa"]
    assert mosul.x > raqqa.x, "Mosul (43.1 E) is east of Raqqa (39.0 E)"
    assert mosul.y < raqqa.y, "Mosul (36.3 N) is north of Raqqa (36.0 N)"
    for p in chart.points:
        assert 0 <= p.x <= chart.width and 0 <= p.y <= chart.height
    west, south, east, north = chart.bbox
    assert west < 39.01 < 43.13 < east and south < 35.95 < 36.34 < north


def test_map_labels_read_from_their_dot_westwards_when_there_is_room(tmp_path: Path) -> None:
    corpus, indexes = _corpus(tmp_path)
    chart = map_chart(corpus, OUTLINES, {})
    for p in chart.points:
        assert p.label_x is not None
        if p.label_anchor == "start":  # RTL start: the label's right edge, west of the dot
            assert p.label_x < p.x
        else:
            assert p.label_x > p.x


def test_map_draws_the_country_outlines_around_the_places(tmp_path: Path) -> None:
    corpus, indexes = _corpus(tmp_path)
    chart = map_chart(corpus, OUTLINES, {})
    assert len(chart.outlines) >= 2, "at least Iraq and Syria"
    assert all(d.startswith("M") and d.endswith("Z") for d in chart.outlines)
    assert "Natural Earth" in chart.outline_source
    assert map_chart(corpus, None, {}).outlines == (), "without the outline file the dots are still drawn"


def test_outline_file_is_small_sorted_lon_lat_data_with_its_source() -> None:
    data = json.loads(OUTLINES.read_text(encoding="utf-8"))
    assert "Natural Earth" in data["source"] and "public domain" in data["source"]
    names = {c["name"] for c in data["countries"]}
    assert {"Iraq", "Syria", "Egypt", "Libya", "Saudi Arabia"} <= names
    west, south, east, north = data["bbox"]
    for country in data["countries"]:
        for ring in country["rings"]:
            assert len(ring) % 2 == 0 and len(ring) >= 6
            assert all(west <= x <= east for x in ring[0::2]) and all(south <= y <= north for y in ring[1::2])
    assert OUTLINES.stat().st_size < 150_000


def test_no_coordinates_no_map(tmp_path: Path) -> None:
    corpus, indexes = _corpus(tmp_path, **{"places.yaml": "- id: mosul\n  name: الموصل\n- id: raqqa\n  name: الرقة\n"
                                                          "- id: iraq\n  name: العراق\n"})
    assert map_chart(corpus, OUTLINES, {}) is None
    assert MAP_WIDTH == 1000
