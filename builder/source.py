"""Reading source files as untrusted input: bytes -> checked text -> YAML.

Every content file passes through here, so the checks that protect the
builder live in one place: a size limit, UTF-8 with a located error,
NUL bytes refused, a byte-order mark and CRLF accepted (with the BOM
reported), and YAML built only from plain scalars, lists and mappings.
YAML is composed with PyYAML's safe loader and converted by our own walker,
which keeps line and column for every value, refuses tags that construct
objects, counts nodes so that alias bombs stop early, and rejects duplicate
keys (PyYAML silently keeps the last).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from builder.errors import Loc, Problems

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Larger files are refused before parsing: no corpus file needs this much."""

MAX_YAML_NODES = 200_000
"""Values a YAML file may expand to, aliases included (stops "billion laughs")."""

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"


class LDict(dict):
    """A mapping from YAML that remembers where it and each key were."""

    loc: Loc
    key_locs: dict[str, Loc]
    value_locs: dict[str, Loc]

    def where(self, key: str) -> Loc:
        """Location of a key's value (or of the mapping when the key is absent)."""
        return self.value_locs.get(key, self.loc)


class LList(list):
    """A sequence from YAML that remembers where it and each item were."""

    loc: Loc
    item_locs: list[Loc]


def read_text(path: Path, problems: Problems) -> str | None:
    """Read a file as UTF-8 text, or record why it cannot be and return None."""
    loc = Loc(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.error(
                loc,
                f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit",
                "split it: registries may be folders of smaller files (places/*.yaml)",
            )
            return None
        data = path.read_bytes()
    except OSError as exc:
        problems.error(loc, f"cannot read file: {exc.strerror or exc}")
        return None
    return decode(data, loc, problems)


def decode(data: bytes, loc: Loc, problems: Problems) -> str | None:
    """Decode UTF-8, naming the line and column of the first bad byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        problems.warning(
            loc.at(1, 1),
            "file starts with a byte-order mark (U+FEFF); it was ignored",
            "save the file as UTF-8 without BOM",
        )
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data[: exc.start].decode("utf-8", "replace"))
        problems.error(
            loc.at(line, col),
            f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            "re-save the file with UTF-8 encoding",
        )
        return None
    if "\x00" in text:
        line, col = _line_col(text[: text.index("\x00")])
        problems.error(loc.at(line, col), "file contains a NUL byte", "remove it; text files never need one")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _line_col(prefix: str) -> tuple[int, int]:
    """1-based line and column of the character after ``prefix``."""
    line = prefix.count("\n") + 1
    col = len(prefix) - (prefix.rfind("\n") + 1) + 1
    return line, col


def parse_yaml(text: str, loc: Loc, problems: Problems, line_offset: int = 0) -> Any:
    """Parse YAML text into LDict/LList/scalars, recording problems.

    ``line_offset`` shifts reported lines, for YAML embedded in a larger
    file (front matter).  Returns None when the text is unusable.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        _report_yaml_error(exc, text, loc, problems, line_offset)
        return None
    except yaml.YAMLError as exc:
        problems.error(loc, f"YAML error: {exc}")
        return None
    except RecursionError:
        problems.error(loc, "YAML is nested too deeply", "flatten the structure")
        return None
    if node is None:
        return None
    walker = _Walker(loc, problems, line_offset)
    try:
        return walker.convert(node, depth=0)
    except _TooBig:
        problems.error(
            loc.at(node.start_mark.line + 1 + line_offset, node.start_mark.column + 1),
            f"YAML expands to more than {MAX_YAML_NODES:,} values (alias bomb?)",
            "do not build large structures out of anchors and aliases",
        )
        return None


def _report_yaml_error(exc: yaml.MarkedYAMLError, text: str, loc: Loc, problems: Problems, line_offset: int) -> None:
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + 1 + line_offset) if mark else 0
    col = (mark.column + 1) if mark else 0
    what = exc.problem or str(exc)
    lines = text.split("\n")
    src_line = lines[mark.line] if mark and mark.line < len(lines) else ""
    if "\t" in src_line and ("\\t" in what or "tab" in what.lower() or "cannot start any token" in what):
        problems.error(
            loc.at(line, src_line.index("\t") + 1),
            "tab character in YAML indentation",
            "YAML indents with spaces only; replace the tab with spaces",
        )
        return
    context = f" ({exc.context})" if exc.context else ""
    problems.error(loc.at(line, col), f"YAML syntax error: {what}{context}", _yaml_hint(what))


def _yaml_hint(what: str) -> str:
    if "mapping values are not allowed" in what:
        return "a value containing ': ' must be quoted, e.g. title: \"a: b\""
    if "could not find expected ':'" in what:
        return "each key needs a colon and a space after it"
    if "expected <block end>" in what or "did not find expected" in what:
        return "check the indentation of this line against the lines above it"
    return "check the YAML syntax near this position"


class _TooBig(Exception):
    pass


class _Walker:
    """Converts composed YAML nodes into located Python values."""

    def __init__(self, loc: Loc, problems: Problems, line_offset: int):
        self.loc = loc
        self.problems = problems
        self.line_offset = line_offset
        self.count = 0
        self.constructor = SafeConstructor()

    def here(self, node: Node) -> Loc:
        return self.loc.at(node.start_mark.line + 1 + self.line_offset, node.start_mark.column + 1)

    def convert(self, node: Node, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_YAML_NODES or depth > 100:
            raise _TooBig
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            return self.sequence(node, depth)
        if isinstance(node, MappingNode):
            return self.mapping(node, depth)
        return None  # pragma: no cover - PyYAML has only these three

    def refuse_tag(self, node: Node) -> None:
        self.problems.error(
            self.here(node),
            f"YAML tag '{node.tag}' is not allowed",
            "content files hold plain text, numbers, lists and mappings only",
        )

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag == _TIMESTAMP_TAG:
            return node.value  # dates stay text; the loader parses their precision
        if node.tag not in _SCALAR_TAGS:
            self.refuse_tag(node)
            return None
        try:
            return self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError):
            return node.value

    def sequence(self, node: SequenceNode, depth: int) -> LList | None:
        if node.tag != _SEQ_TAG:
            self.refuse_tag(node)
            return None
        out = LList(self.convert(item, depth + 1) for item in node.value)
        out.loc = self.here(node)
        out.item_locs = [self.here(item) for item in node.value]
        return out

    def mapping(self, node: MappingNode, depth: int) -> LDict | None:
        if node.tag != _MAP_TAG:
            self.refuse_tag(node)
            return None
        out = LDict()
        out.loc = self.here(node)
        out.key_locs = {}
        out.value_locs = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.error(self.here(key_node), "YAML merge keys (<<) are not supported", "write the fields out")
                continue
            key = self.convert(key_node, depth + 1)
            if not isinstance(key, str):
                self.problems.error(self.here(key_node), f"mapping key must be text, not {type(key).__name__}")
                continue
            if key in out:
                first = out.key_locs[key]
                self.problems.error(
                    self.here(key_node),
                    f"duplicate key '{key}' (first at line {first.line})",
                    "YAML keeps only one of them; remove or rename the other",
                )
                continue
            out[key] = self.convert(value_node, depth + 1)
            out.key_locs[key] = self.here(key_node)
            out.value_locs[key] = self.here(value_node)
        return out
