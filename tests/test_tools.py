"""The test tools must be able to fail.

Each checker in tests/tools.py is run on a tiny hand-made site with a known
defect (and on a clean one), so a green end-to-end suite means the checks
really ran, not that a tool was missing or silently ignored everything.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tools import AXE_JS, REPO, VNU_JAR, broken_links, serve_directory, vnu_errors

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

VALID_PAGE = """<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>صفحة تجريبية</title>
</head>
<body>
<main>
<h1 id="top">عنوان</h1>
<p>نص عربي مع <a href="#top">رابط</a>.</p>
</main>
</body>
</html>
"""


def html_page(title: str, body: str) -> str:
    """A valid RTL Arabic page with *body* inside <main>."""
    return (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def get(url: str) -> tuple[int, bytes]:
    """Status and body of a GET, without raising on 4xx."""
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


# --- vnu -------------------------------------------------------------------


def test_vnu_jar_is_installed() -> None:
    assert VNU_JAR.is_file(), "run ./dev test to install tests/js/node_modules"


def test_vnu_accepts_valid_rtl_page(tmp_path: Path) -> None:
    good = tmp_path / "good.html"
    good.write_text(VALID_PAGE, encoding="utf-8")
    assert vnu_errors([good]) == []


def test_vnu_reports_invalid_page(tmp_path: Path) -> None:
    (tmp_path / "good.html").write_text(VALID_PAGE, encoding="utf-8")
    bad = tmp_path / "bad.html"
    bad.write_text(
        html_page("خطأ", '<p>غير مغلق <span>\n</div>\n<img src="x.png">\n<blink>قديم</blink>'),
        encoding="utf-8",
    )
    (tmp_path / "style.css").write_text("body { color: red }", encoding="utf-8")

    errors = vnu_errors([tmp_path])  # a directory: non-HTML files are skipped

    assert errors, "vnu found nothing wrong in an invalid page"
    assert all(e.startswith(f"{bad}:") for e in errors), errors
    text = "\n".join(errors)
    assert "“alt”" in text or "alt" in text
    assert "div" in text
    # "FILE:LINE:COL: message"
    file_, line, col, message = errors[0].split(":", 3)
    assert int(line) > 0 and int(col) > 0 and message.strip()


def test_vnu_refuses_missing_input(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        vnu_errors([tmp_path / "nope.html"])
    with pytest.raises(ValueError):
        vnu_errors([])


# --- serve_directory ----------------------------------------------------------


def test_serve_directory_with_prefix(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(html_page("الرئيسية", "<p>root</p>"), encoding="utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(html_page("أ", "<p>dir a</p>"), encoding="utf-8")
    (tmp_path / "noindex").mkdir()
    (tmp_path / "404.html").write_text(html_page("غير موجود", "<p>custom 404</p>"), encoding="utf-8")
    (tmp_path / "f.txt").write_text("نص", encoding="utf-8")

    with serve_directory(tmp_path, prefix="/sub/") as base:
        assert base.startswith("http://127.0.0.1:") and base.endswith("/sub/")
        origin = base[: -len("sub/")]

        status, body = get(base)
        assert status == 200 and b"root" in body
        status, body = get(base + "a/")
        assert status == 200 and b"dir a" in body
        status, body = get(base + "a")  # redirected to a/
        assert status == 200 and b"dir a" in body
        status, body = get(base + "f.txt")
        assert status == 200 and body.decode("utf-8") == "نص"
        status, body = get(base[:-1])  # /sub -> /sub/
        assert status == 200 and b"root" in body

        # Missing files, directory listings and anything outside the prefix: 404.
        for url in (
            base + "missing.html",
            base + "noindex/",
            origin + "index.html",
            origin + "f.txt",
            origin + "other/sub/index.html",
        ):
            status, body = get(url)
            assert status == 404, url
            assert b"custom 404" in body, url

        # ".." cannot climb out of the served directory.
        (tmp_path / "a" / "secret.txt").write_text("s", encoding="utf-8")
        conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
        conn.request("GET", "/sub/a/../../../../etc/hostname")
        assert conn.getresponse().status == 404
        conn.close()


def test_serve_directory_root_prefix(tmp_path: Path) -> None:
    (tmp_path / "x.html").write_text(html_page("س", "<p>x</p>"), encoding="utf-8")
    with serve_directory(tmp_path) as base:
        assert base.endswith("/")
        assert get(base + "x.html")[0] == 200
        status, body = get(base + "y.html")
        assert status == 404 and b"custom 404" not in body


# --- broken_links ---------------------------------------------------------


def write_site(root: Path, *, broken: bool) -> None:
    """A three-page site; with *broken*, one dead link and one dead #anchor."""
    (root / "news").mkdir(parents=True)
    (root / "index.html").write_text(
        html_page(
            "الرئيسية",
            '<h1 id="top">الأخبار</h1>\n'
            '<a href="news/one.html">خبر ١</a>\n'
            '<a href="news/one.html#para-2">الفقرة ٢</a>\n'
            + (
                '<a href="news/two.html">خبر ٢ مفقود</a>\n'
                '<a href="news/one.html#no-such-anchor">مرساة مفقودة</a>\n'
                if broken
                else ""
            )
            + '<a href="https://example.invalid/external">خارجي</a>\n'
            '<a href="mailto:editor@example.invalid">بريد</a>',
        ),
        encoding="utf-8",
    )
    (root / "news" / "one.html").write_text(
        html_page(
            "خبر ١",
            '<p id="para-1">١</p>\n<p id="para-2">٢</p>\n<a href="../index.html#top">عودة</a>',
        ),
        encoding="utf-8",
    )


def test_broken_links_clean_site(tmp_path: Path) -> None:
    write_site(tmp_path, broken=False)
    with serve_directory(tmp_path, prefix="/athar/") as base:
        assert broken_links(base) == []


def test_broken_links_finds_missing_page_and_anchor(tmp_path: Path) -> None:
    write_site(tmp_path, broken=True)
    with serve_directory(tmp_path, prefix="/athar/") as base:
        problems = broken_links(base)
    assert len(problems) == 2, problems
    missing_page = [p for p in problems if "news/two.html" in p]
    missing_anchor = [p for p in problems if "no-such-anchor" in p]
    assert missing_page and missing_anchor, problems
    # Each problem names the page that holds the link.
    assert all(p.startswith(base) for p in problems), problems
    assert "404" in missing_page[0]
    assert "not found" in missing_anchor[0]


def test_broken_links_flags_link_outside_prefix(tmp_path: Path) -> None:
    """A root-absolute link breaks when the site is served under a prefix."""
    (tmp_path / "index.html").write_text(html_page("ر", '<a href="/about.html">عن</a>'), encoding="utf-8")
    (tmp_path / "about.html").write_text(html_page("عن", "<p>عن</p>"), encoding="utf-8")
    with serve_directory(tmp_path, prefix="/athar/") as base:
        problems = broken_links(base)
    assert len(problems) == 1 and "/about.html" in problems[0], problems


# --- browser ---------------------------------------------------------------


def test_axe_js_is_installed() -> None:
    assert AXE_JS.is_file(), "run ./dev test to install tests/js/node_modules"


def test_browser_rtl_and_axe(tmp_path: Path, page: Page) -> None:
    (tmp_path / "index.html").write_text(VALID_PAGE, encoding="utf-8")
    (tmp_path / "bad.html").write_text(page_html_with_img_without_alt(), encoding="utf-8")
    with serve_directory(tmp_path, prefix="/sub/") as base:
        page.goto(base)
        assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
        assert page.evaluate("document.documentElement.lang") == "ar"
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate("axe.run()")
        assert result["violations"] == [], [v["id"] for v in result["violations"]]

        page.goto(base + "bad.html")
        page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate("axe.run()")
        ids = {v["id"] for v in result["violations"]}
        assert "image-alt" in ids, ids


def page_html_with_img_without_alt() -> str:
    """A valid-looking RTL page whose only defect is an <img> without alt."""
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
        "/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
    )
    return html_page("صورة", f'<h1>صورة</h1>\n<img src="{pixel}" width="1" height="1">')


FONTS = REPO / "templates" / "static" / "fonts"


def test_committed_amiri_fonts_load_in_chromium(tmp_path: Path, page: Page) -> None:
    """The subset WOFF2 files are valid fonts that Chromium uses for Arabic."""
    for name in ("amiri-regular.woff2", "amiri-bold.woff2", "OFL.txt"):
        assert (FONTS / name).is_file(), name
    css = "\n".join(
        f'@font-face {{ font-family: "Amiri"; src: url("fonts/amiri-{w}.woff2") format("woff2");'
        f" font-weight: {n}; }}"
        for w, n in (("regular", 400), ("bold", 700))
    )
    (tmp_path / "fonts").symlink_to(FONTS, target_is_directory=True)
    (tmp_path / "index.html").write_text(
        html_page("خط", f'<style>{css} p {{ font: 32px "Amiri", monospace; }}</style>'
                  '<p>بسم الله الرحمن الرحيم</p><p><b>لا إله</b></p>'),
        encoding="utf-8",
    )
    with serve_directory(tmp_path) as base:
        page.goto(base)
        loaded = page.evaluate(
            """async () => {
                const r = await document.fonts.load('32px Amiri', 'بسم');
                const b = await document.fonts.load('bold 32px Amiri', 'لا');
                return [...r, ...b].map(f => [f.weight, f.status]);
            }"""
        )
        assert sorted(loaded) == [["400", "loaded"], ["700", "loaded"]], loaded
        assert page.evaluate("document.fonts.check('32px Amiri', 'بسم')")
