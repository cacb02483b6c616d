"""Read maintainers' YAML files safely, remembering the line of every key.

Only plain YAML is accepted: PyYAML's safe loader (never ``yaml.load``), no aliases (a 254-byte
alias bomb expands to 28 MB), no tags beyond plain text, numbers, dates, lists and mappings, no
duplicate keys (YAML would silently keep the last one), and at most ``MAX_BYTES`` per file.
Every refusal says the line and why. The file is parsed once, with libyaml when available.

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

# libyaml (the fast C parser, used when PyYAML has it) words some problems differently.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SAME_PROBLEM = {
    "mapping values are not allowed in this context": "mapping values are not allowed here"
}
PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)
_HINTS = {
    "mapping values are not allowed here": (
        ". A text containing ': ' must be put in quotes, like say: \"For example: Aichi\""
    ),
}
_TAB_HINT = ". Use spaces, not tabs, to indent"
_QUOTE_HINT = ". A text starting with @, ` or % must be put in quotes"


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


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int], seen: set[int]) -> None:
    """Refuse aliases and custom tags, find duplicate keys, and note each key's line."""
    line = node.start_mark.line + 1
    if id(node) in seen:  # the composer hands out the same node again only for an alias
        raise YamlRefused(
            line,
            "this part is repeated elsewhere with '*' (a YAML alias); write it out in full "
            "at each place instead (aliases are not allowed)",
        )
    seen.add(id(node))
    if node.tag not in PLAIN_TAGS:
        raise YamlRefused(line, f"the tag '{node.tag}' is not allowed; remove it")
    if isinstance(node, yaml.MappingNode):
        keys: dict[str, int] = {}
        for key_node, value_node in node.value:
            _walk(key_node, path, {}, seen)
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in keys:
                raise YamlRefused(
                    line,
                    f"'{key}' appears twice here (first on line "
                    f"{keys[key]}); YAML would silently keep only the last one",
                )
            keys[key] = line
            lines[(*path, key)] = line
            _walk(value_node, (*path, key), lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), lines, seen)


def load(text: str) -> Document:
    """Parse ``text``; raise ``YamlRefused`` for anything but plain, safe YAML."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise YamlRefused(
            0,
            f"the file is {size:,} bytes; the limit is {MAX_BYTES:,}. Split it into several flows",
        )
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        lines: dict[Path, int] = {}
        data = None
        if root is not None:
            _walk(root, (), lines, set())
            data = loader.construct_document(root)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problem = error.problem or str(error)
        problem = _SAME_PROBLEM.get(problem, problem)
        hint = _HINTS.get(problem, "")
        if "cannot start any token" in problem:
            source = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
            hint = _TAB_HINT if "\t" in source else _QUOTE_HINT
        raise YamlRefused(line, f"this is not valid YAML: {problem}{hint}") from None
    except yaml.YAMLError as error:
        raise YamlRefused(0, f"this is not valid YAML: {error}") from None
    finally:
        loader.dispose()
    return Document(data, lines)
