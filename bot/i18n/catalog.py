"""Read the gettext catalogs in ``locales/<lang>/LC_MESSAGES/messages.po``.

The running helpline reads the ``.po`` files directly (with Babel), so a maintainer's edit
takes effect on the next start (or SIGHUP) without a compile step. A ``.mo`` file written by
``helpline i18n compile`` (the container image does) is read instead while it is at least as
new as its ``.po``: an edit made after compiling always wins. Fuzzy and empty entries are never
used: the English source is shown instead, and ``helpline i18n check`` fails until they are
translated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, unescape

from bot.flowdefs.model import Msg

DOMAIN = "messages"


def po_path(locales_dir: Path, lang: str) -> Path:
    """Return where the catalog for ``lang`` lives."""
    return locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path, lang: str) -> Catalog:
    """Read one ``.po`` file, with each fuzzy entry's previous English (``#| msgid``)."""
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    for message in catalog:
        restore_previous(message)
    return catalog


def restore_previous(message: Message) -> None:
    """Move ``#| msgid "..."`` lines from the comments back into ``previous_id``.

    Babel writes a fuzzy entry's previous source as ``#|`` lines but reads them back as
    ordinary translator comments; without this they would pile up on every update.
    """
    kept: list[str] = []
    parts: list[str] = []
    for comment in message.user_comments:
        if not comment.startswith("|"):
            kept.append(comment)
            continue
        line = comment[1:].strip()
        if line.startswith("msgid "):
            line = line[len("msgid ") :].strip()
        if line.startswith('"'):
            parts.append(unescape(line))
    if parts or len(kept) != len(message.user_comments):
        message.user_comments = kept
        message.previous_id = ["".join(parts)] if parts else []


@dataclass(frozen=True, slots=True)
class Translations:
    """Translated texts by language, keyed by (context, English source)."""

    texts: Mapping[str, Mapping[tuple[str, str], str]]

    def get(self, lang: str, msg: Msg) -> str:
        """Return ``msg`` in ``lang``, or the English source if there is no usable translation."""
        return self.texts.get(lang, {}).get((msg.context, msg.text), msg.text)

    def has(self, lang: str, msg: Msg) -> bool:
        """Return whether ``lang`` has a usable translation of ``msg``."""
        return (msg.context, msg.text) in self.texts.get(lang, {})


def usable(catalog: Catalog) -> dict[tuple[str, str], str]:
    """Return the translated, non-fuzzy entries of a catalog."""
    found: dict[tuple[str, str], str] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not isinstance(message.string, str):
            continue
        if message.string and isinstance(message.id, str):
            found[(message.context or "", message.id)] = message.string
    return found


def load_translations(locales_dir: Path, languages: Iterable[str]) -> Translations:
    """Read every language's catalog that exists (missing ones fall back to English)."""
    texts = {}
    for lang in languages:
        path = po_path(locales_dir, lang)
        compiled = path.with_suffix(".mo")
        if compiled.exists() and (
            not path.exists() or compiled.stat().st_mtime >= path.stat().st_mtime
        ):
            with compiled.open("rb") as handle:
                texts[lang] = usable(read_mo(handle))
        elif path.exists():
            texts[lang] = usable(read_catalog(path, lang))
    return Translations(texts)
