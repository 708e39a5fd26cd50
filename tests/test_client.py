"""The HTTP client under python-telegram-bot (channels/tg/client.py): against the fake Bot API, and against a raw
HTTP server on loopback that misbehaves on purpose (closed connections, chunked answers, silence, garbage, TLS)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import ssl
import subprocess
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from channels.tg.client import BotAPIRequest
from testing import FakeBotAPI

OK = json.dumps({"ok": True, "result": {"answer": 42}}).encode()
Respond = Callable[[bytes, asyncio.StreamWriter], Awaitable[None]]


class RawServer:
    """An HTTP/1.1 server on 127.0.0.1 whose every answer is written by ``respond(request, writer)``."""

    def __init__(self, respond: Respond, ssl_context: ssl.SSLContext | None = None, *,
                 receive_buffer: int | None = None, hold_reading: asyncio.Event | None = None) -> None:
        """``receive_buffer``: the accepted sockets' SO_RCVBUF (small: the client's bytes stay with the client);
        ``hold_reading``: read nothing until it is set."""
        self.respond = respond
        self.ssl_context = ssl_context
        self.receive_buffer = receive_buffer
        self.hold_reading = hold_reading
        self.connections = 0
        self.closed_by_client = 0
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def __aenter__(self) -> RawServer:
        listening = socket.socket()
        if self.receive_buffer:
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
        listening.bind(("127.0.0.1", 0))
        self.server = await asyncio.start_server(self._serve, sock=listening, ssl=self.ssl_context)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"{'https' if self.ssl_context else 'http'}://127.0.0.1:{port}/botTOKEN:SECRET/getMe"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.hold_reading is not None:
            await self.hold_reading.wait()
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError as end:
                    self.closed_by_client += not end.partial
                    raise
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = head + await reader.readexactly(length)
                self.requests.append(request)
                await self.respond(request, writer)
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


def answer(body: bytes = OK, status: str = "200 OK", extra: bytes = b"") -> bytes:
    """A complete HTTP/1.1 answer with a Content-Length."""
    return (b"HTTP/1.1 " + status.encode() + b"\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n" + extra + b"\r\n" + body)


async def ok(request: bytes, writer: asyncio.StreamWriter) -> None:
    writer.write(answer())


def params(**values: Any) -> RequestData:
    return RequestData([RequestParameter.from_input(name, value) for name, value in values.items()])


def client(**kwargs: Any) -> BotAPIRequest:
    kwargs.setdefault("trust_env", False)
    return BotAPIRequest(**kwargs)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


# ---------------------------------------------------------------------------------- against the fake Bot API


def test_bot_api_calls_through_the_client_match_python_telegram_bots_own() -> None:
    with FakeBotAPI(bot_username="xiaoe_bot") as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)
        sent = {}

        async def scenario() -> None:
            for name, request in (("httpx", HTTPXRequest(httpx_kwargs={"trust_env": False})), ("ours", client())):
                async with Bot(fake.token, base_url=fake.base_url, request=request) as bot:
                    me = await bot.get_me()
                    assert me.username == "xiaoe_bot"
                    keyboard = {"inline_keyboard": [[{"text": "是", "callback_data": "1|y"}]]}
                    message = await bot.send_message(chat.id, "你好 <b>x</b> &amp; y=1+2", parse_mode="HTML",
                                                     reply_markup=keyboard)
                    sent[name] = message.to_dict()
                    with pytest.raises(BadRequest):  # Telegram's refusal, mapped by python-telegram-bot as before
                        await bot.send_message(chat.id, "")

        run(scenario)
        calls = fake.calls_to("sendMessage")
        assert [c.params for c in calls if c.ok][0] == [c.params for c in calls if c.ok][1]
        ours, theirs = sent["ours"], sent["httpx"]
        assert ours["text"] == theirs["text"] == "你好 x & y=1+2"
        assert ours["reply_markup"] == theirs["reply_markup"]
        assert ours["message_id"] == theirs["message_id"] + 1


def test_an_upload_goes_through_the_fallback_client() -> None:
    class Recording(BaseRequest):
        def __init__(self) -> None:
            self.calls: list[str] = []
            self.inner = HTTPXRequest(httpx_kwargs={"trust_env": False})

        @property
        def read_timeout(self) -> float | None:
            return 5.0

        async def initialize(self) -> None:
            await self.inner.initialize()

        async def shutdown(self) -> None:
            await self.inner.shutdown()

        async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                             *args: Any, **kwargs: Any) -> tuple[int, bytes]:
            self.calls.append(url.rsplit("/", 1)[1])
            return await self.inner.do_request(url, method, request_data, *args, **kwargs)

    with FakeBotAPI() as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)
        fallback = Recording()

        async def scenario() -> None:
            async with Bot(fake.token, base_url=fake.base_url, request=client(fallback=fallback)) as bot:
                await bot.send_message(chat.id, "先发文字")
                await bot.send_document(chat.id, InputFile(b"PK\x03\x04 docx bytes", filename="还款协议.docx"))

        run(scenario)
        assert fallback.calls == ["sendDocument"]
        assert [c.method for c in fake.calls] == ["getMe", "sendMessage", "sendDocument"]


# ------------------------------------------------------------------------------ connections and HTTP framing


def test_one_connection_serves_request_after_request() -> None:
    async def scenario() -> None:
        async with RawServer(ok) as server, client() as request:
            for _ in range(5):
                assert await request.post(server.url, params(chat_id=1)) == {"answer": 42}
        assert server.connections == 1
        first = server.requests[0]
        assert first.startswith(b"POST /botTOKEN:SECRET/getMe HTTP/1.1\r\n")
        assert b"Content-Type: application/x-www-form-urlencoded\r\n" in first and first.endswith(b"\r\n\r\nchat_id=1")

    run(scenario)


def test_a_connection_the_server_closed_is_not_reused() -> None:
    served = 0

    async def close_after_second(request: bytes, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        served += 1
        writer.write(answer())
        if served == 2:
            await writer.drain()
            writer.close()  # no "Connection: close": the client learns it from the end of the stream

    async def scenario() -> None:
        async with RawServer(close_after_second) as server, client() as request:
            await request.post(server.url, params(n=1))
            await request.post(server.url, params(n=2))
            await asyncio.sleep(0.05)  # the event loop sees the end of file while the connection is idle
            assert await request.post(server.url, params(n=3)) == {"answer": 42}
        assert server.connections == 2

    run(scenario)


def test_connection_close_in_the_answer_ends_the_connection() -> None:
    async def say_close(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(answer(extra=b"Connection: close\r\n"))

    async def scenario() -> None:
        async with RawServer(say_close) as server, client() as request:
            for _ in range(3):
                await request.post(server.url, params(n=1))
        assert server.connections == 3

    run(scenario)


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_a_chunked_answer_in_pieces_is_put_together(tls: bool, certificate: tuple[Path, Path]) -> None:
    server_side, client_side = _tls_pair(certificate) if tls else (None, None)
    body = json.dumps({"ok": True, "result": {"text": "分" * 3000}}).encode()

    async def chunked(request: bytes, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        for start in range(0, len(body), 1000):
            piece = body[start:start + 1000]
            writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            await writer.drain()
            await asyncio.sleep(0.001)
        writer.write(b"0\r\n\r\n")

    async def scenario() -> None:
        async with (RawServer(chunked, server_side) as server,
                    client(ssl_context=client_side, write_timeout=0.5) as request):
            for n in range(4):  # each answer arrives in several reads (over TLS: several records)
                assert await request.post(server.url, params(n=n)) == {"text": "分" * 3000}
        assert server.connections == 1

    run(scenario)


def test_a_get_for_a_file_has_no_body() -> None:
    async def scenario() -> None:
        async with RawServer(ok) as server, client() as request:
            assert await request.retrieve(server.url.replace("/bot", "/file/bot")) == OK
        assert server.requests[0].startswith(b"GET /file/botTOKEN:SECRET/getMe HTTP/1.1\r\n")
        assert server.requests[0].endswith(b"\r\n\r\n") and b"Content-Length" not in server.requests[0]

    run(scenario)


def test_a_malformed_answer_is_a_network_error_and_the_connection_is_dropped() -> None:
    served = 0

    async def garbage_once(request: bytes, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        served += 1
        writer.write(b"HTTQ/9 banana\r\n\r\n" if served == 1 else answer())

    async def scenario() -> None:
        async with RawServer(garbage_once) as server, client() as request:
            with pytest.raises(NetworkError) as raised:
                await request.post(server.url, params(n=1))
            assert "SECRET" not in str(raised.value) and "/bot" not in str(raised.value)
            assert await request.post(server.url, params(n=2)) == {"answer": 42}
        assert server.connections == 2

    run(scenario)


# ------------------------------------------------------------------------------------------------- timeouts


async def silent(request: bytes, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(30)


def test_no_answer_within_the_read_timeout_is_timed_out() -> None:
    async def scenario() -> None:
        async with RawServer(silent) as server, client(read_timeout=0.2) as request:
            started = asyncio.get_running_loop().time()
            with pytest.raises(TimedOut):
                await request.post(server.url, params(n=1))
            assert 0.15 < asyncio.get_running_loop().time() - started < 2
            with pytest.raises(TimedOut):  # a call's own timeout wins over the default
                await request.post(server.url, params(n=2), read_timeout=0.05)

    run(scenario)


def test_every_connection_busy_is_a_pool_timeout_and_nothing_is_sent() -> None:
    async def scenario() -> None:
        async with (RawServer(silent) as server,
                    client(connection_pool_size=1, read_timeout=5, pool_timeout=0.1) as request):
            hanging = asyncio.create_task(request.post(server.url, params(n=1)))
            await asyncio.sleep(0.05)
            with pytest.raises(TimedOut, match="Pool timeout"):
                await request.post(server.url, params(n=2))
            assert len(server.requests) == 1
            hanging.cancel()

    run(scenario)


def test_a_refused_connection_is_a_network_error_without_the_url() -> None:
    async def scenario() -> None:
        async with RawServer(ok) as server:
            url = server.url
        async with client() as request:
            with pytest.raises(NetworkError) as raised:
                await request.post(url, params(n=1))
            assert not isinstance(raised.value, TimedOut) and "SECRET" not in str(raised.value)

    run(scenario)


def test_shutdown_ends_a_request_under_way_and_initialize_makes_the_client_usable_again() -> None:
    served = 0

    async def silent_once(request: bytes, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        served += 1
        if served == 1:
            await asyncio.sleep(30)
        writer.write(answer())

    async def scenario() -> None:
        async with RawServer(silent_once) as server:
            request = client(connection_pool_size=1, read_timeout=None)
            await request.initialize()
            long_poll = asyncio.create_task(request.post(server.url, params(timeout=30)))
            await asyncio.sleep(0.05)
            await request.shutdown()
            with pytest.raises(NetworkError, match="ConnectionAbortedError"):
                await long_poll
            await request.initialize()
            assert await request.post(server.url, params(n=2)) == {"answer": 42}
            await request.shutdown()
            with pytest.raises(NetworkError, match="not initialized"):  # python-telegram-bot wraps the RuntimeError
                await request.post(server.url, params(n=3))

    run(scenario)


def test_a_cancelled_request_leaves_no_connection_behind_for_reuse() -> None:
    served = 0

    async def slow_first(request: bytes, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        served += 1
        if served == 1:
            await asyncio.sleep(0.3)
        writer.write(answer(json.dumps({"ok": True, "result": served}).encode()))

    async def scenario() -> None:
        async with RawServer(slow_first) as server, client() as request:
            first = asyncio.create_task(request.post(server.url, params(n=1)))
            await asyncio.sleep(0.05)
            first.cancel()
            # The late answer to the cancelled request must never be taken for the next request's.
            assert await request.post(server.url, params(n=2)) == 2
            await asyncio.sleep(0.4)
            assert await request.post(server.url, params(n=3)) == 3
            assert server.closed_by_client == 1  # the cancelled request's connection was closed, not left open
        assert server.connections == 2

    run(scenario)


# ------------------------------------------------------------------------------------------------------ hooks


def _more_than_the_kernel_buffers() -> int:
    """A request size the kernel cannot take in while the server reads nothing: twice the largest send buffer
    TCP may grow to here (the server's receive buffer is kept small)."""
    try:
        largest = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except (OSError, ValueError, IndexError):
        largest = 8 * 1024 * 1024
    return 2 * largest


def _tls_pair(certificate: tuple[Path, Path]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(server context, client context trusting the test certificate)."""
    key, cert = certificate
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    return server_side, ssl.create_default_context(cafile=str(cert))


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_written_waits_until_the_whole_request_has_left_the_process(tls: bool, certificate: tuple[Path, Path]) -> None:
    events: list[str] = []
    reading = asyncio.Event()
    server_side, client_side = _tls_pair(certificate) if tls else (None, None)

    async def refuse(request: bytes, writer: asyncio.StreamWriter) -> None:
        events.append("server has the request")
        writer.write(answer(json.dumps({"ok": False, "error_code": 400, "description": "Bad Request: x"}).encode(),
                            status="400 Bad Request"))

    async def scenario() -> None:
        # The server reads nothing at first and its socket takes 4 KB: the part of the request beyond what
        # the kernel buffers stays in the client's process until the server reads; "written" waits for it.
        async with (RawServer(refuse, server_side, receive_buffer=4096, hold_reading=reading) as server,
                    client(ssl_context=client_side, write_timeout=10, on_written=lambda: events.append("written"),
                           on_status=lambda code: events.append(f"status {code}")) as request):
            call = asyncio.create_task(request.post(server.url, params(text="x" * _more_than_the_kernel_buffers())))
            await asyncio.sleep(0.3 if not tls else 0.6)  # the TLS handshake waits for the server's first read
            assert events == []
            reading.set()
            with pytest.raises(BadRequest):
                await call
        assert events == ["written", "server has the request", "status 400"]

    run(scenario)


def test_a_request_that_cannot_leave_within_the_write_timeout_is_timed_out_and_not_written() -> None:
    events: list[str] = []

    async def scenario() -> None:
        async with (RawServer(ok, receive_buffer=4096, hold_reading=asyncio.Event()) as server,
                    client(write_timeout=0.2, on_written=lambda: events.append("written")) as request):
            with pytest.raises(TimedOut):
                await request.post(server.url, params(text="x" * _more_than_the_kernel_buffers()))
        assert events == []

    run(scenario)


# ---------------------------------------------------------------------------------------------- proxies, TLS


def test_a_host_behind_a_proxy_in_the_environment_goes_through_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    from channels.tg.client import _Target

    target = _Target("https", "api.telegram.org", 443, "api.telegram.org", "/bot1:x/getMe")
    local = _Target("http", "127.0.0.1", 8081, "127.0.0.1:8081", "/bot1:x/getMe")
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
                 "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)

    def reading_env(trust_env: bool = True) -> BotAPIRequest:  # the fallback itself is not under test here
        return BotAPIRequest(trust_env=trust_env, fallback=HTTPXRequest(httpx_kwargs={"trust_env": False}))

    assert reading_env()._goes_direct(target)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    behind = reading_env()
    assert not behind._goes_direct(target) and behind._goes_direct(local)
    assert reading_env(trust_env=False)._goes_direct(target)
    monkeypatch.delenv("HTTPS_PROXY")
    monkeypatch.setenv("ALL_PROXY", "socks5://proxy.example:1080")
    assert not reading_env()._goes_direct(target)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("tls")
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, env={**os.environ, "RANDFILE": str(directory / "rnd")})
    return key, cert


def test_https_checks_the_servers_certificate(certificate: tuple[Path, Path]) -> None:
    server_side, client_side = _tls_pair(certificate)

    async def scenario() -> None:
        async with RawServer(ok, ssl_context=server_side) as server:
            async with client(ssl_context=client_side) as trusting:
                for _ in range(3):
                    assert await trusting.post(server.url, params(n=1)) == {"answer": 42}
            assert server.connections == 1
            async with client() as default:  # the system's trust store does not know this certificate
                with pytest.raises(NetworkError, match="SSLCertVerificationError"):
                    await default.post(server.url, params(n=1))

    run(scenario)


def test_a_tls_handshake_that_never_ends_is_timed_out_within_the_connect_timeout(
        certificate: tuple[Path, Path]) -> None:
    _, client_side = _tls_pair(certificate)

    async def scenario() -> None:
        async with (RawServer(ok, hold_reading=asyncio.Event()) as server,  # plain TCP that never answers
                    client(ssl_context=client_side, connect_timeout=0.2, read_timeout=5) as request):
            started = time.monotonic()
            with pytest.raises(TimedOut):
                await request.post(server.url.replace("http://", "https://"), params(n=1))
            assert time.monotonic() - started < 2

    run(scenario)


def test_shutdown_while_a_connection_is_being_opened_fails_that_request(certificate: tuple[Path, Path]) -> None:
    _, client_side = _tls_pair(certificate)

    async def scenario() -> None:
        async with RawServer(ok, hold_reading=asyncio.Event()) as server:
            request = client(ssl_context=client_side, connect_timeout=5)
            await request.initialize()
            opening = asyncio.create_task(request.post(server.url.replace("http://", "https://"), params(n=1)))
            await asyncio.sleep(0.1)
            await request.shutdown()
            with pytest.raises(NetworkError):
                await opening
            assert not request._open and not any(request._idle.values())

    run(scenario)


def test_interim_answers_are_skipped_and_an_upgrade_is_refused() -> None:
    async def hints_first(request: bytes, writer: asyncio.StreamWriter) -> None:
        n = request.rsplit(b"n=", 1)[1]
        if n == b"9":
            writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
            return
        writer.write(b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n")
        writer.write(answer(json.dumps({"ok": True, "result": int(n)}).encode()))

    async def scenario() -> None:
        statuses: list[int] = []
        async with RawServer(hints_first) as server, client(on_status=statuses.append) as request:
            assert [await request.post(server.url, params(n=n)) for n in (1, 2, 3)] == [1, 2, 3]
            with pytest.raises(NetworkError, match="switched protocols"):
                await request.post(server.url, params(n=9))
        assert statuses == [200, 200, 200]

    run(scenario)


def test_a_connection_closed_right_after_it_was_opened_fails_at_once() -> None:
    async def scenario() -> None:
        async def slam(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.transport.abort()

        server = await asyncio.start_server(slam, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with client(read_timeout=None) as request:
            with pytest.raises(NetworkError):
                await asyncio.wait_for(request.post(f"http://127.0.0.1:{port}/botT:S/getMe", params(n=1)), 5)
        server.close()

    run(scenario)


def test_an_idle_connection_the_server_closed_while_the_loop_was_busy_is_not_reused() -> None:
    served = 0

    async def close_after_first(request: bytes, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        served += 1
        writer.write(answer())
        if served == 1:
            await writer.drain()
            writer.transport.abort()

    async def scenario() -> None:
        async with RawServer(close_after_first) as server, client() as request:
            await request.post(server.url, params(n=1))
            await asyncio.sleep(0)  # the server task closes its side ...
            time.sleep(0.1)  # ... while this loop is busy: the client has not been told yet
            assert await request.post(server.url, params(n=2)) == {"answer": 42}
        assert server.connections == 2 and served == 2

    run(scenario)


def test_idle_connections_expire_after_the_keepalive_time() -> None:
    async def scenario() -> None:
        async with RawServer(ok) as server, client(keepalive_expiry=0.1) as request:
            await request.post(server.url, params(n=1))
            await request.post(server.url, params(n=2))
            await asyncio.sleep(0.2)
            await request.post(server.url, params(n=3))
        assert server.connections == 2

    run(scenario)


def test_without_a_pool_timeout_a_request_waits_for_a_free_connection() -> None:
    async def slow(request: bytes, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.2)
        writer.write(answer())

    async def scenario() -> None:
        async with RawServer(slow) as server, client(connection_pool_size=1, pool_timeout=None) as request:
            both = await asyncio.gather(*(request.post(server.url, params(n=n)) for n in (1, 2)))
            assert both == [{"answer": 42}] * 2
        assert server.connections == 1

    run(scenario)


def test_a_file_path_with_spaces_or_chinese_is_percent_encoded() -> None:
    async def scenario() -> None:
        async with RawServer(ok) as server, client() as request:
            base = server.url.rsplit("/bot", 1)[0]
            await request.retrieve(f"{base}/file/botTOKEN:SECRET/documents/还款 协议.docx")
        assert server.requests[0].split(b"\r\n")[0] == (
            b"GET /file/botTOKEN:SECRET/documents/%E8%BF%98%E6%AC%BE%20%E5%8D%8F%E8%AE%AE.docx HTTP/1.1")

    run(scenario)


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3], ids=["tls1.2", "tls1.3"])
def test_close_notify_ends_the_connection_idle_or_mid_answer(version: ssl.TLSVersion,
                                                             certificate: tuple[Path, Path]) -> None:
    server_side, client_side = _tls_pair(certificate)
    server_side.maximum_version = version
    served = 0

    async def notify(request: bytes, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        served += 1
        if served == 2:  # half an answer, then close_notify (the TCP connection stays open)
            writer.write(answer()[:40])
            await writer.drain()
            writer.close()
            return
        writer.write(answer())
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.close()  # an idle connection ended with close_notify; asyncio waits for ours before its FIN

    async def scenario() -> None:
        server = await asyncio.start_server(lambda r, w: RawServer(notify)._serve(r, w), "127.0.0.1", 0,
                                            ssl=server_side, ssl_shutdown_timeout=30)
        url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/botT:S/getMe"
        written: list[int] = []
        async with client(ssl_context=client_side, read_timeout=None, on_written=lambda: written.append(1)) as request:
            assert await request.post(url, params(n=1)) == {"answer": 42}
            await asyncio.sleep(0.2)
            with pytest.raises(NetworkError):  # a new connection (the idle one is not reused); cut short: fails at once
                await asyncio.wait_for(request.post(url, params(n=2)), 5)
            assert await request.post(url, params(n=3)) == {"answer": 42}
            assert served == 3 and len(written) == 3
        server.close()

    run(scenario)


def test_bytes_no_request_asked_for_end_the_connection() -> None:
    async def stray(request: bytes, writer: asyncio.StreamWriter) -> None:
        n = int(request.rsplit(b"n=", 1)[1])
        if n == 1:  # the answer, then half of another one nobody asked for, while the connection is idle
            writer.write(answer(json.dumps({"ok": True, "result": 1}).encode()))
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.write(answer(json.dumps({"ok": True, "result": "stale"}).encode())[:60])
            return
        writer.write(answer(json.dumps({"ok": True, "result": n}).encode()))

    async def scenario() -> None:
        async with RawServer(stray) as server, client() as request:
            assert await request.post(server.url, params(n=1)) == 1
            await asyncio.sleep(0.2)
            assert await request.post(server.url, params(n=2)) == 2  # never the stale answer
        assert server.connections == 2

    run(scenario)


def test_the_wrong_host_name_in_the_certificate_fails(certificate: tuple[Path, Path]) -> None:
    server_side, client_side = _tls_pair(certificate)  # the certificate names 127.0.0.1, not localhost

    async def scenario() -> None:
        async with RawServer(ok, ssl_context=server_side) as server, client(ssl_context=client_side) as request:
            with pytest.raises(NetworkError, match="Hostname mismatch|not valid for 'localhost'"):
                await request.post(server.url.replace("127.0.0.1", "localhost"), params(n=1))

    run(scenario)


def test_a_request_whose_write_fails_is_not_marked_written() -> None:
    written: list[int] = []

    async def scenario() -> None:
        async with RawServer(ok) as server, client(on_written=lambda: written.append(1)) as request:
            await request.post(server.url, params(n=1))
            connection = request._idle[("http", "127.0.0.1", server.server.sockets[0].getsockname()[1])][-1]

            def failing_write(data: bytes) -> None:  # what asyncio does when send() fails: close, report later
                connection.transport.abort()

            connection.transport.write = failing_write  # type: ignore[method-assign]
            connection.usable = lambda: True  # type: ignore[method-assign]
            with pytest.raises(NetworkError, match="failed while the request was written"):
                await request.post(server.url, params(n=2))
        assert written == [1]

    run(scenario)


# ------------------------------------------------------------------------------------- in the bot, as deployed


def test_the_production_bot_sends_and_polls_through_the_client(tmp_path: Path) -> None:
    from assembly import Engine
    from channels.tg.app import build_application
    from storage import SessionStore, open_database

    engine = Engine(SessionStore(open_database(tmp_path / "x.db")))
    app = build_application(engine, token="123456:production-wiring")
    polling, calls = app.bot._request  # python-telegram-bot keeps (getUpdates client, everything else)
    assert isinstance(polling, BotAPIRequest) and isinstance(calls, BotAPIRequest)
    assert calls._on_written is not None and calls._on_status is not None  # the delivery journal's hooks
    engine.store.db.close()


def test_through_a_proxy_set_in_the_environment_the_bot_still_talks_to_telegram(monkeypatch: pytest.MonkeyPatch
                                                                              ) -> None:
    """A forward proxy on loopback in front of the fake Bot API: the client hands the proxied host to
    python-telegram-bot's httpx client, which honours HTTP_PROXY."""
    seen: list[bytes] = []

    async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                body = await reader.readexactly(length)
                seen.append(head.split(b"\r\n")[0])
                method, target, _ = head.split(b"\r\n")[0].split(b" ")
                upstream = target.split(b"/", 3)  # absolute form: http://host:port/path
                host, port = upstream[2].decode().split(":")
                up_reader, up_writer = await asyncio.open_connection(host, int(port))
                rest = b"\r\n".join(line for line in head.split(b"\r\n")[1:] if not line.lower().startswith(
                    (b"proxy-", b"connection:")))
                up_writer.write(method + b" /" + upstream[3] + b" HTTP/1.1\r\nConnection: close\r\n" + rest + body)
                writer.write(await up_reader.read())
                await writer.drain()
                up_writer.close()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    with FakeBotAPI(bot_username="xiaoe_bot") as fake:
        alice = fake.user("Alice")
        chat = fake.private_chat(alice)

        async def scenario() -> None:
            proxy = await asyncio.start_server(forward, "127.0.0.1", 0)
            for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "http_proxy"):
                monkeypatch.delenv(name, raising=False)
            monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.sockets[0].getsockname()[1]}")
            async with Bot(fake.token, base_url=fake.base_url, request=BotAPIRequest(trust_env=True)) as bot:
                await bot.send_message(chat.id, "经过代理")
            proxy.close()

        run(scenario)
        assert fake.texts_in(chat) == ["经过代理"]
    assert [line.split(b" ")[0] for line in seen] == [b"POST", b"POST"]  # getMe and sendMessage
    assert all(b" http://127.0.0.1:" in line for line in seen)
