"""Reading source files as untrusted input: bytes -> checked text -> YAML.

Every content file passes through here, so the checks that protect the
builder live in one place: a size limit, UTF-8 with a located error,
NUL bytes refused, a byte-order mark and CRLF accepted (with the BOM
reported), and YAML built only from plain scalars, lists and mappings.
YAML is composed with PyYAML's safe loader and converted by our own walker,
which keeps line and column for every value, refuses tags that construct
objects, limits nesting depth and alias expansion so that hostile files stop
early, and rejects duplicate keys (PyYAML silently keeps the last).
"""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.reader import ReaderError
from yaml.resolver import Resolver
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from builder.errors import Loc, Problems

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Larger files are refused before parsing.

A registry in one file grows with the corpus: the events of 100,000
articles (50,000 entries) are about 12 MB of YAML, which an 8 MB limit
refused.  64 MB leaves room for several times that while still stopping
a runaway or hostile file before it is read into memory.
"""

MAX_ALIAS_EXPANSION = 10_000
"""Values that aliases may expand to in one file (stops "billion laughs" early)."""

MAX_YAML_DEPTH = 64
"""Nesting depth of YAML values; content files need about five levels."""

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_VALUE_TAG = "tag:yaml.org,2002:value"  # a lone "=" resolves to this; it is text
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
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
    """Read a file as UTF-8 text, or record why it cannot be and return None.

    Never reads more than :data:`MAX_FILE_BYTES` + 1 bytes, so a huge file,
    a file that grows while read, or a link to a device cannot exhaust memory.
    """
    loc = Loc(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            problems.error(loc, f"{path.name} is a folder, but a file is expected here",
                           "rename or move the folder")
            return None
        if not stat.S_ISREG(info.st_mode):
            problems.error(loc, f"{path.name} is not a regular file", "content files must be plain text files")
            return None
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        problems.error(loc, f"cannot read file: {exc.strerror or exc}")
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.error(
            loc,
            f"file is over the {MAX_FILE_BYTES:,}-byte limit ({max(info.st_size, len(data)):,} bytes)",
            "split it: registries may be folders of smaller files (places/*.yaml), articles one file each",
        )
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
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.error(loc.at(1, 1), "file is UTF-16, not UTF-8", "re-save the file with UTF-8 encoding")
        return None
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
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = CONTROL_RE.search(text)
    if bad:
        line, col = _line_col(text[: bad.start()])
        problems.error(loc.at(line, col), f"file contains the control character {char_name(bad.group())}",
                       "remove it: control characters are invisible, never needed in text, and break HTML and feeds")
        return None
    return text


CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
"""Characters no text file needs and HTML or XML refuse: C0/C1 controls (not tab or newline),
noncharacters, lone surrogates."""


def char_name(ch: str) -> str:
    """``U+0007 (BELL)``: a character named for people who cannot see it."""
    import unicodedata
    known = {0x00: "NULL", 0x07: "BELL", 0x1B: "ESCAPE", 0x7F: "DELETE", 0x85: "NEXT LINE"}
    name = unicodedata.name(ch, "") or known.get(ord(ch), "a control character")
    return f"U+{ord(ch):04X} ({name})"


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
    node = _compose_fast(text)
    if node is not None:
        return _convert(node, loc, problems, line_offset)
    try:
        loader = _Loader(text)
    except UnicodeEncodeError:  # lone surrogates: never from a decoded file
        problems.error(loc.at(1 + line_offset, 1), "text is not valid Unicode (lone surrogate)",
                       "re-save the file with UTF-8 encoding")
        return None
    try:
        node = loader.get_single_node()
    except _TooDeep as exc:
        problems.error(
            loc.at(exc.mark.line + 1 + line_offset, exc.mark.column + 1),
            f"YAML is nested more than {MAX_YAML_DEPTH} levels deep",
            "flatten the structure; content files need only a few levels",
        )
        return None
    except yaml.MarkedYAMLError as exc:
        _report_yaml_error(exc, text, loc, problems, line_offset)
        return None
    except ReaderError as exc:
        _report_reader_error(exc, text, loc, problems, line_offset)
        return None
    except yaml.YAMLError as exc:  # pragma: no cover - PyYAML marks its other errors
        problems.error(loc.at(1 + line_offset, 1), f"YAML error: {exc}")
        return None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        problems.error(loc.at(1 + line_offset, 1), "YAML is nested too deeply", "flatten the structure")
        return None
    finally:
        loader.dispose()
    if node is None:
        return None
    return _convert(node, loc, problems, line_offset)


_INDENT = re.compile(r"^ *", re.M)


def _compose_fast(text: str) -> Node | None:
    """Compose with libyaml's own (C) composer when the text cannot nest deeply.

    libyaml's composer recurses in C, which is why the depth-limited Python
    composer exists; but nesting needs either more indentation or more
    brackets, so a text with little of both is safe, and typical content
    files are composed several times faster.  Anything unusual (an error,
    an empty document) returns None and takes the careful path, so
    messages stay the same.
    """
    flow = text.count("[") + text.count("{")
    if flow + 2 * (max(map(len, _INDENT.findall(text)), default=0) + 1) >= MAX_YAML_DEPTH:
        return None
    try:
        return yaml.compose(text, Loader=yaml.CSafeLoader)
    except Exception:  # noqa: BLE001 - the careful path reports it
        return None


def _convert(node: Node, loc: Loc, problems: Problems, line_offset: int) -> Any:
    walker = _Walker(loc, problems, line_offset)
    try:
        return walker.convert(node, depth=0)
    except _TooBig as exc:
        problems.error(
            walker.here(exc.node),
            f"YAML aliases expand to more than {MAX_ALIAS_EXPANSION:,} values (an alias bomb?)",
            "do not build large structures out of anchors (&) and aliases (*); write the values out",
        )
        return None


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark):
        super().__init__("YAML nested too deeply")
        self.mark = mark


class _DepthLimit:
    """A composer mix-in that stops at :data:`MAX_YAML_DEPTH` levels.

    The composer is the only recursive part of PyYAML; stopping it turns
    ``[[[[...`` into a located error instead of a RecursionError (or, in
    libyaml's own composer, a crash).  Aliases are composed as shared
    nodes, so composing stays linear in the size of the text.
    """

    _depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)  # type: ignore[attr-defined]
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


class _PyLoader(_DepthLimit, yaml.SafeLoader):
    """The pure-Python safe loader, depth-limited (used without libyaml)."""


if getattr(yaml, "__with_libyaml__", False):
    from yaml._yaml import CParser

    class _Loader(_DepthLimit, Composer, Resolver, CParser):  # type: ignore[misc]
        """libyaml's scanner and parser (fast, iterative) under PyYAML's composer.

        libyaml turns the text into events in C; the Python composer then
        builds nodes with the depth limit.  Marks count characters, as
        Python does, so columns are right for Arabic text.
        """

        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            Composer.__init__(self)
            Resolver.__init__(self)
else:  # pragma: no cover - PyYAML is normally built with libyaml
    _Loader = _PyLoader  # type: ignore[misc]


def _report_reader_error(exc: ReaderError, text: str, loc: Loc, problems: Problems, line_offset: int) -> None:
    """A character YAML does not allow (C0/C1 controls, U+FFFE, ...), located."""
    position = exc.position if isinstance(exc.position, int) and 0 <= exc.position <= len(text) else 0
    if isinstance(exc.character, str) and exc.character in text:
        position = text.index(exc.character)
    line, col = _line_col(text[:position])
    code = ord(exc.character) if isinstance(exc.character, str) else exc.character
    shown = f"U+{code:04X}" if isinstance(code, int) else repr(exc.character)
    problems.error(loc.at(line + line_offset, col), f"character {shown} is not allowed in YAML",
                   "remove it: control characters are invisible and never needed in content files")


def _report_yaml_error(exc: yaml.MarkedYAMLError, text: str, loc: Loc, problems: Problems, line_offset: int) -> None:
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line + 1 + line_offset) if mark else 1 + line_offset
    col = (mark.column + 1) if mark else 1
    what = exc.problem or str(exc)
    lines = text.split("\n")
    src_line = lines[mark.line] if mark and mark.line < len(lines) else ""
    indent = src_line[: len(src_line) - len(src_line.lstrip(" \t-"))]
    if "\t" in indent:
        problems.error(
            loc.at(line, indent.index("\t") + 1),
            "tab character in YAML indentation",
            "YAML indents with spaces only; replace the tab with spaces",
        )
        return
    if mark and mark.column < len(src_line) and src_line[mark.column] == "\t":
        problems.error(
            loc.at(line, col),
            "tab character where YAML allows only spaces",
            "replace the tab with a space, or put the value in quotes if the tab belongs to the text",
        )
        return
    if "expected a single document" in f"{what} {exc.context}":
        problems.error(loc.at(line, col), "a second YAML document starts here",
                       "a content file holds one YAML document: remove this '---' line (lists go on with '- ')")
        return
    if "maximum nesting depth" in what:
        problems.error(loc.at(line, col), f"YAML is nested more than {MAX_YAML_DEPTH} levels deep",
                       "flatten the structure; content files need only a few levels")
        return
    if "found undefined alias" in what or "found undefined tag handle" in what:
        problems.error(loc.at(line, col), f"YAML syntax error: {what}",
                       "'*' and '!' start YAML aliases and tags; put the value in quotes")
        return
    context = f" ({exc.context})" if exc.context else ""
    hint = _yaml_hint(what)
    if "mapping values are not allowed" in what and mark and src_line.find(":") == mark.column:
        # the line's own key is the surprise, not a colon inside its value: it is indented too far
        hint = "this line is indented more than the key above it; line it up with the keys beside it"
    problems.error(loc.at(line, col), f"YAML syntax error: {what}{context}", hint)


def _yaml_hint(what: str) -> str:
    if "mapping values are not allowed" in what:
        return "a value containing ': ' must be quoted, e.g. title: \"a: b\""
    if "could not find expected ':'" in what:
        return "each key needs a colon and a space after it"
    if "found character '@'" in what or "found character '`'" in what:
        return "a value starting with @ or ` must be quoted"
    if "expected <block end>" in what or "did not find expected" in what:
        return "check the indentation of this line against the lines above it"
    if "found unexpected end of stream" in what or "unexpected end" in what:
        return "a quote or bracket is not closed"
    return "check the YAML syntax near this position"


class YInt(int):
    """An integer from YAML that remembers how it was written (``010``, ``1_000``)."""

    text: str


class YFloat(float):
    """A number from YAML that remembers how it was written (``1e3``, ``1.50``)."""

    text: str


def source_text(value: Any) -> str:
    """A scalar as the researcher wrote it (numbers keep their spelling)."""
    return getattr(value, "text", None) or str(value)


class _TooBig(Exception):
    def __init__(self, node: Node):
        super().__init__("alias expansion limit")
        self.node = node


def _show_tag(tag: str) -> str:
    """``tag:yaml.org,2002:python/object`` as people write it: ``!!python/object``."""
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


_new_tuple = tuple.__new__


class _Walker:
    """Converts composed YAML nodes into located Python values.

    A node met again is an alias; every value produced by re-walking an
    alias counts against :data:`MAX_ALIAS_EXPANSION`, so a file without
    aliases is never limited and a "billion laughs" stops early.
    """

    def __init__(self, loc: Loc, problems: Problems, line_offset: int):
        self.loc = loc
        self.path = loc.path
        self.problems = problems
        self.line_offset = line_offset
        self.seen: set[int] = set()
        self.expanded = 0
        self.constructor = SafeConstructor()

    def here(self, node: Node) -> Loc:
        # tuple.__new__ directly: one Loc per key and value of the corpus, and the
        # named tuple's own constructor is a Python-level call.
        mark = node.start_mark
        return _new_tuple(Loc, (self.path, mark.line + 1 + self.line_offset, mark.column + 1))

    def convert(self, node: Node, depth: int) -> Any:
        if id(node) in self.seen:
            self.expanded += 1
            if self.expanded > MAX_ALIAS_EXPANSION:
                raise _TooBig(node)
        else:
            self.seen.add(id(node))
        if depth > MAX_YAML_DEPTH:  # pragma: no cover - the loader stops first
            raise _TooBig(node)
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
            f"YAML tag '{_show_tag(node.tag)}' is not allowed",
            "content files hold plain text, numbers, lists and mappings only; "
            "put the value in quotes if it is text",
        )

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag == _STR_TAG:  # most values: what the constructor would return, without it
            return node.value
        if node.tag in (_TIMESTAMP_TAG, _VALUE_TAG):
            return node.value  # dates stay text; the loader parses their precision
        if node.tag not in _SCALAR_TAGS:
            self.refuse_tag(node)
            return None
        try:
            value = self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError):
            return node.value
        if isinstance(value, int) and not isinstance(value, bool):
            value = YInt(value)
            value.text = node.value
        elif isinstance(value, float):
            value = YFloat(value)
            value.text = node.value
        return value

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
            if isinstance(key, (YInt, YFloat)):
                key = key.text
            if not isinstance(key, str):
                self.problems.error(self.here(key_node), f"a key must be a plain name, not {describe(key)}",
                                    "write 'name: value'")
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


def describe(value: Any) -> str:
    """A value's kind in words, for messages (``a list``, ``true``, ``the number 12``)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {source_text(value)}"
    return f"the text {str(value)!r}"
