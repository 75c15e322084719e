"""Scale features on a generated corpus: determinism with one process or two,
and the no-change rebuild that does nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixtures_site import athar, generated_corpus

pytestmark = pytest.mark.e2e


def _generate(out: Path, n: int) -> Path:
    return generated_corpus(out, n, seed=7)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return _generate(tmp_path_factory.mktemp("gen") / "content", 260)


def test_one_process_or_two_give_identical_sites(generated, tmp_path, monkeypatch):
    outs = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("ATHAR_JOBS", jobs)
        out = tmp_path / jobs / "site"  # each its own card cache (.athar-cache beside the site)
        result = athar("build", "--content", str(generated), "--output", str(out), "--base-url", "https://example.org/")
        assert result.returncode == 0, result.stderr
        # A site with a host has share cards. With two cores the share cards are drawn by a background process meanwhile.
        assert ("\ncards " in result.stderr) == (jobs == "2"), result.stderr
        assert len(list((tmp_path / jobs / ".athar-cache" / "cards").glob("*.png"))) > 260
        outs[jobs] = _tree(out)
    assert len(outs["1"]) > 400
    assert outs["1"] == outs["2"]


def test_unchanged_rebuild_does_nothing_and_a_change_rebuilds(generated, tmp_path):
    out = tmp_path / "site"
    assert athar("build", "--content", str(generated), "--output", str(out)).returncode == 0
    before = _tree(out)
    again = athar("build", "--content", str(generated), "--output", str(out))
    assert again.returncode == 0 and "up to date" in again.stderr
    assert _tree(out) == before
    (out / "index.html").write_text("tampered", encoding="utf-8")  # output changed by hand: rebuild
    fixed = athar("build", "--content", str(generated), "--output", str(out))
    assert "up to date" not in fixed.stderr
    after = _tree(out)
    assert sorted(after) == sorted(before)
    assert [k for k in before if before[k] != after[k]] == []
    md = generated / "articles" / "a000003.md"
    original = md.read_text(encoding="utf-8")
    try:
        md.write_text(original.replace('title: "', 'title: "معدل ', 1), encoding="utf-8")
        changed = athar("build", "--content", str(generated), "--output", str(out))
        assert changed.returncode == 0 and "up to date" not in changed.stderr, changed.stderr
        assert "معدل" in (out / "articles" / "a000003" / "index.html").read_text(encoding="utf-8")
    finally:
        md.write_text(original, encoding="utf-8")


def test_athars_own_code_is_part_of_the_no_change_fingerprint(tmp_path, monkeypatch):
    """Edited or upgraded code must rebuild: the version number alone would skip it."""
    from builder import fingerprint

    (tmp_path / "a.md").write_text("x", encoding="utf-8")
    first = fingerprint.inputs_fingerprint([tmp_path], "opts")
    assert fingerprint.inputs_fingerprint([tmp_path], "opts") == first
    monkeypatch.setattr(fingerprint, "_code_digest", lambda: "other code")
    assert fingerprint.inputs_fingerprint([tmp_path], "opts") != first


def test_a_build_leaves_nothing_frozen_for_the_garbage_collector(tmp_path):
    """Steps freeze what they make while the build runs; a library caller or the
    preview server must get a collector that can free it all afterwards."""
    import gc

    from builder.build import Options, build, check
    from builder.errors import ContentError
    from fixtures_site import MINIMAL, write_content

    content = write_content(tmp_path / "content", MINIMAL)
    build(Options(content=content, output=tmp_path / "site"))
    assert gc.get_freeze_count() == 0
    check(Options(content=content))
    assert gc.get_freeze_count() == 0
    (content / "site.yaml").write_text("title: [\n", encoding="utf-8")
    with pytest.raises(ContentError):
        build(Options(content=content, output=tmp_path / "site"), force=True)
    assert gc.get_freeze_count() == 0


def test_a_build_that_saw_its_inputs_change_does_not_record_them(tmp_path, monkeypatch):
    """A cold build hashes its inputs after the build (they are then in the page cache);
    a file modified meanwhile may have been read before or after the change, so that
    build must not be taken for up to date by the next one."""
    import time

    from builder import fingerprint
    from builder.build import Options, build
    from fixtures_site import MINIMAL, write_content

    content = write_content(tmp_path / "content", MINIMAL)
    before = time.time_ns()
    assert fingerprint.inputs_fingerprint([content], "o", changed_after=before) is not None
    md = next((content / "articles").glob("*.md"))
    md.write_text(md.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert fingerprint.inputs_fingerprint([content], "o", changed_after=before) is None

    real = fingerprint.inputs_fingerprint
    touched = tmp_path / "touched"  # a file: the hash may run in the card process

    def edit_during_build(roots, options, changed_after=None):  # the hash after the build began sees the edit
        if changed_after is not None and not touched.exists():
            md.write_text(md.read_text(encoding="utf-8") + "\n", encoding="utf-8")
            touched.touch()
        return real(roots, options, changed_after)

    monkeypatch.setattr(fingerprint, "inputs_fingerprint", edit_during_build)
    out = tmp_path / "site"
    assert not build(Options(content=content, output=out)).unchanged
    assert touched.exists() and not fingerprint.recorded(out)
    assert not build(Options(content=content, output=out)).unchanged  # rebuilt, then recorded
    assert fingerprint.recorded(out)
    assert build(Options(content=content, output=out)).unchanged


def test_the_write_step_on_two_cores_or_one_writes_the_same_files(generated, tmp_path):
    """While the build is small, the search index and the data downloads are written by two
    processes; past SPLIT_WRITE_BELOW one process writes them. The sites must be the same.
    (Each build in a fresh interpreter: this one may have threads or have grown past the limit.)"""
    import json
    import subprocess
    import sys

    from tools import REPO

    script = """
import json, sys
import builder.build as B
B.SPLIT_WRITE_BELOW = int(sys.argv[1])
split, real = [], B.map_chunks
def spy(fn, items, state, *args, **kwargs):
    if fn is B._write_part:
        split.append(list(items))
    return real(fn, items, state, *args, **kwargs)
B.map_chunks = spy
files = B.build(B.Options(content=sys.argv[2], output=sys.argv[3])).files
print(json.dumps({"split": split, "files": files}))
"""
    sites, runs = {}, {}
    for limit in (1 << 62, 0):
        out = tmp_path / str(limit) / "site"
        done = subprocess.run([sys.executable, "-c", script, str(limit), str(generated), str(out)], cwd=REPO,
                              env={**os.environ, "ATHAR_JOBS": "2"}, capture_output=True, text=True, check=True)
        runs[limit] = json.loads(done.stdout.strip().splitlines()[-1])
        sites[limit] = _tree(out)
        assert len(sites[limit]) == runs[limit]["files"]
    assert runs[1 << 62]["split"] == [["search", "data"]] and runs[0]["split"] == []
    assert sites[1 << 62] == sites[0]
