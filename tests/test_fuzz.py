"""Property tests: any input gives a clean load or clean problems, never an exception.

Random text (Arabic, direction controls, emoji, NUL, lone surrogates, YAML
punctuation) and random YAML values go to every layer: bytes -> text, text
-> YAML, YAML -> records, a whole content folder -> corpus -> site, and the
real command line.  Example counts stay modest so the suite stays fast.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from builder.build import Options, build
from builder.corpus import build_corpus
from builder.errors import ContentError, Diagnostic, Loc, Problems
from builder.load import load
from builder.schema import RECORDS, validate
from builder.source import LDict, LList, decode, parse_yaml
from fixtures_site import MINIMAL, write_content

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SPECIAL = (
    "الموصلداعشاستعادةالسيطرةعلىمدينة" "ـًٌٍَُِّْ" "٠١٢٣٤٥٦٧٨٩" "\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff" "😀🇮🇶👍🏽" "\x00\x07\x1b\x7f\x85\u2028\u2029"
    "\t\r\n :-[]{}#&*!|>'\"%@`,?<>/\\=~" "abcXYZ019"
)
characters = st.one_of(st.sampled_from(SPECIAL), st.characters())  # st.characters() includes lone surrogates
texts = st.text(characters, max_size=200)
lines = st.lists(st.text(st.sampled_from(SPECIAL), max_size=40), max_size=12).map("\n".join)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                    st.text(st.sampled_from(SPECIAL), max_size=30))
PRINTABLE = "".join(c for c in SPECIAL if c.isprintable() or c in " \n")
plain_texts = st.text(st.sampled_from(PRINTABLE), min_size=1, max_size=60)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(st.sampled_from(SPECIAL), max_size=12), inner, max_size=4)),
    max_leaves=20)


def _dump(value: Any) -> str:
    """YAML text for a Python value, as a person could have typed it."""
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=False)


def _clean(problems: Problems) -> None:
    for d in problems.items:
        assert isinstance(d, Diagnostic) and d.severity in ("error", "warning") and d.message
        assert "\n" not in str(d.loc)
        d.format()


def _plain(value: Any) -> None:
    """A parsed value holds only the types the loader expects."""
    if isinstance(value, LDict):
        assert all(isinstance(k, str) for k in value)
        for v in value.values():
            _plain(v)
    elif isinstance(value, LList):
        for v in value:
            _plain(v)
    else:
        assert value is None or isinstance(value, (str, int, float, bool)), type(value)


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes_decode_or_give_a_located_error(data):
    problems = Problems()
    text = decode(data, Loc(Path("f.yaml")), problems)
    _clean(problems)
    assert (text is None) == bool(problems.errors)
    assert text is None or ("\x00" not in text and "\r" not in text)


@FUZZ
@given(st.one_of(texts, lines))
def test_any_text_parses_or_gives_problems(text):
    problems = Problems()
    value = parse_yaml(text, Loc(Path("f.yaml")), problems, line_offset=1)
    _clean(problems)
    _plain(value)
    for d in problems.items:
        assert d.loc.line >= 2  # the offset is applied to every location


@FUZZ
@given(values)
def test_any_yaml_value_round_trips_or_gives_problems(value):
    problems = Problems()
    parsed = parse_yaml(_dump(value), Loc(Path("f.yaml")), problems)
    _clean(problems)
    _plain(parsed)


@FUZZ
@given(st.sampled_from(sorted(RECORDS)), values)
def test_any_value_validates_or_gives_problems(name, value):
    problems = Problems()
    node = parse_yaml(_dump(value), Loc(Path("f.yaml")), problems)
    if isinstance(node, LDict) or node is None:
        result = validate(RECORDS[name], node, Loc(Path("f.yaml"), 1, 1), problems)
        assert result is None or isinstance(result, dict)
    _clean(problems)


FIELDS = {
    "site.yaml": lambda v: {"title": v},
    "places.yaml": lambda v: [{"id": "mosul", "name": v, "aliases": [v], "name_en": v}],
    "actors.yaml": lambda v: [{"id": "isis", "name": "داعش", "description": v}],
    "events.yaml": lambda v: [{"id": "mosul-2017", "title": v, "date": v, "places": ["mosul"]}],
    "articles/one.yaml": lambda v: {"mentions": [{"ref": "place:mosul", "quote": v}],
                                    "notes": [{"quote": "الموصل", "text": v}], "related": [{"title": v, "url": v}]},
}


TEXT_FIELDS = {
    "site.yaml": lambda v: {"title": v, "description": v},
    "places.yaml": lambda v: [{"id": "mosul", "name": v, "aliases": [v, "موصل"], "name_en": v, "description": v}],
    "actors.yaml": lambda v: [{"id": "isis", "name": v, "description": v}],
    "events.yaml": lambda v: [{"id": "mosul-2017", "title": v, "date": "2017", "places": ["mosul"], "description": v,
                               "sources": [{"title": v}]}],
    "articles/one.yaml": lambda v: {"mentions": [{"ref": "place:mosul", "quote": "الموصل"}],
                                    "notes": [{"quote": "الموصل", "text": v}], "related": [{"title": v}]},
}
"""Fields that take any text: what passes the checks there must render."""


def _corpus(target: str, value: Any, raw: str | None, fields: dict = FIELDS) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = dict(MINIMAL)
    if raw is not None:
        files[target] = raw.encode("utf-8", "surrogatepass")
    elif target == "articles/one.md":
        body = MINIMAL["articles/one.md"].split("---\n", 2)[2]
        files[target] = "---\n" + _dump({"title": value, "date": "2017-07-11", "tags": [value]}) + "---\n" + body + \
            f"\n{value}\n"
    else:
        files[target] = _dump(fields[target](value))
    return files


@SLOW
@given(st.sampled_from(sorted([*FIELDS, "articles/one.md"])), values, st.one_of(st.none(), texts, lines))
def test_any_content_folder_loads_or_gives_problems(target, value, raw):
    with tempfile.TemporaryDirectory() as tmp:
        root = write_content(Path(tmp) / "content", _corpus(target, value, raw))
        problems = Problems()
        content = load(root, problems)
        build_corpus(content, problems)
        _clean(problems)
        event("clean" if not problems.items else "errors" if problems.errors else "warnings")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted([*TEXT_FIELDS, "articles/one.md"])), plain_texts)
def test_any_content_that_checks_out_also_builds(target, value):
    """What passes the checks must render: the pipeline may not fail after validation."""
    with tempfile.TemporaryDirectory() as tmp:
        root = write_content(Path(tmp) / "content", _corpus(target, value, None, TEXT_FIELDS))
        try:
            result = build(Options(content=root, output=Path(tmp) / "site"))
        except ContentError as exc:
            _clean(exc.problems)
            event("refused")
            return
        event("built")
        assert result.files > 10 and (Path(tmp) / "site" / "index.html").is_file()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted([*FIELDS, "articles/one.md"])), st.one_of(texts, lines))
def test_the_command_line_never_shows_a_traceback(target, raw):
    with tempfile.TemporaryDirectory() as tmp:
        write_content(Path(tmp) / "content", _corpus(target, None, raw))
        result = subprocess.run([sys.executable, "-m", "builder", "check"], cwd=tmp, capture_output=True, text=True,
                                timeout=120, env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent),
                                                  "PATH": "/usr/bin:/bin"})
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr
        if result.returncode == 1:
            assert ": error: " in result.stderr


def test_the_strategies_reach_the_hard_characters():
    """The alphabet really holds what the properties claim to cover."""
    for ch in ("\x00", "\u202e", "\u2067", "\u061c", "😀", "ـ", ":"):
        assert ch in SPECIAL
    assert json.dumps(SPECIAL)
