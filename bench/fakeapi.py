"""The test Bot API server (``testing.FakeBotAPI``) with two additions the benchmarks need.

* ``first_poll``: set when the first ``getUpdates`` *arrives*. The fake records a call only once it is
  answered, which for a long poll is seconds later; start-up is measured to the arrival.
* ``button(chat, part)``: the newest bot message in a chat with a button whose label contains ``part``,
  found without copying the chat's history (``messages_in`` deep-copies every message, which would
  cost the simulated users more CPU than the bot spends on the turn).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from testing import FakeBotAPI


class BenchBotAPI(FakeBotAPI):
    """``FakeBotAPI`` that notes its first poll and finds buttons cheaply."""

    def __init__(self, *args: Any, on_first_poll: Callable[[], None] | None = None, **kwargs: Any) -> None:
        """Like ``FakeBotAPI``; ``on_first_poll`` runs in the server thread when the first poll arrives."""
        super().__init__(*args, **kwargs)
        self.first_poll = threading.Event()
        self.first_poll_at: float | None = None
        self.on_first_poll = on_first_poll

    def _m_get_updates(self, params: dict, h: Any) -> list[dict]:
        if not self.first_poll.is_set():
            self.first_poll_at = time.monotonic()
            if self.on_first_poll is not None:
                self.on_first_poll()
            self.first_poll.set()
        return super()._m_get_updates(params, h)

    def button(self, chat_id: int, part: str) -> tuple[int, str]:
        """(message id, callback data) of the newest bot button whose label contains ``part``."""
        with self._lock:
            for message_id in sorted(self._messages.get(chat_id, {}), reverse=True):
                message = self._messages[chat_id][message_id]
                if message.from_bot and not message.deleted:
                    for button in message.buttons:
                        if part in button.get("text", "") and "callback_data" in button:
                            return message_id, button["callback_data"]
        raise LookupError(f"no button containing {part!r} in chat {chat_id}")
