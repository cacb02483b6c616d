"""What a translator needs when the English changes: keep, flag and show the old translation.

* ``carry_over``: after Babel merged a new template into a catalog *without* fuzzy matching,
  give a text whose English changed its old translation back, flagged fuzzy, with the English
  it was made for as ``previous_id`` (written as ``#| msgid``). A text is "the same text,
  changed" only when it is the one text of its node (its ``msgctxt``) that went, and one came:
  a new button beside its siblings is new, never a guess from another string.
* ``fuzzy_entries`` / ``describe``: for ``helpline i18n review LANG``, each fuzzy entry's file
  and line, the English before and now (with the changed words marked), and the translation.

Reads and changes catalogs in memory only; files are read and written by ``bot.i18n.tools``.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message


@dataclass(frozen=True, slots=True)
class Before:
    """What an entry was before the update: enough to carry its translation over."""

    id: str
    string: str
    fuzzy: bool
    previous: str  # the English the translation was last reviewed against ("" if not fuzzy)


def snapshot(catalog: Catalog) -> dict[tuple[str, str], Before]:
    """Remember each translated entry by (context, English) before an update."""
    found: dict[tuple[str, str], Before] = {}
    for message in catalog:
        if message.id and isinstance(message.id, str) and isinstance(message.string, str):
            previous = message.previous_id[0] if message.previous_id else ""
            found[(message.context or "", message.id)] = Before(
                message.id, message.string, message.fuzzy, previous
            )
    return found


def carry_over(before: dict[tuple[str, str], Before], catalog: Catalog) -> int:
    """Give changed texts their old translation, fuzzy, with the old English; return how many.

    Also keeps the reviewed-against English of entries that stay fuzzy, and forgets it for
    entries a translator has cleared (no ``#, fuzzy`` any more).
    """
    now = {(m.context or "", m.id) for m in catalog if m.id and isinstance(m.id, str)}
    gone: dict[str, list[Before]] = defaultdict(list)
    for (context, _), was in before.items():
        if (context, was.id) not in now and was.string:
            gone[context].append(was)
    came: dict[str, list[Message]] = defaultdict(list)
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        old = before.get((message.context or "", message.id))
        if old is None:
            came[message.context or ""].append(message)
        elif message.fuzzy and old.previous:
            message.previous_id = [old.previous]
        elif not message.fuzzy:
            message.previous_id = []
    carried = 0
    for context, new in came.items():
        if context and len(new) == 1 and len(gone[context]) == 1:
            old = gone[context][0]
            message = new[0]
            message.string = old.string
            message.flags.add("fuzzy")
            message.previous_id = [old.previous if old.fuzzy and old.previous else old.id]
            carried += 1
    return carried


@dataclass(frozen=True, slots=True)
class Review:
    """One fuzzy entry, as a translator reviews it."""

    path: Path
    line: int
    context: str
    before: str  # the English the translation was made for ("" if not known)
    now: str
    translation: str


def fuzzy_entries(path: Path, catalog: Catalog) -> Iterator[Review]:
    """Yield the catalog's fuzzy entries in file order."""
    for message in catalog:
        if message.id and message.fuzzy and isinstance(message.id, str):
            yield Review(
                path,
                message.lineno or 0,
                message.context or "",
                message.previous_id[0] if message.previous_id else "",
                message.id,
                message.string if isinstance(message.string, str) else "",
            )


def changed_words(before: str, now: str) -> str:
    """Mark what changed between two English texts: ``[-old-]`` and ``{+new+}``."""
    old, new = before.split(" "), now.split(" ")
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new).get_opcodes():
        if tag == "equal":
            out.append(" ".join(old[i1:i2]))
            continue
        if i2 > i1:
            out.append("[-" + " ".join(old[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(new[j1:j2]) + "+}")
    return " ".join(out)


def describe(review: Review, shown_path: str) -> list[str]:
    """Return the lines ``helpline i18n review`` prints for one entry."""
    lines = [f"{shown_path}:{review.line}  ({review.context})"]
    if review.before:
        lines.append("  English before: " + _indent(review.before))
        lines.append("  English now:    " + _indent(review.now))
        lines.append("  What changed:   " + _indent(changed_words(review.before, review.now)))
    else:
        lines.append("  English now:    " + _indent(review.now))
        lines.append("  (the English it was made for is not known)")
    lines.append("  Translation:    " + _indent(review.translation or "(empty)"))
    lines.append(
        "  If the translation still says what the English now says (change it if not), "
        "delete this entry's '#, fuzzy' line."
    )
    return lines


def _indent(text: str) -> str:
    return text.replace("\n", "\n" + " " * 18)
