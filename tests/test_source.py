"""Reading files as untrusted input: encodings, limits, hostile YAML, exact locations."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import Loc, Problems
from builder.source import (
    MAX_ALIAS_EXPANSION, MAX_FILE_BYTES, MAX_YAML_DEPTH, LDict, LList, YInt, parse_yaml, read_text, source_text,
)

F = Path("f.yaml")


def parse(text: str, line_offset: int = 0):
    problems = Problems()
    value = parse_yaml(text, Loc(F), problems, line_offset)
    return value, problems


def only_error(problems: Problems) -> str:
    """The single diagnostic, formatted; fails if there is not exactly one."""
    assert len(problems.items) == 1, [d.format() for d in problems.items]
    return problems.items[0].format()


# ------------------------------------------------------------ bytes -> text

def read(tmp_path: Path, data: bytes) -> tuple[str | None, Problems]:
    path = tmp_path / "f.yaml"
    path.write_bytes(data)
    problems = Problems()
    return read_text(path, problems), problems


def test_utf8_crlf_and_lone_cr_become_newlines(tmp_path):
    text, problems = read(tmp_path, "a: الموصل\r\nb: 1\rc: 2\n".encode())
    assert text == "a: الموصل\nb: 1\nc: 2\n" and not problems.items


def test_bom_is_dropped_with_a_warning(tmp_path):
    text, problems = read(tmp_path, b"\xef\xbb\xbfa: 1\n")
    assert text == "a: 1\n"
    assert [d.severity for d in problems.items] == ["warning"]
    assert "byte-order mark (U+FEFF)" in problems.items[0].message and problems.items[0].loc.line == 1


def test_invalid_utf8_names_line_column_and_byte(tmp_path):
    text, problems = read(tmp_path, "a: 1\nb: مدينة \xe9\n".encode("utf-8").replace(b"\xc3\xa9", b"\xe9"))
    assert text is None
    assert only_error(problems).startswith(f"{tmp_path / 'f.yaml'}:2:10: error: file is not valid UTF-8 (byte 0xe9)")


def test_utf16_file_is_refused_not_misread(tmp_path):
    text, problems = read(tmp_path, "title: عنوان\n".encode("utf-16"))
    assert text is None and ":1:1: error: file is UTF-16, not UTF-8" in only_error(problems)


def test_nul_byte_is_located(tmp_path):
    text, problems = read(tmp_path, b"a: 1\nbb: x\x00y\n")
    assert text is None
    assert ":2:6: error: file contains a NUL byte" in only_error(problems)


def test_oversize_file_is_refused_without_reading_past_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as fh:  # sparse: 4 GB that cost no disk
        fh.truncate(64 * MAX_FILE_BYTES)
    wanted = []
    real_open = open

    def counting_open(*args, **kwargs):
        fh = real_open(*args, **kwargs)
        real_read = fh.read
        fh_read = lambda n=-1: wanted.append(n) or real_read(n)  # noqa: E731
        return _Wrapped(fh, fh_read)

    monkeypatch.setattr("builder.source.open", counting_open, raising=False)
    problems = Problems()
    assert read_text(path, problems) is None
    assert wanted == [MAX_FILE_BYTES + 1]  # one bounded read, never "read it all"
    assert "over the 67,108,864-byte limit (4,294,967,296 bytes)" in only_error(problems)


class _Wrapped:
    """A file object whose read() is observed."""

    def __init__(self, fh, read):
        self._fh, self.read = fh, read

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


def test_a_link_to_a_device_is_refused(tmp_path):
    link = tmp_path / "places.yaml"
    link.symlink_to("/dev/zero")
    problems = Problems()
    assert read_text(link, problems) is None
    assert "not a regular file" in only_error(problems)


def test_a_folder_where_a_file_belongs(tmp_path):
    (tmp_path / "site.yaml").mkdir()
    problems = Problems()
    assert read_text(tmp_path / "site.yaml", problems) is None
    assert "site.yaml is a folder" in only_error(problems)


# ------------------------------------------------------------ YAML

def test_values_keep_their_locations():
    value, problems = parse("- id: mosul\n  name: الموصل\n  aliases: [موصل, الموصل]\n", line_offset=1)
    assert not problems.items and isinstance(value, LList)
    item = value[0]
    assert isinstance(item, LDict) and item["name"] == "الموصل"
    assert item.key_locs["name"] == Loc(F, 3, 3)
    assert item.where("name") == Loc(F, 3, 9)  # column counts characters, not bytes
    assert item["aliases"].item_locs[1] == Loc(F, 4, 19)


def test_dates_stay_text_and_numbers_keep_their_spelling():
    value, _ = parse("d: 2017-07-10\nt: 2017-07-10T10:00:00\nn: 010\nm: 1_000\nf: 1.50\neq: =\n")
    assert value["d"] == "2017-07-10" and value["t"] == "2017-07-10T10:00:00"
    assert isinstance(value["n"], YInt) and source_text(value["n"]) == "010"
    assert source_text(value["m"]) == "1_000" and source_text(value["f"]) == "1.50"
    assert value["eq"] == "="


def test_duplicate_key_names_both_lines():
    _, problems = parse("title: a\ndate: 2017\ntitle: b\n")
    assert only_error(problems).startswith("f.yaml:3:1: error: duplicate key 'title' (first at line 1)")


@pytest.mark.parametrize("text, where", [
    ("a: !!python/object/apply:os.system ['echo hi']\n", "1:4"),
    ("a: !!python/object:builtins.dict {}\n", "1:4"),
    ("a: !!python/name:os.system\n", "1:4"),
    ("- !!binary aGVsbG8=\n", "1:3"),
    ("a: !!set {x, y}\n", "1:4"),
    ("a: !custom value\n", "1:4"),
])
def test_tags_that_construct_objects_are_refused(text, where):
    _, problems = parse(text)
    message = only_error(problems)
    assert message.startswith(f"f.yaml:{where}: error: YAML tag '!")
    assert "is not allowed" in message


def test_merge_keys_are_refused():
    _, problems = parse("base: &b {a: 1}\nx:\n  <<: *b\n")
    assert "merge keys (<<) are not supported" in only_error(problems)


def test_billion_laughs_stops_early():
    """9**9 = 387 million values if expanded; the walker stops after MAX_ALIAS_EXPANSION.

    Time and memory are measured in benchmarks/hostile_inputs.py.
    """
    rows = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    rows += [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    value, problems = parse("\n".join(rows) + "\n")
    assert value is None
    assert f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} values" in only_error(problems)


def test_aliases_below_the_limit_are_fine():
    value, problems = parse("src: &s {title: مصدر}\nlist: [*s, *s]\n")
    assert not problems.items and value["list"][1]["title"] == "مصدر"


@pytest.mark.parametrize("text, where", [
    ("[" * 5000 + "]" * 5000 + "\n", "1:"),
    ("".join("  " * i + "-\n" for i in range(200)), f"{MAX_YAML_DEPTH + 1}:"),
    ("".join("  " * i + f"k{i}:\n" for i in range(200)), f"{MAX_YAML_DEPTH}:"),
])
def test_deep_nesting_is_a_located_error_not_a_crash(text, where):
    value, problems = parse(text)
    assert value is None
    message = only_error(problems)
    assert message.startswith("f.yaml:" + where)
    assert f"nested more than {MAX_YAML_DEPTH} levels deep" in message


@pytest.mark.parametrize("text, expected", [
    ("a:\n\tb: 1\n", "f.yaml:2:1: error: tab character in YAML indentation"),
    ("- a\n-\tb: 1\n  c: 2\n", None),  # libyaml accepts a tab after '-'; either way no crash
    ("title: الموصل: مدينة\n", "f.yaml:1:14: error: YAML syntax error: mapping values are not allowed"),
    ("a: \"open\nb: 2\n", "f.yaml:3:1: error: YAML syntax error: found unexpected end of stream"),
    ("a: *nowhere\n", "f.yaml:1:4: error: YAML syntax error: found undefined alias 'nowhere'"),
    ("a: [1, 2\n", "f.yaml:2:1: error: YAML syntax error"),
    ("a: b\x07c\n", "f.yaml:1:5: error: character U+0007 is not allowed in YAML"),
    ("a: b\nc: \ufffe\n", "f.yaml:2:4: error: character U+FFFE is not allowed in YAML"),
])
def test_syntax_errors_are_located(text, expected):
    value, problems = parse(text)
    if expected is None:
        assert len(problems.errors) <= 1
        return
    assert value is None
    assert only_error(problems).startswith(expected)


def test_front_matter_lines_are_offset():
    _, problems = parse("title: x\nsource: a: b\n", line_offset=1)
    assert only_error(problems).startswith("f.yaml:3:10: error: YAML syntax error")


def test_keys_must_be_plain_names():
    value, problems = parse("? [a, b]\n: 1\ntitle: x\n")
    assert value == {"title": "x"}
    assert only_error(problems).startswith("f.yaml:1:3: error: a key must be a plain name, not a list")


def test_lone_surrogates_are_an_error_not_a_crash():
    value, problems = parse("a: b\ud800\n")
    assert value is None and "lone surrogate" in only_error(problems)


def test_empty_and_comment_only_text_give_none_without_problems():
    for text in ("", "# only a comment\n", "---\n"):
        value, problems = parse(text)
        assert value is None and not problems.items


@pytest.mark.parametrize("data, where, name", [
    ("a: 1\nb: x\x07y\n".encode(), "2:5", "U+0007 (BELL)"),
    ("نص\x1b\n".encode(), "1:3", "U+001B (ESCAPE)"),
    ("a\u0085b".encode(), "1:2", "U+0085 (NEXT LINE)"),
    ("a\ufffeb".encode(), "1:2", "U+FFFE"),
])
def test_control_characters_are_refused_with_their_name(tmp_path, data, where, name):
    text, problems = read(tmp_path, data)
    assert text is None
    assert f":{where}: error: file contains the control character {name}" in only_error(problems)


def test_tabs_and_newlines_are_not_control_characters(tmp_path):
    text, problems = read(tmp_path, "a: |\n  سطر\tأول\n  سطر\n".encode())
    assert text is not None and not problems.items
