"""Japan's prefectures: their names in each language, and matching what a trainee types.

Pure data and lookups; loading the YAML file is ``bot.flowdefs.data``'s job. Matching is
forgiving about case, diacritics, full-width letters, spaces and the suffixes people add or leave
out (県, 县, 都, 府, "prefecture", "tỉnh", "-ken"), but never guesses between two prefectures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.textnorm import strip_marks

# Whole words or endings that only say "prefecture"; removed before comparing.
_SUFFIXES = re.compile(r"(prefecture|pref\.?|tinh|-ken|ken|県|县|都|府|道)$")
_PREFIXES = re.compile(r"^(tinh|prefecture of)\s*")
_ROMAJI_SUFFIX = re.compile(r"[-\s](ken|fu|to|do)$")  # Osaka-fu, Tokyo-to, Aichi ken
_NOISE = re.compile(r"[\s\-・.·,]+")


def _key(name: str) -> str:
    text = _ROMAJI_SUFFIX.sub("", strip_marks(name))
    text = _PREFIXES.sub("", text)
    text = _NOISE.sub("", text)
    stripped = _SUFFIXES.sub("", text)
    # 北海道 and 京都 must not lose their last character entirely.
    return stripped if len(stripped) >= 2 else text  # noqa: PLR2004 - two characters


@dataclass(frozen=True, slots=True)
class PrefectureInfo:
    """One prefecture: id, JIS code, names by language and extra spellings."""

    id: str
    code: int
    names: Mapping[str, str]
    aliases: tuple[str, ...] = ()


class PrefectureTable:
    """All prefectures, with name lookups in every language."""

    def __init__(self, prefectures: Iterable[PrefectureInfo]) -> None:
        self._by_id = {p.id: p for p in prefectures}
        index: dict[str, set[str]] = {}
        for pref in self._by_id.values():
            for spelling in (pref.id, *pref.names.values(), *pref.aliases):
                for key in {_key(spelling), strip_marks(spelling)}:
                    index.setdefault(key, set()).add(pref.id)
        # A spelling shared by two prefectures would be a guess, so it matches neither.
        self._index = {key: next(iter(ids)) for key, ids in index.items() if len(ids) == 1}

    def __contains__(self, pref_id: object) -> bool:
        return pref_id in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    @property
    def ids(self) -> tuple[str, ...]:
        """Ids in JIS code order."""
        return tuple(sorted(self._by_id, key=lambda pid: self._by_id[pid].code))

    def match(self, text: str) -> str | None:
        """Return the id of the prefecture ``text`` names, or None."""
        for key in (strip_marks(text), _key(text)):
            if key in self._index:
                return self._index[key]
        return None

    def name(self, pref_id: str, lang: str) -> str:
        """Return the prefecture's name in ``lang``, falling back to English, then the id."""
        pref = self._by_id.get(pref_id)
        if pref is None:
            return pref_id
        return pref.names.get(lang) or pref.names.get("en") or pref_id
