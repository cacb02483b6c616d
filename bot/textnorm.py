"""Normalise what people type, so that matching is safe and forgiving.

Pure functions over strings. Two paths, as the security goals ask (I6):

* ``clean`` keeps a text as the person wrote it (NFC), minus characters that can only hide or
  reorder what is shown: bidirectional controls, zero-width characters, other control characters
  and lone surrogates. Use it for free text that is kept or shown to someone.
* ``fold`` goes further for matching codes, numbers, commands and names: NFKC (full-width digits
  and the full-width yen sign become ASCII), case-folded, spaces collapsed.

This module may not import anything outside the standard library.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that change how text is displayed without being visible (Trojan Source,
# CVE-2021-42574), and zero-width characters that can hide inside numbers and codes.
_INVISIBLE = frozenset(
    [
        *map(chr, range(0x202A, 0x202F)),  # LRE RLE PDF LRO RLO
        *map(chr, range(0x2066, 0x206A)),  # LRI RLI FSI PDI
        "\u200e",  # left-to-right mark
        "\u200f",  # right-to-left mark
        "\u061c",  # Arabic letter mark
        *map(chr, range(0x200B, 0x200E)),  # zero-width space, non-joiner, joiner
        *map(chr, range(0x2060, 0x2065)),  # word joiner, invisible operators
        "\ufeff",  # zero-width no-break space (BOM)
        "\u180e",  # Mongolian vowel separator
        "\u00ad",  # soft hyphen
    ]
)
_KEEP_CONTROLS = frozenset("\n\t")
SURROGATES = (0xD800, 0xDFFF)
_SPACES = re.compile(r"\s+")


def _visible(ch: str) -> bool:
    if ch in _INVISIBLE:
        return False
    if SURROGATES[0] <= ord(ch) <= SURROGATES[1]:  # cannot be encoded, so cannot be kept
        return False
    return not (unicodedata.category(ch) == "Cc" and ch not in _KEEP_CONTROLS)


def clean(text: str) -> str:
    """Return ``text`` in NFC without invisible, reordering or control characters."""
    return unicodedata.normalize("NFC", "".join(ch for ch in text if _visible(ch)))


def fold(text: str) -> str:
    """Return a matching key for ``text``: cleaned, NFKC, case-folded, single-spaced."""
    folded = unicodedata.normalize("NFKC", clean(text)).casefold()
    return _SPACES.sub(" ", folded).strip()


def strip_marks(text: str) -> str:
    """Remove diacritics (Tōkyō → Tokyo, Đà Nẵng → Da Nang) after folding."""
    decomposed = unicodedata.normalize("NFKD", fold(text).replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
