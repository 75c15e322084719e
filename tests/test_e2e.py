"""End to end: build the bundled corpus and check the real output as a user would."""

from __future__ import annotations

import hashlib
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from fixtures_site import CONTENT, athar
from tools import REPO, broken_links, vnu_errors

pytestmark = pytest.mark.e2e

SEED_SHA256 = "3c0433b3c099b4dde5c7d736b231a305e75be453cf05a931728329930da5eab1"
"""sha256 of the seed article (shared/seeds/000_97e74edffecceafc.txt) as published."""

SLUG = "caliphate-collapse-2017"


class _TextOf(HTMLParser):
    """Collects the text inside the element with a given id."""

    VOID = {"br", "hr", "img", "input", "meta", "link", "wbr"}

    def __init__(self, element_id: str):
        super().__init__(convert_charrefs=True)
        self.element_id, self.depth, self.parts = element_id, 0, []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str:
    parser = _TextOf(element_id)
    parser.feed(html)
    return "".join(parser.parts)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_bundled_article_is_the_seed_verbatim():
    raw = (CONTENT / "articles" / f"{SLUG}.md").read_text(encoding="utf-8")
    body = raw.split("\n---\n", 1)[1]
    assert hashlib.sha256(body.encode("utf-8")).hexdigest() == SEED_SHA256


def test_article_page_text_equals_the_source(bundled_site):
    raw = (CONTENT / "articles" / f"{SLUG}.md").read_text(encoding="utf-8")
    body = raw.split("\n---\n", 1)[1]
    page = (bundled_site / "articles" / SLUG / "index.html").read_text(encoding="utf-8")
    shown = text_of(page, "text")
    assert squash(shown) == squash(body)
    assert "مناطقإحتلاله" in shown and "القايم" in shown and "القائم" in shown


def test_every_page_passes_the_w3c_checker(bundled_site):
    assert vnu_errors([bundled_site]) == []


def test_no_broken_links_or_anchors(bundled_url):
    assert broken_links(bundled_url) == []


def test_every_page_is_arabic_right_to_left(bundled_site):
    for page in html_pages(bundled_site):
        head = page.read_text(encoding="utf-8")[:300]
        assert '<html lang="ar" dir="rtl">' in head, page


def test_every_file_and_folder_of_the_site_is_readable_by_everyone(bundled_site):
    """Hosts copy a site with its modes (rsync -a, a tar file) and serve it as another user."""
    modes = {}
    for path in [bundled_site, *bundled_site.rglob("*")]:
        modes.setdefault(stat.S_IMODE(path.lstat().st_mode), []).append(path.relative_to(bundled_site).as_posix())
    assert any(p.endswith("cite.bib") for p in modes.get(0o644, [])), "files made beside the pages too"
    assert {m: p[:3] for m, p in modes.items() if m not in (0o644, 0o755)} == {}


@pytest.mark.parametrize("registry,folder", [("places", "places"), ("actors", "actors"), ("events", "events")])
def test_every_registry_entry_has_its_page(bundled_site, registry, folder):
    ids = [entry["id"] for entry in yaml.safe_load((CONTENT / f"{registry}.yaml").read_text(encoding="utf-8"))]
    assert ids
    for ident in ids:
        page = bundled_site / folder / ident / "index.html"
        assert page.is_file(), page
        index = (bundled_site / folder / "index.html").read_text(encoding="utf-8")
        assert f"/{folder}/{ident}/" in index


def test_related_titles_shown_as_not_archived(bundled_site):
    page = (bundled_site / "articles" / SLUG / "index.html").read_text(encoding="utf-8")
    related = page[page.index('id="related-h"'):]
    for title in ('تحرير رواة يقرب سقوط "الخلافة" المزعومة', 'خسارة الرقة.. تكتب نهاية حلم داعش بــ"دولة الخلافة المزعومة"'):
        escaped = title.replace('"', "&#34;")
        assert escaped in related or title in related
        at = related.find(escaped) if escaped in related else related.find(title)
        before = related[:at]
        assert before.rfind("<a ") < before.rfind("<li>"), "not-archived titles must not be links"
    assert related.count("غير مؤرشفة") >= 2


def test_event_index_is_in_date_order(bundled_site):
    page = (bundled_site / "events" / "index.html").read_text(encoding="utf-8")
    items = re.findall(r'<li class="event" id="e-([a-z0-9-]+)".*?<time datetime="([0-9-]+)"', page, re.S)
    events = {e["id"]: e for e in yaml.safe_load((CONTENT / "events.yaml").read_text(encoding="utf-8"))}
    assert [i for i, _ in items] and set(i for i, _ in items) == set(events)
    dates = [d for _, d in items]
    assert dates == sorted(dates)


def test_tal_afar_claim_shown_beside_documented_date(bundled_site):
    page = (bundled_site / "events" / "tal-afar-offensive-2017" / "index.html").read_text(encoding="utf-8")
    assert "آب/أغسطس" in page and "تشرين الأول/أكتوبر 2017" in page and "differs" in page


def test_two_builds_are_byte_identical(tmp_path):
    outs = []
    for name in ("one", "two"):
        out = tmp_path / name
        result = athar("build", "--content", str(CONTENT), "--output", str(out), "--templates", str(REPO / "templates"))
        assert result.returncode == 0, result.stderr
        outs.append(out)
    files = [sorted(p.relative_to(o).as_posix() for p in o.rglob("*") if p.is_file()) for o in outs]
    assert files[0] == files[1] and len(files[0]) > 40
    for rel in files[0]:
        assert (outs[0] / rel).read_bytes() == (outs[1] / rel).read_bytes(), rel
