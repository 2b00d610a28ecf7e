"""Checks request parameters against the official Bot API schema (api.json), like Telegram.

Parameters arrive as strings (query string, form fields) or JSON values; for every non-String
type a string is JSON-decoded first, as Telegram does. Objects are checked recursively against
their type's fields, abstract types (BotCommandScope, …) against their subtypes.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["FileUpload", "MethodSpec", "Schema", "SchemaError", "load_schema"]


class SchemaError(ValueError):
    """A parameter problem, worded as Telegram words it (without the "Bad Request: " prefix)."""


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


class Schema:
    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "")
        self.methods: dict[str, MethodSpec] = {}
        for name, method in data["methods"].items():
            fields = {
                f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]))
                for f in method.get("fields", [])
            }
            self.methods[name.lower()] = MethodSpec(name, fields)
        self.types: dict[str, dict[str, FieldSpec]] = {}
        self.subtypes: dict[str, tuple[str, ...]] = {}
        for name, spec in data["types"].items():
            self.types[name] = {
                f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"]))
                for f in spec.get("fields", [])
            }
            if spec.get("subtypes"):
                self.subtypes[name] = tuple(spec["subtypes"])

    def method(self, name: str) -> MethodSpec | None:
        return self.methods.get(name.lower())

    def check(self, method: MethodSpec, params: dict[str, Any]) -> dict[str, Any]:
        """Validated parameters with JSON strings decoded; raises SchemaError."""
        result: dict[str, Any] = {}
        for key, value in params.items():
            spec = method.fields.get(key)
            if spec is None:
                raise SchemaError(f'parameter "{key}" is unknown')
            result[key] = self._value(spec.types, value, key, top_level=True)
        for spec in method.fields.values():
            if spec.required and (spec.name not in result or result[spec.name] in ("", None)):
                raise SchemaError(f"{spec.name} is empty")
        return result

    def _value(self, types: tuple[str, ...], value: Any, where: str, *, top_level: bool) -> Any:
        errors: list[str] = []
        for type_name in types:
            try:
                return self._one(type_name, value, where, top_level=top_level)
            except SchemaError as exc:
                errors.append(str(exc))
        if len(errors) == 1:
            raise SchemaError(errors[0])
        raise SchemaError(f'wrong type of parameter "{where}"')

    def _one(self, type_name: str, value: Any, where: str, *, top_level: bool) -> Any:
        if type_name.startswith("Array of "):
            if isinstance(value, str):
                value = _decode(value, where)
            if not isinstance(value, list):
                raise SchemaError(f'wrong type of parameter "{where}": expected an Array')
            inner = (type_name[len("Array of ") :],)
            return [
                self._value(inner, v, f"{where}[{i}]", top_level=False) for i, v in enumerate(value)
            ]
        if type_name == "String":
            if isinstance(value, str):
                return value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
            raise SchemaError(f'wrong type of parameter "{where}": expected a String')
        if type_name == "Integer":
            return _integer(value, where)
        if type_name == "Float":
            return _number(value, where)
        if type_name == "Boolean":
            return _boolean(value, where)
        if type_name == "InputFile":
            if isinstance(value, FileUpload):
                return value
            raise SchemaError(f'wrong type of parameter "{where}": expected a file')
        if isinstance(value, FileUpload):
            raise SchemaError(f'wrong type of parameter "{where}"')
        if isinstance(value, str):
            value = _decode(value, where)
        if type_name in self.subtypes:
            return self._value(self.subtypes[type_name], value, where, top_level=False)
        fields = self.types.get(type_name)
        if fields is None:
            return value  # a type the schema does not spell out; accept as Telegram would
        if not isinstance(value, dict):
            raise SchemaError(f'wrong type of parameter "{where}": expected an object')
        for key in value:
            if key not in fields:
                raise SchemaError(f'field "{key}" of {type_name} in "{where}" is unknown')
        checked: dict[str, Any] = {}
        for key, spec in fields.items():
            if key in value:
                checked[key] = self._value(
                    spec.types, value[key], f"{where}.{key}", top_level=False
                )
            elif spec.required:
                raise SchemaError(f'field "{key}" of {type_name} in "{where}" is required')
        return checked


def _decode(value: str, where: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        raise SchemaError(f'can\'t parse "{where}" JSON object') from None


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise SchemaError(f'wrong type of parameter "{where}": expected an Integer')
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise SchemaError(f'wrong type of parameter "{where}": expected an Integer')


def _number(value: Any, where: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise SchemaError(f'wrong type of parameter "{where}": expected a Float')


def _boolean(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise SchemaError(f'wrong type of parameter "{where}": expected a Boolean')


@functools.cache
def load_schema() -> Schema:
    text = resources.files("bot.sandbox").joinpath("api.json").read_text("utf-8")
    return Schema(json.loads(text))
