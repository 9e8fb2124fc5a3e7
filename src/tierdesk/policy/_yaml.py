"""YAML loading that remembers the line of every key, so errors can name it."""

from __future__ import annotations

from typing import Any

import yaml

from tierdesk.errors import PolicyError

Path = tuple[str | int, ...]


def load_yaml_with_lines(text: str, file: str) -> tuple[Any, dict[Path, int]]:
    """Parse YAML text into plain Python data and a map from field path to line.

    Duplicate keys are rejected, because PyYAML would silently keep the last one.
    Lines are 1-based.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(f"invalid YAML: {problem}", file=file, line=line) from None
    lines: dict[Path, int] = {}
    if node is None:
        return None, lines
    data = _convert(node, (), lines, file)
    return data, lines


def _convert(node: yaml.Node, path: Path, lines: dict[Path, int], file: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct_scalar(key_node, file)
            if key in result:
                raise PolicyError(
                    f"duplicate key {key!r}; each key may appear once in a mapping",
                    file=file,
                    line=key_node.start_mark.line + 1,
                    path=format_path(path),
                )
            child = (*path, key)
            result[key] = _convert(value_node, child, lines, file)
            lines[child] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), lines, file)
            for index, item in enumerate(node.value)
        ]
    return _construct_scalar(node, file)


def _construct_scalar(node: yaml.Node, file: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise PolicyError(
            "mapping keys must be plain values, not lists or mappings",
            file=file,
            line=node.start_mark.line + 1,
        )
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def format_path(path: Path) -> str:
    """Format a field path as `routing.rules[2].when.segment`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def line_for(path: Path, lines: dict[Path, int]) -> int | None:
    """Return the line of the longest prefix of `path` that the YAML contained."""
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return None
