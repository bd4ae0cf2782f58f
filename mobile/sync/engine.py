"""SyncEngine: push the outbox, then pull the change feed, resuming safely from any cut.

Why a cut anywhere is safe:
- a push is idempotent by ``seq`` (the server answers ``duplicate`` for what it
  already applied), and an outbox entry is removed only once answered;
- each pulled page is applied in one local transaction together with its new
  cursor, so a page is either wholly in (cursor moved) or not at all;
- pulling starts only after every entry present at the start was answered.
Connection errors and 5xx answers are retried with exponential backoff
(``sleep`` is injectable); 401 raises AuthExpired; 410 ``sync.resync_required``
pushes the outbox, drops the synced rows and pulls from cursor 0.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

import httpx

from mobile.store import DecryptionError, DeviceStore, StoreLocked
from mobile.sync import wire
from mobile.sync.errors import AuthExpired, BadAnswer, ResyncRequired, ServerUnreachable, SyncError
from shared import sync_protocol as proto

PUSH_PATH = "/api/v1/sync/push"
PULL_PATH = "/api/v1/sync/pull"
MAX_PUSH_BYTES = 1024 * 1024  # well under the server's 2 MiB body limit
# rows a pull page asks for. 2,000-row pages made a first pull of 10,000 residents take 5-8% less phone CPU
# (fewer commits) but one page is parsed and checked in one go: the screen's stalls grew (p99 15 -> 24 ms) and
# the peak memory doubled, for no gain in the peer bench's b_pull; 5,000-row pages took more CPU
PAGE_SIZE = 1000
# the first page of a pull asks for fewer rows: the phone has rows to apply sooner, while the server reads the
# next page (a pull of 1,000 rows is otherwise the server's work, then the phone's, one after the other); each
# next page asks for twice the rows of the one before, up to ``page_size`` (250, 500, 1000, ...), so a pull of
# a day's edits also overlaps, and the last page, applied while nothing else is under way, stays short
FIRST_PAGE_SIZE = 250
Progress = Callable[[str, float], None]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class _Borrowed(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(request)


@dataclass(frozen=True)
class ChangeOutcome:
    """The server's answer to one pushed change, with the stamps it stored (clock key -> stamp).

    ``stamps`` covers every key the change wrote (``"skills|家政"`` for a set
    element, ``"_deleted"`` for a delete): the sent stamp, or the one the
    server stored instead (``clamped``: the phone's clock was ahead, or its
    edits had to stay in order). Empty for a refused change.
    """

    seq: int
    table: str
    row_id: str
    status: str  # applied | duplicate | conflict | rejected
    code: str | None = None
    conflict_ids: tuple[str, ...] = ()
    clamped: bool = False
    stamps: dict[str, str] = field(default_factory=dict)


def _outcome(change: dict[str, Any], result: dict[str, Any]) -> ChangeOutcome:
    sent = dict(change.get("stamps") or {})
    sent.update({f"{name}|{op['element']}": op["stamp"] for name, ops in (change.get("set_ops") or {}).items()
                 for op in ops})
    if change.get("delete_stamp"):
        sent["_deleted"] = change["delete_stamp"]
    stored = {} if result["status"] == "rejected" else {**sent, **(result.get("stamps") or {})}
    return ChangeOutcome(seq=result["seq"], table=change["table"], row_id=change["row_id"], status=result["status"],
                         code=result.get("code"), conflict_ids=tuple(result.get("conflict_ids") or ()),
                         clamped=bool(result.get("clamped")), stamps=stored)


def _on_the_wire(change: dict[str, Any]) -> dict[str, Any]:
    """A change as sent: when every clock key has the same stamp (a new row, a form saved), the stamp goes once."""
    stamps = change.get("stamps") or {}
    if len(stamps) < 2 or len(set(stamps.values())) != 1:
        return change
    sent = {k: v for k, v in change.items() if k != "stamps"}
    sent["stamp"] = next(iter(stamps.values()))
    return sent


@dataclass
class SyncSummary:
    pushed: int = 0  # changes the server applied (conflicts included)
    duplicates: int = 0
    conflicts: int = 0
    rejected: list[tuple[str, str, str, str]] = field(default_factory=list)  # (table, row_id, code, message)
    pulled: int = 0
    resynced: bool = False
    finished_at: datetime | None = None
    bytes_sent: int = 0
    bytes_received: int = 0
    left_areas: list[str] = field(default_factory=list)  # areas taken off this user: their rows were removed
    clock_notice: str | None = None  # 手机时间不准…: shown once when the phone's clock is wrong
    # every pushed change's answer in seq order, kept only by an engine made with ``keep_outcomes`` (tests, tools):
    # a phone's first push of a whole area would hold thousands of them (a new resident's 22 stamps each)
    changes: list[ChangeOutcome] = field(default_factory=list)


class SyncEngine:
    """One device's sync with one server; ``transport`` is the seam tests and benchmarks fill."""

    def __init__(self, store: DeviceStore, base_url: str, token: str, *,
                 transport: httpx.BaseTransport | None = None, clock: Callable[[], datetime] = _utc_now,
                 sleep: Callable[[float], None] = time.sleep, max_retries: int = 5, backoff: float = 0.5,
                 max_backoff: float = 30.0, push_batch: int = 500, page_size: int = PAGE_SIZE,
                 timeout: float = 60.0, max_answer_bytes: int = wire.MAX_ANSWER_BYTES,
                 answer_deadline_s: float = wire.ANSWER_DEADLINE_S, keep_outcomes: bool = False) -> None:
        self.store = store
        self.keep_outcomes = keep_outcomes
        self.max_answer_bytes = max_answer_bytes
        self.answer_deadline_s = answer_deadline_s
        self.clock = clock
        self.sleep = sleep
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.push_batch = max(1, min(push_batch, proto.MAX_CHANGES_PER_PUSH))
        self.page_size = max(1, min(page_size, proto.MAX_PAGE_SIZE))
        if transport is not None:
            transport = _Borrowed(transport)  # the caller's: closing the engine must not close it
        self.client = httpx.Client(base_url=base_url, transport=transport, timeout=timeout,
                                   headers={"Authorization": f"Bearer {token}", "Accept-Encoding": wire.ACCEPT_ENCODING})
        self.bytes_sent = 0  # request bodies, and response bodies as they came (compressed)
        self.bytes_received = 0
        self.zstd_bodies = False  # push bodies go as zstd once an answer says the server takes it, gzip till then

    @classmethod
    def for_store(cls, store: DeviceStore, **kwargs: Any) -> "SyncEngine":
        """The engine of a signed-in store: its server address and token from the store's session."""
        url, token = store.get_meta("server_url"), store.get_meta("token")
        if not url or not token:
            raise SyncError("本机尚未登录 / sign the phone in first (mobile.services.sign_in.sign_in_device)",
                            "auth.required")
        return cls(store, url, token, **kwargs)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "SyncEngine":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- one sync --------------------------------------------------------------

    def sync(self, progress: Progress | None = None) -> SyncSummary:
        """Push the whole outbox, then pull until the feed is drained; raises SyncError subclasses.

        ``progress(stage, fraction)`` is called after each batch ("push") and page ("pull").
        """
        summary = SyncSummary()
        sent, received = self.bytes_sent, self.bytes_received
        report = progress or (lambda _stage, _fraction: None)
        try:
            self.push(summary, report)
            try:
                self.pull(summary, report)
            except ResyncRequired:
                self._resync(summary, report)
            if self.store.left_areas:  # moved records leave the phone: its edits of them are pushed first
                self.push(summary, report)
                summary.left_areas = [a["area_id"] for a in self.store.left_areas]
                self.store.leave_areas()
            summary.finished_at = self.clock()
            self.store.set_meta("last_sync_at", summary.finished_at.isoformat())
            self.store.reclaim_space()  # the file stays near its live data (pushed outboxes leave free pages)
        except StoreLocked:  # the app locked itself meanwhile: whole pages stay applied, the rest waits
            raise SyncError("应用已锁定，解锁后再同步 / the store was locked during the sync", "store.locked") from None
        summary.bytes_sent, summary.bytes_received = self.bytes_sent - sent, self.bytes_received - received
        return summary

    def _resync(self, summary: SyncSummary, report: Progress) -> None:
        # The outbox must be empty before the synced rows go: edits made meanwhile are pushed first.
        for _attempt in range(5):
            self.push(summary, report)
            if self.store.reset_for_resync():
                break
        else:
            raise SyncError("本机仍有未上传的修改，请稍后再同步 / outbox not empty, try again")
        summary.resynced = True
        self.pull(summary, report)

    def push(self, summary: SyncSummary, report: Progress) -> None:
        """Send the outbox in seq order, in batches, until it is empty.

        Pipelined: while the server merges one batch, this phone reads the next
        one from the outbox; once the answer comes, the next batch is on its way
        (a worker thread sends it) while the phone settles the answered one, so
        the phone's work and the server's overlap. One batch is in flight at a
        time, batches are answered and settled in seq order, and an entry leaves
        the outbox only once answered.
        """
        total = max(1, self.store.pending_count())
        done = 0
        batch = self._next_batch(after=0)
        if not batch:
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="doorstep-push") as sender:
            future = sender.submit(self._send, batch)
            following = self._next_batch(after=batch[-1]["seq"])  # read while the server works
            while batch:
                answer = future.result()
                if following:
                    future = sender.submit(self._send, following)
                self._settle(summary, batch, answer)
                done += len(batch)
                report("push", min(1.0, done / total))
                batch = following
                following = self._next_batch(after=batch[-1]["seq"]) if batch else []

    def _send(self, batch: list[dict[str, Any]]) -> proto.PushResponse:
        body = {"protocol": proto.PROTOCOL_VERSION, "device_id": self.store.device_id,
                "changes": [_on_the_wire(change) for change in batch]}
        content, headers = wire.packed_json(body, self.zstd_bodies)
        return wire.push_answer(self._request("POST", PUSH_PATH, content=content, headers=headers),
                                {c["seq"] for c in batch})

    def _settle(self, summary: SyncSummary, batch: list[dict[str, Any]], answer: proto.PushResponse) -> None:
        results = [r.model_dump() for r in answer.results]
        by_seq = {c["seq"]: c for c in batch}
        if set(by_seq) - {r["seq"] for r in results}:
            raise SyncError("服务器未确认上传的修改 / the server did not acknowledge the changes")
        self._learn_time(summary, answer.server_stamp)
        counts = self.store.acknowledge(results, now=self.clock(), server_stamp=answer.server_stamp, sent=by_seq)
        if self.keep_outcomes:
            summary.changes += [_outcome(by_seq[r["seq"]], r) for r in results if r["seq"] in by_seq]
        summary.pushed += counts.get("applied", 0) + counts.get("conflict", 0)
        summary.conflicts += counts.get("conflict", 0)
        summary.duplicates += counts.get("duplicate", 0)
        summary.rejected += [(by_seq[r["seq"]]["table"], by_seq[r["seq"]]["row_id"], r["code"] or "",
                              r["message"] or "") for r in results
                             if r["status"] == "rejected" and r["seq"] in by_seq]

    def _learn_time(self, summary: SyncSummary, server_stamp: str) -> None:
        notice = self.store.learn_server_time(server_stamp, self.clock())
        if notice:
            summary.clock_notice = notice

    def _next_batch(self, after: int) -> list[dict[str, Any]]:
        """The next ``push_batch`` changes after seq ``after``, at most ``MAX_PUSH_BYTES`` of JSON (those beyond
        it are not opened)."""
        return [change for change, _sealed in
                self.store.outbox_sized(self.push_batch, after=after, max_bytes=MAX_PUSH_BYTES)]

    def pull(self, summary: SyncSummary, report: Progress) -> None:
        """Apply pages from the saved cursor until ``has_more`` is false.

        Pipelined: while this phone applies one page, the next one is already
        asked for (a worker thread fetches it with the page's cursor), so the
        server's work and the phone's overlap; the first page is a smaller one
        (``FIRST_PAGE_SIZE``), so that overlap starts early, and each next one asks for twice
        as many rows, up to ``page_size``. Pages are applied in order, each
        in one local transaction with its cursor; at most two pages are held.
        """
        pages = 0
        own = self.store.own_pushes  # this phone's own pushes: the server need not send them back
        report("pull", 0.0)  # the screen says 正在下载数据 while the first page is on its way

        def fetch(cursor: int, limit: int) -> tuple[int, Any]:
            params = {"cursor": cursor, "limit": limit}
            if own:
                params.update(own_from=own["since"], own_cursor=own["cursor"])
            return cursor, self._request("GET", PULL_PATH, params=params)

        limit = min(FIRST_PAGE_SIZE, self.page_size)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="doorstep-pull") as fetcher:
            future = fetcher.submit(fetch, self.store.cursor, limit)
            while True:
                cursor, data = future.result()
                page = wire.pull_page(data, cursor)
                self._learn_time(summary, page.server_stamp)
                if pages >= wire.MAX_PAGES:
                    raise BadAnswer("endless feed")
                if page.has_more:  # the next page comes while this one is applied
                    limit = min(2 * limit, self.page_size)
                    future = fetcher.submit(fetch, page.cursor, limit)
                try:  # one local transaction: a page that does not fit leaves nothing behind
                    self.store.apply_page(data["rows"], page.cursor, page.server_stamp,
                                          left_areas=[a.model_dump() for a in page.left_areas],
                                          tombstone_horizon=page.tombstone_horizon)
                except (ValueError, KeyError, TypeError, AttributeError, DecryptionError):
                    raise BadAnswer("rows do not fit") from None
                summary.pulled += len(page.rows)
                pages += 1
                report("pull", 1.0 if not page.has_more else pages / (pages + 1))
                if not page.has_more:
                    if own:
                        self.store.pulled_own_pushes(own)
                    return

    # --- HTTP with retries ------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        error: SyncError = ServerUnreachable()
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.sleep(min(self.backoff * 2 ** (attempt - 1), self.max_backoff))
            request = self.client.build_request(method, path, **kwargs)
            try:
                response = self.client.send(request, stream=True)
            except httpx.TransportError as exc:
                error = ServerUnreachable(type(exc).__name__)
                continue
            try:
                if response.status_code >= 500:
                    error = ServerUnreachable(f"HTTP {response.status_code}")
                    continue
                body = wire.read_body(response, limit=self.max_answer_bytes, deadline_s=self.answer_deadline_s)
            except httpx.TransportError as exc:  # cut while the body came
                error = ServerUnreachable(type(exc).__name__)
                continue
            finally:
                response.close()
                self.zstd_bodies = wire.server_takes_zstd(response)  # as the server's latest answer says
                self.bytes_sent += len(request.content)
                self.bytes_received += response.num_bytes_downloaded
            return self._answer(response.status_code, body)
        raise error

    @staticmethod
    def _answer(status: int, body: bytes) -> Any:
        if status == 200:
            return wire.parse_json(body)
        try:
            problem = wire.parse_json(body)
        except BadAnswer:
            problem = {}
        code = problem.get("code") if isinstance(problem, dict) else None
        code = code if isinstance(code, str) else None
        details = problem.get("details") if isinstance(problem, dict) else None
        if status == 401:
            raise AuthExpired(code or "auth.required", wipe=isinstance(details, dict) and details.get("wipe") is True)
        if status == 410 and code == proto.ERROR_RESYNC_REQUIRED:
            raise ResyncRequired()
        raise SyncError(f"同步失败（{status}）/ sync failed: {code or 'http'}", code or f"http.{status}")
