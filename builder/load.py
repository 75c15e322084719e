"""Stage 1, load: read ``content/`` and validate every file on its own.

Returns :class:`Content` (validated values with their source locations)
and records every problem found; nothing here looks across files, which is
the corpus stage's job.  Registries may be one file (``places.yaml``) or a
folder of files (``places/*.yaml``), or both.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from builder.errors import Diagnostic, Loc, Problems
from builder.new import PLACEHOLDER
from builder.parallel import collector_paused, map_chunks, map_in_workers
from builder.schema import ANNOTATIONS, FRONT_MATTER, ID_RE, INVISIBLE, LIST_FILES, SITE, Record, suggest_id, validate
from builder.source import LDict, LList, describe, parse_yaml, read_text

REGISTRIES = ("places", "actors", "events")


@dataclass
class ArticleSource:
    """One article as read from disk: front matter, verbatim body, annotations."""

    path: Path
    slug: str
    meta: dict[str, Any]
    body: str
    body_line: int  # line of the body's first character in the .md file
    annotations: dict[str, Any]
    annotations_path: Path | None


@dataclass
class Content:
    """Everything in ``content/``, each file validated on its own."""

    root: Path
    site: dict[str, Any]
    site_loc: Loc
    registries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    articles: list[ArticleSource] = field(default_factory=list)
    article_files: list[Path] | None = None
    """With ``load(..., defer_articles=True)``: the .md files, read later by the corpus stage."""
    broken: dict[str, set[str]] = field(default_factory=dict)
    """Ids (by kind: place, actor, event, article) whose entry has an error already reported."""
    unreadable: set[str] = field(default_factory=set)
    """Kinds with a file that could not be read at all: any id of theirs may exist."""

    def add_broken(self, broken: dict[str, set[str]]) -> None:
        for kind, ids in broken.items():
            self.broken.setdefault(kind, set()).update(ids)

    def reported(self, kind: str, ident: str) -> bool:
        """Whether a reference to an unknown ``ident`` is explained by an error already reported.

        One mistake should give one message: a place whose entry failed, or
        a places.yaml that does not parse, must not also make every
        reference to it an "unknown place" error.
        """
        return kind in self.unreadable or ident in self.broken.get(kind, set())

    def mark_broken(self, kind: str, raw_id: Any) -> None:
        """Remember the id of an entry that failed validation.

        When the id itself is missing or invalid, nobody can tell how other
        files refer to the entry, so no reference of that kind is reported.
        """
        text = "".join(c for c in str(raw_id) if c not in INVISIBLE).strip()
        if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) and ID_RE.match(text):
            self.broken.setdefault(kind, set()).add(text)
        else:
            self.unreadable.add(kind)


def load(root: Path, problems: Problems, defer_articles: bool = False) -> Content:
    """Read and validate the content folder; record problems, never raise.

    With ``defer_articles`` the articles are only listed (``article_files``):
    the corpus stage reads each one and models it in the same worker
    (:func:`builder.corpus.build_corpus`), so their parsed YAML, with a
    position for every value, never crosses between processes.
    """
    root = Path(root)
    if not root.is_dir():
        problems.error(Loc(root), "content folder not found",
                       "run athar in your project folder or pass --content DIR")
        return Content(root, {}, Loc(root))
    site_path = root / "site.yaml"
    site = _load_site(site_path, problems)
    content = Content(root, site, Loc(site_path))
    # Parsed YAML is trees of dicts, lists and positions, millions of them and no cycles: the
    # collector walking them again and again as they were made (and unpickled from the workers)
    # was half of the load step at 100,000 articles (18.5 -> 9.4 s).
    with collector_paused():
        for name in REGISTRIES:
            content.registries[name] = _load_registry(root, name, LIST_FILES[name], problems, content)
        content.articles = _load_articles(root / "articles", problems, content, defer_articles)
    return content


def _load_site(path: Path, problems: Problems) -> dict[str, Any]:
    if not path.exists():
        problems.error(Loc(path), "site.yaml not found", "create it with at least 'title: ...'")
        return {}
    data = _yaml_file(path, problems)
    if data is None:
        return {}
    return validate(SITE, data, Loc(path, 1, 1), problems) or {}


def _yaml_file(path: Path, problems: Problems, may_be_empty: bool = False) -> Any:
    """Read and parse one YAML file; None (with a recorded problem) if unusable.

    ``may_be_empty``: a file that is empty or holds only comments is None
    with no problem (an annotation file or a registry with nothing in it
    yet, say "# to do": nothing, not a mistake).
    """
    text = read_text(path, problems)
    if text is None:
        return None
    if not text.strip():
        if not may_be_empty:
            problems.error(Loc(path, 1, 1), "file is empty", "remove the file or fill it in")
        return None
    data = parse_yaml(text, Loc(path), problems)
    if data is None and not problems.errors_for(path) and not may_be_empty:
        problems.error(Loc(path, 1, 1), "file holds no YAML value (only comments?)", "remove the file or fill it in")
    return data


def _hidden(path: Path, root: Path) -> bool:
    """Editor backups and system files (.#one.md, ._one.md, .git/) are not content."""
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _registry_files(root: Path, name: str, problems: Problems) -> list[Path] | None:
    """``name.yaml`` and/or ``name/**/*.yaml`` in a stable order; None if misplaced."""
    files = []
    for single in (root / f"{name}.yaml", root / f"{name}.yml"):
        if single.is_dir():
            problems.error(Loc(single), f"{single.name} is a folder, but a file is expected here",
                           f"a registry folder is called {name}/ (files {name}/*.yaml); rename it")
            return None
        if single.exists():
            files.append(single)
    folder = root / name
    if folder.exists() and not folder.is_dir():
        problems.error(Loc(folder), f"{name} is a file, but a registry folder is expected here",
                       f"rename it to {name}.yaml")
        return None
    elif folder.is_dir():
        files.extend(sorted(p for p in folder.rglob("*")
                            if p.suffix in (".yaml", ".yml") and not _hidden(p, folder) and not p.is_dir()))
    return files


def _load_registry(root: Path, name: str, record: Record, problems: Problems, content: Content) -> list[dict[str, Any]]:
    """Load a registry as a list of validated entries, each with its ``_loc``."""
    entries: list[dict[str, Any]] = []
    files = _registry_files(root, name, problems)
    if files is None:
        content.unreadable.add(record.name)
        return entries
    if len(files) > 1:  # a folder of files: the files are read and checked on every core
        return _files_in_workers(files, record, problems, content, min_items=2)
    for path in files:
        split = _split_registry(path, record)
        if split is not None:  # a big file of plain entries: parsed and checked on every core
            entries.extend(split[0])
            content.add_broken(split[1])
        elif _size(path) > SPLIT_BYTES:  # big, with anchors or flow lists: parsed whole, in a worker
            entries.extend(_files_in_workers([path], record, problems, content, min_items=1))
        else:
            entries.extend(_registry_file(path, record, problems, content))
    return entries


def _files_in_workers(files: list[Path], record: Record, problems: Problems, content: Content,
                      min_items: int) -> list[dict[str, Any]]:
    """The entries of registry files, read and checked by workers (see builder.parallel.map_in_workers).

    Parsing makes several times the entries' size in short-lived objects:
    made in the build's own process, they left holes among the entries,
    and among the entities made from them next, that outlived both.
    """
    entries: list[dict[str, Any]] = []
    for part_entries, found, broken, unreadable in map_in_workers(_registry_file_chunk, files, record, min_items):
        entries.extend(part_entries)
        problems.items.extend(found)
        content.add_broken(broken)
        if unreadable:
            content.unreadable.add(record.name)
    return entries


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _registry_file(path: Path, record: Record, problems: Problems, content: Content) -> list[dict[str, Any]]:
    """One registry file, parsed whole and checked."""
    data = _yaml_file(path, problems, may_be_empty=True)
    if data is None:
        if problems.errors_for(path):
            content.unreadable.add(record.name)
        return []
    if not isinstance(data, LList):
        problems.error(Loc(path, 1, 1), f"{path.name} must be a list of {record.name} entries, not {describe(data)}",
                       "start each entry with '- id: ...'")
        content.unreadable.add(record.name)
        return []
    return _registry_entries(data, record, problems, content)


def _registry_file_chunk(record: Record, paths: Sequence[Path]
                         ) -> tuple[list[dict[str, Any]], list[Diagnostic], dict[str, set[str]], bool]:
    """Some files of a registry folder (in a worker): their entries, problems, broken ids, and whether one was unreadable.

    A file of plain entries is parsed an entry at a time, as a big file is
    (see :func:`_split_registry`): whole, a run of entries with flow lists
    (``places: [a, b]``) needs the slow Python composer.
    """
    problems = Problems()
    scratch = Content(paths[0].parent if paths else Path("."), {}, Loc(paths[0] if paths else Path(".")))
    entries: list[dict[str, Any]] = []
    for path in paths:
        split = _entry_runs(path)
        parsed = _registry_part((path, split[0], record), split[1]) if split else None
        if parsed is not None and parsed[2]:
            entries.extend(parsed[0])
            scratch.add_broken(parsed[1])
        else:
            entries.extend(_registry_file(path, record, problems, scratch))
    return entries, problems.items, scratch.broken, bool(scratch.unreadable)


def _registry_entries(data: LList, record: Record, problems: Problems, content: Content) -> list[dict[str, Any]]:
    """The validated entries of a parsed registry list; broken ids are remembered."""
    entries = []
    for item, loc in zip(data, data.item_locs):
        entry = validate(record, item, loc, problems)
        if entry is not None:
            entry["_loc"] = loc
            entry["_id_loc"] = item.where("id")
            entries.append(entry)
        elif isinstance(item, LDict):
            content.mark_broken(record.name, item.get("id"))
        else:
            content.unreadable.add(record.name)
    return entries


SPLIT_BYTES = 256 * 1024
"""Registry files larger than this are parsed in parts on every core (50,000 events took 25 s on one)."""
_ITEM_START = re.compile(r"^-(?: |$)", re.M)
_UNSPLITTABLE = re.compile(r"^(?:---|\.\.\.|%)|(?:^|[\s\[{,])[&*!]\S", re.M)  # documents, directives, anchors, aliases, tags


def _split_registry(path: Path, record: Record) -> tuple[list[dict[str, Any]], dict[str, set[str]]] | None:
    """A big registry file of top-level ``- `` entries, parsed in runs of entries on every core.

    Entries of a block list start at column 0, so the text is cut there and
    each entry parsed alone with its line offset: positions stay exact, and
    an entry has too few brackets to need the depth-limited Python composer
    that a whole run of flow lists (``places: [a, b]``) did.  Anything
    unusual (anchors, aliases, tags, several documents, an error or a
    warning in any run) returns None, and the file takes the one-piece path,
    which reports exactly as before.
    """
    if _size(path) <= SPLIT_BYTES:
        return None
    split = _entry_runs(path)
    if split is None:
        return None
    text, runs = split
    entries: list[dict[str, Any]] = []
    broken: dict[str, set[str]] = {}
    for part_entries, part_broken, clean in map_in_workers(_registry_part, runs, (path, text, record)):
        if not clean:
            return None
        entries.extend(part_entries)
        for kind, ids in part_broken.items():
            broken.setdefault(kind, set()).update(ids)
    return entries, broken


def _entry_runs(path: Path) -> tuple[str, list[tuple[int, int]]] | None:
    """A registry file's text and where each top-level ``- `` entry is, if it is made of plain entries only."""
    scratch = Problems()
    text = read_text(path, scratch)
    if text is None or scratch.items or _UNSPLITTABLE.search(text):
        return None
    starts = [m.start() for m in _ITEM_START.finditer(text)]
    head = text[:starts[0]] if starts else text
    if len(starts) < 2 or any(line.strip() and not line.lstrip().startswith("#") for line in head.split("\n")):
        return None
    return text, [(a, b) for a, b in zip(starts, starts[1:] + [len(text)])]  # one entry each


def _registry_part(state: tuple[Path, str, Record], runs: Sequence[tuple[int, int]]
                   ) -> tuple[list[dict[str, Any]], dict[str, set[str]], bool]:
    """Parse and validate a run of registry entries (in a worker); clean=False if anything was reported."""
    path, text, record = state
    problems = Problems()
    scratch = Content(path.parent, {}, Loc(path))
    data = LList()
    data.loc, data.item_locs = Loc(path), []
    line = text.count("\n", 0, runs[0][0])
    for start, end in runs:  # one entry at a time: few brackets each, so libyaml composes it (see parse_yaml)
        entry = parse_yaml(text[start:end], Loc(path), problems, line_offset=line)
        if not isinstance(entry, LList) or len(entry) != 1 or problems.items:
            return [], {}, False
        data.append(entry[0])
        data.item_locs.append(entry.item_locs[0])
        line += text.count("\n", start, end)
    entries = _registry_entries(data, record, problems, scratch)
    return entries, scratch.broken, not problems.items and not scratch.unreadable


def _load_articles(folder: Path, problems: Problems, content: Content, defer: bool = False) -> list[ArticleSource]:
    if folder.is_file():
        problems.error(Loc(folder), "articles is a file, but the articles folder is expected here",
                       "make a folder content/articles/ holding <slug>.md files")
        return []
    if not folder.is_dir():
        problems.warning(Loc(folder), "no articles folder; the site will have no articles",
                         "create content/articles/<slug>.md, or run 'athar new SLUG'")
        return []
    articles = []
    files = _visible_files(folder)  # strings: 100,000 articles are 200,000 files, and Path operations cost
    split = [os.path.splitext(f) for f in files]
    stems = {stem for stem, ext in split if ext == ".md"}
    md_files = [Path(f) for f, (_, ext) in zip(files, split) if ext == ".md"]
    if defer:
        content.article_files = md_files
    else:
        for loaded, found, broken in map_chunks(_load_chunk, md_files, content.root):
            problems.items.extend(found)
            content.add_broken(broken)
            articles.extend(a for a in loaded if a is not None)
    for name, (stem, ext) in zip(files, split):
        if ext in (".yaml", ".yml") and stem not in stems:
            path = Path(name)
            problems.error(Loc(path), "annotation file has no article beside it",
                           f"expected {path.with_suffix('.md').name}; rename one of them so the names match")
        elif ext not in (".md", ".yaml", ".yml"):
            path = Path(name)
            problems.warning(Loc(path), f"{path.name} is not read",
                             f"articles are <slug>.md files (lowercase .md){_rename_hint(path)}; "
                             "annotations are <slug>.yaml")
    return articles


def _visible_files(folder: Path) -> list[str]:
    """Every file under ``folder`` but hidden ones (see :func:`_hidden`), in path order.

    One os.walk instead of two rglob passes with a stat per path: listing
    100,000 articles and their annotations took seconds.
    """
    found: list[tuple[tuple[str, ...], str]] = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = os.path.relpath(top, folder)
        parts = () if rel == "." else tuple(rel.split(os.sep))
        found.extend(((*parts, name), os.path.join(top, name)) for name in names if not name.startswith("."))
    found.sort()  # as sorted() orders Paths: part by part
    return [path for _, path in found]


def _rename_hint(path: Path) -> str:
    """For one.MD or one.markdown, the name athar would read."""
    known = (".md", ".markdown", ".mdown", ".txt")
    return f": rename it to {suggest_id(path.stem)}.md" if path.suffix.lower() in known else ""


def _load_chunk(root: Path, paths: Sequence[Path]) -> tuple[list[ArticleSource | None], list[Diagnostic], dict[str, set[str]]]:
    """Load some articles (in a worker process): the articles, their problems, the ids found broken."""
    problems = Problems()
    scratch = Content(root, {}, Loc(root))
    loaded = [_load_article(path, problems, scratch) for path in paths]
    return loaded, problems.items, scratch.broken


def load_article(path: Path, problems: Problems, content: Content | None = None) -> ArticleSource | None:
    """Load one article on its own (the live preview re-reads edited articles; the
    corpus stage reads each article where it models it); ``content`` collects the
    ids found broken."""
    return _load_article(path, problems, content or Content(path.parent, {}, Loc(path)))


def _split_front_matter(text: str) -> tuple[str, str, int] | None | str:
    """Split ``---`` front matter from the body; return (yaml, body, body_line).

    Returns None when the file does not start with ``---``, and an error
    text when the front matter is never closed.
    """
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() == "---":
            yaml_text = "\n".join(lines[1:i]) + "\n"
            body = "\n".join(lines[i + 1:])
            return yaml_text, body, i + 2
    return "front matter is not closed: no '---' line after the opening one"


def _load_article(path: Path, problems: Problems, content: Content) -> ArticleSource | None:
    content.mark_broken("article", path.stem)  # until it loads: no cascade of "unknown article"
    text = read_text(path, problems)
    if text is None:
        return None
    if not text.strip():
        problems.error(Loc(path, 1, 1), "article file is empty",
                       "start it with front matter: '---', 'title: ...', 'date: YYYY-MM-DD', '---', then the text")
        return None
    split = _split_front_matter(text)
    if split is None:
        if text.lstrip().startswith("---"):
            problems.error(Loc(path, 1, 1), "front matter must start on the first line",
                           "remove the blank lines before the opening '---'")
        else:
            problems.error(Loc(path, 1, 1), "article has no front matter",
                           "start the file with a '---' line, then 'title:' and 'date:', then a closing '---' line")
        return None
    if isinstance(split, str):
        problems.error(Loc(path, 1, 1), split, "add a line '---' after the last front matter field")
        return None
    yaml_text, body, body_line = split
    data = parse_yaml(yaml_text, Loc(path), problems, line_offset=1)
    if data is None:
        if not problems.errors_for(path):
            problems.error(Loc(path, 2, 1), "front matter is empty", "add at least 'title:' and 'date:'")
        return None
    meta = validate(FRONT_MATTER, data, Loc(path, 2, 1), problems)
    if meta is None:
        if isinstance(data, LDict) and data.get("slug") is not None:
            content.mark_broken("article", data.get("slug"))
        return None
    slug = meta.get("slug") or path.stem
    if not ID_RE.match(slug):
        problems.error(Loc(path), f"file name {path.name!r} is not a valid slug",
                       f"rename it to lowercase ASCII letters, digits and '-', e.g. {suggest_id(path.stem)}.md, "
                       "or set 'slug:' in the front matter")
        return None
    ann_path = _annotation_path(path, problems)
    annotations: dict[str, Any] = {}
    if ann_path is not None:
        raw = _yaml_file(ann_path, problems, may_be_empty=True)
        if raw is not None:
            annotations = validate(ANNOTATIONS, raw, Loc(ann_path, 1, 1), problems) or {}
    if PLACEHOLDER in body:
        at = body[:body.index(PLACEHOLDER)].count("\n")
        problems.warning(Loc(path, body_line + at, 1), "the article's text is still the placeholder 'athar new' wrote",
                         "paste the article's text here, exactly as it was published")
    content.broken.get("article", set()).discard(path.stem)
    return ArticleSource(path, slug, meta, body, body_line, annotations, ann_path)


def _annotation_path(md: Path, problems: Problems) -> Path | None:
    """The article's annotation file, ``<slug>.yaml`` (or ``.yml``), if any."""
    found = [md.with_suffix(s) for s in (".yaml", ".yml") if md.with_suffix(s).exists()]
    if len(found) > 1:
        problems.error(Loc(found[1]), f"two annotation files for {md.name}: {found[0].name} and {found[1].name}",
                       "merge them into one; only one is read")
    return found[0] if found else None
