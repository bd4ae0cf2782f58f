"""Search while typing: an in-memory index of the phone's residents, built at unlock and dropped at lock.

A query of letters matches pinyin initials (张三 → "zs", every reading of a
polyphonic character) or the start of the full pinyin; digits match the end of
an ID number, any part of a phone number, or the address (building, room);
anything else matches the name or the address. Decrypted values live only in
this process's memory, never on disk.
"""
from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Optional

from pypinyin import Style, pinyin

MAX_INITIAL_VARIANTS = 8
DEFAULT_LIMIT = 30


@lru_cache(maxsize=20000)
def _char_readings(ch: str) -> tuple[tuple[str, ...], str]:
    """(every initial letter, the first full reading) of one character; letters stand for themselves."""
    if ch.isascii():
        return ((ch.lower(),), ch.lower()) if ch.isalnum() else ((), "")
    initials = pinyin(ch, style=Style.FIRST_LETTER, heteronym=True, errors="ignore")
    full = pinyin(ch, style=Style.NORMAL, errors="ignore")
    letters = tuple(dict.fromkeys(i for i in (initials[0] if initials else ()) if i.isascii() and i.isalpha()))
    return letters, (full[0][0] if full and full[0] else "")


def pinyin_keys(name: str) -> tuple[tuple[str, ...], str]:
    """The initials variants (at most MAX_INITIAL_VARIANTS) and the full pinyin of a name."""
    readings = [_char_readings(ch) for ch in name if not ch.isspace() and ch != "·"]
    choices = [r[0] for r in readings if r[0]]
    variants = tuple(itertools.islice(("".join(p) for p in itertools.product(*choices)), MAX_INITIAL_VARIANTS))
    return variants, "".join(r[1] for r in readings)


def normalize_query(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text or "").split()).lower()


def household_address(household: dict[str, Any] | None) -> str:
    if not household:
        return ""
    parts = [household.get("address") or ""]
    for key, suffix in (("building", "栋"), ("unit", "单元"), ("room", "室")):
        value = household.get(key) or ""
        if value:
            parts.append(value if value.endswith(suffix) else value + suffix)
    return " ".join(p for p in parts if p)


def mask_id_number(id_number: str | None) -> str:
    return f"尾号{id_number[-4:]}" if id_number and len(id_number) >= 4 else ""


def mask_phone(phone: str | None) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone and len(phone) >= 7 else ""


@dataclass(frozen=True)
class Entry:
    resident_id: Optional[str]
    household_id: str
    name: str
    initials: tuple[str, ...]
    full_pinyin: str
    id_number: str
    phone: str
    address: str
    address_key: str  # address folded for matching


@dataclass(frozen=True)
class SearchHit:
    resident_id: Optional[str]
    household_id: str
    name: str
    address: str
    id_hint: str
    phone_hint: str
    matched: str  # what matched, in Chinese: 姓名, 拼音, 身份证尾号, 电话, 地址


class SearchIndex:
    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}  # resident id (or "h:" + household id) -> entry
        self._addresses: dict[str, str] = {}
        self.changed_by_others: dict[str, datetime] = {}  # household id -> last change made on another device

    @classmethod
    def build(cls, store: Any) -> "SearchIndex":
        index = cls()
        households = {h["id"]: h for h in store.rows("household")}
        index._addresses = {hid: household_address(h) for hid, h in households.items()}
        lived_in: set[str] = set()
        for row in store.search_index_rows():
            index._put(row)
            lived_in.add(row.get("household_id"))
            index._note_change(row, store.device_id)
        for hid in households.keys() - lived_in:
            index._put_household(hid)
        return index

    def __len__(self) -> int:
        return len(self._entries)

    def upsert_household(self, household: dict[str, Any]) -> None:
        self._addresses[household["id"]] = household_address(household)

    def upsert_resident(self, row: dict[str, Any]) -> None:
        self._entries.pop("h:" + str(row.get("household_id")), None)
        self._put(row)

    def remove_resident(self, resident_id: str) -> None:
        self._entries.pop(resident_id, None)

    def household_names(self) -> dict[str, list[str]]:
        names: dict[str, list[str]] = {}
        for e in self._entries.values():
            if e.resident_id is not None:
                names.setdefault(e.household_id, []).append(e.name)
        return names

    def _note_change(self, row: dict[str, Any], my_device_id: str | None) -> None:
        from mobile.services.worklist import last_change_by_others

        changed = last_change_by_others([row], my_device_id)
        hid = row.get("household_id")
        if changed is not None and (hid not in self.changed_by_others or changed > self.changed_by_others[hid]):
            self.changed_by_others[hid] = changed

    def _put(self, row: dict[str, Any]) -> None:
        name = row.get("name") or ""
        initials, full = pinyin_keys(name)
        address = self._addresses.get(row.get("household_id"), "")
        self._entries[row["id"]] = Entry(
            row["id"], row.get("household_id") or "", name, initials, full,
            (row.get("id_number") or "").upper(), row.get("phone") or "", address, normalize_query(address),
        )

    def _put_household(self, household_id: str) -> None:
        address = self._addresses.get(household_id, "")
        self._entries["h:" + household_id] = Entry(None, household_id, "", (), "", "", "", address,
                                                   normalize_query(address))

    def search(self, text: str, limit: int = DEFAULT_LIMIT) -> list[SearchHit]:
        query = normalize_query(text)
        if not query:
            return []
        found: list[tuple[int, str, Entry, str]] = []
        if query.isdigit() or (query[:-1].isdigit() and query[-1] == "x"):
            id_suffix = query.upper()
            for e in self._entries.values():
                if e.id_number.endswith(id_suffix):
                    found.append((0, e.name, e, "身份证尾号"))
                elif query.isdigit() and query in e.phone:
                    found.append((1, e.name, e, "电话"))
                elif query in e.address_key:
                    found.append((2, e.name, e, "地址"))
        elif query.isascii() and query.isalpha():
            for e in self._entries.values():
                if any(v.startswith(query) for v in e.initials):
                    found.append((0 if len(e.initials[0]) == len(query) else 1, e.name, e, "拼音"))
                elif e.full_pinyin.startswith(query):
                    found.append((2, e.name, e, "拼音"))
        else:
            for e in self._entries.values():
                if query in e.name:
                    found.append((0 if e.name.startswith(query) else 1, e.name, e, "姓名"))
                elif query in e.address_key:
                    found.append((2, e.name, e, "地址"))
        found.sort(key=lambda f: (f[0], f[1]))
        return [
            SearchHit(e.resident_id, e.household_id, e.name, e.address, mask_id_number(e.id_number),
                      mask_phone(e.phone), matched)
            for _, _, e, matched in found[:limit]
        ]
