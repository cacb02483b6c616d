"""The webhook: Telegram posts each update to us; we answer only once it is in the inbox.

A small ASGI app (``WebhookApp``) served by uvicorn (its pure-Python HTTP/1.1 protocol, h11),
meant to sit behind a TLS reverse proxy (see ``deploy/``). HTTP itself (request lines, headers,
``Content-Length`` and chunked bodies, keep-alive, a bad request's 400) is uvicorn's and h11's,
code that many deployments exercise; this module adds only what the helpline needs:

* ``POST`` to the configured path, with the secret token header Telegram sends (compared in
  constant time), else 404, 405 or 403; the secret is checked before any of the body is read;
* one framing of the body: ``Content-Length`` or chunked, not both (400);
* a body of at most 1 MiB (``MAX_BODY``): a larger ``Content-Length`` is refused with 413
  before the body is read, and a chunked body is counted as it comes and refused with 413 as
  soon as it passes the limit; the connection is then closed, so nothing past it is read;
* a request's head and then its body must each arrive within ``READ_TIMEOUT`` seconds (the
  body: 408, then the connection is closed). uvicorn has no deadline for a request's head
  (its keep-alive clock starts again on every byte, and does not run before the first
  request), so ``_Protocol`` adds one: a client that sends nothing, or a head a byte at a
  time, loses its connection;
* the body is one JSON object (else 400), written as it came to the inbox through
  ``Intake.take`` (never parsed with the library here: see ``raw``), and only then answered
  200. If the database is down it answers 503 (and tells the chat to try again in a
  minute), on a bug 500: Telegram delivers the update again later.

For the operator, on the same port: ``GET /healthz`` (200 while the database answers, else
503) and ``GET /metrics`` (Prometheus text: counts and latencies, never content). The reverse
proxy forwards only the webhook path, so these stay on the machine (``deploy/Caddyfile``).
Without a path (polling mode, ``bot.telegram_adapter.gauges.polling``) it serves those two only.

The server runs inside the helpline's own event loop, and leaves the signals to it
(``runtime``): on stop it takes no new connection, lets requests in flight finish (at most
``STOP_TIMEOUT`` seconds) and closes idle connections. Nothing here logs an update, a header
or an address; uvicorn's access log is off, and its own records pass the helpline's filter.
It decides nothing about an update and reads no storage itself: the intake does both.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from http import HTTPStatus
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.storage import DatabaseError
from bot.telegram_adapter.intake import Intake

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20
READ_TIMEOUT = 10.0
"""Seconds for a request's head to arrive (from the connection or the last answer on it), and
then as many for its body. Telegram sends a whole update at once."""
STOP_TIMEOUT = 3
"""Seconds the server waits at stop for requests in flight (the whole stop has 10)."""
CONNECTIONS = 100
"""Open connections at most (Telegram opens up to 40): past it, new requests get 503."""
JSON = "application/json"
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"
SECRET_HEADER = b"x-telegram-bot-api-secret-token"
OK = b'{"ok":true}'

Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Answer:
    """A response: status, body, content type, and whether to close the connection after it."""

    __slots__ = ("body", "close", "kind", "status")

    def __init__(
        self, status: int, body: bytes = b"", kind: str = JSON, *, close: bool = False
    ) -> None:
        self.status, self.body, self.kind, self.close = status, body, kind, close


class WebhookApp:
    """The ASGI app: the webhook path, ``/healthz`` and ``/metrics``."""

    def __init__(
        self,
        intake: Intake,
        path: str | None,
        secret: str,
        gauges: Callable[[], Mapping[str, Mapping[str, float]]] | None = None,
    ) -> None:
        self.intake = intake
        self.path = path
        self.secret = secret.encode()
        self.gauges = gauges or (dict)
        """Values of the moment (queue depths, whether the database answers); may block."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one HTTP request (uvicorn calls this)."""
        if scope["type"] != "http":  # no lifespan, no websockets
            return
        answer = await self.answer(scope, receive)
        headers = [
            (b"content-type", answer.kind.encode()),
            (b"content-length", str(len(answer.body)).encode()),
        ]
        if answer.close:  # h11 then closes the connection after the answer: nothing more is read
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body})

    async def answer(self, scope: Scope, receive: Receive) -> Answer:
        """Act on one request; a request whose body was not read closes its connection."""
        target = bytes(scope.get("raw_path") or b"").decode("latin-1")
        if target in ("/healthz", "/metrics") and target != self.path:
            if scope["method"] not in ("GET", "HEAD"):  # a body to these is never read
                return Answer(HTTPStatus.METHOD_NOT_ALLOWED, close=True)
            return await self.operator(target)
        if self.path is None or target != self.path:
            return Answer(HTTPStatus.NOT_FOUND, close=True)
        if scope["method"] != "POST":
            return Answer(HTTPStatus.METHOD_NOT_ALLOWED, close=True)
        if not hmac.compare_digest(header(scope, SECRET_HEADER), self.secret):
            log.warning("webhook.bad_secret")
            return Answer(HTTPStatus.FORBIDDEN, close=True)
        body = await read_body(scope, receive)
        if isinstance(body, Answer):
            return body
        try:
            update = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past reason
            return Answer(HTTPStatus.BAD_REQUEST)
        if not isinstance(update, dict):
            return Answer(HTTPStatus.BAD_REQUEST)
        return await self.take(update)

    async def take(self, update: dict[str, Any]) -> Answer:
        """Write the update to the inbox; 200 only once it is there."""
        self.intake.polled = time.time()
        try:
            await self.intake.take([update])
        except DatabaseError:
            log.error("intake.database_unreachable")
            await self.intake.tell_busy([update])
            return Answer(HTTPStatus.SERVICE_UNAVAILABLE)
        except Exception as error:  # a bug: Telegram delivers the update again later
            log.error("webhook.failed", extra={"error": type(error).__name__})
            return Answer(HTTPStatus.INTERNAL_SERVER_ERROR)
        return Answer(HTTPStatus.OK, OK)

    async def operator(self, target: str) -> Answer:
        """``/metrics`` or ``/healthz``."""
        gauges = await asyncio.to_thread(self.gauges)
        if target == "/metrics":
            text = self.intake.metrics.render(lambda: gauges)
            return Answer(HTTPStatus.OK, text.encode(), PROMETHEUS)
        if gauges.get("helpline_database_up", {}).get("", 1) == 1:
            return Answer(HTTPStatus.OK, OK)
        return Answer(HTTPStatus.SERVICE_UNAVAILABLE, b'{"ok":false,"database":"unreachable"}')


def header(scope: Scope, name: bytes) -> bytes:
    """The first value of a header (names come lower-cased), or empty."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return b""


async def read_body(scope: Scope, receive: Receive) -> bytes | Answer:
    """The request's body, or the answer that refuses it (413, 408, 400).

    A ``Content-Length`` over ``MAX_BODY`` is refused before anything is read; a body without
    one (chunked) is counted as it comes, and refused once it passes the limit. h11 has
    already refused a ``Content-Length`` that is not a number, or two that differ; one beside
    ``Transfer-Encoding`` (which h11 would let win) is refused here, as RFC 9112 allows.
    """
    declared = header(scope, b"content-length")
    if declared and header(scope, b"transfer-encoding"):  # two framings: a smuggling attempt
        return Answer(HTTPStatus.BAD_REQUEST, close=True)
    if declared.isdigit() and int(declared) > MAX_BODY:
        log.warning("webhook.too_large")
        return Answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, close=True)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(READ_TIMEOUT):
            while True:
                message = await receive()
                if message["type"] != "http.request":  # the client went away
                    return Answer(HTTPStatus.BAD_REQUEST, close=True)
                chunk = bytes(message.get("body", b""))
                size += len(chunk)
                if size > MAX_BODY:
                    log.warning("webhook.too_large")
                    return Answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, close=True)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
    except TimeoutError:
        log.warning("webhook.read_timeout")
        return Answer(HTTPStatus.REQUEST_TIMEOUT, close=True)


class _Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, with a deadline for each request's head (``READ_TIMEOUT``).

    The clock starts when the connection opens and again after each answer on it; if no new
    request's head has been read when it runs out, the connection is closed (an idle one too).
    A request that started in time is the app's (``read_body``) to finish in time.
    """

    deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._start_clock(None)

    def on_response_complete(self) -> None:
        answered = self.cycle
        super().on_response_complete()  # may start a pipelined request at once
        self._start_clock(answered)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        super().connection_lost(exc)

    def _start_clock(self, answered: object) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        self.deadline = self.loop.call_later(READ_TIMEOUT, self._too_late, answered)

    def _too_late(self, answered: object) -> None:
        if self.cycle is answered and not self.transport.is_closing():  # no new request came
            log.info("webhook.head_timeout")
            self.transport.close()


class _Server(uvicorn.Server):
    """uvicorn's server, leaving SIGTERM and SIGINT to the helpline (``runtime``)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebhookServer:
    """Serves the webhook path until closed."""

    def __init__(
        self,
        intake: Intake,
        path: str | None,
        secret: str,
        gauges: Callable[[], Mapping[str, Mapping[str, float]]] | None = None,
    ) -> None:
        self.app = WebhookApp(intake, path, secret, gauges)
        self.server: _Server | None = None
        self.task: asyncio.Task[None] | None = None
        self.sock: socket.socket | None = None

    async def start(self, host: str, port: int) -> int:
        """Listen; return the port (useful when ``port`` is 0). Raises ``OSError`` if taken."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family, backlog=128)
        config = uvicorn.Config(
            self.app,
            http=_Protocol,
            interface="asgi3",
            lifespan="off",
            log_config=None,
            access_log=False,  # it would log addresses and paths
            proxy_headers=False,
            server_header=False,
            timeout_keep_alive=5,
            timeout_graceful_shutdown=STOP_TIMEOUT,
            limit_concurrency=CONNECTIONS,
        )
        self.sock = sock
        self.server = _Server(config)
        self.task = asyncio.create_task(self.server.serve(sockets=[sock]))
        while not self.server.started:
            if self.task.done():  # it could not start: say why
                self.task.result()
                raise OSError("the webhook server stopped while starting")
            await asyncio.sleep(0.01)
        return int(sock.getsockname()[1])

    def ended(self, then: Callable[[], None]) -> None:
        """Call ``then`` once the server stops serving (an error if it was not asked to)."""

        def done(task: asyncio.Task[None]) -> None:
            if self.server is not None and not self.server.should_exit:
                failure = "CancelledError" if task.cancelled() else type(task.exception()).__name__
                log.error("webhook.stopped", extra={"error": failure})
            then()

        if self.task is not None:
            self.task.add_done_callback(done)

    async def close(self) -> None:
        """Stop listening, let requests in flight finish, close the connections."""
        if self.server is None or self.task is None:
            return
        self.server.should_exit = True
        await asyncio.wait({self.task})  # never raises: a server that failed has nothing to stop
        if self.sock is not None:
            self.sock.close()  # uvicorn closes it, unless its task died first
