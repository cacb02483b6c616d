"""The help directory: only verified numbers are ever shown, and numbers are never typed out."""

from __future__ import annotations

import pytest

from bot.contacts import PHONE_NUMBER, Contact, ContactDirectory
from bot.flowdefs.model import FlowSet


@pytest.mark.parametrize(
    "text",
    [
        "Call 0120-811-610",
        "0570078377",
        "call #7119",
        "call 110 now",
        "119",
        "(110)",
        "gọi 110",
        "110番",
    ],
)
def test_written_out_numbers_are_found(text: str) -> None:
    assert PHONE_NUMBER.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "Article 119",
        "第110条",
        "Điều 119",
        "¥110",
        "1,110 hours",
        "110%",
        "2110",
        "{phone.police}",
        "Article 24(1)",
        "60 hours",
    ],
)
def test_article_numbers_and_amounts_are_not_numbers_to_call(text: str) -> None:
    assert not PHONE_NUMBER.search(text)


def test_unverified_entries_never_give_a_number() -> None:
    directory = ContactDirectory(
        [
            Contact("a", "A", "A", "0120-000-000", ("vi",), "", "", True, "https://example.org"),
            Contact("b", "B", "B", "0120-111-111", ("vi",), "", "", False, "a blog"),
        ]
    )
    assert directory.phone("a") == "0120-000-000"
    assert directory.phone("b") is None
    assert directory.phone("c") is None
    assert [c.id for c in directory.verified] == ["a"]


def test_every_verified_entry_names_its_official_source(flows: FlowSet) -> None:
    for contact in flows.data.contacts.verified:
        assert contact.source.startswith(("https://", "this helpline")), contact.id
