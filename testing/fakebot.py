"""A fake Telegram Bot API server for offline end-to-end tests.

``FakeBotAPI`` is a real HTTP server on 127.0.0.1 (standard library only, one thread per connection) that
speaks the Bot API wire protocol closely enough for an unmodified python-telegram-bot ``Application`` to
poll it, send to it and retry against it.  Tests push user activity (texts, button presses, uploads,
membership changes), then inspect what the bot did: every call is recorded, the bot's messages are kept
as they look now (after edits), and every breach of Telegram's rules is answered with Telegram's own
400 error *and* recorded in ``.violations``.

Wiring (see ``testing/wiring.py`` and ``testing/fixtures.py`` for ready-made helpers)::

    with FakeBotAPI() as fake:
        app = (ApplicationBuilder().token(fake.token)
               .base_url(fake.base_url).base_file_url(fake.base_file_url).build())

Everything here is thread-safe: the helpers that push updates may be called from the test thread or from
inside the bot's event loop.  Blocking waits come in two flavours: ``wait_for*`` (for sync tests or tests
whose bot runs in another thread) and ``wait_for*_async`` (for tests that run the bot in the same event
loop, where a blocking wait would freeze the bot).

The server never writes the bot token to the logs it produces (paths are redacted).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from testing.inspection import InspectionMixin
from testing.limits import DEFAULT_TOKEN, DEFAULT_UPDATE_TYPES, MEMBER_STATUSES
from testing.messaging import MessagingMixin
from testing.methods import MethodsMixin
from testing.pushing import PushingMixin
from testing.records import ApiChat, Call, Fault, Message, StoredFile, User, Violation, _CallbackQuery
from testing.server import _Server
from testing.transport import TransportMixin

logger = logging.getLogger("testing.botapi")


# --------------------------------------------------------------------------------------------- server


Observer = Callable[[str, dict], None]


class FakeBotAPI(PushingMixin, InspectionMixin, TransportMixin, MethodsMixin, MessagingMixin):
    """A fake Telegram Bot API server with a small simulated world.  Use it as a context manager.

    Privacy records: ``group_outputs`` holds everything the bot made visible in a group (messages, edits,
    captions, button labels and links, pop-up answers to presses there) and ``private_inputs`` everything
    users typed to it in private chats.  Each record also goes to the ``observers`` (by default
    ``FakeBotAPI.default_observers``, which tests/conftest.py fills with the session-wide leak scan).
    """

    default_observers: ClassVar[list[Observer]] = []

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "xiaoe_test_bot",
        bot_name: str = "Xiaoe",
        privacy_mode: bool = True,
        strict_html: bool = True,
        strict_rate_limits: bool = False,
        callback_query_ttl: float | None = 15.0,
        allow_http_webhook: bool = False,
        latency: float = 0.0,
        max_hang: float = 120.0,
        observers: Iterable[Observer] | None = None,
    ) -> None:
        """Configure the fake; nothing listens until ``start()`` (or ``with``).

        ``privacy_mode``: like a bot with BotFather's default privacy mode, the bot only receives group
        messages that are commands, mention it or reply to it (unless it is an administrator).
        ``strict_html``: a lone ``&`` is a parse error (the documented rule; real Telegram tolerates it).
        ``strict_rate_limits``: answer 429 when the bot exceeds 30 sends/s overall or 20/min in a group.
        ``callback_query_ttl``: seconds after which answerCallbackQuery fails with "query is too old".
        ``latency``: seconds added before every answer.  ``max_hang``: cap for the "timeout" fault.
        ``observers``: called with ("group_output" | "private_input", record) (default: ``default_observers``).
        """
        if ":" not in token or not token.split(":", 1)[0].isdigit():
            raise ValueError("token must look like '<bot id>:<secret>'")
        self.token = token
        self.privacy_mode = privacy_mode
        self.strict_html = strict_html
        self.strict_rate_limits = strict_rate_limits
        self.callback_query_ttl = callback_query_ttl
        self.allow_http_webhook = allow_http_webhook
        self.latency = latency
        self.max_hang = max_hang
        self.bot_user = User(int(token.split(":", 1)[0]), bot_name, username=bot_username, is_bot=True)

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

        # world
        self._users: dict[int, User] = {self.bot_user.id: self.bot_user}
        self._chats: dict[int, ApiChat] = {}
        self._members: dict[int, dict[int, str]] = {}  # chat id -> user id -> status
        self._started: set[int] = set()  # private chats whose user has started the bot
        self._blocked: set[int] = set()
        self._messages: dict[int, dict[int, Message]] = {}
        self._next_message_id: dict[int, int] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, str] = {}
        self._callback_queries: dict[str, _CallbackQuery] = {}
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self._user_ids = itertools.count(100_000_001)
        self._group_ids = itertools.count(4_000_000_001)
        self._supergroup_ids = itertools.count(1_000_000_000_001)
        self._file_seq = itertools.count(1)
        self._query_seq = itertools.count(4_000_000_000_000_000_001)

        # updates
        self._update_seq = itertools.count(10_000)
        self._updates: dict[int, dict] = {}
        self._pending: list[dict] = []
        self._redelivered: list[dict] = []
        self._redelivered_sent: set[int] = set()
        self._confirmed_offset = 0
        self._allowed_updates: tuple[str, ...] = DEFAULT_UPDATE_TYPES
        self._poll_generation = 0
        self.dropped_updates: list[tuple[dict, str]] = []
        # Requests whose client went away before the whole body arrived (a bot killed mid-send): Telegram
        # never carries them out. (method, time.time()); the token is not kept.
        self.incomplete_requests: list[tuple[str, float]] = []

        # webhook
        self.webhook: dict[str, Any] = {"url": "", "secret_token": None, "allowed_updates": None,
                                        "max_connections": 40}
        self.webhook_deliveries: list[tuple[str, int, int]] = []  # (url, update_id, status)

        # records
        self._call_seq = itertools.count(1)
        self._calls: list[Call] = []
        self.violations: list[Violation] = []
        self.not_modified: list[Violation] = []
        self.internal_errors: list[str] = []
        self.fault_counts: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self._sends: list[tuple[float, int]] = []
        self._handlers: dict[str, tuple[str, Callable[..., Any]]] = {}
        self.group_outputs: list[dict] = []
        self.private_inputs: list[dict] = []
        self.observers: list[Observer] = list(FakeBotAPI.default_observers if observers is None else observers)
        for name, handler in self._builtin_methods().items():
            self._handlers[name.lower()] = (name, handler)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeBotAPI:
        """Bind 127.0.0.1 on an ephemeral port and serve in a background thread."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", 0), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeBotAPI", daemon=True
        )
        self._thread.start()
        logger.debug("FakeBotAPI listening on 127.0.0.1:%d", self.port)
        return self

    def stop(self) -> None:
        """Stop serving, close every open connection and wake every waiting request."""
        if self._server is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The TCP port the server listens on."""
        if self._server is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``: PTB appends the token."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def bot_id(self) -> int:
        """The bot's user id (the number before the colon of the token)."""
        return self.bot_user.id

    def _track_connection(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ------------------------------------------------------------------ world

    def user(self, first_name: str = "Test", username: str | None = None, *, user_id: int | None = None,
             is_bot: bool = False, last_name: str | None = None,
             language_code: str | None = "zh-hans") -> User:
        """Create (or replace) a user of the simulated world."""
        with self._lock:
            uid = user_id if user_id is not None else next(self._user_ids)
            new = User(uid, first_name, username=username, is_bot=is_bot, last_name=last_name,
                       language_code=language_code)
            self._users[new.id] = new
            return new

    def private_chat(self, user: User | int, *, started: bool = True) -> ApiChat:
        """The private chat between ``user`` and the bot (its id is the user's id).

        With ``started=False`` the user never pressed Start, so the bot cannot write first (403).
        """
        with self._lock:
            u = self._user(user)
            chat = self._chats.get(u.id)
            if chat is None:
                chat = ApiChat(u.id, "private", username=u.username, first_name=u.first_name,
                            last_name=u.last_name)
                self._chats[u.id] = chat
                self._members[u.id] = {u.id: "member", self.bot_id: "member"}
            if started:
                self._started.add(u.id)
            return chat

    def group(self, title: str, *, members: Iterable[User | int] = (), supergroup: bool = False,
              chat_id: int | None = None, username: str | None = None, bot_status: str = "member") -> ApiChat:
        """Create a group (negative id) with ``members``; the bot is in it as ``bot_status``.

        Use ``bot_status="left"`` plus ``bot_added_to_group`` to simulate the bot joining later.
        """
        if bot_status not in MEMBER_STATUSES:
            raise ValueError(f"bot_status must be one of {MEMBER_STATUSES}")
        with self._lock:
            if chat_id is None:
                chat_id = -next(self._supergroup_ids if supergroup else self._group_ids)
            chat = ApiChat(chat_id, "supergroup" if supergroup else "group", title=title, username=username)
            self._chats[chat_id] = chat
            self._members[chat_id] = {self.bot_id: bot_status}
            for member in members:
                self._members[chat_id][self._user(member).id] = "member"
            return chat

    def set_member_status(self, chat: ApiChat | int, user: User | int, status: str) -> None:
        """Set what getChatMember answers for (chat, user): creator/administrator/member/... ."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}")
        with self._lock:
            c = self._chat(chat)
            self._members.setdefault(c.id, {})[self._user(user).id] = status

    def block_chat(self, chat: ApiChat | int, *, notify: bool = False) -> None:
        """The user blocks the bot: every later send to this chat gets 403 "bot was blocked by the user".

        With ``notify`` a my_chat_member update (bot status "kicked") is queued, as Telegram does.
        The block is lifted by ``unblock_chat`` or when the user writes to the bot again.
        """
        with self._lock:
            c = self._chat(chat)
            self._blocked.add(c.id)
            if notify and c.type == "private":
                self._queue({"my_chat_member": self._member_update(c, self._user(c.id), "member", "kicked")})

    def unblock_chat(self, chat: ApiChat | int) -> None:
        """Undo ``block_chat``."""
        with self._lock:
            self._blocked.discard(self._chat(chat).id)
