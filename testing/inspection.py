"""Looking at what the bot did, waiting for it, injecting faults, rates, webhook delivery."""

from __future__ import annotations

import asyncio
import copy
import http.client
import json
import logging
import math
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from testing.limits import GLOBAL_SENDS_PER_SECOND, GROUP_SENDS_PER_MINUTE
from testing.records import (
    ApiChat,
    Call,
    Fault,
    Message,
    RateReport,
    StoredFile,
    UploadedFile,
    Violation,
    _max_in_window,
)

logger = logging.getLogger("testing.botapi")


class InspectionMixin:
    """Part of :class:`testing.fakebot.FakeBotAPI` (its attributes are set in its ``__init__``)."""

    # ------------------------------------------------------------------ inspection

    @property
    def calls(self) -> list[Call]:
        """Every request the bot made so far, in order of completion."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str, *, ok: bool | None = None, **match: Any) -> list[Call]:
        """Calls of ``method`` (case-insensitive) whose params match ``match`` (compared as strings)."""
        with self._lock:
            return [c for c in self._calls if self._call_matches(c, method, ok, match)]

    def last_call(self, method: str) -> Call | None:
        """The most recent call of ``method``."""
        found = self.calls_to(method)
        return found[-1] if found else None

    def messages_in(self, chat: ApiChat | int, *, include_users: bool = False) -> list[Message]:
        """The bot's visible messages in ``chat`` as they are now (copies); optionally users' too."""
        with self._lock:
            c = self._chat(chat)
            return [copy.deepcopy(m) for _, m in sorted(self._messages.get(c.id, {}).items())
                    if not m.deleted and (m.from_bot or include_users)]

    def message(self, chat: ApiChat | int, message_id: int) -> Message:
        """One message (a copy), deleted or not."""
        with self._lock:
            return copy.deepcopy(self._messages[self._chat(chat).id][message_id])

    def texts_in(self, chat: ApiChat | int) -> list[str]:
        """The plain texts (or captions) of the bot's visible messages in ``chat``."""
        return [m.text if m.text is not None else (m.caption or "") for m in self.messages_in(chat)]

    @property
    def files(self) -> dict[str, StoredFile]:
        """Every file known by file_id (bot uploads and user files)."""
        with self._lock:
            return dict(self._files)

    def uploads(self) -> list[StoredFile]:
        """Files the bot uploaded, in order."""
        with self._lock:
            return [f for f in self._files.values() if f.kind.startswith("bot:")]

    def callback_answer(self, update_id: int) -> dict | None:
        """The parameters of answerCallbackQuery for the press queued as ``update_id`` (None if none)."""
        with self._lock:
            for q in self._callback_queries.values():
                if q.update_id == update_id:
                    return copy.deepcopy(q.answer)
            raise ValueError(f"update {update_id} is not a callback query")

    def unanswered_callback_queries(self) -> list[str]:
        """Ids of callback queries the bot has not answered (yet)."""
        with self._lock:
            return [q.id for q in self._callback_queries.values() if q.answered is None]

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The command list set for exactly this scope and language (as getMyCommands would answer)."""
        with self._lock:
            return copy.deepcopy(self._commands.get((self._scope_key(scope), language_code), []))

    def take_violations(self) -> list[Violation]:
        """Return and forget the violations so far (for tests that provoke them on purpose)."""
        with self._lock:
            taken, self.violations = self.violations, []
            return taken

    def assert_no_violations(self, *, grace: float = 1.0, allow_unanswered: bool = False) -> None:
        """Fail unless the bot kept every rule.  "message is not modified" is allowed (see ``.not_modified``).

        Unanswered callback queries count as violations unless ``allow_unanswered``; up to ``grace``
        seconds are given for answers still in flight.  Errors inside the fake itself also fail.
        """
        if not allow_unanswered and grace > 0:
            deadline = time.monotonic() + grace
            with self._cond:
                while self.unanswered_callback_queries() and time.monotonic() < deadline:
                    self._cond.wait(max(0.0, min(0.05, deadline - time.monotonic())))
        with self._lock:
            problems = [str(v) for v in self.violations]
            problems += [f"internal error of the fake: {e}" for e in self.internal_errors]
            if not allow_unanswered:
                for q in self._callback_queries.values():
                    if q.answered is None:
                        problems.append(f"callback query {q.id} (update {q.update_id}, data={q.data!r}) "
                                        "was never answered")
        if problems:
            raise AssertionError("the bot broke Telegram's rules:\n  " + "\n  ".join(problems))

    # ------------------------------------------------------------------ waiting

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Block until ``predicate()`` is truthy (re-checked on every call/update); return its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"condition not met within {timeout}s; {self._recent_calls()}")
                self._cond.wait(min(remaining, 0.1))

    def wait_for_calls(self, method: str, n: int = 1, timeout: float = 5.0, *, ok: bool | None = None,
                       **match: Any) -> list[Call]:
        """Block until the bot made ``n`` calls of ``method`` matching ``match``; return all such calls."""
        try:
            return self.wait_for(lambda: self._enough(method, n, ok, match), timeout)
        except AssertionError:
            got = len(self.calls_to(method, ok=ok, **match))
            raise AssertionError(f"waited {timeout}s for {n} {method} call(s) matching {match}, got {got}; "
                                 f"{self._recent_calls()}") from None

    async def wait_for_async(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """``wait_for`` for tests whose bot runs in the same event loop (does not block the loop)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s; {self._recent_calls()}")
            await asyncio.sleep(0.01)

    async def wait_for_calls_async(self, method: str, n: int = 1, timeout: float = 5.0, *,
                                   ok: bool | None = None, **match: Any) -> list[Call]:
        """``wait_for_calls`` for tests whose bot runs in the same event loop."""
        try:
            return await self.wait_for_async(lambda: self._enough(method, n, ok, match), timeout)
        except AssertionError:
            got = len(self.calls_to(method, ok=ok, **match))
            raise AssertionError(f"waited {timeout}s for {n} {method} call(s) matching {match}, got {got}; "
                                 f"{self._recent_calls()}") from None

    def wait_until_confirmed(self, update_id: int, timeout: float = 5.0) -> None:
        """Block until the bot acknowledged ``update_id`` via getUpdates' offset."""
        self.wait_for(lambda: self._is_confirmed(update_id), timeout)

    async def wait_until_confirmed_async(self, update_id: int, timeout: float = 5.0) -> None:
        """``wait_until_confirmed`` for tests whose bot runs in the same event loop."""
        await self.wait_for_async(lambda: self._is_confirmed(update_id), timeout)

    def _enough(self, method: str, n: int, ok: bool | None, match: dict) -> list[Call] | None:
        found = [c for c in self._calls if self._call_matches(c, method, ok, match)]
        return found if len(found) >= n else None

    def _is_confirmed(self, update_id: int) -> bool:
        return self._confirmed_offset > update_id and all(
            u["update_id"] != update_id for u in self._redelivered)

    @staticmethod
    def _call_matches(call: Call, method: str, ok: bool | None, match: dict) -> bool:
        if call.method.lower() != method.lower():
            return False
        if ok is not None and call.ok != ok:
            return False
        return all(str(call.params.get(k)) == str(v) for k, v in match.items())

    def _recent_calls(self, count: int = 12) -> str:
        with self._lock:
            recent = self._calls[-count:]
        lines = [f"#{c.seq} {c.method} -> {c.status} {c.fault or ''} {c.error or ''}".rstrip()
                 for c in recent]
        return "recent calls: " + ("; ".join(lines) if lines else "none")

    # ------------------------------------------------------------------ faults

    def inject(self, method: str, kind: str, times: int = 1, **params: Any) -> Fault:
        """Make the next ``times`` calls of ``method`` ("*" for any) fail with ``kind``.

        Kinds: "429" (``retry_after=1``), "500", "403" (blocked by the user), any other HTTP code such as
        "502", "slow" (``delay=1.0`` seconds, then processed normally), "timeout" (no answer until the
        client gives up), "drop" (connection closed without an answer).  ``description=`` overrides the
        error text; ``process=True`` makes "timeout"/"drop" still carry out the request.  Every other
        keyword is a filter on the call's params, e.g. ``chat_id=...``.
        """
        if kind not in ("slow", "timeout", "drop") and not kind.isdigit():
            raise ValueError(f"unknown fault kind {kind!r}")
        options = {k: params.pop(k) for k in ("retry_after", "delay", "description", "process")
                   if k in params}
        fault = Fault(method, kind, times, params, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Forget every fault that has not fired yet."""
        with self._lock:
            self._faults.clear()

    def set_handler(self, method: str, handler: Callable[[dict, dict[str, UploadedFile]], Any]) -> None:
        """Implement or override a method: ``handler(params, files)`` returns a result or raises ApiError."""
        with self._lock:
            self._handlers[method.lower()] = (method, lambda params, files: handler(params, files))

    # ------------------------------------------------------------------ rates

    def rate_report(self) -> RateReport:
        """Sends per second overall and per chat, and per minute per group; breaches of Telegram's limits."""
        with self._lock:
            sends = list(self._sends)
        times = [t for t, _ in sends]
        by_chat: dict[int, list[float]] = {}
        for t, chat_id in sends:
            by_chat.setdefault(chat_id, []).append(t)
        per_chat = {cid: _max_in_window(ts, 1.0) for cid, ts in by_chat.items()}
        per_group = {cid: _max_in_window(ts, 60.0) for cid, ts in by_chat.items() if cid < 0}
        breaches = []
        overall = _max_in_window(times, 1.0)
        if overall > GLOBAL_SENDS_PER_SECOND:
            breaches.append(f"{overall} sends within one second (limit {GLOBAL_SENDS_PER_SECOND})")
        breaches += [f"{count} sends to group {cid} within one minute (limit {GROUP_SENDS_PER_MINUTE})"
                     for cid, count in per_group.items() if count > GROUP_SENDS_PER_MINUTE]
        return RateReport(len(sends), overall, per_chat, per_group, breaches)

    def assert_within_rate_limits(self) -> None:
        """Fail if the bot ever sent more than 30 messages/s overall or 20/min to one group."""
        report = self.rate_report()
        if report.breaches:
            raise AssertionError("the bot exceeded Telegram's flood limits: " + "; ".join(report.breaches))

    def _rate_limited(self, chat_id: int) -> int | None:
        """Seconds to wait if sending to ``chat_id`` now would exceed a limit (strict mode)."""
        now = time.monotonic()
        recent = [t for t, _ in self._sends if now - t < 1.0]
        if len(recent) >= GLOBAL_SENDS_PER_SECOND:
            return 1
        if chat_id < 0:
            in_group = [t for t, c in self._sends if c == chat_id and now - t < 60.0]
            if len(in_group) >= GROUP_SENDS_PER_MINUTE:
                return max(1, math.ceil(60.0 - (now - in_group[0])))
        return None

    # ------------------------------------------------------------------ webhook delivery

    def post_update_to_webhook(self, url: str, update: int | dict, secret: str | None = None,
                               timeout: float = 10.0) -> tuple[int, bytes]:
        """POST an update (an update_id or raw JSON) to the bot's webhook endpoint at ``url``.

        Sends ``X-Telegram-Bot-Api-Secret-Token`` when ``secret`` is given.  Returns (status, body).
        Blocking: from a test whose bot runs in the same event loop use ``post_update_to_webhook_async``.
        """
        payload = self.update(update) if isinstance(update, int) else update
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("only http://127.0.0.1 webhook endpoints can be reached in tests")
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
        try:
            conn.request("POST", parts.path or "/", body=body, headers=headers)
            response = conn.getresponse()
            status, data = response.status, response.read()
        finally:
            conn.close()
        with self._cond:
            self.webhook_deliveries.append((url, payload.get("update_id", 0), status))
            self._cond.notify_all()
        return status, data

    async def post_update_to_webhook_async(self, url: str, update: int | dict, secret: str | None = None,
                                           timeout: float = 10.0) -> tuple[int, bytes]:
        """``post_update_to_webhook`` without blocking the event loop."""
        return await asyncio.to_thread(self.post_update_to_webhook, url, update, secret, timeout)

    def deliver_pending_to_webhook(self, url: str) -> list[int]:
        """Deliver queued updates to ``url`` in order, as Telegram would; confirmed ones leave the queue.

        Uses the secret set by setWebhook.  Stops at the first non-2xx answer (Telegram retries later).
        """
        statuses = []
        for upd in self.pending_updates():
            status, _ = self.post_update_to_webhook(url, upd, self.webhook.get("secret_token"))
            statuses.append(status)
            if not 200 <= status < 300:
                break
            with self._cond:
                self._redelivered_sent.add(upd["update_id"])
                self._confirm(upd["update_id"] + 1)
        return statuses
