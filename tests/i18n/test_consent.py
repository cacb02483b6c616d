"""The consent text tells the truth about what is kept, in every language, behind a calm line."""

from __future__ import annotations

import pytest

from bot.flowdefs.model import FlowSet
from bot.i18n.catalog import load_translations
from bot.i18n.locales import LANGUAGES

from ..conftest import LOCALES

KEPT = {
    "en": "we keep the number of this Telegram chat",
    "vi": "chúng tôi lưu số của cuộc trò chuyện Telegram này",
    "zh_Hans": "我们会保存这个Telegram聊天的号码",
    "ja": "このTelegramのチャットの番号を、同じように鍵をかけて残します",
}
"""The chat id is kept sealed while the chat goes on and while replies may still reach it."""
NEVER_KEPT_ACCOUNT = {
    "en": "telegram account",
    "vi": "tài khoản telegram",
    "zh_Hans": "telegram账号",
    "ja": "telegramのアカウント",
}
"""The old, untrue promise: the chat id is the account's, as far as a bot can tell."""
NOT_ON_A_LOCKED_SCREEN = {
    "en": ("case", "volunteer", "union"),
    "vi": ("hồ sơ", "tình nguyện viên", "công đoàn"),
    "zh_Hans": ("个案", "志愿者", "工会"),
    "ja": ("ケース", "ボランティア", "ユニオン"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_consent_says_the_chat_number_is_kept_and_how_long(flows: FlowSet, lang: str) -> None:
    text = load_translations(LOCALES, [lang]).get(lang, flows.system["consent"])
    assert KEPT[lang].casefold() in text.casefold()
    assert NEVER_KEPT_ACCOUNT[lang] not in text.casefold()
    first = text.splitlines()[0].casefold()
    assert not [word for word in NOT_ON_A_LOCKED_SCREEN[lang] if word in first]
