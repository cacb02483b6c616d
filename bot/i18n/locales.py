"""The helpline's languages, each named in itself, and a first guess from Telegram.

English is the source language of every text; Vietnamese, Simplified Chinese and Japanese are
the trainees' languages. Telegram sends an IETF tag (``vi``, ``zh-hans``, ``zh-cn``, ``ja``,
``en-US``); Babel's negotiation compares strings only, so this module parses the tag and decides
by language: any Chinese becomes ``zh_Hans`` (Simplified), the only Chinese we have.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

SOURCE = "en"
TRAINEE_LANGUAGES = ("vi", "zh_Hans", "ja")
LANGUAGES = (*TRAINEE_LANGUAGES, SOURCE)
"""Every language a trainee can pick, in the order the picker shows them."""

NATIVE_NAMES = {
    "vi": "Tiếng Việt",
    "zh_Hans": "中文（简体）",
    "ja": "日本語",
    "en": "English",
}
"""Each language named in itself, as the picker shows it."""


def guess(language_code: str | None) -> str | None:
    """Return the helpline language for a Telegram ``language_code``, or None."""
    if not language_code:
        return None
    try:
        locale = Locale.parse(language_code.replace("_", "-"), sep="-")
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    if locale.language == "zh":
        return "zh_Hans"
    return locale.language if locale.language in LANGUAGES else None


def babel_locale(lang: str) -> Locale:
    """Return the Babel locale used to format numbers, money and dates in ``lang``."""
    return Locale.parse(lang)
