"""Deploy recipes: `athar build --clean`, and the GitHub Pages workflow's commands."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import yaml

from fixtures_site import MINIMAL, athar, write_content
from tools import REPO

WORKFLOW = REPO / ".github" / "workflows" / "pages.yml"


def test_clean_removes_temporary_folders_that_a_normal_build_keeps(tmp_path: Path) -> None:
    content = write_content(tmp_path / "content", MINIMAL)
    # A folder a *running* build owns (this test's own pid is alive): a normal build leaves it alone.
    live = tmp_path / f".athar-tmp-{os.getpid()}-x1"
    live.mkdir()
    (live / "half.html").write_text("half-written", encoding="utf-8")
    result = athar("build", "-q", "--content", str(content), "--output", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert live.is_dir()
    result = athar("build", "-q", "--clean", "--content", str(content), "--output", str(tmp_path / "site"))
    assert result.returncode == 0, result.stderr
    assert not live.exists(), "--clean removes every temporary folder beside the output"
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / ".athar-cache" / "cards").is_dir(), "the share-card cache is kept"


def test_pages_workflow_builds_for_the_pages_url_and_uploads_site() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    runs = [shlex.split(s["run"].replace("${{ steps.pages.outputs.base_url }}", "https://u.example/repo"))
            for s in steps if "run" in s]
    build = next(r for r in runs if r[:2] == ["athar", "build"])
    assert build[build.index("--base-url") + 1] == "https://u.example/repo/"
    assert "--clean" in build and build[build.index("--output") + 1] == "site"
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site"
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["jobs"]["deploy"]["needs"] == "build"
