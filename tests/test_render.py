"""Rendering: user templates override defaults; URLs come from one place."""

from builder.build import Options, build
from builder.render import Links
from fixtures_site import MINIMAL, write_content


def test_links_prefix_and_encode():
    links = Links("/proj/")
    assert links.place("mosul") == "/proj/places/mosul/"
    assert links.tag("داعش") == "/proj/tags/%D8%AF%D8%A7%D8%B9%D8%B4/"
    assert links.url("/search/?q=x") == "/proj/search/?q=x"


def test_user_template_overrides_default_by_name(tmp_path):
    content = write_content(tmp_path / "content", MINIMAL)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "404.html").write_text("{% extends 'base.html' %}{% block main %}<p>مخصص</p>{% endblock %}", encoding="utf-8")
    out = tmp_path / "site"
    build(Options(content=content, output=out))
    assert "<p>مخصص</p>" in (out / "404.html").read_text(encoding="utf-8")
    assert "استعادة الموصل" in (out / "events" / "mosul-2017" / "index.html").read_text(encoding="utf-8")


def test_autoescape_keeps_markup_out(tmp_path):
    files = dict(MINIMAL)
    files["articles/one.md"] = "---\ntitle: \"<script>alert(1)</script>\"\ndate: 2017-07-11\n---\nنص\n"
    files.pop("articles/one.yaml")
    out = tmp_path / "site"
    build(Options(content=write_content(tmp_path / "content", files), output=out))
    page = (out / "articles" / "one" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_templates_and_the_ones_they_use_are_compiled_before_any_page(tmp_path, monkeypatch):
    """Forked workers and a serve session inherit every template compiled: rendering compiles nothing."""
    from builder.indexes import build_indexes
    from builder.render import Renderer, plan
    from helpers_corpus import corpus_from

    corpus, problems = corpus_from(tmp_path, MINIMAL)
    assert not problems.errors
    indexes = build_indexes(corpus)
    renderer = Renderer(corpus, indexes)
    tasks = plan(corpus, indexes)
    renderer.compile({t.template for t in tasks})
    compiled = []

    def compile_again(source, name=None, *args, **kwargs):
        compiled.append(name)
        raise AssertionError(f"{name} compiled while rendering")

    monkeypatch.setattr(renderer.env, "compile", compile_again)
    for task in tasks:
        renderer.render(task)
    assert compiled == []


def _renderers(tmp_path, files):
    from builder.indexes import build_indexes
    from builder.render import Renderer, plan
    from helpers_corpus import corpus_from

    corpus, problems = corpus_from(tmp_path, files)
    assert not problems.errors
    indexes = build_indexes(corpus)
    return Renderer(corpus, indexes), Renderer(corpus, indexes, text_memo=True), plan(corpus, indexes)


def test_long_lists_are_spliced_into_pages_as_bytes_and_read_the_same(tmp_path):
    """A build writes an entity page's list of cards from the memo's bytes, never decoding it into the page.

    The pages it writes are the same bytes as those rendered whole (as serve renders them).
    """
    from fixtures_site import generated_corpus
    import shutil

    root = generated_corpus(tmp_path / "gen", 40)
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    shutil.rmtree(root)
    spliced, whole, tasks = _renderers(tmp_path, files)
    pieces_of = {}
    for task in tasks:
        path, pieces = spliced.render_pieces(task)
        assert all(isinstance(p, bytes) for p in pieces)
        assert b"".join(pieces) == whole.render(task)[1], path
        assert spliced.render(task)[1] == whole.render(task)[1]
        pieces_of[task.kind] = max(pieces_of.get(task.kind, 0), len(pieces))
    assert pieces_of["place"] > 3 and pieces_of["tag"] > 3 and pieces_of["index"] > 3  # lists were spliced
    assert pieces_of["article"] == 1
    assert "\ue000" not in "".join(b"".join(spliced.render_pieces(t)[1]).decode() for t in tasks)


def test_a_list_inside_a_memoised_fragment_is_part_of_the_fragment(tmp_path):
    """A fragment is the same on every page, so a list in it is never a mark into one page's splices."""
    spliced, whole, tasks = _renderers(tmp_path, MINIMAL)
    articles = list(spliced.corpus.articles.values())
    source = "{% import '_macros.html' as m %}{{ m.article_list(articles) }}"
    first = spliced.memo("listing", "all", lambda: spliced.env.from_string(source).render(articles=articles))
    assert "\ue000" not in str(first) and articles[0].title in first
    again = whole.memo("listing", "all", lambda: whole.env.from_string(source).render(articles=articles))
    assert first == again
    outside = spliced.env.from_string(source).render(articles=articles)  # on a page: spliced
    assert "\ue000" in outside and articles[0].title not in outside


def test_a_build_renders_event_items_on_each_page_and_serve_keeps_them(tmp_path):
    spliced, whole, tasks = _renderers(tmp_path, MINIMAL)
    place = next(t for t in tasks if t.kind == "place" and spliced.indexes.entity_events[("place", t.key)])
    assert b"".join(spliced.render_pieces(place)[1]) == whole.render(place)[1]
    assert not any(kind == "event-item" for kind, _ in spliced._memo)
    assert any(kind == "event-item" for kind, _ in whole._memo)
    assert any(kind == "article-card" for kind, _ in spliced._memo)


def test_an_event_reported_twice_in_an_article_has_two_endnotes_each_with_its_own_date(tmp_path):
    """One battle told twice, with two dates: each quote and endnote has ids of its own and
    each claim its own verdict (July 2017 agrees with 10 July 2017; 2016 does not)."""
    import json
    import re

    files = {**MINIMAL,
             "articles/one.md": "---\ntitle: مقال أول\ndate: 2017-07-11\n---\n"
                                "سقطت الموصل في تموز. ثم سقطت الموصل مرة ثانية في رواية أخرى.\n",
             "articles/one.yaml": "events:\n"
                                  "  - {ref: mosul-2017, quote: سقطت الموصل في تموز, claimed_date: 2017-07}\n"
                                  "  - {ref: mosul-2017, quote: سقطت الموصل مرة ثانية, claimed_date: 2016}\n"}
    out = tmp_path / "site"
    build(Options(content=str(write_content(tmp_path / "content", files)), output=str(out)))
    page = (out / "articles" / "one" / "index.html").read_text(encoding="utf-8")
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert {"q-ev-mosul-2017", "q-ev2-mosul-2017", "ev-mosul-2017", "ev2-mosul-2017"} <= set(ids)
    notes = re.findall(r'<li id="(ev2?-mosul-2017)">(.*?)</li>', page, re.S)
    assert [n for n, _ in notes] == ["ev-mosul-2017", "ev2-mosul-2017"]
    assert "كما يذكره المقال" in notes[0][1] and "مختلفًا" not in notes[0][1]
    assert "يذكر المقال تاريخًا مختلفًا" in notes[1][1]
    assert 'href="#q-ev-mosul-2017"' in notes[0][1] and 'href="#q-ev2-mosul-2017"' in notes[1][1]
    data = json.loads(re.search(r'<script type="application/json" id="annotation-data"[^>]*>(.*?)</script>',
                                page, re.S).group(1))
    def claim(key: str) -> tuple[str, bool]:
        return next((line["label"], line["warn"]) for line in data[key]["lines"] if "المقال" in line["label"])
    assert claim("event:mosul-2017") == ("كما يذكره المقال", False)
    assert claim("event:mosul-2017:2") == ("يذكر المقال تاريخًا مختلفًا", True)
    assert page.count('data-ann="event:mosul-2017:2"') >= 2  # its mark and its marker

    event_page = (out / "events" / "mosul-2017" / "index.html").read_text(encoding="utf-8")
    assert "one/#q-ev-mosul-2017" in event_page and "one/#q-ev2-mosul-2017" in event_page
    subjects = re.findall(r'"subjectOf":\s*\[(.*?)\]', event_page, re.S)
    assert subjects and subjects[0].count("articles/one/") == 1


def test_researchers_text_in_latin_letters_gets_a_lang_of_its_own(tmp_path):
    """A note, description or source title mostly in Latin letters is marked with the site's
    latin_language (default en), so a screen reader does not read it in the page's Arabic
    voice; Arabic text in an Arabic site needs no lang; on an English site Arabic gets lang=ar."""
    import json
    import re

    def built(site: str) -> tuple[str, str, dict]:
        files = {**MINIMAL, "site.yaml": site,
                 "events.yaml": MINIMAL["events.yaml"] + "  sources:\n    - title: Mosul retaken (Reuters)\n",
                 "articles/one.yaml": MINIMAL["articles/one.yaml"] + (
                     "notes:\n  - quote: مدينة\n    text: The city, *not* the province.\n"
                     "  - quote: داعش\n    text: التنظيم نفسه.\n")}
        out = tmp_path / str(len(list(tmp_path.iterdir()))) / "site"
        build(Options(content=str(write_content(out.parent / "content", files)), output=str(out)))
        page = (out / "articles" / "one" / "index.html").read_text(encoding="utf-8")
        event = (out / "events" / "mosul-2017" / "index.html").read_text(encoding="utf-8")
        data = json.loads(re.search(r'id="annotation-data"[^>]*>(.*?)</script>', page, re.S).group(1))
        return page, event, data

    page, event, data = built("title: موقع\n")
    notes = re.findall(r'<div class="note-text"([^>]*)>', page)
    assert notes == [' dir="ltr" lang="en"', ' dir="rtl"']
    assert '<bdi dir="ltr" lang="en">Mosul retaken (Reuters)</bdi>' in event
    assert (data["note:1"]["note_dir"], data["note:1"]["note_lang"]) == ("ltr", "en")
    assert data["note:2"]["note_lang"] == ""

    page, event, data = built("title: موقع\nlatin_language: fr\n")
    assert re.findall(r'<div class="note-text"([^>]*)>', page) == [' dir="ltr" lang="fr"', ' dir="rtl"']

    page, _, data = built("title: site\nlanguage: en\ndirection: ltr\n")
    assert re.findall(r'<div class="note-text"([^>]*)>', page) == [' dir="ltr"', ' dir="rtl" lang="ar"']
    assert data["note:2"]["note_lang"] == "ar"
