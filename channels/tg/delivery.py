"""Getting a turn's replies to Telegram once — as close to exactly once as the Bot API allows — through
crashes and Bot API faults.

Three mechanisms, each closing a gap found by killing the bot under load (``tests/test_crash_restart.py``):

1. **Confirm an update only after it was handled** (``channels/tg/concurrency.py``). python-telegram-bot's
   updater confirms a batch of updates to Telegram (the next ``getUpdates`` offset) as soon as it has
   *queued* them, before any is handled. A bot killed in between lost those updates for good: Telegram
   never sent them again. The ``getUpdates`` offset is therefore held at the lowest unfinished update
   (webhook: the HTTP answer waits for the handling), so Telegram is told an update was handled only
   after its turn was committed and its replies went out — and after every earlier update's; a killed
   bot gets every unfinished update again, and the engine's processed-updates table makes the second
   run return the stored replies instead of playing the turn twice.
2. **A journal of the non-idempotent calls** (``channels/tg/journal.py``: the ``<db>.delivery-marks`` file,
   and table ``delivery_steps`` for calls Telegram never answered). When a
   redelivered update's replies are sent again, the calls that already went out (a message sent, a
   button press answered) are skipped; edits are simply repeated. What no Bot API client can close (there
   is no idempotency key): a kill in the few microseconds between a request leaving and the journal
   noting it, or a retried timeout, sends that one message again — at least once, never lost.
   The delivery ends with one transaction (:meth:`Delivery._finish`): the update marked delivered, the
   keyboards its replies left (``channels/tg/keyboards.py``) and the journal's rows, then the marks go.
3. **Bounded retries, then a record** (:meth:`Delivery.deliver`). Timeouts, dropped connections, 5xx and
   429 (after the rate limiter's own retries) are retried a few times with back-off, honouring
   ``retry_after``; thanks to the journal a retry never repeats what already went out. A user who blocked
   the bot (403), a request Telegram refuses (400), or retries exhausted end in the ``undeliverable``
   table (ids and the error type, never text) and are not retried again. The session is never touched by
   delivery, so nothing the user answered is lost either way: their next message shows the current step.

Chats are served concurrently (``channels/tg/concurrency.py``): a chat in trouble holds up only its own
later updates, for at most its retry budget (a few seconds); the other chats go on meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlite_utils import Database
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from channels.tg.journal import DeliveryCounters, DeliveryJournal, JournaledBot
from storage.db import immediate

log = logging.getLogger(__name__)

DEFAULT_ATTEMPTS = 4
DEFAULT_BACKOFF = (0.5, 1.5, 3.0)  # seconds before the 2nd, 3rd, 4th attempt
MAX_RETRY_AFTER = 30.0



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
                      send: Callable[[Any], Awaitable[None]],
                      finished: Callable[[], None] = lambda: None) -> bool:
        """Run ``send(journaled_bot)`` until it succeeds or gives up; True when everything went out.

        ``send`` must make the same calls in the same order each time (it is re-run on retries and after
        restarts). Exceptions other than Telegram's network errors propagate (a bug, not a fault).
        ``finished`` records that the update needs no more delivery (the engine's ``mark_delivered``, and
        whatever else the delivery decided, e.g. the keyboards it left): it runs inside the delivery's one
        final transaction, with the journal's rows and the undeliverable record, and the written marks are
        dropped only after that commit — so a bot stopped in between never sends the replies again.
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
            self._finish(update_id, finished)
            self.counters.delivered += 1
            return True
        self._finish(update_id, finished, lambda: self.journal.undeliverable_row(update_id, chat_id, user_id,
                                                                                  reason, error, attempt))
        self.counters.undeliverable[reason] = self.counters.undeliverable.get(reason, 0) + 1
        if reason == "retries_exhausted":
            log.warning("update %s: replies to chat %s undeliverable after %s attempts (%s)",
                        update_id, chat_id, attempt, error)
        return False

    def _finish(self, update_id: int, *steps: Callable[[], None]) -> None:
        """The delivery's one final transaction: ``steps``, then the journal's rows; then the marks go."""
        with immediate(self.journal.db):
            for step in steps:
                step()
            self.journal.finish_rows(update_id)
        self.journal.release(update_id)
