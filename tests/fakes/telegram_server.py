"""The fake Telegram world over loopback HTTP, and a webhook client that posts like Telegram.

``FakeTelegramServer`` serves a ``FakeTelegram`` on 127.0.0.1 (an ephemeral port) with
``http.server.ThreadingHTTPServer`` in a daemon thread, so the real PTB ``Bot`` with its
default ``HTTPXRequest`` can be driven end to end::

    with FakeTelegramServer(world) as server:
        async with Bot(server.token, base_url=server.base_url) as bot:
            await bot.send_message(42, "hi")

Requests are ``/bot<token>/<method>`` (POST or GET). Bodies are decoded the way PTB encodes them
(``telegram/request/_requestparameter.py`` and ``_httpxrequest.py``): as
``application/x-www-form-urlencoded`` where every string value is sent as is and every other
value (int, bool, list, dict) as JSON; as ``multipart/form-data`` when files are uploaded (the
same fields, plus file parts); or as ``application/json``. A form value cannot say whether it
was a string, so parameters whose Bot API type is String (``STRING_PARAMS``) stay text and the
others are JSON-decoded when they parse: ``text=123`` stays ``"123"``, ``chat_id=123`` becomes
``123``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from .telegram_model import UploadedFile
from .telegram_world import FakeTelegram

DEFAULT_TOKEN = "123456:TEST-fake-token"
STRING_PARAMS = frozenset(
    {
        "action",
        "address",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "data",
        "description",
        "emoji",
        "explanation",
        "file_id",
        "first_name",
        "icon_custom_emoji_id",
        "inline_message_id",
        "ip_address",
        "language_code",
        "last_name",
        "message_effect_id",
        "name",
        "parse_mode",
        "phone_number",
        "question",
        "secret_token",
        "short_description",
        "text",
        "title",
        "url",
        "vcard",
    }
)
_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)/?")
_DISPOSITION = re.compile(r'\b(name|filename)="([^"]*)"')


def decode_value(name: str, raw: str) -> Any:
    """One form value: String parameters as sent, the others JSON-decoded when they parse."""
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # for example chat_id=@channelname


def _decode_multipart(content_type: str, body: bytes) -> dict[str, Any]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match is None:
        raise ValueError("multipart body without a boundary")
    params: dict[str, Any] = {}
    for part in body.split(b"--" + match.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break  # the closing delimiter
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = dict(_DISPOSITION.findall(headers.get("content-disposition", "")))
        name = disposition.get("name")
        if name is None:
            continue
        if "filename" in disposition:
            mime_type = headers.get("content-type", "application/octet-stream")
            params[name] = UploadedFile(disposition["filename"], content, mime_type)
        else:
            params[name] = decode_value(name, content.decode())
    return params


def decode_params(content_type: str, body: bytes, query: str = "") -> dict[str, Any]:
    """The parameters of one Bot API request, from its query string and body."""
    params: dict[str, Any] = {
        name: decode_value(name, value) for name, value in parse_qsl(query, keep_blank_values=True)
    }
    kind = content_type.partition(";")[0].strip().lower()
    if kind == "application/json":
        decoded = json.loads(body or b"{}")
        if not isinstance(decoded, dict):
            raise ValueError("a JSON body must be an object")
        params.update(decoded)
    elif kind == "multipart/form-data":
        params.update(_decode_multipart(content_type, body))
    elif body:
        pairs = parse_qsl(body.decode(), keep_blank_values=True)
        params.update({name: decode_value(name, value) for name, value in pairs})
    return params


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeTelegramServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a cancelled long poll) is normal; record anything else."""
        del request, client_address
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, ConnectionError | TimeoutError):
            self.fake.errors.append(error)


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    timeout = 10  # a client that connects and sends nothing does not hold a thread for long

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the world's ``calls`` log is the record."""

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        fake = self.server.fake
        parts = urlsplit(self.path)
        match = _PATH.fullmatch(unquote(parts.path))
        body = self._body()
        if match is None:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        elif match["token"] != fake.token:
            self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        else:
            try:
                params = decode_params(self.headers.get("Content-Type", ""), body, parts.query)
            except (ValueError, UnicodeDecodeError):
                description = "Bad Request: can't parse request parameters"
                self._reply(400, {"ok": False, "error_code": 400, "description": description})
                return
            self._reply(*fake.world.respond(match["method"], params, wait=not fake.closing))

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeTelegramServer:
    """Serves a ``FakeTelegram`` on 127.0.0.1 for the real PTB ``Bot`` (sync or async context)."""

    def __init__(self, world: FakeTelegram | None = None, token: str = DEFAULT_TOKEN) -> None:
        self.world = world if world is not None else FakeTelegram()
        self.token = token
        self.errors: list[BaseException] = []
        self.closing = False
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The ephemeral port the server listens on."""
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """For ``Bot(base_url=...)`` / ``ApplicationBuilder().base_url(...)``: PTB appends the
        token when the URL holds no ``{token}`` (``telegram/_bot.py::_parse_base_url``)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``base_file_url``; file downloads are not served by the fake."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> Self:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        httpd = _HttpServer(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd, self.closing = httpd, False
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.name = f"fake-telegram-{self.port}"
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving: wake long polls, shut the server down and close its socket."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.closing = True
        self.world.wake_long_polls()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.close)


def _is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        return False


def post_update(
    url: str, update: dict[str, Any], secret_token: str | None = None, timeout: float = 5.0
) -> int:
    """POST an update to a webhook on this machine the way Telegram does; the HTTP status."""
    if not _is_loopback(url):
        raise ValueError(f"post_update only talks to this machine, not {url}")
    headers = {"Content-Type": "application/json"}
    if secret_token is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
    request = urllib.request.Request(  # noqa: S310 - the scheme and host are checked above
        url, data=json.dumps(update).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code)
