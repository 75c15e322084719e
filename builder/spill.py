"""Articles' packed texts kept in a file instead of memory, at scale.

The corpus stage models articles in worker processes; each worker appends
the packed text of its articles (see :func:`builder.model.pack_text`) to its
own spill file and hands back a :class:`Stored` reference (file, offset,
length) instead of the bytes. The parent opens every spill file once and
unlinks it: the data then lives in the page cache, not in any process's
memory, and processes forked later (the render pool) read it through the
inherited descriptor. A forked worker counts every page of the parent's
heap as its own resident memory, so what is not in the heap is not
counted twice; at 100,000 articles that is about 230 MB a process.

A spill file closes when the last article referring to it is gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from contextlib import contextmanager
from typing import Iterator

_spills: "weakref.WeakValueDictionary[str, Spill]" = weakref.WeakValueDictionary()
_writers: dict[str, "Writer"] = {}


class Spill:
    """One spill file, read with pread once opened (and unlinked) by :func:`folder`."""

    __slots__ = ("path", "fd", "__weakref__")

    def __init__(self, path: str):
        self.path = path
        self.fd: int | None = None

    @staticmethod
    def named(path: str) -> "Spill":
        """The one Spill object of a path in this process (articles share it)."""
        spill = _spills.get(path)
        if spill is None:
            spill = _spills[path] = Spill(path)
        return spill

    def open(self) -> int:
        """The file's descriptor, opened on first use (and kept once the file is unlinked)."""
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        return self.fd

    def read(self, offset: int, length: int) -> bytes:
        data = os.pread(self.open(), length, offset)
        if len(data) != length:
            raise OSError(f"spill file {self.path} ends early (offset {offset}, {length} bytes)")
        return data

    def __del__(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass


class Stored:
    """A packed text in a spill file: what an Article holds instead of the bytes."""

    __slots__ = ("spill", "offset", "length")

    def __init__(self, spill: Spill, offset: int, length: int):
        self.spill = spill
        self.offset = offset
        self.length = length

    def read(self) -> bytes:
        return self.spill.read(self.offset, self.length)

    def __reduce__(self) -> tuple[object, tuple[str, int, int]]:
        return _stored, (self.spill.path, self.offset, self.length)

    def __eq__(self, other: object) -> bool:
        """Equal when the bytes are: a stored text equals the same text held in memory."""
        if isinstance(other, Stored):
            return self.read() == other.read()
        if isinstance(other, bytes):
            return self.read() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.read())


def _stored(path: str, offset: int, length: int) -> Stored:
    return Stored(Spill.named(path), offset, length)


class Writer:
    """Appends packed texts to this process's spill file in a folder."""

    def __init__(self, folder: str):
        self.path = os.path.join(folder, f"{os.getpid()}.spill")
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        self.size = 0
        self.spill = Spill.named(self.path)

    def put(self, data: bytes) -> Stored:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]
        stored = Stored(self.spill, self.size, len(data))
        self.size += len(data)
        return stored

    def close(self) -> None:
        os.close(self.fd)


def writer(folder: str) -> Writer:
    """This process's writer for a spill folder (a pool worker keeps one across its chunks)."""
    key = f"{os.getpid()}:{folder}"
    w = _writers.get(key)
    if w is None:
        w = _writers[key] = Writer(folder)
    return w


@contextmanager
def folder() -> Iterator[str | None]:
    """A spill folder for one corpus stage; on leaving it, every file in it is opened and unlinked.

    The workers' writers die with them; the parent's own is closed here.
    Whatever happens, the folder is removed. None where spilling is not
    possible (no temporary folder can be made, or no pread): the texts then
    stay in memory, packed.
    """
    try:
        path = tempfile.mkdtemp(prefix="athar-spill-") if hasattr(os, "pread") else None
    except OSError:
        path = None
    if path is None:
        yield None
        return
    try:
        yield path
        for name in os.listdir(path):
            spill = _spills.get(os.path.join(path, name))
            if spill is not None:  # else no article refers to it: nothing to keep
                spill.open()  # before the folder goes
    finally:
        for key in [k for k in _writers if k.endswith(f":{path}")]:
            _writers.pop(key).close()
        shutil.rmtree(path, ignore_errors=True)
