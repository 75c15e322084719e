"""Stage 1, load: read ``content/`` and validate every file on its own.

Returns :class:`Content` (validated values with their source locations)
and records every problem found; nothing here looks across files, which is
the corpus stage's job.  Registries may be one file (``places.yaml``) or a
folder of files (``places/*.yaml``), or both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from builder.errors import Loc, Problems
from builder.schema import ANNOTATIONS, FRONT_MATTER, LIST_FILES, SITE, Record, validate, ID_RE, suggest_id
from builder.source import LList, parse_yaml, read_text

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


def load(root: Path, problems: Problems) -> Content:
    """Read and validate the content folder; record problems, never raise."""
    root = Path(root)
    if not root.is_dir():
        problems.error(Loc(root), "content folder not found",
                       "run athar in your project folder or pass --content DIR")
        return Content(root, {}, Loc(root))
    site_path = root / "site.yaml"
    site = _load_site(site_path, problems)
    content = Content(root, site, Loc(site_path))
    for name in REGISTRIES:
        content.registries[name] = _load_registry(root, name, LIST_FILES[name], problems)
    content.articles = _load_articles(root / "articles", problems)
    return content


def _load_site(path: Path, problems: Problems) -> dict[str, Any]:
    if not path.exists():
        problems.error(Loc(path), "site.yaml not found", "create it with at least 'title: ...'")
        return {}
    data = _yaml_file(path, problems)
    if data is None:
        return {}
    return validate(SITE, data, Loc(path, 1, 1), problems) or {}


def _yaml_file(path: Path, problems: Problems) -> Any:
    """Read and parse one YAML file; None (with a recorded problem) if unusable."""
    text = read_text(path, problems)
    if text is None:
        return None
    if not text.strip():
        problems.error(Loc(path, 1, 1), "file is empty", "remove the file or fill it in")
        return None
    data = parse_yaml(text, Loc(path), problems)
    if data is None and not problems.errors_for(path):
        problems.error(Loc(path, 1, 1), "file holds no YAML value (only comments?)", "remove the file or fill it in")
    return data


def _registry_files(root: Path, name: str) -> list[Path]:
    files = []
    single = root / f"{name}.yaml"
    if single.is_file():
        files.append(single)
    folder = root / name
    if folder.is_dir():
        files.extend(sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
    return files


def _load_registry(root: Path, name: str, record: Record, problems: Problems) -> list[dict[str, Any]]:
    """Load a registry as a list of validated entries, each with its ``_loc``."""
    entries: list[dict[str, Any]] = []
    for path in _registry_files(root, name):
        data = _yaml_file(path, problems)
        if data is None:
            continue
        if not isinstance(data, LList):
            problems.error(Loc(path, 1, 1), f"{path.name} must be a list of {record.name} entries",
                           "start each entry with '- id: ...'")
            continue
        for item, loc in zip(data, data.item_locs):
            entry = validate(record, item, loc, problems)
            if entry is not None:
                entry["_loc"] = loc
                entry["_id_loc"] = item.where("id")
                entries.append(entry)
    return entries


def _load_articles(folder: Path, problems: Problems) -> list[ArticleSource]:
    if not folder.is_dir():
        problems.warning(Loc(folder), "no articles folder; the site will have no articles",
                         "create content/articles/<slug>.md, or run 'athar new SLUG'")
        return []
    articles = []
    md_files = sorted(p for p in folder.rglob("*.md") if p.is_file())
    stems = {p.with_suffix("") for p in md_files}
    for path in md_files:
        article = _load_article(path, problems)
        if article is not None:
            articles.append(article)
    for path in sorted(folder.rglob("*.y*ml")):
        if path.with_suffix("") not in stems:
            problems.error(Loc(path), "annotation file has no article beside it",
                           f"expected {path.with_suffix('.md').name}; rename one of them so the names match")
    return articles


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Split ``---`` front matter from the body; return (yaml, body, body_line)."""
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---", 3)
    while end != -1:
        after = end + 4
        if after == len(text) or text[after] == "\n":
            yaml_text = text[4:end + 1]
            body = text[after + 1:] if after < len(text) else ""
            body_line = text[:after + 1].count("\n") + 1
            return yaml_text, body, body_line
        end = text.find("\n---", end + 1)
    return None


def _load_article(path: Path, problems: Problems) -> ArticleSource | None:
    text = read_text(path, problems)
    if text is None:
        return None
    split = _split_front_matter(text)
    if split is None:
        problems.error(Loc(path, 1, 1), "article has no front matter",
                       "start the file with a '---' line, then 'title:' and 'date:', then a closing '---' line")
        return None
    yaml_text, body, body_line = split
    data = parse_yaml(yaml_text, Loc(path), problems, line_offset=1)
    if data is None:
        if not problems.errors_for(path):
            problems.error(Loc(path, 2, 1), "front matter is empty", "add at least 'title:' and 'date:'")
        return None
    meta = validate(FRONT_MATTER, data, Loc(path, 2, 1), problems)
    if meta is None:
        return None
    slug = meta.get("slug") or path.stem
    if not ID_RE.match(slug):
        problems.error(Loc(path), f"file name {path.name!r} is not a valid slug",
                       f"rename it to lowercase ASCII letters, digits and '-', e.g. {suggest_id(path.stem)}.md, "
                       "or set 'slug:' in the front matter")
        return None
    ann_path = _annotation_path(path)
    annotations: dict[str, Any] = {}
    if ann_path is not None:
        raw = _yaml_file(ann_path, problems)
        if raw is not None:
            annotations = validate(ANNOTATIONS, raw, Loc(ann_path, 1, 1), problems) or {}
    return ArticleSource(path, slug, meta, body, body_line, annotations, ann_path)


def _annotation_path(md: Path) -> Path | None:
    for suffix in (".yaml", ".yml"):
        candidate = md.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None
