"""Dates and numbers as the site writes them (builder/fmt.py): numerals,
month names, precision, Hijri dates; and on built pages."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from builder.dates import parse_span
from builder.fmt import Formatter, to_hijri
from builder.model import Settings
from fixtures_site import MINIMAL, athar, write_content


def fmt(**settings: object) -> Formatter:
    return Formatter(Settings("t", **settings))  # type: ignore[arg-type]


@pytest.mark.parametrize("style, expected", [
    ("levantine", "10 تموز 2017"), ("egyptian", "10 يوليو 2017"), ("both", "10 تموز/يوليو 2017"),
])
def test_month_names_follow_the_site(style: str, expected: str) -> None:
    assert fmt(month_names=style).date(parse_span("2017-07-10")) == expected


def test_arab_numerals_write_every_digit_in_arabic_indic() -> None:
    f = fmt(numerals="arab")
    assert f.date(parse_span("2017-07-10")) == "١٠ تموز/يوليو ٢٠١٧"
    assert f.num(2017) == "٢٠١٧"
    assert f.num(36.34) == "٣٦٫٣٤"  # with the Arabic decimal separator
    assert not re.search("[0-9]", f.date(parse_span({"start": "2016-10-17", "end": "2017-07-20"})))


def test_latn_numerals_write_ascii_digits() -> None:
    f = fmt(numerals="latn")
    assert f.num(2017) == "2017" and f.num(36.34) == "36.34"


@pytest.mark.parametrize("value, expected", [
    ("2017", "2017"),
    ("2017-07", "تموز/يوليو 2017"),
    ("2017-07-10", "10 تموز/يوليو 2017"),
    ({"start": "2017-08-20", "end": "2017-08-31"}, "20–31 آب/أغسطس 2017"),
    ({"start": "2017-01-17", "end": "2017-06-08"}, "17 كانون الثاني/يناير – 8 حزيران/يونيو 2017"),
    ({"start": "2016-10-17", "end": "2017-07-20"}, "17 تشرين الأول/أكتوبر 2016 – 20 تموز/يوليو 2017"),
    ({"start": "2017", "end": "2018-03"}, "2017 – آذار/مارس 2018"),
    ({"start": "2017-07", "end": "2017-09"}, "تموز/يوليو – أيلول/سبتمبر 2017"),
])
def test_precision_is_respected(value: object, expected: str) -> None:
    assert fmt().date(parse_span(value)) == expected


def test_a_month_precision_date_never_shows_a_day() -> None:
    text = fmt(numerals="latn").date(parse_span("2017-07"))
    assert not re.search(r"\b1\b", text)


def test_plain_dates_are_days() -> None:
    assert fmt(month_names="egyptian").date(date(2017, 11, 17)) == "17 نوفمبر 2017"


# ------------------------------------------------------------ Hijri

def test_umm_al_qura_conversion() -> None:
    assert to_hijri(date(2017, 7, 10)) == (1438, 10, 16)  # the day after Eid al-Fitr 1438 + 15
    assert to_hijri(date(2017, 6, 25)) == (1438, 10, 1)  # Eid al-Fitr 1438
    assert to_hijri(date(1900, 1, 1)) is None  # before the Umm al-Qura tables


def test_hijri_is_off_by_default() -> None:
    assert fmt().date(parse_span("2017-07-10")) == "10 تموز/يوليو 2017"
    assert fmt().hijri(parse_span("2017-07-10")) == ""


def test_hijri_beside_a_day() -> None:
    f = fmt(hijri=True)
    assert f.date(parse_span("2017-07-10")) == "10 تموز/يوليو 2017 (16 شوال 1438 هـ)"
    assert fmt(hijri=True, numerals="arab").hijri(parse_span("2017-07-10")) == "١٦ شوال ١٤٣٨ هـ"


def test_hijri_beside_a_month_names_the_months_it_overlaps() -> None:
    f = fmt(hijri=True)
    assert f.hijri(parse_span("2017-07")) == "شوال–ذو القعدة 1438 هـ"
    assert f.hijri(parse_span("2017-09")) == "ذو الحجة 1438 – محرم 1439 هـ"


def test_no_hijri_for_a_year_or_a_range_known_to_the_year() -> None:
    f = fmt(hijri=True)
    assert f.date(parse_span("2017")) == "2017"
    assert f.hijri(parse_span({"start": "2017-07-10", "end": "2018"})) == ""


def test_a_range_known_to_the_month_names_the_hijri_months_it_overlaps() -> None:
    f = fmt(hijri=True)
    assert f.hijri(parse_span({"start": "2017-07", "end": "2017-08-31"})) == "شوال–ذو الحجة 1438 هـ"
    assert f.hijri(parse_span({"start": "2013-01-16", "end": "2013-04"})) == "ربيع الأول–جمادى الآخرة 1434 هـ"


def test_hijri_beside_a_range_of_days() -> None:
    f = fmt(hijri=True)
    assert f.hijri(parse_span({"start": "2017-08-20", "end": "2017-08-31"})) == "28 ذو القعدة – 9 ذو الحجة 1438 هـ"
    assert f.hijri(parse_span({"start": "2016-10-17", "end": "2017-07-20"})) == "16 محرم – 26 شوال 1438 هـ"
    assert f.hijri(parse_span({"start": "2017-08-20", "end": "2017-10-01"})) == "28 ذو القعدة 1438 – 11 محرم 1439 هـ"


def test_hijri_out_of_range_is_left_out() -> None:
    assert fmt(hijri=True).date(parse_span("1900-01-01")) == "1 كانون الثاني/يناير 1900"


# ------------------------------------------------------------ on the built site

def test_built_pages_follow_numerals_months_and_hijri(tmp_path: Path) -> None:
    site = "title: موقع\nnumerals: arab\nmonth_names: egyptian\nhijri: true\n"
    root = write_content(tmp_path / "content", {**MINIMAL, "site.yaml": site})
    out = tmp_path / "site"
    done = athar("build", "--content", str(root), "--output", str(out))
    assert done.returncode == 0, done.stderr
    event = (out / "events" / "mosul-2017" / "index.html").read_text(encoding="utf-8")
    assert "١٠ يوليو ٢٠١٧ (١٦ شوال ١٤٣٨ هـ)" in event
    assert "تموز" not in event
    article = (out / "articles" / "one" / "index.html").read_text(encoding="utf-8")
    assert "١١ يوليو ٢٠١٧" in article
    assert 'datetime="2017-07-11"' in article  # machine-readable dates stay ISO
