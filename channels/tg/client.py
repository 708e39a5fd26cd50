"""The HTTP client under python-telegram-bot: HTTP/1.1 with keep-alive on asyncio, responses parsed by llhttp.

python-telegram-bot sends every Bot API call through a :class:`~telegram.request.BaseRequest`, an interface
meant to be implemented "via different asyncio HTTP libraries"; its default, ``HTTPXRequest``, goes through
httpx, httpcore, anyio and h11, all pure Python, and cost ~550 µs of CPU per call on loopback, the larger part
of what the bot spends on an update (``bench``: an echo bot making xiaoe's number of calls spent 3.0 ms per
update, xiaoe 4.3 ms). :class:`BotAPIRequest` implements the same interface with one asyncio protocol per
connection and `httptools <https://github.com/MagicStack/httptools>`_ (Node.js's llhttp parser) for the
answers: ~35 µs per call. Everything above the interface stays python-telegram-bot's: the parameters,
the JSON answer, the mapping of Telegram's refusals to ``BadRequest``/``Forbidden``/``RetryAfter``, the rate
limiter.

What it does, and how it differs from ``HTTPXRequest``:

* **Connections.** At most ``connection_pool_size`` requests at once (the rest wait, up to ``pool_timeout``,
  then ``TimedOut`` "Pool timeout", as with httpx); idle connections are reused, newest first, for up to
  ``keepalive_expiry`` seconds (httpx's default, 5 s). Before reuse a connection is polled (``select``, no
  wait), as httpcore does: one the server closed, or sent anything on, while idle is closed instead. One
  request at a time per connection, never pipelined; a request that fails or is cancelled takes its
  connection with it, so a late answer can never be read as the next request's. No request is ever retried
  here: a call Telegram may have received is for the caller to judge (``channels/tg/journal.py``).
* **Answers**: interim ones (1xx: 100 Continue, 103 Early Hints) are skipped; a protocol switch (101) and
  anything llhttp cannot parse fail the request.
* **Timeouts**, as ``HTTPXRequest`` understands them: ``connect_timeout`` to open a connection (TCP and TLS),
  ``write_timeout`` for the request to leave, ``read_timeout`` for the whole answer (httpx applies it
  to each read instead: the same for the Bot API's small answers, stricter for a long download, which xiaoe
  never makes); ``None`` waits forever.
  Exceeded: ``TimedOut``. Any other failure of the connection or the HTTP framing: ``NetworkError`` naming
  the error's type, never the URL (it holds the bot token). Each request is logged at DEBUG, as httpx logs
  it at INFO (``channels/tg/redaction.py`` redacts the token; ``configure_logging`` turns both on only when
  debugging).
* **Parameters** form-encoded (``application/x-www-form-urlencoded``), exactly as python-telegram-bot sends
  them through httpx; the URL's path and query percent-encoded where needed (a file path with a space).
* **TLS** for ``https`` URLs with the system's certificate store (``ssl.create_default_context``), done in
  this module with ``ssl.SSLObject`` over memory buffers on a plain TCP transport rather than by asyncio's
  TLS transport, whose flow control reports only its own buffer: so "handed to the operating system" holds
  for HTTPS too (``tests/test_client.py`` checks it with a server that does not read).
* **Left to** ``HTTPXRequest`` (the ``fallback``): uploads (multipart requests, e.g. a generated DOCX) and
  any URL the environment's proxy settings route through a proxy (``HTTPS_PROXY``, ``ALL_PROXY``,
  ``NO_PROXY``, read once per host; ``trust_env=False`` ignores them). A deployment that reaches Telegram
  through a proxy therefore behaves as before this client existed.
* **Two hooks** for the delivery journal: ``on_written()`` runs the moment the whole request has been
  handed to the operating system (nothing of it is left in the process, so a kill after it cannot stop it);
  ``on_status(code)`` runs with the answer's HTTP status. Both run in the calling task, so they see its
  context variables. The fallback gets its own (httpx event hooks, see ``delivery_request``).
* **Not supported**, since the Bot API never needs them: answers without a length (ended by closing the
  connection), HTTP/2, compression, redirects.
"""

from __future__ import annotations

import asyncio
import logging
import select
import ssl
import time
import urllib.request
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

import httptools
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

log = logging.getLogger(__name__)

POOL_TIMEOUT_MESSAGE = ("Pool timeout: All connections in the connection pool are occupied. Request was *not* "
                        "sent to Telegram. Consider adjusting the connection pool size or the pool timeout.")
_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # "not given": the client's own default timeout applies
_URL_CACHE_LIMIT = 64  # the Bot API's method URLs; file URLs (one per file) are split anew each time
_PATH_SAFE = "/%:@!$&'()*+,;=~"  # what a path may carry as is (RFC 3986), existing escapes included
_QUERY_SAFE = _PATH_SAFE + "?"


class _Target(NamedTuple):
    """Where a URL's request goes and what its request line says."""

    scheme: str
    host: str
    port: int
    host_header: str
    target: str  # path and query


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection over TCP, with TLS done here (``ssl.SSLObject`` over memory buffers) so that
    "handed to the operating system" means exactly that: the TCP transport's own buffer is empty.

    The transport's flow control is set to pause at the first byte it has to keep, so ``_flushed`` exists
    exactly while part of what was written still waits in the process.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, tls: ssl.SSLObject | None = None,
                 incoming: ssl.MemoryBIO | None = None, outgoing: ssl.MemoryBIO | None = None) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.alive = True
        self.reusable = False
        self.idle_since = 0.0
        self._tls, self._incoming, self._outgoing = tls, incoming, outgoing
        self._handshake: asyncio.Future[None] | None = None
        self._answer: asyncio.Future[tuple[int, bytes]] | None = None
        self._flushed: asyncio.Future[None] | None = None
        self._body: list[bytes] = []
        self._stray = False  # bytes came that no request asked for: the connection can no longer be trusted

    # asyncio.Protocol
    def connection_made(self, transport: Any) -> None:
        """Keep the transport; ask to be told whenever anything written waits in the process."""
        self.transport = transport
        transport.set_write_buffer_limits(high=0)

    def data_received(self, data: bytes) -> None:
        """Bytes from the server: through TLS if any, then to the parser."""
        if self._tls is None:
            self._parse(data)
            return
        assert self._incoming is not None
        self._incoming.write(data)
        if self._handshake is not None and not self._handshake.done():
            self._shake()
            if not self._handshake.done():
                return
        plain = []
        try:
            while chunk := self._tls.read(65536):
                plain.append(chunk)
            self.alive = False  # an empty read: the server's close_notify, the end of the stream
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLZeroReturnError:  # the same, as some OpenSSL versions report it
            self.alive = False
        except ssl.SSLError as err:
            self._fail(err)
            return
        self._flush_tls()
        for chunk in plain:
            self._parse(chunk)
        if not self.alive:
            self._fail(ConnectionResetError("the server closed the connection"))

    def eof_received(self) -> bool:
        """The server closed its side: close ours (``connection_lost`` follows)."""
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection is gone: never reuse it; a request still waiting fails."""
        self._fail(exc or ConnectionResetError("the server closed the connection"))

    def pause_writing(self) -> None:
        """Part of what was written waits in the process (the socket's buffer was full)."""
        self._flushed = self.loop.create_future()

    def resume_writing(self) -> None:
        """Everything written has been handed to the operating system."""
        if self._flushed is not None and not self._flushed.done():
            self._flushed.set_result(None)
        self._flushed = None

    # httptools callbacks
    def on_message_begin(self) -> None:
        """An answer begins: only valid while a request waits for one."""
        if self._answer is None or self._answer.done():
            self._stray = True

    def on_body(self, body: bytes) -> None:
        """A piece of the answer's body."""
        self._body.append(body)

    def on_message_complete(self) -> None:
        """An answer is in: an interim one (1xx: 100 Continue, 103 Early Hints) is skipped, the final one
        completes the request."""
        status = self.parser.get_status_code()
        if 100 <= status < 200:
            self._body = []
            return
        self.reusable = self.parser.should_keep_alive()
        if self._answer is not None and not self._answer.done():
            self._answer.set_result((status, b"".join(self._body)))

    # used by BotAPIRequest
    async def handshake(self) -> None:
        """The TLS handshake (the caller limits how long it may take)."""
        self._handshake = self.loop.create_future()
        self._shake()
        await self._handshake

    def usable(self) -> bool:
        """Open, and nothing arrived while idle (an end of file or anything else means: do not reuse)."""
        if not self.alive or self.transport is None or self.transport.is_closing():
            return False
        sock = self.transport.get_extra_info("socket")
        return sock is None or not select.select([sock.fileno()], [], [], 0)[0]

    async def send(self, data: bytes, write_timeout: float | None, on_written: Callable[[], None] | None) -> None:
        """Hand ``data`` to the operating system (waiting at most ``write_timeout``), then ``on_written()``."""
        if not self.alive or self.transport is None or self.transport.is_closing():
            raise ConnectionResetError("the connection was closed before the request was sent")
        self._body = []
        self.reusable = False
        self._answer = self.loop.create_future()
        if self._tls is not None:
            assert self._outgoing is not None
            view = memoryview(data)
            while view:
                view = view[self._tls.write(view):]
            data = self._outgoing.read()
        self.transport.write(data)
        if self.transport.is_closing():  # the write failed (asyncio reports it later, as connection_lost)
            raise ConnectionResetError("the connection failed while the request was written")
        if self._flushed is not None:
            try:
                await _within(self._flushed, write_timeout, self.loop)
            except asyncio.CancelledError:  # cancelled in the very turn the last bytes left: they did leave
                left = self.alive and not self.transport.is_closing() and not self.transport.get_write_buffer_size()
                if left and on_written is not None:
                    on_written()
                raise
        if on_written is not None:
            on_written()

    async def answer(self, read_timeout: float | None) -> tuple[int, bytes]:
        """The answer to the request sent (waiting at most ``read_timeout``)."""
        assert self._answer is not None
        return await _within(self._answer, read_timeout, self.loop)

    def close(self) -> None:
        """Drop the connection at once; a request still waiting on it fails with ``ConnectionAbortedError``."""
        self._fail(ConnectionAbortedError("the connection was closed"))

    def _parse(self, data: bytes) -> None:
        if self._answer is None or self._answer.done():  # between requests the server has nothing to say
            self._fail(ConnectionError("the server sent data no request asked for"))
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(ConnectionError("the server switched protocols"))
        except httptools.HttpParserError as err:
            self._fail(err)
        if self._stray:  # a second answer after the one awaited, in the same bytes
            self._fail(ConnectionError("the server sent data no request asked for"))

    def _shake(self) -> None:
        assert self._tls is not None and self._handshake is not None
        try:
            self._tls.do_handshake()
        except ssl.SSLWantReadError:
            self._flush_tls()
            return
        except ssl.SSLError as err:  # SSLCertVerificationError included (untrusted, wrong host name, expired)
            self._flush_tls()
            self._fail(err)
            return
        self._flush_tls()
        if not self._handshake.done():
            self._handshake.set_result(None)

    def _flush_tls(self) -> None:
        assert self._outgoing is not None
        data = self._outgoing.read()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _fail(self, exc: BaseException) -> None:
        self.alive = False
        for waiter in (self._handshake, self._answer, self._flushed):
            if waiter is not None and not waiter.done():
                waiter.set_exception(exc)
                waiter.exception()  # whoever awaits it still gets it; nobody awaiting is no error to log
        if self.transport is not None and not self.transport.is_closing():
            self.transport.abort()


async def _within(waiter: asyncio.Future[Any], timeout: float | None, loop: asyncio.AbstractEventLoop) -> Any:
    """``await waiter``, failing with ``TimeoutError`` after ``timeout`` seconds (``None``: no limit).

    One timer handle instead of ``asyncio.wait_for``'s wrapping, which costs more than the rest of a call.
    """
    if timeout is None:
        return await waiter
    timer = loop.call_later(timeout, _expire, waiter)
    try:
        return await waiter
    finally:
        timer.cancel()


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class BotAPIRequest(BaseRequest):
    """python-telegram-bot's request interface over :class:`_Connection` (see the module docstring)."""

    def __init__(self, connection_pool_size: int = 256, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, *, keepalive_expiry: float = 5.0, trust_env: bool = True,
                 on_written: Callable[[], None] | None = None, on_status: Callable[[int], None] | None = None,
                 fallback: BaseRequest | None = None, ssl_context: ssl.SSLContext | None = None) -> None:
        """A client of at most ``connection_pool_size`` connections with these default timeouts (seconds).

        ``fallback`` (default: an ``HTTPXRequest`` with the same settings) makes the uploads and the proxied
        requests; ``ssl_context`` (default: the system's trust store) checks ``https`` servers.
        """
        self._pool_size = connection_pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout,
                          "pool": pool_timeout}
        self._keepalive_expiry = keepalive_expiry
        self._trust_env = trust_env
        self._on_written = on_written
        self._on_status = on_status
        self._fallback = fallback or HTTPXRequest(
            connection_pool_size=connection_pool_size, read_timeout=read_timeout, write_timeout=write_timeout,
            connect_timeout=connect_timeout, pool_timeout=pool_timeout, httpx_kwargs={"trust_env": trust_env})
        self._ssl = ssl_context
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._open: set[_Connection] = set()
        self._slots: asyncio.Semaphore | None = None
        self._targets: dict[str, _Target] = {}
        self._direct: dict[tuple[str, str], bool] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (python-telegram-bot adds a long poll's timeout to it)."""
        return self._timeouts["read"]

    async def initialize(self) -> None:
        """Ready to send (again, after :meth:`shutdown`)."""
        self._slots = asyncio.Semaphore(self._pool_size)
        await self._fallback.initialize()

    async def shutdown(self) -> None:
        """Close every connection, idle, busy or being opened (a request under way fails with ``NetworkError``,
        and so does one that was waiting for a connection)."""
        for connection in list(self._open):
            connection.close()
        self._open.clear()
        self._idle.clear()
        self._slots = None
        await self._fallback.shutdown()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        """Make one request; (HTTP status, body). See :meth:`telegram.request.BaseRequest.do_request`."""
        if self._slots is None:
            raise RuntimeError("This BotAPIRequest is not initialized!")
        target = self._target(url)
        if (request_data is not None and request_data.contains_files) or not self._goes_direct(target):
            return await self._fallback.do_request(url, method, request_data, read_timeout, write_timeout,
                                                   connect_timeout, pool_timeout)
        timeouts = self._timeouts
        read = timeouts["read"] if isinstance(read_timeout, _DEFAULT) else read_timeout
        write = timeouts["write"] if isinstance(write_timeout, _DEFAULT) else write_timeout
        connect = timeouts["connect"] if isinstance(connect_timeout, _DEFAULT) else connect_timeout
        pool = timeouts["pool"] if isinstance(pool_timeout, _DEFAULT) else pool_timeout
        data = _request_bytes(method, target, request_data)
        slots = self._slots
        if slots.locked():  # every connection busy: wait for one, at most the pool timeout
            try:
                async with asyncio.timeout(pool):
                    await slots.acquire()
            except TimeoutError as err:
                raise TimedOut(POOL_TIMEOUT_MESSAGE) from err
        else:
            await slots.acquire()
        try:
            return await self._exchange(slots, method, target, data, read, write, connect)
        finally:
            slots.release()

    async def _exchange(self, slots: asyncio.Semaphore, method: str, target: _Target, data: bytes,
                        read: float | None, write: float | None, connect: float | None) -> tuple[int, bytes]:
        key = (target.scheme, target.host, target.port)
        connection = None
        try:
            if self._slots is not slots:
                raise ConnectionAbortedError("the client was shut down")
            connection = self._reuse(key)
            if connection is None:
                connection = await self._connect(target, connect, slots)
            await connection.send(data, write, self._on_written)
            status, body = await connection.answer(read)
        except TimeoutError as err:
            _discard(connection, self._open)
            raise TimedOut from err
        except (OSError, httptools.HttpParserError) as err:  # ssl.SSLError and ConnectionError are OSErrors
            _discard(connection, self._open)
            raise NetworkError(f"{type(err).__name__}: {err}") from err
        except BaseException:  # cancelled: whatever the connection was doing is abandoned with it
            _discard(connection, self._open)
            raise
        if connection.alive and connection.reusable:
            now = time.monotonic()
            connection.idle_since = now
            idle = self._idle.setdefault(key, [])
            while idle and idle[0].idle_since < now - self._keepalive_expiry:
                _discard(idle.pop(0), self._open)
            idle.append(connection)
        else:
            _discard(connection, self._open)
        if self._on_status is not None:
            self._on_status(status)
        if log.isEnabledFor(logging.DEBUG):  # as httpx logs it; the URL's token is redacted (redaction.py)
            log.debug('HTTP Request: %s %s://%s%s "%s"', method, target.scheme, target.host_header,
                      target.target, status)
        return status, body

    def _reuse(self, key: tuple[str, str, int]) -> _Connection | None:
        """The newest idle connection to ``key`` that is still open, unused by the server and fresh; the
        others found on the way are closed."""
        idle = self._idle.get(key)
        if not idle:
            return None
        oldest_kept = time.monotonic() - self._keepalive_expiry
        while idle:
            connection = idle.pop()
            if connection.idle_since >= oldest_kept and connection.usable():
                return connection
            _discard(connection, self._open)
        return None

    async def _connect(self, target: _Target, timeout: float | None, slots: asyncio.Semaphore) -> _Connection:
        """A new connection to ``target`` (TCP, and TLS for ``https``) within ``timeout`` seconds, unless the
        client is shut down meanwhile (``slots`` is no longer its pool)."""
        loop = asyncio.get_running_loop()
        tls = incoming = outgoing = None
        if target.scheme == "https":
            if self._ssl is None:
                self._ssl = ssl.create_default_context()
            incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
            tls = self._ssl.wrap_bio(incoming, outgoing, server_hostname=target.host)
        connection = None
        try:
            async with asyncio.timeout(timeout):
                _, connection = await loop.create_connection(lambda: _Connection(loop, tls, incoming, outgoing),
                                                             target.host, target.port)
                self._open.add(connection)
                if self._slots is not slots:
                    raise ConnectionAbortedError("the client was shut down")
                if tls is not None:
                    await connection.handshake()
                    if self._slots is not slots:
                        raise ConnectionAbortedError("the client was shut down")
        except BaseException:
            _discard(connection, self._open)
            raise
        return connection

    def _target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            parts = urlsplit(url)
            scheme = parts.scheme.lower()
            if scheme not in ("http", "https") or not parts.hostname:
                raise NetworkError(f"unsupported URL scheme {scheme!r}")
            # Percent-encoded as httpx does: a file path with spaces or Chinese must not break the request line.
            path = quote(parts.path or "/", safe=_PATH_SAFE)
            if parts.query:
                path += "?" + quote(parts.query, safe=_QUERY_SAFE)
            target = _Target(scheme, parts.hostname, parts.port or (443 if scheme == "https" else 80),
                             parts.netloc.rpartition("@")[2], path)
            if len(self._targets) < _URL_CACHE_LIMIT:
                self._targets[url] = target
        return target

    def _goes_direct(self, target: _Target) -> bool:
        """False when the environment routes ``target``'s host through a proxy (read once per host)."""
        key = (target.scheme, target.host)
        direct = self._direct.get(key)
        if direct is None:
            direct = True
            if self._trust_env:
                proxies = urllib.request.getproxies_environment()
                # proxy_bypass_environment reads NO_PROXY; public since Python 3.0, missing from typeshed.
                bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
                if (target.scheme in proxies or "all" in proxies) and not bypass(target.host, proxies):
                    direct = False
            self._direct[key] = direct
        return direct


def _discard(connection: _Connection | None, open_connections: set[_Connection]) -> None:
    if connection is not None:
        connection.close()
        open_connections.discard(connection)


def _request_bytes(method: str, target: _Target, request_data: RequestData | None) -> bytes:
    """The request as it goes on the wire: the head and, for a POST, the form-encoded parameters."""
    head = (f"{method} {target.target} HTTP/1.1\r\nHost: {target.host_header}\r\n"
            f"User-Agent: {BaseRequest.USER_AGENT}\r\n")
    if method == "GET" and request_data is None:
        return f"{head}Accept: */*\r\n\r\n".encode("ascii")
    body = request_data.url_encoded_parameters().encode("ascii") if request_data is not None else b""
    return (f"{head}Accept: */*\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("ascii") + body
