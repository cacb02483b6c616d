"""What ``/metrics`` reads at the moment of a scrape, and ``/metrics`` while polling.

``gauges``: whether the database answers, the queue depths, and the union desk's load (cases
open, unclaimed, and how long the oldest unclaimed one has waited: the "desk unanswered"
alert), all counts through ``bot.storage``'s face. ``note_loops``: when each loop last turned
(the intake's last poll, the worker, the sender, the clock), set by the heartbeat every 10 s,
for the "not polling" alert. ``polling``: the intake's polling, with ``/healthz`` and
``/metrics`` served meanwhile on ``HELPLINE_METRICS_LISTEN`` when set (webhook mode serves them
on the webhook's own address). Never a text, a name or an id; label values are fixed words.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bot.config import Settings
from bot.storage import DatabaseError, desk_waiting
from bot.telegram_adapter.metrics import Metrics
from bot.telegram_adapter.parts import Parts
from bot.telegram_adapter.webhook import WebhookServer

LOOP_TURNED = "helpline_loop_last_turn_timestamp_seconds"


def gauges(parts: Parts) -> dict[str, dict[str, float]]:
    """Queue depths, the desk's load and whether the database answers, for each scrape."""
    try:
        inbox, outbox = parts.intake.inbox.size(), parts.sender.outbox.size()
        load = desk_waiting(parts.database.engine)
    except DatabaseError:
        return {"helpline_database_up": {"": 0}}
    return {
        "helpline_database_up": {"": 1},
        "helpline_queue_depth": {"queue=inbox": inbox, "queue=outbox": outbox},
        "helpline_cases_open": {"": load.open},
        "helpline_desk_unclaimed_cases": {"": load.unclaimed},
        "helpline_desk_oldest_unclaimed_seconds": {"": round(load.oldest_age())},
    }


def note_loops(metrics: Metrics, moving: Mapping[str, float | None]) -> None:
    """Set when (Unix time) each loop last turned; a loop that never turned is left out."""
    for loop, turned in moving.items():
        if turned is not None:
            metrics.set(LOOP_TURNED, turned, loop=loop)


async def polling(settings: Settings, parts: Parts, stop: asyncio.Event) -> None:
    """Poll Telegram; with ``HELPLINE_METRICS_LISTEN`` set, serve the operator's endpoints."""
    server = None
    if settings.metrics_listen is not None:
        server = WebhookServer(parts.intake, None, "", lambda: gauges(parts))
        parts.metrics_port = await server.start(*settings.metrics_listen)
    try:
        await parts.intake.poll(stop)
    finally:
        if server is not None:
            await server.close()
