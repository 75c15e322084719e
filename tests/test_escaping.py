"""Nothing gets in: hostile text in every field reaches the site only as text.

One corpus carries script tags, event handlers, javascript: links and
raw HTML in every text field, Markdown body and note; the same corpus with
harmless text is the control.  The built pages are parsed (not grepped):
they may hold no element the control does not, no inline script but JSON
data, no event-handler attribute, no link to a javascript:/data: URL, and
every inline JSON must parse.  The hostile text must still be there, as
text, so it was escaped rather than silently dropped.
"""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest

from builder.markup import render_markdown
from builder.render import json_script
from fixtures_site import athar, write_content

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = "</script><script>alert(2)</script>"
ATTR = "\"'><img src=x onerror=alert(3)>"


def corpus(hostile: bool) -> dict[str, str]:
    """The same corpus, with hostile text (True) or plain words (False) in every field."""
    p = (lambda what: f"{what} {SCRIPT} {BREAKOUT} {ATTR}") if hostile else (lambda what: f"{what} نص")
    raw = ("<script>alert('body')</script>\n\n<img src=x onerror=alert(1)> <iframe src=https://evil.example></iframe> "
           "<a href=\"data:text/html,x\">d</a> [رابط](javascript:alert(1)) <object data=x></object> "
           "<style>body{display:none}</style> <form action=https://evil.example><input></form> "
           "<svg onload=alert(1)></svg> <a href=\"https://example.org\" onclick=\"alert(1)\">ok</a>"
           if hostile else "[رابط](https://example.org) <a href=\"https://example.org\">ok</a>")
    md_extra = "[x](javascript:alert(1)) <img src=x onerror=alert(1)>" if hostile else "[x](https://example.org)"

    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a YAML double-quoted scalar

    return {
        "site.yaml": f"title: {q(p('موقع'))}\ndescription: {q(p('وصف'))}\nauthor: {q(p('كاتب'))}\n",
        "places.yaml": (f"- id: mosul\n  name: {q(p('الموصل'))}\n  name_en: {q(p('Mosul'))}\n  aliases: [موصل]\n"
                        f"  kind: {q(p('city'))}\n  admin1: {q(p('Nineveh'))}\n  description: {q(p('وصف') + ' ' + md_extra)}\n"
                        "  lat: 36.34\n  lon: 43.13\n  country: IQ\n"),
        "actors.yaml": (f"- id: isis\n  name: {q(p('داعش'))}\n  name_en: {q(p('ISIS'))}\n  kind: {q(p('armed group'))}\n"
                        f"  description: {q(p('وصف') + ' ' + md_extra)}\n"),
        "events.yaml": (f"- id: mosul-2017\n  title: {q(p('استعادة الموصل'))}\n  title_en: {q(p('Recapture'))}\n"
                        "  date: 2017-07-10\n  type: territory-change\n  places: [mosul]\n  actors: [isis]\n"
                        f"  description: {q(p('وصف') + ' ' + md_extra)}\n"
                        f"  sources:\n    - title: {q(p('مصدر'))}\n      url: \"https://example.org/?q=%22%3E%3Cscript%3E\"\n"),
        "articles/one.md": (f"---\ntitle: {q(p('مقال'))}\ndate: 2017-07-11\nsource: {q(p('أخبار'))}\n"
                            f"author: {q(p('كاتب'))}\ndateline: {q(p('دبي'))}\n"
                            f"tags: [{q(p('وسم'))}, \"javascript:alert(1)\", \"../../../../tmp/pwned\"]\n"
                            "source_url: \"https://example.org/a?b=%3Cscript%3E\"\n---\n"
                            f"استعادة السيطرة على مدينة الموصل من داعش.\n\n{raw}\n\n{p('فقرة')}\n"),
        "articles/one.yaml": ("mentions:\n  - ref: place:mosul\n    quote: الموصل\n  - ref: actor:isis\n    quote: داعش\n"
                              "events:\n  - ref: mosul-2017\n    quote: استعادة السيطرة على مدينة الموصل\n"
                              f"    note: {q(p('ملاحظة') + ' ' + md_extra)}\n"
                              f"related:\n  - title: {q(p('قصة'))}\n    url: https://example.org/story\n"
                              f"notes:\n  - quote: من داعش\n    text: {q(p('نص') + ' ' + md_extra)}\n"),
    }


class _Page(HTMLParser):
    """Collects what a page is made of: elements, attributes, inline scripts, text."""

    URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "poster", "srcset", "background", "data"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.problems: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            scheme = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if name in self.URL_ATTRS and scheme.startswith(("javascript:", "data:", "vbscript:")):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self._script = dict(attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self.scripts.append((self._script, data))
        else:
            self.text.append(data)


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    root = tmp_path_factory.mktemp("escaping")
    out = {}
    for hostile in (False, True):
        folder = root / ("hostile" if hostile else "control")
        write_content(folder / "content", corpus(hostile))
        result = athar("build", "--content", "content", "--output", "site", cwd=folder)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        out[hostile] = folder / "site"
    return out


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_hostile_pages_hold_no_element_the_control_does_not(sites):
    allowed = set().union(*(parse(p).tags for p in html_pages(sites[False])))
    for page in html_pages(sites[True]):
        extra = parse(page).tags - allowed
        assert not extra, f"{page.relative_to(sites[True])}: {sorted(extra)}"


def test_no_event_handlers_or_script_urls_in_any_page(sites):
    for page in html_pages(sites[True]):
        found = parse(page).problems
        assert not found, f"{page.relative_to(sites[True])}: {found}"


def test_every_script_is_a_file_or_json_data_that_parses(sites):
    for page in html_pages(sites[True]):
        parsed = parse(page)
        for attrs, body in parsed.scripts:
            kind = attrs.get("type")
            assert kind in ("application/ld+json", "application/json"), f"{page}: inline script {attrs}"
            data = json.loads(body)  # a '</script>' in the data would have cut it short
            assert data is not None
        for line in page.read_text(encoding="utf-8").splitlines():
            if "<script" in line:
                assert "src=" in line or 'type="application/' in line, f"{page}: {line[:200]}"


def test_the_hostile_text_is_shown_as_text_not_dropped(sites):
    article = parse(sites[True] / "articles" / "one" / "index.html")
    text = "".join(article.text)
    assert SCRIPT in text and BREAKOUT in text and ATTR in text
    data = [json.dumps(json.loads(body), ensure_ascii=False) for _, body in article.scripts]
    assert any(BREAKOUT in d for d in data)  # kept whole inside the JSON, escaped in the page
    assert all(BREAKOUT not in body for _, body in article.scripts)


def test_markdown_links_to_scripts_keep_their_words_and_lose_their_href(sites):
    page = sites[True] / "articles" / "one" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert "رابط" in "".join(parse(page).text)
    for bad in ('href="javascript', "href='javascript", 'href="data:', 'href="vbscript'):
        assert bad not in html.lower()


def test_output_paths_stay_inside_the_output(sites):
    folder = sites[True].parent
    entries = sorted(p.name for p in folder.iterdir())
    assert entries in (["content", "site"], [".athar-cache", "content", "site"])
    assert not Path("/tmp/pwned").exists()
    for path in sites[True].rglob("*"):
        assert path.resolve().is_relative_to(sites[True].resolve())
        assert ".." not in path.relative_to(sites[True]).parts


@pytest.mark.parametrize("raw, gone", [
    ("<script>alert(1)</script>", "<script"),
    ("<img src=x onerror=alert(1)>", "onerror"),
    ("[x](javascript:alert(1))", "javascript:"),
    ("<a href=\"JaVaScRiPt:alert(1)\">x</a>", "javascript:"),
    ("<a href=\"java&#x09;script:alert(1)\">x</a>", "script:"),
    ("<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>", "data:"),
    ("<iframe src=\"https://evil.example\"></iframe>", "<iframe"),
    ("<style>body{display:none}</style>", "<style"),
    ("<svg><script>alert(1)</script></svg>", "<svg"),
    ("<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>", "javascript:"),
    ("<p style=\"background:url(javascript:alert(1))\">x</p>", "style="),
    ("<!-- <script>alert(1)</script> -->", "<!--"),
    ("<form action=\"https://evil.example\"><input name=q></form>", "<form"),
])
def test_markdown_html_is_sanitised_to_an_allow_list(raw, gone):
    html = render_markdown(raw)
    assert gone.lower() not in html.lower(), html


def test_markdown_keeps_safe_links_with_rel():
    html = render_markdown("[مصدر](https://example.org/a?b=1) و <mailto:desk@example.org>")
    assert 'href="https://example.org/a?b=1"' in html and 'rel="noopener noreferrer nofollow"' in html


@pytest.mark.parametrize("value", [
    "</script><script>alert(1)</script>", "<!--", "<![CDATA[", "&lt;", "\u2028\u2029", {"k": "</SCRIPT >"},
])
def test_inline_json_cannot_break_out(value):
    text = json_script(value)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value


def test_ids_from_content_never_become_paths_outside(tmp_path):
    """Ids are validated before any path is built from them; a hostile one stops the build."""
    files = corpus(False)
    files["places.yaml"] = files["places.yaml"].replace("id: mosul", "id: ../../../../tmp/evil")
    write_content(tmp_path / "content", files)
    result = athar("build", "--content", "content", "--output", "site", cwd=tmp_path)
    assert result.returncode == 1 and "is not a valid identifier" in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["content"]


def test_the_page_checker_catches_what_it_looks_for(tmp_path):
    """The checks above can fail: a page with each kind of injection is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<p>x</p><img src=x onerror="alert(1)"><a href=" JavaScript:alert(1)">a</a>'
                   '<script>alert(1)</script><iframe src="data:text/html,x"></iframe>', encoding="utf-8")
    page = parse(bad)
    assert len(page.problems) == 3
    assert {"img", "iframe", "script"} <= page.tags
    assert page.scripts == [({}, "alert(1)")]


def test_html_that_scripts_insert_at_run_time_is_sanitised_too(sites):
    """site.js puts annotation notes into popovers with innerHTML: they must be the nh3-cleaned HTML."""
    from builder.markup import ALLOWED_TAGS
    article = parse(sites[True] / "articles" / "one" / "index.html")
    data = next(json.loads(body) for attrs, body in article.scripts if attrs.get("id") == "annotation-data")
    notes = [entry["note"] for entry in data.values() if entry.get("note")]
    assert len(notes) >= 2  # the event note and the research note
    for note in notes:
        fragment = _Page()
        fragment.feed(note)
        assert fragment.problems == [] and fragment.tags <= ALLOWED_TAGS, note
        assert "<script" not in note.lower()


RAW_DATA_SUFFIXES = {".csv", ".bib"}
"""Downloads that hold the researchers' text as it is, by design (spreadsheets, BibTeX)."""


HOSTILE_MARKUP = ("<script>", "<img src=x", "<iframe", "<svg onload", "<object", "<style>body")
"""Markup the hostile corpus carries and no template ever writes."""


def test_no_file_of_the_site_carries_markup_from_content(sites):
    """Pages, feeds, JSON data and search files: markup from content never appears raw."""
    raw = [p for p in sites[True].rglob("*.csv") if "<script>" in p.read_text(encoding="utf-8")]
    assert raw, "the hostile corpus must reach the raw downloads (else this test proves nothing)"
    checked = 0
    for path in sorted(sites[True].rglob("*")):
        if not path.is_file() or path.suffix in RAW_DATA_SUFFIXES or path.suffix in (".png", ".woff2", ".ico"):
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore").lower()
        found = [m for m in HOSTILE_MARKUP if m in text]
        assert not found, f"{path.relative_to(sites[True])}: {found}"
        checked += 1
    assert checked > 30
