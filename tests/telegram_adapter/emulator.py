"""The independent Bot API emulator (npm ``telegram-test-api``), a bridge to it, and a phone.

Used by ``test_compat_emulator.py``, whose docstring lists every gap the bridge fills and why.
Everything listens on 127.0.0.1 only; nothing here reaches the network.

- ``Emulator`` runs the npm package's ``TelegramServer`` in a ``node`` child process, on an
  ephemeral loopback port, until ``close()`` (or, at the latest, a watchdog inside node).
- ``Bridge`` is a small HTTP server between ``helpline run`` and the emulator. It forwards
  what the emulator implements, and answers the rest itself, per the Bot API's documentation.
  It never changes what the bot sends, only how the emulator's answers and updates are shaped.
- ``Phone`` is the trainee's Telegram app, through the emulator's own client API
  (``/sendMessage``, ``/sendCommand``, ``/sendCallback``, ``/getUpdatesHistory``).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ..conftest import ROOT
from ..fakes.telegram_server import decode_params

PINNED = "4.2.1"
"""The emulator's version (also in ``.ci/run``); a different one is a skip, not a guess."""
NODE_DIR = Path(os.environ.get("HELPLINE_TEST_NODE_DIR", ROOT / "tests" / ".node"))
"""Where ``npm install --prefix`` put it (git ignores ``tests/.node/``)."""
INSTALL = f"npm install --prefix tests/.node --no-save telegram-test-api@{PINNED}"
LIFETIME = 300
"""Seconds after which the emulator ends itself, should the test process die without a word."""
LAUNCH = """
const TelegramServer = require('telegram-test-api');
const server = new TelegramServer({host: '127.0.0.1', port: 1, storeTimeout: 3600});
server.config.port = 0;  // an ephemeral port (its config takes 0 for "not given")
server.start().then(() => {
  process.stdout.write(JSON.stringify({port: server.server.address().port}) + '\\n');
});
const stop = () => server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(() => process.exit(3), LIFETIME * 1000).unref();
""".replace("LIFETIME", str(LIFETIME))


def emulator_or_skip() -> Path:
    """The installed package's folder, or skip (fail when ``.ci/run`` says it is required)."""
    package = NODE_DIR / "node_modules" / "telegram-test-api" / "package.json"
    why = None
    if shutil.which("node") is None:
        why = "node is not installed: the Bot API emulator (npm telegram-test-api) needs it"
    elif not package.exists():
        why = f"the Bot API emulator is not installed in {NODE_DIR}: run `{INSTALL}`"
    elif (found := json.loads(package.read_text())["version"]) != PINNED:
        why = f"telegram-test-api {found} is installed, this test is for {PINNED}: `{INSTALL}`"
    if why is not None:
        if os.environ.get("HELPLINE_TEST_REQUIRE_EMULATOR") == "1":
            pytest.fail(f"{why} (HELPLINE_TEST_REQUIRE_EMULATOR=1)")
        pytest.skip(why)
    return package.parent


def call(url: str, body: bytes, content_type: str, timeout: float = 10) -> tuple[int, bytes]:
    """POST to a loopback address; the status and body, whatever the status."""
    headers = {"Content-Type": content_type}
    request = urllib.request.Request(url, body, headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post_json(url: str, body: dict[str, Any]) -> dict[str, Any]:
    status, data = call(url, json.dumps(body).encode(), "application/json")
    answer: dict[str, Any] = json.loads(data)
    if status != 200:
        raise AssertionError(f"{url} answered {status}: {answer}")
    return answer


class Emulator:
    """``telegram-test-api`` in a node process on 127.0.0.1."""

    def __init__(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            ["node", "-e", LAUNCH],
            cwd=folder.parent.parent,  # the prefix: require() finds node_modules there
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 15)
        line = self.process.stdout.readline() if ready else b""
        if not line:
            self.close()
            raise AssertionError("the emulator did not start within 15 s")
        self.url = f"http://127.0.0.1:{json.loads(line)['port']}"

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()


def shape_update(update: dict[str, Any], raw: frozenset[int]) -> dict[str, Any]:
    """An emulator update as the Bot API shapes it (gaps 4 and 5 of the test's list)."""
    for kind in ("message", "callback_query"):
        part = update.get(kind)
        if isinstance(part, dict):
            part.pop("botToken", None)
    query = update.get("callback_query")
    if isinstance(query, dict) and "chat_instance" not in query and 5 not in raw:
        chat = (query.get("message") or {}).get("chat", {}).get("id", query["from"]["id"])
        query["chat_instance"] = f"emulated-{chat}"
    return update


MESSAGE_FIELDS = ("message_id", "date", "chat", "text", "reply_markup")
"""What the bridge keeps of the emulator's ``sendMessage`` answer (gap 6)."""


class Bridge:
    """The HTTP server between ``helpline run`` and the emulator (see the test's docstring).

    ``raw`` names gaps (by their number in the test's list) to leave as the emulator has them,
    to see what the bot makes of them; ``long_poll=False`` leaves gap 9's holding out.
    """

    def __init__(
        self, emulator_url: str, *, long_poll: bool = True, raw: frozenset[int] = frozenset()
    ) -> None:
        self.emulator_url = emulator_url
        self.long_poll = long_poll
        self.raw = raw
        self.calls: list[tuple[float, str]] = []
        self.pending: list[dict[str, Any]] = []
        self.me: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.closing = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.bridge = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def close(self) -> None:
        self.closing = True
        self.server.shutdown()
        self.server.server_close()

    def count(self, method: str) -> int:
        return sum(name == method for _, name in self.calls)

    def forward(self, path: str, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
        status, data = call(self.emulator_url + path, body, content_type or "text/plain")
        return status, json.loads(data or b"{}")

    def emulator(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self.forward(path, json.dumps(params).encode(), "application/json")

    def answer(self, path: str, method: str, body: bytes, content_type: str) -> tuple[int, Any]:
        """What the bot gets for one Bot API call."""
        self.calls.append((time.monotonic(), method))
        params = decode_params(content_type, body)
        token_path = path.rsplit("/", 1)[0]
        if method == "setMyCommands" and 1 not in self.raw:  # gap 1
            return 200, {"ok": True, "result": True}
        if method == "deleteMessages" and 2 not in self.raw:  # gap 2
            for message_id in params["message_ids"]:
                for _ in range(4):  # gap 3: one id may be filed under a button press too
                    params_one = {"chat_id": params["chat_id"], "message_id": message_id}
                    if self.emulator(f"{token_path}/deleteMessage", params_one)[0] != 200:
                        break
            return 200, {"ok": True, "result": True}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self.updates(token_path, params)}
        status, answer = self.forward(path, body, content_type)
        if status == 200 and method == "getMe":  # gap 7
            answer["result"] = self.me = {"is_bot": True, **answer["result"]}
        if status == 200 and method == "sendMessage" and 6 not in self.raw:  # gap 6
            echoed = answer["result"]
            sent = {key: echoed[key] for key in MESSAGE_FIELDS if key in echoed}
            sent["date"] //= 1000
            sent["chat"] = {"id": sent["chat"]["id"], "type": "private", "first_name": "Trainee"}
            answer["result"] = {**sent, "from": self.me}
        if status == 200 and method == "answerCallbackQuery" and answer["result"] is None:
            answer["result"] = True  # gap 8
        return status, answer

    def updates(self, token_path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Long polling with an offset (gap 9), over the emulator's one-shot ``getUpdates``."""
        offset, limit = params.get("offset"), int(params.get("limit") or 100)
        wait = float(params.get("timeout") or 0) if self.long_poll else 0.0
        deadline = time.monotonic() + min(wait, 10)
        while True:
            with self.lock:
                if offset is not None:
                    self.pending = [u for u in self.pending if u["update_id"] >= int(offset)]
                _, fresh = self.emulator(f"{token_path}/getUpdates", {})
                self.pending.extend(shape_update(update, self.raw) for update in fresh["result"])
                ready = self.pending[:limit]
            if ready or self.closing or time.monotonic() >= deadline:
                return ready
            time.sleep(0.05)


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer
    timeout = 30

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _handle(self) -> None:
        bridge: Bridge = self.server.bridge  # type: ignore[attr-defined]
        path = urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, answer = bridge.answer(
            path, path.rsplit("/", 1)[-1], body, self.headers.get("Content-Type", "")
        )
        data = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except ConnectionError:  # the bot gave up waiting (a long poll cut short by its stop)
            pass


class Phone:
    """One trainee's Telegram app, through the emulator's client API."""

    def __init__(self, emulator_url: str, token: str, user_id: int, language_code: str) -> None:
        self.url = emulator_url
        self.token = token
        self.user = {
            "id": user_id,
            "is_bot": False,
            "first_name": "Canary",
            "language_code": language_code,
        }
        self.chat = {"id": user_id, "type": "private", "first_name": "Canary"}

    def say(self, text: str) -> None:
        """Type a message (a command when it starts with a slash)."""
        message: dict[str, Any] = {
            "botToken": self.token,
            "from": self.user,
            "chat": self.chat,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"offset": 0, "length": len(command), "type": "bot_command"}]
            post_json(self.url + "/sendCommand", message)
        else:
            post_json(self.url + "/sendMessage", message)

    def press(self, label: str) -> None:
        """Press the button with this label under the newest bot message that has it."""
        for stored in reversed(self.bot_messages()):
            for row in stored["message"].get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        shown = {
                            "message_id": stored["messageId"],
                            "date": stored["time"] // 1000,
                            "chat": self.chat,
                            "text": stored["message"]["text"],
                        }
                        body = {"botToken": self.token, "from": self.user}
                        body |= {"message": shown, "data": button["callback_data"]}
                        post_json(self.url + "/sendCallback", body)
                        return
        raise AssertionError(f"no button {label!r} on the screen: {self.texts()}")

    def history(self) -> list[dict[str, Any]]:
        """Everything the emulator still holds for this bot, oldest first."""
        answer = post_json(self.url + "/getUpdatesHistory", {"token": self.token})
        return list(answer["result"])

    def bot_messages(self) -> list[dict[str, Any]]:
        chat = str(self.chat["id"])
        return [
            item
            for item in self.history()
            if "chat_id" in item.get("message", {}) and str(item["message"]["chat_id"]) == chat
        ]

    def own_messages(self) -> list[str]:
        """The trainee's messages still on the screen (button presses are not messages)."""
        return [
            item["message"]["text"]
            for item in self.history()
            if "callbackQuery" not in item and item.get("message", {}).get("chat") == self.chat
        ]

    def texts(self) -> list[str]:
        return [item["message"]["text"] for item in self.bot_messages()]

    def wait(self, condition: Callable[[list[str]], bool], what: str, timeout: float = 20) -> None:
        """Wait until the bot's messages on the screen meet ``condition``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self.texts()):
                return
            time.sleep(0.05)
        raise AssertionError(f"waited {timeout} s for {what}; the screen shows {self.texts()}")

    def expect(self, words: str, timeout: float = 20) -> str:
        """Wait for a new bot message containing ``words``; return the new messages up to it."""
        self.wait(lambda texts: any(words in t for t in texts[self.seen :]), repr(words), timeout)
        texts = self.texts()
        end = next(i for i in range(self.seen, len(texts)) if words in texts[i]) + 1
        new, self.seen = texts[self.seen : end], end
        return "\n---\n".join(new)

    seen = 0
