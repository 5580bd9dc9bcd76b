"""BlobCache: content-addressed, verified on read, atomic, never fails its caller."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest

from mosaic_sdk.errors import InvalidValueError
from mosaic_sdk.registry import BlobCache, default_cache_directory
from mosaic_sdk.values import Digest

CONFIG = b'{"created": "2026-11-01T12:00:00Z", "os": "linux"}'
DIGEST = Digest.from_bytes(CONFIG)


def test_a_stored_blob_comes_back_and_lives_where_an_oci_layout_keeps_blobs(
    tmp_path: Path,
) -> None:
    cache = BlobCache(tmp_path / "cache")
    assert cache.get(DIGEST) is None
    assert cache.put(DIGEST, CONFIG) is True
    assert cache.get(DIGEST) == CONFIG
    assert (tmp_path / "cache" / "sha256" / DIGEST.hex).read_bytes() == CONFIG
    assert (cache.hits, cache.misses) == (1, 1)
    # Another object on the same folder (another process, a later run) sees it.
    assert BlobCache(tmp_path / "cache").get(DIGEST) == CONFIG
    assert "hits=1, misses=1" in repr(cache)


def test_sha512_digests_are_cached_too(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path)
    digest = Digest.from_bytes(CONFIG, "sha512")
    assert cache.put(digest, CONFIG)
    assert cache.get(digest) == CONFIG
    assert (tmp_path / "sha512" / digest.hex).is_file()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda p: p.write_bytes(CONFIG[:-3]), id="truncated"),
        pytest.param(lambda p: p.write_bytes(CONFIG.replace(b"2026", b"2099")), id="tampered"),
        pytest.param(lambda p: p.write_bytes(b""), id="empty"),
    ],
)
def test_a_damaged_entry_is_a_miss_and_is_dropped(
    tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    cache = BlobCache(tmp_path)
    cache.put(DIGEST, CONFIG)
    entry = cache.path_for(DIGEST)
    damage(entry)  # type: ignore[operator]
    with caplog.at_level(logging.WARNING, logger="mosaic_sdk.registry"):
        assert cache.get(DIGEST) is None
    assert not entry.exists()
    assert "does not match its digest" in caplog.text
    assert cache.put(DIGEST, CONFIG)
    assert cache.get(DIGEST) == CONFIG


def test_bytes_that_do_not_match_the_digest_are_refused(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path)
    with pytest.raises(InvalidValueError, match="does not match the 4 bytes given"):
        cache.put(DIGEST, b"evil")
    assert not cache.path_for(DIGEST).exists()
    with pytest.raises(InvalidValueError, match="is not the blob's bytes"):
        cache.put(DIGEST, CONFIG.decode())  # type: ignore[arg-type]


def test_blobs_over_the_size_limit_are_neither_stored_nor_served(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path, max_entry_bytes=len(CONFIG) - 1)
    assert cache.put(DIGEST, CONFIG) is False
    assert not cache.path_for(DIGEST).exists()
    # An entry written by a cache with a bigger limit is a miss here, and stays for that one.
    BlobCache(tmp_path).put(DIGEST, CONFIG)
    assert cache.get(DIGEST) is None
    assert BlobCache(tmp_path).get(DIGEST) == CONFIG


def test_digests_of_an_algorithm_that_cannot_be_verified_are_not_cached(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path)
    other = Digest("multihash", "abcdef0123")
    assert cache.put(other, b"anything") is False
    assert cache.get(other) is None
    assert not any(tmp_path.iterdir())


def test_a_file_where_the_folder_should_be_warns_and_never_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Also as root (CI): nobody can create a folder under a regular file.
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    cache = BlobCache(blocker)
    with caplog.at_level(logging.WARNING, logger="mosaic_sdk.registry"):
        assert cache.put(DIGEST, CONFIG) is False
        assert cache.put(Digest.from_bytes(b"x"), b"x") is False
        assert cache.get(DIGEST) is None
    assert caplog.text.count("is not writable") == 1
    assert blocker.read_text() == "not a folder"


def test_concurrent_writers_of_one_digest_leave_one_whole_entry(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path)
    blob = os.urandom(200_000)
    digest = Digest.from_bytes(blob)
    barrier = threading.Barrier(8)

    def write() -> None:
        barrier.wait()
        BlobCache(tmp_path).put(digest, blob)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get(digest) == blob
    assert sorted(p.name for p in (tmp_path / "sha256").iterdir()) == [digest.hex]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"directory": ""}, "is not a cache directory"),
        ({"directory": 42}, "is not a cache directory"),
        ({"directory": "x", "max_entry_bytes": 0}, "positive integer"),
        ({"directory": "x", "max_entry_bytes": True}, "positive integer"),
    ],
)
def test_bad_arguments_name_the_value_and_the_fix(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidValueError, match=message) as info:
        BlobCache(**kwargs)  # type: ignore[arg-type]
    assert "pass" in str(info.value)


def test_path_for_wants_a_digest(tmp_path: Path) -> None:
    with pytest.raises(InvalidValueError, match="is not a Digest"):
        BlobCache(tmp_path).path_for(str(DIGEST))  # type: ignore[arg-type]


def test_default_folder_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MOSAIC_CACHE_DIR", str(tmp_path / "explicit"))
    assert default_cache_directory() == tmp_path / "explicit"
    monkeypatch.delenv("MOSAIC_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_directory() == tmp_path / "xdg" / "mosaic" / "blobs"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_directory() == tmp_path / "home" / ".cache" / "mosaic" / "blobs"
