"""Updates of different chats handled at once, each chat's in order, confirmed to Telegram only when safe.

Three parts, plugged into python-telegram-bot by :func:`install` (``channels/tg/app.py``):

* :class:`ChatOrderedProcessor`, the ``BaseUpdateProcessor``. Every update gets **order keys**
  (:func:`order_keys`) and waits until every earlier update sharing one of its keys has finished:

  - private chat: ``("chat", chat_id)`` — a dialogue is strictly sequential;
  - group message (command, mention, reply, members joining, the bot added or removed):
    ``("chat", group_id)`` and ``("member", group_id, user_id)`` — posts to a group keep their order,
    and a member's message waits for that member's earlier button presses;
  - group button press: ``("member", group_id, user_id)`` only — a member's presses and messages stay in
    order, presses of different members run side by side;
  - anything else (no chat): ``("update",)``, one global lane.

  The order is fixed when the application *starts* the update's task, which it does in the order the
  updates were queued, i.e. Telegram's ``update_id`` order; it does not rely on the fairness of a
  semaphore.
* :class:`UpdateLedger`: which fetched updates are unfinished, and the **confirmable offset** — the
  lowest unfinished ``update_id`` (or one past the highest fetched when none is unfinished). The number
  of unfinished updates is bounded (``limit``): :class:`LedgerQueue` makes the updater wait before
  queueing more (back-pressure instead of unbounded tasks).
* :class:`GatedBot`, the bot the updater polls with: every ``getUpdates`` uses the confirmable offset
  instead of the updater's own (which would confirm everything fetched), and drops the updates Telegram
  sends again because they are still below that offset but were already taken. So a SIGKILL at any moment
  loses nothing: every update not finished is still unconfirmed, and the engine's processed-updates table
  plus the delivery journal (``channels/tg/delivery.py``) recognise the ones finished but fetched again.
  In webhook mode, Telegram counts an update delivered when the HTTP request is answered: there
  :class:`LedgerQueue` answers only once that update has been handled.

A chat stuck in retries holds back only its own key and the confirmable offset. The others go on; new
updates keep being fetched (while the stuck one holds the offset down, each ``getUpdates`` brings it back
and it is dropped; polling then waits for a change or ``REPOLL_SECONDS``). Only if more than 100 updates
(Telegram's ``getUpdates`` limit) finish behind it does fetching wait for it, i.e. at most its own retry
budget.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram.constants import ChatType
from telegram.error import NetworkError
from telegram.ext import BaseUpdateProcessor
from telegram.request import BaseRequest

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 16  # updates in flight at most; the HTTP connection pool is sized for it (see pool_size)
REPOLL_SECONDS = 0.25  # pause before polling again when a poll brought back only updates already taken
CONFIRM_ATTEMPTS = 3  # tries of the last confirming getUpdates when polling stops
DRAIN_SECONDS = 30.0  # graceful stop: the longest wait for unfinished updates before the last confirmation

Key = tuple[Hashable, ...]


def order_keys(update: object) -> tuple[Key, ...]:
    """The order keys of ``update`` (see the module docstring): it runs after every earlier update sharing one."""
    if not isinstance(update, Update):
        return (("update",),)
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return (("update",),)
    if chat.type == ChatType.PRIVATE or user is None:
        return (("chat", chat.id),)
    member = ("member", chat.id, user.id)
    if update.callback_query is not None:
        return (member,)
    return (("chat", chat.id), member)


def pool_size(limit: int = DEFAULT_LIMIT) -> int:
    """HTTP connections for ``limit`` updates in flight: one request each at a time, plus polling and spare."""
    return limit + 8


class UpdateLedger:
    """The fetched updates not yet finished, the offset that is safe to confirm, and the back-pressure."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        """At most ``limit`` updates unfinished at once."""
        self.limit = limit
        self._unfinished: list[int] = []  # sorted update ids
        self._finished_above: set[int] = set()  # finished, but above the lowest unfinished: may come again
        self._highest: int | None = None
        self._changed = asyncio.Event()
        self._waiters: dict[int, asyncio.Future[None]] = {}
        self.polling = False  # set by the first getUpdates: the offset confirms; else (webhook) the answer does
        self.version = 0  # counts finished updates: a poll can tell whether anything finished since the last

    @property
    def unfinished(self) -> int:
        """How many fetched updates are not finished."""
        return len(self._unfinished)

    def offset(self, fallback: int = 0) -> int:
        """The ``getUpdates`` offset to send: the lowest unfinished update, or one past the highest fetched."""
        if self._unfinished:
            return self._unfinished[0]
        if self._highest is None:
            return fallback
        return self._highest + 1

    def taken(self, update_id: int) -> bool:
        """True when ``update_id`` was fetched before and is unfinished or finished (so drop it)."""
        if update_id in self._finished_above:
            return True
        index = bisect.bisect_left(self._unfinished, update_id)
        if index < len(self._unfinished) and self._unfinished[index] == update_id:
            return True
        return self._highest is not None and update_id <= self._highest and update_id < self.offset()

    async def admit(self, update_id: int) -> None:
        """Wait until fewer than ``limit`` updates are unfinished, then count ``update_id`` as unfinished."""
        while len(self._unfinished) >= self.limit:
            self._changed.clear()
            await self._changed.wait()
        bisect.insort(self._unfinished, update_id)
        if self._highest is None or update_id > self._highest:
            self._highest = update_id

    def finish(self, update_id: int) -> None:
        """``update_id`` has been handled (successfully or not: its outcome is recorded)."""
        index = bisect.bisect_left(self._unfinished, update_id)
        if index >= len(self._unfinished) or self._unfinished[index] != update_id:
            return
        del self._unfinished[index]
        if self._unfinished:
            low = self._unfinished[0]
            self._finished_above = {u for u in self._finished_above if u > low}
            if update_id > low:
                self._finished_above.add(update_id)
        else:
            self._finished_above.clear()
        waiter = self._waiters.pop(update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        self.version += 1
        self._changed.set()

    async def finished(self, update_id: int) -> None:
        """Wait until ``update_id`` is finished (returns at once when it is not unfinished)."""
        index = bisect.bisect_left(self._unfinished, update_id)
        if index >= len(self._unfinished) or self._unfinished[index] != update_id:
            return
        waiter = self._waiters.setdefault(update_id, asyncio.get_running_loop().create_future())
        await asyncio.shield(waiter)

    async def changed(self, timeout: float, since: int | None = None) -> None:
        """Wait until an update finishes (at once if one did after ``version`` was ``since``), or ``timeout`` s."""
        if since is not None and self.version != since:
            return
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    async def drained(self, timeout: float) -> bool:
        """Wait until no update is unfinished (at most ``timeout`` seconds); True when none is."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._unfinished and loop.time() < deadline:
            await self.changed(max(deadline - loop.time(), 0.0), since=self.version)
        return not self._unfinished


class LedgerQueue(asyncio.Queue):
    """The application's update queue: ``put`` waits for room (back-pressure) and records the update.

    Unless the updater polls (then the ``getUpdates`` offset confirms), ``put`` also waits until the update
    has been handled: in webhook mode answering Telegram's HTTP request is what confirms an update.
    """

    def __init__(self, ledger: UpdateLedger) -> None:
        """Record updates in ``ledger``."""
        super().__init__()
        self.ledger = ledger

    async def put(self, item: Any) -> None:
        """Queue ``item`` once there is room for it; when not polling, return once it is handled."""
        if not isinstance(item, Update):
            await super().put(item)  # the application's stop signal
            return
        await self.ledger.admit(item.update_id)
        await super().put(item)
        if not self.ledger.polling:
            await self.ledger.finished(item.update_id)


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Runs updates concurrently, each after every earlier update sharing one of its order keys."""

    def __init__(self, ledger: UpdateLedger) -> None:
        """Up to ``ledger.limit`` updates at once; finished updates are reported to ``ledger``.

        The base class's semaphore (``process_update``, final) is one larger than the ledger's bound, so
        it never makes a task wait: an update is admitted to the ledger before it is queued and leaves it
        only at the end of :meth:`do_process_update`, so at most ``ledger.limit`` hold the semaphore.
        """
        super().__init__(max(2, ledger.limit + 1))  # above 1, or the application runs updates one by one
        self.ledger = ledger
        self._tails: dict[Key, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the update's predecessors, run it, then let its successors go and record it finished.

        Everything before the first ``await`` runs when the task starts, in queue order (the application
        starts the tasks in the order it takes the updates from the queue, and the semaphore in front of
        this never waits, see ``__init__``): that is where the update takes its place behind the earlier ones.
        """
        keys = order_keys(update)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        before = {id(f): f for f in (self._tails.get(key) for key in keys) if f is not None}
        for key in keys:
            self._tails[key] = mine
        try:
            for earlier in before.values():
                await asyncio.shield(earlier)
            await coroutine
        finally:
            mine.set_result(None)
            for key in keys:
                if self._tails.get(key) is mine:
                    del self._tails[key]
            if isinstance(update, Update):
                self.ledger.finish(update.update_id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down (the application waits for running updates before this)."""


class GatedBot:
    """The bot as the updater sees it: ``getUpdates`` confirms only what the ledger allows (see above).

    Every other attribute is the real bot's.
    """

    def __init__(self, bot: Any, ledger: UpdateLedger, updater: Any = None) -> None:
        """Wrap ``bot``; ``updater`` (when given) tells whether polling is stopping."""
        self._bot = bot
        self._ledger = ledger
        self._updater = updater
        self._idle_at: int | None = None  # the ledger's version when a poll brought back only repeats

    def __getattr__(self, name: str) -> Any:
        """The real bot's attribute."""
        return getattr(self._bot, name)

    async def get_updates(self, offset: int | None = None, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """``getUpdates`` with the confirmable offset; updates already taken are left out of the answer."""
        ledger = self._ledger
        ledger.polling = True
        stopping = self._updater is not None and not self._updater.running
        if stopping:
            # The updater's last call confirms what was fetched: first let the unfinished updates finish.
            if not await ledger.drained(DRAIN_SECONDS):
                log.warning("stopping with %s updates unfinished; they are not confirmed", ledger.unfinished)
        elif self._idle_at is not None:
            # Asking again at once would only bring the same updates back: wait for one to finish.
            await ledger.changed(REPOLL_SECONDS, since=self._idle_at)
        safe, version = ledger.offset(offset or 0), ledger.version
        if stopping:
            return await self._confirm(safe, *args, **kwargs)
        raw = await self._fetch(safe, *args, **kwargs)
        fresh = [data for data in raw if not ledger.taken(data["update_id"])]
        self._idle_at = version if raw and not fresh else None
        return self._parse(fresh)

    async def _fetch(self, offset: int, limit: int | None = None, timeout: Any = None,
                     allowed_updates: Any = None, *, read_timeout: Any = DEFAULT_NONE,
                     write_timeout: Any = DEFAULT_NONE, connect_timeout: Any = DEFAULT_NONE,
                     pool_timeout: Any = DEFAULT_NONE, api_kwargs: Any = None) -> list[dict[str, Any]]:
        """``getUpdates`` as python-telegram-bot's ``Bot.get_updates`` makes it, but the answer left as JSON.

        While an update is unfinished every poll brings it back (the offset stays at it), so most of what
        a busy bot fetches is dropped again; parsing it into ``Update`` objects first was ~1/6 of the
        bot's instructions per update at 20 users (callgrind, ``bench/instructions.py``). Only the fresh
        ones are parsed (:meth:`_parse`).
        """
        if not isinstance(read_timeout, DefaultValue):
            base_timeout: float = read_timeout or 0
        else:
            base_timeout = self._bot._request[0].read_timeout or 0
        if isinstance(timeout, dt.timedelta):
            read_timeout = base_timeout + timeout.total_seconds()
        else:
            read_timeout = base_timeout + timeout if timeout else base_timeout
        data = {"timeout": timeout, "offset": offset, "limit": limit, "allowed_updates": allowed_updates}
        result = await self._bot._post("getUpdates", data, read_timeout=read_timeout, write_timeout=write_timeout,
                                       connect_timeout=connect_timeout, pool_timeout=pool_timeout,
                                       api_kwargs=api_kwargs)
        return list(result or ())

    def _parse(self, raw: list[dict[str, Any]]) -> tuple[Update, ...]:
        """The fresh updates as python-telegram-bot's ``get_updates`` returns them (callback data included),
        except the keyboard of a pressed message: Telegram sends it with every button press, nothing reads it
        (the ``telegram_keyboards`` table knows what each message shows), and it was the largest part of a
        press to parse."""
        for data in raw:
            pressed = data.get("callback_query", {}).get("message")
            if isinstance(pressed, dict):
                pressed.pop("reply_markup", None)
        updates = Update.de_list(raw, self._bot)
        insert = getattr(self._bot, "insert_callback_data", None)
        if insert is not None:
            for update in updates:
                insert(update)
        return updates


    async def _confirm(self, offset: int, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        """The last ``getUpdates`` when polling stops: it confirms what was handled, so it is tried again if
        the request fails (the cancelled long poll may still hold the getUpdates connection)."""
        await self._fresh_poll_client()
        for attempt in range(CONFIRM_ATTEMPTS):
            try:
                await self._bot.get_updates(offset, *args, **kwargs)
                break
            except NetworkError as err:  # TimedOut included; a restart would get these updates again
                log.info("final confirmation attempt %s failed (%s)", attempt + 1, type(err).__name__)
                await asyncio.sleep(0.5)
        return ()  # the updater stops: what came back is fetched again by the next start

    async def _fresh_poll_client(self) -> None:
        """Replace the getUpdates HTTP client before the last confirmation (the SIGTERM flake).

        python-telegram-bot's ``Updater.stop`` cancels the long poll without waiting for the cancellation
        to finish (``network_retry_loop`` only calls ``task.cancel()``), and the getUpdates client has one
        connection: the confirming call then waited for that connection until its pool timeout, three times
        over, and the handled updates stayed unconfirmed (Telegram sent them again on the next start). A
        fresh client has a free connection; closing the old one ends the abandoned long poll.
        """
        request = _poll_request(self._bot)
        if request is None:
            return
        with contextlib.suppress(Exception):  # closing a client in the middle of a cancelled request
            await request.shutdown()
        await request.initialize()



def _poll_request(bot: Any) -> BaseRequest | None:
    """The bot's separate getUpdates HTTP client (python-telegram-bot keeps it first in ``bot._request``)."""
    while not hasattr(bot, "_request") and hasattr(bot, "_bot"):
        bot = bot._bot
    requests = getattr(bot, "_request", None)
    first = requests[0] if isinstance(requests, tuple) and requests else None
    return first if isinstance(first, BaseRequest) else None


def install(builder: Any, limit: int = DEFAULT_LIMIT) -> UpdateLedger:
    """Configure ``builder`` (an ``ApplicationBuilder``) for concurrent, ordered, safely confirmed updates.

    Call :func:`attach` on the built application afterwards. Returns the ledger.
    """
    ledger = UpdateLedger(limit)
    builder.concurrent_updates(ChatOrderedProcessor(ledger)).update_queue(LedgerQueue(ledger))
    return ledger


def attach(app: Any, ledger: UpdateLedger) -> None:
    """Let ``app``'s updater poll through a :class:`GatedBot` over ``ledger``."""
    updater = app.updater
    if updater is not None:
        updater.bot = GatedBot(app.bot, ledger, updater)
