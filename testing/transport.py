"""The fake's HTTP request handling: dispatch, faults, recording, files, parameter decoding."""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import re
import socket
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from testing.limits import _BOOL_PARAMS, _FLOAT_PARAMS, _INT_PARAMS, _JSON_PARAMS, MAX_UPLOAD_BYTES, SEND_METHODS
from testing.records import (
    ApiError,
    Call,
    Fault,
    UploadedFile,
    Violation,
    _bad,
    _ClientGone,
    _DropConnection,
    _IncompleteBody,
)
from testing.server import _Handler, _parse_multipart

logger = logging.getLogger("testing.botapi")


class TransportMixin:
    """Part of :class:`testing.fakebot.FakeBotAPI` (its attributes are set in its ``__init__``)."""

    # ================================================================== internals: HTTP handling

    def _handle(self, h: _Handler) -> None:
        received, mono = time.time(), time.monotonic()
        split = urllib.parse.urlsplit(h.path)
        try:
            body = self._read_body(h)
        except (ValueError, OSError) as err:
            if isinstance(err, _IncompleteBody):
                method = re.fullmatch(r"/bot[^/]*/([^/?]*)", split.path)
                with self._lock:
                    self.incomplete_requests.append((method.group(1) if method else "?", received))
            h.close_connection = True
            return
        path = urllib.parse.unquote(split.path)
        if path.startswith("/file/bot"):
            self._serve_file(h, path)
            return
        m = re.fullmatch(r"/bot([^/]*)/([^/]*)", path)
        if m is None:
            self._write(h, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, raw_method = m.groups()
        if not hmac.compare_digest(token.encode(), self.token.encode()):
            # Never record or log the token that was offered: it might be a real one.
            wrong = ApiError(401, "Unauthorized", detail="request with a wrong token")
            self._violation(raw_method, wrong, {})
            self._write(h, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        entry = self._handlers.get(raw_method.lower())
        method = entry[0] if entry else raw_method
        call = Call(next(self._call_seq), method, {}, {}, received, mono)
        try:
            call.params, call.files = self._parse_params(h, split.query, body)
            if entry is None:
                raise ApiError(404, "Not Found", detail=f"method {raw_method!r} is unknown to Telegram or "
                                                        "not implemented by FakeBotAPI (see set_handler)")
            status, payload = self._dispatch(h, call, entry[1])
        except ApiError as err:
            status, payload = err.error_code, err.payload()
            self._violation(method, err, call.params, call)
        except _ClientGone:
            self._record(call, None, None)
            h.close_connection = True
            return
        except _DropConnection:
            self._record(call, None, None)
            self._drop(h)
            return
        except Exception as exc:  # a bug of the fake: answer 500 and make assert_no_violations fail
            logger.exception("FakeBotAPI failed on %s", method)
            with self._lock:
                self.internal_errors.append(f"{method}: {exc!r}")
            status, payload = 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        self._record(call, status, payload)
        self._write(h, status, payload)

    def _dispatch(self, h: _Handler, call: Call, handler: Callable[..., Any]) -> tuple[int, dict]:
        fault = self._take_fault(call)
        if self.latency:
            self._stopping.wait(self.latency)
        if fault is not None:
            call.fault = fault.kind
            if fault.kind == "slow":
                self._stopping.wait(fault.delay)
            elif fault.kind in ("timeout", "drop"):
                if fault.process:
                    self._run(h, call, handler)
                if fault.kind == "timeout":
                    self._hang(h)
                raise _DropConnection
            else:
                return self._fault_answer(fault)
        chat_id = call.params.get("chat_id")
        if self.strict_rate_limits and call.method in SEND_METHODS and isinstance(chat_id, int):
            with self._lock:
                wait = self._rate_limited(chat_id)
            if wait is not None:
                raise ApiError(429, f"Too Many Requests: retry after {wait}",
                               parameters={"retry_after": wait}, detail="flood limit exceeded (strict mode)")
        result = self._run(h, call, handler)
        return 200, {"ok": True, "result": result}

    def _run(self, h: _Handler, call: Call, handler: Callable[..., Any]) -> Any:
        if call.method == "getUpdates":
            return self._m_get_updates(call.params, h)
        with self._lock:
            result = handler(call.params, call.files)
            if call.method in SEND_METHODS and isinstance(result, dict) and "chat" in result:
                self._sends.append((time.monotonic(), result["chat"]["id"]))
            self._observe_output(call, result)
            return result

    def _take_fault(self, call: Call) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining <= 0:
                    continue
                if fault.method != "*" and fault.method.lower() != call.method.lower():
                    continue
                if not all(str(call.params.get(k)) == str(v) for k, v in fault.match.items()):
                    continue
                fault.remaining -= 1
                fault.fired += 1
                self.fault_counts[fault.kind] += 1
                return fault
        return None

    @staticmethod
    def _fault_answer(fault: Fault) -> tuple[int, dict]:
        code = int(fault.kind)
        if code == 429:
            description = fault.description or f"Too Many Requests: retry after {fault.retry_after}"
            return 429, {"ok": False, "error_code": 429, "description": description,
                         "parameters": {"retry_after": fault.retry_after}}
        default = {403: "Forbidden: bot was blocked by the user", 500: "Internal Server Error",
                   502: "Bad Gateway", 400: "Bad Request: injected fault"}.get(code, f"Error {code}")
        return code, {"ok": False, "error_code": code, "description": fault.description or default}

    def _hang(self, h: _Handler) -> None:
        deadline = time.monotonic() + self.max_hang
        while not self._stopping.is_set() and time.monotonic() < deadline:
            if h.client_gone():
                return
            self._stopping.wait(0.02)

    @staticmethod
    def _drop(h: _Handler) -> None:
        h.close_connection = True
        with contextlib.suppress(OSError):
            h.connection.shutdown(socket.SHUT_RDWR)

    def _record(self, call: Call, status: int | None, payload: dict | None) -> None:
        call.status, call.response = status, payload
        call.duration = time.monotonic() - call.monotonic
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        logger.debug("%s -> %s%s", call.method, status if status is not None else "no answer",
                     f" ({call.fault})" if call.fault else "")

    def _violation(self, method: str, err: ApiError, params: dict, call: Call | None = None) -> None:
        if not err.violation:
            return
        record = Violation(method, err.error_code, err.description, err.detail, dict(params), time.time(),
                           call.seq if call else None)
        with self._cond:
            if err.description.startswith("Bad Request: message is not modified"):
                self.not_modified.append(record)
            else:
                self.violations.append(record)
                logger.info("violation: %s", record)
            self._cond.notify_all()

    def _write(self, h: _Handler, status: int, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self._write_raw(h, status, body, "application/json")

    @staticmethod
    def _write_raw(h: _Handler, status: int, body: bytes, content_type: str) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            h.wfile.flush()
        except OSError:
            h.close_connection = True

    @staticmethod
    def _read_body(h: _Handler) -> bytes:
        if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = h.rfile.readline()
                if not line:
                    raise _IncompleteBody("incomplete request body")
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while h.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(h.rfile.read(size))
                h.rfile.readline()
        length = int(h.headers.get("Content-Length") or 0)
        if length > MAX_UPLOAD_BYTES + 1024 * 1024:
            raise ValueError("request too large")
        body = h.rfile.read(length) if length else b""
        if len(body) < length:
            # The client went away mid-request (e.g. the bot was killed): Telegram never sees such a request.
            raise _IncompleteBody("incomplete request body")
        return body

    def _serve_file(self, h: _Handler, path: str) -> None:
        m = re.fullmatch(r"/file/bot([^/]*)/(.+)", path)
        if m is None or not hmac.compare_digest(m.group(1).encode(), self.token.encode()):
            self._write(h, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        with self._lock:
            file_id = self._file_paths.get(m.group(2))
            stored = self._files.get(file_id) if file_id else None
        if stored is None:
            self._write(h, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        self._write_raw(h, 200, stored.content, stored.mime_type or "application/octet-stream")

    def _parse_params(self, h: _Handler, query: str, body: bytes) -> tuple[dict, dict[str, UploadedFile]]:
        raw: dict[str, Any] = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        files: dict[str, UploadedFile] = {}
        ctype = h.headers.get("Content-Type", "")
        mime = ctype.split(";")[0].strip().lower()
        if body and mime == "application/json":
            try:
                data = json.loads(body)
            except ValueError:
                raise _bad("can't parse JSON encoded request") from None
            if not isinstance(data, dict):
                raise _bad("can't parse JSON encoded request")
            raw.update(data)
        elif body and mime == "application/x-www-form-urlencoded":
            raw.update(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        elif body and mime == "multipart/form-data":
            fields, files = _parse_multipart(body, ctype)
            raw.update(fields)
        params = {key: self._coerce(key, value) for key, value in raw.items()}
        for key, value in list(params.items()):  # attach://name references
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                files[key] = files.pop(value[9:])
        return params, files

    @staticmethod
    def _coerce(key: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if key in _JSON_PARAMS:
            try:
                return json.loads(value)
            except ValueError:
                if key == "reply_markup":
                    raise _bad("can't parse reply keyboard markup JSON object") from None
                if key in ("entities", "caption_entities"):
                    raise _bad("can't parse entities JSON object") from None
                raise _bad(f"can't parse {key} JSON object") from None
        if key in _INT_PARAMS:
            try:
                return int(value)
            except ValueError:
                if key == "chat_id":
                    return value  # "@channelusername"
                raise _bad(f"invalid {key} specified") from None
        if key in _FLOAT_PARAMS:
            try:
                number = float(value)
            except ValueError:
                raise _bad(f"invalid {key} specified") from None
            return int(number) if number.is_integer() else number
        if key in _BOOL_PARAMS:
            return value.lower() in ("true", "1")
        return value
