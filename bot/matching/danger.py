"""Words of danger: a short list per language, found anywhere in a typed text.

Separate from the n-gram matcher on purpose: it must catch every message about being hit,
locked in, taken to the airport or wanting to die, even one that is otherwise about pay, so it
looks for the words themselves (normalised like everything else: "bị đánh" and "bi danh",
"毆打" and "殴打" are the same). A Latin word matches at the start of a word ("beat" finds
"beaten"); Chinese and Japanese words match anywhere. Pure; nothing kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.matching.normalize import is_cjk, normalize


class DangerWords:
    """The danger words of every language, normalised."""

    def __init__(self, words: Mapping[str, Sequence[str]]) -> None:
        keys = {normalize(word) for each in words.values() for word in each}
        keys.discard("")
        self.anywhere = tuple(sorted(k for k in keys if any(is_cjk(ch) for ch in k)))
        self.word_start = tuple(sorted(" " + k for k in keys if not any(is_cjk(ch) for ch in k)))

    def found(self, text: str) -> bool:
        """Whether ``text`` holds a danger word."""
        key = normalize(text)
        spaced = f" {key} "
        return any(w in key for w in self.anywhere) or any(w in spaced for w in self.word_start)
