"""Write report files so that nothing is lost.

* every file is written UTF-8 (whatever the locale) to a temporary file beside its target, flushed
  to disk, and renamed over the target with ``os.replace`` (atomic on POSIX): a reader sees the old
  file or the new one, never a truncated or interleaved one;
* a *set* of files is written all-or-nothing: all temporaries first, and only when every one is
  written are they renamed; if any write fails, the temporaries are removed and the previous files
  are untouched;
* ``"-"`` means standard output (written as UTF-8 bytes, whatever ``PYTHONIOENCODING`` says).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

__all__ = ["atomic_write_json", "atomic_write_text", "check_writable", "write_all"]


def check_writable(path: Path, name: str = "path") -> None:
    """``ValueError`` naming ``name`` unless ``path`` can be written: not a directory, and its
    directory exists (or can be created) and accepts a new file. Run before any work."""
    if path.is_dir():
        raise ValueError(f"{name}: {str(path)!r} is a directory, not a file")
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{name}: cannot create the directory {str(parent)!r}: {exc.strerror}") from None
    try:
        fd, probe = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".probe")
    except OSError as exc:
        raise ValueError(f"{name}: cannot write in {str(parent)!r}: {exc.strerror}") from None
    os.close(fd)
    os.unlink(probe)


def _file_mode(target: Path) -> int:
    """The mode the written file gets: the target's own where it exists, else what a new file gets
    under the process's umask (0644 under the usual 022)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _write_temp(target: Path, text: str) -> Path:
    """Write ``text`` to a new temporary file beside ``target``; return its path."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode(target))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return Path(tmp)


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: a temporary file beside it, then rename."""
    write_all([(path, text)])


def atomic_write_json(path: Path | str, data: object, *, indent: int = 2) -> None:
    """Write ``data`` as strict JSON (no NaN or infinity, UTF-8, a final newline) to ``path``
    atomically (:func:`atomic_write_text`); ``ValueError`` if it holds a NaN or an infinity."""
    atomic_write_text(path, json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False) + "\n")


def _write_stdout(text: str, stdout: TextIO | None) -> None:
    stream = stdout if stdout is not None else sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:  # bytes: independent of PYTHONIOENCODING / the locale
        stream.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()
    else:
        stream.write(text)
        stream.flush()


def write_all(files: Sequence[tuple[Path | str, str]], *, stdout: TextIO | None = None) -> None:
    """Write every ``(path, text)`` or none: temporaries first, then the renames. A path ``"-"``
    is standard output (written last, after the files)."""
    to_stdout = [text for path, text in files if str(path) == "-"]
    targets = [(Path(path), text) for path, text in files if str(path) != "-"]
    temps: list[tuple[Path, Path]] = []
    try:
        for target, text in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            temps.append((_write_temp(target, text), target))
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    for tmp, target in temps:
        os.replace(tmp, target)
    for text in to_stdout:
        _write_stdout(text, stdout)
