"""Writing the site: paths stay inside, the swap is atomic, failures and interrupts lose nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from builder.errors import UsageError
from builder.write import (
    OLD_PREFIX, TMP_PREFIX, check_output_dir, clean_stale, held_signals, safe_relpath, staging, write_file,
    write_site,
)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (symlinks as their target text), for byte-for-byte comparison."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            out[rel] = b"-> " + os.readlink(p).encode()
        elif p.is_file():
            out[rel] = p.read_bytes()
        else:
            out[rel + "/"] = b""
    return out


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith((TMP_PREFIX, OLD_PREFIX)))


@pytest.mark.parametrize("rel", [
    "", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a\\b", "..\\x", "a/\x00b", ".", "a/", "..",
])
def test_unsafe_output_paths_are_refused(rel):
    with pytest.raises(ValueError):
        safe_relpath(rel)


@pytest.mark.parametrize("rel", ["index.html", "articles/one/index.html", "tags/%D8%A7/index.html", "static/css/site.css",
                                 "tags/الموصل/index.html"])
def test_safe_output_paths_pass(rel):
    assert str(safe_relpath(rel)) == rel


def test_a_symlink_in_the_staging_folder_cannot_lead_outside(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir(), outside.mkdir()
    (root / "articles").symlink_to(outside)
    with pytest.raises(ValueError, match="escapes the output folder"):
        write_file(root, "articles/x/index.html", b"x")
    with pytest.raises(ValueError, match="escapes the output folder"):
        write_file(root, "articles/index.html", b"x")
    assert list(outside.iterdir()) == []


def test_write_site_replaces_the_old_site_whole(tmp_path):
    out = tmp_path / "site"
    write_site([("index.html", b"old"), ("articles/gone/index.html", b"gone")], out)
    assert write_site([("index.html", b"new")], out) == 1
    assert tree(out) == {"index.html": b"new"}
    assert leftovers(tmp_path) == []


def test_a_failure_mid_write_keeps_the_previous_site_and_leaves_no_temporary_folder(tmp_path):
    out = tmp_path / "site"
    write_site([("index.html", b"old"), ("articles/index.html", b"list")], out)
    before = tree(out)

    def files():
        yield "index.html", b"new"
        raise RuntimeError("template exploded")

    with pytest.raises(RuntimeError):
        write_site(files(), out)
    assert tree(out) == before and leftovers(tmp_path) == []
    with pytest.raises(ValueError):
        write_site([("index.html", b"new"), ("../escape.html", b"x")], out)
    assert tree(out) == before and leftovers(tmp_path) == []
    assert not (tmp_path / "escape.html").exists()


def test_an_interrupt_inside_the_staging_block_keeps_the_previous_site(tmp_path):
    out = tmp_path / "site"
    write_site([("index.html", b"old")], out)
    with pytest.raises(KeyboardInterrupt):
        with staging(out) as tmp:
            write_file(tmp, "index.html", b"new")
            raise KeyboardInterrupt
    assert tree(out) == {"index.html": b"old"} and leftovers(tmp_path) == []


def test_staging_folders_carry_the_pid_and_stale_ones_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f"{TMP_PREFIX}{dead_pid}-abc"
    stale_old = tmp_path / f"{OLD_PREFIX}{dead_pid}-abc"
    live = tmp_path / f"{TMP_PREFIX}{os.getpid()}-running"
    legacy = tmp_path / f"{TMP_PREFIX}x1y2z3"
    for p in (stale, stale_old, live, legacy):
        (p / "sub").mkdir(parents=True)
    with staging(tmp_path / "site") as tmp:
        assert tmp.name.startswith(f"{TMP_PREFIX}{os.getpid()}-")
        write_file(tmp, "index.html", b"x")
    assert not stale.exists() and not stale_old.exists()
    assert live.exists() and legacy.exists()  # a running build's folder, and one we cannot date, are kept
    assert sorted(p.name for p in clean_stale(tmp_path, force=True)) == sorted([live.name, legacy.name])
    assert leftovers(tmp_path) == []


def test_held_signals_are_delivered_after_the_block_even_with_other_threads():
    import threading
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # like the preview server's threads, which may receive it
    other.start()
    got = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with held_signals():
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(1000):  # plenty of bytecode boundaries where a handler would run
                    got.append(1)
                got.append("inside")
        assert got[-1] == "inside" and len(got) == 1001
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        stop.set()
        other.join()


def test_the_output_symlink_is_replaced_not_its_target(tmp_path):
    target = tmp_path / "elsewhere"
    write_site([("index.html", b"old"), ("articles/index.html", b"x")], target)
    link = tmp_path / "site"
    link.symlink_to(target)
    write_site([("index.html", b"new")], link)
    assert (target / "index.html").read_bytes() == b"old"
    assert not link.is_symlink() and (link / "index.html").read_bytes() == b"new"


@pytest.mark.parametrize("output, message", [
    ("/", "the root folder"),
    ("~", "your home folder"),
    ("content", "overlaps"),
    ("content/articles", "overlaps"),
    (".", "overlaps"),
    ("templates", "overlaps"),
    ("templates/static", "overlaps"),
    ("a-file.txt", "is a file"),
    ("notes", "holds files that athar did not build"),
])
def test_output_folders_that_must_not_be_replaced(tmp_path, monkeypatch, output, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content" / "articles").mkdir(parents=True)
    (tmp_path / "templates" / "static").mkdir(parents=True)
    (tmp_path / "a-file.txt").write_text("x")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "thesis.docx").write_text("years of work")
    with pytest.raises(UsageError, match=message):
        check_output_dir(Path(output).expanduser(), [Path("content"), Path("templates")])
    assert (tmp_path / "notes" / "thesis.docx").read_text() == "years of work"


def test_athars_own_code_is_never_an_output(tmp_path):
    import builder
    with pytest.raises(UsageError, match="overlaps"):
        check_output_dir(Path(builder.__file__).parent, [])


@pytest.mark.parametrize("setup", ["missing", "empty", "earlier-site"])
def test_outputs_that_may_be_replaced(tmp_path, setup):
    out = tmp_path / "site"
    if setup == "empty":
        out.mkdir()
    elif setup == "earlier-site":
        write_site([("index.html", b"x"), ("articles/index.html", b"x")], out)
    check_output_dir(out, [tmp_path / "content"])


_SLOW_WRITER = textwrap.dedent("""
    import signal, sys, time
    from pathlib import Path
    from builder.cli import _on_sigterm
    from builder.write import write_site
    signal.signal(signal.SIGTERM, _on_sigterm)  # as athar's main() does
    def files():
        for i in range(100000):
            if i == 50:
                print("writing", flush=True)
            time.sleep(0.001)
            yield f"p/{i}.html", b"new"
    write_site(files(), Path(sys.argv[1]))
""")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_write_keeps_the_previous_site(tmp_path, sig):
    out = tmp_path / "site"
    write_site([("index.html", b"old"), ("articles/index.html", b"list")], out)
    before = tree(out)
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_WRITER, str(out)], stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parent.parent)
    assert proc.stdout.readline().strip() == "writing"
    assert leftovers(tmp_path), "the writer should be mid-write"
    proc.send_signal(sig)
    proc.wait(timeout=30)
    assert proc.returncode != 0
    assert tree(out) == before
    assert leftovers(tmp_path) == []


def test_a_file_system_failure_is_a_write_error_and_keeps_the_site(tmp_path, monkeypatch):
    from builder import write as w
    from builder.errors import WriteError
    out = tmp_path / "site"
    write_site([("index.html", b"old")], out)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(w.tempfile, "mkdtemp", denied)
    with pytest.raises(WriteError, match="cannot write into .*: Permission denied"):
        write_site([("index.html", b"new")], out)
    assert tree(out) == {"index.html": b"old"} and leftovers(tmp_path) == []


def test_the_shipped_templates_are_never_an_output():
    from builder.render import default_templates
    with pytest.raises(UsageError, match="overlaps"):
        check_output_dir(default_templates() / "static", [])


def test_a_cached_file_is_linked_not_copied_and_copied_where_links_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from builder.write import Linked, write_file

    cache = tmp_path / "cache.png"
    cache.write_bytes(b"\x89PNG card")
    root = tmp_path / "site"
    root.mkdir()
    write_file(root, "a/card.png", Linked(cache))
    assert (root / "a" / "card.png").read_bytes() == b"\x89PNG card"
    assert os.stat(root / "a" / "card.png").st_ino == os.stat(cache).st_ino  # no bytes written again

    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    write_file(root, "b/card.png", Linked(cache))
    assert (root / "b" / "card.png").read_bytes() == b"\x89PNG card"
    assert os.stat(root / "b" / "card.png").st_ino != os.stat(cache).st_ino


def test_a_link_planted_in_the_card_cache_is_not_published(tmp_path: Path) -> None:
    from builder.cards import Card, CardCache, cache_key

    folder = tmp_path / "cards"
    folder.mkdir()
    card = Card("عنوان", "خبر", "athar")
    secret = tmp_path / "secret"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n not a card")
    (folder / f"{cache_key(card)}.png").symlink_to(secret)
    [published] = CardCache(folder).linked([card])
    assert isinstance(published, bytes) and published.startswith(b"\x89PNG") and b"not a card" not in published


def _files_of_every_kind(cache: Path) -> list[tuple[str, object]]:
    """Whole files, streamed files and cache links, enough of them to fill several batches."""
    from builder.write import Linked
    cache.write_bytes(b"\x89PNG card")
    files: list[tuple[str, object]] = [(f"search/text/{n}.json", f'"نص {n}"'.encode()) for n in range(1300)]
    files += [("data/big.json", iter([b"[", b"1,", b"2]"])), ("cards/a.png", Linked(cache)),
              ("articles/الموصل/index.html", "<p>الموصل</p>".encode()), ("big.bin", bytes(range(256)) * 5000)]
    return files


def test_the_helper_process_writes_exactly_what_the_build_would(tmp_path: Path) -> None:
    from builder.write import write_files
    alone, helped = tmp_path / "alone", tmp_path / "helped"
    alone.mkdir(), helped.mkdir()
    assert write_files(alone, _files_of_every_kind(tmp_path / "c1.png")) == 1304
    assert write_files(helped, _files_of_every_kind(tmp_path / "c2.png"), helper=True) == 1304
    assert tree(helped) == tree(alone) and len(tree(helped)) > 1300
    assert os.stat(helped / "cards" / "a.png").st_ino == os.stat(tmp_path / "c2.png").st_ino  # linked, not copied


def test_the_helper_refuses_paths_that_escape_and_the_build_hears_of_it(tmp_path: Path) -> None:
    from builder.write import write_files
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir(), outside.mkdir()
    (root / "articles").symlink_to(outside)
    with pytest.raises(ValueError, match="escapes the output folder"):
        write_files(root, [("a.html", b"a"), ("articles/x/index.html", b"x"), ("b.html", b"b")], helper=True)
    with pytest.raises(ValueError, match="unsafe output path"):
        write_files(root, [("../x.html", b"x")], helper=True)
    assert list(outside.iterdir()) == [] and not (tmp_path / "x.html").exists()


def test_a_helper_that_dies_is_a_write_error(tmp_path: Path) -> None:
    from builder.errors import WriteError
    from builder.write import HelperWriter
    with pytest.raises(WriteError, match="stopped unexpectedly"):
        with HelperWriter.start(tmp_path) as writer:
            assert writer is not None
            writer.put("a.html", b"a")
            writer.proc.kill()
            writer.proc.wait()
            for n in range(2000):  # until the pipe is found broken, or close() finds it
                writer.put(f"{n}.html", b"x" * 1000)


_SLOW_HELPED_WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from builder.write import staging, write_files
    def files():
        for i in range(100000):
            if i == 2000:
                print("writing", flush=True)
            if i >= 2000:
                time.sleep(0.001)
            yield f"p/{i}.html", b"new"
    with staging(Path(sys.argv[1])) as tmp:
        write_files(tmp, files(), helper=True)
""")


def test_an_interrupt_while_the_helper_writes_keeps_the_previous_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_site([("index.html", b"old"), ("articles/index.html", b"list")], out)
    before = tree(out)
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_HELPED_WRITER, str(out)], stdout=subprocess.PIPE, text=True,
                            stderr=subprocess.PIPE, cwd=Path(__file__).resolve().parent.parent)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    assert leftovers(tmp_path), "the writer should be mid-write"
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    assert proc.returncode != 0
    assert tree(out) == before
    assert leftovers(tmp_path) == []
