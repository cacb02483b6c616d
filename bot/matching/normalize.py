"""One form for everything people type, so that "Hộ chiếu", "ho chieu", "護照" and "ゴ" match.

``normalize`` is the matching key of a message or an example: the project's ``fold`` (cleaned,
NFKC so full-width letters and half-width katakana become ordinary ones, case-folded), then
Vietnamese (and any Latin) tone and accent marks removed (``đ`` becomes ``d``), katakana folded
to hiragana, Traditional Chinese folded to Simplified, and emoji, symbols and punctuation turned
into spaces. ``script_hint`` tells which language a text's script proves, if any.

Pure: standard library and this project's pure modules only; never logs, never keeps a text.
"""

from __future__ import annotations

import re
import unicodedata

from bot.matching.hanzi import to_simplified
from bot.textnorm import fold

_KATAKANA = range(0x30A1, 0x30F7)
_KANA = range(0x3040, 0x3100)
_HALF_WIDTH_KANA = range(0xFF66, 0xFF9E)
_HAN = (range(0x3400, 0xA000), range(0xF900, 0xFB00))
_LATIN_MARKS = range(0x0300, 0x0370)
_SPACES = re.compile(r"\s+")
_VIETNAMESE_ONLY = frozenset("ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")


def _fold_char(ch: str) -> str:
    code = ord(ch)
    if code in _KATAKANA:
        return chr(code - 0x60)
    if ch.isalnum() or ch in "ー々":
        return ch
    return " "  # punctuation, emoji, symbols: word breaks


def normalize(text: str) -> str:
    """Return the matching key of ``text``."""
    folded = fold(text).replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", folded)
    unmarked = "".join(ch for ch in decomposed if ord(ch) not in _LATIN_MARKS)
    composed = unicodedata.normalize("NFC", unmarked)
    simple = to_simplified("".join(_fold_char(ch) for ch in composed))
    return _SPACES.sub(" ", simple).strip()


def is_cjk(ch: str) -> bool:
    """Whether ``ch`` is a Han character or kana (written without spaces between words)."""
    code = ord(ch)
    return code in _KANA or any(code in block for block in _HAN)


def han_only(text: str) -> str | None:
    """``zh`` for a text of Han characters with no kana and no letters: most likely Chinese.

    Not proof (Japanese can be written in kanji alone), so only the ranking leans on it.
    """
    if any(ch.isascii() and ch.isalpha() for ch in text):
        return None
    if any(is_cjk(ch) for ch in text) and not any(ord(ch) in _KANA for ch in text):
        return "zh"
    return None


def script_hint(text: str) -> str | None:
    """The language a text's letters prove: kana is Japanese, Vietnamese letters Vietnamese.

    Han characters alone prove nothing (Japanese writes them too), nor do plain Latin letters
    (English, or Vietnamese typed without tones): then None, and the examples decide.
    """
    folded = fold(text)
    if any(ord(ch) in _KANA or ord(ch) in _HALF_WIDTH_KANA for ch in text):
        return "ja"
    if any(ch in _VIETNAMESE_ONLY for ch in folded):
        return "vi"
    return None
