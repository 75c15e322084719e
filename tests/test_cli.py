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
    assert (content / "articles" / "mosul-story.md").is_file()
    assert athar("check", "--content", str(content)).returncode == 0
    again = athar("new", "mosul-story", "--content", str(content))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert athar("new", "Bad Slug", "--content", str(content)).returncode == 2


def test_schema_prints_json(tmp_path):
    import json
    out = athar("schema", "places")
    assert out.returncode == 0
    schema = json.loads(out.stdout)
    assert schema["items"]["required"] == ["id", "name"]
