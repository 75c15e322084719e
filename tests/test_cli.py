"""The command line: exit codes, messages, scaffolding."""

from fixtures_site import MINIMAL, athar, write_content


def test_build_check_and_exit_codes(tmp_path):
    content = write_content(tmp_path / "content", MINIMAL)
    ok = athar("check", "--content", str(content))
    assert ok.returncode == 0 and "1 articles" in ok.stderr
    (content / "places.yaml").write_text("- id: mosul\n  nme: الموصل\n", encoding="utf-8")
    bad = athar("check", "--content", str(content))
    assert bad.returncode == 1
    assert "places.yaml:2:3: error: unknown field 'nme' in place" in bad.stderr
    assert "did you mean 'name'" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert athar("build", "--no-such-flag").returncode == 2


def test_new_scaffolds_a_valid_article(tmp_path):
    content = write_content(tmp_path / "content", MINIMAL)
    made = athar("new", "mosul-story", "--content", str(content), "--title", "قصة \"الموصل\"", "--date", "2017-07-10")
    assert made.returncode == 0, made.stderr
    article = content / "articles" / "mosul-story.md"
    assert article.is_file()
    checked = athar("check", "--content", str(content))
    assert checked.returncode == 0  # valid, but the text is still to be pasted: a warning says so
    assert "mosul-story.md:10:1: warning: the article's text is still the placeholder" in checked.stderr
    article.write_text(article.read_text(encoding="utf-8").replace(
        "الصق نص المقال هنا كما نُشر، حرفًا بحرف.", "نص المقال كما نُشر."), encoding="utf-8")
    checked = athar("check", "--content", str(content))
    assert checked.returncode == 0 and "warning" not in checked.stderr, checked.stderr
    again = athar("new", "mosul-story", "--content", str(content))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert athar("new", "Bad Slug", "--content", str(content)).returncode == 2


def test_schema_prints_json(tmp_path):
    import json
    out = athar("schema", "places")
    assert out.returncode == 0
    schema = json.loads(out.stdout)
    assert schema["items"]["required"] == ["id", "name"]


# ------------------------------------------------------------ errors, exit codes, signals (issue 3)

import importlib.util  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tools import REPO  # noqa: E402


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((".athar-tmp-", ".athar-old-")))


@pytest.mark.parametrize("output, words", [
    ("content", "overlaps"), ("content/articles", "overlaps"), (".", "overlaps"), ("/", "the root folder"),
    ("~", "your home folder"), ("templates", "overlaps"), ("notes", "holds files that athar did not build"),
])
def test_build_refuses_outputs_it_must_not_replace(tmp_path, output, words):
    write_content(tmp_path / "content", MINIMAL)
    (tmp_path / "templates").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "thesis.txt").write_text("years of work")
    before = _tree(tmp_path)
    result = athar("build", "--output", os.path.expanduser(output), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("athar: error: refusing to") and words in result.stderr
    assert "Traceback" not in result.stderr
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("command", ["check", "build"])
def test_a_missing_content_folder_is_a_usage_error(tmp_path, command):
    result = athar(command, cwd=tmp_path)
    assert result.returncode == 2
    assert "athar: error: content folder content not found" in result.stderr
    assert "hint: run athar in your project folder" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_warnings_pass_unless_strict(tmp_path):
    files = dict(MINIMAL, **{"articles/one.md": MINIMAL["articles/one.md"].replace("مقال أول", "مقال\u200f أول")})
    write_content(tmp_path / "content", files)
    loose = athar("build", "--output", "site", cwd=tmp_path)
    assert loose.returncode == 0 and "warning: 'title' contains invisible" in loose.stderr
    assert "U+200F RIGHT-TO-LEFT MARK" in loose.stderr
    before = _tree(tmp_path / "site")
    strict = athar("build", "--output", "site", "--strict", cwd=tmp_path)
    assert strict.returncode == 1
    assert "athar: the content has warnings, which --strict counts as errors; the site was not changed" in strict.stderr
    assert _tree(tmp_path / "site") == before
    assert athar("check", "--strict", cwd=tmp_path).returncode == 1


def test_a_broken_user_template_is_a_located_error_not_a_traceback(tmp_path):
    write_content(tmp_path / "content", MINIMAL)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "404.html").write_text("<p>{% if %}</p>\n", encoding="utf-8")
    result = athar("build", "--output", "site", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "404.html:1: error: template:" in result.stderr
    assert not (tmp_path / "site").exists() and _leftovers(tmp_path) == []


def test_an_output_that_cannot_be_written_is_a_message(tmp_path):
    write_content(tmp_path / "content", MINIMAL)
    (tmp_path / "a-file").write_text("x")  # a folder cannot be made inside a file, even by root
    result = athar("build", "--output", "a-file/site", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "athar: error: cannot write the site into a-file/site: " in result.stderr
    assert "a-file is a file, not a folder" in result.stderr
    assert (tmp_path / "a-file").read_text() == "x"


def test_an_unexpected_error_is_one_line_and_athar_debug_shows_the_traceback(tmp_path):
    script = ("import sys, builder.build as b\n"
              "def boom(*a, **k): raise RuntimeError('simulated bug')\n"
              "b.check = boom\n"
              "from builder.cli import main\n"
              "sys.exit(main(['check', '--content', sys.argv[1]]))\n")
    write_content(tmp_path / "content", MINIMAL)
    quiet = subprocess.run([sys.executable, "-c", script, str(tmp_path / "content")], capture_output=True, text=True)
    assert quiet.returncode == 1 and "Traceback" not in quiet.stderr
    assert "athar: internal error: RuntimeError: simulated bug" in quiet.stderr and "ATHAR_DEBUG=1" in quiet.stderr
    loud = subprocess.run([sys.executable, "-c", script, str(tmp_path / "content")], capture_output=True, text=True,
                          env={**os.environ, "ATHAR_DEBUG": "1"})
    assert loud.returncode == 1 and "Traceback" in loud.stderr
    disk_full = script.replace("raise RuntimeError('simulated bug')", "raise OSError(28, 'No space left on device')")
    full = subprocess.run([sys.executable, "-c", disk_full, str(tmp_path / "content")], capture_output=True, text=True)
    assert full.returncode == 1 and "Traceback" not in full.stderr
    assert "athar: error: No space left on device; the previous site is unchanged" in full.stderr


def test_schema_into_a_closed_pipe_is_quiet():
    proc = subprocess.run(f"{sys.executable} -m builder schema events | head -c 10", shell=True, capture_output=True,
                          text=True, cwd=REPO)
    assert proc.stdout == '{\n  "$id":'[:10] and "Traceback" not in proc.stderr and "Error" not in proc.stderr


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> Path:
    """A generated corpus large enough that writing it takes a while."""
    spec = importlib.util.spec_from_file_location("generate", REPO / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("big") / "content"
    module.generate(out, 400, seed=3)
    return out


@pytest.mark.parametrize("how", ["SIGTERM to athar", "Ctrl-C to its process group"])
def test_an_interrupted_build_leaves_the_previous_site_and_no_temporary_folder(tmp_path, big_corpus, how):
    write_content(tmp_path / "small", MINIMAL)
    assert athar("build", "--content", "small", "--output", "site", cwd=tmp_path).returncode == 0
    before = _tree(tmp_path / "site")
    proc = subprocess.Popen([sys.executable, "-m", "builder", "build", "--content", str(big_corpus), "--output", "site"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:  # wait until pages are being written
        staging = [p for p in tmp_path.glob(".athar-tmp-*") if sum(1 for _ in p.rglob("*.html")) >= 20]
        if staging:
            break
        time.sleep(0.02)
    assert proc.poll() is None, f"the build ended before it could be interrupted:\n{proc.stderr.read()}"
    if how.startswith("SIGTERM"):
        proc.send_signal(signal.SIGTERM)
    else:
        os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == (143 if how.startswith("SIGTERM") else 130), err
    assert "Traceback" not in err and "athar: interrupted" in err
    assert _tree(tmp_path / "site") == before
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "//evil.example/", "/a/../b", "ftp://example.org/", "project/"])
def test_a_bad_base_url_option_is_a_usage_error(tmp_path, url):
    write_content(tmp_path / "content", MINIMAL)
    result = athar("build", "--output", "site", "--base-url", url, cwd=tmp_path)
    assert result.returncode == 2 and "athar: error: --base-url" in result.stderr
    assert not (tmp_path / "site").exists()
