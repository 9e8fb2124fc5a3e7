"""YAML loading that remembers the line of every key, so errors can name it."""

from __future__ import annotations

from typing import Any

import yaml

from tierdesk.errors import PolicyError

Path = tuple[str | int, ...]

# Maximum number of values a policy may expand to. Aliases (*name) repeat an
# anchored node, so a few lines of YAML can expand exponentially ("billion
# laughs"). Real policies have a few thousand values.
MAX_VALUES = 200_000


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
    data = _Converter(file).convert(node, (), lines)
    return data, lines


class _Converter:
    """Node-to-data conversion that bounds alias expansion and rejects cycles."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.values = 0
        self.open_nodes: set[int] = set()

    def convert(self, node: yaml.Node, path: Path, lines: dict[Path, int]) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise PolicyError(
                f"the policy expands to more than {MAX_VALUES:,} values; an alias "
                "(*name) probably repeats a large anchor, so write the values out",
                file=self.file,
                line=node.start_mark.line + 1,
                path=format_path(path),
            )
        if id(node) in self.open_nodes:
            raise PolicyError(
                "an alias (*name) refers to a mapping or list that contains it",
                file=self.file,
                line=node.start_mark.line + 1,
                path=format_path(path),
            )
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            return _convert(node, path, lines, self.file, self)
        self.open_nodes.add(id(node))
        try:
            return _convert(node, path, lines, self.file, self)
        finally:
            self.open_nodes.discard(id(node))


def _convert(
    node: yaml.Node,
    path: Path,
    lines: dict[Path, int],
    file: str,
    converter: _Converter,
) -> Any:
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
            result[key] = converter.convert(value_node, child, lines)
            lines[child] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            converter.convert(item, (*path, index), lines)
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
    if node.tag == "tag:yaml.org,2002:merge":
        raise PolicyError(
            "merge keys (<<) are not supported; write the keys out",
            file=file,
            line=node.start_mark.line + 1,
        )
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError) as exc:
        # An unknown tag such as !custom, or a value its tag cannot take, such
        # as the date 2024-02-30 or !!int abc.
        problem = getattr(exc, "problem", None) or str(exc)
        raise PolicyError(
            f"invalid value {node.value!r}: {problem}",
            file=file,
            line=node.start_mark.line + 1,
        ) from None
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
