"""Understanding what trainees type: which targets a free text is about, and words of danger.

``Matcher(triggers)`` is built once from ``flows/data/triggers.yaml`` (the flows' ``Triggers``);
``match(text)`` returns a ``Match``: up to three targets to offer, a confidence bucket, whether
the text holds words of danger, and the language it seems written in. The text is normalised
(``normalize``: NFKC, case, Vietnamese tones, Traditional Chinese, kana, width, emoji), compared
by character n-grams with the example phrases (``index``), and checked against the danger words
(``danger``), a separate list meant to catch every danger, at the cost of a few false alarms.

Pure: no I/O, no clock, no logging, nothing kept. A text goes in, names of targets come out;
the caller must not log or store the text either (docs/flows.md, "Typed text").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.flowdefs.model import TRIGGER_LANGUAGES, Triggers
from bot.matching.danger import DangerWords
from bot.matching.index import Example, Index
from bot.matching.normalize import han_only, script_hint

MAX_TEXT = 400
"""Only the first this many characters of a text are matched (a trainee's point comes early;
a 4,096-character message would otherwise take ten times longer)."""
SMALL_TALK = "small_talk"
"""The target of greetings and thanks: text most like it matches no topic."""
SMALL_TALK_MARGIN = 0.8
"""Small talk wins only when the best topic is well behind it ("きのう首になりました" ends like
"わかりました" but is about a dismissal)."""
DANGER_TARGET = "danger"
"""The target whose phrases are about danger (it leads to the danger check)."""
OFFERED = 3
"""At most this many targets are offered as buttons."""
LOW_BELOW = 0.2
"""Below this best score, no target is offered: the menu instead (tuned on bench/matching/)."""
HIGH_FROM = 0.5
"""From this best score on, the confidence is high."""
NEAR = 0.5
"""A second or third target is offered when its score is at least this share of the best."""
DANGER_FROM = 0.65
"""The danger target this close to a text counts as danger even without a danger word."""


class Confidence(StrEnum):
    """How sure a match is, in the buckets that may be logged (never a score or the text)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Match:
    """What a typed text seems to be about."""

    targets: tuple[str, ...]
    """Targets to offer, best first; empty when the confidence is low."""
    confidence: Confidence
    danger: bool
    """Words of danger were typed: show 110/119 and the danger check at once."""
    lang: str | None
    """The helpline language the text seems written in, if the text says."""


class Matcher:
    """The example phrases indexed, and the danger words, ready to match texts."""

    def __init__(self, triggers: Triggers) -> None:
        examples = [
            Example(target.name, lang, phrase)
            for target in triggers.targets.values()
            for lang, phrases in target.phrases.items()
            for phrase in phrases
        ]
        self.index = Index(examples)
        self.danger_words = DangerWords(triggers.danger_words)

    def match(self, text: str) -> Match:
        """Return what ``text`` seems to be about (its first ``MAX_TEXT`` characters)."""
        text = text[:MAX_TEXT]
        hint = script_hint(text)
        ranked = self.index.rank(text, hint or han_only(text))
        first = ranked.scores[0][0] if ranked.scores else None
        best = ranked.best
        danger = self.danger_words.found(text) or (first == DANGER_TARGET and best >= DANGER_FROM)
        lang = hint or ranked.lang
        helpline_lang = TRIGGER_LANGUAGES.get(lang) if lang else None
        topics = [(name, score) for name, score in ranked.scores if name != SMALL_TALK]
        top = topics[0][1] if topics else 0.0
        offered = tuple(name for name, score in topics[:OFFERED] if score >= top * NEAR)
        if danger:  # the danger check comes first, whatever else the text is about
            others = tuple(name for name in offered if name != DANGER_TARGET)
            return Match((DANGER_TARGET, *others)[:OFFERED], Confidence.HIGH, True, helpline_lang)
        small_talk = first == SMALL_TALK and top < best * SMALL_TALK_MARGIN
        if best < LOW_BELOW or not ranked.grounded or small_talk or not offered:
            return Match((), Confidence.LOW, False, helpline_lang)
        # Not danger by its words: the danger check is still offered, after the others.
        offered = tuple(sorted(offered, key=lambda name: name == DANGER_TARGET))
        confidence = Confidence.HIGH if top >= HIGH_FROM else Confidence.MEDIUM
        return Match(offered, confidence, False, helpline_lang)
