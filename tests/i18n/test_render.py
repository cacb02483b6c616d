"""Rendering texts in a language: values formatted per locale, numbers only from the directory."""

from __future__ import annotations

import os
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.flowdefs.conditions import holds, parse
from bot.flowdefs.model import FlowSet, Msg
from bot.i18n.catalog import Translations, load_translations, po_path
from bot.i18n.locales import TRAINEE_LANGUAGES
from bot.i18n.render import MISSING, Renderer
from bot.i18n.tools import compile_catalogs
from bot.values import Choice, Day, Number, Prefecture, Yen

from ..conftest import LOCALES


@pytest.fixture(name="renderer")
def _renderer(flows: FlowSet) -> Renderer:
    return Renderer(Translations({}), flows.data)


def test_a_verified_number_comes_from_the_directory(renderer: Renderer) -> None:
    text = renderer.text(Msg("x", "Call {phone.houterasu} or {phone.labour_hotline}"), "en")
    assert text == "Call 0570-078377 or 0120-811-610"


def test_an_unverified_or_unknown_number_is_never_shown(renderer: Renderer) -> None:
    assert renderer.text(Msg("x", "{phone.otit_vi}"), "vi") == MISSING
    assert renderer.text(Msg("x", "{phone.nobody}"), "vi") == MISSING


@pytest.mark.parametrize(
    ("lang", "amount", "year", "big", "day", "place"),
    [
        ("en", "¥1,140", "2025", "12,345", "October 18, 2025", "Aichi"),
        ("vi", "1.140\xa0¥", "2025", "12.345", "18 tháng 10 năm 2025", "Aichi"),
        ("zh_Hans", "1,140日元", "2025", "12,345", "2025年10月18日", "爱知县"),
        ("ja", "1,140円", "2025", "12,345", "2025年10月18日", "愛知県"),
    ],
)
def test_values_are_formatted_for_the_language(
    renderer: Renderer, lang: str, amount: str, year: str, big: str, day: str, place: str
) -> None:
    assert renderer.value(Yen(1140), lang) == amount
    assert renderer.value(Number(Decimal(2025)), lang) == year  # a year gets no thousands mark
    assert renderer.value(Number(Decimal(12345)), lang) == big
    assert renderer.value(Day(date(2025, 10, 18)), lang) == day
    assert renderer.value(Prefecture("aichi"), lang) == place


def test_decimal_hours_use_the_local_decimal_mark(renderer: Renderer) -> None:
    assert renderer.value(Number(Decimal("7.5")), "vi") == "7,5"
    assert renderer.value(Number(Decimal("7.5")), "ja") == "7.5"


def test_conditions_compare_prefectures_and_button_values() -> None:
    variables = {"prefecture": Prefecture("aichi"), "night": Choice("yes"), "pay": Yen(100)}
    assert holds(parse("prefecture == aichi"), variables)
    assert not holds(parse("prefecture == tokyo"), variables)
    assert holds(parse("night == yes and pay > 99"), variables)
    assert not holds(parse("pay >= 101"), variables)
    assert holds(parse("missing != 3"), variables)
    assert not holds(parse("missing == 3"), variables)


def test_compiled_catalogs_say_exactly_what_the_po_files_say(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(LOCALES, locales, ignore=shutil.ignore_patterns("*.mo"))
    from_po = load_translations(locales, TRAINEE_LANGUAGES)
    compile_catalogs(locales, TRAINEE_LANGUAGES)
    from_mo = load_translations(locales, TRAINEE_LANGUAGES)
    assert from_mo.texts == from_po.texts and len(from_mo.texts["vi"]) > 200
    zh = po_path(locales, "zh_Hans")  # the .mo is what is read while it is newer
    zh.write_text("this is not a catalog")
    os.utime(zh, (1, 1))
    assert load_translations(locales, ["zh_Hans"]).texts == {"zh_Hans": from_po.texts["zh_Hans"]}

    po = po_path(locales, "vi")  # an edit after compiling wins over the older .mo
    po.write_text(po.read_text().replace('msgstr "Tạm biệt."', 'msgstr "Hẹn gặp lại."'))
    os.utime(po.with_suffix(".mo"), (1, 1))
    assert load_translations(locales, ["vi"]).get("vi", Msg("system.goodbye", "Goodbye.")) == (
        "Hẹn gặp lại."
    )
