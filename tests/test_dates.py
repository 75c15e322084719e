"""Dates keep their precision; invalid dates are explained."""

from datetime import date

import pytest

from builder.dates import DateSpan, PartialDate, parse_day, parse_partial, parse_span
from builder.fmt import Formatter
from builder.model import Settings


@pytest.mark.parametrize("text,precision,iso", [
    ("2017", "year", "2017"),
    ("2017-07", "month", "2017-07"),
    ("2017-07-10", "day", "2017-07-10"),
    (2017, "year", "2017"),
])
def test_partial_dates_keep_precision(text, precision, iso):
    parsed = parse_partial(text)
    assert isinstance(parsed, PartialDate)
    assert parsed.precision == precision
    assert parsed.iso == iso


@pytest.mark.parametrize("bad,words", [
    ("2017-02-30", "not a real date"),
    ("2017-13", "no month 13"),
    ("17-07-2017", "not a date"),
    ("tomorrow", "not a date"),
    (None, "expected a date"),
])
def test_invalid_dates_say_why(bad, words):
    assert words in parse_partial(bad)


def test_leap_day():
    assert parse_day("2016-02-29") == date(2016, 2, 29)
    assert "not a real date" in parse_partial("2017-02-29")


def test_range_and_its_order():
    span = parse_span({"start": "2017-08-20", "end": "2017-08-31"})
    assert isinstance(span, DateSpan) and span.is_range
    assert span.iso == "2017-08-20/2017-08-31"
    assert "before it starts" in parse_span({"start": "2017-09", "end": "2017-08"})
    assert "both start and end" in parse_span({"start": "2017"})


def test_year_sorts_before_its_months():
    keys = sorted([parse_span("2017-07"), parse_span("2017"), parse_span("2016-12-31")], key=lambda s: s.sort_key)
    assert [k.iso for k in keys] == ["2016-12-31", "2017", "2017-07"]


@pytest.mark.parametrize("style,value,expected", [
    ("both", "2017-07", "تموز/يوليو 2017"),
    ("levantine", "2017-07-10", "10 تموز 2017"),
    ("egyptian", "2017-07-10", "10 يوليو 2017"),
    ("both", "2017", "2017"),
])
def test_arabic_dates_never_more_precise_than_known(style, value, expected):
    fmt = Formatter(Settings(title="t", month_names=style))
    assert fmt.date(parse_span(value)) == expected


def test_range_in_one_year_names_the_year_once():
    fmt = Formatter(Settings(title="t", month_names="levantine"))
    assert fmt.date(parse_span({"start": "2017-08-20", "end": "2017-08-31"})) == "20–31 آب 2017"
    assert fmt.date(parse_span({"start": "2017-07-20", "end": "2017-08-31"})) == "20 تموز – 31 آب 2017"
