"""Stage 5, write: put the site on disk atomically.

Files are written into a temporary folder beside the output folder (same
file system), then swapped in with two renames; a failure or an interrupt
at any point removes the temporary folder and leaves the previous site
exactly as it was.  Ctrl-C and SIGTERM are held back while the two renames
and the clean-up run, so an interrupt can never split them.  Temporary
folders carry the builder's process id; one left by a killed build
(SIGKILL, power loss) is removed by the next build.  Every path is checked
to stay inside the output, and the output folder itself must be one athar
may replace: never /, the home folder, the content or the templates, nor
a folder of other files.
"""

from __future__ import annotations

import errno
import marshal
import os
import stat
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

from builder.errors import UsageError, WriteError

TMP_PREFIX = ".athar-tmp-"
OLD_PREFIX = ".athar-old-"
_STALE_RE = re.compile(r"^\.athar-(?:tmp|old)-(\d+)-")
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def safe_relpath(rel: str) -> PurePosixPath:
    """Refuse output paths that could leave the output folder."""
    path = PurePosixPath(rel)
    if (not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel or path.is_absolute()
            or any(part in ("", ".", "..") for part in rel.split("/"))):
        raise ValueError(f"unsafe output path {rel!r}")
    return path


def check_output_dir(output: Path, protected: Iterable[Path]) -> None:
    """Refuse to replace folders that are not ours to replace (exit 2).

    The build replaces the whole output folder, so it must not be /, the
    home folder, a folder holding (or inside) the content or templates,
    a file, or a folder of other files that was not built by athar.
    """
    out = Path(output).resolve()
    home = Path.home().resolve()
    if out == Path(out.anchor) or out == home or home.is_relative_to(out):
        raise UsageError(f"refusing to write the site into {output}: it would replace "
                         f"{'your home folder' if out != Path(out.anchor) else 'the root folder'}; "
                         "choose a dedicated folder such as site/")
    from builder.render import default_templates  # the shipped templates are never an output either
    for p in [*protected, _PACKAGE, default_templates()]:
        p = Path(p).resolve()
        if out == p or p.is_relative_to(out) or out.is_relative_to(p):
            raise UsageError(f"refusing to write the site into {output}: it overlaps {p}, which the build reads; "
                             "choose a separate folder such as site/")
    if out.exists() and not out.is_dir():
        raise UsageError(f"refusing to write the site into {output}: it is a file, not a folder")
    blocking = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise UsageError(f"cannot write the site into {output}: {blocking} is a file, not a folder")
    if out.is_dir() and not looks_like_site(out):
        raise UsageError(f"refusing to replace {output}: it holds files that athar did not build; "
                         "remove them or choose another --output folder")


_PACKAGE = Path(__file__).resolve().parent
"""athar's own code: never an output folder."""


def looks_like_site(folder: Path) -> bool:
    """Whether a folder is empty or an earlier athar build (safe to replace)."""
    try:
        entries = {p.name for p in folder.iterdir()}
    except OSError:
        return False
    return not entries or ({"index.html", "articles"} <= entries and (folder / "articles").is_dir())


@contextmanager
def held_signals() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block is done, then act on them.

    Used around the renames that swap the site in and the clean-up of
    temporary folders, so an interrupt cannot leave half of either.  The
    signals are deferred at the Python level (Python runs handlers in the
    main thread only), which holds even when another thread of the process
    (the preview server's) is the one the kernel delivers them to.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be changed, and only run, in the main thread
        return
    caught: list[int] = []
    previous = {sig: signal.getsignal(sig) for sig in _HELD_SIGNALS}
    for sig in _HELD_SIGNALS:
        signal.signal(sig, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if caught:
            handler = previous[caught[0]]
            if callable(handler):
                handler(caught[0], None)
            elif handler in (signal.SIG_DFL, None):
                signal.raise_signal(caught[0])


def _parent(output: Path) -> Path:
    """The folder holding ``output`` (the output itself may be a symlink, which is replaced, not followed)."""
    return Path(os.path.abspath(output)).parent.resolve()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def clean_stale(parent: Path, force: bool = False) -> list[Path]:
    """Remove temporary folders left by killed builds; returns what was removed.

    Only folders whose builder process is gone are removed, unless
    ``force`` (``athar build --clean``), which removes them all.
    """
    removed = []
    for p in sorted(Path(parent).glob(".athar-*-*")):
        match = _STALE_RE.match(p.name)
        legacy = p.name.startswith((TMP_PREFIX, OLD_PREFIX)) and not match
        if (match and not _alive(int(match.group(1)))) or ((match or legacy) and force):
            with held_signals():
                shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


@contextmanager
def staging(output: Path) -> Iterator[Path]:
    """A fresh folder beside ``output``, swapped in only if the block succeeds.

    On any failure or interrupt the folder is removed and ``output`` is
    left exactly as it was.
    """
    output = Path(output)
    parent = _parent(output)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        clean_stale(parent)
        tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise WriteError(f"cannot write into {parent}: {exc.strerror or exc}") from exc
    try:
        yield tmp
        with held_signals():
            _swap(tmp, output)
    except BaseException:
        with held_signals():
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _known_dirs.pop(str(tmp), None)  # a long preview session makes many staging folders


def write_files(root: Path, files: Iterable[tuple[str, Data]], copies: Iterable[tuple[str, Path]] = (),
                helper: bool = False) -> int:
    """Write (path, bytes) files and copy (path, source) files under ``root``.

    ``helper``: hand the files made whole (bytes, cache links) to a
    :class:`HelperWriter` process, so that creating them (a few system
    calls each) runs on the other core while this process makes the next
    ones; files streamed a piece at a time are written here.
    """
    count = 0
    with (HelperWriter.start(root) if helper else nullcontext()) as writer:
        for rel, data in files:
            if writer is None or not writer.put(rel, data):
                write_file(root, rel, data)
            count += 1
    for rel, source in copies:
        _copy(source, root, rel)
        count += 1
    return count


class HelperWriter:
    """A small process that writes files handed to it in batches, then reports how it went.

    The write step makes hundreds of thousands of small files at 100,000
    articles (search texts, citations, share-card links) on one core, and
    the system calls to create each one were nearly half of it.  The helper
    is a fresh interpreter (``python -c``), not a fork: a fork of the build
    would count the whole corpus once more in the memory of the build.  It
    writes with :func:`write_file`, so paths are checked exactly as here,
    and the first error is raised in this process by :meth:`close`.
    Batches are marshalled ``(path, bytes or None, link source or None)``
    lists behind their length; a zero length ends the stream.
    """

    BATCH_BYTES = 1 << 20
    BATCH_FILES = 512

    def __init__(self, proc: subprocess.Popen[bytes]):
        self.proc = proc
        self.batch: list[tuple[str, bytes | None, str | None]] = []
        self.size = 0

    @classmethod
    @contextmanager
    def start(cls, root: Path) -> Iterator["HelperWriter | None"]:
        """A helper writing under ``root`` (None where none can be started); stopped on the way out."""
        try:
            proc = subprocess.Popen([sys.executable, "-c", "from builder.write import _helper; _helper()", str(root)],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_helper_env(),
                                    start_new_session=True)  # Ctrl-C goes to the build, which stops the helper
        except OSError:
            yield None
            return
        writer = cls(proc)
        try:
            yield writer
            writer.close()
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()  # nothing is written after the build stops: staging then removes the folder

    def put(self, rel: str, data: Data) -> bool:
        """Queue a whole file; False for a streamed one, which the caller writes."""
        if isinstance(data, Linked):
            self.batch.append((rel, None, str(data.source)))
        elif isinstance(data, (bytes, bytearray)):
            self.batch.append((rel, bytes(data), None))
            self.size += len(data)
        else:
            return False
        if self.size >= self.BATCH_BYTES or len(self.batch) >= self.BATCH_FILES:
            self._send()
        return True

    def _send(self) -> None:
        frame = marshal.dumps(self.batch)
        self.batch, self.size = [], 0
        self._write(len(frame).to_bytes(8, "little") + frame)

    def _write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
        except BrokenPipeError:
            self._report()  # it stopped: say why
            raise WriteError("the process writing the site's files stopped unexpectedly") from None

    def close(self) -> None:
        """Send what is queued, wait until all is written, and raise the helper's first error."""
        if self.batch:
            self._send()
        self._write((0).to_bytes(8, "little"))
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self._report()
        if self.proc.wait() != 0:
            raise WriteError("the process writing the site's files stopped unexpectedly")

    def _report(self) -> None:
        assert self.proc.stdout is not None
        reply = self.proc.stdout.read()
        if not reply:
            return
        kind, message = marshal.loads(reply)
        if kind == "ValueError":
            raise ValueError(message)
        if kind:
            raise WriteError(message)


def _helper_env() -> dict[str, str]:
    """The environment of the helper: this one, with this copy of athar first on the path."""
    env = dict(os.environ)
    here = str(_PACKAGE.parent)
    env["PYTHONPATH"] = os.pathsep.join([here, *filter(None, [env.get("PYTHONPATH")])])
    return env


def _helper() -> None:
    """The helper's side of :class:`HelperWriter`: write each batch, then reply (error kind, message)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    root, stdin, failed = Path(sys.argv[1]), sys.stdin.buffer, None
    while size := int.from_bytes(stdin.read(8), "little"):
        batch = marshal.loads(stdin.read(size))
        if failed is not None:
            continue  # read to the end, so the build is not stopped by a full pipe
        try:
            for rel, data, source in batch:
                write_file(root, rel, Linked(Path(source)) if source is not None else data)
        except ValueError as exc:
            failed = ("ValueError", str(exc))
        except OSError as exc:
            failed = ("OSError", f"cannot write {rel}: {exc.strerror or exc}")
    sys.stdout.buffer.write(marshal.dumps(failed or ("", "")))


def _copy(source: Path, root: Path, rel: str) -> None:
    """Copy a file under ``root``; a symlink where it goes is refused (copyfile would follow it)."""
    target = _target(root, rel)
    if target.is_symlink():
        raise ValueError(f"output path {rel!r} escapes the output folder")
    shutil.copyfile(source, target)


def write_site(files: Iterable[tuple[str, bytes]], output: Path, copies: Iterable[tuple[str, Path]] = ()) -> int:
    """Write all files into a fresh folder and swap it in for ``output``.

    ``copies`` are (relative path, source file) pairs copied as they are.
    Returns the number of files written.
    """
    with staging(output) as tmp:
        return write_files(tmp, files, copies)


class Linked:
    """A file published as it is from athar's cache beside the output (a share card).

    The writer hard-links it, so the bytes are neither read nor written
    again (the cards of 100,000 articles are 4 GB); where a link cannot be
    made (another file system) it copies them. Every other reader takes
    :meth:`read`.
    """

    __slots__ = ("source",)

    def __init__(self, source: Path):
        self.source = source

    def read(self) -> bytes:
        return self.source.read_bytes()


Data = bytes | Iterable[bytes] | Linked


def write_file(root: Path, rel: str, data: Data) -> None:
    """Write one file under ``root``; the path is checked to stay inside it.

    ``data`` is bytes or, for big files made a piece at a time, an iterable
    of bytes written as they come, or a :class:`Linked` cache file.
    """
    target = _target(root, rel)
    if isinstance(data, Linked):
        try:
            os.link(data.source, target, follow_symlinks=False)
            return
        except OSError:  # another file system, no hard links, or already there: copy
            data = data.read()
    try:
        fd = os.open(target, _WRITE_FLAGS, PUBLISHED_MODE)
    except FileNotFoundError:  # a folder known to this process was removed meanwhile (serve)
        _known_dirs.pop(str(root), None)
        fd = os.open(_target(root, rel), _WRITE_FLAGS, PUBLISHED_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # the file itself is a symlink
            raise ValueError(f"output path {rel!r} escapes the output folder") from exc
        raise
    with os.fdopen(fd, "wb") as fh:
        if isinstance(data, (bytes, bytearray, memoryview)):
            fh.write(data)
        else:
            fh.writelines(data)


def _umask() -> int:
    """This process's umask (read by setting it and setting it back, once, at import)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


PUBLISHED_MODE = 0o644 & ~_umask()
"""The mode of every file of the site: what write_file's os.open gives a new file.

Files that come from elsewhere (share cards hard-linked from the cache,
made by mkstemp with mode 0600) are given it too: a site copied to a web
server with its modes (rsync -a, cp -a, a tar file) must be readable by
the server's user, not only by the one who built it.
"""

# O_NOFOLLOW: a symlink planted where a file goes is refused, never followed.
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
# Folders under each output root already made or checked by this process:
# most pages share their folders' parents, and checking each file's folders
# with resolve() cost more than rendering small pages.
_known_dirs: dict[str, set[str]] = {}


def _target(root: Path, rel: str) -> Path:
    """The file ``rel`` under ``root``, its folders made; refused if it would lead outside.

    The path is checked lexically (no absolute path, no ``..``) and each
    folder on the way is checked with lstat to be a real folder, not a
    symlink, before anything is made in it, so even a symlink planted in
    the staging folder cannot make the build create anything outside it.
    """
    path = safe_relpath(rel)
    known = _known_dirs.setdefault(str(root), set())
    folder = ""
    for part in path.parts[:-1]:
        folder = f"{folder}/{part}" if folder else part
        if folder in known:
            continue
        here = os.path.join(root, folder)
        try:
            st = os.lstat(here)
        except FileNotFoundError:
            try:
                os.mkdir(here)
            except FileExistsError:  # another worker made it just now
                pass
            st = os.lstat(here)
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
            raise ValueError(f"output path {rel!r} escapes the output folder")
        known.add(folder)
    return root / path  # the file itself: write_file opens it with O_NOFOLLOW, _copy checks it


def _swap(tmp: Path, output: Path) -> None:
    """Replace ``output`` by ``tmp``; the old site is removed only after.

    Called with signals held.  Between the two renames the old site sits
    beside the new one under a temporary name; if the second rename fails,
    the first is undone.
    """
    os.chmod(tmp, 0o755)
    try:
        if output.exists() or output.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f"{OLD_PREFIX}{os.getpid()}-", dir=tmp.parent))
            os.rmdir(old)
            os.rename(output, old)
            try:
                os.rename(tmp, output)
            except BaseException:
                os.rename(old, output)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, output)
    except OSError as exc:
        raise WriteError(f"cannot replace {output}: {exc.strerror or exc}") from exc

