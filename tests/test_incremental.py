"""Live updates rewrite only what an edit touches, and give the same site as a full build."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.build import Options, build
from builder.incremental import Session
from fixtures_site import generated_corpus


def _generate(out: Path, n: int) -> Path:
    return generated_corpus(out, n, seed=11)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, count), encoding="utf-8")


EDITS = {
    "body": lambda c: _edit(c / "articles/a000005.md", "وأفادت مصادر محلية", "وقالت مصادر محلية"),
    "title": lambda c: _edit(c / "articles/a000005.md", 'title: "', 'title: "عاجل: '),
    "date": lambda c: (lambda p: p.write_text(re.sub(r'date: "\d{4}-\d{2}-\d{2}"', 'date: "2019-01-02"',
                                                     p.read_text(encoding="utf-8"), count=1), encoding="utf-8"))(
        c / "articles/a000007.md"),
    "mention removed": lambda c: (lambda p: p.write_text(
        re.sub(r"mentions:\n  - ref: [^\n]+\n    quote: [^\n]+\n", "mentions:\n", p.read_text(encoding="utf-8"), count=1),
        encoding="utf-8"))(c / "articles/a000009.yaml"),
    "event reported elsewhere": lambda c: (lambda p: p.write_text(  # its data on other articles' pages changes
        re.sub(r"events:\n  - ref: e\d+\n", "events:\n  - ref: e14\n", p.read_text(encoding="utf-8"), count=1),
        encoding="utf-8"))(c / "articles/a000009.yaml"),
    "related added": lambda c: (lambda p: p.write_text(
        p.read_text(encoding="utf-8") + ("related:\n" if "related:" not in p.read_text(encoding="utf-8") else "")
        + "  - title: تقرير ذو صلة\n    article: a000001\n", encoding="utf-8"))(c / "articles/a000012.yaml"),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_update_equals_a_full_build(tmp_path, name):
    content = _generate(tmp_path / "content", 60)
    session = Session(Options(content=content, output=tmp_path / "live"))
    session.build()
    before = _tree(tmp_path / "live")
    EDITS[name](content)
    changed = [p for p in (content / "articles").iterdir()]
    update = session.update(changed[:0] + [p for p in changed if p.stem in ("a000005", "a000007", "a000009", "a000012")])
    assert update is not None
    build(Options(content=content, output=tmp_path / "full"))
    live, full = _tree(tmp_path / "live"), _tree(tmp_path / "full")
    assert sorted(live) == sorted(full)
    differing = [k for k in full if live[k] != full[k]]
    assert differing == []
    rewritten = set(update.pages_written) | set(update.extras_written)
    truly_changed = {k for k in full if before.get(k) != full[k]}
    assert rewritten == truly_changed  # nothing else was written
    assert any(p.startswith("articles/") for p in update.pages_written)


def test_other_changes_need_a_full_build(tmp_path):
    content = _generate(tmp_path / "content", 30)
    session = Session(Options(content=content, output=tmp_path / "live"))
    session.build()
    assert session.update([content / "places.yaml"]) is None
    stray = content / "articles" / "zz-notes.yaml"  # annotations with no text yet: the full build tells
    stray.write_text("mentions: []\n", encoding="utf-8")
    assert session.update([stray]) is None
    stray.unlink()
    taken = content / "articles" / "zz-new.md"  # a new article whose slug another has
    taken.write_text("---\ntitle: جديد\ndate: 2017-01-01\nslug: a000004\n---\nنص\n", encoding="utf-8")
    assert session.update([taken]) is None


def test_an_editor_saving_through_a_temporary_file_gets_a_live_update_not_a_full_build(tmp_path):
    """Editors write a temporary file and rename it over the article; the watcher reports both
    paths. The temporary one (gone, or hidden) is no content, so the save is a live update and
    a change of temporary files alone changes nothing; a stray file that stays still takes the
    full build, which reports it."""
    content = _generate(tmp_path / "content", 30)
    session = Session(Options(content=content, output=tmp_path / "live"))
    session.build()
    article = content / "articles" / "a000005.md"
    for temporary in (content / "articles" / "a000005.md.new", content / "articles" / ".a000005.md.swp"):
        text = article.read_text(encoding="utf-8")
        temporary.write_text(text.replace('title: "', 'title: "عاجل: ', 1), encoding="utf-8")
        temporary.replace(article)
        update = session.update([temporary, article])
        assert update is not None and not update.untouched
        assert "articles/a000005/index.html" in update.pages_written
    hidden = content / "articles" / ".a000007.md.swp"
    hidden.write_text("x", encoding="utf-8")
    update = session.update([hidden])
    assert update is not None and update.untouched and update.pages_written == []
    stray = content / "articles" / "notes.txt"
    stray.write_text("x", encoding="utf-8")
    assert session.update([stray]) is None  # it stays: the full build says it is not read


def test_a_page_is_written_only_when_the_file_differs_from_it(tmp_path):
    """Unchanged bytes are not written again; a file changed behind the session's back is, even at the same size."""
    content = _generate(tmp_path / "content", 30)
    session = Session(Options(content=content, output=tmp_path / "live"))
    session.build()
    page = tmp_path / "live" / "index.html"
    data = page.read_bytes()
    assert session._write_if_changed("index.html", data) is False
    page.write_bytes(data.replace(b"<html", b"<HTML", 1))  # same size; the session still knows the old bytes
    assert session._write_if_changed("index.html", data) is True
    assert page.read_bytes() == data
    assert session._write_if_changed("index.html", data + b"\n") is True


def test_successive_updates_forget_the_fragments_of_edited_articles(tmp_path):
    """The renderer keeps list fragments between updates: each edit must drop its article's."""
    content = _generate(tmp_path / "content", 60)
    session = Session(Options(content=content, output=tmp_path / "live"))
    session.build()
    for n, (slug, prefix) in enumerate([("a000005", "أولاً: "), ("a000008", "ثانياً: "), ("a000005", "ثالثاً: ")]):
        _edit(content / f"articles/{slug}.md", 'title: "', f'title: "{prefix}')
        assert session.update([content / f"articles/{slug}.md"]) is not None
        build(Options(content=content, output=tmp_path / f"full{n}"))
        live, full = _tree(tmp_path / "live"), _tree(tmp_path / f"full{n}")
        assert [k for k in full if live.get(k) != full[k]] == [], (n, slug)
        assert prefix in (tmp_path / "live/articles/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("after_checks", [0, 3, 40])
def test_an_interrupted_update_leaves_the_data_files_to_the_next_which_makes_the_site_whole(
        tmp_path, monkeypatch, after_checks):
    """Another save while the search and data files are made: the pages are done, the files wait for the next update.

    ``after_checks``: how many looks at ``interrupted`` pass before it says
    stop: at once, inside the search index (runs of 10 documents here), or
    among the data files.
    """
    monkeypatch.setattr("builder.search.INTERRUPTIBLE_RUN", 10)
    content = _generate(tmp_path / "content", 60)
    session = Session(Options(content=content, output=tmp_path / "live"))
    session.build()
    looks = []

    def interrupted() -> bool:
        looks.append(1)
        return len(looks) > after_checks

    _edit(content / "articles/a000005.md", 'title: "', 'title: "أولاً: ')
    first = session.update([content / "articles/a000005.md"], interrupted=interrupted)
    assert first is not None and first.interrupted
    assert "أولاً: " in (tmp_path / "live/articles/a000005/index.html").read_text(encoding="utf-8")
    assert not any(p.endswith(".athar-tmp") for p in _tree(tmp_path / "live"))
    _edit(content / "articles/a000008.md", 'title: "', 'title: "ثانياً: ')
    second = session.update([content / "articles/a000008.md"], interrupted=lambda: False)
    assert second is not None and not second.interrupted
    build(Options(content=content, output=tmp_path / "full"))
    live, full = _tree(tmp_path / "live"), _tree(tmp_path / "full")
    assert sorted(live) == sorted(full)
    assert [k for k in full if live[k] != full[k]] == []
    assert any(p.startswith("search/") for p in second.extras_written)  # the first title is in the index now


def test_an_interruptible_search_index_is_the_one_made_on_all_cores(tmp_path, monkeypatch):
    from builder.errors import Interrupted
    from builder.search import build_index, search_docs

    content = _generate(tmp_path / "content", 60)
    corpus = build(Options(content=content, output=tmp_path / "site")).corpus
    docs = search_docs(corpus)
    monkeypatch.setattr("builder.search.INTERRUPTIBLE_RUN", 7)  # many runs, the last one short
    assert len(docs) % 7 and len(docs) > 70
    parallel = build_index(docs, processes=2)
    runs = build_index(docs, interrupted=lambda: False)
    assert runs.docs == parallel.docs and runs.postings == parallel.postings
    with pytest.raises(Interrupted):
        build_index(docs, interrupted=lambda: True)


@pytest.mark.parametrize("annotated", [False, True])
def test_a_new_article_is_added_live_and_the_site_equals_a_full_build(tmp_path, annotated):
    """A researcher adds an article under serve: its page, and every page that now shows it, without a full build."""
    content = _generate(tmp_path / "content", 60)
    session = Session(Options(content=content, output=tmp_path / "live"))
    session.build()
    before = _tree(tmp_path / "live")
    source = content / "articles" / "a000010"
    new = content / "articles" / "b-new-story.md"
    new.write_text(source.with_suffix(".md").read_text(encoding="utf-8").replace('title: "', 'title: "جديد: ', 1),
                   encoding="utf-8")
    changed = [new]
    if annotated:  # the same mentions and events as the article it was copied from, and a related link
        annotations = source.with_suffix(".yaml").read_text(encoding="utf-8")
        if "related:" not in annotations:
            annotations += "related:\n"
        annotations += "  - title: القصة الأصلية\n    article: a000010\n"
        new.with_suffix(".yaml").write_text(annotations, encoding="utf-8")
        changed.append(new.with_suffix(".yaml"))
    update = session.update(changed)
    assert update is not None and "articles/b-new-story/index.html" in update.pages_written
    build(Options(content=content, output=tmp_path / "full"))
    live, full = _tree(tmp_path / "live"), _tree(tmp_path / "full")
    assert sorted(live) == sorted(full)
    assert [k for k in full if live[k] != full[k]] == []
    rewritten = set(update.pages_written) | set(update.extras_written)
    truly_changed = {k for k in full if before.get(k) != full[k]}
    assert rewritten == truly_changed
    if annotated:
        assert "articles/a000010/index.html" in update.pages_written  # its backlinks name the new story
    _edit(new, "title: \"جديد: ", "title: \"جديد جداً: ")  # and it is known from now on: an edit is an edit
    assert session.update([new]) is not None
    assert "جديد جداً" in (tmp_path / "live/articles/b-new-story/index.html").read_text(encoding="utf-8")


def test_a_deleted_article_goes_live_with_its_files_and_the_site_equals_a_full_build(tmp_path):
    content = _generate(tmp_path / "content", 60)
    linked = {m.group(1) for p in (content / "articles").glob("*.yaml")
              for m in re.finditer(r"article: (a\d+)", p.read_text(encoding="utf-8"))}
    slug = next(f"a{n:06d}" for n in range(20, 60) if f"a{n:06d}" not in linked)  # no other article links to it
    session = Session(Options(content=content, output=tmp_path / "live"))
    session.build()
    before = _tree(tmp_path / "live")
    md = content / "articles" / f"{slug}.md"
    md.unlink()
    md.with_suffix(".yaml").unlink(missing_ok=True)
    update = session.update([md, md.with_suffix(".yaml")])
    assert update is not None and f"articles/{slug}/index.html" in update.pages_removed
    assert not (tmp_path / "live" / "articles" / slug).exists()
    build(Options(content=content, output=tmp_path / "full"))
    live, full = _tree(tmp_path / "live"), _tree(tmp_path / "full")
    assert sorted(live) == sorted(full)  # no file of it left, nor a search file the smaller corpus has no more
    assert [k for k in full if live[k] != full[k]] == []
    rewritten = set(update.pages_written) | set(update.extras_written)
    assert rewritten == {k for k in full if before.get(k) != full[k]}
    assert any(p.startswith("search/text/") for p in update.extras_removed)


def test_deleting_an_article_another_links_to_is_an_error_like_in_a_full_build(tmp_path):
    from builder.errors import ContentError

    content = _generate(tmp_path / "content", 30)
    session = Session(Options(content=content, output=tmp_path / "live"))
    session.build()
    source, target = next((p, m.group(1)) for p in sorted((content / "articles").glob("*.yaml"))
                          if (m := re.search(r"article: (a\d+)", p.read_text(encoding="utf-8"))))
    (content / "articles" / f"{target}.md").unlink()
    with pytest.raises(ContentError) as caught:
        session.update([content / "articles" / f"{target}.md"])
    assert any(source.name in d.format() and target in d.format() for d in caught.value.problems.errors)


def test_after_an_interrupted_update_a_save_with_errors_still_gets_the_data_files_made(tmp_path):
    """The save that interrupted cannot be applied: the search and data files catch up with the pages shown."""
    from builder.errors import ContentError

    content = _generate(tmp_path / "content", 60)
    session = Session(Options(content=content, output=tmp_path / "live"))
    session.build()
    assert session.catch_up() is False  # nothing due
    _edit(content / "articles/a000005.md", 'title: "', 'title: "أولاً: ')
    assert session.update([content / "articles/a000005.md"], interrupted=lambda: True).interrupted
    build(Options(content=content, output=tmp_path / "full"))  # the site the pages now show
    broken = content / "articles/a000008.md"
    good = broken.read_text(encoding="utf-8")
    broken.write_text(good.replace("date: ", "date: 2017-02-30 #", 1), encoding="utf-8")
    with pytest.raises(ContentError):
        session.update([broken])
    assert session.catch_up(interrupted=lambda: False) is True
    live, full = _tree(tmp_path / "live"), _tree(tmp_path / "full")
    assert sorted(live) == sorted(full) and [k for k in full if live[k] != full[k]] == []
    assert session.catch_up() is False
