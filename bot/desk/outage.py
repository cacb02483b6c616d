"""Telling the desk when the database is down, out of band (goal R4).

While the database is unreachable, trainees' updates wait at Telegram and each chat is told
once to try again in a minute; nothing else can be queued. The volunteers should know, so the
bot writes straight to the desk group's general topic (no outbox: it lives in the database)
once the database has been unreachable for a while, and again when it is back.

Pure: the caller reports each round's outcome with the time, and sends what it is told to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.desk.hours import JST

ALERT_AFTER = timedelta(minutes=1)
"""A blip shorter than this is not worth waking anyone."""


@dataclass
class OutageWatch:
    """Follows the database's health round by round; says when to alert and when to clear."""

    after: timedelta = ALERT_AFTER
    down_since: datetime | None = None
    alerted: bool = False

    def round(self, reachable: bool, now: datetime) -> str | None:
        """Note one round; return a Japanese message for the desk, or None."""
        if reachable:
            was_alerted, self.down_since, self.alerted = self.alerted, None, False
            if not was_alerted:
                return None
            back = now.astimezone(JST)
            return f"データベースが復旧しました（{back:%H:%M}）。通常どおり動いています。"
        if self.down_since is None:
            self.down_since = now
        if self.alerted or now - self.down_since < self.after:
            return None
        self.alerted = True
        since = self.down_since.astimezone(JST)
        return (
            f"【障害】{since:%H:%M} からデータベースにつながりません。相談者のメッセージは "
            "Telegram 側で待っていて、失われません。本人には「少し待って」と伝えています。"
            "復旧したらここでお知らせします。"
        )
