"""Bad corpora: every broken input ends in a clear message, exit 1, and nothing lost or written.

Each folder tests/bad/<case>/ holds ``content/`` (the minimal valid corpus
of fixtures_site.MINIMAL with ONE thing broken), ``expected.txt`` (lines
that must appear verbatim on standard error, paths relative to the case
folder) and optionally ``args.txt`` (extra options, e.g. --strict).

For each case, ``athar check`` and ``athar build`` run in a copy of the
folder, after a good site was built into its ``site/``: both must exit 1
with the expected lines and no traceback, and the whole folder (the
previous site included) must be byte-for-byte what it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from fixtures_site import MINIMAL, athar, write_content

BAD = Path(__file__).resolve().parent / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if (p / "expected.txt").is_file())


def snapshot(root: Path) -> dict[str, bytes]:
    """Every entry under ``root``: files by content, folders and links by name (nothing may change)."""
    out: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                out[rel] = b"symlink " + os.readlink(path).encode()
            elif path.is_file():
                out[rel] = path.read_bytes()
            else:
                out[rel + "/"] = b""
    return out


@pytest.fixture(scope="module")
def good_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site really built by athar from the minimal corpus: the 'previous site' of every case."""
    root = tmp_path_factory.mktemp("good")
    write_content(root / "content", MINIMAL)
    result = athar("build", "--content", "content", "--output", "site", cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "site"


def assert_fails_cleanly(result, expected: list[str], what: str) -> None:
    lines = result.stderr.splitlines()
    assert result.returncode == 1, f"{what}: exit {result.returncode}\n{result.stderr}"
    assert "Traceback" not in result.stderr + result.stdout, f"{what}:\n{result.stderr}"
    missing = [line for line in expected if line not in lines]
    assert not missing, f"{what}: missing {missing}\ngot:\n{result.stderr}"


def run_case(folder: Path, good_site: Path, args: list[str], expected: list[str]) -> None:
    shutil.copytree(good_site, folder / "site", symlinks=True)
    before = snapshot(folder)
    checked = athar("check", "--content", "content", *args, cwd=folder)
    assert_fails_cleanly(checked, expected, "athar check")
    assert snapshot(folder) == before, "athar check wrote something"
    built = athar("build", "--content", "content", "--output", "site", *args, cwd=folder)
    assert_fails_cleanly(built, expected, "athar build")
    assert "the site was not changed" in built.stderr
    after = snapshot(folder)
    assert sorted(after) == sorted(before), "files appeared or disappeared"
    assert [k for k in before if before[k] != after[k]] == [], "the previous site (or a file beside it) changed"


@pytest.mark.parametrize("case", CASES)
def test_bad_corpus(case, tmp_path, good_site):
    folder = tmp_path / case
    shutil.copytree(BAD / case, folder, symlinks=True)
    expected = [line for line in (folder / "expected.txt").read_text(encoding="utf-8").splitlines() if line]
    args = (folder / "args.txt").read_text().split() if (folder / "args.txt").is_file() else []
    (folder / "expected.txt").unlink()
    (folder / "args.txt").unlink(missing_ok=True)
    assert expected and any(": error: " in line or ": warning: " in line for line in expected)
    run_case(folder, good_site, args, expected)


def test_every_case_breaks_one_thing_of_the_minimal_corpus():
    """Each case differs from MINIMAL in one or two files (a file and its pair), never wholesale."""
    assert len(CASES) >= 60
    for case in CASES:
        content = BAD / case / "content"
        files = {p.relative_to(content).as_posix(): p.read_bytes() for p in content.rglob("*") if p.is_file()}
        minimal = {k: v.encode() for k, v in MINIMAL.items()}
        changed = {k for k in files.keys() | minimal.keys() if files.get(k) != minimal.get(k)}
        assert 1 <= len(changed) <= 4, (case, changed)


def test_an_oversize_file_is_refused(tmp_path, good_site):
    """Generated here (a sparse file), not stored: 80 MB of YAML would bloat the repository."""
    folder = tmp_path / "oversize"
    write_content(folder / "content", MINIMAL)
    with open(folder / "content" / "places.yaml", "r+b") as fh:
        fh.truncate(80 * 2**20)
    run_case(folder, good_site, [], [
        "content/places.yaml: error: file is over the 67,108,864-byte limit (83,886,080 bytes)"])


def test_a_content_file_linked_to_a_device_is_refused(tmp_path, good_site):
    folder = tmp_path / "device"
    write_content(folder / "content", {k: v for k, v in MINIMAL.items() if k != "actors.yaml"})
    (folder / "content" / "actors.yaml").symlink_to("/dev/zero")
    run_case(folder, good_site, [], ["content/actors.yaml: error: actors.yaml is not a regular file"])


def test_a_real_previous_build_survives_a_bad_one(tmp_path):
    """The same --output for a good build then a bad one, with whatever the good build left beside it."""
    write_content(tmp_path / "content", MINIMAL)
    assert athar("build", "--content", "content", "--output", "site", cwd=tmp_path).returncode == 0
    before = snapshot(tmp_path)
    (tmp_path / "content" / "events.yaml").write_text(MINIMAL["events.yaml"].replace("2017-07-10", "2017-02-30"),
                                                      encoding="utf-8")
    before["content/events.yaml"] = (tmp_path / "content" / "events.yaml").read_bytes()
    result = athar("build", "--content", "content", "--output", "site", cwd=tmp_path)
    assert_fails_cleanly(result, ["content/events.yaml:3:9: error: 'date': '2017-02-30' is not a real date "
                                  "(February 2017 has 28 days)"], "athar build")
    assert snapshot(tmp_path) == before


def test_all_problems_of_several_cases_in_one_run(tmp_path):
    """athar check reports every problem in one run, each located, in file order."""
    folder = tmp_path / "many"
    shutil.copytree(BAD / "unknown-field" / "content", folder / "content")
    for case in ("date-february-30", "javascript-event-source", "wrong-type-boolean-title"):
        for path in (BAD / case / "content").rglob("*"):
            rel = path.relative_to(BAD / case / "content")
            if path.is_file() and path.read_bytes() != MINIMAL.get(rel.as_posix(), "").encode():
                shutil.copyfile(path, folder / "content" / rel)
    result = athar("check", "--content", "content", cwd=folder)
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert result.returncode == 1 and len(errors) == 4, result.stderr
    assert [e.split(":")[0] for e in errors] == [
        "content/articles/one.md", "content/events.yaml", "content/places.yaml", "content/site.yaml"]
    assert "4 error(s), 0 warning(s)" in result.stderr
