"""The transcript format: one scenario, its turns written once, its replies per language."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from bot.assemble import load_content
from bot.service import Helpline
from bot.storage.memory import MemoryRecords
from bot.transcripts import TranscriptError, coverage, dump, read, run

from ..conftest import FLOWS, LOCALES, TODAY

Factory = Callable[[date], Helpline]

MENU_EN = """\
Hello. What would you like to ask about?

You can clear this chat at any time: send /exit. Please keep your phone locked.
[Pay and overtime]
[Passport, bank book, private life]
[Fines, deductions, deposits]
[Fired or sent home]
[I do not feel safe]
[Phone numbers for help]
[Talk to a person]
[Clear this chat]
"""

SCENARIO = """\
title: Pay questions, then the menu
today: 2026-11-27
languages: [en, vi]
turns:
- start:
    en: en
    vi: vi
- press:
    en: English
    vi: Tiếng Việt
  path: [menu.topics]
- press: 1
  note: the first button, in both languages
  contains:
    en: [like to know]
    vi: [lương]
  not_contains: [Traceback]
  path: [menu.to_wages, wages.topics]
- command: menu
  path: [menu.topics]
  reply:
    en: |
REPLY_EN
    vi: |
      Xin chào. Bạn muốn hỏi về điều gì?
"""


def scenario_text(reply_en: str = MENU_EN) -> str:
    indented = "".join(f"      {line}\n" if line else "\n" for line in reply_en.splitlines())
    return SCENARIO.replace("REPLY_EN\n", indented)


@pytest.fixture(name="factory", scope="module")
def _factory() -> Factory:
    flows, renderer = load_content(FLOWS, LOCALES, TODAY)

    def factory(day: date) -> Helpline:
        records = MemoryRecords(rng=random.Random(0))
        return Helpline(flows, renderer, records, lambda: day, sleep=lambda _: None)

    return factory


def write(tmp_path: Path, text: str, name: str = "pay.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_turn_is_written_once_and_read_in_each_language(tmp_path: Path) -> None:
    scenario = read(write(tmp_path, scenario_text()))
    assert scenario.title == "Pay questions, then the menu"
    assert scenario.languages == ("en", "vi")
    en, vi = scenario.in_language("en"), scenario.in_language("vi")
    assert (en.lang, vi.lang) == ("en", "vi")
    assert [step.value for step in en.steps] == ["en", "English", "1", "menu"]
    assert [step.value for step in vi.steps] == ["vi", "Tiếng Việt", "1", "menu"]
    assert en.steps[2].contains == ("like to know",) and vi.steps[2].contains == ("lương",)
    assert en.steps[2].not_contains == vi.steps[2].not_contains == ("Traceback",)
    assert en.steps[2].note == vi.steps[2].note == "the first button, in both languages"
    assert en.steps[2].path == vi.steps[2].path == ("menu.to_wages", "wages.topics")
    assert en.steps[3].reply == MENU_EN
    assert vi.steps[3].reply == "Xin chào. Bạn muốn hỏi về điều gì?\n"
    assert en.steps[1].reply is None  # no reply written: not checked
    assert en.steps[2].line == 12


def test_each_language_is_checked_against_its_own_reply(tmp_path: Path, factory: Factory) -> None:
    result = run(factory, read(write(tmp_path, scenario_text())))
    assert [outcome.transcript.lang for outcome in result.outcomes] == ["en", "vi"]
    problems = result.problems()
    assert len(problems) == 1  # the Vietnamese reply above is only its first line
    assert problems[0].startswith(f"{tmp_path / 'pay.yaml'}:19: turn 4 (command 'menu') in vi:")
    assert "the reply differs" in problems[0]
    assert result.problems(updating=True) == []


def test_a_language_missing_a_reply_is_reported_with_file_and_turn(
    tmp_path: Path, factory: Factory
) -> None:
    text = scenario_text().split("    vi: |\n")[0]  # the last turn's reply in English only
    path = write(tmp_path, text)
    result = run(factory, read(path))
    assert result.problems() == [
        f"{path}:19: turn 4 (command 'menu') in vi: no reply is written for this language; "
        "write it, or let 'helpline flows test --update' write it"
    ]
    updated = result.updated()
    assert updated.steps[3].reply is not None
    assert set(updated.steps[3].reply.values) == {"en", "vi"}
    path.write_text(dump(updated), encoding="utf-8")
    assert run(factory, read(path)).problems() == []


def test_update_writes_the_replies_and_keeps_what_the_maintainer_wrote(
    tmp_path: Path, factory: Factory
) -> None:
    path = write(tmp_path, scenario_text())
    path.write_text(dump(run(factory, read(path)).updated()), encoding="utf-8")
    again = read(path)
    assert run(factory, again).problems() == []
    text = path.read_text(encoding="utf-8")
    assert "  contains:\n    en:\n    - like to know\n    vi:\n    - lương\n" in text
    assert "  not_contains:\n  - Traceback\n" in text
    assert "- press: '1'\n  note: the first button, in both languages\n" in text
    assert "- press:\n    en: English\n    vi: Tiếng Việt\n" in text
    assert dump(run(factory, again).updated()) == text  # a second update changes nothing


def test_a_scenario_may_run_in_some_languages_only(tmp_path: Path, factory: Factory) -> None:
    text = scenario_text().replace("languages: [en, vi]", "languages: [vi]")
    with pytest.raises(TranscriptError) as error:
        read(write(tmp_path, text))
    assert str(error.value) == (
        f"{tmp_path / 'pay.yaml'}:6: turn 1: 'start' is given for 'en', but this transcript "
        "runs in vi (see 'languages' at the top)"
    )
    vietnamese = """\
title: Vietnamese only
today: 2026-11-27
languages: [vi]
turns:
- start: vi
- press: Tiếng Việt
- press: Lương và làm thêm giờ
"""
    result = run(factory, read(write(tmp_path, vietnamese)))
    assert result.problems() == []
    assert list(coverage(load_content(FLOWS, LOCALES, TODAY)[0], result.outcomes)) == ["vi"]


def test_an_action_needs_a_value_in_every_language(tmp_path: Path) -> None:
    text = scenario_text().replace("    vi: Tiếng Việt\n", "")
    with pytest.raises(TranscriptError) as error:
        read(write(tmp_path, text))
    assert str(error.value) == (
        f"{tmp_path / 'pay.yaml'}:8: turn 2: 'press' has no value for vi; "
        "give one for each language, or one value for all"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("languages: [en, vi]", "lang: en", "3: unknown key 'lang' (the old one-language format"),
        ("languages: [en, vi]", "languages: [en, ko]", "3: 'ko' is not a helpline language"),
        ("languages: [en, vi]", "languages: en", "3: 'languages' lists the languages"),
        (
            "  path: [menu.topics]\n- press: 1",
            "  path:\n    en: [menu.topics]\n- press: 1",
            "11: turn 2: 'path' is one list",
        ),
        ("    vi: |\n      Xin", "    jp: |\n      Xin", "34: turn 4: 'reply' is given for 'jp'"),
    ],
)
def test_mistakes_are_reported_with_the_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = scenario_text()
    assert old in text
    with pytest.raises(TranscriptError) as error:
        read(write(tmp_path, text.replace(old, new)))
    assert str(error.value).startswith(f"{tmp_path / 'pay.yaml'}:{message}")


def test_languages_that_go_different_ways_are_reported(tmp_path: Path, factory: Factory) -> None:
    text = """\
title: An amount in one language, words in the other
today: 2026-11-27
languages: [en, vi]
turns:
- start: {en: en, vi: vi}
- press: {en: English, vi: Tiếng Việt}
- press: 1
- press: 1
- press: 1
- type:
    en: "63000"
    vi: nhiều lắm
"""
    path = write(tmp_path, text)
    result = run(factory, read(path))
    assert len(result.failures) == 1
    assert result.failures[0].startswith(
        f"{path}:10: turn 6 (type): the languages went different ways"
    )
    assert "    en       ['wages.monthly_hours']\n    vi       []" in result.failures[0]
    assert result.problems(updating=True) == result.failures  # --update cannot settle it
