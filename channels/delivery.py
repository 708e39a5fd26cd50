"""Getting a turn's replies to Telegram exactly once, through crashes and Bot API faults.

Three mechanisms, each closing a gap found by killing the bot under load (``tests/test_crash_restart.py``):

1. **Confirm an update only after it was handled** (:class:`HandledUpdateQueue`). python-telegram-bot's
   updater confirms a batch of updates to Telegram (the next ``getUpdates`` offset) as soon as it has
   *queued* them, before any is handled. A bot killed in between lost those updates for good: Telegram
   never sent them again. With this queue ``put`` returns only once the update has been handled, so the
   offset moves past an update only after its turn was committed and its replies went out; a killed
   bot gets every unfinished update again, and the engine's processed-updates table makes the second
   run return the stored replies instead of playing the turn twice.
2. **A journal of the non-idempotent calls** (:class:`JournaledBot`, table ``delivery_steps``). When a
   redelivered update's replies are sent again, the calls that already went out (a message sent, a
   button press answered) are skipped: each call of a delivery is numbered (the delivery of stored
   replies makes the same calls in the same order) and recorded ``sending`` before, ``written`` the
   moment the whole request has been handed to the operating system (an httpx trace hook, see
   :func:`delivery_request`) and ``sent`` when Telegram's answer is in. Edits are idempotent and simply
   repeated. After a restart, ``written`` counts as sent: the request had left the process, and Telegram
   carries out a request it received whether or not the sender is still there to read the answer. Its
   answer is lost with the process, so the id of that message is unknown and its buttons (if any) cannot
   be removed later; pressing them only gets the "expired" notice. The Bot API has no idempotency key, so
   one gap stays: a kill in the microseconds between the request leaving and ``written`` being recorded
   sends that message again. A request Telegram never answered (a timeout, a dropped connection) is also
   made again when retried (``uncertain``): at least once rather than at most once.
3. **Bounded retries, then a record** (:meth:`Delivery.deliver`). Timeouts, dropped connections, 5xx and
   429 (after the rate limiter's own retries) are retried a few times with back-off, honouring
   ``retry_after``; thanks to the journal a retry never repeats what already went out. A user who blocked
   the bot (403), a request Telegram refuses (400), or retries exhausted end in the ``undeliverable``
   table (ids and the error type, never text) and are not retried again. The session is never touched by
   delivery, so nothing the user answered is lost either way: their next message shows the current step.

Updates are handled one at a time (see ``channels/telegram_bot.py``), so a chat in trouble delays the
others by at most its retry budget (a few seconds), then everyone is served again.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlite_utils import Database
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from storage.db import immediate
from storage.sessions import now_iso

log = logging.getLogger(__name__)

# Bot methods whose repetition the user would see (a second message) or Telegram would refuse (a second
# answer to a callback query). Everything else the delivery does is an edit: repeating it is harmless.
JOURNALED_METHODS = frozenset({
    "send_message", "send_document", "send_photo", "send_audio", "send_voice", "send_video",
    "send_media_group", "copy_message", "forward_message", "answer_callback_query",
})
DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF = (0.5, 1.5, 3.0)  # seconds before the 2nd, 3rd, 4th attempt
MAX_RETRY_AFTER = 30.0


@dataclass(frozen=True)
class _InFlight:
    """The journaled call whose HTTP request is under way in this task (see :func:`delivery_request`)."""

    journal: DeliveryJournal
    update_id: int
    step: int

    def written(self) -> None:
        self.journal.mark(self.update_id, self.step, "written", only_if="sending")

    def refused(self) -> None:
        self.journal.mark(self.update_id, self.step, "sending", only_if="written")


_IN_FLIGHT: ContextVar[_InFlight | None] = ContextVar("xiaoe_delivery_in_flight", default=None)


async def _on_request(request: httpx.Request) -> None:
    """httpx request hook: trace a journaled call so the journal learns when its request has left."""
    in_flight = _IN_FLIGHT.get()
    if in_flight is None:
        return

    async def trace(event: str, info: dict[str, Any]) -> None:
        if event.endswith("send_request_body.started"):
            in_flight.written()

    request.extensions["trace"] = trace


async def _on_response(response: httpx.Response) -> None:
    """httpx response hook: an error status means Telegram did nothing (the rate limiter may retry)."""
    in_flight = _IN_FLIGHT.get()
    if in_flight is not None and response.status_code != 200:
        in_flight.refused()


def delivery_request(**kwargs: Any) -> HTTPXRequest:
    """The ``HTTPXRequest`` for the bot's calls, with the hooks that mark journaled calls ``written``.

    Keyword arguments go to ``HTTPXRequest`` (default ``connection_pool_size=256``, PTB's own default).
    Without these hooks delivery still works; a kill during a send then repeats that message.
    """
    httpx_kwargs = dict(kwargs.pop("httpx_kwargs", None) or {})
    hooks = dict(httpx_kwargs.pop("event_hooks", None) or {})
    hooks["request"] = [*hooks.get("request", []), _on_request]
    hooks["response"] = [*hooks.get("response", []), _on_response]
    httpx_kwargs["event_hooks"] = hooks
    kwargs.setdefault("connection_pool_size", 256)
    return HTTPXRequest(httpx_kwargs=httpx_kwargs, **kwargs)


class HandledUpdateQueue(asyncio.Queue):
    """An update queue whose ``put`` returns only once every queued update has been handled.

    Give it to ``ApplicationBuilder.update_queue``. The updater puts each fetched update and only then
    moves the ``getUpdates`` offset (which confirms the batch to Telegram), so confirmation now follows
    handling. In webhook mode the HTTP answer to Telegram likewise waits for the handling. Relies on the
    application calling ``task_done()`` after each update, which python-telegram-bot does.
    """

    async def put(self, item: Any) -> None:
        """Queue ``item`` and wait until it (and everything before it) has been handled."""
        await super().put(item)
        await self.join()


@dataclass(frozen=True)
class SentBefore:
    """What a journaled call returns when the call already went out before a restart."""

    message_id: int | None


class DeliveryJournal:
    """The ``delivery_steps`` and ``undeliverable`` tables (migration 0005): ids only, never text."""

    def __init__(self, db: Database) -> None:
        """Use the engine's database connection (the bot handles one update at a time)."""
        self.db = db

    def step(self, update_id: int, step: int) -> dict[str, Any] | None:
        """The recorded state of call ``step`` of ``update_id``'s delivery, if any."""
        rows = list(self.db["delivery_steps"].rows_where("update_id = ? and step = ?", [update_id, step]))
        return rows[0] if rows else None

    def begin(self, update_id: int, step: int, chat_id: int, user_id: int) -> None:
        """Record that call ``step`` is about to go out."""
        with immediate(self.db):
            self.db.execute(
                "insert into delivery_steps (update_id, step, chat_id, user_id, status, created_at) "
                "values (?, ?, ?, ?, 'sending', ?) on conflict(update_id, step) do update set status = 'sending'",
                [update_id, step, chat_id, user_id, now_iso()],
            )

    def mark(self, update_id: int, step: int, status: str, *, only_if: str | None = None) -> None:
        """Set the status of call ``step`` (``written``, ``uncertain``...), optionally only from ``only_if``."""
        with immediate(self.db):
            self.db.execute("update delivery_steps set status = ? where update_id = ? and step = ?"
                            + (" and status = ?" if only_if else ""),
                            [status, update_id, step, *([only_if] if only_if else [])])

    def done(self, update_id: int, step: int, message_id: int | None) -> None:
        """Record that call ``step`` went out (and the message it created)."""
        with immediate(self.db):
            self.db.execute("update delivery_steps set status = 'sent', message_id = ? "
                            "where update_id = ? and step = ?", [message_id, update_id, step])

    def clear_step(self, update_id: int, step: int) -> None:
        """Forget call ``step`` (Telegram refused it, so it certainly did not go out)."""
        with immediate(self.db):
            self.db.execute("delete from delivery_steps where update_id = ? and step = ?", [update_id, step])

    def finish(self, update_id: int) -> None:
        """The delivery of ``update_id`` is over: its steps are no longer needed."""
        with immediate(self.db):
            self.db.execute("delete from delivery_steps where update_id = ?", [update_id])

    def undeliverable(self, update_id: int, chat_id: int, user_id: int, reason: str, error: str,
                      attempts: int) -> None:
        """Record replies that could not be delivered (``reason``: blocked, rejected, retries_exhausted)."""
        with immediate(self.db):
            self.db["undeliverable"].insert({
                "update_id": update_id, "chat_id": chat_id, "user_id": user_id, "reason": reason,
                "error": error, "attempts": attempts, "created_at": now_iso(),
            })


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

    async def _once(self, name: str, call: Callable[[], Awaitable[Any]]) -> Any:
        step = self._next_step
        self._next_step += 1
        recorded = self._journal.step(self._update_id, step)
        status = recorded["status"] if recorded is not None else None
        if status in ("sent", "written"):
            self._counters.skipped += 1
            if status == "written":
                self._counters.written_before_stop += 1
                log.info("update %s: call %s (%s) had left when the bot stopped; not making it again",
                         self._update_id, step, name)
            if name == "answer_callback_query":
                return True
            # Unknown when Telegram's answer was lost with the process: nothing to track then.
            return SentBefore(recorded["message_id"]) if recorded["message_id"] is not None else None
        if status == "uncertain":
            # Telegram never answered the last attempt (timeout, broken connection): it may have gone out.
            self._counters.resent_uncertain += 1
            log.warning("update %s: call %s (%s) got no answer from Telegram; making it again",
                        self._update_id, step, name)
        elif status == "sending":
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
        message_id = getattr(result, "message_id", None)
        self._journal.done(self._update_id, step, message_id if isinstance(message_id, int) else None)
        return result


@dataclass
class DeliveryCounters:
    """What deliveries met since start-up (for tests and logs)."""

    delivered: int = 0
    retried: int = 0
    skipped: int = 0  # journaled calls not repeated because they went out before a restart
    written_before_stop: int = 0  # ...of which Telegram's answer was lost with the stopped process
    resent_unsent: int = 0  # calls that had not left when the bot stopped, made after the restart
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


def _retry_after_seconds(err: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB warns that retry_after will become a timedelta
        value = err.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class Delivery:
    """Delivers one update's replies with the journal, retries and the undeliverable record."""

    def __init__(self, db: Database, *, attempts: int = DEFAULT_ATTEMPTS,
                 backoff: tuple[float, ...] = DEFAULT_BACKOFF) -> None:
        """Keep the journal in ``db``; try each delivery up to ``attempts`` times."""
        self.journal = DeliveryJournal(db)
        self.attempts = attempts
        self.backoff = backoff
        self.counters = DeliveryCounters()

    async def deliver(self, bot: Any, update_id: int, chat_id: int, user_id: int,
                      send: Callable[[Any], Awaitable[None]]) -> bool:
        """Run ``send(journaled_bot)`` until it succeeds or gives up; True when everything went out.

        ``send`` must make the same calls in the same order each time (it is re-run on retries and after
        restarts). Exceptions other than Telegram's network errors propagate (a bug, not a fault).
        """
        reason, error = "", ""
        attempt = 0
        while attempt < self.attempts:
            attempt += 1
            journaled = JournaledBot(bot, self.journal, update_id, chat_id, user_id, self.counters)
            try:
                await send(journaled)
            except Forbidden as err:
                reason, error = "blocked", type(err).__name__
                log.warning("chat %s blocked the bot; replies to update %s dropped", chat_id, update_id)
                break
            except BadRequest as err:
                reason, error = "rejected", type(err).__name__
                log.error("update %s: Telegram refused a reply (%s)", update_id, err)
                break
            except (RetryAfter, TimedOut, NetworkError) as err:
                reason, error = "retries_exhausted", type(err).__name__
                if attempt >= self.attempts:
                    break
                wait = (_retry_after_seconds(err) if isinstance(err, RetryAfter)
                        else self.backoff[min(attempt - 1, len(self.backoff) - 1)])
                log.info("update %s: delivery attempt %s failed (%s); retrying in %.1f s",
                         update_id, attempt, error, wait)
                self.counters.retried += 1
                await asyncio.sleep(wait)
                continue
            self.journal.finish(update_id)
            self.counters.delivered += 1
            return True
        self.journal.finish(update_id)
        self.journal.undeliverable(update_id, chat_id, user_id, reason, error, attempt)
        self.counters.undeliverable[reason] = self.counters.undeliverable.get(reason, 0) + 1
        if reason == "retries_exhausted":
            log.warning("update %s: replies to chat %s undeliverable after %s attempts (%s)",
                        update_id, chat_id, attempt, error)
        return False
