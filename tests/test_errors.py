"""Diagnostics for people: the path:line:column format, hints, ordering, exit codes."""

from __future__ import annotations

import os
from pathlib import Path

from builder.errors import ContentError, Diagnostic, Loc, Problems, UsageError, WriteError, did_you_mean


def test_the_format_is_path_line_column_severity_message_then_hint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = Diagnostic(Loc(tmp_path / "content" / "places.yaml", 3, 7), "unknown field 'nme'", "did you mean 'name'?")
    assert d.format() == "content/places.yaml:3:7: error: unknown field 'nme'\n  hint: did you mean 'name'?"
    w = Diagnostic(Loc(Path("content/site.yaml"), 1, 1), "a warning", severity="warning")
    assert w.format() == "content/site.yaml:1:1: warning: a warning"


def test_a_location_without_line_names_just_the_file_and_paths_outside_stay_absolute(tmp_path, monkeypatch):
    inside, outside = tmp_path / "project", tmp_path / "elsewhere"
    inside.mkdir()
    monkeypatch.chdir(inside)
    assert str(Loc(inside / "content" / "site.yaml")) == "content/site.yaml"
    assert str(Loc(outside / "site.yaml", 2, 0)) == f"{outside / 'site.yaml'}:2:1"
    assert os.path.isabs(str(Loc(outside / "x.yaml")))


def test_problems_sort_in_file_order_and_count_errors_apart_from_warnings():
    p = Problems()
    p.warning(Loc(Path("b.yaml"), 1, 1), "w")
    p.error(Loc(Path("b.yaml"), 10, 2), "late")
    p.error(Loc(Path("b.yaml"), 2, 5), "early")
    p.error(Loc(Path("a.yaml"), 99, 1), "first file")
    assert [d.message for d in p.sorted()] == ["first file", "w", "early", "late"]
    assert len(p.errors) == 3 and len(p.warnings) == 1 and bool(p)
    assert p.errors_for(Path("a.yaml")) and not p.errors_for(Path("c.yaml"))
    only_warnings = Problems()
    only_warnings.warning(Loc(Path("x")), "w")
    assert not only_warnings  # warnings alone do not fail a build


def test_did_you_mean_names_the_closest_ids():
    ids = ["mosul", "raqqa", "tal-afar", "al-qaim", "mosul-2017"]
    assert did_you_mean("mosol", ids) == "did you mean 'mosul'?"
    assert did_you_mean("qaim", ids) == "did you mean 'al-qaim'?"
    assert "'tal-afar'" in did_you_mean("talafar", ids)
    assert did_you_mean("zzzz", ids) == ""
    assert did_you_mean("", ids) == ""


def test_each_failure_has_its_exit_code():
    assert ContentError(Problems()).exit_code == 1
    assert WriteError("disk full").exit_code == 1
    assert UsageError("bad option").exit_code == 2
