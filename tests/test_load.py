"""Loading content/: each file validated on its own, every problem located, one message per mistake."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from builder.corpus import build_corpus
from builder.errors import Problems
from builder.load import load
from fixtures_site import MINIMAL, write_content

ONE = MINIMAL["articles/one.md"]
ANN = MINIMAL["articles/one.yaml"]
PLACES = MINIMAL["places.yaml"]
EVENTS = MINIMAL["events.yaml"]


def diagnose(tmp_path: Path, changes: dict[str, str | bytes | None], defer: bool = False) -> list[str]:
    """Load and cross-reference MINIMAL with ``changes``; diagnostics as printed, paths relative.

    ``defer``: as a build does it (articles read and modelled in one pass by the corpus stage).
    """
    files = {**MINIMAL, **{k: v for k, v in changes.items() if v is not None}}
    for k, v in changes.items():
        if v is None:
            files.pop(k, None)
    write_content(tmp_path / "content", files)
    problems = Problems()
    here = os.getcwd()
    os.chdir(tmp_path)  # paths print relative to the working folder, as in the CLI
    try:
        build_corpus(load(Path("content"), problems, defer_articles=defer), problems)
        return [d.format() for d in problems.sorted()]
    finally:
        os.chdir(here)


def test_minimal_corpus_is_clean(tmp_path):
    assert diagnose(tmp_path, {}) == []


@pytest.mark.parametrize("changes, expected", [
    # front matter lines count from the file's first line (the opening ---)
    ({"articles/one.md": ONE.replace("date: 2017-07-11", "date: 2017-07-11\ntags: {a: 1}")},
     "content/articles/one.md:4:7: error: 'tags' must be a list of text, found a mapping"),
    ({"articles/one.md": ONE.replace("title: مقال أول", "title: مقال: أول")},
     "content/articles/one.md:2:12: error: YAML syntax error: mapping values are not allowed"),
    ({"articles/one.md": ONE.replace("title: مقال أول\n", "")},
     "content/articles/one.md:2:1: error: missing required field 'title' in front matter"),
    ({"articles/one.md": ONE.replace("title: مقال أول", "title:")},
     "content/articles/one.md:2:7: error: required field 'title' is empty in front matter"),
    ({"articles/one.md": "استعادة السيطرة\n"}, "content/articles/one.md:1:1: error: article has no front matter"),
    ({"articles/one.md": "---\ntitle: x\ndate: 2017-07-11\nنص\n"},
     "content/articles/one.md:1:1: error: front matter is not closed"),
    ({"articles/one.md": ""}, "content/articles/one.md:1:1: error: article file is empty"),
    ({"articles/one.md": "---\n---\nنص\n"}, "content/articles/one.md:2:1: error: front matter is empty"),
    ({"articles/one.md": ONE.replace("date: 2017-07-11", "date: 2017-07-11\nslug: ../../etc")},
     "content/articles/one.md:4:7: error: 'slug' value '../../etc' is not a valid identifier"),
    ({"articles/one.md": None, "articles/one.yaml": None, "articles/One Story.md": ONE},
     "content/articles/One Story.md: error: file name 'One Story.md' is not a valid slug"),
    ({"articles/two.md": ONE.replace("date:", "slug: one\ndate:")},
     "content/articles/two.md:1:1: error: duplicate article slug 'one' (also one.md)"),
    ({"articles/two.yaml": ANN}, "content/articles/two.yaml: error: annotation file has no article beside it"),
    ({"articles/one.yml": ANN}, "content/articles/one.yml: error: two annotation files for one.md"),
    ({"articles/one.yaml": "- a\n"},
     "content/articles/one.yaml:1:1: error: expected a mapping of annotations fields, found a list"),
    ({"site.yaml": "- title: x\n"}, "content/site.yaml:1:1: error: expected a mapping of site fields, found a list"),
    ({"site.yaml": None}, "content/site.yaml: error: site.yaml not found"),
    ({"site.yaml": ""}, "content/site.yaml:1:1: error: file is empty"),
    ({"site.yaml": "# nothing yet\n"}, "content/site.yaml:1:1: error: file holds no YAML value (only comments?)"),
    ({"site.yaml": "title: yes\n"}, "content/site.yaml:1:8: error: 'title' must be text, found true"),
    ({"site.yaml": "title: x\nnumerals: arabic\n"},
     "content/site.yaml:2:11: error: 'numerals' must be one of arab, latn; found 'arabic'\n  hint: did you mean 'arab'?"),
    ({"places.yaml": "id: mosul\nname: الموصل\n"},
     "content/places.yaml:1:1: error: places.yaml must be a list of place entries, not a mapping"),
    ({"places.yaml": None, "places.yaml/a.yaml": PLACES},
     "content/places.yaml: error: places.yaml is a folder, but a file is expected here"),
    ({"places.yaml": PLACES + "  nmae_en: Mosul\n"},
     "content/places.yaml:4:3: error: unknown field 'nmae_en' in place\n  hint: did you mean 'name_en'?"),
    ({"places.yaml": PLACES + "  lat: north\n"}, "content/places.yaml:4:8: error: 'lat' must be a number, found the text 'north'"),
    ({"places.yaml": PLACES + "  lat: 136.5\n"}, "content/places.yaml:4:8: error: 'lat' 136.5 is outside -90..90"),
    ({"places.yaml": PLACES + "- id: mosul\n  name: الموصل\n"},
     "content/places.yaml:4:7: error: duplicate place id 'mosul' (first defined at content/places.yaml:1:7)"),
    ({"events.yaml": EVENTS.replace("date: 2017-07-10", "date: 2017-02-30")},
     "content/events.yaml:3:9: error: 'date': '2017-02-30' is not a real date (February 2017 has 28 days)"),
    ({"events.yaml": EVENTS.replace("date: 2017-07-10", "date: 2017-13")},
     "content/events.yaml:3:9: error: 'date': '2017-13' has no month 13"),
    ({"events.yaml": EVENTS.replace("date: 2017-07-10", "date: 2017-7-10")},
     "content/events.yaml:3:9: error: 'date': '2017-7-10' needs two digits for the month and the day"),
    ({"events.yaml": EVENTS.replace("date: 2017-07-10", "date: {start: 2017-08-20, end: 2017-08-01}")},
     "content/events.yaml:3:9: error: 'date': range ends (2017-08-01) before it starts (2017-08-20)"),
    ({"events.yaml": EVENTS.replace("date: 2017-07-10", "date: 2999-07-10")},
     "content/events.yaml:3:9: error: 'date' 2999-07-10 is far in the future"),
    ({"events.yaml": EVENTS + "  sources:\n    - title: مصدر\n      url: javascript:alert(1)\n"},
     "content/events.yaml:9:12: error: 'url' 'javascript:alert(1)' has 'javascript:'; only http, https and mailto"),
    ({"articles/one.yaml": ANN + "related:\n  - title: قصة\n    url: data:text/html,x\n"},
     "content/articles/one.yaml:11:10: error: 'url' 'data:text/html,x' has 'data:'"),
    ({"articles/one.md": ONE.replace("date:", "source_url: JavaScript:alert(1)\ndate:")},
     "content/articles/one.md:3:13: error: 'source_url' 'JavaScript:alert(1)' has 'javascript:'"),
    ({"articles/one.yaml": ANN.replace("ref: actor:isis", "ref: actor:isys")},
     "content/articles/one.yaml:4:10: error: unknown actor id 'isys'\n  hint: did you mean 'isis'?"),
    ({"articles/one.yaml": ANN + "related:\n  - title: قصة\n    article: onee\n"},
     "content/articles/one.yaml:11:14: error: related story points to unknown article 'onee'\n  hint: did you mean 'one'?"),
    ({"articles/one.yaml": ANN.replace("quote: داعش", "quote: الدولة")},
     "content/articles/one.yaml:5:12: error: actor mention quote «الدولة» is not in the article text\n  hint: the nearest"),
    ({"articles/one.md": ONE.replace("داعش.", "داعش. استعادة السيطرة على مدينة الموصل")},
     "content/articles/one.yaml:8:12: error: event quote «استعادة السيطرة على مدينة الموصل» occurs 2 times"),
])
def test_each_mistake_gives_exactly_one_located_error(tmp_path, changes, expected):
    found = diagnose(tmp_path, changes)
    errors = [d for d in found if ": error: " in d]
    assert len(errors) == 1, found
    assert errors[0].startswith(expected), errors[0]


@pytest.mark.parametrize("bad_id, suggestion", [
    ("Mosul", "mosul"), ("الموصل", "almwsl"), ("mosul city", "mosul-city"), ("../etc", "etc"),
    ("a/b", "a-b"), ("/etc/passwd", "etc-passwd"), ("mosul_2017", "mosul-2017"), ("-mosul", "mosul"),
])
def test_bad_ids_are_refused_with_a_valid_suggestion_and_no_cascade(tmp_path, bad_id, suggestion):
    found = diagnose(tmp_path, {"places.yaml": PLACES.replace("id: mosul", f"id: '{bad_id}'")})
    assert len(found) == 1, found  # the references to 'mosul' are not reported again
    assert found[0].startswith(f"content/places.yaml:1:7: error: 'id' value {bad_id!r} is not a valid identifier")
    assert f"e.g. '{suggestion}'" in found[0]


def test_an_entry_that_fails_does_not_make_its_references_unknown(tmp_path):
    found = diagnose(tmp_path, {"events.yaml": EVENTS.replace("type: territory-change", "type: war")})
    assert len(found) == 1 and "'type' must be one of" in found[0], found


def test_a_registry_that_does_not_parse_gives_one_message(tmp_path):
    found = diagnose(tmp_path, {"places.yaml": "- id: mosul\n  name: [الموصل\n"})
    assert len(found) == 1 and found[0].startswith("content/places.yaml:3:1: error: YAML syntax error"), found


@pytest.mark.parametrize("changes, expected", [
    ({"articles/two.md": ONE.replace("date:", "slug: one\ndate:")},
     ["content/articles/two.md:1:1: error: duplicate article slug 'one' (also one.md)\n"
      "  hint: slugs must be unique; change 'slug:' or the file name"]),
    ({"articles/one.yaml": ANN + "related:\n  - title: قصة\n    article: onee\n"},
     ["content/articles/one.yaml:11:14: error: related story points to unknown article 'onee'\n"
      "  hint: did you mean 'one'?"]),
    ({"articles/one.yaml": ANN + "related:\n  - title: قصة\n    url: https://example.org/x\n"
                                 "  - {title: نفسه, article: one}\n"},
     ["content/articles/one.yaml:12:28: warning: article lists itself as related\n  hint: remove this entry"]),
])
def test_checks_across_articles_are_the_same_in_a_build(tmp_path, changes, expected):
    """A build reads each article once, in a worker, and checks slugs and related links
    on the model: the messages and positions must be those of the checks on the sources."""
    assert diagnose(tmp_path / "a", changes) == expected
    assert diagnose(tmp_path / "b", changes, defer=True) == expected


def test_a_broken_article_does_not_make_related_links_to_it_unknown(tmp_path):
    two = ONE.replace("2017-07-11", "2017-02-30")
    found = diagnose(tmp_path, {"articles/two.md": two,
                                "articles/one.yaml": ANN + "related:\n  - title: قصة\n    article: two\n"})
    assert len(found) == 1 and found[0].startswith("content/articles/two.md:3:7: error: 'date'"), found


@pytest.mark.parametrize("where, field, text, char", [
    ("places.yaml", "id", PLACES.replace("id: mosul", "id: \"mosul\u200f\""), "U+200F RIGHT-TO-LEFT MARK"),
    ("articles/one.md", "title", ONE.replace("title: مقال", "title: \u202eمقال"), "U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("articles/one.yaml", "ref", ANN.replace("ref: actor:isis", "ref: \"actor:isis\u2066\""), "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ("places.yaml", "name", PLACES.replace("name: الموصل", "name: الموصل\u200b"), "U+200B ZERO WIDTH SPACE"),
    ("actors.yaml", "name", MINIMAL["actors.yaml"].replace("داعش", "دا\u061cعش"), "U+061C ARABIC LETTER MARK"),
])
def test_invisible_characters_are_a_warning_that_names_them(tmp_path, where, field, text, char):
    found = diagnose(tmp_path, {where: text})
    assert len(found) == 1, found
    assert f"warning: '{field}' contains invisible or direction-control characters: {char}" in found[0]


def test_invisible_characters_in_a_quote_are_named_too(tmp_path):
    found = diagnose(tmp_path, {"articles/one.yaml": ANN.replace("quote: داعش", "quote: \"داعش\u200f\"")})
    assert any("warning: 'quote' contains invisible or direction-control characters: U+200F" in d for d in found)


def test_bom_and_crlf_are_accepted(tmp_path):
    found = diagnose(tmp_path, {
        "places.yaml": b"\xef\xbb\xbf" + PLACES.encode(),
        "articles/one.md": ONE.replace("\n", "\r\n").encode(),
        "articles/one.yaml": ANN.replace("\n", "\r\n").encode(),
    })
    assert found == ["content/places.yaml:1:1: warning: file starts with a byte-order mark (U+FEFF); it was ignored\n"
                     "  hint: save the file as UTF-8 without BOM"]


def test_crlf_keeps_line_numbers(tmp_path):
    found = diagnose(tmp_path, {"places.yaml": (PLACES + "  lat: x\n").replace("\n", "\r\n").encode()})
    assert found[0].startswith("content/places.yaml:4:8: error: 'lat' must be a number")


def test_non_utf8_and_nul_bytes(tmp_path):
    found = diagnose(tmp_path, {"articles/one.md": ONE.encode("cp1256"), "actors.yaml": b"- id: isis\n  name: a\x00\n"})
    assert found[0].startswith("content/actors.yaml:2:10: error: file contains a NUL byte")
    assert found[1].startswith("content/articles/one.md:2:8: error: file is not valid UTF-8")
    assert len(found) == 2


def test_registry_folders_are_read_and_located(tmp_path):
    found = diagnose(tmp_path, {"places.yaml": None, "places/iraq/mosul.yaml": PLACES,
                                "places/.hidden.yaml": "garbage: [", "places/raqqa.yaml": "- id: Raqqa\n  name: الرقة\n"})
    assert found == ["content/places/raqqa.yaml:1:7: error: 'id' value 'Raqqa' is not a valid identifier\n"
                     "  hint: use lowercase ASCII letters, digits and '-' only, e.g. 'raqqa'"]


@pytest.mark.parametrize("empty", ["", "\n\n", "# annotations to do\n", "\ufeff# يتبع\r\n"],
                         ids=["empty", "blank-lines", "comment", "bom-crlf-comment"])
def test_annotation_and_registry_files_with_nothing_in_them_yet_are_no_mistake(tmp_path, empty):
    """A researcher's "# to do" file means no entries; site.yaml with nothing is still an error (it needs a title)."""
    found = diagnose(tmp_path, {
        "articles/two.md": "---\ntitle: مقال ثان\ndate: 2017-07-12\n---\nنص\n", "articles/two.yaml": empty,
        "actors/more.yaml": empty, "actors/isis.yaml": MINIMAL["actors.yaml"], "actors.yaml": None,
    })
    assert [d for d in found if "error" in d] == []
    assert diagnose(tmp_path / "site", {"site.yaml": empty.replace("\ufeff", "")}) != []


def test_every_problem_is_reported_in_one_run(tmp_path):
    found = diagnose(tmp_path, {
        "site.yaml": "title: x\nnumerals: arabic\n",
        "places.yaml": PLACES + "  lat: 100\n",
        "articles/one.md": ONE.replace("2017-07-11", "2017-02-30"),
    })
    assert [d.split(": error:")[0] for d in found] == [
        "content/articles/one.md:3:7", "content/places.yaml:4:8", "content/site.yaml:2:11"]


def test_files_in_articles_that_are_not_read_are_named(tmp_path):
    found = diagnose(tmp_path, {"articles/Two.MD": ONE, "articles/notes.txt": "x", "articles/.one.md.swp": "x"})
    assert found == [
        "content/articles/Two.MD: warning: Two.MD is not read\n"
        "  hint: articles are <slug>.md files (lowercase .md): rename it to two.md; annotations are <slug>.yaml",
        "content/articles/notes.txt: warning: notes.txt is not read\n"
        "  hint: articles are <slug>.md files (lowercase .md): rename it to notes.md; annotations are <slug>.yaml",
    ]


@pytest.mark.parametrize("changes, expected", [
    ({"articles/one.md": "\n" + ONE}, "content/articles/one.md:1:1: error: front matter must start on the first line"),
    ({"places.yaml": PLACES + "---\n- id: raqqa\n  name: الرقة\n"},
     "content/places.yaml:4:1: error: a second YAML document starts here"),
    ({"articles/one.yaml": ANN.replace("quote: داعش", "quote: داعش\n    suffix: والرقة")},
     "content/articles/one.yaml:6:13: error: actor mention quote «داعش» occurs 1 time(s), but never with suffix «والرقة»"),
])
def test_near_misses_are_explained(tmp_path, changes, expected):
    found = diagnose(tmp_path, changes)
    assert len(found) == 1 and found[0].startswith(expected), found


def _registries_of(content: Path) -> tuple[dict, dict, list]:
    """The registries a build loads from ``content``: entries, broken ids, messages."""
    problems = Problems()
    got = load(content, problems, defer_articles=True)
    return got.registries, got.broken, [d.format() for d in problems.items]


def test_a_big_registry_parsed_in_parts_gives_what_the_one_piece_parse_gives(tmp_path, monkeypatch):
    """Registries over SPLIT_BYTES are cut at their top-level entries and parsed on every
    core; entries, positions and broken ids must be exactly those of one parse."""
    from builder import load as load_stage
    from fixtures_site import generated_corpus

    content = generated_corpus(tmp_path / "content", 240, seed=5)
    events = content / "events.yaml"
    text = events.read_text(encoding="utf-8")
    # One bad entry (an error) and a leading comment: the split must still agree, or step aside.
    events.write_text("# events\n\n" + text, encoding="utf-8")

    monkeypatch.setattr(load_stage, "SPLIT_BYTES", 0)
    from builder.schema import LIST_FILES
    assert load_stage._split_registry(events, LIST_FILES["events"]) is not None  # the parts path is taken
    split = _registries_of(content)
    monkeypatch.setattr(load_stage, "_split_registry", lambda path, record: None)
    whole = _registries_of(content)
    assert split == whole
    assert len(split[0]["events"]) == 120 and split[0]["events"][5]["_loc"].line > 10

    monkeypatch.undo()
    monkeypatch.setattr(load_stage, "SPLIT_BYTES", 0)
    events.write_text(text.replace("- id: e7\n", "- id: E 7\n", 1), encoding="utf-8")
    split = _registries_of(content)
    monkeypatch.setattr(load_stage, "_split_registry", lambda path, record: None)
    assert split == _registries_of(content) and any("e7" in m or "E 7" in m for m in split[2])


def test_a_big_registry_with_anchors_is_parsed_whole_by_a_worker(tmp_path, monkeypatch):
    """A big registry that cannot be cut at its entries (an alias refers to an anchor in
    another entry) is parsed whole by a worker, so that the parse's garbage stays out of
    the build's own heap: entries, positions, broken ids and messages as in one process."""
    from builder import load as load_stage
    from fixtures_site import generated_corpus

    content = generated_corpus(tmp_path / "content", 240, seed=7)
    events = content / "events.yaml"
    text = events.read_text(encoding="utf-8")
    text = text.replace("\n  title: ", "\n  title: &first ", 1).replace("- id: e9\n", "- id: E 9\n")
    head, _, rest = text.partition("- id: e3\n")
    events.write_text(head + "- id: e3\n  title_en: *first\n" + rest, encoding="utf-8")
    monkeypatch.setattr(load_stage, "SPLIT_BYTES", 0)
    taken = []
    monkeypatch.setattr(load_stage, "map_in_workers", lambda fn, items, *rest, real=load_stage.map_in_workers: (
        taken.append((fn.__name__, len(items))), real(fn, items, *rest))[1])

    monkeypatch.setenv("ATHAR_JOBS", "2")
    in_worker = _registries_of(content)
    assert ("_registry_file_chunk", 1) in taken
    monkeypatch.setenv("ATHAR_JOBS", "1")
    assert in_worker == _registries_of(content)
    entries = {e["id"]: e for e in in_worker[0]["events"]}
    assert entries["e3"]["title_en"] == entries["e0"]["title"] and entries["e3"]["_loc"].line > 20
    assert any("E 9" in m for m in in_worker[2]) and "e9" not in entries


def test_a_registry_folder_read_on_every_core_gives_what_reading_each_file_whole_gives(tmp_path, monkeypatch):
    """Files of a registry folder are read in workers, entry by entry: entries, positions,
    broken ids and messages must be those of parsing each file whole, in one process."""
    from builder import load as load_stage
    from fixtures_site import generated_corpus

    content = generated_corpus(tmp_path / "content", 240, seed=6)
    events = content / "events.yaml"
    entries = events.read_text(encoding="utf-8").split("\n- id: ")
    events.unlink()
    (content / "events" / "y").mkdir(parents=True)
    parts = [entries[0]] + ["- id: " + e for e in entries[1:]]
    for n in range(4):  # four files, the last in a subfolder, one entry broken, one file with a comment first
        chunk = "\n".join(parts[n::4]).replace("- id: e9\n", "- id: E 9\n")
        (content / "events" / ("y" if n == 3 else "") / f"{n}.yaml").write_text(
            ("# part\n" if n == 1 else "") + chunk.rstrip("\n") + "\n", encoding="utf-8")

    monkeypatch.setenv("ATHAR_JOBS", "2")
    by_entry = _registries_of(content)
    monkeypatch.setattr(load_stage, "_entry_runs", lambda path: None)
    monkeypatch.setenv("ATHAR_JOBS", "1")
    assert by_entry == _registries_of(content)
    assert len(by_entry[0]["events"]) == 119 and any("E 9" in m for m in by_entry[2])


def test_a_colon_error_says_whether_to_quote_or_to_indent(tmp_path):
    """'mapping values are not allowed' comes from a colon inside a value (quote it) or from
    a line indented under the one above (line it up): the hint says which."""
    quoted = diagnose(tmp_path / "a", {"articles/one.md": ONE.replace("title: مقال أول", "title: مقال: أول")})
    assert len(quoted) == 1 and "hint: a value containing ': ' must be quoted" in quoted[0], quoted
    indented = diagnose(tmp_path / "b", {"articles/one.yaml": ANN.replace("    quote: الموصل", "      quote: الموصل")})
    assert len(indented) == 1 and indented[0].startswith("content/articles/one.yaml:3:12: error: YAML syntax error"), indented
    assert "hint: this line is indented more than the key above it" in indented[0]
