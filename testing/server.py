"""The HTTP plumbing of the fake Bot API: the threading server, its request handler, form decoding."""

from __future__ import annotations

import logging
import re
import select
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from testing.htmlparse import _redact
from testing.records import UploadedFile, _bad

logger = logging.getLogger("testing.botapi")


class Backend(Protocol):
    """What the HTTP server needs of the fake (``testing.fakebot.FakeBotAPI``): track connections, answer."""

    def _track_connection(self, conn: socket.socket, *, add: bool) -> None: ...

    def _handle(self, h: _Handler) -> None: ...


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeBotAPI/1.0"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: avoid 40 ms ACK stalls
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track_connection(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track_connection(self.connection, add=False)

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("http %s", _redact(format % args))

    def client_gone(self) -> bool:
        """Whether the client closed its end of this connection (checked without blocking)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], fake: Backend) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection error from %s", client_address, exc_info=True)




def _guess_mime(filename: str) -> str:
    import mimetypes

    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if m is None:
        raise _bad("can't parse multipart request: no boundary")
    delimiter = b"--" + m.group(1).encode()
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        part = part.removeprefix(b"\r\n")
        head, _, content = part.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        pairs = re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', disposition)
        attrs = {k.lower(): _unescape_form(v) for k, v in pairs}
        name = attrs.get("name")
        if name is None:
            continue
        if "filename" in attrs:
            files[name] = UploadedFile(name, attrs["filename"], content, headers.get("content-type"))
        else:
            fields[name] = content.decode("utf-8", "replace")
    return fields, files


def _unescape_form(value: str) -> str:
    """Undo the HTML5 form encoding httpx applies to names and filenames."""
    value = re.sub(r"%([0-1][0-9A-Fa-f]|22|7[Ff])", lambda m: chr(int(m.group(1), 16)), value)
    return value.replace("\\\\", "\\")
