"""How wide text is on a screen, and wrapping it there: a CJK character takes two columns.

Used by the terminal chat (wrapping to the terminal's width) and the flow charts (wrapping
labels). Lines break at spaces, and between wide characters (Chinese and Japanese have no
spaces), never inside a word or a number, and never before closing punctuation. Pure.
"""

from __future__ import annotations

import unicodedata

WIDE = 2
NO_LINE_START = frozenset("。、，．）」』】！？：；,.)!?:;…ー")
"""Characters a line may not start with (Japanese and Chinese line-breaking rules, and ours)."""


def char_columns(char: str) -> int:
    """Columns one character takes: 0 for combining and zero-width, 2 for wide, else 1."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Cf", "Mn", "Me"):
        return 0
    return WIDE if unicodedata.east_asian_width(char) in ("W", "F") else 1


def columns(text: str) -> int:
    """Columns ``text`` takes on one line."""
    return sum(char_columns(char) for char in text)


def _pieces(text: str) -> list[str]:
    """Split into words (with their leading space) and single wide characters."""
    pieces: list[str] = []
    for char in text:
        wide = char_columns(char) == WIDE
        if wide or not pieces or char == " " or char_columns(pieces[-1][-1]) == WIDE:
            pieces.append(char)
        else:
            pieces[-1] += char
    return pieces


def wrap_line(line: str, width: int) -> list[str]:
    """Wrap one line (no newlines) to ``width`` columns; a longer single word stays whole."""
    out: list[str] = []
    current, used = "", 0
    for piece in _pieces(line):
        size = columns(piece)
        if current and used + size > width and piece[0] not in NO_LINE_START:
            out.append(current.rstrip())
            current = piece.lstrip()
            used = columns(current)
            continue
        current, used = current + piece, used + size
    out.append(current.rstrip())
    return out


def wrap(text: str, width: int) -> str:
    """Wrap every line of ``text`` to ``width`` columns, keeping its line breaks."""
    return "\n".join(part for line in text.split("\n") for part in wrap_line(line, width))
