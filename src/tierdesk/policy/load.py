"""Load a policy file: parse YAML, validate the model, run cross-section checks."""

from __future__ import annotations

import hashlib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ValidationError

from tierdesk.errors import PolicyError, PolicyErrors
from tierdesk.policy._yaml import Path, format_path, line_for, load_yaml_with_lines
from tierdesk.policy.model import Policy
from tierdesk.policy.validate import Problem, check_policy


@dataclass(frozen=True)
class LoadedPolicy:
    """A validated policy with where it came from and its content digest."""

    policy: Policy
    source: str
    digest: str
    warnings: list[str] = field(default_factory=list)


def load_policy(path: str | FilePath) -> LoadedPolicy:
    """Read and validate a policy file; raise PolicyErrors listing every problem."""
    file = str(path)
    try:
        raw = FilePath(path).read_bytes()
    except FileNotFoundError:
        raise PolicyError("file not found", file=file) from None
    except OSError as exc:
        raise PolicyError(f"cannot read file: {exc.strerror}", file=file) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(
            f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8", file=file
        ) from None
    return parse_policy(text, file)


def parse_policy(text: str, file: str = "<policy>") -> LoadedPolicy:
    """Validate policy YAML text; `file` is only used in messages."""
    data, lines = load_yaml_with_lines(text, file)
    if not isinstance(data, dict):
        raise PolicyError(
            "expected a mapping at the top level of the policy", file=file
        )
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyErrors(_translate(exc, lines, file)) from None
    errors, warnings = check_policy(policy)
    if errors:
        raise PolicyErrors(_located(errors, lines, file))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    warning_texts = [str(e) for e in _located(warnings, lines, file)]
    return LoadedPolicy(policy, file, digest, warning_texts)


def _located(
    problems: list[Problem], lines: dict[Path, int], file: str
) -> list[PolicyError]:
    located = [
        PolicyError(
            p.message,
            file=file,
            line=line_for(p.path, lines),
            path=format_path(p.path),
        )
        for p in problems
    ]
    return sorted(located, key=lambda e: e.line or 0)


def _translate(
    exc: ValidationError, lines: dict[Path, int], file: str
) -> list[PolicyError]:
    errors = []
    for item in exc.errors(include_url=False):
        loc = tuple(item["loc"])
        kind = item["type"]
        if kind == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            message = f"unknown key {loc[-1]!r}"
            if allowed:
                message += f"; expected one of: {', '.join(allowed)}"
        elif kind == "missing":
            message = "missing required field"
        else:
            message = item["msg"]
            if message.startswith("Value error, "):
                message = message[len("Value error, ") :]
            if kind not in ("value_error", "assertion_error"):
                message += f" (got {item.get('input')!r})"
        errors.append(
            PolicyError(
                message, file=file, line=line_for(loc, lines), path=format_path(loc)
            )
        )
    return sorted(errors, key=lambda e: e.line or 0)


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """Return the field names of the model found at `loc`, or [] if unknown."""
    current: Any = Policy
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
    """Strip Optional and Annotated from an annotation."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation
        else:
            return annotation
