"""``helpline replies preview``: each canned reply in every language, before anyone sends it."""

from __future__ import annotations

import pytest

from bot.assemble import japan_today, load_content

from .conftest import FLOWS, LOCALES
from .test_cli import run


def test_preview_prints_one_reply_in_each_language() -> None:
    code, out = run("replies", "preview", "call_houterasu")
    assert code == 0
    flows, renderer = load_content(FLOWS, LOCALES, japan_today())
    for lang in ("ja", "vi", "zh_Hans", "en"):
        text = renderer.text(flows.replies["call_houterasu"], lang)
        assert text in out and "{phone." not in text  # the verified numbers are filled in
        assert f"-- {lang} (" in out


def test_preview_without_a_name_prints_them_all() -> None:
    code, out = run("replies", "preview")
    flows, _ = load_content(FLOWS, LOCALES, japan_today())
    assert code == 0 and [f"== {n}  (/reply {n})" in out for n in flows.replies] == [True] * len(
        flows.replies
    )


def test_an_unknown_name_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run("replies", "preview", "nope")
    assert code == 1 and out == ""
    assert "within_day" in capsys.readouterr().err
