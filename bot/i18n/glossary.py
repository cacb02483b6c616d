"""The glossary of legal terms, and the check that translations use the agreed words.

``locales/glossary.yaml`` gives, for each English term, the agreed word in each language (a list
when more than one form is right). A translation whose English contains the term must contain
one of the agreed words. Text inside ``{placeholders}`` is ignored on both sides: ``{prefecture}``
is a value, not the word "prefecture".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.flowdefs.model import PLACEHOLDER
from bot.flowdefs.yamlsafe import YamlRefused, load


@dataclass(frozen=True, slots=True)
class Term:
    """One glossary entry: the English term and the agreed words by language."""

    en: str
    agreed: Mapping[str, tuple[str, ...]]


class GlossaryError(ValueError):
    """The glossary file cannot be read."""


def _plain(text: str) -> str:
    return unicodedata.normalize("NFC", PLACEHOLDER.sub(" ", text)).casefold()


def read_glossary(path: Path) -> list[Term]:
    """Read the glossary; a missing file is an empty glossary."""
    if not path.exists():
        return []
    try:
        doc = load(path.read_text(encoding="utf-8"))
    except YamlRefused as error:
        raise GlossaryError(f"{path}:{error.line}: {error.message}") from None
    rows = doc.data.get("terms") if isinstance(doc.data, dict) else None
    if not isinstance(rows, list):
        raise GlossaryError(f"{path}: 'terms' should be a list")
    terms = []
    for index, row in enumerate(rows):
        if not (isinstance(row, dict) and isinstance(row.get("en"), str)):
            raise GlossaryError(f"{path}:{doc.line('terms', index)}: each term needs 'en'")
        agreed = {
            str(lang): tuple(str(w) for w in (words if isinstance(words, list) else [words]))
            for lang, words in row.items()
            if lang not in ("en", "note")
        }
        terms.append(Term(row["en"], agreed))
    return terms


@cache
def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(term.casefold())}\b")


def terms_in(english: str, terms: list[Term]) -> list[Term]:
    """Return the glossary terms that an English text contains."""
    source = _plain(english)
    return [term for term in terms if _pattern(term.en).search(source)]


def lacking(translation: str, lang: str, present: list[Term]) -> list[Term]:
    """Return the terms of ``present`` whose agreed word a translation does not use."""
    target = _plain(translation)
    return [
        term
        for term in present
        if term.agreed.get(lang) and not any(_plain(w) in target for w in term.agreed[lang])
    ]


def missing_terms(english: str, translation: str, lang: str, terms: list[Term]) -> list[Term]:
    """Return the glossary terms in ``english`` whose agreed word ``translation`` lacks."""
    return lacking(translation, lang, terms_in(english, terms))
