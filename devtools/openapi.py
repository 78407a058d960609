"""Contract checks against the Radarr/Sonarr/Lidarr OpenAPI 3.0 documents (stdlib only).

The documents live outside the repository (their licence is not ours, and they are large);
every function takes the folder, and `spec_folder()` answers None when it is absent so
tests can skip cleanly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
import json
import os
from pathlib import Path
import re
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit
import uuid

__all__ = [
    "SPEC_FILES",
    "OpenApiSpec",
    "PathMatch",
    "as_json_object",
    "default_spec_folder",
    "load_specs",
    "spec_folder",
]

type JsonObject = dict[str, Any]

# File name per app; the key is what `load_specs` returns.
SPEC_FILES: Mapping[str, str] = {
    "radarr": "radarr-v3.json",
    "sonarr": "sonarr-v3.json",
    "lidarr": "lidarr-v1.json",
}
# Lets CI point at another copy without editing code.
SPEC_FOLDER_ENV = "QBITRR_ARR_OPENAPI"

_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_INT_RE = re.compile(r"^[+-]?\d+$")
_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _check_integer(value: str, schema: Mapping[str, Any]) -> str | None:
    if not _INT_RE.match(value):
        return "not an integer"
    fmt = str(schema.get("format", "int64"))
    low, high = _INT_RANGES.get(fmt, _INT_RANGES["int64"])
    return None if low <= int(value) <= high else f"out of {fmt} range"


def _check_number(value: str, schema: Mapping[str, Any]) -> str | None:
    try:
        float(value)
    except ValueError:
        return "not a number"
    return None


def _check_boolean(value: str, schema: Mapping[str, Any]) -> str | None:
    # .NET's bool.Parse: "true"/"false" in any case; not 1/0/yes.
    return None if value.lower() in {"true", "false"} else "not a boolean (true/false)"


def _check_date_time(value: str, schema: Mapping[str, Any]) -> str | None:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return "not a date-time"
    return None


def _check_uuid(value: str, schema: Mapping[str, Any]) -> str | None:
    try:
        uuid.UUID(value)
    except ValueError:
        return "not a uuid"
    return None


# (type, format) -> check; (type, None) covers any format without its own entry.
_CHECKERS: Mapping[tuple[object, object], Callable[[str, Mapping[str, Any]], str | None]] = {
    ("integer", None): _check_integer,
    ("number", None): _check_number,
    ("boolean", None): _check_boolean,
    ("string", "date-time"): _check_date_time,
    ("string", "uuid"): _check_uuid,
}


def default_spec_folder() -> Path:
    """`<repo>/../shared/arr-openapi`, where the project keeps the documents."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "arr-openapi"


def spec_folder(folder: str | os.PathLike[str] | None = None) -> Path | None:
    """Return the folder holding all three documents, or None when it (or one) is missing."""
    if folder is None:
        folder = os.environ.get(SPEC_FOLDER_ENV) or default_spec_folder()
    path = Path(folder)
    if all((path / name).is_file() for name in SPEC_FILES.values()):
        return path
    return None


def load_specs(folder: str | os.PathLike[str] | None = None) -> dict[str, OpenApiSpec]:
    """Load the three documents, keyed "radarr"/"sonarr"/"lidarr".

    Raises FileNotFoundError when the folder is missing; call `spec_folder()` first to skip.
    """
    found = spec_folder(folder)
    if found is None:
        raise FileNotFoundError(f"OpenAPI documents not found in {folder or default_spec_folder()}")
    return {app: OpenApiSpec.from_file(found / name, name=app) for app, name in SPEC_FILES.items()}


@dataclass(frozen=True)
class PathMatch:
    """A concrete path resolved to one templated path of the document."""

    template: str
    params: Mapping[str, str]


@dataclass(frozen=True)
class _Template:
    template: str
    segments: tuple[str, ...]
    # Index -> parameter name for `{name}` segments.
    params: Mapping[int, str]

    @property
    def specificity(self) -> tuple[int, tuple[bool, ...]]:
        # Fewer parameters first, then literal segments earlier: `/queue/bulk` beats `/queue/{id}`.
        return (len(self.params), tuple(i in self.params for i in range(len(self.segments))))


def _split(path: str) -> tuple[str, ...]:
    return tuple(path.strip("/").split("/")) if path.strip("/") else ()


def _parse_template(template: str) -> _Template:
    segments = _split(template)
    params = {
        i: seg[1:-1] for i, seg in enumerate(segments) if seg.startswith("{") and seg.endswith("}")
    }
    return _Template(template, segments, params)


class OpenApiSpec:
    """One OpenAPI 3.0 document: request conformance and response field names."""

    def __init__(self, document: Mapping[str, Any], *, name: str = "") -> None:
        """Wrap an already parsed document."""
        self.document = document
        self.name = name or str(document.get("info", {}).get("title", ""))
        self._paths: Mapping[str, Mapping[str, Any]] = document.get("paths", {})
        self._templates = sorted(
            (_parse_template(t) for t in self._paths), key=lambda t: t.specificity
        )
        schemes = document.get("components", {}).get("securitySchemes", {})
        # The apps accept the API key as `?apikey=`; it is a security scheme, not a parameter.
        self._security_query = frozenset(
            s["name"]
            for s in schemes.values()
            if s.get("type") == "apiKey" and s.get("in") == "query"
        )

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], *, name: str = "") -> OpenApiSpec:
        """Load a JSON document."""
        with Path(path).open(encoding="utf-8") as file:
            return cls(json.load(file), name=name)

    def __repr__(self) -> str:
        """Name the app, not the whole document."""
        return f"OpenApiSpec({self.name!r}, {len(self._paths)} paths)"

    @property
    def paths(self) -> list[str]:
        """All templated paths of the document."""
        return list(self._paths)

    # --- paths -----------------------------------------------------------------------------

    def _candidates(self, path: str) -> list[PathMatch]:
        segments = _split(urlsplit(path).path)
        found: list[PathMatch] = []
        for tpl in self._templates:
            if len(tpl.segments) != len(segments):
                continue
            params: dict[str, str] = {}
            for i, (want, got) in enumerate(zip(tpl.segments, segments, strict=True)):
                if i in tpl.params:
                    params[tpl.params[i]] = got
                elif want != got:
                    break
            else:
                found.append(PathMatch(tpl.template, params))
        return found

    def match_path(self, path: str) -> PathMatch | None:
        """Return the most specific templated path matching `path` (a template matches itself)."""
        if path in self._paths:
            return PathMatch(path, {})
        candidates = self._candidates(path)
        return candidates[0] if candidates else None

    def operation(self, method: str, path: str) -> tuple[PathMatch, Mapping[str, Any]] | None:
        """Resolve (method, path) to its operation, or None."""
        match, operation, _problems = self._resolve(method, path)
        if match is None or operation is None:
            return None
        return match, operation

    def _resolve(
        self, method: str, path: str
    ) -> tuple[PathMatch | None, Mapping[str, Any] | None, list[str]]:
        method = method.lower()
        candidates = [PathMatch(path, {})] if path in self._paths else self._candidates(path)
        if not candidates:
            return None, None, [f"{self.name}: no path in the spec matches {path}"]
        first_problems: list[str] | None = None
        for match in candidates:
            operation = self._paths[match.template].get(method)
            problems: list[str] = []
            if not isinstance(operation, Mapping):
                allowed = sorted(m.upper() for m in self._paths[match.template] if m in _METHODS)
                problems.append(
                    f"{self.name}: {method.upper()} not defined for {match.template}"
                    f" (defined: {', '.join(allowed)})"
                )
                operation = None
            else:
                problems.extend(self._check_path_params(match, operation))
            if not problems:
                return match, operation, []
            if first_problems is None:
                first_problems = problems
        # Report against the most specific template: that is what the caller most likely meant.
        return candidates[0], None, first_problems or []

    def _check_path_params(self, match: PathMatch, operation: Mapping[str, Any]) -> list[str]:
        problems: list[str] = []
        declared = {p["name"]: p for p in self._parameters(operation) if p.get("in") == "path"}
        for name, value in match.params.items():
            param = declared.get(name)
            if param is None:
                # Undeclared path parameter: treat as a string, as the apps' routers do.
                continue
            problem = self._check_value(self._resolve_schema(param.get("schema", {})), value)
            if problem:
                problems.append(
                    f"{self.name}: path parameter {name}={value!r} in {match.template}: {problem}"
                )
        return problems

    # --- requests --------------------------------------------------------------------------

    def check_request(
        self,
        method: str,
        path: str,
        query: Mapping[str, list[str]] | Mapping[str, str] | None = None,
    ) -> list[str]:
        """Problems with a request as the spec describes it; an empty list means it conforms.

        `path` is concrete (`/api/v3/queue/12`); a query string on it is merged into `query`.
        Values of `query` are lists (repeated keys, as array parameters are sent) or strings.
        """
        merged: dict[str, list[str]] = {}
        split = urlsplit(path)
        for key, values in parse_qs(split.query, keep_blank_values=True).items():
            merged.setdefault(key, []).extend(values)
        for key, value in (query or {}).items():
            merged.setdefault(key, []).extend([value] if isinstance(value, str) else list(value))

        match, operation, problems = self._resolve(method, split.path)
        if match is None or operation is None:
            return problems

        where = f"{self.name}: {method.upper()} {match.template}"
        declared = {p["name"]: p for p in self._parameters(operation) if p.get("in") == "query"}
        for key, values in merged.items():
            if key in self._security_query:
                continue
            param = declared.get(key)
            if param is None:
                problems.append(f"{where}: {self._undeclared(key, declared)}")
                continue
            problems.extend(
                f"{where}: query parameter {problem}"
                for problem in self._check_query_values(key, param, values)
            )
        problems.extend(
            f"{where}: required query parameter {name!r} missing"
            for name, param in declared.items()
            if param.get("required") and name not in merged
        )
        return problems

    @staticmethod
    def _undeclared(key: str, declared: Mapping[str, object]) -> str:
        hint = next((n for n in declared if n.lower() == key.lower()), None)
        return (
            f"query parameter {key!r} is not declared"
            + (f" (did you mean {hint!r}?)" if hint else "")
            + f"; declared: {', '.join(sorted(declared)) or 'none'}"
        )

    def _check_query_values(
        self, key: str, param: Mapping[str, Any], values: list[str]
    ) -> list[str]:
        schema = self._resolve_schema(param.get("schema", {}))
        problems: list[str] = []
        if schema.get("type") == "array":
            # Arrays travel as repeated keys (`movieIds=1&movieIds=2`), each an item.
            schema = self._resolve_schema(schema.get("items", {}))
        elif len(values) > 1:
            problems.append(f"{key!r} repeated but not an array")
        problems.extend(
            f"{key}={value!r}: {problem}"
            for value in values
            if (problem := self._check_value(schema, value))
        )
        return problems

    def _parameters(self, operation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        return [self._resolve_ref(p) for p in operation.get("parameters", [])]

    def _check_value(self, schema: Mapping[str, Any], value: str) -> str | None:
        """Why `value` (as sent in a URL) does not fit `schema`, or None."""
        enum = schema.get("enum")
        if enum is not None:
            # ASP.NET binds enum names case-insensitively, so the real apps accept any case.
            if value.lower() not in {str(e).lower() for e in enum}:
                return f"not one of {', '.join(map(str, enum))}"
            return None
        checker = _CHECKERS.get((schema.get("type"), schema.get("format")))
        checker = checker or _CHECKERS.get((schema.get("type"), None))
        return checker(value, schema) if checker else None

    # --- schemas ---------------------------------------------------------------------------

    def _resolve_ref(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        seen: set[str] = set()
        while "$ref" in node:
            ref = str(node["$ref"])
            if ref in seen or not ref.startswith("#/"):
                raise ValueError(f"{self.name}: cannot follow $ref {ref}")
            seen.add(ref)
            target: Any = self.document
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = cast("Mapping[str, Any]", target)
        return node

    def _resolve_schema(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        schema = self._resolve_ref(schema)
        # Swashbuckle wraps nullable $refs in allOf/oneOf of one element.
        for key in ("allOf", "oneOf", "anyOf"):
            parts = schema.get(key)
            if isinstance(parts, list) and len(parts) == 1:
                return self._resolve_schema(parts[0])
        return schema

    def _properties(self, schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        schema = self._resolve_schema(schema)
        props: dict[str, Mapping[str, Any]] = dict(schema.get("properties", {}))
        for key in ("allOf", "oneOf", "anyOf"):
            for part in schema.get(key, []):
                props.update(self._properties(part))
        return props

    def _unwrap(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """Arrays to their items."""
        schema = self._resolve_schema(schema)
        while schema.get("type") == "array":
            schema = self._resolve_schema(schema.get("items", {}))
        return schema

    def _fields(
        self, schema: Mapping[str, Any], *, at: str | None, unwrap_paging: bool
    ) -> set[str]:
        schema = self._unwrap(schema)
        props = self._properties(schema)
        # A paging resource (`page`, `pageSize`, ..., `records: [...]`): the caller reads records.
        if unwrap_paging and "records" in props and "page" in props:
            schema = self._unwrap(props["records"])
        for name in at.split(".") if at else ():
            props = self._properties(schema)
            if name not in props:
                raise KeyError(f"{self.name}: no property {name!r} (have {sorted(props)})")
            schema = self._unwrap(props[name])
        return set(self._properties(schema))

    @staticmethod
    def _content_schema(node: Mapping[str, Any]) -> Mapping[str, Any] | None:
        content: Mapping[str, Any] = node.get("content", {})
        for media in ("application/json", "text/json", *content):
            if media in content and "schema" in content[media]:
                return cast("Mapping[str, Any]", content[media]["schema"])
        return None

    def _operation_or_raise(self, method: str, path: str) -> tuple[PathMatch, Mapping[str, Any]]:
        match, operation, problems = self._resolve(method, path)
        if match is None or operation is None:
            raise KeyError("; ".join(problems))
        return match, operation

    def response_statuses(self, method: str, path: str) -> list[str]:
        """Status codes the spec declares for an operation."""
        _match, operation = self._operation_or_raise(method, path)
        return list(operation.get("responses", {}))

    def response_fields(
        self,
        method: str,
        path: str,
        status: str | int = "200",
        *,
        at: str | None = None,
        unwrap_paging: bool = True,
    ) -> set[str]:
        """Property names of the response schema (empty when the response has no body).

        Follows `$ref`s and arrays' `items`; a paging resource gives its records' fields
        unless `unwrap_paging` is False. `at` ("fields", "body", "quality.quality") descends
        into nested properties. A 2xx status the spec leaves out falls back to the one 2xx it
        declares: the documents say 200 where the apps answer 201 (POST command).
        """
        match, operation = self._operation_or_raise(method, path)
        responses: Mapping[str, Any] = operation.get("responses", {})
        key = str(status)
        if key not in responses:
            ok = [code for code in responses if code.startswith("2")]
            if not (key.startswith("2") and len(ok) == 1):
                raise KeyError(
                    f"{self.name}: {method.upper()} {match.template} declares no {key} response"
                    f" (declares {', '.join(responses)})"
                )
            key = ok[0]
        schema = self._content_schema(self._resolve_ref(responses[key]))
        if schema is None:
            return set()
        return self._fields(schema, at=at, unwrap_paging=unwrap_paging)

    def request_body_fields(self, method: str, path: str, *, at: str | None = None) -> set[str]:
        """Property names of the request body schema (empty when none is declared)."""
        _match, operation = self._operation_or_raise(method, path)
        body = operation.get("requestBody")
        if body is None:
            return set()
        schema = self._content_schema(self._resolve_ref(body))
        if schema is None:
            return set()
        return self._fields(schema, at=at, unwrap_paging=False)

    def enum_values(self, schema_name: str) -> list[str]:
        """Values of a named enum schema (`QueueStatus`, `TrackedDownloadState`, ...)."""
        schema = self._resolve_schema({"$ref": f"#/components/schemas/{schema_name}"})
        return [str(v) for v in schema.get("enum", [])]

    def schema_fields(self, schema_name: str) -> set[str]:
        """Property names of a named component schema."""
        return set(self._properties({"$ref": f"#/components/schemas/{schema_name}"}))

    def undeclared(
        self, fields: Iterable[str], method: str, path: str, status: str | int = "200", **kw: Any
    ) -> set[str]:
        """Return the names in `fields` that the response schema does not declare."""
        return set(fields) - self.response_fields(method, path, status, **kw)


def as_json_object(value: object) -> JsonObject:
    """Narrow parsed JSON to an object (for typed callers)."""
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return cast("JsonObject", value)
