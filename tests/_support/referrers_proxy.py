"""An OCI 1.1 referrers API in front of a real ``docker-registry`` 2.8 (which has none).

:class:`ReferrersAPIProxy` forwards every request to the registry unchanged and adds
what distribution-spec v1.1 (``opencontainers/distribution-spec@v1.1.1:spec.md``) asks
of a registry with the referrers API:

* "Pushing Manifests with Subject": a manifest PUT whose body has a ``subject`` that the
  registry accepted (201) is answered with ``OCI-Subject: <subject digest>``, and the
  manifest is remembered as a referrer of that digest.
* "Listing Referrers": ``GET /v2/<name>/referrers/<digest>`` answers 200 with an image
  index of those referrers (descriptor = media type, digest, size, ``artifactType`` -
  else the config media type - and the manifest's annotations), an empty index for a
  digest without any (never 404), the ``artifactType`` query filter with
  ``OCI-Filters-Applied: artifactType``, and ``Link: <...>; rel="next"`` pagination when
  ``page_size`` is set.

Only what the SDK's referrers tests exercise is implemented; the bookkeeping lives in
the proxy's memory (a real registry keeps it in storage). Binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
from collections import defaultdict
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests._support.header_proxy import _Server

__all__ = ["ReferrersAPIProxy"]

_MANIFEST = re.compile(r"^/v2/(?P<repo>.+)/manifests/(?P<ref>[^/]+)$")
_REFERRERS = re.compile(r"^/v2/(?P<repo>.+)/referrers/(?P<digest>[^/]+)$")
_INDEX = "application/vnd.oci.image.index.v1+json"


class ReferrersAPIProxy(_Server):
    """Forwards to ``upstream`` (``http://host:port``) and serves the referrers API.

    Attributes:
        requests: ``(method, path)`` of every request received.
        referrers: ``(repository, subject digest) -> [descriptor dicts]``.
    """

    def __init__(self, upstream: str, *, page_size: int | None = None) -> None:
        parts = urlsplit(upstream)
        target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.page_size = page_size
        self.requests: list[tuple[str, str]] = []
        self.referrers: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        proxy = self

        class Handler(_Base):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                proxy.requests.append((self.command, self.path))
                path = urlsplit(self.path).path
                listing = _REFERRERS.match(path)
                if self.command == "GET" and listing is not None:
                    query = parse_qs(urlsplit(self.path).query)
                    self._send(*proxy._listing(listing["repo"], listing["digest"], query))
                    return
                connection = http.client.HTTPConnection(*target, timeout=30)
                try:
                    connection.request(
                        self.command, self.path, body=body, headers=dict(self.headers.items())
                    )
                    answer = connection.getresponse()
                    data = answer.read()
                    out = [
                        (k, v)
                        for k, v in answer.getheaders()
                        if k.lower() not in ("transfer-encoding", "connection")
                    ]
                finally:
                    connection.close()
                pushed = _MANIFEST.match(path)
                if self.command == "PUT" and pushed is not None and answer.status == 201:
                    subject = proxy._record(pushed["repo"], body or b"", self.headers)
                    if subject is not None:
                        out.append(("OCI-Subject", subject))
                self.send_response(answer.status)
                for name, value in out:
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = _answer

        super().__init__(Handler)

    def _record(self, repository: str, body: bytes, headers: Any) -> str | None:
        try:
            doc = json.loads(body)
        except ValueError:
            return None
        subject = doc.get("subject") if isinstance(doc, dict) else None
        if not isinstance(subject, dict) or not isinstance(subject.get("digest"), str):
            return None
        artifact_type = doc.get("artifactType") or (doc.get("config") or {}).get("mediaType")
        entry: dict[str, Any] = {
            "mediaType": doc.get("mediaType") or headers.get("Content-Type"),
            "digest": "sha256:" + hashlib.sha256(body).hexdigest(),
            "size": len(body),
        }
        if artifact_type:
            entry["artifactType"] = artifact_type
        if doc.get("annotations"):
            entry["annotations"] = doc["annotations"]
        listed = self.referrers[(repository, subject["digest"])]
        if all(e["digest"] != entry["digest"] for e in listed):
            listed.append(entry)
        return str(subject["digest"])

    def _listing(
        self, repository: str, digest: str, query: dict[str, list[str]]
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        entries = list(self.referrers.get((repository, digest), ()))
        headers = [("Content-Type", _INDEX)]
        wanted = query.get("artifactType")
        if wanted:
            entries = [e for e in entries if e.get("artifactType") in wanted]
            headers.append(("OCI-Filters-Applied", "artifactType"))
        if self.page_size:
            page = int((query.get("page") or ["0"])[0])
            start = page * self.page_size
            if start + self.page_size < len(entries):
                link = f"/v2/{repository}/referrers/{digest}?page={page + 1}"
                headers.append(("Link", f'<{link}>; rel="next"'))
            entries = entries[start : start + self.page_size]
        body = json.dumps({"schemaVersion": 2, "mediaType": _INDEX, "manifests": entries})
        return 200, body.encode(), headers


class _Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
