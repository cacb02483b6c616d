"""The trigger phrases (flows/data/triggers.yaml) as the flow checker sees them.

Each bad case edits a copy of the real flows folder and asserts the exact file:line message of
``helpline flows check``; the real file must load clean and give every target a label.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.flowdefs.folder import load_flowset
from bot.flowdefs.model import TRIGGER_LANGUAGES
from bot.flowdefs.triggers import label_for

from ..conftest import FLOWS

TODAY = date(2026, 11, 27)
HEAD = "version: 1\ntargets:\n"
DANGER = "danger_words:\n  vi: [nhốt]\n  zh: [打我]\n  ja: [殴]\n  en: [beaten]\n"
PASSPORT = (
    "  passport:\n"
    "    go: documents.passport_law\n"
    "    phrases:\n"
    "      vi: [bị giữ hộ chiếu]\n"
    "      zh: [护照被扣]\n"
    "      ja: [パスポートを取られた]\n"
    "      en: [passport taken]\n"
)


def check(tmp_path: Path, triggers: str) -> list[str]:
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows, ignore=shutil.ignore_patterns("tests"))
    (flows / "data" / "triggers.yaml").write_text(triggers, encoding="utf-8")
    _, problems = load_flowset(flows, TODAY)
    return [str(p).replace(f"{flows}/", "") for p in problems]


def test_the_real_triggers_load_clean_and_every_target_has_a_label() -> None:
    flows, problems = load_flowset(FLOWS, TODAY)
    assert [str(p) for p in problems if "triggers" in p.path] == []
    assert len(flows.triggers.targets) >= 15
    for target in flows.triggers.targets.values():
        assert label_for(flows, target) is not None, target.name
        assert set(target.phrases) == set(TRIGGER_LANGUAGES)
    labels = {name: label_for(flows, t) for name, t in flows.triggers.targets.items()}
    assert labels["passport"] is not None and labels["passport"].text.startswith("Passport")
    assert labels["wages"] is not None and labels["wages"].text == "Pay and overtime"
    assert labels["exit"] is not None and labels["exit"].text == "Clear this chat"


def test_a_good_small_file_passes(tmp_path: Path) -> None:
    assert check(tmp_path, HEAD + PASSPORT + DANGER) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            PASSPORT.replace("passport_law", "pasport_law"),
            "data/triggers.yaml:3: target 'passport' leads to an unknown node "
            "'documents.pasport_law'. Did you mean 'documents.passport_law'?",
        ),
        (
            PASSPORT.replace("      en: [passport taken]\n", ""),
            "data/triggers.yaml:3: target 'passport' has no phrases in 'en'",
        ),
        (
            PASSPORT.replace("[passport taken]", "[]"),
            "data/triggers.yaml:3: target 'passport' has no phrases in 'en'",
        ),
        (
            PASSPORT.replace("      en:", "      fr:"),
            "data/triggers.yaml:9: unknown language 'fr' (use vi, zh, ja, en)",
        ),
        (
            PASSPORT.replace("    go: documents.passport_law\n", "    command: exitt\n"),
            "data/triggers.yaml:3: target 'passport': unknown command 'exitt'. "
            "Did you mean 'exit'?",
        ),
        (
            PASSPORT.replace("documents.passport_law", "documents.card_duty"),
            "data/triggers.yaml:3: target 'passport': no button leads to "
            "'documents.card_duty', so its suggestion would have no label",
        ),
        (
            PASSPORT.replace("passport:", "Passport-Held:"),
            "data/triggers.yaml:3: target 'Passport-Held': use lower-case letters, digits and _ "
            "(at most 40)",
        ),
        (
            PASSPORT.replace("    go: documents.passport_law\n", ""),
            "data/triggers.yaml:3: target 'passport' needs either 'go: <flow>.<node>' "
            "or 'command'",
        ),
    ],
)
def test_each_mistake_is_named_with_its_line(tmp_path: Path, edit: str, expected: str) -> None:
    assert expected in check(tmp_path, HEAD + edit + DANGER)


def test_a_phrase_listed_for_two_targets_is_refused_even_without_tones(tmp_path: Path) -> None:
    second = PASSPORT.replace("passport:", "papers:").replace(
        "[bị giữ hộ chiếu]", "[giấy tờ, bi giu ho chieu]"
    )
    second = second.replace("[护照被扣]", "[证件]").replace("[パスポートを取られた]", "[書類]")
    second = second.replace("[passport taken]", "[papers]")
    found = check(tmp_path, HEAD + PASSPORT + second + DANGER)
    assert found == [
        "data/triggers.yaml:13: the phrase 'bi giu ho chieu' (vi) is listed for 'passport' "
        "and 'papers': keep it under one"
    ]


def test_danger_words_are_needed_in_every_language(tmp_path: Path) -> None:
    found = check(tmp_path, HEAD + PASSPORT + DANGER.replace("  ja: [殴]\n", ""))
    assert found == ["data/triggers.yaml:1: 'danger_words' has no words in 'ja'"]
