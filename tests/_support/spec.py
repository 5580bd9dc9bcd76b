"""Check outgoing HTTP requests against a provider's published API description.

Every request a provider client can send is checked against the provider's published
spec in ``../shared/specs`` (or ``$MOSAIC_SPECS_DIR``): method, path template, path
and query parameters, required headers, content type and the JSON body against the
request schema.

* OpenAPI 3.x (Coolify 3.1, Vercel 3.0.3): parameters, content type and body are
  validated by openapi-core. The spec documents themselves are not re-validated on
  load: Vercel's published file fails the OpenAPI meta-schema (an empty ``oneOf``),
  and validating Coolify's costs seconds for nothing.
* Swagger 2.0 (Portainer): openapi-core does not read it, so :class:`Swagger2Checker`
  does the same checks itself: path template and method, path/query/header/formData
  parameters (presence and type), ``consumes``, and the body parameter's schema with
  jsonschema (Draft 4, which Swagger 2.0 schemas are a dialect of; ``x-nullable`` is
  honoured).

Two checks are stricter than the specs, for both formats, because the servers are:
a query parameter the operation does not declare is a violation, and so is a top-level
JSON body field that the request schema does not list (Coolify answers 422 "This field
is not allowed." for those; research/providers.md section 1.1).

Use :func:`assert_request_matches_spec` on one ``httpx.Request``, or wrap a transport in
:class:`SpecCheckingTransport` (sync) / :class:`AsyncSpecCheckingTransport` so that every
request a client sends during a test is checked. When the specs folder is absent the
checks skip with a clear reason, unless ``MOSAIC_REQUIRE_SERVERS=1`` (then they fail).
"""

from __future__ import annotations

import abc
import functools
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs
import httpx
import pytest

__all__ = [
    "SPEC_FILES",
    "AsyncSpecCheckingTransport",
    "CheckedRequest",
    "SpecChecker",
    "SpecCheckingTransport",
    "SpecViolation",
    "assert_request_matches_spec",
    "assert_transport_clean",
    "async_checking_transport",
    "checking_transport",
    "check_request",
    "require_spec",
    "spec_available",
    "spec_checker",
    "specs_dir",
]

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Provider name -> file name in the specs folder.
SPEC_FILES: dict[str, str] = {
    "coolify": "coolify-openapi.yaml",
    "portainer": "portainer-swagger.yaml",
    "vercel": "vercel-openapi.json",
}

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class SpecViolation(AssertionError):
    """A request does not match the provider's published spec."""


@attrs.frozen
class CheckedRequest:
    """A request that matched the spec.

    Attributes:
        provider: the provider name.
        method: the HTTP method, upper case.
        template: the matched path template as written in the spec
            (``/applications/{uuid}``).
        path: the request path relative to the API base.
    """

    provider: str
    method: str
    template: str
    path: str

    @property
    def operation(self) -> str:
        """``"PATCH /applications/{uuid}"``."""
        return f"{self.method} {self.template}"


def specs_dir() -> Path:
    """The specs folder: ``$MOSAIC_SPECS_DIR``, else ``../shared/specs`` from the repo root."""
    configured = os.environ.get("MOSAIC_SPECS_DIR")
    if configured:
        return Path(configured)
    return (REPO_ROOT.parent / "shared" / "specs").resolve()


def require_spec(provider: str) -> Path:
    """Path of ``provider``'s spec, or skip the test (fail with ``MOSAIC_REQUIRE_SERVERS=1``)."""
    if provider not in SPEC_FILES:
        raise ValueError(f"unknown provider {provider!r}; known: {', '.join(SPEC_FILES)}")
    path = specs_dir() / SPEC_FILES[provider]
    if not path.is_file():
        reason = (
            f"{provider} spec not found at {path}: request-vs-spec checks need the published "
            "specs folder (set MOSAIC_SPECS_DIR or check out ../shared/specs)"
        )
        if os.environ.get("MOSAIC_REQUIRE_SERVERS") == "1":
            pytest.fail(reason + " [MOSAIC_REQUIRE_SERVERS=1]")
        pytest.skip(reason)
    return path


@functools.cache
def _load_document(path: Path) -> dict[str, Any]:
    if path.suffix == ".json":
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    else:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not an API description document")
    return data


# -- path templates -----------------------------------------------------------------


@attrs.frozen
class _Template:
    template: str
    regex: re.Pattern[str]
    literal_segments: int


def _compile_template(template: str) -> _Template:
    pattern = ""
    literal = 0
    for segment in template.strip("/").split("/"):
        if not segment:
            continue
        parts = re.split(r"(\{[^}]+\})", segment)
        piece = ""
        for part in parts:
            if part.startswith("{") and part.endswith("}"):
                name = re.sub(r"\W", "_", part[1:-1])
                piece += f"(?P<{name}>[^/]+)"
            else:
                piece += re.escape(part)
        if "{" not in segment:
            literal += 1
        pattern += "/" + piece
    return _Template(template, re.compile(f"^{pattern or '/'}$"), literal)


def _match_template(templates: Sequence[_Template], path: str) -> tuple[str, dict[str, str]] | None:
    # Most literal segments first, so /services/{uuid}/envs/bulk beats /services/{uuid}/envs/{env}.
    for tpl in templates:
        match = tpl.regex.match(path)
        if match:
            return tpl.template, dict(match.groupdict())
    return None


def _order(templates: Iterable[str]) -> list[_Template]:
    compiled = [_compile_template(t) for t in templates]
    return sorted(compiled, key=lambda t: (-t.literal_segments, t.template))


# -- the checkers ----------------------------------------------------------------------


class SpecChecker(abc.ABC):
    """Common half: locating the operation and the stricter extra checks."""

    def __init__(self, provider: str, document: Mapping[str, Any], base_path: str) -> None:
        self.provider = provider
        self.document = document
        self.base_path = base_path.rstrip("/")
        self.paths: Mapping[str, Any] = document.get("paths", {})
        self._templates = _order(self.paths)

    def relative_path(self, request: httpx.Request) -> str:
        path = request.url.path
        if self.base_path:
            if path != self.base_path and not path.startswith(self.base_path + "/"):
                raise SpecViolation(
                    f"{self.provider}: {request.method} {path} is outside the API base "
                    f"path {self.base_path!r}"
                )
            path = path[len(self.base_path) :] or "/"
        return path

    def locate(self, request: httpx.Request) -> tuple[str, dict[str, str], Mapping[str, Any]]:
        path = self.relative_path(request)
        found = _match_template(self._templates, path)
        if found is None:
            raise SpecViolation(
                f"{self.provider}: no path in the spec matches {request.method} {path}"
            )
        template, path_params = found
        item = self.paths[template]
        operation = item.get(request.method.lower())
        if not isinstance(operation, Mapping):
            documented = sorted(m.upper() for m in item if m in _HTTP_METHODS)
            raise SpecViolation(
                f"{self.provider}: {request.method} is not documented for {template} "
                f"(documented: {', '.join(documented)})"
            )
        return template, path_params, operation

    def parameters(self, template: str, operation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        merged: dict[tuple[str, str], Mapping[str, Any]] = {}
        for raw in [*self.paths[template].get("parameters", []), *operation.get("parameters", [])]:
            param = self.resolve(raw)
            merged[(param["name"], param["in"])] = param
        return list(merged.values())

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise SpecViolation(f"{self.provider}: cannot resolve external $ref {ref!r}")
            target: Any = self.document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
            seen += 1
            if seen > 50:
                raise SpecViolation(f"{self.provider}: $ref loop at {ref!r}")
        return node

    def check_query_names(
        self, request: httpx.Request, template: str, params: Sequence[Mapping[str, Any]]
    ) -> None:
        declared = {p["name"] for p in params if p["in"] == "query"}
        sent = {name for name, _ in parse_qsl(request.url.query.decode(), keep_blank_values=True)}
        unknown = sorted(sent - declared)
        if unknown:
            raise SpecViolation(
                f"{self.provider}: {request.method} {template} sends undocumented query "
                f"parameter(s) {unknown} (documented: {sorted(declared)})"
            )

    def check_body_fields(self, request: httpx.Request, template: str, schema: Any) -> None:
        body = _json_body(request)
        if not isinstance(body, dict) or not isinstance(schema, Mapping):
            return
        allowed = self._properties(schema)
        if allowed is None:
            return
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise SpecViolation(
                f"{self.provider}: {request.method} {template} sends body field(s) {unknown} "
                f"that the request schema does not list"
            )

    def _properties(self, schema: Mapping[str, Any]) -> set[str] | None:
        schema = self.resolve(schema)
        if "allOf" in schema:
            names: set[str] = set()
            for part in schema["allOf"]:
                sub = self._properties(part)
                if sub is None:
                    return None
                names |= sub
            return names
        if any(k in schema for k in ("oneOf", "anyOf")):
            return None  # alternatives: leave it to the schema validator
        if schema.get("additionalProperties") not in (None, False):
            return None
        props = schema.get("properties")
        return set(props) if isinstance(props, Mapping) else None

    @abc.abstractmethod
    def check(self, request: httpx.Request) -> CheckedRequest:
        """Check ``request``; raise :class:`SpecViolation` when it does not match."""


class OpenAPI3Checker(SpecChecker):
    """OpenAPI 3.0 / 3.1 checks through openapi-core."""

    def __init__(self, provider: str, document: Mapping[str, Any]) -> None:
        from openapi_core import Config, OpenAPI

        server = urlsplit(document.get("servers", [{"url": "/"}])[0]["url"])
        super().__init__(provider, document, server.path)
        self._host_url = f"{server.scheme or 'https'}://{server.netloc or 'localhost'}"
        self._openapi = OpenAPI.from_dict(dict(document), config=Config(spec_validator_cls=None))
        self._lock = threading.Lock()

    def check(self, request: httpx.Request) -> CheckedRequest:
        template, _, operation = self.locate(request)
        params = self.parameters(template, operation)
        self.check_query_names(request, template, params)
        body_schema = None
        content = self.resolve(operation.get("requestBody", {})).get("content", {})
        media = content.get("application/json")
        if isinstance(media, Mapping):
            body_schema = media.get("schema")
        if request.content and body_schema is None and content:
            allowed = ", ".join(content)
            ctype = request.headers.get("content-type", "")
            if not any(ctype.startswith(c) for c in content):
                raise SpecViolation(
                    f"{self.provider}: {request.method} {template} sends {ctype!r}, "
                    f"the spec accepts {allowed}"
                )
        if request.content and not content:
            raise SpecViolation(
                f"{self.provider}: {request.method} {template} sends a body, "
                "but the operation documents none"
            )
        self.check_body_fields(request, template, body_schema)
        adapted = _OpenAPIRequest(
            request, self._host_url, self.base_path + self.relative_path(request)
        )
        from openapi_core.exceptions import OpenAPIError

        try:
            with self._lock:  # openapi-core caches are not documented as thread-safe
                self._openapi.validate_request(adapted)
        except OpenAPIError as exc:
            causes: list[str] = []
            cause: BaseException | None = exc
            while cause is not None and len(causes) < 4:
                causes.append(f"{type(cause).__name__}: {cause}")
                cause = cause.__cause__
            schema_errors = getattr(exc, "schema_errors", None) or getattr(
                exc.__cause__, "schema_errors", None
            )
            if schema_errors:
                causes.extend(str(e.message) for e in schema_errors)
            raise SpecViolation(
                f"{self.provider}: {request.method} {template} does not match the spec: "
                + " | ".join(causes)
            ) from exc
        return CheckedRequest(self.provider, request.method, template, self.relative_path(request))


class _OpenAPIRequest:
    """An httpx request seen through openapi-core's ``Request`` protocol."""

    def __init__(self, request: httpx.Request, host_url: str, path: str) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = host_url
        self.path = path
        self.method = request.method.lower()
        self.body: bytes | None = request.content or None
        self.content_type = request.headers.get("content-type", "application/json")
        query = parse_qsl(request.url.query.decode(), keep_blank_values=True)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )


class Swagger2Checker(SpecChecker):
    """A small, honest Swagger 2.0 request matcher (openapi-core reads only 3.x)."""

    def __init__(self, provider: str, document: Mapping[str, Any]) -> None:
        super().__init__(provider, document, document.get("basePath", ""))

    def check(self, request: httpx.Request) -> CheckedRequest:
        template, path_values, operation = self.locate(request)
        params = self.parameters(template, operation)
        self.check_query_names(request, template, params)
        self._check_security(request, template, operation)
        query: dict[str, list[str]] = {}
        for name, value in parse_qsl(request.url.query.decode(), keep_blank_values=True):
            query.setdefault(name, []).append(value)
        body_param = None
        form_params = []
        for param in params:
            where = param["in"]
            name = param["name"]
            if where == "path":
                key = re.sub(r"\W", "_", name)
                if key not in path_values:
                    raise SpecViolation(
                        f"{self.provider}: path parameter {name!r} of {template} is not in the "
                        "template"
                    )
                self._check_value(template, param, path_values[key])
            elif where == "query":
                if name in query:
                    for value in self._split(param, query[name]):
                        self._check_value(template, param, value)
                elif param.get("required"):
                    raise SpecViolation(
                        f"{self.provider}: {request.method} {template} misses required query "
                        f"parameter {name!r}"
                    )
            elif where == "header":
                if name in request.headers:
                    self._check_value(template, param, request.headers[name])
                elif param.get("required"):
                    raise SpecViolation(
                        f"{self.provider}: {request.method} {template} misses required header "
                        f"{name!r}"
                    )
            elif where == "body":
                body_param = param
            elif where == "formData":
                form_params.append(param)
        self._check_consumes(request, template, operation, body_param, form_params)
        if body_param is not None:
            self._check_body(request, template, body_param)
        elif form_params:
            self._check_form(request, template, form_params)
        elif request.content:
            raise SpecViolation(
                f"{self.provider}: {request.method} {template} sends a body, "
                "but the operation documents none"
            )
        return CheckedRequest(self.provider, request.method, template, self.relative_path(request))

    def _check_security(
        self, request: httpx.Request, template: str, operation: Mapping[str, Any]
    ) -> None:
        requirements = operation.get("security", self.document.get("security"))
        if not requirements:
            return
        schemes = self.document.get("securityDefinitions", {})
        for requirement in requirements:
            if all(self._satisfied(request, schemes.get(name, {})) for name in requirement):
                return
        raise SpecViolation(
            f"{self.provider}: {request.method} {template} satisfies none of the security "
            f"requirements {requirements}"
        )

    @staticmethod
    def _satisfied(request: httpx.Request, scheme: Mapping[str, Any]) -> bool:
        if scheme.get("type") == "apiKey":
            if scheme.get("in") == "header":
                return str(scheme.get("name", "")) in request.headers
            return str(scheme.get("name", "")) in dict(parse_qsl(request.url.query.decode()))
        if scheme.get("type") == "basic":
            return str(request.headers.get("authorization", "")).startswith("Basic ")
        return False

    @staticmethod
    def _split(param: Mapping[str, Any], values: list[str]) -> list[str]:
        if param.get("type") != "array":
            return values
        separator = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|"}.get(
            param.get("collectionFormat", "csv")
        )
        if separator is None:  # multi: one value per repetition
            return values
        return [item for value in values for item in value.split(separator)]

    def _check_value(self, template: str, param: Mapping[str, Any], raw: str) -> None:
        kind = param.get("type")
        if kind == "array":
            kind = param.get("items", {}).get("type", "string")
        name = param["name"]
        problem = None
        if kind == "integer" and not re.fullmatch(r"-?\d+", raw):
            problem = "is not an integer"
        elif kind == "number":
            try:
                float(raw)
            except ValueError:
                problem = "is not a number"
        elif kind == "boolean" and raw not in ("true", "false"):
            problem = "is not 'true' or 'false'"
        enum = param.get("enum") or param.get("items", {}).get("enum")
        if problem is None and enum is not None and raw not in [str(e) for e in enum]:
            problem = f"is not one of {enum}"
        if problem:
            raise SpecViolation(
                f"{self.provider}: {param['in']} parameter {name!r} of {template} = {raw!r} "
                f"{problem}"
            )

    def _check_consumes(
        self,
        request: httpx.Request,
        template: str,
        operation: Mapping[str, Any],
        body_param: Mapping[str, Any] | None,
        form_params: Sequence[Mapping[str, Any]],
    ) -> None:
        if not request.content or (body_param is None and not form_params):
            return
        consumes = operation.get("consumes") or self.document.get("consumes")
        if not consumes:
            return
        ctype = request.headers.get("content-type", "").split(";")[0].strip()
        if ctype not in consumes:
            raise SpecViolation(
                f"{self.provider}: {request.method} {template} sends {ctype!r}, "
                f"the spec consumes {consumes}"
            )

    def _check_body(self, request: httpx.Request, template: str, param: Mapping[str, Any]) -> None:
        if not request.content:
            if param.get("required"):
                raise SpecViolation(
                    f"{self.provider}: {request.method} {template} needs a JSON body "
                    f"({param['name']!r})"
                )
            return
        body = _json_body(request)
        schema = param.get("schema", {})
        self.check_body_fields(request, template, schema)
        import jsonschema  # type: ignore[import-untyped]

        wrapper = {**_x_nullable(self.resolve_deep(schema)), "definitions": {}}
        errors = sorted(
            jsonschema.Draft4Validator(wrapper).iter_errors(body), key=lambda e: list(e.path)
        )
        if errors:
            details = "; ".join(
                f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}"
                for e in errors[:5]
            )
            raise SpecViolation(
                f"{self.provider}: {request.method} {template} body does not match the schema: "
                f"{details}"
            )

    def resolve_deep(self, schema: Any, depth: int = 0) -> Any:
        """Inline every ``#/definitions`` reference (Swagger 2.0 has no cycles in the parts
        used here; recursion stops at depth 40 and leaves the rest unchecked)."""
        if depth > 40:
            return {}
        if isinstance(schema, Mapping):
            if "$ref" in schema:
                return self.resolve_deep(self.resolve(schema), depth + 1)
            return {k: self.resolve_deep(v, depth + 1) for k, v in schema.items()}
        if isinstance(schema, list):
            return [self.resolve_deep(v, depth + 1) for v in schema]
        return schema

    def _check_form(
        self, request: httpx.Request, template: str, params: Sequence[Mapping[str, Any]]
    ) -> None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            names = {k for k, _ in parse_qsl(request.content.decode(), keep_blank_values=True)}
        elif ctype.startswith("multipart/form-data"):
            names = {n.decode() for n in re.findall(rb'name="([^"]+)"', request.content)}
        else:
            raise SpecViolation(
                f"{self.provider}: {request.method} {template} takes form data, got {ctype!r}"
            )
        declared = {p["name"] for p in params}
        missing = sorted(p["name"] for p in params if p.get("required") and p["name"] not in names)
        unknown = sorted(set(names) - declared)
        if missing or unknown:
            raise SpecViolation(
                f"{self.provider}: {request.method} {template} form fields: missing {missing}, "
                f"undocumented {unknown}"
            )


def _x_nullable(schema: Any) -> Any:
    """Turn Swagger's ``x-nullable: true`` into a JSON Schema that also accepts null."""
    if isinstance(schema, Mapping):
        out = {k: _x_nullable(v) for k, v in schema.items()}
        if out.pop("x-nullable", False) and "type" in out:
            kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
            out["type"] = [*kinds, "null"]
        return out
    if isinstance(schema, list):
        return [_x_nullable(v) for v in schema]
    return schema


def _json_body(request: httpx.Request) -> Any:
    if not request.content:
        return None
    if "json" not in request.headers.get("content-type", ""):
        return None
    try:
        return json.loads(request.content)
    except ValueError as exc:
        raise SpecViolation(f"request body is not valid JSON: {exc}") from exc


_checkers: dict[str, SpecChecker] = {}
_checkers_lock = threading.Lock()


def spec_checker(provider: str) -> SpecChecker:
    """The (cached) checker for ``provider``; skips when the spec file is absent."""
    path = require_spec(provider)
    with _checkers_lock:
        checker = _checkers.get(provider)
        if checker is None:
            document = _load_document(path)
            if str(document.get("swagger", "")).startswith("2."):
                checker = Swagger2Checker(provider, document)
            elif str(document.get("openapi", "")).startswith("3."):
                checker = OpenAPI3Checker(provider, document)
            else:
                raise ValueError(f"{path}: neither Swagger 2.0 nor OpenAPI 3.x")
            _checkers[provider] = checker
        return checker


def check_request(provider: str, request: httpx.Request) -> CheckedRequest:
    """Check ``request`` against ``provider``'s spec; raise :class:`SpecViolation` if it
    does not match."""
    return spec_checker(provider).check(request)


def assert_request_matches_spec(provider: str, request: httpx.Request) -> CheckedRequest:
    """pytest-friendly alias of :func:`check_request`."""
    __tracebackhide__ = True
    return check_request(provider, request)


class _Recorder:
    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.checked: list[CheckedRequest] = []
        self.violations: list[SpecViolation] = []
        self._lock = threading.Lock()
        spec_checker(provider)  # skip early, before any request is sent

    def _check(self, request: httpx.Request) -> None:
        try:
            checked = check_request(self.provider, request)
        except SpecViolation as exc:
            with self._lock:
                self.violations.append(exc)
            raise
        with self._lock:
            self.checked.append(checked)

    @property
    def operations(self) -> set[str]:
        """Every ``"METHOD /template"`` checked so far."""
        return {c.operation for c in self.checked}

    def assert_clean(self) -> None:
        """Fail if any request violated the spec (even if the client swallowed the error)."""
        if self.violations:
            raise SpecViolation("; ".join(str(v) for v in self.violations))


class SpecCheckingTransport(_Recorder, httpx.BaseTransport):
    """Checks every request against the spec, then hands it to ``inner``.

    A violation raises :class:`SpecViolation` out of the client call and is also kept in
    :attr:`violations`; :attr:`checked` lists what matched.
    """

    def __init__(self, provider: str, inner: httpx.BaseTransport) -> None:
        _Recorder.__init__(self, provider)
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self._check(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class AsyncSpecCheckingTransport(_Recorder, httpx.AsyncBaseTransport):
    """Async twin of :class:`SpecCheckingTransport`."""

    def __init__(self, provider: str, inner: httpx.AsyncBaseTransport) -> None:
        _Recorder.__init__(self, provider)
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self._check(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def spec_available(provider: str) -> bool:
    """True when ``provider``'s spec file is present; with ``MOSAIC_REQUIRE_SERVERS=1`` a
    missing file fails the test instead of returning False."""
    path = specs_dir() / SPEC_FILES[provider]
    if path.is_file():
        return True
    if os.environ.get("MOSAIC_REQUIRE_SERVERS") == "1":
        require_spec(provider)  # fails with the reason
    return False


def checking_transport(provider: str, inner: httpx.BaseTransport) -> httpx.BaseTransport:
    """``inner`` wrapped in a :class:`SpecCheckingTransport` when the spec is present.

    For behaviour tests that should still run without the specs folder; the dedicated
    spec-conformance tests use :class:`SpecCheckingTransport` directly and skip.
    """
    return SpecCheckingTransport(provider, inner) if spec_available(provider) else inner


def async_checking_transport(
    provider: str, inner: httpx.AsyncBaseTransport
) -> httpx.AsyncBaseTransport:
    """Async twin of :func:`checking_transport`."""
    if spec_available(provider):
        return AsyncSpecCheckingTransport(provider, inner)
    return inner


def assert_transport_clean(transport: object) -> None:
    """Fail if ``transport`` is a spec-checking transport that saw a violation."""
    if isinstance(transport, _Recorder):
        transport.assert_clean()


def iter_operations(provider: str) -> Iterator[str]:
    """Every ``"METHOD /template"`` the spec documents (for coverage reports)."""
    checker = spec_checker(provider)
    for template, item in checker.paths.items():
        for method in item:
            if method in _HTTP_METHODS:
                yield f"{method.upper()} {template}"
