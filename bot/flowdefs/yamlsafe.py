"""Read maintainers' YAML files safely, remembering the line of every key.

Only plain YAML is accepted: ``yaml.safe_load`` (never ``yaml.load``), no anchors or aliases (a
254-byte alias bomb expands to 28 MB), no explicit tags, no duplicate keys (YAML would silently
keep the last one), and at most ``MAX_BYTES`` per file. Every refusal says the line and why.

May import PyYAML; may not import the engine, babel or anything that does I/O beyond the text
it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

MAX_BYTES = 256 * 1024
"""Largest flow or data file accepted (security goal I4)."""

Path = tuple[str | int, ...]

_HINTS = {
    "mapping values are not allowed here": (
        ". A text containing ': ' must be put in quotes, like say: \"For example: Aichi\""
    ),
    "found character '\\t' that cannot start any token": (". Use spaces, not tabs, to indent"),
}


class YamlRefused(ValueError):
    """The file is not plain, safe YAML; ``line`` is 1-based (0 when unknown)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Document:
    """Parsed YAML data plus the line where each key or list item starts."""

    data: Any
    lines: Mapping[Path, int]

    def line(self, *path: str | int) -> int:
        """Return the line of ``path``, or of its nearest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1


def _refuse_unsafe_events(text: str) -> None:
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent):
            raise YamlRefused(
                line,
                f"'*{event.anchor}' repeats another part of the file; "
                "write the text out in full instead (aliases are not allowed)",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise YamlRefused(
                line, f"'&{anchor}' marks text for repeating; remove it (anchors are not allowed)"
            )
        tag = getattr(event, "tag", None)
        implicit = getattr(event, "implicit", True)
        explicit = tag is not None and (implicit is False or implicit == (False, False))
        if explicit and isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
            raise YamlRefused(line, f"the tag '{tag}' is not allowed; remove it")


def _record_lines(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise YamlRefused(
                    line,
                    f"'{key}' appears twice here (first on line "
                    f"{seen[key]}); YAML would silently keep only the last one",
                )
            seen[key] = line
            lines[(*path, key)] = line
            _record_lines(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _record_lines(item, (*path, index), lines)


def load(text: str) -> Document:
    """Parse ``text``; raise ``YamlRefused`` for anything but plain, safe YAML."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise YamlRefused(
            0,
            f"the file is {size:,} bytes; the limit is {MAX_BYTES:,}. Split it into several flows",
        )
    try:
        _refuse_unsafe_events(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        lines: dict[Path, int] = {}
        if root is not None:
            _record_lines(root, (), lines)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problem = error.problem or str(error)
        hint = _HINTS.get(problem, "")
        raise YamlRefused(line, f"this is not valid YAML: {problem}{hint}") from None
    except yaml.YAMLError as error:
        raise YamlRefused(0, f"this is not valid YAML: {error}") from None
    return Document(data, lines)
