"""Maintainers' YAML is read safely: no alias bombs, no code, no silent duplicates."""

from __future__ import annotations

import time

import pytest

from bot.flowdefs.yamlsafe import MAX_BYTES, YamlRefused, load

ALIAS_BOMB = """a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
"""


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    started = time.perf_counter()
    with pytest.raises(YamlRefused, match="aliases are not allowed"):
        load(ALIAS_BOMB)
    assert time.perf_counter() - started < 1  # a sanity bound, not a speed test


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo hi']",
        "a: !!binary aGVsbG8=",
        "a: !!set {x, y}",
        "a: !custom x",
    ],
)
def test_tags_beyond_plain_data_are_refused(text: str) -> None:
    with pytest.raises(YamlRefused, match="is not allowed; remove it"):
        load(text)


def test_an_anchor_without_alias_is_harmless_and_accepted() -> None:
    assert load("a: &x 1\n").data == {"a": 1}


def test_plain_data_and_lines() -> None:
    doc = load("version: 1\nnodes:\n  a:\n    say: hi\n  b:\n    - x\n    - y\n")
    assert doc.data == {"version": 1, "nodes": {"a": {"say": "hi"}, "b": ["x", "y"]}}
    assert doc.line("nodes", "a", "say") == 4
    assert doc.line("nodes", "b", 1) == 7
    assert doc.line("nodes", "a", "missing", "deeper") == 3  # the nearest known parent


def test_duplicate_keys_are_refused_even_when_nested() -> None:
    with pytest.raises(YamlRefused) as refused:
        load("nodes:\n  a:\n    say: hi\n    say: ho\n")
    assert (refused.value.line, refused.value.message) == (
        4,
        "'say' appears twice here (first on line 3); YAML would silently keep only the last one",
    )


def test_size_cap() -> None:
    with pytest.raises(YamlRefused, match="the limit is 262,144"):
        load("#" * (MAX_BYTES + 1))
    assert load("#" * (MAX_BYTES - 1)).data is None


def test_tabs_get_a_hint() -> None:
    with pytest.raises(YamlRefused, match="Use spaces, not tabs"):
        load("a:\n\tb: 1\n")
