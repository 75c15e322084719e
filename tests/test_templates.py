"""The default templates, stylesheet and page script, checked without a browser.

The stylesheet must lay out right-to-left and left-to-right sites alike, so
it may only use logical properties; pages must carry the data their script
shows (annotation data, filter options) and isolate Latin text; article
pages link to the previous and next article by date.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from builder.build import Options, build
from fixtures_site import MINIMAL, write_content
from tools import REPO

TEMPLATES = REPO / "templates"
STATIC = TEMPLATES / "static"

_PHYSICAL = [
    (re.compile(r"(?<![\w-])(margin|padding|border|inset|scroll-margin|scroll-padding)-(left|right|top|bottom)\b(?!-(left|right)-radius)"),
     "use the -inline-start/-end or -block-start/-end form"),
    (re.compile(r"(?<![\w-])border-(top|bottom)-(left|right)-radius\b"), "use border-start-start-radius etc."),
    (re.compile(r"(?<![\w-])(left|right|top|bottom)\s*:"), "use inset-inline-start/-end or inset-block-start/-end"),
    (re.compile(r"(?<![\w-])(text-align|float|clear|caption-side)\s*:\s*(left|right)\b"), "use start/end"),
    (re.compile(r"(?<![\w-])(overflow-x|overflow-y)\s*:"), "use overflow (or overflow-inline/-block)"),
    (re.compile(r"(?<![\w-])(width|height|min-width|min-height|max-width|max-height)\s*:"),
     "use inline-size/block-size"),
]


def physical_properties(css: str) -> list[str]:
    """Every physical (left/right/top/bottom/width/height) declaration in ``css``, as "line: text -- hint".

    Media queries may still test the viewport's width: ``(max-width: 40rem)``
    is a condition, not a declaration, and it is left alone.
    """
    css = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), css, flags=re.S)
    found = []
    for number, line in enumerate(css.splitlines(), 1):
        checked = re.sub(r"@media[^{]*", "", line)
        hits = sorted((m.start(), m.group(0).strip(), hint) for pattern, hint in _PHYSICAL for m in pattern.finditer(checked))
        found.extend(f"{number}: {text} -- {hint}" for _, text, hint in hits)
    return found


def test_physical_property_check_catches_each_kind():
    css = (
        "a { margin-left: 1px; padding-right: 2px; border-left: 0; }\n"
        "b { left: 0; right: 0; text-align: left; float: right; }\n"
        "/* margin-left in a comment is fine */\n"
        "@media (max-width: 40rem) { c { inset-inline-start: 0; margin-inline: auto; } }\n"
        "d { width: 3px; border-top-left-radius: 2px; top: 1px; }\n"
    )
    found = physical_properties(css)
    assert [f.split(" --")[0] for f in found] == [
        "1: margin-left", "1: padding-right", "1: border-left",
        "2: left:", "2: right:", "2: text-align: left", "2: float: right",
        "5: width:", "5: border-top-left-radius", "5: top:",
    ]


@pytest.mark.parametrize("path", sorted(STATIC.rglob("*.css")), ids=lambda p: p.name)
def test_stylesheets_use_logical_properties_only(path):
    assert physical_properties(path.read_text(encoding="utf-8")) == []


def test_page_script_positions_with_logical_properties():
    script = (STATIC / "js" / "site.js").read_text(encoding="utf-8")
    assert not re.search(r"\.style\.(left|right|top|bottom|width|height)\b", script)
    assert "insetInlineStart" in script


def test_partials_of_other_features_stay_included():
    text = "\n".join(p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.html"))
    for partial in ("_head_meta.html", "_cite.html", "_timeline_svg.html", "_map_svg.html"):
        assert f'{{% include "{partial}" %}}' in text, partial
    for name in re.findall(r'{%\s*include\s+"([^"]+)"', text):
        assert (TEMPLATES / name).is_file(), name


# --------------------------------------------------------------------------
# built pages
# --------------------------------------------------------------------------

TWO_ARTICLES = {
    **MINIMAL,
    "site.yaml": "title: موقع تجريبي\nnumerals: arab\n",
    "places.yaml": "- id: mosul\n  name: الموصل\n  name_en: Mosul\n  aliases: [موصل]\n",
    "articles/two.md": "---\ntitle: مقال ثان\ndate: 2017-08-01\n---\nعن الموصل مرة أخرى.\n",
    "articles/one.yaml": (
        MINIMAL["articles/one.yaml"]
        + "    claimed_date: 2017-06\n    note: تاريخ *تقريبي*\nnotes:\n  - quote: داعش\n    text: اسم التنظيم.\n"
    ),
}


class _Collect(HTMLParser):
    """Elements of a page as (tag, attributes) and the text of chosen ids."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: dict[str, str] = {}
        self._script: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attributes))
        self._script = attributes.get("id") if tag == "script" else None

    def handle_data(self, data):
        if self._script:
            self.scripts[self._script] = self.scripts.get(self._script, "") + data

    def handle_endtag(self, tag):
        self._script = None

    def find(self, tag: str | None = None, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements
                if (tag is None or t == tag) and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("templates")
    out = root / "site"
    result = build(Options(content=write_content(root / "content", TWO_ARTICLES), output=out, templates=TEMPLATES))
    assert not result.problems.errors, [d.format() for d in result.problems.errors]
    return out


def parse(site: Path, rel: str) -> tuple[str, _Collect]:
    text = (site / rel).read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(text)
    return text, parser


def test_every_mark_has_its_annotation_data(small_site):
    _, page = parse(small_site, "articles/one/index.html")
    data = json.loads(page.scripts["annotation-data"])
    keys = {a["data-ann"] for a in page.find() if "data-ann" in a}
    assert keys == {"place:mosul", "actor:isis", "event:mosul-2017", "note:1"}
    assert set(data) == keys
    assert data["place:mosul"]["name"] == "الموصل" and data["place:mosul"]["name_en"] == "Mosul"
    assert data["place:mosul"]["lines"] == [{"label": "تهجئات أخرى", "value": "موصل", "warn": False}]
    event = data["event:mosul-2017"]
    assert event["label"] == "حدث ١" and event["url"] == "/events/mosul-2017/"
    assert [line["label"] for line in event["lines"]] == ["التاريخ الموثّق", "يذكر المقال تاريخًا مختلفًا", "النوع"]
    assert [line["warn"] for line in event["lines"]] == [False, True, False]
    assert event["lines"][0]["value"] == "١٠ تموز/يوليو ٢٠١٧"
    assert "<em>تقريبي</em>" in event["note"]
    assert data["note:1"]["note"] == "<p>اسم التنظيم.</p>"


def test_event_and_note_marks_have_one_focusable_marker_each(small_site):
    _, page = parse(small_site, "articles/one/index.html")
    markers = page.find("a", class_="mref mref-event") + page.find("a", class_="mref mref-note")
    assert [(m["data-ann"], m["data-n"], m["href"]) for m in markers] == [
        ("event:mosul-2017", "١", "/events/mosul-2017/"), ("note:1", "١", "#note-1"),
    ]
    assert all(m["aria-label"] for m in markers)
    places = page.find("a", class_="m m-place")
    assert places and all(p["href"] == "/places/mosul/" and p["data-ann"] == "place:mosul" for p in places)


def test_article_text_flow_has_no_injected_text(small_site):
    text, _ = parse(small_site, "articles/one/index.html")
    body = text[text.index('id="text"'):text.index("</div>", text.index('id="text"'))]
    assert re.sub(r"<[^>]+>", "", body.split(">", 1)[1]).strip() == "استعادة السيطرة على مدينة الموصل من داعش."


def test_previous_and_next_article_by_date(small_site):
    _, one = parse(small_site, "articles/one/index.html")
    _, two = parse(small_site, "articles/two/index.html")
    assert [a["href"] for a in one.find("a", rel="next")] == ["/articles/two/"]
    assert one.find("a", rel="prev") == []
    assert [a["href"] for a in two.find("a", rel="prev")] == ["/articles/one/"]
    assert two.find("a", rel="next") == []


def test_event_filters_offer_only_values_present(small_site):
    text, page = parse(small_site, "events/index.html")
    form = page.find("form", id="event-filters")
    assert form and "hidden" in form[0], "without the script the filters stay hidden"
    options = {}
    for select in ("year", "type", "place", "actor"):
        start = text.index(f'id="f-{select}"')
        block = text[start:text.index("</select>", start)]
        options[select] = re.findall(r'<option value="([^"]*)">([^<]*)<', block)
    assert options == {
        "year": [("", "كل السنوات"), ("2017", "٢٠١٧")],
        "type": [("", "كل الأنواع"), ("territory-change", "تغيّر السيطرة")],
        "place": [("", "كل الأماكن"), ("mosul", "الموصل")],
        "actor": [("", "كل الفاعلين"), ("isis", "داعش")],
    }
    [item] = page.find("li", class_="event")
    assert (item["data-years"], item["data-type"], item["data-places"], item["data-actors"]) == (
        "2017", "territory-change", "mosul", "isis")


def test_latin_names_are_isolated(small_site):
    text, _ = parse(small_site, "places/mosul/index.html")
    assert '<bdi lang="en" dir="ltr">Mosul</bdi>' in text
    text, _ = parse(small_site, "places/index.html")
    assert '<bdi lang="en" dir="ltr">Mosul</bdi>' in text


def test_pages_load_the_script_and_favicon(small_site):
    for rel in ("index.html", "articles/one/index.html", "events/index.html", "404.html"):
        _, page = parse(small_site, rel)
        assert page.find("script", src="/static/js/site.js", defer="")
        assert page.find("link", rel="icon", href="/static/img/favicon.svg")
    assert (small_site / "static" / "js" / "site.js").is_file()


def test_text_direction_counts_letters_not_the_first_one():
    from builder.render import text_direction

    assert text_direction("<p>«القايم» here and «القائم» later in the article are the same place.</p>") == "ltr"
    assert text_direction("<p>Raqqa «الرقة» في النص مكتوبة كما نُشرت دون تعديل.</p>") == "rtl"
    assert text_direction("") == "rtl"


def test_notes_are_laid_out_in_their_own_direction(small_site):
    text, page = parse(small_site, "articles/one/index.html")
    data = json.loads(page.scripts["annotation-data"])
    assert data["note:1"]["note_dir"] == "rtl"
    assert '<div class="note-text" dir="rtl"><p>اسم التنظيم.</p></div>' in text


def test_a_claim_that_differs_is_flagged_in_the_article(small_site):
    text, _ = parse(small_site, "articles/one/index.html")
    events = text[text.index('id="events-h"'):]
    assert '<span class="claimed differs">يذكر المقال تاريخًا مختلفًا: <time datetime="2017-06">' in events


def test_a_mention_inside_a_link_of_the_text_is_marked_with_its_annotation(tmp_path):
    """[عن الموصل](url) with a mention of Mosul: the text's link stays the only link, the mention a marked span."""
    files = {**TWO_ARTICLES, "articles/two.md": "---\ntitle: مقال ثان\ndate: 2017-08-01\n---\n"
                                                  "عن [مدينة الموصل](https://example.org/mosul) مرة أخرى.\n",
             "articles/two.yaml": "mentions:\n  - ref: place:mosul\n    quote: الموصل\n"}
    out = tmp_path / "site"
    result = build(Options(content=write_content(tmp_path / "content", files), output=out, templates=TEMPLATES))
    assert not result.problems.errors, [d.format() for d in result.problems.errors]
    text, page = parse(out, "articles/two/index.html")
    assert ('<a href="https://example.org/mosul" rel="noopener noreferrer nofollow">مدينة '
            '<span class="m m-place" title="مكان: الموصل" data-ann="place:mosul">الموصل</span></a>') in text
    assert "place:mosul" in json.loads(page.scripts["annotation-data"])
