"""Turn the engine's language-free texts into strings in one language.

Translates with the catalogs and fills ``{placeholders}`` with values formatted for the
language: yen as ¥120,000, 120.000 ¥, 120,000日元 or 120,000円; numbers with the local
decimal mark; dates as "18 tháng 10 năm 2025", "October 18, 2025" or "2025年10月18日";
prefectures by their local name; and ``{phone.<id>}`` with a verified number from the help
directory.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, format_decimal

from bot.calculators.base import ReferenceData
from bot.contacts import PHONE_PLACEHOLDER
from bot.flowdefs.model import PLACEHOLDER, Msg
from bot.i18n.catalog import Translations
from bot.i18n.locales import babel_locale
from bot.values import Choice, Day, Flag, Number, Prefecture, Text, Value, Yen

YEN_WORD = {"zh_Hans": "日元", "ja": "円"}
"""Languages that write yen as a word after the number."""

DATE_PATTERNS = {"vi": "d 'tháng' M 'năm' y"}
"""Date patterns where Babel's written-out form reads oddly ("18 tháng 10 năm 2025")."""

GROUPING_FROM = 10_000
"""Numbers from here on get a thousands mark."""

MISSING = "…"
"""Shown for a placeholder with no value (the checker makes this unreachable)."""


class Renderer:
    """Renders texts and values in any of the helpline's languages."""

    def __init__(self, translations: Translations, data: ReferenceData) -> None:
        self.translations = translations
        self.prefectures = data.prefectures
        self.contacts = data.contacts

    def value(self, value: Value, lang: str) -> str:
        """Format one value for ``lang``."""
        locale = babel_locale(lang)
        match value:
            case Yen(amount):
                if lang in YEN_WORD:  # "1,140円" reads better than "￥1,140" or "JP¥1,140"
                    return f"{format_decimal(amount, locale=locale)}{YEN_WORD[lang]}"
                return str(format_currency(amount, "JPY", locale=locale))
            case Number(number):
                # Years and hours read best without a thousands mark (2025, not 2,025).
                pattern = "#,##0.##" if abs(number) >= GROUPING_FROM else "0.##"
                return str(format_decimal(number, format=pattern, locale=locale))
            case Day(day):
                if lang in DATE_PATTERNS:
                    return str(format_date(day, DATE_PATTERNS[lang], locale=locale))
                return str(format_skeleton("yMMMMd", day, locale=locale))
            case Prefecture(pref_id):
                return self.prefectures.name(pref_id, lang)
            case Text(text) | Choice(text):
                return text
            case Flag(flag):
                return "✓" if flag else "✗"

    def text(self, msg: Msg, lang: str, params: Mapping[str, Value] | None = None) -> str:
        """Translate ``msg`` into ``lang`` and fill in its placeholders."""
        template = self.translations.get(lang, msg)
        if not params and "{" not in template:
            return template
        values = params or {}

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith(PHONE_PLACEHOLDER):
                return self.contacts.phone(name.removeprefix(PHONE_PLACEHOLDER)) or MISSING
            found = values.get(name)
            return self.value(found, lang) if found is not None else MISSING

        return PLACEHOLDER.sub(fill, template)
