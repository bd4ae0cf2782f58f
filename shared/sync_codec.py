"""Synced values between Python (the database's types) and JSON (the wire), and the checks each one passes.

``decode_value`` / ``encode_value`` convert one field by its column type:
dates travel as ``YYYY-MM-DD``, datetimes as ISO 8601 with an offset (always
returned in UTC), JSON columns as lists/dicts, booleans, integers and floats
strictly (``true`` is not ``1``; ``1.5`` is not an integer). ``clean_value``
then checks and normalises a decoded value the way the phone's forms do:
text through ``shared.validation.normalize_text`` and the column's maximum
length, names, ID numbers and phones through their validators, codes against
``shared.vocab``. Every refusal is a ``ValueError`` whose message names the
field but never repeats the value (it is often personal data); the server
answers it with the rejection code ``sync.invalid_value``.

The phone should run ``clean_row`` before storing an edit, so that what it
shows is what the server will keep; the server runs it again on every push.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Mapping

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String

from shared import validation
from shared.models import MODEL_BY_TABLE
from shared.sync_schema import SYNC_SPECS
from shared.vocab import (
    AreaLevel,
    ConflictState,
    Education,
    EmploymentStatus,
    ReferralStatus,
    ServiceItem,
    Sex,
    StatusKind,
    VisitOutcome,
    WorkHours,
)

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # a PostgreSQL INTEGER
SET_ELEMENT_MAX_LENGTH = 200
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})")

# Columns whose values are codes of a vocabulary (for lists: every element).
CODE_FIELDS: dict[tuple[str, str], type] = {
    ("area", "level"): AreaLevel,
    ("resident", "sex"): Sex,
    ("resident", "education"): Education,
    ("resident", "employment_status"): EmploymentStatus,
    ("resident", "job_wish_hours"): WorkHours,
    ("visit", "outcome"): VisitOutcome,
    ("visit", "services"): ServiceItem,
    ("vacancy", "hours"): WorkHours,
    ("vacancy", "education_min"): Education,
    ("referral", "status"): ReferralStatus,
    ("referral_event", "status"): ReferralStatus,
    ("status_record", "kind"): StatusKind,
    ("conflict", "state"): ConflictState,
}
# status_record.value depends on its kind.
STATUS_VALUES: dict[str, frozenset[str]] = {
    StatusKind.employment.value: frozenset(s.value for s in EmploymentStatus),
    StatusKind.registration.value: frozenset({"registered", "deregistered"}),
    StatusKind.ability.value: frozenset({"able", "unable"}),
}
MULTILINE_FIELDS = frozenset({"notes", "guidance_notes", "note"})
WAGE_FIELDS = frozenset({("resident", "job_wish_min_wage"), ("vacancy", "wage_min"), ("vacancy", "wage_max")})
DISTANCE_FIELD = ("resident", "job_wish_max_distance_km")  # a number with a range (``validate_distance_km``)


@dataclass(frozen=True)
class ColumnInfo:
    kind: str  # "str" | "bool" | "int" | "float" | "date" | "datetime" | "json"
    nullable: bool
    max_length: int | None = None


@lru_cache(maxsize=None)
def column_info(table: str, field: str) -> ColumnInfo:
    """The wire kind of one synced column; ValueError for a table or field that does not sync."""
    spec = SYNC_SPECS.get(table)
    if spec is None or field not in spec.fields:
        raise ValueError(f"{table}.{field} is not a synced field")
    column = MODEL_BY_TABLE[table].__table__.c[field]
    sql_type = column.type
    probe = getattr(sql_type, "impl_instance", sql_type)  # TypeDecorators: AutoString, UTCDateTime
    for base, kind in ((Boolean, "bool"), (Integer, "int"), (Float, "float"), (DateTime, "datetime"),
                       (Date, "date"), (JSON, "json"), (String, "str")):
        if isinstance(probe, base):
            return ColumnInfo(kind, bool(column.nullable), getattr(sql_type, "length", None))
    raise ValueError(f"{table}.{field} has an unsupported column type")  # pragma: no cover - schema error


def _bad(table: str, field: str, why: str) -> ValueError:
    return ValueError(f"{table}.{field}: {why}")


def encode_value(table: str, field: str, value: Any) -> Any:
    """The JSON form of one field's Python value."""
    if value is None:
        return None
    kind = column_info(table, field).kind
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        if value.utcoffset() is None:
            value = value.replace(tzinfo=timezone.utc)  # SQLite hands back naive UTC
        return value.astimezone(timezone.utc).isoformat()
    return value


def decode_value(table: str, field: str, value: Any) -> Any:
    """The Python value of one field's JSON form, checked strictly against the column type."""
    info = column_info(table, field)
    if value is None:
        if info.nullable or info.kind == "json":
            return None
        raise _bad(table, field, "must not be null")
    kind = info.kind
    if kind == "str":
        if not isinstance(value, str):
            raise _bad(table, field, "must be text")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise _bad(table, field, "must be true or false")
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(table, field, "must be a whole number")
        if not INT_MIN <= value <= INT_MAX:
            raise _bad(table, field, "is out of range")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise _bad(table, field, "must be a finite number")
        return float(value)
    if kind == "date":
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            raise _bad(table, field, "must be a date YYYY-MM-DD")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _bad(table, field, "is not a real date") from None
    if kind == "datetime":
        if not isinstance(value, str) or not _DATETIME.fullmatch(value):
            raise _bad(table, field, "must be an ISO 8601 time with its UTC offset")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise _bad(table, field, "is not a real time") from None
        return parsed.astimezone(timezone.utc)
    if not isinstance(value, (list, dict)) and not _is_json_scalar(value):
        raise _bad(table, field, "must be JSON")
    return value


def _is_json_scalar(value: Any) -> bool:
    return isinstance(value, (str, bool, int)) or (isinstance(value, float) and math.isfinite(value))


def encode_row(table: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """``encode_value`` for every synced field in ``values`` (other keys are dropped)."""
    fields = SYNC_SPECS[table].fields
    return {name: encode_value(table, name, value) for name, value in values.items() if name in fields}


def decode_row(table: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """``decode_value`` for every field; ValueError for a field that does not sync."""
    as_is = kept_types(table)
    return {name: value if type(value) in as_is.get(name, ()) else decode_value(table, name, value)
            for name, value in values.items()}


@lru_cache(maxsize=None)
def kept_types(table: str) -> dict[str, frozenset[type]]:
    """Per synced field, the JSON types ``decode_value`` returns unchanged whatever the value (text for a text
    column, true/false for a flag, lists and objects for JSON, null where allowed): a row's values of these
    types need no call. Numbers and dates are always checked (ranges, formats)."""
    kept: dict[str, frozenset[type]] = {}
    for name in SYNC_SPECS[table].fields:
        info = column_info(table, name)
        types = {"str": {str}, "bool": {bool}, "json": {list, dict, str, bool, int}}.get(info.kind, set())
        if info.nullable or info.kind == "json":
            types.add(type(None))
        kept[name] = frozenset(types)
    return kept


def is_set_field(table: str, field: str) -> bool:
    spec = SYNC_SPECS.get(table)
    return spec is not None and field in spec.sets


def clean_value(table: str, field: str, value: Any, *, today: date) -> Any:
    """Check and normalise one decoded value; returns the value to store, or raises ValueError.

    ``today`` is the calendar date at the user's place (ID numbers may not be
    born after it). Normalisations: text is NFC, half-width and stripped; an
    empty ID number or phone becomes None; set fields become a sorted list of
    distinct elements.
    """
    if value is None:
        return None
    info = column_info(table, field)
    if info.kind == "str":
        return _clean_text(table, field, value, info, today)
    if (table, field) in WAGE_FIELDS:
        return validation.validate_wage(value, field=field)
    if (table, field) == DISTANCE_FIELD:
        return validation.validate_distance_km(value, field=field)
    if field in ("latitude", "longitude"):
        lat, lon = (value, 0) if field == "latitude" else (0, value)
        return validation.validate_gps(lat, lon)[0 if field == "latitude" else 1]
    if info.kind == "json" and is_set_field(table, field):
        if not isinstance(value, list):
            raise _bad(table, field, "must be a list")
        return sorted({clean_set_element(table, field, element) for element in value})
    if info.kind == "json" and (table, field) in CODE_FIELDS:
        if not isinstance(value, list):
            raise _bad(table, field, "must be a list")
        return [_check_code(table, field, code) for code in value]
    if (table, field) == ("visit", "resident_ids"):
        if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= 36 for v in value):
            raise _bad(table, field, "must be a list of record ids")
    return value


def clean_set_element(table: str, field: str, element: Any) -> str:
    """One element of a set field: non-empty normalised text of at most 200 characters."""
    if not isinstance(element, str):
        raise _bad(table, field, "elements must be text")
    text = validation.normalize_text(element, field=field)
    if not text or len(text) > SET_ELEMENT_MAX_LENGTH or "|" in text:
        raise _bad(table, field, "elements must be 1-200 characters without '|'")
    return text


def _clean_text(table: str, field: str, value: str, info: ColumnInfo, today: date) -> str | None:
    if not isinstance(value, str):  # (a decoded row holds text here; a caller's raw cell may not)
        raise _bad(table, field, "must be text")
    if table == "resident" and field == "name":
        return validation.normalize_name(value) if value.strip() else ""
    if table == "resident" and field == "id_number":
        return validation.validate_id_number(value, today=today) if value.strip() else None
    if table == "resident" and field == "phone":
        return validation.validate_phone(value) if value.strip() else None
    text = validation.normalize_text(value, field=field, allow_newlines=field in MULTILINE_FIELDS)
    if info.max_length is not None and len(text) > info.max_length:
        raise _bad(table, field, f"must be at most {info.max_length} characters")
    if (table, field) in CODE_FIELDS:
        return _check_code(table, field, text)
    return text


def _check_code(table: str, field: str, code: Any) -> str:
    vocabulary = CODE_FIELDS[(table, field)]
    if not isinstance(code, str) or code not in vocabulary._value2member_map_:
        raise _bad(table, field, f"must be a {vocabulary.__name__} code")
    return code


def _as_is(value: Any, _today: date) -> Any:
    return value


@lru_cache(maxsize=None)
def _cleaner(table: str, field: str) -> Callable[[Any, date], Any]:
    """``clean_value`` of one field with what it looks up decided once (a push cleans every field of every row).

    Plain text fields get their own function; every other field goes through ``clean_value``.
    """
    info = column_info(table, field)  # ValueError for a field that does not sync
    if info.kind not in ("str", "json") and (table, field) not in WAGE_FIELDS and (table, field) != DISTANCE_FIELD \
            and field not in ("latitude", "longitude"):
        return _as_is  # dates, times, numbers, flags: ``clean_value`` keeps them as they are
    if info.kind != "str" or (table == "resident" and field in ("name", "id_number", "phone")):
        return lambda value, today: clean_value(table, field, value, today=today)
    multiline, limit = field in MULTILINE_FIELDS, info.max_length
    vocabulary = CODE_FIELDS.get((table, field))
    codes = vocabulary._value2member_map_ if vocabulary is not None else {}
    normalize, nfc = validation.normalize_text, unicodedata.normalize
    controls = validation.control_characters(allow_newlines=multiline)

    def clean_text(value: Any, _today: date) -> Any:
        if type(value) is str and value in codes:
            return value  # a code as the vocabulary spells it: nothing to normalise, strip or refuse
        if type(value) is str and not controls.search(value):
            text = nfc("NFC", value).strip()  # ``normalize_text`` of text it accepts, without its two calls
        else:
            text = normalize(value, field=field, allow_newlines=multiline)  # (raises what it refuses)
        if limit is not None and len(text) > limit:
            raise _bad(table, field, f"must be at most {limit} characters")
        if vocabulary is not None and text not in vocabulary._value2member_map_:
            raise _bad(table, field, f"must be a {vocabulary.__name__} code")
        return text

    return clean_text


@lru_cache(maxsize=None)
def _cleaners(table: str) -> dict[str, Callable[[Any, date], Any]]:
    """``_cleaner`` of every synced field of a table, those that keep every value left out."""
    return {name: clean for name in SYNC_SPECS[table].fields if (clean := _cleaner(table, name)) is not _as_is}


def clean_row(table: str, values: Mapping[str, Any], *, today: date) -> dict[str, Any]:
    """``clean_value`` for every field, then the checks between fields of one row."""
    return clean_row_changes(table, values, today=today)[0]


def clean_row_changes(table: str, values: Mapping[str, Any], *, today: date) -> tuple[dict[str, Any], dict[str, Any]]:
    """``clean_row``, and the fields whose value the cleaning changed (name -> the cleaned value)."""
    cleaners = _cleaners(table)
    if not SYNC_SPECS[table].field_set.issuperset(values):
        for name in values:
            _cleaner(table, name)  # ValueError for the first field that does not sync
    cleaned, changed = dict(values), {}
    for name in [name for name in values if name in cleaners]:
        value = values[name]
        if value is not None:
            cleaned[name] = kept = cleaners[name](value, today)
            if kept != value:
                changed[name] = kept
    if table == "status_record" and "kind" in cleaned and "value" in cleaned:
        allowed = STATUS_VALUES.get(cleaned["kind"], frozenset())
        if cleaned["value"] not in allowed:
            raise _bad(table, "value", f"is not a value of kind {cleaned['kind']}")
    return cleaned, changed
