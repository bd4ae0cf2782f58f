"""The messages of the push/pull sync protocol (version 1), as pydantic models.

``docs/sync-protocol.md`` describes them for people; this module is what the
server parses and the phone sends. Values travel as JSON: dates as
``YYYY-MM-DD``, datetimes as ISO 8601 in UTC with its offset, sets as lists.
"""
from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1
MAX_CHANGES_PER_PUSH = 1000
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SetOp(_Strict):
    """Add or remove one element of a set field, with its own stamp."""

    element: str = Field(max_length=200)
    present: bool
    stamp: str = Field(max_length=80)


class Change(_Strict):
    """One record change made on a device.

    ``seq`` increases by one per change on a device and is its idempotency key.
    ``stamps`` holds the HLC stamp of each clock key written (a field name, or a
    group name from ``shared.sync_schema``), or ``stamp`` the one stamp of them all; ``base`` the stamp of each clock key
    as the device last saw it (None when it never saw one), and ``base_values``
    the value it saw, so the server can tell a conflict and record it.
    """

    seq: int = Field(ge=1, le=2**31 - 1)  # device.last_seq is a 32-bit column on PostgreSQL
    table: str = Field(max_length=32)
    row_id: str = Field(min_length=36, max_length=36)
    op: Literal["upsert", "delete"] = "upsert"
    fields: dict[str, Any] = Field(default_factory=dict)
    stamps: dict[str, str] = Field(default_factory=dict)
    # instead of ``stamps``: one stamp for every clock key written (a new row's fields share one edit's stamp)
    stamp: Optional[str] = Field(default=None, max_length=80)
    base: dict[str, Optional[str]] = Field(default_factory=dict)
    base_values: dict[str, Any] = Field(default_factory=dict)
    set_ops: dict[str, list[SetOp]] = Field(default_factory=dict)
    delete_stamp: Optional[str] = Field(default=None, max_length=80)


class PushRequest(_Strict):
    protocol: int = PROTOCOL_VERSION
    device_id: str = Field(min_length=36, max_length=36)
    changes: list[Change] = Field(max_length=MAX_CHANGES_PER_PUSH)


ChangeStatus = Literal["applied", "duplicate", "conflict", "rejected"]


class ChangeResult(_Strict):
    seq: int
    status: ChangeStatus
    code: Optional[str] = None  # stable reason code when rejected
    message: Optional[str] = None
    conflict_ids: list[str] = Field(default_factory=list)
    clamped: bool = False  # a stamp was stored other than sent (clamped to the server's clock, kept in order)
    # when ``clamped``: clock key (``"skills|家政"``, ``"_deleted"`` included) -> the stamp the server stored
    stamps: dict[str, str] = Field(default_factory=dict)
    # field -> the value (wire form) the server stored instead of the sent one (text folded, stripped): the phone
    # merges the change with these, so it holds the row as stored and the pull need not send it back
    fields: dict[str, Any] = Field(default_factory=dict)
    # the row's version after this push (applied, conflict): the phone keeps it, and a pull with ``own_from``
    # skips the row when the phone's own merge of the answer equals the server's row (docs/sync-protocol.md)
    version: Optional[int] = None
    # the row's version before this push, given when the phone's row is the stored one once it takes ``version``
    # (every sent stamp won, values kept or named in ``fields``, no server field changed): a phone whose row is
    # at this version and has no other edit of it pending settles it without opening it (docs/sync-protocol.md)
    prior_version: Optional[int] = None


class PushResponse(_Strict):
    protocol: int = PROTOCOL_VERSION
    results: list[ChangeResult]
    last_seq: int  # highest seq the server has applied for this device
    server_stamp: str  # the server's clock after the push, for the device to observe

    def wire(self) -> dict[str, Any]:
        """The answer as sent: each result without the fields that hold their defaults (no code, no conflicts,
        nothing clamped or cleaned: most of a push), which a reader fills in again. The answers of 357 new rows
        were 52.8 kB of compact JSON whole, 22.5 kB so."""
        return {"protocol": self.protocol, "last_seq": self.last_seq, "server_stamp": self.server_stamp,
                "results": [result.model_dump(mode="json", exclude_defaults=True) for result in self.results]}


class PulledRow(_Strict):
    table: str
    id: str
    version: int
    deleted: bool = False
    fields: dict[str, Any] = Field(default_factory=dict)
    stamps: dict[str, str] = Field(default_factory=dict)


class LeftArea(_Strict):
    """An area the caller is no longer assigned to: the phone removes its rows (after pushing its edits)."""

    area_id: str
    level: Literal["grid", "street", "district"]


class PullResponse(_Strict):
    protocol: int = PROTOCOL_VERSION
    rows: list[PulledRow]
    cursor: int  # pass back as ``cursor`` to continue
    has_more: bool
    server_stamp: str
    left_areas: list[LeftArea] = Field(default_factory=list)  # left since the cursor (this page's versions)
    tombstone_horizon: int = 0  # tombstones at or below this version are purged: the phone may drop its own


# Rejection and error codes (also in docs/sync-protocol.md).
REJECT_INVALID_VALUE = "sync.invalid_value"
REJECT_OUTSIDE_AREA = "sync.outside_area"
REJECT_REVOKED_DEVICE = "sync.device_revoked"
REJECT_UNKNOWN_RECORD = "sync.unknown_record"
REJECT_UNKNOWN_TABLE = "sync.unknown_table"
REJECT_READ_ONLY = "sync.read_only"
REJECT_DELETED = "sync.record_deleted"
REJECT_SEQ_GAP = "sync.sequence_gap"  # reserved: gaps in seq are allowed (see docs/sync-protocol.md)
ERROR_RESYNC_REQUIRED = "sync.resync_required"
ERROR_PROTOCOL = "sync.protocol_unsupported"
ERROR_WRONG_DEVICE = "sync.wrong_device"  # the push names another device than the bearer token's

# The device id inside the server's own stamps (``PushResponse.server_stamp``).
SERVER_CLOCK_ID = "server"


def server_stamp(now_ms: int) -> str:
    """The server's clock as a stamp, for a device to ``observe`` (its clock then runs no later than ours)."""
    return f"{now_ms:013d}.00000.{SERVER_CLOCK_ID}"
