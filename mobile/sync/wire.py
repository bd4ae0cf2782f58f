"""Reading a server's answer defensively: bounded size and time, gzip and JSON errors, shapes, a feed that must move.

A broken or hostile server (truncated gzip, a body that inflates to hundreds
of MB, HTML instead of JSON, a page whose cursor does not advance, rows of an
unknown table) ends the sync with ``BadAnswer``, a ``SyncError`` with a
Chinese message. Nothing it sent is applied: a page is checked before its
one local transaction, and that transaction rolls back if applying fails.
"""
from __future__ import annotations

import time
import zlib
from typing import Any, Callable

import httpx
import pydantic

from mobile.sync.errors import BadAnswer
from shared import compression, json_text
from shared import sync_protocol as proto
from shared.sync_schema import SYNC_SPECS

MAX_ANSWER_BYTES = 16 * 1024 * 1024  # decoded: a full pull page is a few MB
ANSWER_DEADLINE_S = 120.0  # a whole answer, however slowly it drips
# pages in one sync (1,000 rows each: far beyond any area); a page may be empty (rows the device
# pushed itself, purged ones), so only the total is bounded, against a feed that never ends
MAX_PAGES = 100_000


def read_body(response: httpx.Response, *, limit: int = MAX_ANSWER_BYTES, deadline_s: float = ANSWER_DEADLINE_S,
              monotonic: Callable[[], float] = time.monotonic) -> bytes:
    """The body of a streamed response, inflated here (never more than ``limit`` bytes) within ``deadline_s``.

    httpx would inflate a whole gzip chunk at once (a 300 kB chunk can become
    300 MB), so the raw bytes are read and inflated in bounded steps.
    """
    started = monotonic()
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", "") and not (encoding == compression.ZSTD and compression.zstd_available()):
        raise BadAnswer(f"unsupported encoding {encoding[:20]}")
    inflater = zlib.decompressobj(wbits=31) if encoding == "gzip" else None  # zstd: inflated whole at the end
    out = bytearray()
    for chunk in response.iter_raw():
        if monotonic() - started > deadline_s:
            raise BadAnswer("too slow", message="服务器响应太慢，同步已停止，请稍后再试")
        if inflater is None:
            out += chunk
        else:
            _inflate(inflater, chunk, out, limit)
        if len(out) > limit:
            raise BadAnswer("too large")
    if inflater is not None and not inflater.eof:
        raise BadAnswer("truncated gzip")
    if encoding == compression.ZSTD:
        try:  # the frame declares its size: more than the limit is refused before it is made
            return compression.zstd_inflate(bytes(out), limit)
        except compression.InflateProblem as problem:
            raise BadAnswer("too large" if problem.reason == "too large" else "bad compression") from None
    return bytes(out)


def _inflate(inflater: Any, chunk: bytes, out: bytearray, limit: int) -> None:
    data = chunk
    try:
        while data:
            if inflater.eof:
                raise BadAnswer("data after gzip end")
            out += inflater.decompress(data, max(1, limit + 1 - len(out)))
            if len(out) > limit:
                raise BadAnswer("too large")
            data = inflater.unconsumed_tail
    except zlib.error:
        raise BadAnswer("bad compression") from None


GZIP_JSON_HEADERS = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
ZSTD_JSON_HEADERS = {"Content-Type": "application/json", "Content-Encoding": compression.ZSTD}
# what this phone can inflate, best first (httpx is not asked to: ``read_body`` inflates in bounded steps)
ACCEPT_ENCODING = "zstd, gzip" if compression.zstd_available() else "gzip"


def server_takes_zstd(response: httpx.Response) -> bool:
    """Whether an answer says request bodies may be zstd (its Accept-Encoding, RFC 7694), and this phone has it."""
    offered = {item.split(";")[0].strip() for item in response.headers.get("accept-encoding", "").lower().split(",")}
    return compression.ZSTD in offered and compression.zstd_available()


def packed_json(value: Any, zstd: bool) -> tuple[bytes, dict[str, str]]:
    """A request body and its headers: zstd JSON when the server takes it, else gzip JSON."""
    if zstd:
        return compression.zstd_compress(json_text.dumps(value)), ZSTD_JSON_HEADERS
    return gzip_json(value), GZIP_JSON_HEADERS


def gzip_json(value: Any) -> bytes:
    """A request body as gzip JSON: a push of Chinese records is about a quarter of its size (the server inflates it
    in bounded steps, ``server.middleware``); level 6 costs a few ms per MiB, level 9 several times that."""
    text = json_text.dumps(value)
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip header and trailer
    return packer.compress(text) + packer.flush()


def parse_json(body: bytes) -> Any:
    try:
        return json_text.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadAnswer("not JSON") from None


def push_answer(data: Any, sent_seqs: set[int]) -> proto.PushResponse:
    answer = _validated(proto.PushResponse, data)
    if any(result.seq not in sent_seqs for result in answer.results):
        raise BadAnswer("answers for changes not sent")
    return answer


def pull_page(data: Any, cursor: int) -> proto.PullResponse:
    """A checked page: known tables only, and a cursor that never goes back (and moves while has_more)."""
    page = _validated(proto.PullResponse, data)
    if page.cursor < cursor or (page.has_more and page.cursor == cursor):
        raise BadAnswer("cursor does not advance")
    if any(row.table not in SYNC_SPECS for row in page.rows):
        raise BadAnswer("unknown table")
    return page


def _validated(model: type[pydantic.BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except (pydantic.ValidationError, ValueError, TypeError):
        raise BadAnswer("wrong shape") from None
