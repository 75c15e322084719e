"""The benchmark's Hugo twin of a corpus must say what the athar corpus says.

The Hugo side of the benchmark is only a fair comparison if every article
becomes a Hugo page carrying the same title, date, tags and the entities its
annotations reference (as taxonomy terms related content works on). No Hugo
binary is needed: this checks the generated files.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _converter():
    spec = importlib.util.spec_from_file_location("bench_hugo", REPO / "benchmarks" / "hugo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_hugo"] = module
    spec.loader.exec_module(module)
    return module


def _front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, f"{path} has no front matter"
    return yaml.safe_load(match.group(1)), text[match.end():]


def test_bundled_corpus_becomes_an_equivalent_hugo_site(tmp_path: Path) -> None:
    hugo = _converter()
    site = tmp_path / "hugo-site"
    assert hugo.convert(REPO / "content", site) == 1

    pages = sorted((site / "content" / "articles").glob("*.md"))
    assert [p.name for p in pages] == ["_index.md", "caliphate-collapse-2017.md"]
    meta, body = _front_matter(site / "content" / "articles" / "caliphate-collapse-2017.md")
    source = (REPO / "content" / "articles" / "caliphate-collapse-2017.md").read_text(encoding="utf-8")
    assert body == source.split("\n---\n", 1)[1], "the body is the article's Markdown, byte for byte"
    assert meta["title"] == "عمليات تحرير الموصل والرقة مزقت أوصال دولة الخلافة المزعومة"
    assert meta["date"] == "2017-11-17"
    assert meta["tags"] == ["داعش", "العراق", "سوريا", "حصاد 2017"]

    annotations = yaml.safe_load((REPO / "content" / "articles" / "caliphate-collapse-2017.yaml").read_text(encoding="utf-8"))
    refs = [m["ref"] for m in annotations["mentions"]]
    assert meta["places"] == list(dict.fromkeys(r.split(":", 1)[1] for r in refs if r.startswith("place:")))
    assert meta["actors"] == list(dict.fromkeys(r.split(":", 1)[1] for r in refs if r.startswith("actor:")))
    assert meta["events"] == [e["ref"] for e in annotations["events"]]
    assert "mosul" in meta["places"] and "isis" in meta["actors"] and "mosul-recapture-2017" in meta["events"]
    assert len(meta["places"]) == len(set(meta["places"])), "an entity mentioned twice is one term"

    config = tomllib.loads((site / "hugo.toml").read_text(encoding="utf-8"))
    assert config["title"] == yaml.safe_load((REPO / "content" / "site.yaml").read_text(encoding="utf-8"))["title"]
    assert set(config["taxonomies"].values()) == {"tags", "places", "actors", "events"}
    assert {i["name"] for i in config["related"]["indices"]} == {"tags", "places", "actors", "events"}
    single = (site / "layouts" / "single.html").read_text(encoding="utf-8")
    assert ".Site.RegularPages.Related ." in single and "first 5" in single
    for kind in ("home", "list", "taxonomy", "term", "baseof"):
        assert (site / "layouts" / f"{kind}.html").is_file()


def test_partial_dates_are_completed_and_quotes_survive(tmp_path: Path) -> None:
    hugo = _converter()
    articles = tmp_path / "content" / "articles"
    articles.mkdir(parents=True)
    (articles / "a.md").write_text('---\ntitle: \'قال "نعم": هنا\'\ndate: "2017-07"\nslug: other-slug\n---\nنص.\n', encoding="utf-8")
    (articles / "a.yaml").write_text("events:\n  - ref: e1\n    quote: نص\n", encoding="utf-8")
    hugo.convert(tmp_path / "content", tmp_path / "site")
    meta, body = _front_matter(tmp_path / "site" / "content" / "articles" / "other-slug.md")
    assert meta == {"title": 'قال "نعم": هنا', "date": "2017-07-01", "tags": [], "places": [], "actors": [], "events": ["e1"]}
    assert body == "نص.\n"


def test_related_bench_times_the_step_on_a_dump_of_a_corpus(tmp_path: Path) -> None:
    """benchmarks/related_bench.py: dump a corpus's ids and dates once, then time related stories alone."""
    import subprocess

    script = str(REPO / "benchmarks" / "related_bench.py")
    dumped = tmp_path / "articles.pkl"
    done = subprocess.run([sys.executable, script, "dump", str(REPO / "content"), str(dumped)],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("dumped 1 articles in "), done.stdout
    timed = subprocess.run([sys.executable, script, "time", str(dumped), "--parts"],
                           capture_output=True, text=True, cwd=REPO, timeout=120)
    assert timed.returncode == 0, timed.stderr
    lines = [line.rsplit(" ", 2)[0] for line in timed.stdout.splitlines()]
    assert lines == ["build_related", "index", "scoring on 1 core(s)", "scoring on 2 core(s)"], timed.stdout
