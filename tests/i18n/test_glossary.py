"""Translations use the agreed words for legal terms."""

from __future__ import annotations

from pathlib import Path

from bot.i18n.glossary import Term, missing_terms, read_glossary

from ..conftest import LOCALES

TERMS = [
    Term("minimum wage", {"ja": ("最低賃金",), "vi": ("lương tối thiểu",)}),
    Term("prefecture", {"ja": ("都道府県",)}),
    Term("overtime", {"vi": ("làm thêm giờ", "làm thêm")}),
]


def test_a_translation_without_the_agreed_term_is_flagged() -> None:
    missing = missing_terms(
        "The minimum wage is {check.minimum}.", "最低給料は{check.minimum}です。", "ja", TERMS
    )
    assert [t.en for t in missing] == ["minimum wage"]


def test_the_agreed_term_or_an_allowed_variant_passes() -> None:
    assert missing_terms("The Minimum Wage is high.", "最低賃金は高い。", "ja", TERMS) == []
    assert missing_terms("Overtime hours", "Số giờ làm thêm", "vi", TERMS) == []


def test_placeholders_are_not_terms() -> None:
    # {prefecture} is a value such as 愛知県, not the word "prefecture".
    assert (
        missing_terms("The minimum wage in {prefecture}", "{prefecture}の最低賃金", "ja", TERMS)
        == []
    )


def test_words_inside_other_words_do_not_count() -> None:
    assert missing_terms("overtimes", "x", "vi", TERMS) == []


def test_languages_without_an_agreed_word_are_not_checked() -> None:
    assert missing_terms("minimum wage", "最低工资", "zh_Hans", TERMS) == []


def test_the_project_glossary_reads_and_has_every_language() -> None:
    terms = read_glossary(LOCALES / "glossary.yaml")
    assert len(terms) >= 15
    assert all(set(t.agreed) >= {"vi", "zh_Hans", "ja"} for t in terms)


def test_a_missing_glossary_is_empty(tmp_path: Path) -> None:
    assert read_glossary(tmp_path / "none.yaml") == []
