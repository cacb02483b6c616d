"""Every message's first line is neutral: it is what a locked phone's screen shows (goal T3)."""

from __future__ import annotations

import pytest

from bot.flowdefs.model import FlowSet, all_messages
from bot.i18n.catalog import load_translations
from bot.i18n.locales import LANGUAGES

from ..conftest import LOCALES

DENY = {
    "en": ("union", "labour", "labor", "abuse", "trafficking", "exploitation", "helpline"),
    "vi": ("công đoàn", "lao động", "bóc lột", "lạm dụng", "buôn người"),
    "zh_Hans": ("工会", "劳动", "剥削", "虐待", "贩卖"),
    "ja": ("労働", "組合", "相談", "搾取", "虐待"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_first_line_names_labour_unions_or_abuse(flows: FlowSet, lang: str) -> None:
    translations = load_translations(LOCALES, [lang])
    offenders = []
    for msg, path, node in all_messages(flows):
        first = translations.get(lang, msg).splitlines()[0].casefold()
        found = [word for word in DENY[lang] if word in first]
        if found:
            offenders.append(f"{path}: {node or msg.context}: {found}: {first[:60]}")
    assert offenders == []
