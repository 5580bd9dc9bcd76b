"""The splitter's blocking local work: its state file and the HAProxy process it owns.

Asynchronous code reaches these through :func:`~mosaic_sdk._core._concurrency.arun_blocking`
(a worker thread); each is a few system calls or one short ``haproxy`` run.

Ownership: the splitter only ever signals a pid it started, read from the pid file in
its own working directory, and only while ``/proc/<pid>/cmdline`` still shows
``haproxy`` started with the splitter's own configuration file, so a pid reused by
another program is never touched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from mosaic_sdk._files import atomic_write_text, directory_lock
from mosaic_sdk.errors import ConfigurationError
from mosaic_sdk.providers.haproxy._models import SLOTS, HAProxySlot, HAProxySlotRecord

__all__ = [
    "check_config",
    "load_state",
    "owned_pid",
    "save_state",
    "start_haproxy",
    "stop_pid",
]

_STATE_FORMAT = 1


def load_state(path: Path) -> dict[HAProxySlot, HAProxySlotRecord]:
    """The slots recorded in the state file (empty when there is none).

    Raises:
        ConfigurationError: the file is not state JSON.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"state file {str(path)!r} is not readable JSON ({exc}); delete it and deploy "
            "the stable release again"
        ) from exc
    slots = raw.get("slots") if isinstance(raw, dict) else None
    if not isinstance(slots, dict):
        raise ConfigurationError(
            f"state file {str(path)!r} has no 'slots' object; delete it and deploy the "
            "stable release again"
        )
    return {
        slot: HAProxySlotRecord.from_json(slots[slot.value], str(path))
        for slot in SLOTS
        if slots.get(slot.value) is not None
    }


def save_state(path: Path, backend: str, slots: dict[HAProxySlot, HAProxySlotRecord]) -> None:
    """Write the slots atomically, under the directory lock."""
    document = {
        "format": _STATE_FORMAT,
        "backend": backend,
        "slots": {slot.value: (slots[slot].to_dict() if slot in slots else None) for slot in SLOTS},
    }
    with directory_lock(path):
        atomic_write_text(path, json.dumps(document, indent=2) + "\n")


def check_config(binary: str, path: Path, timeout: float = 30.0) -> None:
    """Run ``haproxy -c -f <path>``.

    Raises:
        ConfigurationError: HAProxy rejects the file (its messages are quoted), or the
            binary cannot be run.
    """
    done = _run([binary, "-c", "-q", "-f", str(path)], timeout)
    if done.returncode != 0:
        raise ConfigurationError(
            f"haproxy -c rejected {str(path)!r}: {_output(done)}; this is the configuration "
            "the splitter renders, so report it with the arguments that produced it"
        )


def start_haproxy(binary: str, config: Path, pidfile: Path, timeout: float = 30.0) -> int:
    """Start ``haproxy -f <config>`` (the configuration says ``daemon``) and return the
    pid it wrote to ``pidfile``.

    Raises:
        ConfigurationError: HAProxy did not start (its messages are quoted).
    """
    with directory_lock(pidfile):
        done = _run([binary, "-f", str(config)], timeout)
        if done.returncode != 0:
            raise ConfigurationError(
                f"haproxy did not start from {str(config)!r}: {_output(done)}; free the "
                "listen port or fix the arguments"
            )
        pid = _read_pid(pidfile)
    if pid is None:
        raise ConfigurationError(
            f"haproxy started from {str(config)!r} but wrote no pid to {str(pidfile)!r}"
        )
    return pid


def owned_pid(pidfile: Path, config: Path) -> int | None:
    """The pid in ``pidfile`` when that process is alive and is ``haproxy`` running
    ``config``; ``None`` otherwise."""
    pid = _read_pid(pidfile)
    if pid is None or not _alive(pid):
        return None
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    names = [os.fsdecode(arg) for arg in argv]
    if not names or os.path.basename(names[0]) != "haproxy":
        return None
    if str(config) not in names:
        return None
    return pid


def stop_pid(pid: int, pidfile: Path, config: Path, timeout: float = 10.0) -> bool:
    """Stop the owned HAProxy ``pid`` (SIGTERM, SIGKILL after ``timeout``) and remove its
    pid file. Returns False, doing nothing, when ``pid`` is not the owned process."""
    if owned_pid(pidfile, config) != pid:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + timeout
        time.sleep(0.02)
    with directory_lock(pidfile):
        if _read_pid(pidfile) == pid:
            pidfile.unlink(missing_ok=True)
    return True


def _read_pid(pidfile: Path) -> int | None:
    try:
        first = pidfile.read_text(encoding="ascii").split()
    except (OSError, ValueError):
        return None
    return int(first[0]) if first and first[0].isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) answers kill(0) but is gone.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _run(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise ConfigurationError(
            f"{argv[0]!r} is not installed; install HAProxy (Debian: apt-get install "
            "haproxy) or pass binary='/path/to/haproxy'"
        ) from None
    except subprocess.TimeoutExpired:
        raise ConfigurationError(f"{' '.join(argv)} did not finish within {timeout:g} s") from None


def _output(done: subprocess.CompletedProcess[str]) -> str:
    text = " ".join((done.stderr + done.stdout).split())
    return text[:2000] or f"exit status {done.returncode}"
