"""Tests for mosaic_sdk._files.read_text_capped / read_bytes_capped: hostile files."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

from mosaic_sdk._files import read_bytes_capped, read_text_capped
from mosaic_sdk.errors import InvalidValueError


def test_reads_a_regular_file_verbatim(tmp_path: Path) -> None:
    target = tmp_path / "compose.yaml"
    target.write_bytes("a: é\r\nb: 2\n".encode())

    assert read_text_capped(target, max_bytes=100, what="compose file") == "a: é\r\nb: 2\n"


def test_follows_a_symlink_to_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("x: 1\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")

    assert read_text_capped(tmp_path / "link.yaml", max_bytes=100, what="file") == "x: 1\n"


def test_a_file_of_exactly_max_bytes_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x" * 10)

    assert read_bytes_capped(tmp_path / "f", max_bytes=10, what="file") == b"x" * 10


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "compose.yaml"
    os.mkfifo(fifo)
    result: list[BaseException] = []

    def read() -> None:
        try:
            read_text_capped(fifo, max_bytes=100, what="compose file")
        except BaseException as exc:
            result.append(exc)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(5)
    if worker.is_alive():  # unblock the reader so the test process can exit
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a FIFO blocked")
    assert len(result) == 1
    assert isinstance(result[0], InvalidValueError)
    assert "FIFO" in str(result[0])
    assert "compose.yaml" in str(result[0])


def test_a_symlink_to_dev_zero_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").symlink_to("/dev/zero")

    with pytest.raises(InvalidValueError, match="character device"):
        read_text_capped(tmp_path / "Dockerfile", max_bytes=1 << 20, what="Dockerfile")


def test_the_cap_counts_bytes_read_not_what_stat_says(tmp_path: Path) -> None:
    # /proc files report st_size 0 yet have content: only bytes actually read count.
    status = Path("/proc/self/status")
    if not status.exists() or status.stat().st_size != 0:
        pytest.skip("needs a Linux /proc")

    with pytest.raises(InvalidValueError, match="larger than 16 bytes"):
        read_bytes_capped(status, max_bytes=16, what="file")


def test_a_file_larger_than_the_cap_is_refused(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * 101)

    with pytest.raises(InvalidValueError, match="larger than 100 bytes, the most accepted"):
        read_bytes_capped(tmp_path / "big", max_bytes=100, what="file")


def test_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "TASKS.md").mkdir()

    with pytest.raises(InvalidValueError, match="is a directory, not a regular file"):
        read_text_capped(tmp_path / "TASKS.md", max_bytes=100, what="task board")


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(os.fspath(path))
        with pytest.raises(InvalidValueError, match=r"cannot be read|socket"):
            read_bytes_capped(path, max_bytes=100, what="file")


def test_bad_utf8_names_the_file_and_the_byte(tmp_path: Path) -> None:
    (tmp_path / "TASKS.md").write_bytes(b"# Tasks\n\xff\xfe\n")

    with pytest.raises(InvalidValueError, match=r"TASKS.md.*not UTF-8 text \(byte 8 is b'\\xff'\)"):
        read_text_capped(tmp_path / "TASKS.md", max_bytes=100, what="task board")


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_text_capped(tmp_path / "absent", max_bytes=100, what="file")
    (tmp_path / "plain").write_text("x")
    with pytest.raises(FileNotFoundError):
        read_text_capped(tmp_path / "plain" / "below", max_bytes=100, what="file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_invalid_value(tmp_path: Path) -> None:
    target = tmp_path / "secret"
    target.write_text("x")
    target.chmod(0)

    with pytest.raises(InvalidValueError, match="cannot be read"):
        read_text_capped(target, max_bytes=100, what="file")
