"""A running helpline on Telegram, as its pieces: what the wiring builds and the jobs run on.

Tests look into it too. Holds no behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import Bot

from bot.service import Helpline
from bot.storage import Database, KeyUse
from bot.telegram_adapter.group import Group
from bot.telegram_adapter.intake import Intake
from bot.telegram_adapter.metrics import Metrics
from bot.telegram_adapter.sender import Sender
from bot.telegram_adapter.worker import Worker


@dataclass
class Parts:
    """A running helpline on Telegram, for tests to look into."""

    database: Database
    helpline: Helpline
    bot: Bot
    intake: Intake
    worker: Worker
    sender: Sender
    desk: Group | None = None
    webhook_port: int | None = None
    metrics_port: int | None = None
    """Polling with ``HELPLINE_METRICS_LISTEN``: where ``/metrics`` is served."""
    metrics: Metrics = field(default_factory=Metrics)
    key_use: KeyUse | None = None
    """This process's marker on the master key it wraps with (``bot.storage.keyuse``)."""
    index_use: KeyUse | None = None
    """This process's marker on the index key it makes pseudonyms with (``jobs.keep_keys``);
    made with ``key_use``'s engine when that is given."""

    def __post_init__(self) -> None:
        """Give a process that marks its master key a marker for its index key too."""
        if self.key_use is not None and self.index_use is None:
            self.index_use = KeyUse(self.key_use.engine)
