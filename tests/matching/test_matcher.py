"""The matcher: how people write (tones, scripts, kana, width, typos, emoji) and danger words.

Runs on the real trigger phrases (flows/data/triggers.yaml), as the helpline does.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.flowdefs.folder import load_flowset
from bot.matching import DANGER_TARGET, OFFERED, Confidence, Matcher
from bot.matching.hanzi import to_simplified
from bot.matching.normalize import normalize, script_hint

from ..conftest import FLOWS

MATCHER = Matcher(load_flowset(FLOWS, date(2026, 12, 7))[0].triggers)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Tôi bị giữ HỘ CHIẾU!!", "toi bi giu ho chieu"),
        ("ĐÁNH tôi 😭😭", "danh toi"),
        ("公司拿走了我的護照。", "公司拿走了我的护照"),
        ("ｸﾋﾞになりました", "くびになりました"),
        ("クビ", "くび"),
        ("ＰＡＳＳＰＯＲＴ　ｔａｋｅｎ", "passport taken"),
        ("パスポートが", "ぱすぽーとが"),  # the voiced mark survives, the tone marks do not
    ],
)
def test_normalize_folds_how_people_write(typed: str, key: str) -> None:
    assert normalize(typed) == key


def test_traditional_characters_fold_to_simplified() -> None:
    assert to_simplified("護照被老闆拿走，薪資也沒發") == "护照被老板拿走，薪资也没发"


@pytest.mark.parametrize(
    ("typed", "lang"),
    [("パスポート", "ja"), ("hộ chiếu", "vi"), ("ho chieu", None), ("护照", None)],
)
def test_the_script_proves_a_language_only_when_it_can(typed: str, lang: str | None) -> None:
    assert script_hint(typed) == lang


@pytest.mark.parametrize(
    ("typed", "target"),
    [
        ("tôi bị công ty giữ hộ chiếu", "passport"),  # the examples
        ("ho chieu bi cong ty giu", "passport"),
        ("公司拿走了我的护照", "passport"),
        ("公司拿走了我的護照", "passport"),
        ("クビになりました", "dismissal"),
        ("ｸﾋﾞになりました", "dismissal"),
        ("ho chiue bi giu", "passport"),  # a typo
        ("my pasport was taken by the compnay", "passport"),
        ("cty khong tra luong 3 thang 😡", "unpaid_wages"),
        ("パスポート bi cty giu", "passport"),  # two languages in one message
    ],
)
def test_the_right_target_is_offered(typed: str, target: str) -> None:
    found = MATCHER.match(typed)
    assert target in found.targets
    assert len(found.targets) <= OFFERED


@pytest.mark.parametrize(
    "typed",
    ["họ đánh tôi", "ho danh toi", "被老闆打了", "社長になぐられた", "i want to die", "sân bay"],
)
def test_words_of_danger_are_danger_and_come_first(typed: str) -> None:
    found = MATCHER.match(typed)
    assert found.danger
    assert found.targets[0] == DANGER_TARGET


@pytest.mark.parametrize(
    "typed",
    ["tat ca luong bi tru", "đánh giá công việc", "打电话给公司", "給料が安い", "hi"],
)
def test_ordinary_words_are_not_danger(typed: str) -> None:
    found = MATCHER.match(typed)
    assert not found.danger
    assert DANGER_TARGET not in found.targets[:1]


@pytest.mark.parametrize("typed", ["", "👍", "asdfgh qwerty", "12345", "?"])
def test_nothing_alike_gets_low_confidence_and_no_guess(typed: str) -> None:
    found = MATCHER.match(typed)
    assert (found.targets, found.confidence, found.danger) == ((), Confidence.LOW, False)


@pytest.mark.parametrize(
    ("typed", "lang"),
    [("tôi bị giữ hộ chiếu", "vi"), ("公司拿走了我的护照", "zh_Hans"), ("クビになった", "ja")],
)
def test_the_language_of_a_text_is_told(typed: str, lang: str) -> None:
    assert MATCHER.match(typed).lang == lang


def test_a_match_holds_no_text() -> None:
    found = MATCHER.match("ho chieu bi cong ty giu")
    assert "ho chieu" not in repr(found)
