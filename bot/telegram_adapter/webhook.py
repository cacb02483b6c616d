"""The webhook: Telegram posts each update to us; we answer only once it is in the inbox.

A deliberately small HTTP/1.1 server on asyncio streams, meant to sit behind a TLS reverse
proxy (see ``deploy/``). It accepts ``POST`` to the configured path with the secret token
header Telegram sends, reads one JSON update (at most 1 MiB) as it came (never parsed
here: see ``raw``), writes it to the inbox through
``Intake.take`` and only then answers 200. Anything else gets 403, 404, 405 or 400. If the
database is down it answers 503, so Telegram delivers the update again later.

For the operator, on the same port: ``GET /healthz`` (200 while the database answers, else
503) and ``GET /metrics`` (Prometheus text: counts and latencies, never content). The reverse
proxy forwards only the webhook path, so these stay on the machine (``deploy/Caddyfile``).
Without a path (polling mode, ``bot.telegram_adapter.gauges.polling``) it serves those two only.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus

from telegram import Bot

from bot.storage import DatabaseError
from bot.telegram_adapter.intake import Intake

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20
JSON = "application/json"
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"
SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name, not a secret


class WebhookServer:
    """Serves the webhook path until closed."""

    def __init__(
        self,
        intake: Intake,
        bot: Bot,
        path: str | None,
        secret: str,
        gauges: Callable[[], Mapping[str, Mapping[str, float]]] | None = None,
    ) -> None:
        self.intake = intake
        self.bot = bot
        self.path = path
        """None: no webhook here, only ``/healthz`` and ``/metrics`` (polling mode)."""
        self.secret = secret
        self.gauges = gauges or (dict)
        """Values of the moment (queue depths, whether the database answers); may block."""
        self.server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen; return the port (useful when ``port`` is 0)."""
        self.server = await asyncio.start_server(self._connection, host, port)
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening and wait for open requests to finish."""
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:  # keep-alive: Telegram may send several updates on one connection
                status, keep, body, kind = await self._request(reader)
                if status == 0:
                    break
                head = (
                    f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
                    f"Content-Type: {kind}\r\n"
                    f"Content-Length: {len(body)}\r\n"
                    f"Connection: {'keep-alive' if keep else 'close'}\r\n\r\n"
                )
                writer.write(head.encode() + body)
                await writer.drain()
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _request(self, reader: asyncio.StreamReader) -> tuple[int, bool, bytes, str]:
        """Read one request and act on it.

        Return the status (0: the connection closed), whether to keep the connection, the body
        and its content type.
        """
        status, keep, target = await self._webhook(reader)
        if status != HTTPStatus.NOT_FOUND or target not in ("/healthz", "/metrics"):
            body = b'{"ok":true}' if status == HTTPStatus.OK else b""
            return status, keep, body, JSON
        gauges = await asyncio.to_thread(self.gauges)
        if target == "/metrics":
            text = self.intake.metrics.render(lambda: gauges)
            return HTTPStatus.OK, keep, text.encode(), PROMETHEUS
        up = gauges.get("helpline_database_up", {}).get("", 1) == 1
        body = b'{"ok":true}' if up else b'{"ok":false,"database":"unreachable"}'
        return (HTTPStatus.OK if up else HTTPStatus.SERVICE_UNAVAILABLE), keep, body, JSON

    async def _webhook(self, reader: asyncio.StreamReader) -> tuple[int, bool, str]:
        """Read one request; act on it if it is the webhook's. Return (status, keep, target)."""
        line = await reader.readline()
        if not line:
            return 0, False, ""
        method, _, rest = line.decode("latin-1").partition(" ")
        target = rest.split(" ", 1)[0]
        headers: dict[str, str] = {}
        while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        keep = headers.get("connection", "").lower() != "close"
        length = int(headers.get("content-length", "0") or 0)
        if length > MAX_BODY:
            return 413, False, ""
        body = await reader.readexactly(length) if length else b""
        if self.path is None or target != self.path:
            return 404, keep, target
        if method != "POST":
            return 405, keep, target
        if not hmac.compare_digest(headers.get(SECRET_HEADER, ""), self.secret):
            log.warning("webhook.bad_secret")
            return 403, keep, target
        try:
            update = json.loads(body)
        except ValueError:
            return 400, keep, target
        if not isinstance(update, dict):
            return 400, keep, target
        self.intake.polled = time.time()
        try:
            await self.intake.take([update])
        except DatabaseError:
            log.error("intake.database_unreachable")
            await self.intake.tell_busy([update])
            return 503, keep, target
        return 200, keep, target
