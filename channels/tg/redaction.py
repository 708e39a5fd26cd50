"""Secrets never reach a log: the bot token and the webhook secret are redacted in every log record.

:func:`install_redaction` puts a :class:`RedactingFactory` in front of the log record factory, so the secrets
are replaced before any handler sees a record — including httpx's ``HTTP Request: POST
https://api.telegram.org/bot<token>/...`` lines and exception tracebacks. The registered secrets live in that
factory (which the ``logging`` module holds), not in this module. PTB's DEBUG dumps of request parameters
(which carry message texts) are silenced by :func:`configure_logging`; our own log lines carry ids and kinds
only, never what a user wrote.
"""

from __future__ import annotations

import logging
import traceback
import urllib.parse
from collections.abc import Callable
from typing import Any

REDACTED = "<redacted>"
MIN_SECRET_LENGTH = 8


class RedactingFactory:
    """A log record factory that replaces registered secrets, wrapping the factory it was installed over."""

    def __init__(self, previous: Callable[..., logging.LogRecord]) -> None:
        """Wrap ``previous``, the log record factory in place before."""
        self.previous = previous
        self.secrets: set[str] = set()

    def add(self, value: str) -> None:
        """Register ``value`` (and its URL-quoted form; a bot token ``<id>:<secret>`` also by its secret half)."""
        if not value or len(value) < MIN_SECRET_LENGTH:
            return
        self.secrets.add(value)
        self.secrets.add(urllib.parse.quote(value, safe=""))
        if ":" in value:
            self.secrets.add(value.split(":", 1)[1])

    def redact(self, text: str) -> str:
        """``text`` with every registered secret replaced (longest first, so no half of one survives)."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        """Make the record with the previous factory, then redact its message, traceback and stack."""
        record = self.previous(*args, **kwargs)
        if self.secrets:
            self._redact_record(record)
        return record

    def _redact_record(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not break logging
            return
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[0] is not None:
            formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = self.redact(formatted)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)


def installed() -> RedactingFactory | None:
    """The redacting factory currently making log records, if it is the outermost one."""
    factory = logging.getLogRecordFactory()
    return factory if isinstance(factory, RedactingFactory) else None


def install_redaction(*values: str) -> None:
    """Make sure ``values`` never reach a log: redacted in every record, whichever handler prints it.

    The bot token ``<id>:<secret>`` is registered whole and by its secret half. Works through the log
    record factory, so handlers added later (pytest's caplog, a file handler) get clean records too.
    """
    factory = installed()
    if factory is None:
        factory = RedactingFactory(logging.getLogRecordFactory())
        logging.setLogRecordFactory(factory)
    for value in values:
        factory.add(value)


def redact(text: str) -> str:
    """Replace every registered secret (bot token, its secret half, webhook secret) in ``text``."""
    factory = installed()
    return factory.redact(text) if factory is not None else text


def configure_logging(level: int) -> None:
    """Log levels for the Telegram channel: PTB's update and request dumps (they carry texts) stay off."""
    # PTB's DEBUG lines dump whole updates and request parameters, i.e. what users wrote.
    logging.getLogger("telegram").setLevel(max(level, logging.INFO))
    # httpx logs every request URL (with the token, redacted) at INFO: only worth it when debugging.
    logging.getLogger("httpx").setLevel(level if level <= logging.DEBUG else logging.WARNING)
    logging.getLogger("channels.tg.client").setLevel(level if level <= logging.DEBUG else logging.WARNING)
