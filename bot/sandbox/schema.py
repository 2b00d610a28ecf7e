"""Checks request parameters against the official Bot API schema (api.json).

Parameters arrive as strings (query string, form fields) or JSON values; for every non-String type
a string is JSON-decoded first, as Telegram does. Objects are checked recursively against their
type's fields, abstract types (BotCommandScope, …) against the subtype their "type" names, and a
union of object types (reply_markup) against the member whose fields the value uses. The schema is
parsed once per process into per-method field maps, so a check costs a few dict look-ups.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["FieldSpec", "FileUpload", "MethodSpec", "Schema", "SchemaError", "load_schema"]


class SchemaError(ValueError):
    """A parameter problem, worded as Telegram words it (without the "Bad Request: " prefix)."""


class _TypeMismatch(ValueError):
    """A nested type problem; the message says where inside the parameter."""


@dataclass(frozen=True, slots=True)
class FileUpload:
    """A file sent in a multipart request."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    fields: dict[str, FieldSpec]


# Telegram words a few missing parameters its own way.
_MISSING = {
    "text": "message text is empty",
    "document": "there is no document in the request",
    "photo": "there is no photo in the request",
    "question": "poll question must be non-empty",
    "options": "poll must have at least 2 option",
    "message_id": "message identifier is not specified",
    "callback_query_id": "QUERY_ID_INVALID",
}
_DISCRIMINATOR = re.compile(r'(?:always|must be) "?([a-z_]+)"?')
_SCALARS = frozenset({"String", "Integer", "Float", "Boolean", "InputFile"})


def _fields(spec: dict[str, Any]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]))
        for f in spec.get("fields", [])
    }


class Schema:
    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "")
        self.methods = {
            name.lower(): MethodSpec(name, _fields(spec)) for name, spec in data["methods"].items()
        }
        self.types = {name: _fields(spec) for name, spec in data["types"].items()}
        self.subtypes: dict[str, tuple[str, ...]] = {}
        # Abstract type → {value of its "type"/"status"/"source" field → concrete subtype}.
        self.variants: dict[str, tuple[str, dict[str, str]]] = {}
        for name, spec in data["types"].items():
            if not spec.get("subtypes"):
                continue
            self.subtypes[name] = tuple(spec["subtypes"])
            for sub in spec["subtypes"]:
                for field in data["types"].get(sub, {}).get("fields", []):
                    if field["name"] not in ("type", "status", "source"):
                        continue
                    match = _DISCRIMINATOR.search(field["description"])
                    if match:
                        _, table = self.variants.setdefault(name, (field["name"], {}))
                        table[match.group(1)] = sub

    def method(self, name: str) -> MethodSpec | None:
        return self.methods.get(name.lower())

    def check(self, method: MethodSpec, params: dict[str, Any]) -> dict[str, Any]:
        """Validated parameters with JSON strings decoded; raises SchemaError."""
        result: dict[str, Any] = {}
        for key, value in params.items():
            spec = method.fields.get(key)
            if spec is None:
                raise SchemaError(f'parameter "{key}" is unknown')
            try:
                result[key] = self._value(spec.types, value, key)
            except _TypeMismatch as exc:
                detail = str(exc)
                suffix = f": {detail}" if detail else ""
                raise SchemaError(f'wrong type of parameter "{key}"{suffix}') from None
        for spec in method.fields.values():
            if spec.required and result.get(spec.name) in ("", None):
                raise SchemaError(_MISSING.get(spec.name, f"{spec.name} is empty"))
        return result

    def _value(self, types: tuple[str, ...], value: Any, where: str) -> Any:
        if len(types) == 1:
            return self._one(types[0], value, where)
        if isinstance(value, str) and _top(where) and not _SCALARS.issuperset(types):
            value = _decode(value, where)
        candidates = sorted(types, key=lambda t: -self._affinity(t, value))
        first_error: _TypeMismatch | None = None
        for type_name in candidates:
            try:
                return self._one(type_name, value, where)
            except _TypeMismatch as exc:
                first_error = first_error or exc
        assert first_error is not None
        # Report the member the value most looks like: its error says what is wrong inside.
        if isinstance(value, dict) and self._affinity(candidates[0], value) > 0:
            raise first_error
        raise _TypeMismatch(f"expected {' or '.join(types)}")

    def _affinity(self, type_name: str, value: Any) -> int:
        """How many of the value's keys belong to this object type (0 for non-objects)."""
        fields = self.types.get(type_name)
        if not isinstance(value, dict) or not fields:
            return 0
        return sum(1 for key in value if key in fields)

    def _one(self, type_name: str, value: Any, where: str) -> Any:
        if type_name.startswith("Array of "):
            if isinstance(value, str) and _top(where):
                value = _decode(value, where)
            if not isinstance(value, list):
                raise _TypeMismatch(f"{where} must be an Array")
            inner = (type_name[len("Array of ") :],)
            return [self._value(inner, v, f"{where}[{i}]") for i, v in enumerate(value)]
        if type_name == "String":
            if isinstance(value, str):
                return value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
            raise _TypeMismatch(_expected("a String", where))
        if type_name == "Integer":
            return _integer(value, where)
        if type_name == "Float":
            return _number(value, where)
        if type_name == "Boolean":
            return _boolean(value, where)
        if type_name == "InputFile":
            if isinstance(value, FileUpload):
                return value
            raise _TypeMismatch(_expected("a file", where))
        if isinstance(value, FileUpload):
            raise _TypeMismatch(_expected(f"a {type_name}, not a file", where))
        if isinstance(value, str) and _top(where):
            value = _decode(value, where)
        if type_name in self.subtypes:
            return self._variant(type_name, value, where)
        fields = self.types.get(type_name)
        if fields is None:
            return value  # a type the schema does not spell out; accept it as it is
        if not isinstance(value, dict):
            article = "an" if type_name[0] in "AEIOU" else "a"
            raise _TypeMismatch(_expected(f"{article} {type_name} object", where))
        for key in value:
            if key not in fields:
                raise _TypeMismatch(f'{where}: field "{key}" of {type_name} is unknown')
        checked: dict[str, Any] = {}
        for key, spec in fields.items():
            if key in value:
                checked[key] = self._value(spec.types, value[key], f"{where}.{key}")
            elif spec.required:
                raise _TypeMismatch(f'{where}: field "{key}" of {type_name} is required')
        return checked

    def _variant(self, type_name: str, value: Any, where: str) -> Any:
        if type_name in self.variants and isinstance(value, dict):
            key, table = self.variants[type_name]
            concrete = table.get(str(value.get(key)))
            if concrete is None:
                raise _TypeMismatch(
                    f"{where}: {key} must be one of {', '.join(sorted(table))} for {type_name}"
                )
            return self._one(concrete, value, where)
        return self._value(self.subtypes[type_name], value, where)

    def fill(self, type_name: str, data: dict[str, Any]) -> dict[str, Any]:
        """Complete an object with neutral values for required fields the world does not model."""
        filled = dict(data)
        for name, spec in self.types.get(type_name, {}).items():
            if not spec.required or name in filled:
                continue
            kind = spec.types[0]
            if kind == "Boolean":
                filled[name] = False
            elif kind in ("Integer", "Float"):
                filled[name] = 0
            elif kind == "String":
                filled[name] = ""
            elif kind.startswith("Array of "):
                filled[name] = []
            else:
                filled[name] = self.fill(kind, {})
        return filled


def _top(where: str) -> bool:
    """Whether this is a request parameter itself (those arrive JSON-encoded in forms)."""
    return "." not in where and "[" not in where


def _expected(what: str, where: str) -> str:
    # Inside an object the path helps; at the top level the parameter is already named.
    return f"expected {what}" if _top(where) else f"{where} must be {what}"


def _decode(value: str, where: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        raise _TypeMismatch(f"{where} is not valid JSON") from None


def _integer(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-+").isdigit() and text.isascii():
            return int(text)
    raise _TypeMismatch(_expected("an Integer", where))


def _number(value: Any, where: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise _TypeMismatch(_expected("a Float", where))


def _boolean(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise _TypeMismatch(_expected("a Boolean", where))


@functools.cache
def load_schema() -> Schema:
    text = resources.files("bot.sandbox").joinpath("api.json").read_text("utf-8")
    return Schema(json.loads(text))
