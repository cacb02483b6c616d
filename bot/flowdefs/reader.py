"""Read parts of a maintainer's YAML file, collecting every problem with its line.

``Reader`` wraps one parsed file: it checks the type of a value (text, name), reports unknown
keys with a did-you-mean, and explains YAML's surprises (``yes`` read as true, a comma inside a
button label). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.flowdefs.problems import Problem, did_you_mean
from bot.flowdefs.yamlsafe import Document

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
"""Flow, node and value names: lowercase letters, digits and _, starting with a letter."""


def _yaml_word(value: bool | float) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


class Reader:
    """Collects problems for one file while reading its parts."""

    def __init__(self, path: str, doc: Document) -> None:
        self.path = path
        self.doc = doc
        self.problems: list[Problem] = []

    def problem(self, where: tuple[str | int, ...], node: str | None, message: str) -> None:
        """Report a problem at the line of ``where``."""
        self.problems.append(Problem(self.path, self.doc.line(*where), node, message))

    def unknown_keys(
        self,
        data: Mapping[Any, Any],
        allowed: tuple[str, ...],
        where: tuple[str | int, ...],
        node: str | None,
        what: str,
    ) -> None:
        """Report every key of ``data`` that is not in ``allowed``, with a likely fix."""
        for key in data:
            if str(key) in allowed:
                continue
            if data[key] is None and what == "a button" and "label" in data:
                self.problem(
                    (*where, key),
                    node,
                    f"'{key}' looks like part of the button's label: "
                    "a comma inside {label: ...} starts a new key, so put the label in "
                    'quotes, like {label: "Passport, bank book", next: ...}',
                )
            else:
                hint = did_you_mean(str(key), allowed)
                self.problem(
                    (*where, key),
                    node,
                    f"unknown key '{key}' in {what}.{hint or ' Known keys: '}"
                    + ("" if hint else ", ".join(allowed)),
                )

    def text(
        self, value: object, where: tuple[str | int, ...], node: str | None, what: str
    ) -> str | None:
        """Return ``value`` as non-empty text, or report what it is instead."""
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, bool | int | float):
            # YAML reads yes, no, on, off, true and false as true/false, and 12 as a number.
            self.problem(
                where,
                node,
                f"'{where[-1]}' should be {what}; YAML read it as "
                f"{str(value).lower()}, so put it in quotes, like "
                f'{where[-1]}: "{_yaml_word(value)}"',
            )
            return None
        shown = {type(None): "nothing", list: "a list", dict: "a mapping"}.get(
            type(value), f"a {type(value).__name__}"
        )
        self.problem(where, node, f"'{where[-1]}' should be {what}, but it is {shown}")
        return None

    def name(
        self, value: object, where: tuple[str | int, ...], node: str | None, what: str
    ) -> str | None:
        """Return ``value`` as a valid name (lowercase, digits, _), or report the problem."""
        text = self.text(value, where, node, what)
        if text is not None and not NAME.match(text):
            self.problem(
                where,
                node,
                f"'{text}' is not a valid {what}: use lowercase letters, "
                "digits and _ only, starting with a letter",
            )
            return None
        return text
