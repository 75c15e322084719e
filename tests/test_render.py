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
