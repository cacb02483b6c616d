"""The `helpline` command as maintainers and newcomers use it (called in process)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.flowdefs.folder import load_flowset
from bot.flowdefs.model import ButtonsNode
from bot.i18n.catalog import read_catalog
from bot.i18n.tools import serialise

from .conftest import ROOT


def run(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


def test_check_passes_strictly_on_the_real_flows() -> None:
    code, out = run("flows", "check", "--strict")
    assert (code, out.splitlines()[-1]) == (0, "0 errors, 0 warnings in 15 files")


def test_check_fails_on_errors_and_only_strictly_on_warnings(workspace: Path) -> None:
    wages = workspace / "flows" / "wages.yaml"
    text = re.sub(
        r"(?m)^reviewed: \S+$", "reviewed: 2024-01-01", wages.read_text("utf-8"), count=1
    )
    wages.write_text(text, encoding="utf-8")
    code, out = run("flows", "check")
    assert code == 0
    line = 1 + text.splitlines().index("reviewed: 2024-01-01")
    assert f"flows/wages.yaml:{line}: warning: the content was last reviewed on 2024-01-01" in out
    assert run("flows", "check", "--strict")[0] == 1
    wages.write_text(
        wages.read_text(encoding="utf-8").replace("next: extra_rule", "next: extra_rul"),
        encoding="utf-8",
    )
    code, out = run("flows", "check")
    assert code == 1
    assert (
        "'next' goes to 'extra_rul', which is not a node in this flow. Did you mean 'extra_rule'?"
    ) in out


def test_check_reports_a_missing_translation_at_its_line(workspace: Path) -> None:
    po = workspace / "locales" / "vi" / "LC_MESSAGES" / "messages.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "Trả lương theo giờ"', 'msgstr ""'),
        encoding="utf-8",
    )
    code, out = run("flows", "check", "--strict")
    assert code == 1
    wages = (workspace / "flows" / "wages.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(wages, 1) if "label: By the hour" in text)
    assert (
        f"flows/wages.yaml:{line}: node 'pay_kind': warning: no Vietnamese (vi) translation yet "
        'for "By the hour"'
    ) in out


def test_evaluate_scores_the_corpus_and_lists_what_a_new_phrase_changes(workspace: Path) -> None:
    corpus = str(ROOT / "bench" / "matching")
    code, before = run("flows", "evaluate", "--corpus", corpus, "--misses")
    assert code == 0
    assert before.splitlines()[0].startswith("language  utterances  top-1   top-3")
    assert [line.split()[0] for line in before.splitlines()[1:6]] == [
        "vi",
        "zh",
        "ja",
        "en",
        "all",
    ]
    triggers = workspace / "flows" / "data" / "triggers.yaml"
    text = triggers.read_text(encoding="utf-8")
    start = text.index("      vi: [công ty giữ hộ chiếu")  # the Vietnamese passport phrases
    end = text.index("\n", start)
    triggers.write_text(text[:start] + "      vi: [giấy thông hành]" + text[end:], "utf-8")
    code, after = run("flows", "evaluate", "--corpus", corpus, "--misses")
    assert code == 0
    missed = "vi: passport not offered for 'ho chieu bi cong ty giu'"
    assert missed in after and missed not in before
    (workspace / "corpus").mkdir()
    for lang in ("vi", "zh", "ja", "en"):
        (workspace / "corpus" / f"corpus_{lang}.yaml").write_text("nope:\n  - x\n")
    code, out = run("flows", "evaluate", "--corpus", str(workspace / "corpus"))
    assert (code, out) == (1, "The corpus names unknown targets: nope\n")


def test_graph_draws_mermaid_and_dot() -> None:
    code, out = run("flows", "graph", "wages")
    assert code == 0 and out.startswith("flowchart TD\n")
    assert (
        'n_verdict -->|"check.below_minimum == yes and check.minimum_is_current == yes"| '
        "n_below_now" in out
    )
    assert "n_to_menu" in out and "f_menu" in out
    code, out = run("flows", "graph", "menu", "--format", "dot")
    assert code == 0 and out.startswith('digraph "menu" {')
    assert '"topics" -> "to_safety"' in out
    code, out = run("flows", "graph", "safety", "--format", "dot")
    assert '"check" -> "flow:emergency" [label="Someone hits or threatens me", color=red' in out
    assert run("flows", "graph", "nope")[0] == 1


def test_transcripts_pass_and_a_wrong_expectation_fails(workspace: Path) -> None:
    code, out = run("flows", "test", "--min-coverage", "100")
    assert code == 0, out
    scenarios = len(list((workspace / "flows" / "tests").glob("*.yaml")))
    assert f"\n{scenarios} transcripts (" in out and "runs), 0 failed" in out
    transcript = workspace / "flows" / "tests" / "s1_monthly_63000_aichi.yaml"
    text = transcript.read_text(encoding="utf-8")
    assert text.count("    - 134,220\n") == 3  # en, zh_Hans and ja; vi writes 134.220
    transcript.write_text(text.replace("    - 134,220\n", "    - 134,221\n", 1), encoding="utf-8")
    code, out = run("flows", "test", str(transcript))
    assert code == 1
    assert "(type '0') in en: the reply does not contain '134,221'" in out
    assert "in zh_Hans: the reply does not contain" not in out


def test_update_rewrites_replies_but_keeps_what_maintainers_assert(workspace: Path) -> None:
    transcript = workspace / "flows" / "tests" / "s1_monthly_63000_aichi.yaml"
    text = transcript.read_text(encoding="utf-8")
    transcript.write_text(
        text.replace("below ¥1,140, the minimum wage", "below ¥1, the minimum wage"),
        encoding="utf-8",
    )
    assert run("flows", "test", str(transcript))[0] == 1
    code, _ = run("flows", "test", "--update", str(transcript))
    assert code == 0
    assert transcript.read_text(encoding="utf-8") == text
    assert "note: ¥63,000 a month for 173 hours in Aichi" in text


def test_coverage_below_the_minimum_fails(workspace: Path) -> None:
    for extra in (workspace / "flows" / "tests").glob("wages_hourly_current*.yaml"):
        extra.unlink()
    code, out = run("flows", "test", "--min-coverage", "100")
    assert code == 1
    assert "not reached:" in out and "wages.fine_now" in out


# pay, minimum, monthly, ¥63,000, 173 hours, Aichi, another industry, no overtime, no night
# work, nothing deducted
VIETNAMESE_WALK = "1\n1\n1\n63000\n173\nAichi\n3\n0\n1\n0\n"


def test_a_newcomer_walks_the_wages_flow_in_vietnamese() -> None:
    code, out = run("chat", "--lang", "vi", stdin=VIETNAMESE_WALK)
    assert code == 0
    assert "thấp hơn 1.140\xa0¥, là lương tối thiểu ở Aichi" in out
    assert "Luật Lương tối thiểu, Điều 4" in out


def test_the_terminal_chat_starts_with_the_picker_and_ends_at_end_of_input() -> None:
    code, out = run("chat", stdin="1\n")
    assert code == 0
    assert out.lstrip().startswith("Choose your language:")
    assert "  1) Tiếng Việt" not in out.split("Choose your language:")[0]
    assert "Xin chào" not in out  # English was first: 1 picked English


def test_exit_in_the_terminal_chat_ends_it(workspace: Path) -> None:
    code, out = run("chat", "--lang", "en", stdin="/exit\nthis is never read\n")
    assert code == 0
    assert "Goodbye." in out and "whole chat is now deleted" in out


def test_without_a_desk_the_terminal_chat_says_so_first_with_the_numbers() -> None:
    # Talk to a person (7), then I do not feel safe (5), someone hits me (1), Ask someone now (1)
    code, out = run("chat", "--lang", "en", stdin="7\n5\n1\n1\n")
    assert code == 0
    said = out.split("Sorry, nobody can answer you through this chat yet.")
    assert len(said) == 4  # at once, each time: from the menu, on the danger answer, on the tap
    assert "0570-078377" in said[1]  # from the menu, the verified numbers follow
    assert all("110" in part for part in said[1:])  # on the danger path, the numbers shown there
    assert "I agree" not in out and "PIN" not in out  # no consent, no PIN: nothing is kept
    assert "would now be asked" not in out  # and nobody is pretended to be asked


def test_the_terminal_chat_can_play_the_union_desk_on_its_sqlite_file() -> None:
    code, out = run("chat", "--desk", "--lang", "en", stdin="/exit\n")
    enrolment = re.search(r"@@(STAFF-[A-Z0-9-]+)", out)
    assert code == 0 and enrolment is not None  # the terminal's volunteer may enrol
    lines = ["/talk", "1", "My passport is taken", "1", "1", "hello"]
    lines += [f"@@{enrolment.group(1)}", "@@246810", "@/claim", "@We can help."]
    code, out = run("chat", "--desk", "--lang", "en", stdin="\n".join(lines) + "\n")
    assert code == 0
    assert "[desk #1] (a new topic:" in out and "My passport is taken" in out  # privately
    assert "[private] 相談 C-" in out
    assert "[desk #1] 本人：hello" in out
    assert "[desk #1] 担当：" in out
    chat = out.split("[On Telegram, the whole chat is now deleted")[0]
    assert chat.rstrip().endswith("We can help.")  # the volunteer's reply reached the trainee


def test_record_saves_a_transcript_that_passes(workspace: Path) -> None:
    target = workspace / "flows" / "tests" / "recorded.yaml"
    assert (
        run(
            "chat",
            "--lang",
            "zh_Hans",
            "--record",
            str(target),
            stdin="1\n1\n2\n900\n东京\n0\n1\n0\n",
        )[0]
        == 0
    )
    assert run("flows", "test", "--update", str(target))[0] == 0
    code, out = run("flows", "test", str(target))
    assert code == 0, out
    assert "languages: [zh_Hans]" in target.read_text(encoding="utf-8")


def test_i18n_check_fails_on_fuzzy_and_placeholder_mismatch(workspace: Path) -> None:
    assert run("i18n", "check")[0] == 0
    po = workspace / "locales" / "ja" / "LC_MESSAGES" / "messages.po"
    catalog = read_catalog(po, "ja")
    entry = next(m for m in catalog if m.context == "wages.overtime_rule")
    entry.string = str(entry.string).replace("{check.overtime_rate}", "{check.rate}")
    po.write_bytes(serialise(catalog))
    code, out = run("i18n", "check")
    assert code == 1
    ja_line = next(line for line in out.splitlines() if line.startswith("ja "))
    assert ", 0 untranslated, 0 fuzzy, 1 placeholder mismatches" in ja_line


def test_i18n_compile_writes_mo_files(workspace: Path) -> None:
    code, _ = run("i18n", "compile")
    assert code == 0
    assert (workspace / "locales" / "ja" / "LC_MESSAGES" / "messages.mo").stat().st_size > 1000


def test_pybabel_uses_the_registered_extractor(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "extract",
            "-F",
            "babel.cfg",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    text = pot.read_text(encoding="utf-8")
    assert (
        'msgctxt "wages.prefecture"\nmsgid "In which prefecture do you work? For example: Aichi"'
        in text
    )


def test_python_dash_m_bot_runs_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "flows", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.endswith("0 errors, 0 warnings in 15 files\n")


def test_a_bad_setting_is_refused_with_every_problem(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HELPLINE_TELEGRAM_TOKEN", "not-a-token")
    monkeypatch.setenv("HELPLINE_LOG_LEVEL", "LOUD")
    assert run("flows", "check")[0] == 2
    err = capsys.readouterr().err
    assert "HELPLINE_TELEGRAM_TOKEN does not look like a bot token" in err
    assert "HELPLINE_LOG_LEVEL: unknown level 'LOUD'" in err
    assert "not-a-token" not in err


def test_run_without_a_token_opens_the_terminal_chat(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HELPLINE_TELEGRAM_TOKEN", raising=False)
    code, out = run("run", stdin="1\n")
    assert code == 0
    assert "Hello. What would you like to ask about?" in out
    assert "No HELPLINE_TELEGRAM_TOKEN is set" in capsys.readouterr().err


def test_a_button_no_transcript_presses_fails_the_coverage(workspace: Path) -> None:
    menu = workspace / "flows" / "menu.yaml"
    text = menu.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines(keepends=True) if "{label: " in line)
    added = re.sub(r"label: [^,]+,", "label: Something new,", line)
    added = re.sub(r"value: [^,}]+", "value: something_new", added)
    menu.write_text(text.replace(line, line + added, 1), encoding="utf-8")
    flows, _ = load_flowset(workspace / "flows", date(2026, 12, 7))
    new = next(
        f"menu.{node.id}.{index}"
        for node in flows.flows["menu"].nodes.values()
        if isinstance(node, ButtonsNode)
        for index, button in enumerate(node.buttons)
        if button.label.text == "Something new"
    )
    code, out = run("flows", "test", "--min-coverage", "100")
    assert code == 1
    for lang in ("vi", "zh_Hans", "ja", "en"):
        line = next(
            line
            for line in out.split("Button coverage")[1].splitlines()
            if line.startswith(f"  {lang} ")
        )
        assert "not pressed:" in line and new in line


def test_update_writes_only_the_transcripts_that_changed(workspace: Path) -> None:
    tests_dir = workspace / "flows" / "tests"
    before = {path: path.stat().st_mtime_ns for path in tests_dir.glob("*.yaml")}
    changed = min(before)
    text = changed.read_text(encoding="utf-8")
    reply_line = next(
        line for line in text.splitlines() if line.startswith("      ") and "[" not in line
    )
    changed.write_text(text.replace(reply_line, reply_line + " (edited)", 1), encoding="utf-8")
    before[changed] = changed.stat().st_mtime_ns
    _, out = run("flows", "test", "--update")
    assert [line for line in out.splitlines() if ": updated" in line] == [
        next(line for line in out.splitlines() if line.startswith(f"flows/tests/{changed.name}"))
    ]
    assert changed.read_text(encoding="utf-8") == text
    assert all(
        path.stat().st_mtime_ns == mtime for path, mtime in before.items() if path != changed
    )
