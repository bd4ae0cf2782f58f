"""DeviceStore: everything the phone keeps, in one SQLite file, sealed under a PIN-unlocked data key.

The app's services call only this class (and ``mobile.sync.SyncEngine``). Every
edit writes the row, its outbox entry (next ``seq``, stamps from the persisted
hybrid clock, base stamps and values) and, for the first unpushed edit of a
row, the row's shadow, in ONE local transaction. See docs/device-store.md.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from sqlalchemy import Connection, delete, func, insert, select, update

from mobile.store import crypto, syncing
from mobile.store.db import (
    DB_FILE_NAME,
    DEVICE_METADATA,
    DEVICE_STATE,
    ID_HASH,
    META,
    OUTBOX,
    REJECTED,
    SHADOW,
    Transactions,
    open_engine,
    reclaim_space,
    write_tx,
)
from mobile.store.edits import Edit, check_writable, plan_create, plan_delete, plan_update
from mobile.store.errors import StoreLocked
from mobile.store.keystore import KeyStore
from mobile.store.rows import SEALED_COLUMNS, open_row
from mobile.store.vault import Vault
from shared.hlc import HybridClock, parse_stamp
from shared.models import MODEL_BY_TABLE, device_tables, new_id
from shared.sync_codec import clean_row, column_info, decode_value
from shared.sync_schema import SYNC_SPECS

# Meta keys readable before unlock (nothing personal); every other meta value is sealed.
PLAIN_META = frozenset({"server_url", "lock_minutes"})
LEFT_AREAS_META = "left_areas"  # areas the user was taken off, whose rows are still to remove
CLOCK_OFFSET_META = "clock_offset_ms"  # server time minus this phone's time, when they differ by more than ...
CLOCK_TOLERANCE_MS = 2 * 60 * 1000  # ... this (the server clamps stamps more than 5 minutes ahead)
CLOCK_NOTICE_META = "clock_notice_given"
# {"since", "cursor"}: the first version the server gave this store's pushes since its last full pull, and the
# cursor then; the next pull passes them so the server does not send those rows back (``own_pushes``)
OWN_PUSHES_META = "own_pushes"
STORED_STAMP_META = "stored_stamp"  # the highest stamp the server stored in place of one this phone sent


def clock_notice_zh(offset_ms: int) -> str:
    """What the coordinator is told once when the phone's clock is wrong (offset: server minus phone)."""
    hours = abs(offset_ms) / 3_600_000
    amount = f"约 {hours:.0f} 小时" if hours >= 1 else f"约 {abs(offset_ms) // 60_000} 分钟"
    way = "慢" if offset_ms > 0 else "快"
    return (f"手机时间不准：比服务器{way}{amount}。请在手机设置中校准日期和时间；"
            "在此之前，本应用按服务器时间记录您的修改，不会丢失。")
CHINA = timezone(timedelta(hours=8))


class Saved(str):
    """The id of a saved row, and what the save wrote (see ``DeviceStore.save``)."""

    seq: int | None
    keys: tuple[str, ...]
    stamp: str | None
    created: bool

    def __new__(cls, row_id: str, *, seq: int | None = None, keys: tuple[str, ...] = (), stamp: str | None = None,
                created: bool = False) -> "Saved":
        saved = super().__new__(cls, row_id)
        saved.seq, saved.keys, saved.stamp, saved.created = seq, keys, stamp, created
        return saved

    @property
    def changed(self) -> bool:
        return self.seq is not None


def local_today(now: datetime) -> date:
    """The calendar date at the coordinator's place (China), for checks like "not born in the future"."""
    return now.astimezone(CHINA).date()


def epoch_ms(now: datetime) -> int:
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return int(now.timestamp() * 1000)


def _from_wire(table: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Values as a conflict holds them (JSON: dates as text) back to Python; Python values pass as they are."""
    out = {}
    for name, value in fields.items():
        if isinstance(value, str) and column_info(table, name).kind in ("date", "datetime"):
            value = decode_value(table, name, value)
        out[name] = value
    return out


class DeviceStore:
    """The phone's store; open with ``DeviceStore.open(data_dir, keystore)``."""

    def __init__(self, data_dir: Path, keystore: KeyStore, *, scrypt_n: int = crypto.SCRYPT_N) -> None:
        self.data_dir = Path(data_dir)
        self.engine = open_engine(self.data_dir)
        self._tx = Transactions(self.engine)
        self.vault = Vault(self.engine, keystore)
        self.scrypt_n = scrypt_n
        self._cipher: crypto.CellCipher | None = None
        self._meta_cache: dict[str, Any] = {}
        # Failure injection for tests: called with "apply:rows" / "apply:cursor" inside a page's transaction,
        # and with "save:<table>" inside an edit's.
        self.fault_hook: Callable[[str], None] | None = None
        with write_tx(self.engine) as conn:
            if conn.execute(select(DEVICE_STATE.c.id)).first() is None:
                conn.execute(insert(DEVICE_STATE).values(id=1, next_seq=1, clock="", cursor=0))

    @classmethod
    def open(cls, data_dir: Path, keystore: KeyStore, *, scrypt_n: int = crypto.SCRYPT_N) -> "DeviceStore":
        """Create or open ``<data_dir>/doorstep.sqlite3`` (locked until ``unlock`` or ``provision``)."""
        return cls(data_dir, keystore, scrypt_n=scrypt_n)

    @property
    def path(self) -> Path:
        return self.data_dir / DB_FILE_NAME

    def close(self) -> None:
        self.lock()
        self.engine.dispose()

    # --- keys ---------------------------------------------------------------

    def is_provisioned(self) -> bool:
        return self.vault.is_provisioned()

    def provision(self, pin: str) -> None:
        """First sign-in: a new random data key, wrapped under the PIN and a new device secret; unlocked."""
        self._outside_transaction("provision")
        self._cipher = crypto.CellCipher(self.vault.provision(pin, scrypt_n=self.scrypt_n))
        self._meta_cache.clear()

    def unlock(self, pin: str) -> None:
        """Raises WrongPin(remaining_attempts), or StoreWiped after the fifth wrong PIN in a row."""
        self._outside_transaction("unlock")
        try:
            key = self.vault.unlock(pin)
        except Exception:
            # A wrong PIN typed in a second window (web mode) leaves the first one's data open;
            # wiped keys close it for every window.
            if not self.vault.is_provisioned():
                self._cipher = None
                self._clear_data()
            raise
        self._cipher = crypto.CellCipher(key)
        self._meta_cache.clear()

    def _outside_transaction(self, what: str) -> None:
        # The keys live on their own connection: inside this thread's transaction they would wait on it.
        if self._tx.active is not None:
            raise RuntimeError(f"cannot {what} the store inside a transaction")

    def lock(self) -> None:
        self._cipher = None
        self._meta_cache.clear()

    @property
    def is_unlocked(self) -> bool:
        return self._cipher is not None

    @property
    def wrong_pin_count(self) -> int:
        return self.vault.wrong_pins()

    def wipe(self) -> None:
        """Forget the keys and delete every record, the outbox and the settings (sign-out, lost PIN)."""
        self._outside_transaction("wipe")
        self.vault.wipe_keys()
        self.lock()
        self._clear_data()

    def _clear_data(self) -> None:
        with write_tx(self.engine) as conn:
            for table in list(device_tables()) + list(DEVICE_METADATA.sorted_tables):
                conn.execute(delete(table))
            conn.execute(insert(DEVICE_STATE).values(id=1, next_seq=1, clock="", cursor=0))
        raw = self.engine.raw_connection()  # outside any transaction (the driver is in autocommit mode)
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            raw.driver_connection.execute("VACUUM")
        finally:
            raw.close()

    @property
    def cipher(self) -> crypto.CellCipher:
        if self._cipher is None:
            raise StoreLocked()
        return self._cipher

    # --- meta ---------------------------------------------------------------

    def get_meta(self, key: str, default: Any = None) -> Any:
        if key in self._meta_cache:
            return self._meta_cache[key]
        with self._tx.read() as conn:
            row = conn.execute(select(META.c.value, META.c.sealed).where(META.c.key == key)).first()
        if row is None:
            return default
        if row.sealed:
            value = self.cipher.open_json(row.value, self.cipher.place("meta", "value", key))
        else:
            value = json.loads(row.value)
        self._meta_cache[key] = value
        return value

    def set_meta(self, key: str, value: Any) -> None:
        """Store a JSON value; sealed unless the key is one of PLAIN_META."""
        with self._tx.write() as conn:
            self._set_meta_in(conn, key, value)

    def _set_meta_in(self, conn: Connection, key: str, value: Any) -> None:
        sealed = key not in PLAIN_META
        stored = (self.cipher.seal_json(value, self.cipher.place("meta", "value", key)) if sealed
                  else json.dumps(value, ensure_ascii=False))
        conn.execute(delete(META).where(META.c.key == key))
        conn.execute(insert(META).values(key=key, value=stored, sealed=sealed))
        self._meta_cache[key] = value

    def delete_meta(self, key: str) -> None:
        with self._tx.write() as conn:
            conn.execute(delete(META).where(META.c.key == key))
        self._meta_cache.pop(key, None)

    @property
    def device_id(self) -> str | None:
        return self.get_meta("device_id")

    @property
    def user_id(self) -> str | None:
        user = self.get_meta("user") or {}
        return user.get("id")

    # --- reading ------------------------------------------------------------

    def _table(self, table: str):
        if table not in SYNC_SPECS:
            raise ValueError(f"unknown table {table!r}")
        return MODEL_BY_TABLE[table].__table__

    def _load(self, conn: Connection, table: str, row_id: str) -> dict | None:
        t = self._table(table)
        row = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
        return open_row(self.cipher, table, row) if row is not None else None

    def get(self, table: str, row_id: str, *, include_deleted: bool = False) -> dict | None:
        """One row, decrypted; None when missing or deleted (a tombstone too with ``include_deleted``)."""
        with self._tx.read() as conn:
            row = self._load(conn, table, row_id)
        return None if row is None or (row["deleted"] and not include_deleted) else row

    def rows(self, table: str, **equals: Any) -> list[dict]:
        """Rows not deleted whose columns equal ``equals`` (not on sealed columns), decrypted."""
        t = self._table(table)
        sealed = set(SEALED_COLUMNS.get(table, ())) & set(equals)
        if sealed:
            raise ValueError(f"cannot filter on encrypted columns: {', '.join(sorted(sealed))}")
        stmt = select(t).where(t.c.deleted.is_(False), *[t.c[k] == v for k, v in equals.items()])
        with self._tx.read() as conn:
            found = conn.execute(stmt).mappings().all()
        return [open_row(self.cipher, table, r) for r in found]

    def all_rows(self, table: str) -> list[dict]:
        """Every row of a table, tombstones included, decrypted (sync checks and diagnostics)."""
        t = self._table(table)
        with self._tx.read() as conn:
            found = conn.execute(select(t).order_by(t.c.id)).mappings().all()
        return [open_row(self.cipher, table, r) for r in found]

    def find_by_id_number(self, id_number: str) -> list[dict]:
        """Residents (not deleted) with this ID number, found through its keyed hash."""
        return self._find_by_digest("full", self.cipher.id_digest("full", id_number.strip().upper()))

    def find_by_id_suffix(self, digits: str) -> list[dict]:
        """Residents whose ID number ends with these 4 or 6 characters."""
        digits = digits.strip().upper()
        if len(digits) not in (4, 6):
            raise ValueError("give the last 4 or 6 characters of the ID number")
        kind = f"last{len(digits)}"
        return self._find_by_digest(kind, self.cipher.id_digest(kind, digits))

    def _find_by_digest(self, kind: str, digest: str) -> list[dict]:
        t = self._table("resident")
        stmt = select(t).join(ID_HASH, ID_HASH.c.row_id == t.c.id).where(
            ID_HASH.c.kind == kind, ID_HASH.c.digest == digest, t.c.deleted.is_(False))
        with self._tx.read() as conn:
            found = conn.execute(stmt).mappings().all()
        return [open_row(self.cipher, "resident", r) for r in found]

    SEARCH_COLUMNS = ("id", "household_id", "grid_id", "community_id", "name", "id_number", "phone", "sex",
                      "birth_date", "relation", "employment_status", "stamps")

    def search_index_rows(self) -> list[dict]:
        """Every resident (not deleted) with the columns a search needs, decrypted, for an in-memory index.

        ``stamps`` (clock key → HLC stamp, whose device says who wrote it) lets the
        worklist see a member changed on another phone ("changed by others").
        """
        t = self._table("resident")
        stmt = select(*[t.c[c] for c in self.SEARCH_COLUMNS]).where(t.c.deleted.is_(False))
        with self._tx.read() as conn:
            found = conn.execute(stmt).mappings().all()
        return [open_row(self.cipher, "resident", r) for r in found]

    def open_conflicts(self) -> list[dict]:
        return self.rows("conflict", state="open")

    def pending_count(self) -> int:
        """Changes in the outbox not yet acknowledged by the server."""
        with self._tx.read() as conn:
            return conn.execute(select(func.count()).select_from(OUTBOX)).scalar_one()

    def rejected_changes(self) -> list[dict]:
        """Changes the server refused: seq, table, row_id, op, code, message, rejected_at, fields (decrypted)."""
        with self._tx.read() as conn:
            found = conn.execute(select(REJECTED).order_by(REJECTED.c.seq)).mappings().all()
        out = []
        for r in found:
            change = self.cipher.open_json(r["payload"], self.cipher.place("rejected", "payload", str(r["seq"])))
            out.append({"seq": r["seq"], "table": r["table_name"], "row_id": r["row_id"], "op": change.get("op"),
                        "code": r["code"],
                        "message": r["message"], "rejected_at": r["rejected_at"], "fields": change.get("fields", {})})
        return out

    def dismiss_rejected(self, seq: int) -> None:
        with self._tx.write() as conn:
            conn.execute(delete(REJECTED).where(REJECTED.c.seq == seq))

    # --- writing ------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator["DeviceStore"]:
        """Several edits of one user action that commit together or not at all.

        ``with store.transaction(): store.save(...); store.append(...)``: every
        row, outbox entry, shadow and meta value written inside lands in ONE
        local transaction; an exception leaving the block rolls all of it back
        (the outbox and ``next_seq`` included) and propagates. Reads inside see
        the block's own writes. Nested blocks join the outer one.
        """
        try:
            with self._tx.transaction():
                yield self
        except BaseException:
            self._meta_cache.clear()  # a meta value set inside may have been rolled back
            raise

    def save(self, table: str, fields: Mapping[str, Any], *, row_id: str | None = None, now: datetime) -> "Saved":
        """Insert (``row_id`` None: a new id) or update the given fields; row + outbox in one transaction.

        Values are checked and normalised by ``shared.sync_codec.clean_row``
        (FieldError / ValueError with a clear message). Returns the row's id as
        a ``Saved`` (a ``str``) that also says what was written: ``changed``,
        the outbox ``seq``, the clock ``keys`` and their ``stamp`` (``changed``
        False, ``seq`` None: the values were already there, nothing queued).
        """
        spec = check_writable(table, fields)
        cleaned = clean_row(table, fields, today=local_today(now))
        with self._tx.write() as conn:
            if spec.append_only and row_id is not None and self._load(conn, table, row_id) is not None:
                raise ValueError(f"{table} is append-only: record a new one instead of changing it")
            return self._save_in(conn, table, cleaned, row_id, now)

    def append(self, table: str, fields: Mapping[str, Any], *, now: datetime) -> str:
        """A new row of an append-only table (visit, status_record, referral_event)."""
        if not SYNC_SPECS.get(table) or not SYNC_SPECS[table].append_only:
            raise ValueError(f"{table} is not append-only: use save")
        return self.save(table, fields, now=now)

    def predict(self, table: str, row_id: str, fields: Mapping[str, Any]) -> None:
        """Show server fields as the server will compute them (a vacancy's filled count after a hire offline).

        Local only, nothing is queued: the next pull of the row brings the server's value.
        """
        spec = SYNC_SPECS.get(table)
        if spec is None or any(name not in spec.server_fields for name in fields):
            raise ValueError(f"only the server fields of {table} can be predicted")
        with self._tx.write() as conn:
            current = self._load(conn, table, row_id)
            if current is not None and not current["deleted"]:
                syncing.write_rows(conn, self.cipher, table, [{**current, **fields}])

    def delete(self, table: str, row_id: str, *, now: datetime) -> None:
        """Tombstone the row (it stays, marked deleted) and queue the delete."""
        self._table(table)
        with self._tx.write() as conn:
            current = self._load(conn, table, row_id)
            if current is None:
                raise ValueError(f"no {table} record with this id")
            if current["deleted"]:
                return
            clock, state = self._clock(conn)
            edit = plan_delete(table, current, clock.tick(self._corrected_ms(now)), user_id=self.user_id)
            self._record(conn, table, current, edit, clock, state)

    def resolve_conflict(self, conflict_id: str, chosen_value: Any, *, now: datetime) -> None:
        """Decide a conflict: the chosen value is written to the record, and the conflict closed, both queued."""
        with self._tx.write() as conn:
            conflict = self._load(conn, "conflict", conflict_id)
            if conflict is None or conflict["deleted"] or conflict["state"] != "open":
                raise ValueError("no open conflict with this id")
            table, key = conflict["table_name"], conflict["field"]
            spec = SYNC_SPECS[table]
            fields = _from_wire(table, dict(chosen_value) if key in spec.groups else {key: chosen_value})
            target = self._load(conn, table, conflict["row_id"])
            if target is not None and not target["deleted"]:
                check_writable(table, fields)
                self._save_in(conn, table, clean_row(table, fields, today=local_today(now)), target["id"], now)
            closing = {"state": "resolved", "resolved_by": self.user_id, "resolved_value": chosen_value}
            self._save_in(conn, "conflict", clean_row("conflict", closing, today=local_today(now)), conflict_id, now)

    @property
    def clock_offset_ms(self) -> int:
        """Server time minus this phone's time as last measured (0 while they agree within 2 minutes)."""
        return int(self.get_meta(CLOCK_OFFSET_META) or 0)

    def _corrected_ms(self, now: datetime) -> int:
        """The time an edit is stamped with: the phone's clock corrected by what the server's clock said."""
        return epoch_ms(now) + self.clock_offset_ms

    def learn_server_time(self, server_stamp: str, local_now: datetime) -> str | None:
        """Compare the server's clock (a ``server_stamp`` just received) with the phone's; returns a notice once.

        When they differ by more than ``CLOCK_TOLERANCE_MS`` the offset is kept
        and the next edits are stamped with the corrected time; a clock state
        that ran ahead with the wrong time is brought back to the server's
        (the server keeps this device's stamps in the order they were made,
        so edits stamped before and after the correction keep their order).
        Returns the Chinese notice (手机时间不准…) the first time a wrong clock
        is seen, None otherwise.
        """
        server_ms = parse_stamp(server_stamp).physical_ms
        offset = server_ms - epoch_ms(local_now)
        wrong = abs(offset) > CLOCK_TOLERANCE_MS
        if not wrong and not self.get_meta(CLOCK_OFFSET_META) and not self.get_meta(CLOCK_NOTICE_META):
            return None  # the clocks agree, as they did: nothing to write (asked after every page and batch)
        with self._tx.write() as conn:
            if wrong != bool(self._meta_in(conn, CLOCK_OFFSET_META)) or wrong:
                self._set_meta_in(conn, CLOCK_OFFSET_META, offset if wrong else 0)
            if not wrong:
                if self._meta_in(conn, CLOCK_NOTICE_META):
                    self._set_meta_in(conn, CLOCK_NOTICE_META, False)  # told again if it goes wrong again
                return None
            clock, _state = self._clock(conn)
            if parse_stamp(clock.last).physical_ms > server_ms + CLOCK_TOLERANCE_MS:
                clock = HybridClock(clock.device_id, server_stamp)
                stored = self._meta_in(conn, STORED_STAMP_META)
                if stored:  # never behind what the server stored for this phone's edits
                    clock.observe(stored)
                conn.execute(update(DEVICE_STATE).where(DEVICE_STATE.c.id == 1).values(clock=clock.last))
            if self._meta_in(conn, CLOCK_NOTICE_META):
                return None
            self._set_meta_in(conn, CLOCK_NOTICE_META, True)
            return clock_notice_zh(offset)

    def _clock(self, conn: Connection) -> tuple[HybridClock, dict]:
        device_id = self.device_id
        if not device_id:
            raise ValueError("sign in first: this device has no device id yet")
        state = conn.execute(select(DEVICE_STATE).where(DEVICE_STATE.c.id == 1)).mappings().one()
        return HybridClock(device_id, state["clock"] or None), dict(state)

    def _save_in(self, conn: Connection, table: str, cleaned: dict, row_id: str | None, now: datetime) -> "Saved":
        current = self._load(conn, table, row_id) if row_id else None
        if current is not None and current["deleted"]:
            raise ValueError(f"this {table} record was deleted")
        clock, state = self._clock(conn)
        stamp = clock.tick(self._corrected_ms(now))
        if current is None:
            edit = plan_create(table, row_id or new_id(), cleaned, stamp, now=now, user_id=self.user_id)
        else:
            edit = plan_update(table, current, cleaned, stamp, user_id=self.user_id)
            if edit is None:
                return Saved(current["id"])
        self._record(conn, table, current, edit, clock, state)
        return Saved(edit.row["id"], seq=state["next_seq"], keys=tuple(edit.keys), stamp=stamp,
                     created=current is None)

    def _record(self, conn: Connection, table: str, before: dict | None, edit: Edit,
                clock: HybridClock, state: dict) -> None:
        seq = state["next_seq"]
        if self.fault_hook:
            self.fault_hook(f"save:{table}")  # tests: a failure before this edit is written
        syncing.write_rows(conn, self.cipher, table, [edit.row])
        syncing.ensure_shadow(conn, self.cipher, table, edit.row["id"], before)
        payload = dict(edit.change, seq=seq)
        conn.execute(insert(OUTBOX).values(
            seq=seq, table_name=table, row_id=edit.row["id"], op=edit.op, clock_keys=json.dumps(edit.keys),
            payload=self.cipher.seal_json(payload, self.cipher.place("outbox", "payload", str(seq)))))
        conn.execute(update(DEVICE_STATE).where(DEVICE_STATE.c.id == 1).values(next_seq=seq + 1, clock=clock.last))

    # --- the sync engine's side (see mobile.store.syncing) -----------------

    @property
    def cursor(self) -> int:
        with self._tx.read() as conn:
            return conn.execute(select(DEVICE_STATE.c.cursor)).scalar_one()

    def outbox_batch(self, limit: int) -> list[dict]:
        """The oldest ``limit`` outbox entries as protocol changes (JSON values, seq order)."""
        return [change for change, _size in self.outbox_sized(limit)]

    def outbox_sized(self, limit: int, after: int = 0, max_bytes: int | None = None) -> list[tuple[dict, int]]:
        """``outbox_batch`` of the entries after seq ``after``, with each change's sealed size in bytes (about
        4/3 of its JSON: base64). With ``max_bytes``: only the entries whose JSON fits in it (at least one),
        the others left sealed (they are read again for the next batch)."""
        with self._tx.read() as conn:
            found = conn.execute(select(OUTBOX.c.seq, OUTBOX.c.payload).where(OUTBOX.c.seq > after)
                                 .order_by(OUTBOX.c.seq).limit(limit)).all()
        out, size = [], 0
        for seq, payload in found:
            size += len(payload) * 3 // 4  # its JSON's size, near enough (a sealed cell is base64)
            if out and max_bytes is not None and size > max_bytes:
                break
            out.append((self.cipher.open_json(payload, self.cipher.place("outbox", "payload", str(seq))), len(payload)))
        return out

    def acknowledge(self, results: list[Mapping[str, Any]], *, now: datetime,
                    server_stamp: str | None = None, sent: Mapping[int, Mapping[str, Any]] | None = None
                    ) -> dict[str, int]:
        """Drop the answered entries (rejected ones move to ``rejected``) and settle their rows; one transaction.

        ``sent``: the changes as read by ``outbox_batch`` (seq -> change), so they are not opened again.
        """
        with self._tx.write() as conn:
            counts = syncing.acknowledge(conn, self.cipher, results, now=now, server_stamp=server_stamp,
                                         user_id=self.user_id, sent=sent)
            versions = [int(r["version"]) for r in results if r.get("version")]
            if versions:
                own = self._meta_in(conn, OWN_PUSHES_META)
                cursor = conn.execute(select(DEVICE_STATE.c.cursor)).scalar_one()
                self._set_meta_in(conn, OWN_PUSHES_META, {
                    "since": min([*versions, *([own["since"]] if own else [])]),
                    "cursor": own["cursor"] if own else cursor})
            # the stamps the server stored instead of the sent ones (clamped): the next edit stamps after them
            # (the pull no longer brings those rows back to be observed)
            seen = [stamp for r in results for stamp in (r.get("stamps") or {}).values()]
            if seen:  # a clock brought back to the server's time (``learn_server_time``) stays past them too
                self._set_meta_in(conn, STORED_STAMP_META, max([*seen, self._meta_in(conn, STORED_STAMP_META) or ""]))
            if server_stamp or seen:
                clock, _state = self._clock(conn)
                for stamp in ([server_stamp] if server_stamp else []) + ([max(seen)] if seen else []):
                    clock.observe(stamp)
                conn.execute(update(DEVICE_STATE).where(DEVICE_STATE.c.id == 1).values(clock=clock.last))
            return counts

    def apply_page(self, rows: list[Mapping[str, Any]], cursor: int, server_stamp: str | None = None, *,
                   left_areas: list[Mapping[str, str]] = (), tombstone_horizon: int = 0) -> int:
        """Apply one pulled page and save its cursor, in one transaction; returns the rows applied.

        ``left_areas`` (areas the user no longer holds) are remembered until
        ``leave_areas`` removes their rows; tombstones at or below
        ``tombstone_horizon`` (purged on the server) are dropped.
        """
        with self._tx.write() as conn:
            clock, _state = self._clock(conn)
            count = syncing.apply_page(conn, self.cipher, rows, clock, hook=self.fault_hook)
            if server_stamp:
                clock.observe(server_stamp)
            if left_areas:
                known = self._meta_in(conn, LEFT_AREAS_META) or []
                self._set_meta_in(conn, LEFT_AREAS_META, known + [dict(a) for a in left_areas if dict(a) not in known])
            syncing.compact_tombstones(conn, tombstone_horizon)
            if self.fault_hook:
                self.fault_hook("apply:cursor")
            conn.execute(update(DEVICE_STATE).where(DEVICE_STATE.c.id == 1).values(cursor=cursor, clock=clock.last))
        return count

    @property
    def left_areas(self) -> list[dict[str, str]]:
        """Areas the user was taken off whose rows are still on the phone (``{"area_id", "level"}``)."""
        return list(self.get_meta(LEFT_AREAS_META) or [])

    def leave_areas(self) -> list[dict[str, str]]:
        """Remove the rows of the areas the user left, but those with unpushed edits; returns the areas left to do.

        The sync engine pushes the outbox first, so every edit made there
        reaches the server before its row goes (``docs/sync-protocol.md``).
        """
        with self._tx.write() as conn:
            areas = self._meta_in(conn, LEFT_AREAS_META) or []
            if not areas:
                return []
            waiting = syncing.remove_area_rows(conn, areas)
            self._set_meta_in(conn, LEFT_AREAS_META, waiting)
            return waiting

    def _meta_in(self, conn: Connection, key: str) -> Any:
        row = conn.execute(select(META.c.value, META.c.sealed).where(META.c.key == key)).first()
        if row is None:
            return None
        return (self.cipher.open_json(row.value, self.cipher.place("meta", "value", key)) if row.sealed
                else json.loads(row.value))

    def observe(self, stamp: str) -> None:
        """Move the device clock past a stamp seen from the server."""
        with self._tx.write() as conn:
            clock, _state = self._clock(conn)
            clock.observe(stamp)
            conn.execute(update(DEVICE_STATE).where(DEVICE_STATE.c.id == 1).values(clock=clock.last))

    def reset_for_resync(self) -> bool:
        """Drop every synced row and the cursor (keys, meta, clock, seq stay), only when the outbox is empty."""
        with self._tx.write() as conn:
            if conn.execute(select(func.count()).select_from(OUTBOX)).scalar_one():
                return False
            for table in device_tables():
                conn.execute(delete(table))
            conn.execute(delete(ID_HASH))
            conn.execute(delete(SHADOW))
            conn.execute(delete(META).where(META.c.key == OWN_PUSHES_META))
            self._meta_cache.pop(OWN_PUSHES_META, None)
            conn.execute(update(DEVICE_STATE).where(DEVICE_STATE.c.id == 1).values(cursor=0))
        return True

    def reclaim_space(self) -> int:
        """After a sync: the pages the outbox and shadows left free go back to the system (bytes returned)."""
        if self._tx.active is not None:
            return 0  # inside a caller's transaction: next time
        return reclaim_space(self.engine)

    @property
    def own_pushes(self) -> dict[str, int] | None:
        """What this store holds of its own answered pushes, for the next pull (None: nothing to skip)."""
        own = self.get_meta(OWN_PUSHES_META)
        return dict(own) if own else None

    def pulled_own_pushes(self, own: Mapping[str, int]) -> None:
        """A pull that passed ``own`` has drained the feed: those entries are behind the cursor now."""
        with self._tx.write() as conn:
            if self._meta_in(conn, OWN_PUSHES_META) == dict(own):
                conn.execute(delete(META).where(META.c.key == OWN_PUSHES_META))
                self._meta_cache.pop(OWN_PUSHES_META, None)
