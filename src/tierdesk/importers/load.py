"""Read a mapping file and report every problem with its line and field."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from tierdesk.errors import PolicyError
from tierdesk.importers.mapping import EventMapping, MappingError, find_problems
from tierdesk.policy._yaml import Path as FieldPath
from tierdesk.policy._yaml import format_path, line_for, load_yaml_with_lines


def load_mapping(path: str | Path) -> EventMapping:
    """Read and validate a mapping file; raise MappingError listing every problem."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise MappingError("mapping file not found", file=file) from None
    except OSError as exc:
        raise MappingError(
            f"cannot read mapping file: {exc.strerror}", file=file
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MappingError(
            f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8", file=file
        ) from None
    return parse_mapping(text, file)


def parse_mapping(text: str, file: str = "<mapping>") -> EventMapping:
    """Validate mapping YAML text; `file` is only used in messages."""
    try:
        data, lines = load_yaml_with_lines(text, file)
    except PolicyError as exc:
        raise MappingError(
            exc.detail, file=file, line=exc.line, field=exc.path
        ) from None
    if not isinstance(data, dict):
        raise MappingError(
            "expected a mapping with keys such as columns, statuses and resolution",
            file=file,
        )
    try:
        mapping = EventMapping.model_validate(data, context={"defer_checks": True})
    except ValidationError as exc:
        raise _combined(_translate(exc, lines, file)) from None
    problems = [
        MappingError(
            message, file=file, line=line_for(path, lines), field=format_path(path)
        )
        for path, message in find_problems(mapping)
    ]
    if problems:
        raise _combined(problems)
    return mapping


def _combined(errors: list[MappingError]) -> MappingError:
    """Return one error whose message has one line per problem, sorted by line."""
    errors = sorted(errors, key=lambda error: error.line or 0)
    first = errors[0]
    combined = MappingError(
        first.detail, file=first.file, line=first.line, field=first.field
    )
    combined.args = ("\n".join(str(error) for error in errors),)
    return combined


def _translate(
    exc: ValidationError, lines: dict[FieldPath, int], file: str
) -> list[MappingError]:
    errors = []
    for item in exc.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        if kind == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
            allowed = _allowed_keys(loc[:-1])
            if allowed:
                message += f"; expected one of: {', '.join(allowed)}"
        elif kind == "missing":
            message = "missing required field"
        else:
            message = item["msg"].removeprefix("Value error, ")
            if kind not in ("value_error", "assertion_error"):
                message += f" (got {item.get('input')!r})"
        errors.append(
            MappingError(
                message, file=file, line=line_for(loc, lines), field=format_path(loc)
            )
        )
    return errors


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Return the field names of the model found at `loc`, or [] if there is none."""
    current: Any = EventMapping
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if args else None
        elif isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part)
            current = info.annotation if info else None
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip `X | None` from an annotation."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation
