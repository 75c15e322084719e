"""The JSON Schemas editors use and the loader agree: same good values, same bad values.

Each case puts one value into one field of an otherwise valid file, then
asks both judges: the loader (builder.load on a real content folder) and
jsonschema with ``athar schema NAME``.  Good values must pass both without
a warning; bad values must fail both.  The few checks a JSON Schema cannot
express are listed separately, so the gap is explicit and tested too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from builder.errors import Loc, Problems
from builder.load import load
from builder.schema import SCHEMA_NAMES, json_schema, schema_text
from builder.source import parse_yaml
from fixtures_site import CONTENT, MINIMAL, athar, write_content

SCHEMAS = Path(__file__).resolve().parent.parent / "builder" / "schemas"

BASE: dict[str, Any] = {
    "site": {"title": "موقع"},
    "places": [{"id": "mosul", "name": "الموصل"}],
    "actors": [{"id": "isis", "name": "داعش"}],
    "events": [{"id": "mosul-2017", "title": "استعادة الموصل", "date": "2017-07-10"}],
    "front-matter": {"title": "مقال", "date": "2017-07-11"},
    "annotations": {"mentions": [{"ref": "place:mosul", "quote": "الموصل"}]},
}
"""A valid document of each kind; a case changes one field of it."""

TARGET = {
    "site": lambda d: d, "places": lambda d: d[0], "actors": lambda d: d[0], "events": lambda d: d[0],
    "front-matter": lambda d: d, "annotations": lambda d: d["mentions"][0],
}
"""Where a case's field lives in the document."""

# (schema, field, value); values are YAML source text, as a researcher types it.
GOOD = [
    ("site", "title", "'12'"), ("site", "title", "12"), ("site", "hijri", "true"), ("site", "numerals", "arab"),
    ("site", "description", ""),  # empty optional field = absent
    ("places", "id", "mosul-2017"), ("places", "id", "2017"), ("places", "name_en", "Mosul"),
    ("places", "aliases", "[موصل, الموصل]"), ("places", "aliases", "موصل"), ("places", "aliases", "[]"),
    ("places", "lat", "36.34"), ("places", "lat", "-90"), ("places", "lon", "180"), ("places", "country", "IQ"),
    ("places", "wikidata", "Q83298"),
    ("actors", "kind", "armed group"),
    ("events", "date", "2017"), ("events", "date", "'2017-07'"), ("events", "date", "2017-07-10"),
    ("events", "date", "{start: 2017-08-20, end: 2017-08-31}"), ("events", "date", "{start: 2017, end: 2018-02}"),
    ("events", "date", "2016-02-29"),
    ("events", "type", "battle"), ("events", "places", "[mosul]"), ("events", "places", "mosul"),
    ("events", "sources", "[{title: مصدر, url: 'https://example.org/a?b=1#c'}]"), ("events", "sources", "[]"),
    ("front-matter", "source_url", "https://example.org/x"), ("front-matter", "source_url", "HTTP://EXAMPLE.ORG"),
    ("front-matter", "source_url", "mailto:desk@example.org"), ("front-matter", "tags", "[الموصل, داعش]"),
    ("front-matter", "retrieved", "2020-01-31"), ("front-matter", "slug", "one-story"),
    ("annotations", "ref", "actor:isis"), ("annotations", "occurrence", "2"), ("annotations", "occurrence", "all"),
    ("annotations", "prefix", "مدينة"),
]

BAD = [
    ("site", "title", "true"), ("site", "title", "''"), ("site", "title", '"a\\ab"'), ("site", "title", '"\\0"'),
    ("places", "aliases", '["a\\eb"]'), ("front-matter", "source_url", '"https://example.org/\\a"'),
    ("site", "title", "'   '"), ("site", "title", "[a]"),
    ("site", "title", "{a: 1}"), ("site", "hijri", "'yes'"), ("site", "hijri", "1"), ("site", "numerals", "arabic"),
    ("site", "direction", "RTL"), ("site", "colour", "red"),
    ("places", "id", "Mosul"), ("places", "id", "الموصل"), ("places", "id", "mosul city"), ("places", "id", "../etc"),
    ("places", "id", "a/b"), ("places", "id", "/etc/passwd"), ("places", "id", "-mosul"), ("places", "id", "mosul-"),
    ("places", "id", "mosul_2017"), ("places", "id", "''"), ("places", "id", "true"), ("places", "id", "[mosul]"),
    ("places", "id", "-5"), ("places", "name", "null"), ("places", "nmae_en", "Mosul"),
    ("places", "aliases", "[a, [b]]"), ("places", "aliases", "['']"), ("places", "aliases", "12"),
    ("places", "aliases", "{a: b}"), ("places", "aliases", "[true]"),
    ("places", "lat", "91"), ("places", "lat", "north"), ("places", "lat", "true"), ("places", "lon", "-180.5"),
    ("places", "lat", ".inf"),
    ("places", "country", "iq"), ("places", "country", "IRQ"), ("places", "wikidata", "q83298"),
    ("places", "wikidata", "Q0"), ("places", "wikidata", "83298"),
    ("events", "date", "2017-13"), ("events", "date", "2017-7"), ("events", "date", "2017-07-1"),
    ("events", "date", "2017-02-30"), ("events", "date", "2017-04-31"), ("events", "date", "17"),
    ("events", "date", "0000"), ("events", "date", "'July 2017'"), ("events", "date", "[2017]"),
    ("events", "date", "{start: 2017}"), ("events", "date", "{start: 2017, end: 2018, by: x}"),
    ("events", "date", "null"),
    ("events", "type", "war"), ("events", "type", "Battle"), ("events", "places", "[Mosul]"),
    ("events", "places", "{a: 1}"), ("events", "sources", "[{url: 'https://example.org'}]"),
    ("events", "sources", "[x]"), ("events", "sources", "{title: x}"),
    ("events", "sources", "[{title: x, url: 'javascript:alert(1)'}]"),
    ("front-matter", "date", "2017-7-11"), ("front-matter", "date", "2017-07"), ("front-matter", "date", "2017"),
    ("front-matter", "date", "11/07/2017"), ("front-matter", "date", "2017-06-31"),
    ("front-matter", "source_url", "'javascript:alert(1)'"), ("front-matter", "source_url", "'JavaScript:alert(1)'"),
    ("front-matter", "source_url", "'data:text/html,<script>alert(1)</script>'"),
    ("front-matter", "source_url", "'vbscript:msgbox'"), ("front-matter", "source_url", "ftp://example.org/x"),
    ("front-matter", "source_url", "/relative/path"), ("front-matter", "source_url", "//example.org/x"),
    ("front-matter", "source_url", "'https://'"), ("front-matter", "source_url", "'https://example.org/a b'"),
    ("front-matter", "source_url", "'https://example.org/\u200f'"), ("front-matter", "source_url", "'https://user@evil.org'"),
    ("front-matter", "source_url", "' https://example.org'"),
    ("front-matter", "slug", "../../etc"), ("front-matter", "slug", "One"), ("front-matter", "tags", "{a: 1}"),
    ("annotations", "ref", "person:x"), ("annotations", "ref", "place:Mosul"), ("annotations", "ref", "mosul"),
    ("annotations", "ref", "'place: mosul'"), ("annotations", "ref", "'place:'"), ("annotations", "occurrence", "0"),
    ("annotations", "occurrence", "-1"), ("annotations", "occurrence", "first"), ("annotations", "occurrence", "true"),
    ("annotations", "occurrence", "1.5"), ("annotations", "quote", "null"),
]

LOADER_ONLY = [
    ("events", "date", "2017-02-29", "not a real date"),
    ("events", "date", "2999", "far in the future"),
    ("events", "date", "{start: 2017-08-20, end: 2017-08-01}", "ends (2017-08-01) before it starts"),
    ("front-matter", "date", "2999-01-01", "far in the future"),
    ("places", "lat", ".nan", "outside -90..90"),  # JSON has no NaN; every comparison with it is false
]
"""Checks a JSON Schema cannot express: the schema accepts, the loader refuses."""


def _document(name: str, field: str, value_yaml: str) -> str:
    """The YAML text of BASE[name] with ``field`` set to the given YAML source."""
    doc = json.loads(json.dumps(BASE[name]))
    TARGET[name](doc)[field] = "@@VALUE@@"
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)
    return text.replace("'@@VALUE@@'", value_yaml)


def _plain(value: Any) -> Any:
    """What an editor's YAML parser hands the schema: plain JSON values (dates stay text)."""
    return json.loads(json.dumps(value))


FILES = {"site": "site.yaml", "places": "places.yaml", "actors": "actors.yaml", "events": "events.yaml",
         "annotations": "articles/one.yaml", "front-matter": "articles/one.md"}


def loader_verdict(tmp_path: Path, name: str, text: str) -> tuple[list[str], list[str]]:
    """Errors and warnings the loader reports for the changed file."""
    files = dict(MINIMAL)
    if name == "front-matter":
        files["articles/one.md"] = "---\n" + text + "---\n" + MINIMAL["articles/one.md"].split("---\n", 2)[2]
    else:
        files[FILES[name]] = text
    root = write_content(tmp_path / "content", files)
    problems = Problems()
    load(root, problems)
    mine = [d for d in problems.items if d.loc.path == root / FILES[name]]
    return ([d.format() for d in mine if d.severity == "error"], [d.format() for d in mine if d.severity == "warning"])


def schema_verdict(name: str, text: str) -> list[str]:
    problems = Problems()
    value = parse_yaml(text, Loc(Path(name)), problems)
    assert not problems.errors, [d.format() for d in problems.errors]
    validator = jsonschema.Draft202012Validator(json_schema(name))
    return [e.message for e in validator.iter_errors(_plain(value))]


@pytest.mark.parametrize("name, field, value", GOOD)
def test_good_values_pass_the_loader_and_the_schema(tmp_path, name, field, value):
    text = _document(name, field, value)
    errors, warnings = loader_verdict(tmp_path, name, text)
    assert errors == [] and warnings == []
    assert schema_verdict(name, text) == []


@pytest.mark.parametrize("name, field, value", BAD)
def test_bad_values_fail_the_loader_and_the_schema(tmp_path, name, field, value):
    text = _document(name, field, value)
    errors, _ = loader_verdict(tmp_path, name, text)
    assert len(errors) == 1, errors
    assert schema_verdict(name, text) != [], f"the schema accepts {field}: {value}"


@pytest.mark.parametrize("name, field, value, why", LOADER_ONLY)
def test_checks_beyond_json_schema_are_made_by_the_loader(tmp_path, name, field, value, why):
    text = _document(name, field, value)
    errors, _ = loader_verdict(tmp_path, name, text)
    assert len(errors) == 1 and why in errors[0], errors
    assert schema_verdict(name, text) == []


@pytest.mark.parametrize("name, text", [
    ("site", "- title: x\n"), ("places", "id: mosul\nname: x\n"), ("events", "hello\n"),
    ("annotations", "- ref: place:mosul\n"), ("front-matter", "- a\n"),
])
def test_a_file_of_the_wrong_shape_fails_both(tmp_path, name, text):
    errors, _ = loader_verdict(tmp_path, name, text)
    assert len(errors) == 1, errors
    assert schema_verdict(name, text) != []


@pytest.mark.parametrize("name", [n for n in SCHEMA_NAMES if n != "front-matter"])
def test_the_bundled_content_is_valid_against_its_schema(name):
    files = {"site": [CONTENT / "site.yaml"], "annotations": sorted((CONTENT / "articles").glob("*.yaml"))}
    paths = files.get(name) or [CONTENT / f"{name}.yaml", *sorted((CONTENT / name).glob("*.yaml"))]
    paths = [p for p in paths if p.is_file()]
    assert paths
    for path in paths:
        assert schema_verdict(name, path.read_text(encoding="utf-8")) == [], path


def test_the_bundled_front_matter_is_valid_against_its_schema():
    articles = sorted((CONTENT / "articles").glob("*.md"))
    assert articles
    for path in articles:
        front = path.read_text(encoding="utf-8").split("---\n", 2)[1]
        assert schema_verdict("front-matter", front) == [], path


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schemas_are_valid_shipped_and_printed(name):
    schema = json_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    shipped = SCHEMAS / f"{name}.json"
    assert shipped.read_text(encoding="utf-8") == schema_text(name), (
        f"{shipped} is stale: regenerate with `athar schema {name} > builder/schemas/{name}.json`")
    printed = athar("schema", name)
    assert printed.returncode == 0 and printed.stdout == schema_text(name)


def test_unknown_schema_name_is_a_usage_error():
    result = athar("schema", "nope")
    assert result.returncode == 2 and "invalid choice" in result.stderr and "Traceback" not in result.stderr


def test_every_field_is_documented_in_the_schema():
    for name in SCHEMA_NAMES:
        schema = json_schema(name)
        record = schema.get("items", schema)
        for field, spec in record["properties"].items():
            assert spec.get("description"), f"{name}.{field} has no description"


def test_schema_regexes_are_ecmascript_compatible():
    """Editors run the patterns as ECMAScript regular expressions: no Python-only syntax."""
    text = "".join(json.dumps(json_schema(n)) for n in SCHEMA_NAMES)
    for python_only in ("(?P<", "(?i", "\\A", "\\Z", "(?#"):
        assert python_only not in text
