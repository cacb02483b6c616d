"""The flow checker: one bad fixture per error class, asserting the exact message.

Each case writes a small flows folder (the real data tables and system texts, a minimal menu
and emergency flow, and the flow under test) and runs the same loader and checker as
`helpline flows check`.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.flowdefs.folder import load_flowset
from bot.flowdefs.problems import Severity

from ..conftest import FLOWS

TODAY = date(2026, 11, 27)
HEADER = """version: 1
flow: {name}
title: Test
reviewed: 2026-11-01
sources: [Labour Standards Act Art. 24]
"""
MENU = (
    HEADER.format(name="menu")
    + """start: topics
nodes:
  topics:
    say: Choose
    buttons:
      - {label: Wages, next: go}
      - {label: Danger, danger: true}
  go:
    jump: wages
"""
)
EMERGENCY = (
    HEADER.format(name="emergency")
    + """start: call
nodes:
  call:
    say: "Call {phone.police}"
    end: true
"""
)
GOOD = (
    HEADER.format(name="wages")
    + """start: pay
nodes:
  pay:
    ask: yen
    say: How much?
    store: conversation
    purpose: to check
    staff_label: 金額
    next: done
  done:
    say: Thanks, {pay}
    end: true
"""
)


def run_checker(tmp_path: Path, files: dict[str, str]) -> list[str]:
    """Write a flows folder with ``files`` on top of a valid base; return the messages."""
    flows = tmp_path / "flows"
    # The minimal flows here have none of the nodes triggers.yaml leads to: tests/flowdefs/
    # test_triggers.py checks that file.
    shutil.copytree(FLOWS / "data", flows / "data", ignore=shutil.ignore_patterns("triggers.yaml"))
    shutil.copy(FLOWS / "system.yaml", flows / "system.yaml")
    base = {"menu.yaml": MENU, "emergency.yaml": EMERGENCY, "wages.yaml": GOOD}
    for name, text in {**base, **files}.items():
        if text is not None:
            (flows / name).write_text(text, encoding="utf-8")
    _, problems = load_flowset(flows, TODAY)
    prefix = f"{flows}/"
    return [str(p).replace(prefix, "") for p in problems]


def flow(body: str, name: str = "wages") -> dict[str, str]:
    return {f"{name}.yaml": HEADER.format(name=name) + body}


def test_the_base_fixture_is_clean(tmp_path: Path) -> None:
    assert run_checker(tmp_path, {}) == []


CASES = {
    "alias": (
        flow("start: a\nnodes:\n  a: &x\n    say: hi\n    end: true\n  b: *x\n"),
        [
            "wages.yaml:8: this part is repeated elsewhere with '*' (a YAML alias); write it "
            "out in full at each place instead (aliases are not allowed)"
        ],
    ),
    "custom tag": (
        flow("start: a\nnodes:\n  a:\n    say: !!python/object:os.system hi\n    end: true\n"),
        [
            "wages.yaml:9: the tag 'tag:yaml.org,2002:python/object:os.system' is not allowed; "
            "remove it"
        ],
    ),
    "too large": (
        {"wages.yaml": "# " + "x" * 300_000},
        [
            "wages.yaml: the file is 300,002 bytes; the limit is 262,144. "
            "Split it into several flows"
        ],
    ),
    "not yaml": (
        flow("start: a\nnodes:\n  a:\n    say: For example: Aichi\n    end: true\n"),
        [
            "wages.yaml:9: this is not valid YAML: mapping values are not allowed here. A text "
            "containing ': ' must be put in quotes, like say: \"For example: Aichi\""
        ],
    ),
    "duplicate key": (
        flow(
            "start: a\nnodes:\n  a:\n    say: hi\n    end: true\n  a:\n    say: ho\n"
            "    end: true\n"
        ),
        [
            "wages.yaml:11: 'a' appears twice here (first on line 8); YAML would silently keep "
            "only the last one"
        ],
    ),
    "unknown key": (
        flow("start: a\nnodes:\n  a:\n    sya: hi\n    say: hi\n    end: true\n"),
        ["wages.yaml:9: node 'a': unknown key 'sya' in a node. Did you mean 'say'?"],
    ),
    "wrong type": (
        flow("start: a\nnodes:\n  a:\n    say: [hi, there]\n    end: true\n"),
        ["wages.yaml:9: node 'a': 'say' should be the text to show, but it is a list"],
    ),
    "yes read as true": (
        flow(
            "start: q\nnodes:\n  q:\n    say: Paid?\n    buttons:\n"
            "      - {label: yes, next: e}\n  e:\n    end: true\n"
        ),
        [
            "wages.yaml:11: node 'q': 'label' should be the button's text; YAML read it as true, "
            'so put it in quotes, like label: "Yes"'
        ],
    ),
    "comma in a button label": (
        flow(
            "start: q\nnodes:\n  q:\n    say: Which?\n    buttons:\n"
            "      - {label: Passport, bank book, next: e}\n  e:\n    end: true\n"
        ),
        [
            "wages.yaml:11: node 'q': 'bank book' looks like part of the button's label: a comma "
            "inside {label: ...} starts a new key, so put the label in quotes, like "
            '{label: "Passport, bank book", next: ...}'
        ],
    ),
    "dangling next": (
        flow("start: welcome\nnodes:\n  welcome:\n    say: hi\n    next: welcom\n"),
        [
            "wages.yaml:8: node 'welcome': 'next' goes to 'welcom', which is not a node in this "
            "flow. Did you mean 'welcome'?"
        ],
    ),
    "unreachable": (
        flow(
            "start: a\nnodes:\n  a:\n    say: hi\n    end: true\n  lost:\n    say: ho\n"
            "    end: true\n"
        ),
        [
            "wages.yaml:11: node 'lost': warning: no path leads here from the start ('a'); link "
            "it from another node or remove it"
        ],
    ),
    "dead end": (
        flow("start: a\nnodes:\n  a:\n    say: hi\n"),
        [
            "wages.yaml:8: node 'a': dead end: after saying this, the conversation has nowhere "
            "to go; add 'next:', 'buttons:' or 'end: true'"
        ],
    ),
    "cycle without wait": (
        flow("start: a\nnodes:\n  a:\n    say: hi\n    next: b\n  b:\n    say: ho\n    next: a\n"),
        [
            "wages.yaml:8: node 'a': these nodes go round in a circle without waiting for the "
            "trainee: a → b → a. Put a question on the way"
        ],
    ),
    "callback data too long": (
        flow(
            "start: " + "q" * 60 + "\nnodes:\n  " + "q" * 60 + ":\n    say: hi\n    buttons:\n"
            "      - {label: ok, next: e}\n  e:\n    end: true\n"
        ),
        [
            "wages.yaml:11: node '" + "q" * 60 + "': the button data 'wages." + "q" * 60 + ".0' "
            "is 68 bytes; Telegram allows 64. Use a shorter flow or node name"
        ],
    ),
    "message too long": (
        flow("start: a\nnodes:\n  a:\n    say: " + "x" * 4097 + "\n    end: true\n"),
        [
            "wages.yaml:9: node 'a': this text is 4,097 characters; Telegram shows at most "
            "4,096 in one message. Split it into two nodes"
        ],
    ),
    "store without purpose": (
        flow(
            "start: a\nnodes:\n  a:\n    ask: yen\n    say: How much?\n    store: case\n"
            "    staff_label: 金額\n    next: e\n  e:\n    end: true\n"
        ),
        [
            "wages.yaml:8: node 'a': answers kept with 'store: case' need a 'purpose:' saying "
            "why we keep them (the trainee is told)"
        ],
    ),
    "stored answer without a staff label": (
        flow(
            "start: a\nnodes:\n  a:\n    ask: yen\n    say: How much?\n    store: case\n"
            "    purpose: to check\n    next: e\n  e:\n    end: true\n"
        ),
        [
            "wages.yaml:8: node 'a': kept answers need a 'staff_label:', a short Japanese label "
            "for the union desk's case card, like staff_label: 月額基本給"
        ],
    ),
    "phone number written out": (
        flow("start: a\nnodes:\n  a:\n    say: Call 0120-811-610 now\n    end: true\n"),
        [
            "wages.yaml:9: node 'a': write the number 0120-811-610 as {phone.<id>}, so that it "
            "comes from flows/data/contacts.yaml where it is checked and verified"
        ],
    ),
    "unverified phone": (
        flow("start: a\nnodes:\n  a:\n    say: 'Call {phone.otit_vi}'\n    end: true\n"),
        [
            "wages.yaml:9: node 'a': '{phone.otit_vi}': the number of 'otit_vi' is not marked "
            "verified in flows/data/contacts.yaml, so it may not be shown"
        ],
    ),
    "unknown phone": (
        flow("start: a\nnodes:\n  a:\n    say: 'Call {phone.houterasuu}'\n    end: true\n"),
        [
            "wages.yaml:9: node 'a': '{phone.houterasuu}': there is no contact 'houterasuu' in "
            "flows/data/contacts.yaml. Did you mean 'houterasu'?"
        ],
    ),
    "ask without store": (
        flow(
            "start: a\nnodes:\n  a:\n    ask: yen\n    say: How much?\n    next: e\n  e:\n"
            "    end: true\n"
        ),
        [
            "wages.yaml:8: node 'a': every typed question says what is kept: add 'store:' "
            "(never, conversation or case) and a 'purpose:'"
        ],
    ),
    "old review": (
        {"wages.yaml": GOOD.replace("reviewed: 2026-11-01", "reviewed: 2025-11-01")},
        [
            "wages.yaml:4: warning: the content was last reviewed on 2025-11-01, more than 12 "
            "months ago; check it against the law and update 'reviewed:'"
        ],
    ),
    "no review date": (
        {"wages.yaml": GOOD.replace("reviewed: 2026-11-01\n", "")},
        [
            "wages.yaml:1: add 'reviewed:' with the date the content was last checked against "
            "the law, like reviewed: 2026-11-27"
        ],
    ),
    "no sources": (
        {"wages.yaml": GOOD.replace("sources: [Labour Standards Act Art. 24]\n", "")},
        [
            "wages.yaml:1: 'sources' should list the laws and pages this flow is based on, like "
            "[LSA Art. 24, https://...]"
        ],
    ),
    "two kinds in one node": (
        flow(
            "start: a\nnodes:\n  a:\n    say: hi\n    buttons: [{label: x, next: a}]\n"
            "    end: true\n"
        ),
        [
            "wages.yaml:8: node 'a': a node does one thing, but this one has buttons and end; "
            "split it into separate nodes joined by 'next:'"
        ],
    ),
    "unknown calculator": (
        flow("start: a\nnodes:\n  a:\n    compute: wage_chek\n    next: e\n  e:\n    end: true\n"),
        ["wages.yaml:8: node 'a': there is no calculator 'wage_chek'. Did you mean 'wage_check'?"],
    ),
    "missing calculator input": (
        flow(
            "start: a\nnodes:\n  a:\n    compute: wage_check\n    next: e\n  e:\n    end: true\n"
        ),
        [
            "wages.yaml:8: node 'a': 'wage_check' needs the input 'prefecture' (where the "
            "trainee works); add it under 'with:'"
        ],
    ),
    "variable not always set": (
        flow(
            "start: q\nnodes:\n  q:\n    say: Paid?\n    buttons:\n"
            "      - {label: 'Yes', next: pay}\n      - {label: 'No', next: done}\n"
            "  pay:\n    ask: yen\n    say: How much?\n    store: conversation\n"
            "    purpose: check\n    staff_label: 金額\n    next: done\n"
            "  done:\n    say: You said {pay}\n"
            "    end: true\n"
        ),
        [
            "wages.yaml:21: node 'done': the text uses 'pay', but on some ways to this node it "
            "has not been answered yet"
        ],
    ),
    "unknown variable": (
        flow("start: a\nnodes:\n  a:\n    say: You earn {monthly_pya}\n    end: true\n"),
        ["wages.yaml:9: node 'a': the text uses 'monthly_pya', which this flow never sets."],
    ),
    "bad condition": (
        flow(
            "start: a\nnodes:\n  a:\n    branch:\n      - if: pay is big\n        next: e\n"
            "      - next: e\n  e:\n    end: true\n"
        ),
        [
            "wages.yaml:10: node 'a': cannot read the condition 'pay is big'; write it like "
            "'check.below_minimum == yes' or 'overtime_hours > 0'"
        ],
    ),
    "branch without otherwise": (
        flow(
            "start: q\nnodes:\n  q:\n    say: Kind?\n    store: conversation\n"
            "    purpose: route\n    staff_label: 種類\n    buttons:\n"
            "      - {label: m, value: monthly, next: b}\n"
            "  b:\n    branch:\n      - if: q == monthly\n        next: e\n  e:\n"
            "    end: true\n"
        ),
        [
            "wages.yaml:17: node 'b': a branch needs a last item with only '- next: <node>' for "
            "when no condition holds"
        ],
    ),
    "condition on an unknown button value": (
        flow(
            "start: q\nnodes:\n  q:\n    say: Kind?\n    store: conversation\n"
            "    purpose: route\n    staff_label: 種類\n    buttons:\n"
            "      - {label: m, value: monthly, next: b}\n"
            "  b:\n    branch:\n      - if: q == montly\n        next: e\n      - next: e\n"
            "  e:\n    end: true\n"
        ),
        [
            "wages.yaml:17: node 'b': 'q' is never 'montly'; its buttons' values are monthly. "
            "Did you mean 'monthly'?"
        ],
    ),
    "danger button with next": (
        flow(
            "start: q\nnodes:\n  q:\n    say: Safe?\n    buttons:\n"
            "      - {label: 'No', danger: true, next: e}\n  e:\n    end: true\n"
        ),
        [
            "wages.yaml:11: node 'q': a danger answer always goes to the 'emergency' flow; "
            "remove its 'next:'"
        ],
    ),
    "jump to unknown flow": (
        {"menu.yaml": MENU.replace("jump: wages", "jump: wage")},
        [
            "menu.yaml:13: node 'go': 'jump' goes to the flow 'wage', which does not exist. Did "
            "you mean 'wages'?"
        ],
    ),
    "kinds in the words of docs/flows.md, not of the code": (
        flow(
            "start: where\nnodes:\n  where:\n    ask: prefecture\n    say: Where?\n"
            "    store: conversation\n    purpose: to check\n    staff_label: 都道府県\n"
            "    next: kind\n  kind:\n    say: Pay by?\n    store: conversation\n"
            "    purpose: to check\n    staff_label: 支払い\n    buttons:\n"
            "      - {label: Hour, value: hourly, next: c}\n"
            "  c:\n    compute: wage_check\n    with: {prefecture: where, hourly_pay: kind}\n"
            "    next: v\n  v:\n    branch:\n      - if: c.below_minimum > 0\n        next: e\n"
            "      - if: kind < 3\n        next: e\n      - next: e\n"
            "  e:\n    say: '{c.below_minimum} {kind}'\n    end: true\n"
        ),
        [
            "wages.yaml:22: node 'c': input 'hourly_pay' takes a yen, but 'kind' is a button "
            "value",
            "wages.yaml:28: node 'v': 'c.below_minimum' is a yes/no result; only amounts and "
            "numbers can be compared with < or >",
            "wages.yaml:30: node 'v': 'kind' is a button value; only amounts and numbers can be "
            "compared with < or >",
            "wages.yaml:34: node 'e': '{c.below_minimum}' is a yes/no result and cannot be shown "
            "in a text; use a branch instead",
            "wages.yaml:34: node 'e': '{kind}' is a button value and cannot be shown in a text; "
            "use a branch instead",
        ],
    ),
    "flow name differs from file": (
        {"wages.yaml": GOOD.replace("flow: wages", "flow: pay")},
        [
            "wages.yaml:2: the flow is called 'pay' but the file is 'wages.yaml'; make them the "
            "same"
        ],
    ),
    "missing emergency flow": (
        {"emergency.yaml": None},
        [
            "emergency.yaml: this flow is missing; it is what a trainee in danger is shown",
            "menu.yaml:12: node 'topics': a danger answer needs flows/emergency.yaml, which is "
            "missing",
        ],
    ),
}


@pytest.mark.parametrize(("files", "expected"), CASES.values(), ids=CASES.keys())
def test_each_mistake_gets_its_exact_message(
    tmp_path: Path, files: dict[str, str], expected: list[str]
) -> None:
    assert run_checker(tmp_path, files) == expected


def test_unknown_system_text_and_missing_ones(tmp_path: Path) -> None:
    system = (FLOWS / "system.yaml").read_text(encoding="utf-8")
    system = system.replace("  goodbye:", "  good_bye:")
    lines = system.splitlines()
    texts, wrong = (
        lines.index("messages:") + 1,
        1 + next(n for n, line in enumerate(lines) if line.startswith("  good_bye:")),
    )
    messages = run_checker(tmp_path, {"system.yaml": system})
    assert messages == [
        f"system.yaml:{texts}: missing the system text 'goodbye' (the one neutral line left "
        "after /exit)",
        f"system.yaml:{wrong}: 'good_bye' is not a system text the helpline uses. Did you mean "
        "'goodbye'?",
    ]


def test_warnings_are_warnings_and_errors_are_errors(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    run_checker(tmp_path, CASES["unreachable"][0])
    _, problems = load_flowset(flows, TODAY)
    assert [p.severity for p in problems] == [Severity.WARNING]


def test_the_real_flows_have_no_problems() -> None:
    _, problems = load_flowset(FLOWS, TODAY)
    assert [str(p) for p in problems] == []


def test_a_desk_text_that_loses_its_placeholder_is_named_with_its_line(tmp_path: Path) -> None:
    shutil.copytree(FLOWS, tmp_path / "flows")
    texts = tmp_path / "flows" / "data" / "desk_texts.yaml"
    source = texts.read_text(encoding="utf-8")
    texts.write_text(source.replace('"担当：{name}"', '"担当：{nmae}"'), encoding="utf-8")
    _, problems = load_flowset(tmp_path / "flows", TODAY)
    (problem,) = [p for p in problems if "desk_texts" in p.path]
    assert problem.line == source[: source.index("担当：")].count("\n") + 1
    assert problem.message == "the desk text 'claimed' must use {name} ({nmae} is not one of them)"
