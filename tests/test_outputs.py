"""Writers respect what is at the output path: files are replaced atomically, links are
followed and kept, devices, FIFOs, sockets and descriptors are written straight through."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading

import numpy as np
import pytest

from seqalign.cli.main import main
from seqalign.errors import InputError
from seqalign.io.outputs import atomic_output, output_place

POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX special files")


@pytest.fixture()
def inputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    np.save("a.npy", rng.standard_normal((12, 2)))
    np.save("b.npy", rng.standard_normal((15, 2)))
    return tmp_path


def _expected(tmp_path) -> bytes:
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", "plain.csv"]) == 0
    return (tmp_path / "plain.csv").read_bytes()


def _names(folder) -> set[str]:
    return set(os.listdir(folder))


@POSIX
def test_a_symlink_is_kept_and_its_target_written(inputs) -> None:
    expected = _expected(inputs)
    (inputs / "real.csv").write_text("old\n")
    os.symlink("real.csv", "link.csv")
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", "link.csv"]) == 0
    assert os.path.islink("link.csv") and os.readlink("link.csv") == "real.csv"
    assert (inputs / "real.csv").read_bytes() == expected


@POSIX
def test_a_dangling_symlink_creates_its_target(inputs) -> None:
    expected = _expected(inputs)
    os.mkdir("sub")
    os.symlink("sub/new.csv", "link.csv")
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", "link.csv"]) == 0
    assert os.path.islink("link.csv")
    assert (inputs / "sub" / "new.csv").read_bytes() == expected


@POSIX
def test_a_symlink_to_a_folder_of_the_output(inputs) -> None:
    expected = _expected(inputs)
    os.mkdir("real")
    os.symlink("real", "alias")
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", "alias/out.csv"]) == 0
    assert (inputs / "real" / "out.csv").read_bytes() == expected


@POSIX
def test_hard_links_all_see_the_new_content(inputs) -> None:
    expected = _expected(inputs)
    (inputs / "one.csv").write_text("old\n")
    os.link("one.csv", "two.csv")
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", "one.csv"]) == 0
    assert (inputs / "two.csv").read_bytes() == expected
    assert os.stat("one.csv").st_ino == os.stat("two.csv").st_ino


@POSIX
def test_a_fifo_is_written_through_and_stays_a_fifo(inputs) -> None:
    expected = _expected(inputs)
    os.mkfifo("pipe")
    received: list[bytes] = []
    reader = threading.Thread(
        target=lambda: received.append(open("pipe", "rb").read()),  # noqa: SIM115
        daemon=True,
    )
    reader.start()
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", "pipe"]) == 0
    reader.join(timeout=30)
    assert received == [expected]
    assert stat.S_ISFIFO(os.stat("pipe").st_mode)
    assert _names(inputs) == {"a.npy", "b.npy", "plain.csv", "pipe"}  # no temporary file


@POSIX
def test_a_unix_socket_is_written_through(inputs) -> None:
    expected = _expected(inputs)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("sock")
    server.listen(1)
    received: list[bytes] = []

    def serve() -> None:
        connection, _ = server.accept()
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
        received.append(b"".join(chunks))
        connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        assert main(["warp", "a.npy", "b.npy", "-q", "-o", "sock"]) == 0
        thread.join(timeout=30)
    finally:
        server.close()
    assert received == [expected]
    assert stat.S_ISSOCK(os.stat("sock").st_mode)


@POSIX
def test_dev_null_stays_a_device(inputs) -> None:
    before = os.stat(os.devnull)
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", os.devnull]) == 0
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", os.devnull, "--time-map", os.devnull]) == 0
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


@POSIX
@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="mknod needs root")
def test_a_character_device_node_is_not_replaced(inputs) -> None:
    os.mknod("null", 0o666 | stat.S_IFCHR, os.stat(os.devnull).st_rdev)
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", "null"]) == 0
    assert stat.S_ISCHR(os.stat("null").st_mode)


@POSIX
@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="mknod needs root")
def test_a_block_device_is_refused(inputs, capsys) -> None:
    os.mknod("disk", 0o600 | stat.S_IFBLK, os.makedev(7, 200))
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", "disk"]) == 2
    assert "block device" in capsys.readouterr().err
    assert stat.S_ISBLK(os.stat("disk").st_mode)


@POSIX
@pytest.mark.parametrize("alias", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_dev_stdout_writes_to_standard_output(inputs, alias) -> None:
    expected = _expected(inputs)
    command = [sys.executable, "-m", "seqalign", "warp", "a.npy", "b.npy", "-q", "-o", alias]
    done = subprocess.run(command, capture_output=True, timeout=120)
    if os.path.exists(os.path.dirname(alias)):
        assert done.returncode == 0, done.stderr
        assert done.stdout == expected
    else:  # no /proc (macOS): a folder that does not exist, refused as any other
        assert done.returncode == 2 and done.stdout == b""
        assert done.stderr.decode().splitlines() == [
            f"seqalign: error: -o {alias}: folder {os.path.dirname(alias)} does not exist"
        ]
    assert _names(inputs) == {"a.npy", "b.npy", "plain.csv"}


@POSIX
def test_dev_stderr_writes_to_standard_error(inputs) -> None:
    expected = _expected(inputs)
    command = [
        sys.executable,
        "-m",
        "seqalign",
        "warp",
        "a.npy",
        "b.npy",
        "-q",
        "-o",
        "/dev/stderr",
    ]
    done = subprocess.run([*command, "-o", "/dev/stderr"], capture_output=True, timeout=120)
    assert done.returncode == 0 and done.stdout == b""
    assert done.stderr == expected


@POSIX
def test_stdout_twice_is_refused_through_its_aliases(inputs, capsys) -> None:
    args = ["warp", "a.npy", "b.npy", "-q", "-o", "-", "--time-map", "/dev/stdout"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "both write to standard output" in err


@POSIX
def test_an_input_behind_a_link_is_not_overwritten(inputs, capsys) -> None:
    os.symlink("a.npy", "alias.npy")
    before = (inputs / "a.npy").read_bytes()
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", "alias.npy"]) == 2
    assert "would overwrite the input" in capsys.readouterr().err
    assert (inputs / "a.npy").read_bytes() == before


@POSIX
@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("nosuch/../o.csv", "folder nosuch/.. does not exist"),
        ("a.npy/o.csv", "folder a.npy is not a folder"),
        ("out/", "not a file name"),
        ("loop", "leads nowhere"),
        ("/dev/fd/987", "file descriptor 987 is not open"),
    ],
)
def test_bad_targets_are_one_line_and_write_nothing(inputs, capsys, target, expected) -> None:
    os.symlink("loop", "loop") if target == "loop" else None
    before = _names(inputs)
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", target]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and target in err
    assert _names(inputs) == before


@POSIX
def test_output_place_kinds(inputs) -> None:
    (inputs / "f.csv").write_text("x\n")
    assert output_place("-").kind == "stdout"
    assert output_place("f.csv").kind == "file"
    assert output_place("new.csv").kind == "new"
    assert output_place(os.devnull).kind == "stream"
    with pytest.raises(InputError, match="is a folder"):
        output_place(str(inputs))


@POSIX
def test_a_failure_leaves_a_symlinked_target_untouched(inputs) -> None:
    (inputs / "real.csv").write_text("old\n")
    os.symlink("real.csv", "link.csv")
    with pytest.raises(RuntimeError), atomic_output("link.csv") as stream:
        stream.write("partial")
        raise RuntimeError
    assert (inputs / "real.csv").read_text() == "old\n"
    assert os.path.islink("link.csv")
    assert _names(inputs) == {"a.npy", "b.npy", "real.csv", "link.csv"}


@POSIX
def test_two_outputs_to_one_file_through_hard_links_are_refused(inputs, capsys) -> None:
    (inputs / "one.csv").write_text("old\n")
    os.link("one.csv", "two.csv")
    assert main(["warp", "a.npy", "b.npy", "-q", "-o", "one.csv", "--time-map", "two.csv"]) == 2
    assert "both write to two.csv" in capsys.readouterr().err
    assert (inputs / "one.csv").read_text() == "old\n"


@POSIX
def test_a_descriptor_open_for_reading_is_refused(inputs) -> None:
    command = [sys.executable, "-m", "seqalign", "warp", "a.npy", "b.npy", "-o", "/dev/stdin"]
    with open("a.npy", "rb") as stdin:
        done = subprocess.run(command, stdin=stdin, capture_output=True, timeout=120)
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        "seqalign: error: -o /dev/stdin: file descriptor 0 is open for reading only"
    ]


@POSIX
def test_sigterm_while_writing_leaves_no_temporary_file(inputs) -> None:
    script = (
        "import os, signal, sys\n"
        "import seqalign.io.outputs as outputs\n"
        "outputs._keep_mode_and_owner = lambda *a: os.kill(os.getpid(), signal.SIGTERM)\n"
        "from seqalign.cli.main import run\n"
        "sys.argv = ['seqalign', 'warp', 'a.npy', 'b.npy', '-q', '-o', 'out.csv']\n"
        "run()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == 128 + 15, done.stderr
    assert _names(inputs) == {"a.npy", "b.npy"}
