"""Content digests as defined by the OCI image specification (descriptor.md)."""

from __future__ import annotations

import hashlib
import re

import attrs

from mosaic_sdk._render import TextRepr
from mosaic_sdk.errors import InvalidValueError

__all__ = ["Digest"]

# OCI image-spec, "Digests":
#   digest                ::= algorithm ":" encoded
#   algorithm             ::= algorithm-component (algorithm-separator algorithm-component)*
#   algorithm-component   ::= [a-z0-9]+
#   algorithm-separator   ::= [+._-]
#   encoded               ::= [a-zA-Z0-9=_-]+
_ALGORITHM = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*")
_ENCODED = re.compile(r"[a-zA-Z0-9=_-]+")

# Registered algorithms are validated strictly: lowercase hex of the exact length.
_REGISTERED: dict[str, int] = {"sha256": 64, "sha512": 128}
_HEX = re.compile(r"[0-9a-f]+")
_EXAMPLE = "sha256:" + "0" * 64


def _validate(text: str, algorithm: str, encoded: str) -> None:
    if not algorithm:
        raise InvalidValueError(text, "has an empty algorithm", f"write it like {_EXAMPLE!r}")
    if not _ALGORITHM.fullmatch(algorithm):
        if _ALGORITHM.fullmatch(algorithm.lower()):
            raise InvalidValueError(
                text,
                f"algorithm {algorithm!r} has uppercase letters",
                f"use {algorithm.lower()!r}",
            )
        raise InvalidValueError(
            text,
            f"algorithm {algorithm!r} is not valid",
            "use lowercase components joined by '+', '.', '_' or '-' (e.g. 'sha256')",
        )
    if not encoded:
        raise InvalidValueError(text, "has an empty encoded part", f"write it like {_EXAMPLE!r}")
    length = _REGISTERED.get(algorithm)
    if length is None:
        if not _ENCODED.fullmatch(encoded):
            raise InvalidValueError(
                text,
                "encoded part has characters outside [a-zA-Z0-9=_-]",
                "encode the hash with the algorithm's own encoding (hex or base64url)",
            )
        return
    if not _HEX.fullmatch(encoded):
        if _HEX.fullmatch(encoded.lower()):
            raise InvalidValueError(
                text,
                f"{algorithm} digests use lowercase hex",
                f"use {algorithm + ':' + encoded.lower()!r}",
            )
        raise InvalidValueError(
            text,
            f"{algorithm} digests are lowercase hex, this one has other characters",
            f"copy the full digest again, it is shaped '{algorithm}:<{length} hex characters>'",
        )
    if len(encoded) != length:
        raise InvalidValueError(
            text,
            f"{algorithm} digest has {len(encoded)} hex characters, expected {length}",
            "copy the full digest again; it may have been truncated",
        )


@attrs.frozen(order=True)
class Digest(TextRepr):
    """A content digest, ``algorithm:encoded`` (``sha256:`` + 64 lowercase hex).

    Registered algorithms (``sha256``, ``sha512``) are validated strictly; other
    algorithms follow the OCI descriptor grammar. Digests sort by algorithm, then
    encoded value.

    Examples:
        >>> d = Digest.from_bytes(b"hello")
        >>> d.algorithm, d.hex[:12]
        ('sha256', '2cf24dba5fb0')
        >>> Digest.parse(str(d)) == d
        True
    """

    algorithm: str
    encoded: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.algorithm, str) or not isinstance(self.encoded, str):
            raise InvalidValueError(
                (self.algorithm, self.encoded),
                "digest parts must be strings",
                f"use Digest.parse({_EXAMPLE!r})",
            )
        _validate(f"{self.algorithm}:{self.encoded}", self.algorithm, self.encoded)

    @classmethod
    def parse(cls, text: str) -> Digest:
        """Read ``algorithm:encoded``.

        Raises:
            InvalidValueError: not a digest; the message says which part is wrong.
        """
        if not isinstance(text, str):
            raise InvalidValueError(text, "is not a digest string", f"pass text like {_EXAMPLE!r}")
        if ":" not in text:
            fix = f"write it as 'algorithm:encoded', like {_EXAMPLE!r}"
            for algorithm, length in _REGISTERED.items():
                if len(text) == length and _HEX.fullmatch(text.lower()):
                    fix = f"prefix it with the algorithm: {algorithm + ':' + text.lower()!r}"
            raise InvalidValueError(text, "has no algorithm prefix", fix)
        algorithm, _, encoded = text.partition(":")
        _validate(text, algorithm, encoded)
        return cls(algorithm, encoded)

    @classmethod
    def from_bytes(cls, data: bytes, algorithm: str = "sha256") -> Digest:
        """The digest of ``data`` computed with ``algorithm`` (``sha256`` or ``sha512``).

        Raises:
            InvalidValueError: ``data`` is not bytes, or the algorithm cannot be
                computed here.
        """
        _check_bytes(data)
        if algorithm not in _REGISTERED:
            raise InvalidValueError(
                algorithm,
                "is not a digest algorithm this SDK can compute",
                f"use one of {', '.join(_REGISTERED)}",
            )
        return cls(algorithm, hashlib.new(algorithm, data).hexdigest())

    @property
    def hex(self) -> str:
        """Alias of :attr:`encoded` (for sha256 and sha512 it is lowercase hex)."""
        return self.encoded

    @property
    def short(self) -> str:
        """The first 12 characters of the encoded part, for log lines and tables."""
        return self.encoded[:12]

    def verify(self, data: bytes) -> bool:
        """True when ``data`` hashes to this digest.

        Raises:
            InvalidValueError: ``data`` is not bytes, or the algorithm is not one this
                SDK can compute.
        """
        _check_bytes(data)
        if self.algorithm not in _REGISTERED:
            raise InvalidValueError(
                str(self),
                f"cannot be verified locally: {self.algorithm!r} is not implemented",
                f"verify with a tool that supports it, or use {', '.join(_REGISTERED)}",
            )
        return hashlib.new(self.algorithm, data).hexdigest() == self.encoded

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.encoded}"


def _check_bytes(data: object) -> None:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidValueError(
            type(data).__name__,
            "is not bytes; a digest is computed over the exact bytes",
            "encode text first, e.g. data.encode('utf-8')",
        )
