"""Spill files: article texts kept out of memory by the corpus stage, read back exactly."""

from __future__ import annotations

import gc
import os
import pickle
import tempfile
from pathlib import Path

import pytest

from builder import spill
from builder.build import Options, check
from builder.model import pack_text, unpack_text
from builder.parallel import can_fork, map_chunks
from builder.spill import Stored
from fixtures_site import generated_corpus


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Spill folders made in a folder of this test's own, to see that none is left behind."""
    where = tmp_path / "tmp"
    where.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(where))
    return where


def _put_chunk(state: str, numbers: list[int]) -> list[tuple[int, Stored]]:
    """Store one text per number (in a pool worker, or the parent for its share)."""
    return [(os.getpid(), spill.writer(state).put(f"text {n} «نص»".encode())) for n in numbers]


def test_texts_written_by_workers_are_read_back_after_their_files_are_gone(private_tmp, monkeypatch) -> None:
    monkeypatch.setenv("ATHAR_JOBS", "2")
    with spill.folder() as where:
        written = [s for chunk in map_chunks(_put_chunk, list(range(600)), where) for s in chunk]
    stored = [s for _, s in written]
    assert os.listdir(private_tmp) == []  # unlinked and the folder removed, yet readable
    assert [s.read().decode() for s in stored] == [f"text {n} «نص»" for n in range(600)]
    # one file per process, shared by its texts (two, unless a thread left by another test forbids forking)
    assert len({s.spill.path for s in stored}) == len({pid for pid, _ in written}) == (2 if can_fork() else 1)


def test_a_stored_text_survives_pickling_and_equals_its_bytes(private_tmp) -> None:
    with spill.folder() as where:
        stored = spill.writer(where).put(b"abc")
    copy = pickle.loads(pickle.dumps(stored))
    assert copy.spill is stored.spill and copy.read() == b"abc"
    assert copy == stored and stored == b"abc" and stored != b"abd"


def test_a_spill_file_closes_with_the_last_text_that_refers_to_it(private_tmp) -> None:
    with spill.folder() as where:
        stored = spill.writer(where).put(b"x" * 100)
    fd = stored.spill.fd
    assert fd is not None and os.fstat(fd).st_size == 100
    del stored
    gc.collect()
    with pytest.raises(OSError):
        os.fstat(fd)


def test_a_failed_stage_leaves_no_spill_folder(private_tmp) -> None:
    with pytest.raises(RuntimeError):
        with spill.folder() as where:
            spill.writer(where).put(b"half")
            raise RuntimeError("a worker failed")
    assert os.listdir(private_tmp) == []


def test_the_corpus_stage_spills_article_texts_and_reads_them_back(private_tmp, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ATHAR_JOBS", "2")
    content = generated_corpus(tmp_path / "content", 210, seed=3)
    corpus = check(Options(content=content), search=False).corpus
    assert corpus is not None and len(corpus.articles) == 210
    assert os.listdir(private_tmp) == []
    article = next(iter(corpus.articles.values()))
    assert isinstance(article.packed, Stored)
    assert article.body_text and article.spans and article.body_html.startswith("<")
    again = pack_text(article.body_html, article.body_text, article.spans, article.notes, article.events)
    assert unpack_text(again) == unpack_text(article.packed)
    for span in article.spans:  # spans still index the text they were found in
        assert 0 <= span.start < span.end <= len(article.body_text)


def test_without_a_temporary_folder_the_texts_stay_in_memory(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))  # mkdtemp fails
    content = generated_corpus(tmp_path / "content", 30, seed=4)
    corpus = check(Options(content=content), search=False).corpus
    assert corpus is not None and len(corpus.articles) == 30
    article = next(iter(corpus.articles.values()))
    assert isinstance(article.packed, bytes) and article.body_text and article.spans


def test_a_packed_text_unpacks_whole_or_its_plain_text_alone() -> None:
    """The plain text is read from the start of the stream alone, equal to the whole unpacking's."""
    from builder import model
    from builder.model import Note, Span, unpack_body_text

    text = "سقطت الموصل 2017، ثم الرقة. " * 400  # longer than a deflate block
    html = "<p>" + text.replace("،", "،<b>x</b>") + "</p>"
    spans = [Span(0, 5, "place", "mosul", False), Span(12, 17, "note", "1", True)]
    notes = [Note(1, "ثم", Span(12, 17, "note", "1", True), "<p>ملاحظة</p>")]
    packed = pack_text(html, text, spans, notes)
    model._last = None
    assert unpack_body_text(packed) == text and model._last is None  # nothing else inflated nor kept
    whole = unpack_text(packed)
    assert (whole.html, whole.text, whole.spans, whole.notes) == (html, text, tuple(spans), tuple(notes))
    assert unpack_body_text(packed) is whole.text  # the page's own, kept
    assert unpack_body_text(pack_text("", "", [], [])) == ""
