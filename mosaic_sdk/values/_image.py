"""Image references, following the distribution reference grammar.

```
reference        := name [ ":" tag ] [ "@" digest ]
name             := [domain "/"] path-component ["/" path-component]*
domain           := host [":" port-number]        (contains "." or ":", or is "localhost")
host             := domain-name | "[" IPv6 "]"
path-component   := [a-z0-9]+ (separator [a-z0-9]+)*   separator := [._] | "__" | "-"+
tag              := [\\w][\\w.-]{0,127}
digest           := see Digest (OCI image-spec)
```
"""

from __future__ import annotations

import re

import attrs

from mosaic_sdk._render import TextRepr
from mosaic_sdk.errors import ForbiddenTagError, InvalidValueError
from mosaic_sdk.values._digest import Digest
from mosaic_sdk.values._tag import ImageTag, TagKind

__all__ = ["DEFAULT_DOMAIN", "ImageReference"]

#: The registry implied when a reference names none (Docker Hub).
DEFAULT_DOMAIN = "docker.io"

_NAME_MAX = 255
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(
    rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
)
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
_EXAMPLE = "registry.example.com:5000/team/app:v1.2.3"


def _is_domain(component: str) -> bool:
    return "." in component or ":" in component or component == "localhost"


def _check_registry(text: object, registry: str) -> None:
    if _DOMAIN.fullmatch(registry):
        return
    host, _, port = registry.rpartition(":") if not registry.endswith("]") else (registry, "", "")
    if host and port == "" and registry.endswith(":"):
        raise InvalidValueError(
            text, f"registry {registry!r} has an empty port", f"use {registry.rstrip(':')!r}"
        )
    if host and port and not port.isdigit():
        raise InvalidValueError(
            text, f"registry port {port!r} is not a number", f"use a numeric port, e.g. {host}:5000"
        )
    raise InvalidValueError(
        text,
        f"registry {registry!r} is not a valid host[:port]",
        "use a host name like 'registry.example.com' or 'localhost:5000'",
    )


def _check_repository(text: object, repository: str) -> None:
    if not repository:
        raise InvalidValueError(text, "has no repository path", f"write it like {_EXAMPLE!r}")
    components = repository.split("/")
    if "" in components:
        raise InvalidValueError(
            text,
            f"repository {repository!r} has an empty path component",
            f"remove the extra '/': {'/'.join(c for c in components if c)!r}",
        )
    for component in components:
        if _PATH_COMPONENT.fullmatch(component):
            continue
        if _PATH_COMPONENT.fullmatch(component.lower()):
            raise InvalidValueError(
                text,
                f"repository {repository!r} has uppercase letters",
                f"repository names are lowercase: {repository.lower()!r}",
            )
        raise InvalidValueError(
            text,
            f"repository component {component!r} is not valid",
            "use lowercase letters and digits joined by '.', '_', '__' or '-'",
        )


def _check_tag(text: object, tag: str) -> None:
    if not tag:
        raise InvalidValueError(text, "has an empty tag after ':'", "remove the ':' or add a tag")
    if not _TAG.fullmatch(tag):
        reason = f"tag {tag!r} is not valid"
        if len(tag) > 128:
            reason = f"tag is {len(tag)} characters long, the limit is 128"
        raise InvalidValueError(
            text, reason, "tags are 1-128 of A-Z a-z 0-9 _ . -, not starting with '.' or '-'"
        )


@attrs.frozen
class ImageReference(TextRepr):
    """A container image reference: ``[registry/]repository[:tag][@digest]``.

    Nothing is normalised: a reference without a registry keeps ``registry=None``
    (use :attr:`domain` for the Docker Hub default), so ``str()`` gives back exactly
    the text that was parsed.

    Examples:
        >>> ref = ImageReference.parse("localhost:5000/team/app:v1.2.3")
        >>> ref.registry, ref.repository, ref.tag, ref.digest
        ('localhost:5000', 'team/app', 'v1.2.3', None)
    """

    registry: str | None
    repository: str
    tag: str | None = None
    digest: Digest | None = None

    def __attrs_post_init__(self) -> None:
        text = str(self)
        if self.registry is not None:
            if not isinstance(self.registry, str) or not _is_domain(self.registry):
                raise InvalidValueError(
                    text,
                    f"registry {self.registry!r} is not a host name",
                    "a registry contains '.' or ':' or is 'localhost' (e.g. 'ghcr.io')",
                )
            _check_registry(text, self.registry)
        if not isinstance(self.repository, str):
            raise InvalidValueError(text, "repository is not a string", "pass it as text")
        _check_repository(text, self.repository)
        first, slash, _ = self.repository.partition("/")
        if self.registry is None and slash and _is_domain(first):
            # Printed, this would read back with `first` as the registry.
            raise InvalidValueError(
                text,
                f"repository {self.repository!r} starts with a registry host {first!r}",
                f"pass registry={first!r} separately, or use ImageReference.parse",
            )
        if self.tag is not None:
            _check_tag(text, self.tag)
        if self.digest is not None and not isinstance(self.digest, Digest):
            raise InvalidValueError(text, "digest is not a Digest", "use Digest.parse(text)")
        if len(self.name) > _NAME_MAX:
            raise InvalidValueError(
                text,
                f"name is {len(self.name)} characters long, the limit is {_NAME_MAX}",
                "shorten the repository path",
            )

    @classmethod
    def parse(cls, text: str) -> ImageReference:
        """Read ``[registry/]repository[:tag][@digest]``.

        The first path component is the registry when it contains ``.`` or ``:`` or is
        ``localhost``; otherwise the whole name is the repository.

        Raises:
            InvalidValueError: the text does not follow the grammar; the message names
                the part that is wrong.
        """
        if not isinstance(text, str):
            raise InvalidValueError(
                text, "is not an image reference", f"pass text like {_EXAMPLE!r}"
            )
        if not text:
            raise InvalidValueError(
                text, "is an empty image reference", f"write it like {_EXAMPLE!r}"
            )
        if any(ch.isspace() for ch in text):
            raise InvalidValueError(
                text, "contains whitespace", f"remove it: {''.join(text.split())!r}"
            )
        if "://" in text:
            raise InvalidValueError(
                text, "has a URL scheme", f"drop it: {text.split('://', 1)[1]!r}"
            )
        remainder, at, digest_text = text.partition("@")
        digest: Digest | None = None
        if at:
            if "@" in digest_text:
                raise InvalidValueError(text, "has more than one '@'", "keep a single '@digest'")
            if not digest_text:
                raise InvalidValueError(
                    text, "has an empty digest after '@'", "remove the '@' or add the digest"
                )
            try:
                digest = Digest.parse(digest_text)
            except InvalidValueError as exc:
                raise InvalidValueError(
                    text, f"the digest is invalid: {exc.reason}", exc.fix
                ) from None
        tag: str | None = None
        colon = remainder.rfind(":")
        if colon > remainder.rfind("/"):
            remainder, tag = remainder[:colon], remainder[colon + 1 :]
            _check_tag(text, tag)
        if not remainder:
            raise InvalidValueError(text, "has no repository name", f"write it like {_EXAMPLE!r}")
        first, slash, rest = remainder.partition("/")
        if slash and _is_domain(first):
            registry: str | None = first
            repository = rest
        else:
            registry, repository = None, remainder
        if registry is not None:
            _check_registry(text, registry)
        _check_repository(text, repository)
        return cls(registry, repository, tag, digest)

    @property
    def domain(self) -> str:
        """The registry, or ``docker.io`` when the reference names none."""
        return self.registry if self.registry is not None else DEFAULT_DOMAIN

    @property
    def name(self) -> str:
        """``[registry/]repository``, without tag or digest."""
        return self.repository if self.registry is None else f"{self.registry}/{self.repository}"

    @property
    def is_pinned(self) -> bool:
        """True when the reference has a digest or an immutable tag (see :meth:`require_pinned`)."""
        try:
            self.require_pinned()
        except InvalidValueError:
            return False
        return True

    def with_digest(self, digest: Digest | str) -> ImageReference:
        """A copy pinned to ``digest`` (the tag, if any, is kept for readability)."""
        parsed = digest if isinstance(digest, Digest) else Digest.parse(digest)
        return attrs.evolve(self, digest=parsed)

    def with_tag(self, tag: ImageTag | str) -> ImageReference:
        """A copy with ``tag`` (the digest, if any, is kept and still wins on pull).

        Raises:
            InvalidValueError: ``tag`` is not an :class:`ImageTag` or tag text.
        """
        if not isinstance(tag, (ImageTag, str)):
            raise InvalidValueError(tag, "is not an image tag", "pass text like 'v1.2.3'")
        text = str(tag)
        _check_tag(f"{self.name}:{text}", text)
        return attrs.evolve(self, tag=text)

    def without_tag(self) -> ImageReference:
        """A copy without the tag."""
        return attrs.evolve(self, tag=None)

    def without_digest(self) -> ImageReference:
        """A copy without the digest."""
        return attrs.evolve(self, digest=None)

    def require_pinned(self) -> ImageReference:
        """Return ``self`` if it is safe to deploy: pinned to a digest, or tagged with an
        immutable tag (``sha-<commit>``, ``vX.Y.Z-rc.N``, ``vX.Y.Z``).

        Raises:
            ForbiddenTagError: the tag is ``latest`` or ``dev`` and there is no digest.
            InvalidValueError: no digest and the tag is missing, a moving pointer
                (``prod``, ``blue``...) or not a deployment tag at all.
        """
        if self.digest is not None:
            return self
        text = str(self)
        fix = f"pin it by digest ({self.name}@sha256:...) or use an immutable tag"
        if self.tag is None:
            raise InvalidValueError(text, "has neither a tag nor a digest", fix)
        try:
            tag = ImageTag.parse(self.tag)
        except ForbiddenTagError as exc:
            raise ForbiddenTagError(text, f"tag {self.tag!r} {exc.reason}", fix) from None
        except InvalidValueError as exc:
            reason = exc.reason if exc.reason.startswith("is ") else f"is refused: {exc.reason}"
            raise InvalidValueError(
                text,
                f"tag {self.tag!r} {reason}",
                f"{exc.fix}; or pin it by digest ({self.name}@sha256:...)",
            ) from None
        if not tag.is_immutable:
            article = "an" if tag.kind is TagKind.ENVIRONMENT else "a"
            raise InvalidValueError(
                text,
                f"tag {self.tag!r} is {article} {tag.kind.value} pointer that moves on promotion",
                f"resolve it to its digest first: {self.name}@sha256:...",
            )
        return self

    def __str__(self) -> str:
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text
