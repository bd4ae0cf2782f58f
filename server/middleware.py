"""Checks every request before the app sees it: control characters in the URL; the body's size (chunked
too), media type, encoding, UTF-8, control characters, and NaN or Infinity (not JSON, though Python reads them).

A pure ASGI middleware, so a refused request is never parsed, never reaches a
route and nothing is stored. (A NUL byte is stored by SQLite but makes
PostgreSQL fail, even as a query's parameter; so does text that is not UTF-8.)
JSON bodies are read whole (they are bounded by the size limit), checked, then
handed on; other bodies (forms, uploads) are counted while the route streams
them, and their content is the route's to check.
"""
from __future__ import annotations

import json
import math
import re
import zlib
from urllib.parse import unquote_to_bytes

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import ApiError, error_response
from shared import compression, json_text

# C0 control characters other than tab, line feed and carriage return: raw, or as a JSON \u escape
# that is not itself escaped (an even run of backslashes before it is literal text).
_CONTROL = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|(?<!\\)(?:\\\\)*\\u00(?:0[0-8bcef]|1[0-9a-f])", re.IGNORECASE,
)
_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
INFLATE_FACTOR = 4  # a gzip body may inflate to 4 times the body limit (JSON compresses 3-6 times)
# request encodings the guard inflates (zstd only where the server has it); answers name them in Accept-Encoding
REQUEST_ENCODINGS = ("identity", "gzip", *((compression.ZSTD,) if compression.zstd_available() else ()))
ACCEPTED_ENCODINGS = ", ".join(e for e in reversed(REQUEST_ENCODINGS) if e != "identity")
PARSED_BODY = "doorstep.parsed_json"  # scope key: the JSON body as this guard parsed it (``server.json_route``)
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


_CONTROL_ESCAPE = re.compile(rb"0[0-8bcef]|1[0-9a-f]", re.IGNORECASE)  # the two hex digits after \\u00


def has_control_character(body: bytes) -> bool:
    """Whether a JSON text holds a forbidden control character in any string (or anywhere).

    The same test as ``_CONTROL``, in two cheap passes: raw control bytes (one character
    class, scanned in C), then only the places where ``\\u00`` occurs (rare: a JSON
    encoder escapes only control and Latin-1 characters that way), each checked for an
    unescaped backslash. One regex with a look-behind at every byte cost 140 ms per MB.
    """
    return _RAW_CONTROL.search(body) is not None or has_escaped_control(body)


def has_escaped_control(body: bytes) -> bool:
    """Whether a JSON text writes a forbidden control character as an escape (``\\u0001``)."""
    for marker in (b"\\u00", b"\\U00"):
        at = body.find(marker)
        while at != -1:
            if _CONTROL_ESCAPE.match(body, at + 4, at + 6):
                start = at
                while start > 0 and body[start - 1] == 0x5C:  # backslashes before it
                    start -= 1
                if (at - start) % 2 == 0:  # an even run is literal text: this backslash starts an escape
                    return True
            at = body.find(marker, at + 1)
    return False


def _media_type(headers: Headers) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (media_type.startswith("application/")
                                                 and media_type.endswith("+json"))


def _url_problem(scope: Scope) -> tuple[str, str] | None:
    """What is wrong with the path or query string, once percent-decoded: not UTF-8, or a control character."""
    path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    for part in (path, scope.get("query_string", b"")):
        decoded = unquote_to_bytes(part)
        if _RAW_CONTROL.search(decoded):
            return "request.control_character", "The address contains a control character."
        try:
            decoded.decode("utf-8")
        except UnicodeDecodeError:
            return "request.bad_request", "The address is not valid UTF-8."
    return None


class InflateError(Exception):
    """A gzip body that cannot be inflated: (status, code, message) for the refusal."""


def inflate_zstd(body: bytes, limit: int) -> bytes:
    """A zstd body (one frame that declares its size), never more than ``limit`` bytes once inflated."""
    try:
        return compression.zstd_inflate(body, limit)
    except compression.InflateProblem as problem:
        if problem.reason == "too large":
            raise InflateError(413, "request.too_large",
                               f"Request body too large once inflated (limit {limit} bytes).") from None
        raise InflateError(400, "request.bad_request", f"The zstd body is {problem.reason}: send one "
                                                       "frame that declares its size.") from None


def inflate(body: bytes, limit: int) -> bytes:
    """A gzip body inflated in bounded steps: never more than ``limit`` bytes are made (a bomb is refused, 413)."""
    inflater = zlib.decompressobj(wbits=31)
    out = bytearray()
    data = body
    try:
        while data:
            out += inflater.decompress(data, limit + 1 - len(out))
            if len(out) > limit:
                raise InflateError(413, "request.too_large", f"Request body too large once inflated "
                                                             f"(limit {limit} bytes).")
            if inflater.eof:
                if inflater.unused_data:
                    raise InflateError(400, "request.bad_request", "Data after the end of the gzip body.")
                break
            data = inflater.unconsumed_tail
    except zlib.error:
        raise InflateError(400, "request.bad_request", "The gzip body is damaged.") from None
    if not inflater.eof:
        raise InflateError(400, "request.bad_request", "The gzip body is truncated.")
    return bytes(out)


class RequestGuard:
    """Refuses control characters in the URL (400), bodies over ``max_body_bytes`` (413; a gzip JSON body
    also once inflated beyond ``max_inflated_bytes``), bodies of other media types or other encodings
    (415), and bodies that are not UTF-8 or hold control characters (400)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_inflated_bytes: int | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # a gzip body is read up to max_body_bytes, then inflated in bounded steps up to this (a bomb stops there)
        self.max_inflated_bytes = max_inflated_bytes or INFLATE_FACTOR * max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _url_problem(scope)
        if problem:
            await _refuse(scope, receive, send, 400, *problem)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        chunked = "transfer-encoding" in headers
        try:
            declared = int(length) if length is not None else None
        except ValueError:
            await _refuse(scope, receive, send, 400, "request.bad_request", "Invalid Content-Length.")
            return
        if declared is not None and declared > self.max_body_bytes:
            await _refuse(scope, receive, send, 413, "request.too_large", self._too_large())
            return
        if not chunked and not declared:
            await self.app(scope, receive, send)  # no body
            return
        encoding = headers.get("content-encoding", "identity").strip().lower()
        media_type = _media_type(headers)
        if encoding not in REQUEST_ENCODINGS or (encoding != "identity" and not _is_json(media_type)):
            await _refuse(scope, receive, send, 415, "request.unsupported_media_type",
                          "Compressed request bodies are accepted only as gzip- or zstd-compressed JSON.")
            return
        if media_type in FORM_TYPES:
            await self.app(scope, self._counting(receive), send)
            return
        if not _is_json(media_type):
            await _refuse(scope, receive, send, 415, "request.unsupported_media_type",
                          "Unsupported media type: send application/json.")
            return
        body, more = await self._read_json_body(receive)
        if body is None:
            await _refuse(scope, receive, send, 413, "request.too_large", self._too_large())
            return
        if encoding != "identity":
            try:
                body = (inflate(body, self.max_inflated_bytes) if encoding == "gzip"
                        else inflate_zstd(body, self.max_inflated_bytes))
            except InflateError as error:
                await _refuse(scope, receive, send, *error.args)
                return
            scope = dict(scope, headers=[(k, v) for k, v in scope["headers"]
                                         if k not in (b"content-encoding", b"content-length")]
                         + [(b"content-length", str(len(body)).encode("ascii"))])
        scope = dict(scope)
        problem = _text_problem(body, scope)
        if problem:
            await _refuse(scope, receive, send, 400, *problem)
            return
        await self.app(scope, _replay(body, more, receive), send)

    def _too_large(self) -> str:
        return f"Request body too large (limit {self.max_body_bytes} bytes)."

    async def _read_json_body(self, receive: Receive) -> tuple[bytes | None, bool]:
        """The whole body, or None as soon as it passes the limit; and whether a disconnect is pending."""
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(parts), True
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None, False
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts), False

    def _counting(self, receive: Receive) -> Receive:
        total = 0

        async def receive_counted() -> Message:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > self.max_body_bytes:
                    raise ApiError(413, "request.too_large", self._too_large())
            return message

        return receive_counted


def _text_problem(body: bytes, scope: Scope) -> tuple[str, str] | None:
    """Why a JSON body is refused, or None; a body the strict parser reads is kept in ``scope`` for the route."""
    parsed, value = json_text.strict_loads(body)
    if parsed:  # valid UTF-8, no NaN/Infinity/overflow, no raw control character: only escapes are left to check
        if has_escaped_control(body):
            return "request.control_character", "A text field contains a control character."
        scope[PARSED_BODY] = value
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "request.invalid_json", "The request body is not valid UTF-8 JSON."
    if has_control_character(body):
        return "request.control_character", "A text field contains a control character."
    if has_non_finite_number(text):
        return "request.invalid_json", "The request body is not valid JSON: NaN and Infinity are not numbers in JSON."
    return None


class _NonFinite(ValueError):
    pass


def _refuse_constant(_name: str) -> float:
    raise _NonFinite


def _finite_float(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise _NonFinite
    return value


# a JSON number's exponent of three digits or more: the number may overflow to infinity
_HUGE = re.compile(r"[eE]\+?\d{3,}(?=[\s,\]}])")


def has_non_finite_number(text: str) -> bool:
    """Whether a JSON text uses ``NaN``, ``Infinity`` or ``-Infinity``, or an exponent too large for a float
    (Python's json reads them as floats; PostgreSQL's json type and other clients refuse them). The word
    inside a string is fine. (A 309-digit mantissa also overflows; free-form values are checked where they are
    stored: ``sync_push``.)"""
    if "NaN" not in text and "Infinity" not in text and not _HUGE.search(text):
        return False  # the common case costs a few substring searches
    try:
        json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except _NonFinite:
        return True
    except (ValueError, RecursionError):
        return False  # malformed otherwise: the route's parser answers that
    return False


def _replay(body: bytes, disconnected: bool, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if disconnected:
            return {"type": "http.disconnect"}
        return await receive()

    return replay


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str) -> None:
    # Connection: close, so a client still sending a large body is not left waiting to send the rest.
    response = error_response(status, code, message, headers={"connection": "close"})
    await response(scope, receive, send)
