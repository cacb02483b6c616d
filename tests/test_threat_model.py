"""THREAT_MODEL.md (goal T6) stays complete and points only at tests that exist."""

from __future__ import annotations

import re

from .conftest import ROOT

MODEL = ROOT / "THREAT_MODEL.md"
GOALS = [f"T{n}" for n in range(1, 8)] + [f"D{n}" for n in range(1, 10)]
GOALS += [f"S{n}" for n in range(1, 6)] + [f"A{n}" for n in range(1, 6)]
COMPROMISES = (
    "The bot host",
    "The database",
    "Backups",
    "The key file",
    "A volunteer's Telegram account",
    "The staff group",
    "Telegram",
)
ADVERSARIES = ("employer or broker", "dorm-mate", "curious volunteer", "compromised volunteer")
ADVERSARIES += ("server thief", "operator's mistake", "Telegram itself")


def goal_rows() -> dict[str, list[str]]:
    text = MODEL.read_text()
    table = text.split("## The goals and where each stands", 1)[1]
    rows = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        match = re.match(r"([TDSA]\d) ", cells[0]) if line.startswith("|") else None
        if match:
            rows[match.group(1)] = cells
    return rows


def test_every_goal_of_the_register_has_a_row_with_a_status() -> None:
    rows = goal_rows()
    assert sorted(rows) == sorted(GOALS)
    for goal, cells in rows.items():
        assert len(cells) == 4, goal
        assert re.match(r"(done|partial|not done|not needed)", cells[2]), goal


def test_every_named_test_exists() -> None:
    text = MODEL.read_text()
    for path, name in re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", text):
        source = (ROOT / path).read_text()
        assert not name or f"def {name}(" in source, f"{path}::{name}"
    for path, name in re.findall(r"`(tests/[\w/]+\.py)::\w+`, `::(\w+)`", text):
        assert f"def {name}(" in (ROOT / path).read_text(), f"{path}::{name}"


def test_every_adversary_and_compromise_is_there() -> None:
    text = MODEL.read_text()
    for heading in COMPROMISES:
        assert f"### {heading}" in text
    for adversary in ADVERSARIES:
        assert adversary in text, adversary
    for section in ("## Assets", "## Actors", "## Adversaries", "## Assumptions"):
        assert section in text
