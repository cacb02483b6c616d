"""A maintainer changes the English: what the catalogs keep, flag, show and never guess."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Message

from bot.flowdefs.folder import load_flowset
from bot.flowdefs.model import ButtonsNode, placeholders
from bot.i18n.catalog import read_catalog
from bot.i18n.review import changed_words
from bot.i18n.tools import serialise

from ..test_cli import run

LANGS = ("vi", "zh_Hans", "ja")


def po(workspace: Path, lang: str) -> Path:
    return workspace / "locales" / lang / "LC_MESSAGES" / "messages.po"


@dataclass(frozen=True)
class Node:
    """A real question with two or more buttons, written plainly in its flow file."""

    path: Path
    context: str
    say: str
    labels: tuple[str, str]


@pytest.fixture(name="node")
def _node(workspace: Path) -> Node:
    """Pick one from today's flows, so the texts may change without breaking these tests."""
    flows, _ = load_flowset(workspace / "flows", date(2026, 12, 7))
    for flow in flows.flows.values():
        text = Path(flow.path).read_text(encoding="utf-8")
        for item in flow.nodes.values():
            if not isinstance(item, ButtonsNode) or len(item.buttons) < 2:
                continue
            labels = [button.label.text for button in item.buttons[:2]]
            if text.count(f"say: {item.say.text}\n") == 1 and all(
                text.count(f"{{label: {label}, ") == 1 for label in labels
            ):
                return Node(
                    Path(flow.path), item.say.context, item.say.text, (labels[0], labels[1])
                )
    raise AssertionError("no plainly written question with two buttons")


def edit(node: Node, old: str, new: str) -> None:
    text = node.path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    node.path.write_text(text.replace(old, new), encoding="utf-8")


def entry(workspace: Path, lang: str, context: str, msgid: str) -> Message:
    found = read_catalog(po(workspace, lang), lang).get(msgid, context=context)
    assert found is not None
    return found


def ask(node: Node, new: str) -> None:
    edit(node, f"say: {node.say}\n", f"say: {new}\n")


def test_a_changed_question_keeps_its_translation_fuzzy_with_the_old_english(
    workspace: Path, node: Node
) -> None:
    before = {lang: entry(workspace, lang, node.context, node.say) for lang in LANGS}
    ask(node, "What do you want to know?")
    assert run("i18n", "update")[0] == 0
    for lang in LANGS:
        now = entry(workspace, lang, node.context, "What do you want to know?")
        assert now.fuzzy and now.string == before[lang].string
        assert now.previous_id == [node.say]
        text = po(workspace, lang).read_text(encoding="utf-8")
        assert f'#, fuzzy\n#| msgid "{node.say}"\n' in text
    # A second update (or a third) keeps the same file: no "#|" piles up as comments.
    first = po(workspace, "vi").read_bytes()
    assert run("i18n", "update")[0] == 0 and run("i18n", "update")[0] == 0
    assert po(workspace, "vi").read_bytes() == first


def test_changed_twice_before_review_shows_the_english_last_reviewed(
    workspace: Path, node: Node
) -> None:
    ask(node, "What do you want to know?")
    run("i18n", "update")
    edit(node, "say: What do you want to know?", "say: What would you like to know?")
    run("i18n", "update")
    now = entry(workspace, "ja", node.context, "What would you like to know?")
    assert now.fuzzy and now.previous_id == [node.say]


def test_a_new_button_beside_its_siblings_is_never_guessed(workspace: Path, node: Node) -> None:
    first = node.labels[0]
    text = node.path.read_text(encoding="utf-8")
    start = text.index(f"{{label: {first}, ")
    line_start = text.rindex("\n", 0, start) + 1
    line = text[line_start : text.index("\n", start) + 1]
    added = re.sub(r"value: [^,}]+", "value: by_the_day", line)
    edit(node, line, line + added.replace(f"label: {first},", "label: By the day,"))
    assert run("i18n", "update")[0] == 0
    for lang in LANGS:
        new = entry(workspace, lang, node.context, "By the day")
        assert new.string == "" and not new.fuzzy
        old = entry(workspace, lang, node.context, first)
        assert old.string and not old.fuzzy
    code, out = run("i18n", "check")
    assert code == 1
    assert "0 fuzzy" in next(line for line in out.splitlines() if line.startswith("ja "))
    assert "marked fuzzy" not in out


def test_two_texts_of_one_node_changed_at_once_are_not_paired_by_guess(
    workspace: Path, node: Node
) -> None:
    for number, label in enumerate(node.labels):
        edit(node, f"{{label: {label}, ", f"{{label: Choice {number}, ")
    run("i18n", "update")
    for number in range(2):
        assert entry(workspace, "vi", node.context, f"Choice {number}").string == ""


def test_a_cleared_fuzzy_flag_forgets_the_old_english(workspace: Path, node: Node) -> None:
    ask(node, "What do you want to know?")
    run("i18n", "update")
    path = po(workspace, "ja")
    catalog = read_catalog(path, "ja")
    cleared = catalog.get("What do you want to know?", context=node.context)
    assert cleared is not None
    cleared.flags.discard("fuzzy")
    path.write_bytes(serialise(catalog))
    run("i18n", "update")
    text = path.read_text(encoding="utf-8")
    assert "#| msgid" not in text


def test_check_names_the_po_file_and_line_and_the_wrong_placeholder(workspace: Path) -> None:
    path = po(workspace, "ja")
    catalog = read_catalog(path, "ja")
    bad = next(m for m in catalog if isinstance(m.string, str) and "{" in m.string)
    name = placeholders(str(bad.string))[0]
    bad.string = str(bad.string).replace(f"{{{name}}}", "{typo}")
    path.write_bytes(serialise(catalog))
    line = entry(workspace, "ja", str(bad.context), str(bad.id)).lineno
    code, out = run("i18n", "check")
    assert code == 1
    assert f"locales/ja/LC_MESSAGES/messages.po:{line}" in out
    assert f"it lacks {{{name}}}; it has {{typo}}, which the English has not" in out


def test_right_after_update_check_does_not_ask_for_update_again(
    workspace: Path, node: Node
) -> None:
    ask(node, "What do you want to know?")
    assert "out of date; run 'helpline i18n update'" in run("i18n", "check")[1]
    run("i18n", "update")
    code, out = run("i18n", "check")
    assert code == 1 and "i18n update" not in out
    assert "helpline i18n review vi" in out


def test_review_shows_old_and_new_english_and_the_translation(workspace: Path, node: Node) -> None:
    ask(node, "What do you want to know?")
    run("i18n", "update")
    code, out = run("i18n", "review", "zh_Hans")
    translation = entry(workspace, "zh_Hans", node.context, "What do you want to know?").string
    assert code == 0
    assert out.startswith("1 fuzzy entries in locales/zh_Hans/LC_MESSAGES/messages.po")
    assert f"English before: {node.say}" in out
    assert "English now:    What do you want to know?" in out
    assert f"Translation:    {translation}" in out
    assert run("i18n", "review", "xx")[0] == 2


def test_hand_wrapped_lines_are_reported_and_update_rewraps_them(workspace: Path) -> None:
    path = po(workspace, "vi")
    assert run("i18n", "check")[0] == 0
    text = path.read_text(encoding="utf-8")
    entry_start = text.index('msgstr "', text.index("msgid", 2000))
    hand = text[:entry_start] + 'msgstr ""\n' + text[entry_start + len("msgstr ") :]
    path.write_text(hand, encoding="utf-8")
    code, out = run("i18n", "check")
    assert code == 1 and "wrapped differently" in out
    run("i18n", "update")
    assert path.read_text(encoding="utf-8") == text
    assert run("i18n", "check")[0] == 0


def test_changed_words_marks_what_was_removed_and_added() -> None:
    assert changed_words("How are you paid?", "How are you usually paid?") == (
        "How are you {+usually+} paid?"
    )
