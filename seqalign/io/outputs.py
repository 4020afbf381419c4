"""Where an output goes, and how to write there without damaging what is at the path.

Every file a command writes goes through :func:`atomic_output`, which first looks at what the
path names (:func:`output_place`):

* ``-``: standard output (flushed, never closed);
* a new file or a regular file: written to a temporary file in the same folder and renamed over
  the target once complete, keeping the target's permissions (and owner, when allowed), so a
  failure never leaves a half-written file; a file with several hard links is updated in place
  once the whole content is ready, so that every name sees it;
* a symbolic link: the link is kept and what it points to is written as above (a link to a
  missing file creates that file);
* a character device (``/dev/null``, a terminal), a FIFO or a socket: written straight through,
  no temporary file, no rename (renaming over them would replace the device node or the pipe
  with a plain file);
* ``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N`` and ``/proc/self/fd/N``: the process's own file
  descriptor N (``/dev/stdout`` is the same place as ``-``).

A folder, a block device (a disk) and a path whose folder does not exist are refused with an
:class:`~seqalign.errors.InputError` naming the option and the value, before any work is done.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from seqalign.errors import InputError

__all__ = ["OutputPlace", "atomic_output", "check_target", "output_place"]

_FD_PATH = re.compile(r"/proc/(?:self|thread-self|(?P<pid>[0-9]+))/fd/(?P<fd>[0-9]+)")
_MAX_LINKS = 40  # as the kernel's limit on symbolic links followed in one lookup


@dataclass(frozen=True)
class OutputPlace:
    """What an output path names.

    Attributes
    ----------
    kind : str
        ``"stdout"`` (``-`` or an alias of file descriptor 1), ``"fd"`` (another file descriptor
        of this process), ``"stream"`` (a character device, FIFO or socket: written through),
        ``"file"`` (an existing regular file) or ``"new"`` (nothing there yet).
    path : str
        The path to write: for ``"file"`` and ``"new"`` the real path, symbolic links resolved.
    fd : int or None
        The file descriptor, for ``"fd"``.
    """

    kind: str
    path: str
    fd: int | None = None

    @property
    def key(self) -> str:
        """Two outputs with the same key write to the same place (hard links included)."""
        if self.kind == "stdout":
            return "-"
        if self.kind == "fd":
            return f"fd:{self.fd}"
        try:
            info = os.stat(self.path)
        except OSError:
            return self.path
        return f"inode:{info.st_dev}:{info.st_ino}"


def _fd_alias(path: str) -> int | None:
    """The descriptor N when ``path`` leads to ``/proc/self/fd/N`` (``/dev/stdout``, ``/dev/fd/N``
    ...), following the links one step at a time (the last step of such a link names a pipe or a
    terminal, not a path, so :func:`os.path.realpath` cannot be used)."""
    current = os.path.abspath(path)
    for _ in range(_MAX_LINKS):
        match = _FD_PATH.fullmatch(current)
        if match and (match["pid"] is None or int(match["pid"]) == os.getpid()):
            return int(match["fd"])
        folder, name = os.path.split(current)
        real_folder = os.path.realpath(folder)
        if real_folder != folder:
            current = os.path.join(real_folder, name)
            continue
        if not os.path.islink(current):
            return None
        try:
            current = os.path.normpath(os.path.join(folder, os.readlink(current)))
        except OSError:
            return None
    return None


def _refuse(flag: str, target: str, why: str) -> InputError:
    return InputError(f"{flag} {target}: {why}", argument="output")


def output_place(target: str, flag: str = "-o") -> OutputPlace:
    """Look at what ``target`` names and check that it can be written (see the module notes).

    Raises
    ------
    InputError
        A missing folder, a folder, a block device, a link loop, a closed file descriptor or a
        folder without write permission (argument ``"output"``; ``flag`` names the option).
    """
    if target == "-":
        return OutputPlace("stdout", "-")
    if not target or target.endswith(os.sep):
        raise _refuse(flag, target, "not a file name")
    fd = _fd_alias(target)
    if fd is not None:
        if fd == 1:
            return OutputPlace("stdout", "-")
        import fcntl  # POSIX: descriptor paths exist only there

        try:
            mode = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
        except OSError:
            raise _refuse(flag, target, f"file descriptor {fd} is not open") from None
        if mode == os.O_RDONLY:
            raise _refuse(flag, target, f"file descriptor {fd} is open for reading only")
        return OutputPlace("fd", target, fd)
    folder = os.path.dirname(target) or os.curdir
    if not os.path.isdir(folder):  # the system's view: "nosuch/../o.csv" has no folder
        shown = os.path.dirname(target)
        why = "is not a folder" if os.path.lexists(shown) else "does not exist"
        raise _refuse(flag, target, f"folder {shown} {why}")
    try:
        real = os.path.realpath(target, strict=os.path.lexists(target))
    except OSError:  # a dangling link (its target is created) or a loop (refused)
        real = os.path.realpath(target)
        if os.path.islink(real) or not os.path.isdir(os.path.dirname(real) or os.curdir):
            raise _refuse(flag, target, "a symbolic link that leads nowhere writable") from None
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise _refuse(flag, target, error.strerror or str(error)) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise _refuse(flag, target, "is a folder; give a file name")
    if mode is not None and stat.S_ISBLK(mode):
        raise _refuse(flag, target, "is a block device; refusing to write over a disk")
    if mode is not None and not stat.S_ISREG(mode):
        if not os.access(real, os.W_OK):
            raise _refuse(flag, target, "permission denied")
        return OutputPlace("stream", real)
    real_folder = os.path.dirname(os.path.abspath(real))
    if not os.access(real_folder, os.W_OK | os.X_OK):
        raise _refuse(flag, target, f"cannot write in folder {real_folder}")
    return OutputPlace("new" if mode is None else "file", os.path.abspath(real))


def check_target(target: str, flag: str = "-o") -> None:
    """Fail early unless ``target`` can be written (see :func:`output_place`)."""
    output_place(target, flag)


@contextlib.contextmanager
def _through(stream: IO[Any], binary: bool) -> Iterator[IO[Any]]:
    if binary:
        yield stream
        return
    text = open(stream.fileno(), "w", encoding="utf-8", newline="", closefd=False)  # noqa: SIM115
    with text:
        yield text


@contextlib.contextmanager
def _straight(place: OutputPlace, binary: bool) -> Iterator[IO[Any]]:
    """Write to a device, FIFO, socket or descriptor as it is: no temporary file, no rename."""
    if place.kind == "fd":
        assert place.fd is not None
        if place.fd == 2:
            sys.stderr.flush()
        handle = os.fdopen(os.dup(place.fd), "wb")
    elif stat.S_ISSOCK(os.stat(place.path).st_mode):
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(place.path)
        handle = connection.makefile("wb")
        connection.close()  # the file object keeps the socket open
    else:
        handle = open(place.path, "wb")  # noqa: SIM115
    with handle, _through(handle, binary) as stream:
        yield stream


def _keep_mode_and_owner(temporary: str, target: str) -> None:
    try:
        info = os.stat(target)
    except OSError:  # a new file: what open() would give, 0o666 less the umask
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        return
    with contextlib.suppress(OSError):  # only the owner or root can give the file away
        os.chown(temporary, info.st_uid, info.st_gid)
    os.chmod(temporary, info.st_mode & 0o7777)


@contextlib.contextmanager
def atomic_output(target: str, *, binary: bool = False, flag: str = "-o") -> Iterator[IO[Any]]:
    """Open ``target`` for writing so that it appears complete or not at all.

    Parameters
    ----------
    target : str
        A path, or ``-`` for standard output (``sys.stdout``, or ``sys.stdout.buffer`` when
        ``binary``); standard output is flushed, not closed.
    binary : bool
        Yield a binary stream instead of a UTF-8 text stream.
    flag : str
        The option that named ``target``, for messages.

    Yields
    ------
    file object
        For a file, writes go to a temporary file in the folder of the real target, renamed over
        it (keeping its permissions) when the block ends without an exception; on an exception
        the temporary file is removed and an existing target is left untouched. Devices, FIFOs,
        sockets and file descriptors are written straight through (see the module notes).

    Raises
    ------
    InputError
        The target cannot be written (see :func:`output_place`; argument ``"output"``).
    """
    place = output_place(target, flag)
    if place.kind == "stdout":
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    if place.kind in ("fd", "stream"):
        with _straight(place, binary) as stream:
            yield stream
        return
    folder = os.path.dirname(place.path)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(place.path)}.", suffix=".tmp", dir=folder
        )
    except OSError as error:
        raise _refuse(flag, target, f"cannot write in folder {folder} ({error.strerror})") from None
    try:
        with os.fdopen(handle, "wb") as raw, _through(raw, binary) as stream:
            yield stream
        linked = place.kind == "file" and os.stat(place.path).st_nlink > 1
        if linked:  # every hard link should see the new content: copy it in, now it is complete
            with open(temporary, "rb") as source, open(place.path, "r+b") as destination:
                destination.truncate(0)
                while block := source.read(1 << 20):
                    destination.write(block)
            os.unlink(temporary)
        else:
            _keep_mode_and_owner(temporary, place.path)
            os.replace(temporary, place.path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
