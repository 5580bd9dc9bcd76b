"""GitOps-style deployment target: pin an image digest in a compose or Kubernetes file.

:class:`ComposeFileTarget` "deploys" by rewriting one ``image:`` line of a Docker
Compose file or of a Kubernetes manifest (``Deployment``, ``StatefulSet``,
``DaemonSet``, ``ReplicaSet``, ``Job``, ``CronJob``, ``Pod``; multi-document files are
fine) to ``repository@sha256:...``. A GitOps controller or a ``docker compose up`` then
makes it real.

How the file is edited: the document is parsed with ruamel.yaml only to *locate* the
``image`` scalar (its line and column); the new value replaces exactly that scalar in
the original text. Every other byte (comments, indentation, quoting style, key order,
blank lines, line endings) stays as it was. The result is re-parsed and checked before
it is written atomically (temporary file in the same directory, fsync, ``os.replace``).

History: each deploy appends an entry to a JSON sidecar next to the file,
``<file name>.mosaic-history.json`` (for example ``compose.yaml.mosaic-history.json``),
keyed by service so one file can hold many targets. It is meant to be committed with
the file. Rollback reads it through :meth:`ComposeFileTarget.previous`, which returns the
newest recorded release whose digest differs from the one pinned in the file now, so a
crash between the file write and the history write never hides the previous digest.

Versions: ``deploy(image, version="1.4.0")`` records the version in the history. When the
service already carries the ``org.opencontainers.image.version`` label (compose
``labels``, map or list style) or the Kubernetes pod template carries the
``app.kubernetes.io/version`` label or the ``org.opencontainers.image.version``
annotation, that value is updated in place too. Labels are never added: adding keys
would reflow the file.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import attrs

from mosaic_sdk._core._adapter import BlockingAdapter
from mosaic_sdk._core._repr import safe_repr
from mosaic_sdk._files import atomic_write_text, read_text_capped
from mosaic_sdk._render import FieldsRepr, JSONResult
from mosaic_sdk.errors import ConfigurationError, InvalidValueError
from mosaic_sdk.providers._protocol import (
    Deployment,
    DeploymentStatus,
    RunningRelease,
    TargetState,
    TargetStatus,
    pinned_digest,
)
from mosaic_sdk.values import Digest, ImageReference

__all__ = [
    "HISTORY_SUFFIX",
    "VERSION_LABEL",
    "AsyncComposeFileTarget",
    "ComposeFileTarget",
    "HistoryEntry",
]

#: Suffix of the history sidecar written next to the target file.
HISTORY_SUFFIX = ".mosaic-history.json"
#: OCI label holding the release version.
VERSION_LABEL = "org.opencontainers.image.version"
#: The largest deployment file read (larger ones are refused, not truncated).
MAX_FILE_BYTES = 8 * 1024 * 1024
#: Kubernetes recommended label holding the version.
K8S_VERSION_LABEL = "app.kubernetes.io/version"

_HISTORY_FORMAT = 1
_WORKLOAD_KINDS = frozenset(
    {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
)

FileKind = Literal["auto", "compose", "kubernetes"]


@attrs.frozen
class HistoryEntry(FieldsRepr, JSONResult):
    """One recorded deploy of a :class:`ComposeFileTarget`.

    Attributes:
        id: the deployment id returned by ``deploy``.
        image: the digest-pinned image written to the file.
        version: the version recorded with it, if any.
        deployed_at: when it was written (UTC).
        previous_image: the ``image:`` value the file held before, verbatim.
    """

    id: str
    image: ImageReference
    version: str | None
    deployed_at: datetime
    previous_image: str | None

    @property
    def digest(self) -> Digest:
        """The digest that was pinned."""
        return pinned_digest(self.image)

    @property
    def ok(self) -> bool:
        """Always True: only deploys that were written are recorded."""
        return True

    def to_dict(self) -> dict[str, Any]:
        """The JSON object stored in the sidecar."""
        return {
            "id": self.id,
            "image": str(self.image),
            "digest": str(self.digest),
            "version": self.version,
            "deployed_at": self.deployed_at.isoformat(),
            "previous_image": self.previous_image,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], source: Path) -> HistoryEntry:
        """Read one sidecar entry.

        Raises:
            ConfigurationError: the entry is malformed (the sidecar was hand-edited).
        """
        try:
            return cls(
                id=str(data["id"]),
                image=ImageReference.parse(str(data["image"])),
                version=None if data.get("version") is None else str(data["version"]),
                deployed_at=datetime.fromisoformat(str(data["deployed_at"])),
                previous_image=(
                    None if data.get("previous_image") is None else str(data["previous_image"])
                ),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"history file {str(source)!r} has a malformed entry {dict(data)!r} ({exc}); "
                "fix or remove that entry (the file is plain JSON)"
            ) from exc


@attrs.frozen
class _Located:
    """Where the image (and version) scalars of the target sit in the text."""

    image: str
    image_span: tuple[int, int, int]  # line, start column, end column
    version: str | None
    version_span: tuple[int, int, int] | None
    version_prefix: str  # "org.opencontainers.image.version=" for list-style labels


def _yaml() -> Any:
    from ruamel.yaml import YAML

    parser = YAML(typ="rt")
    parser.preserve_quotes = True
    return parser


class ComposeFileTarget:
    """A :class:`~mosaic_sdk.providers.DeploymentTarget` that pins ``image:`` in a file.

    Args:
        path: the compose file or Kubernetes manifest (it must exist).
        service: the compose service name, or the Kubernetes workload's
            ``metadata.name``.
        container: for Kubernetes, the container inside the workload; by default the
            container named like the workload, or the only container.
        kind: ``"compose"``, ``"kubernetes"`` or ``"auto"`` (decided from the content:
            a top-level ``services`` mapping means compose, ``apiVersion``/``kind``
            means Kubernetes).
        name: the target name for logs and evidence; defaults to
            ``"file:<path>#<service>"`` (``#<service>/<container>`` with a container).
        clock: returns the current UTC time (tests inject a fixed clock).

    Example:
        >>> target = ComposeFileTarget("deploy/compose.yaml", "web")  # doctest: +SKIP
        >>> target.deploy(ImageReference.parse("ghcr.io/acme/web@sha256:" + "a" * 64))
        ... # doctest: +SKIP
    """

    supports_traffic_split: bool = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        service: str,
        *,
        container: str | None = None,
        kind: FileKind = "auto",
        name: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if not service:
            raise InvalidValueError(service, "service name is empty", "pass the service name")
        if kind not in ("auto", "compose", "kubernetes"):
            raise InvalidValueError(
                kind, "unknown file kind", "use 'auto', 'compose' or 'kubernetes'"
            )
        self.path = Path(path)
        self.service = service
        self.container = container
        self.kind: FileKind = kind
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self.name = name or f"file:{self.path}#{self._history_key()}"

    @safe_repr
    def __repr__(self) -> str:
        return f"ComposeFileTarget(path={str(self.path)!r}, service={self.service!r})"

    @property
    def history_path(self) -> Path:
        """The JSON sidecar holding the deploy history."""
        return self.path.with_name(self.path.name + HISTORY_SUFFIX)

    # -- the DeploymentTarget protocol -------------------------------------------------

    def deploy(self, image: ImageReference, *, version: str | None = None) -> Deployment:
        """Pin ``image`` in the file, record it in the history and return the deployment.

        ``version`` defaults to the image's tag (``repo:v1.4.0@sha256:...``). Writing the
        same digest again changes nothing and records nothing new.

        Raises:
            InvalidValueError: ``image`` is not pinned by digest, or the file carries a
                version label and no version is known (the file is untouched).
            ConfigurationError: the file is missing, unparsable, or does not define the
                service/container.
        """
        pinned_digest(image)
        started = self._clock()
        text = self._read()
        located = self._locate(text)
        version = self._version_for(image, version, located)
        new_text = self._render(text, located, image, version)
        deployment_id = f"{started.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"
        if new_text != text:
            atomic_write_text(self.path, new_text)
        current = self._current_entry()
        if current is not None and new_text == text and current.digest == image.digest:
            deployment_id = current.id
        else:
            self._append_history(
                HistoryEntry(
                    id=deployment_id,
                    image=image,
                    version=version,
                    deployed_at=started,
                    previous_image=located.image,
                )
            )
        detail = "pinned" if new_text != text else "already pinned"
        return Deployment(
            id=deployment_id,
            target=self.name,
            image=image,
            status=DeploymentStatus.SUCCEEDED,
            started_at=started,
            finished_at=self._clock(),
            detail=f"{detail} {image} in {self.path}",
        )

    def running(self) -> RunningRelease:
        """Report the image pinned in the file now, with its version.

        The version comes from the version label in the file when there is one, else
        from the history entry of the pinned digest, else from the image's tag.

        Raises:
            ConfigurationError: the file is missing, unparsable, or lacks the service.
        """
        located = self._locate(self._read())
        try:
            image = ImageReference.parse(located.image)
        except InvalidValueError:
            return RunningRelease(digest=None, version=located.version, image=None)
        version = located.version
        if version is None and image.digest is not None:
            for entry in reversed(self.history()):
                if entry.digest == image.digest and entry.version is not None:
                    version = entry.version
                    break
        if version is None:
            version = image.tag
        return RunningRelease(digest=image.digest, version=version, image=image)

    def status(self) -> TargetStatus:
        """Health of the declaration (the file cannot see the running containers).

        ``HEALTHY``: the service exists and its image is pinned by digest.
        ``DEGRADED``: the service exists but its image is a bare tag.
        ``FAILED``: the file is missing, unparsable, or lacks the service.
        """
        try:
            located = self._locate(self._read())
        except ConfigurationError as exc:
            return TargetStatus(TargetState.FAILED, exc.message)
        try:
            image = ImageReference.parse(located.image)
        except InvalidValueError as exc:
            return TargetStatus(TargetState.DEGRADED, f"image is not valid: {exc.message}")
        if image.digest is None:
            return TargetStatus(
                TargetState.DEGRADED, f"image {located.image!r} is not pinned by digest"
            )
        return TargetStatus(TargetState.HEALTHY, f"pinned to {located.image}")

    # -- extras: plans and history -------------------------------------------------------

    def render(self, image: ImageReference, *, version: str | None = None) -> str:
        """Return the file text ``deploy`` would write, without writing anything.

        Raises:
            InvalidValueError: ``image`` is not pinned by digest.
            ConfigurationError: the file is missing or lacks the service.
        """
        pinned_digest(image)
        text = self._read()
        located = self._locate(text)
        return self._render(text, located, image, self._version_for(image, version, located))

    def render_text(self, text: str, image: ImageReference, *, version: str | None = None) -> str:
        """Return ``text`` with this target's ``image:`` pinned to ``image``.

        The same surgical edit as :meth:`deploy`, on text that lives elsewhere (a
        Portainer stack file, a git blob); :attr:`path` is only used in messages and
        nothing is read or written.

        Raises:
            InvalidValueError: ``image`` is not pinned by digest.
            ConfigurationError: ``text`` is not valid YAML or lacks the service.
        """
        pinned_digest(image)
        located = self._locate(text)
        return self._render(text, located, image, self._version_for(image, version, located))

    def history(self) -> list[HistoryEntry]:
        """Every recorded deploy of this service, oldest first (empty without a sidecar).

        Raises:
            ConfigurationError: the sidecar is not valid history JSON.
        """
        return list(self._load_history().get(self._history_key(), []))

    def previous(self) -> RunningRelease | None:
        """The release to roll back to: the newest recorded one whose digest differs
        from the digest pinned in the file now, or ``None`` when there is none."""
        current = self.running().digest
        for entry in reversed(self.history()):
            if entry.digest != current:
                return RunningRelease(digest=entry.digest, version=entry.version, image=entry.image)
        return None

    # -- internals ------------------------------------------------------------------------

    def _version_for(
        self, image: ImageReference, version: str | None, located: _Located
    ) -> str | None:
        # A version label left at the old value would make running() lie, so a file
        # that carries one needs a version: given, or the image's own tag.
        version = version if version is not None else image.tag
        if version is None and located.version_span is not None:
            raise InvalidValueError(
                str(image),
                f"{str(self.path)!r} labels {self.service!r} with version "
                f"{located.version!r}, which would go stale",
                "pass deploy(image, version='X.Y.Z') or deploy 'repository:tag@sha256:...'",
            )
        return version

    def _history_key(self) -> str:
        return f"{self.service}/{self.container}" if self.container else self.service

    def _current_entry(self) -> HistoryEntry | None:
        entries = self.history()
        return entries[-1] if entries else None

    def _read(self) -> str:
        # Capped and regular files only: a FIFO named compose.yaml would block a plain
        # open() forever, a link to /dev/zero would fill memory.
        try:
            return read_text_capped(self.path, max_bytes=MAX_FILE_BYTES, what="deployment file")
        except FileNotFoundError as exc:
            raise ConfigurationError(
                f"deployment file {str(self.path)!r} does not exist; "
                "create it or pass the path of an existing compose/Kubernetes file"
            ) from exc
        except (OSError, InvalidValueError) as exc:
            reason = exc.message if isinstance(exc, InvalidValueError) else str(exc)
            raise ConfigurationError(
                f"cannot read deployment file {str(self.path)!r} ({reason}); "
                "check the path and that it is UTF-8 text"
            ) from exc

    def _documents(self, text: str) -> list[Any]:
        from ruamel.yaml.error import YAMLError

        try:
            return [doc for doc in _yaml().load_all(text) if doc is not None]
        except YAMLError as exc:
            raise ConfigurationError(
                f"deployment file {str(self.path)!r} is not valid YAML ({exc}); fix the syntax"
            ) from exc

    def _detect(self, documents: Sequence[Any]) -> Literal["compose", "kubernetes"]:
        if self.kind != "auto":
            return self.kind
        for doc in documents:
            if isinstance(doc, Mapping):
                if isinstance(doc.get("services"), Mapping):
                    return "compose"
                if "apiVersion" in doc and "kind" in doc:
                    return "kubernetes"
        raise ConfigurationError(
            f"cannot tell whether {str(self.path)!r} is a compose file or Kubernetes manifest "
            "(no top-level 'services', no 'apiVersion'/'kind'); pass kind='compose' or "
            "kind='kubernetes'"
        )

    def _locate(self, text: str) -> _Located:
        documents = self._documents(text)
        lines = text.splitlines(keepends=True)
        if self._detect(documents) == "compose":
            return self._locate_compose(documents, lines)
        return self._locate_kubernetes(documents, lines)

    def _locate_compose(self, documents: Sequence[Any], lines: Sequence[str]) -> _Located:
        services = documents[0].get("services") if documents else None
        if not isinstance(services, Mapping) or self.service not in services:
            known = sorted(services) if isinstance(services, Mapping) else []
            raise ConfigurationError(
                f"compose file {str(self.path)!r} has no service {self.service!r} "
                f"(services: {', '.join(map(str, known)) or 'none'}); pass one of those names"
            )
        node = services[self.service]
        if not isinstance(node, Mapping) or "image" not in node:
            raise ConfigurationError(
                f"service {self.service!r} in {str(self.path)!r} has no 'image:' key; "
                "add 'image: <repository>' to it (services that only 'build:' cannot be pinned)"
            )
        image, span = self._scalar(node, "image", lines)
        version, version_span, prefix = self._compose_version(node, lines)
        return _Located(image, span, version, version_span, prefix)

    def _compose_version(
        self, service: Mapping[str, Any], lines: Sequence[str]
    ) -> tuple[str | None, tuple[int, int, int] | None, str]:
        labels = service.get("labels")
        if isinstance(labels, Mapping) and VERSION_LABEL in labels:
            value, span = self._scalar(labels, VERSION_LABEL, lines)
            return value, span, ""
        if isinstance(labels, list):
            prefix = VERSION_LABEL + "="
            for index, item in enumerate(labels):
                if isinstance(item, str) and item.startswith(prefix):
                    line, column = labels.lc.item(index)  # type: ignore[attr-defined]
                    full, span = self._span_at(lines, line, column, item)
                    return full[len(prefix) :], span, prefix
        return None, None, ""

    def _locate_kubernetes(self, documents: Sequence[Any], lines: Sequence[str]) -> _Located:
        names: list[str] = []
        for doc in documents:
            if not isinstance(doc, Mapping) or doc.get("kind") not in _WORKLOAD_KINDS:
                continue
            metadata = doc.get("metadata")
            workload = metadata.get("name") if isinstance(metadata, Mapping) else None
            names.append(f"{doc.get('kind')}/{workload}")
            if workload != self.service:
                continue
            template = _pod_template(doc)
            pod_spec = template.get("spec") if template is not None else None
            containers = pod_spec.get("containers") if isinstance(pod_spec, Mapping) else None
            if not isinstance(containers, list) or not containers:
                raise ConfigurationError(
                    f"{doc.get('kind')} {workload!r} in {str(self.path)!r} has no containers; "
                    "add one under the pod template's spec.containers"
                )
            container = self._pick_container(containers, str(doc.get("kind")))
            image, span = self._scalar(container, "image", lines)
            version, version_span = self._kubernetes_version(template, lines)
            return _Located(image, span, version, version_span, "")
        raise ConfigurationError(
            f"Kubernetes file {str(self.path)!r} has no workload named {self.service!r} "
            f"(workloads: {', '.join(names) or 'none'}); pass the workload's metadata.name"
        )

    def _pick_container(self, containers: Sequence[Any], kind: str) -> Mapping[str, Any]:
        by_name = {c.get("name"): c for c in containers if isinstance(c, Mapping)}
        wanted = self.container
        if wanted is None:
            if len(containers) == 1 and isinstance(containers[0], Mapping):
                return containers[0]
            wanted = self.service
        if wanted in by_name:
            return by_name[wanted]
        raise ConfigurationError(
            f"{kind} {self.service!r} in {str(self.path)!r} has no container {wanted!r} "
            f"(containers: {', '.join(map(str, by_name))}); pass container=<one of those>"
        )

    def _kubernetes_version(
        self, template: Mapping[str, Any] | None, lines: Sequence[str]
    ) -> tuple[str | None, tuple[int, int, int] | None]:
        metadata = template.get("metadata") if template is not None else None
        if not isinstance(metadata, Mapping):
            return None, None
        for section, key in (("annotations", VERSION_LABEL), ("labels", K8S_VERSION_LABEL)):
            values = metadata.get(section)
            if isinstance(values, Mapping) and key in values:
                return self._scalar(values, key, lines)
        return None, None

    def _scalar(
        self, node: Any, key: str, lines: Sequence[str]
    ) -> tuple[str, tuple[int, int, int]]:
        value = node[key]
        if not isinstance(value, str):
            raise ConfigurationError(
                f"{key!r} of {self.service!r} in {str(self.path)!r} is {value!r}, not a string; "
                "write it as a single-line string"
            )
        line, column = node.lc.value(key)
        return self._span_at(lines, line, column, value)

    def _span_at(
        self, lines: Sequence[str], line: int, column: int, value: str
    ) -> tuple[str, tuple[int, int, int]]:
        text = lines[line].rstrip("\r\n")
        rest = text[column:]
        if rest[:1] in ("'", '"'):
            quote = rest[0]
            end = rest.find(quote, 1)
            while quote == "'" and end != -1 and rest[end + 1 : end + 2] == "'":
                end = rest.find(quote, end + 2)
            if end == -1:
                end = -2
            span = (line, column + 1, column + end)
        else:
            stop = len(rest)
            markers = (" #", "\t#", ",", "}", "]") if _in_flow(text, column) else (" #", "\t#")
            for marker in markers:
                found = rest.find(marker)
                if found != -1:
                    stop = min(stop, found)
            span = (line, column, column + len(rest[:stop].rstrip()))
        found_text = text[span[1] : span[2]]
        if span[2] < span[1] or found_text != value:
            raise ConfigurationError(
                f"the value {value!r} in {str(self.path)!r} (line {line + 1}) spans several "
                "lines or uses escapes; write it as a plain single-line string"
            )
        return value, span

    def _render(
        self, text: str, located: _Located, image: ImageReference, version: str | None
    ) -> str:
        lines = text.splitlines(keepends=True)
        edits = [(located.image_span, str(image))]
        if version is not None and located.version_span is not None:
            edits.append((located.version_span, located.version_prefix + version))
        for (line, start, end), value in sorted(edits, reverse=True):
            original = lines[line]
            if _needs_quotes(value) and original[start - 1 : start] not in ("'", '"'):
                value = json.dumps(value)
            lines[line] = original[:start] + value + original[end:]
        new_text = "".join(lines)
        check = self._locate(new_text)
        if check.image != str(image):
            raise ConfigurationError(  # pragma: no cover - guards the scalar surgery
                f"rewriting {str(self.path)!r} produced {check.image!r} instead of {str(image)!r}; "
                "report this file's layout as a bug"
            )
        return new_text

    def _load_history(self) -> dict[str, list[HistoryEntry]]:
        path = self.history_path
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"history file {str(path)!r} is not readable JSON ({exc}); "
                "restore it from version control or delete it to start a new history"
            ) from exc
        entries = raw.get("entries") if isinstance(raw, dict) else None
        if not isinstance(entries, dict):
            raise ConfigurationError(
                f"history file {str(path)!r} has no 'entries' object; "
                "restore it from version control or delete it to start a new history"
            )
        return {
            str(key): [HistoryEntry.from_json(item, path) for item in _as_list(value, path)]
            for key, value in entries.items()
        }

    def _append_history(self, entry: HistoryEntry) -> None:
        history = self._load_history()
        history.setdefault(self._history_key(), []).append(entry)
        document = {
            "format": _HISTORY_FORMAT,
            "file": self.path.name,
            "entries": {key: [e.to_dict() for e in value] for key, value in history.items()},
        }
        atomic_write_text(self.history_path, json.dumps(document, indent=2) + "\n")


class AsyncComposeFileTarget(BlockingAdapter[ComposeFileTarget]):
    """:class:`ComposeFileTarget` for asyncio code: an
    :class:`~mosaic_sdk.providers.AsyncDeploymentTarget` with the same arguments,
    methods and results, awaited.

    The file work stays blocking (a few system calls): each method runs the blocking
    :class:`ComposeFileTarget` method in a worker thread with the caller's
    :mod:`contextvars`, so the event loop is never stalled.

    Cancellation: cancelling the awaiting task stops the wait, not the file work. A
    thread cannot be interrupted, so a ``deploy`` that has started runs to its end and
    its result is dropped. Its writes are atomic (temporary file, fsync,
    ``os.replace``): the file is either as before or pinned, never half-written, and
    the history entry follows the file write. A cancelled deploy may thus have landed;
    read :meth:`running` back when it matters.

    Args:
        path: as for :class:`ComposeFileTarget`.
        service: as for :class:`ComposeFileTarget`.
        container: as for :class:`ComposeFileTarget`.
        kind: as for :class:`ComposeFileTarget`.
        name: as for :class:`ComposeFileTarget`.
        clock: as for :class:`ComposeFileTarget`.

    Example:
        >>> target = AsyncComposeFileTarget("deploy/compose.yaml", "web")  # doctest: +SKIP
        >>> await target.deploy(ImageReference.parse("ghcr.io/acme/web@sha256:" + "a" * 64))
        ... # doctest: +SKIP
    """

    supports_traffic_split: bool = False

    def __init__(
        self,
        path: str | os.PathLike[str],
        service: str,
        *,
        container: str | None = None,
        kind: FileKind = "auto",
        name: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        # The blocking target every call runs in a worker thread (BlockingAdapter).
        super().__init__(
            ComposeFileTarget(path, service, container=container, kind=kind, name=name, clock=clock)
        )
        self.name = self.sync.name
        self.path = self.sync.path
        self.service = self.sync.service
        self.container = self.sync.container
        self.kind: FileKind = self.sync.kind

    @safe_repr
    def __repr__(self) -> str:
        return f"AsyncComposeFileTarget(path={str(self.path)!r}, service={self.service!r})"

    @property
    def history_path(self) -> Path:
        """The JSON sidecar holding the deploy history."""
        return self.sync.history_path

    async def deploy(self, image: ImageReference, *, version: str | None = None) -> Deployment:
        """See :meth:`ComposeFileTarget.deploy`; the write is atomic (see the class)."""
        return await self._call(self.sync.deploy, image, version=version)

    async def running(self) -> RunningRelease:
        """See :meth:`ComposeFileTarget.running`."""
        return await self._call(self.sync.running)

    async def status(self) -> TargetStatus:
        """See :meth:`ComposeFileTarget.status`."""
        return await self._call(self.sync.status)

    async def render(self, image: ImageReference, *, version: str | None = None) -> str:
        """See :meth:`ComposeFileTarget.render` (reads the file, writes nothing)."""
        return await self._call(self.sync.render, image, version=version)

    def render_text(self, text: str, image: ImageReference, *, version: str | None = None) -> str:
        """See :meth:`ComposeFileTarget.render_text`: no I/O, so not awaited."""
        return self.sync.render_text(text, image, version=version)

    async def history(self) -> list[HistoryEntry]:
        """See :meth:`ComposeFileTarget.history`."""
        return await self._call(self.sync.history)

    async def previous(self) -> RunningRelease | None:
        """See :meth:`ComposeFileTarget.previous`."""
        return await self._call(self.sync.previous)


def _as_list(value: Any, path: Path) -> Iterator[Mapping[str, Any]]:
    if not isinstance(value, list):
        raise ConfigurationError(
            f"history file {str(path)!r} holds {value!r} where a list of entries belongs; "
            "restore it from version control"
        )
    for item in value:
        if not isinstance(item, Mapping):
            raise ConfigurationError(
                f"history file {str(path)!r} holds {item!r} where an entry object belongs; "
                "restore it from version control"
            )
        yield item


def _pod_template(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        return None
    if doc.get("kind") == "Pod":
        return doc
    if doc.get("kind") == "CronJob":
        job = spec.get("jobTemplate")
        spec = job.get("spec") if isinstance(job, Mapping) else None
        if not isinstance(spec, Mapping):
            return None
    template = spec.get("template")
    return template if isinstance(template, Mapping) else None


def _in_flow(text: str, column: int) -> bool:
    # A plain scalar inside a flow collection ({image: x, ...}) ends at ',', '}' or ']'.
    before = text[:column]
    return before.count("{") > before.count("}") or before.count("[") > before.count("]")


def _needs_quotes(value: str) -> bool:
    # A plain scalar must read back as this very string: "2.0" would become a float,
    # "true" a bool, and some characters start or break plain scalars.
    if not value or value != value.strip() or value[0] in "-?:,[]{}#&*!|>'\"%@`":
        return True
    if ": " in value or " #" in value:
        return True
    from ruamel.yaml import YAML

    return not isinstance(YAML(typ="safe", pure=True).load(value), str)
