"""The journal of a delivery's non-idempotent Bot API calls, so a restarted bot never repeats one.

Each call of a delivery that the user would see twice (a message sent) or that Telegram refuses twice (a
button press answered) is numbered — the delivery of stored replies makes the same calls in the same
order — and recorded: ``written`` the moment the whole request has been handed to the operating system (the
HTTP client reports it, see :func:`delivery_request`); ``sent`` with Telegram's answer and the message id.
Both go to :class:`WrittenMarks`, an append-only file (a few microseconds a line, against a database
transaction per call: the journal used to cost two SQLite writes per message, the largest part of the
channel's own cost). Replaying a delivery through a :class:`JournaledBot` skips every call that is
``sent`` or ``written``: a request that left the process is carried out by Telegram whether or not the
sender is still there to read the answer. Edits are idempotent and simply repeated.

Before a call, a ``sending`` line goes to the same file (it used to be a database row): a call found
``sending`` after a restart had not left and is made now — and logged as such, which is how the crash
test tells the one unavoidable repeat (a kill between the bytes leaving and the ``written`` line) from a
bug. A call with no record at all was never begun and is made too. Rows in ``delivery_steps`` remain
for the exceptional states only:
``uncertain`` (no answer from Telegram, see below), and every state for an in-memory database (no file);
the row removal at the end of a delivery runs inside the caller's one final transaction
(:meth:`DeliveryJournal.finish_rows`, see ``channels/tg/delivery.py``).

What stays open, as with any Bot API client (there is no idempotency key): a kill in the few
microseconds between a request leaving and its ``written`` mark sends it again after the restart; a
request Telegram never answered (timeout, dropped connection) is sent again when retried (``uncertain``).
At least once, never lost. A ``written`` call's answer died with the process, so the id of that message
is unknown and its buttons (if any) cannot be removed later; pressing them only gets "已过期".
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlite_utils import Database
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from channels.tg.client import BotAPIRequest
from storage.db import immediate
from storage.sessions import now_iso

log = logging.getLogger(__name__)

# Bot methods whose repetition the user would see (a second message) or Telegram would refuse (a second
# answer to a callback query). Everything else the delivery does is an edit: repeating it is harmless.
JOURNALED_METHODS = frozenset({
    "send_message", "send_document", "send_photo", "send_audio", "send_voice", "send_video",
    "send_media_group", "copy_message", "forward_message", "answer_callback_query",
})
_ANSWERED_YES = frozenset({"answer_callback_query", "answerCallbackQuery"})

@dataclass(frozen=True)
class _InFlight:
    """The journaled call whose HTTP request is under way in this task (see :func:`delivery_request`)."""

    journal: DeliveryJournal
    update_id: int
    step: int

    def written(self) -> None:
        self.journal.mark_written(self.update_id, self.step)

    def refused(self) -> None:
        self.journal.unmark_written(self.update_id, self.step)


_IN_FLIGHT: ContextVar[_InFlight | None] = ContextVar("xiaoe_delivery_in_flight", default=None)


class _MarkWhenSent(httpx.AsyncByteStream):
    """A request body that records ``written`` the moment the HTTP client has handed it to the socket.

    httpcore writes each chunk of the body as it is yielded and only then asks for the next one, so the
    code after ``yield`` runs right after the write, before anything else in the event loop.
    """

    def __init__(self, body: bytes, in_flight: _InFlight) -> None:
        self._body = body
        self._in_flight = in_flight

    async def __aiter__(self) -> Any:
        yield self._body
        self._in_flight.written()


async def _on_request(request: httpx.Request) -> None:
    """httpx request hook: a journaled call's body marks it ``written`` once it has left."""
    in_flight = _IN_FLIGHT.get()
    if in_flight is not None:
        request.stream = _MarkWhenSent(await request.aread(), in_flight)


async def _on_response(response: httpx.Response) -> None:
    """httpx response hook: an error status means Telegram did nothing (the rate limiter may retry)."""
    _on_status(response.status_code)


def _on_written() -> None:
    """``BotAPIRequest`` hook: the whole request has been handed to the operating system."""
    in_flight = _IN_FLIGHT.get()
    if in_flight is not None:
        in_flight.written()


def _on_status(status: int) -> None:
    """Telegram answered; anything but 200 means it did nothing (the rate limiter may retry)."""
    in_flight = _IN_FLIGHT.get()
    if in_flight is not None and status != 200:
        in_flight.refused()


def delivery_request(*, trust_env: bool = True, **kwargs: Any) -> BotAPIRequest:
    """The HTTP client for the bot's calls (``channels/tg/client.py``), with the hooks that mark journaled
    calls ``written``; its fallback for uploads and proxied requests, an ``HTTPXRequest``, gets the same
    hooks as httpx event hooks.

    Marking after the write (not before) errs on the side of a repeated message rather than a lost one:
    before the write the event loop may run other tasks, a window several times longer.

    Keyword arguments (``connection_pool_size``, default 256 as python-telegram-bot's own, and the
    timeouts) go to both clients; ``trust_env=False`` ignores the environment's proxy settings. Without these
    hooks delivery still works; a kill during a send then repeats that message.
    """
    kwargs.setdefault("connection_pool_size", 256)
    hooks = {"request": [_on_request], "response": [_on_response]}
    fallback = HTTPXRequest(httpx_kwargs={"event_hooks": hooks, "trust_env": trust_env}, **kwargs)
    return BotAPIRequest(**kwargs, trust_env=trust_env, on_written=_on_written, on_status=_on_status,
                         fallback=fallback)


@dataclass(frozen=True)
class SentBefore:
    """What a journaled call returns when the call already went out before a restart."""

    message_id: int | None


class WrittenMarks:
    """An append-only file of a delivery's calls: ``s <update id> <step>`` before the call (and again when
    Telegram refused it), ``+ <update id> <step>`` when the request was handed to the socket,
    ``= <update id> <step> [<message id>]`` when Telegram answered it, ``- ...`` to withdraw all (the
    delivery is over). The last line about a call is its state.

    The ``+`` line is written between a request leaving and Telegram's answer, and its duration is the one
    window in which a kill repeats a message: appending a line to a file (a few microseconds) is much
    shorter than a database transaction. The file holds ids only and is emptied whenever no delivery is
    under way (rewritten smaller when it grows under a load that never pauses). A SIGKILL does not lose
    what was written (it is in the operating system's cache) — the same durability as the database's
    commits with ``synchronous=NORMAL`` (``storage/checkpoint.py``).
    """

    COMPACT_BYTES = 256 * 1024  # rewrite the file with only the live lines once it is this large

    @classmethod
    def shared(cls, path: Path) -> WrittenMarks:
        """The one instance for ``path`` in this process (the bot's deliveries and the reminder sender each
        have a journal: they must share the file's state, or one would empty the file under the other)."""
        key = str(path.resolve())
        marks = _SHARED.get(key)
        if marks is not None:
            try:
                if os.stat(path).st_ino == os.fstat(marks.fd).st_ino:
                    return marks
            except FileNotFoundError:
                pass
        marks = cls(path)
        _SHARED[key] = marks
        return marks

    def __init__(self, path: Path) -> None:
        """Open (creating it owner-only) the file at ``path`` and read the marks a stopped bot left."""
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        self.sending: set[tuple[int, int]] = set()  # about to go out (or refused): not left
        self.marks: set[tuple[int, int]] = set()  # written, no answer yet
        self.sent: dict[tuple[int, int], int | None] = {}  # answered: the message id, if the call made one
        with open(path, encoding="ascii", errors="replace") as existing:
            for line in existing:
                sign, _, rest = line.strip().partition(" ")
                ids = rest.split()
                if not ids or not all(i.lstrip("-").isdigit() for i in ids):
                    continue  # a line cut short by a kill
                if sign in ("s", "+", "-") and len(ids) == 2:
                    key = (int(ids[0]), int(ids[1]))
                    self.sent.pop(key, None)
                    self.marks.discard(key)
                    self.sending.discard(key)
                    if sign != "-":
                        (self.sending if sign == "s" else self.marks).add(key)
                elif sign == "=" and len(ids) in (2, 3):
                    key = (int(ids[0]), int(ids[1]))
                    self.marks.discard(key)
                    self.sent[key] = int(ids[2]) if len(ids) == 3 else None

    def begin(self, update_id: int, step: int) -> None:
        """Record that call ``step`` is about to go out (or, after a refusal, did not)."""
        key = (update_id, step)
        os.write(self.fd, b"s %d %d\n" % key)
        self.marks.discard(key)
        self.sent.pop(key, None)
        self.sending.add(key)

    def add(self, update_id: int, step: int) -> None:
        """Record that the request of call ``step`` has left."""
        os.write(self.fd, b"+ %d %d\n" % (update_id, step))
        self.sending.discard((update_id, step))
        self.marks.add((update_id, step))

    def answered(self, update_id: int, step: int, message_id: int | None) -> None:
        """Record that Telegram answered call ``step`` (and the message it created)."""
        tail = b" %d" % message_id if message_id is not None else b""
        os.write(self.fd, b"= %d %d%s\n" % (update_id, step, tail))
        self.marks.discard((update_id, step))
        self.sent[(update_id, step)] = message_id

    def discard(self, update_id: int, step: int) -> None:
        """Withdraw a mark (a new attempt of the call starts, or Telegram refused it)."""
        key = (update_id, step)
        if key in self.marks or key in self.sent or key in self.sending:
            os.write(self.fd, b"- %d %d\n" % key)
            self.marks.discard(key)
            self.sending.discard(key)
            self.sent.pop(key, None)

    def release(self, update_id: int) -> None:
        """The delivery of ``update_id`` is over: drop its lines; empty (or shrink) the file when possible."""
        self.marks = {k for k in self.marks if k[0] != update_id}
        self.sending = {k for k in self.sending if k[0] != update_id}
        self.sent = {k: v for k, v in self.sent.items() if k[0] != update_id}
        if not self.marks and not self.sent and not self.sending:
            self.clear()
        elif os.fstat(self.fd).st_size > self.COMPACT_BYTES:
            self._compact()

    def clear(self) -> None:
        """No delivery is under way: empty the file."""
        if self.marks or self.sent or self.sending or os.fstat(self.fd).st_size:
            os.ftruncate(self.fd, 0)
        self.marks.clear()
        self.sending.clear()
        self.sent.clear()

    def _compact(self) -> None:
        """Rewrite the file with the live lines only; the rename makes the switch atomic."""
        lines = [b"s %d %d\n" % k for k in sorted(self.sending)]
        lines += [b"+ %d %d\n" % k for k in sorted(self.marks)]
        lines += [b"= %d %d%s\n" % (*k, b" %d" % v if v is not None else b"") for k, v in sorted(self.sent.items())]
        fresh = self.path.with_name(self.path.name + ".new")
        fd = os.open(fresh, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, b"".join(lines))
        os.replace(fresh, self.path)
        os.close(self.fd)
        self.fd = fd


_SHARED: dict[str, WrittenMarks] = {}


class DeliveryJournal:
    """The ``delivery_steps`` and ``undeliverable`` tables (migration 0005) and the written marks: ids only."""

    def __init__(self, db: Database) -> None:
        """Use the engine's database connection (turns and deliveries share the event loop's one thread).

        The written marks go to ``<database file>.delivery-marks`` (in the database itself for an
        in-memory database).
        """
        self.db = db
        main = next((row[2] for row in db.execute("PRAGMA database_list").fetchall() if row[1] == "main"), "")
        self.written = WrittenMarks.shared(Path(f"{main}.delivery-marks")) if main else None
        self._who: dict[tuple[int, int], tuple[int, int]] = {}  # (update, step) → (chat, user), for mark()
        # Updates with rows in delivery_steps (the exceptional states): only these are looked up there.
        # This process is the table's one writer, so the set stays true once read at start-up.
        self._with_rows: set[int] = {row[0] for row in db.execute(
            "select distinct update_id from delivery_steps").fetchall()}

    def step(self, update_id: int, step: int) -> dict[str, Any] | None:
        """The recorded state of call ``step`` of ``update_id``'s delivery, if any: ``status`` (``sent``,
        ``written``, ``uncertain``) and ``message_id``. The marks file (the latest attempt) wins over a row."""
        key = (update_id, step)
        if self.written is not None:
            if key in self.written.sent:
                return {"update_id": update_id, "step": step, "status": "sent", "message_id": self.written.sent[key]}
            if key in self.written.marks:
                return {"update_id": update_id, "step": step, "status": "written", "message_id": None}
        if update_id in self._with_rows:
            cursor = self.db.execute("select * from delivery_steps where update_id = ? and step = ?",
                                     [update_id, step])
            row = cursor.fetchone()
            if row is not None:
                return dict(zip([d[0] for d in cursor.description], row, strict=True))
        if self.written is not None and key in self.written.sending:
            return {"update_id": update_id, "step": step, "status": "sending", "message_id": None}
        return None

    def mark_written(self, update_id: int, step: int) -> None:
        """The request of call ``step`` has been handed to the socket."""
        if self.written is not None:
            self.written.add(update_id, step)
        else:
            self.mark(update_id, step, "written")

    def unmark_written(self, update_id: int, step: int) -> None:
        """Telegram refused the request (an error status): it did not go out after all."""
        if self.written is not None:
            self.written.begin(update_id, step)  # back to "sending": it did not go out
        else:
            with immediate(self.db):
                self.db.execute("delete from delivery_steps where update_id = ? and step = ? and status = 'written'",
                                [update_id, step])

    def begin(self, update_id: int, step: int, chat_id: int, user_id: int) -> None:
        """Call ``step`` is about to go out (again): a ``sending`` line replaces what an earlier attempt left.
        Nothing is written to the database (see the module docstring)."""
        self._who[(update_id, step)] = (chat_id, user_id)
        if self.written is not None:
            self.written.begin(update_id, step)

    def mark(self, update_id: int, step: int, status: str) -> None:
        """Record call ``step`` as ``status`` in ``delivery_steps`` (``uncertain``; any state without a file)."""
        if self.written is not None:
            self.written.discard(update_id, step)  # this state replaces what the file said of the call
        chat_id, user_id = self._who.get((update_id, step), (0, 0))
        self._with_rows.add(update_id)
        with immediate(self.db):
            self.db.execute(
                "insert into delivery_steps (update_id, step, chat_id, user_id, status, created_at) "
                "values (?, ?, ?, ?, ?, ?) on conflict(update_id, step) do update set status = excluded.status",
                [update_id, step, chat_id, user_id, status, now_iso()],
            )

    def done(self, update_id: int, step: int, message_id: int | None) -> None:
        """Record that call ``step`` went out (and the message it created)."""
        if self.written is not None:
            self.written.answered(update_id, step, message_id)
            return
        self.mark(update_id, step, "sent")
        with immediate(self.db):
            self.db.execute("update delivery_steps set message_id = ? where update_id = ? and step = ?",
                            [message_id, update_id, step])

    def clear_step(self, update_id: int, step: int) -> None:
        """Forget call ``step`` (Telegram refused it, so it certainly did not go out)."""
        if self.written is not None:
            self.written.discard(update_id, step)
        if update_id in self._with_rows and self.db.execute(
                "select 1 from delivery_steps where update_id = ? and step = ?", [update_id, step]).fetchone():
            with immediate(self.db):
                self.db.execute("delete from delivery_steps where update_id = ? and step = ?", [update_id, step])

    def finish(self, update_id: int) -> None:
        """The delivery of ``update_id`` is over: its steps are no longer needed (one transaction)."""
        with immediate(self.db):
            self.finish_rows(update_id)
        self.release(update_id)

    def finish_rows(self, update_id: int) -> None:
        """Inside the caller's transaction: remove ``update_id``'s rows. Call :meth:`release` after the commit."""
        if update_id in self._with_rows:
            self.db.execute("delete from delivery_steps where update_id = ?", [update_id])

    def release(self, update_id: int) -> None:
        """After the delivery's final commit: drop ``update_id``'s marks (emptying the file when none is left)."""
        self._who = {k: v for k, v in self._who.items() if k[0] != update_id}
        self._with_rows.discard(update_id)
        if self.written is not None:
            self.written.release(update_id)

    def undeliverable_row(self, update_id: int, chat_id: int, user_id: int, reason: str, error: str,
                          attempts: int) -> None:
        """Inside the caller's transaction: record replies that could not be delivered (see :meth:`undeliverable`)."""
        self.db.table("undeliverable").insert({
            "update_id": update_id, "chat_id": chat_id, "user_id": user_id, "reason": reason,
            "error": error, "attempts": attempts, "created_at": now_iso(),
        })

    def undeliverable(self, update_id: int, chat_id: int, user_id: int, reason: str, error: str,
                      attempts: int) -> None:
        """Record replies that could not be delivered (``reason``: blocked, rejected, retries_exhausted)."""
        with immediate(self.db):
            self.undeliverable_row(update_id, chat_id, user_id, reason, error, attempts)


def _snake(endpoint: str) -> str:
    """``sendMessage`` → ``send_message``: a Bot API endpoint as python-telegram-bot's method name."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in endpoint)


class JournaledBot:
    """A stand-in for ``telegram.Bot`` during one delivery: non-idempotent calls go through the journal."""

    def __init__(self, bot: Any, journal: DeliveryJournal, update_id: int, chat_id: int, user_id: int,
                 counters: DeliveryCounters) -> None:
        """Wrap ``bot`` for the delivery of ``update_id`` to ``chat_id``."""
        self._bot = bot
        self._journal = journal
        self._update_id = update_id
        self._chat_id = chat_id
        self._user_id = user_id
        self._counters = counters
        self._next_step = 0

    def __getattr__(self, name: str) -> Any:
        """Journaled wrappers for the methods in ``JOURNALED_METHODS``; the real bot's attribute otherwise."""
        attribute = getattr(self._bot, name)
        if name not in JOURNALED_METHODS:
            return attribute

        async def journaled(*args: Any, **kwargs: Any) -> Any:
            return await self._once(name, lambda: attribute(*args, **kwargs))

        return journaled

    async def post(self, endpoint: str, data: dict[str, Any]) -> Any:
        """A Bot API request with JSON parameters (``channels/tg/wire.py``), journaled like the method of the
        same name (``sendMessage`` like ``send_message``); Telegram's result as JSON."""
        name = _snake(endpoint)
        if name not in JOURNALED_METHODS:
            return await self._bot._post(endpoint, data)
        return await self._once(name, lambda: self._bot._post(endpoint, data), raw=True)

    async def _once(self, name: str, call: Callable[[], Awaitable[Any]], raw: bool = False) -> Any:
        step = self._next_step
        self._next_step += 1
        recorded = self._journal.step(self._update_id, step)
        status = recorded["status"] if recorded is not None else None
        if recorded is not None and status in ("sent", "written"):
            self._counters.skipped += 1
            if status == "written":
                self._counters.written_before_stop += 1
                log.info("update %s: call %s (%s) had left when the bot stopped; not making it again",
                         self._update_id, step, name)
            if name == "answer_callback_query":
                return True
            # Unknown when Telegram's answer was lost with the process: nothing to track then.
            if recorded["message_id"] is None:
                return None
            return {"message_id": recorded["message_id"]} if raw else SentBefore(recorded["message_id"])
        if status == "uncertain":
            # Telegram never answered the last attempt (timeout, broken connection): it may have gone out.
            self._counters.resent_uncertain += 1
            log.warning("update %s: call %s (%s) got no answer from Telegram; making it again",
                        self._update_id, step, name)
        elif status == "sending":
            # Begun before without a trace of leaving: it had not left.
            self._counters.resent_unsent += 1
            log.info("update %s: call %s (%s) had not left when the bot stopped; making it now",
                     self._update_id, step, name)
        self._journal.begin(self._update_id, step, self._chat_id, self._user_id)
        token = _IN_FLIGHT.set(_InFlight(self._journal, self._update_id, step))
        try:
            result = await call()
        except TelegramError as err:
            if answered_by_telegram(err):
                self._journal.clear_step(self._update_id, step)  # refused: certainly not carried out
            else:
                self._journal.mark(self._update_id, step, "uncertain")
            raise
        finally:
            _IN_FLIGHT.reset(token)
        message_id = result.get("message_id") if isinstance(result, dict) else getattr(result, "message_id", None)
        self._journal.done(self._update_id, step, message_id if isinstance(message_id, int) else None)
        return result


@dataclass
class DeliveryCounters:
    """What deliveries met since start-up (for tests and logs)."""

    delivered: int = 0
    retried: int = 0
    skipped: int = 0  # journaled calls not repeated because they went out before a restart
    written_before_stop: int = 0  # ...of which Telegram's answer was lost with the stopped process
    resent_unsent: int = 0  # calls begun before in this process that had not left, made again
    resent_uncertain: int = 0  # calls made again after an attempt with no answer from Telegram
    undeliverable: dict[str, int] = field(default_factory=dict)


def answered_by_telegram(err: TelegramError) -> bool:
    """True when Telegram answered the request with an error (so it did nothing), False when no answer came.

    Refusals (400, 403, 429) and error statuses (5xx, raised by python-telegram-bot without a cause) are
    answers; a timeout or a broken connection (raised from the HTTP library's exception) is not.
    """
    if isinstance(err, BadRequest | Forbidden | RetryAfter):
        return True
    return isinstance(err, NetworkError) and not isinstance(err, TimedOut) and err.__cause__ is None
