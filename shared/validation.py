"""Field validation and normalisation for what coordinators type in: names, ID numbers, phones, wages, GPS."""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from operator import mul
from typing import Any, Literal

from shared.vocab import EMPLOYED_STATUSES

__all__ = [
    "FIELD_LABELS_ZH",
    "FieldError",
    "REQUIRED_IF_NOT_EMPLOYED",
    "REQUIRED_RESIDENT_FIELDS",
    "age_on",
    "birth_date_from_id",
    "id_check_char",
    "in_labour_force",
    "is_complete",
    "make_id_number",
    "missing_fields",
    "normalize_code_text",
    "normalize_name",
    "normalize_text",
    "sex_from_id",
    "validate_gps",
    "validate_id_number",
    "validate_phone",
    "validate_wage",
]

# --- required fields (the one list behind the information-collection rate) ---

# Every field a resident's record needs to count as collected (信息采集完整).
# The last four apply only to people who are not employed (see
# REQUIRED_IF_NOT_EMPLOYED): an employed person has no job wish to record.
REQUIRED_RESIDENT_FIELDS: tuple[str, ...] = (
    "name",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "education",
    "employment_status",
    "unemployment_registered",
    "job_wish_occupations",
    "job_wish_min_wage",
    "training_wish",
)
REQUIRED_IF_NOT_EMPLOYED: frozenset[str] = frozenset(
    {"unemployment_registered", "job_wish_occupations", "job_wish_min_wage", "training_wish"}
)
# Fields where only None means "not asked": training_wish "" records "no training wanted".
ONLY_NONE_IS_MISSING: frozenset[str] = frozenset({"training_wish"})
# Any form of employment (flexible and self-employment included) counts as employed.
_EMPLOYED_CODES: frozenset[str] = frozenset(str(s.value) for s in EMPLOYED_STATUSES)

FIELD_LABELS_ZH: dict[str, str] = {
    "name": "姓名",
    "id_number": "身份证号",
    "sex": "性别",
    "birth_date": "出生日期",
    "phone": "手机号",
    "education": "文化程度",
    "employment_status": "就业状态",
    "unemployment_registered": "失业登记",
    "job_wish_occupations": "求职意向工种",
    "job_wish_min_wage": "期望最低工资",
    "training_wish": "培训意愿",
}

# Labels of fields validated here that are not resident fields, and English labels for FieldError.
_OTHER_LABELS_ZH = {"text": "文本", "wage": "工资", "latitude": "纬度", "longitude": "经度", "relation": "与户主关系"}
_LABELS_EN = {
    "name": "name",
    "id_number": "ID number",
    "sex": "sex",
    "birth_date": "date of birth",
    "phone": "mobile number",
    "education": "education",
    "employment_status": "employment status",
    "unemployment_registered": "unemployment registration",
    "job_wish_occupations": "wanted occupations",
    "job_wish_min_wage": "minimum wanted wage",
    "training_wish": "training wish",
    "text": "text",
    "wage": "wage",
    "latitude": "latitude",
    "longitude": "longitude",
}


class FieldError(ValueError):
    """One field's value was refused; the only exception this module raises for bad input.

    ``code`` is stable (``"<topic>.<reason>"``, e.g. ``"id_number.checksum"``,
    ``"phone.length"``, ``"text.control_char"``) so clients can translate or
    test it; the messages never repeat the value, since it is often personal data.
    Wrong argument *types* (a programming error) raise TypeError instead.
    """

    def __init__(self, field: str, code: str, message_zh: str, message_en: str) -> None:
        # All four go to args so the error pickles and reprs faithfully.
        super().__init__(field, code, message_zh, message_en)
        self.field = field
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    @property
    def label_zh(self) -> str:
        return FIELD_LABELS_ZH.get(self.field) or _OTHER_LABELS_ZH.get(self.field, self.field)

    @property
    def label_en(self) -> str:
        return _LABELS_EN.get(self.field, self.field.replace("_", " "))

    def __str__(self) -> str:
        return f"{self.label_zh}：{self.message_zh} / {self.label_en}: {self.message_en}"


def _require_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    return value


# --- text ---

# Full-width ASCII forms U+FF01..U+FF5E map to U+0021..U+007E; the ideographic space to a space.
# Only where a code or a number is expected (ID numbers, phones, dates, amounts, codes): free text
# keeps what was typed, Chinese punctuation （，：；） included.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALF_WIDTH[0x3000] = 0x20
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_EXCEPT_NEWLINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_characters(*, allow_newlines: bool = False) -> re.Pattern:
    """What ``normalize_text`` refuses in a text: one search of it tells whether it would."""
    return _CONTROL_EXCEPT_NEWLINES if allow_newlines else _CONTROL


def normalize_text(value: str, *, field: str = "text", allow_newlines: bool = False) -> str:
    """Free text as typed, in NFC, surrounding whitespace stripped; full-width punctuation is kept.

    Control characters (C0 including NUL, tab and newline; DEL; C1) are refused
    with ``text.control_char`` — unless ``allow_newlines``, which lets tab, LF
    and CR through for multi-line notes. ``field`` names the field in the error.
    """
    _require_str(value, field)
    # Checked before stripping: str.strip() would silently drop some controls (\x1c-\x1f, \x85).
    if (_CONTROL_EXCEPT_NEWLINES if allow_newlines else _CONTROL).search(value):
        raise FieldError(
            field, "text.control_char", "含有不可见的控制字符", "contains an invisible control character"
        )
    return unicodedata.normalize("NFC", value).strip()


def normalize_code_text(value: str, *, field: str = "text") -> str:
    """Text where a code or number is expected: ``normalize_text`` with full-width letters, digits and signs
    made half-width ("１３９－" → "139-") and the ideographic space a space."""
    _require_str(value, field)
    # Half-width first, so that e.g. "Ａ" + combining accent composes under NFC.
    return normalize_text(value.translate(_HALF_WIDTH), field=field)


NAME_MAX_LENGTH = 50
_MIDDLE_DOT = "\u00b7"
# Look-alikes people type for the middle dot of names like 阿依古丽·买买提.
_DOT_LOOKALIKES = str.maketrans(dict.fromkeys("\u2022\u2027\u2219\u22c5\u30fb\uff65\u318d", _MIDDLE_DOT))


# 1-50 ideographs of the CJK Unified Ideographs block up to U+9FEF (Unicode 11): letters, unchanged by NFC
_PLAIN_HAN_NAME = re.compile(f"[\u4e00-\u9fef]{{1,{NAME_MAX_LENGTH}}}")


def normalize_name(value: str) -> str:
    """A person's name: normalised text, whitespace collapsed, letters (any script) with "·" and spaces.

    Middle-dot look-alikes (•, ・, ‧ …) become "·" and spaces around it are
    dropped; the dot must stand between two parts of the name.
    """
    if type(value) is str and _PLAIN_HAN_NAME.fullmatch(value):
        return value  # what most names are (what this function returns): nothing to clean
    text = normalize_code_text(value, field="name").translate(_DOT_LOOKALIKES)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" ?\u00b7 ?", _MIDDLE_DOT, text)
    if not text:
        raise FieldError("name", "name.empty", "不能为空", "is required")
    if len(text) > NAME_MAX_LENGTH:
        raise FieldError(
            "name",
            "name.too_long",
            f"不能超过 {NAME_MAX_LENGTH} 个字",
            f"must be at most {NAME_MAX_LENGTH} characters",
        )
    for i, ch in enumerate(text):
        # Letters of any script (CJK included); combining marks only after a letter.
        ok = ch.isalpha() or ch in (" ", _MIDDLE_DOT) or (i > 0 and unicodedata.category(ch).startswith("M"))
        if not ok:
            raise FieldError(
                "name",
                "name.characters",
                "只能包含文字、间隔号“·”和空格",
                'may contain only letters, the middle dot "·" and spaces',
            )
    if text[0] == _MIDDLE_DOT or text[-1] == _MIDDLE_DOT or _MIDDLE_DOT * 2 in text:
        raise FieldError(
            "name",
            "name.middle_dot",
            "间隔号“·”只能用在两段姓名之间",
            'the middle dot "·" may only stand between two parts of the name',
        )
    return text


# --- resident ID numbers (GB 11643-1999) ---

# Mainland provinces (GB/T 2260). A mainland number's region is a county or a city of one:
# province digits from this list, city digits not "00" ("110000" names a whole province,
# "110005" nothing). GB/T 2260's 71 (Taiwan), 81 (Hong Kong) and 82 (Macao) have no county
# codes in ID numbers: residents of Hong Kong, Macao and Taiwan hold residence permits
# (港澳台居民居住证) whose numbers start 810000, 820000 and 830000 exactly.
_PROVINCES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46]
    + [50, 51, 52, 53, 54, 61, 62, 63, 64, 65]
)
RESIDENCE_PERMIT_REGIONS = frozenset({"810000", "820000", "830000"})
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_DIGITS = frozenset("0123456789")
_EARLIEST_BIRTH = date(1900, 1, 1)


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character ("0"-"9" or "X") for the first 17 digits."""
    if len(first17) != 17 or not set(first17) <= _DIGITS:
        raise ValueError("need exactly 17 ASCII digits")
    return _ID_CHECK_CHARS[sum(map(mul, map(int, first17), _ID_WEIGHTS)) % 11]  # map: a push checks thousands


def _region_ok(region6: str) -> bool:
    # A mainland county or city (see _PROVINCES), or a Hong Kong/Macao/Taiwan residence permit.
    return region6 in RESIDENCE_PERMIT_REGIONS or (int(region6[:2]) in _PROVINCES and region6[2:4] != "00")


def _id_error(code: str, zh: str, en: str) -> FieldError:
    return FieldError("id_number", f"id_number.{code}", zh, en)


def _parse_birth(yyyymmdd: str, today: date | None) -> date:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        born = None
    if born is None or born < _EARLIEST_BIRTH:
        raise _id_error("birth_date", "其中的出生日期不是有效日期", "the date of birth in it is not a valid date")
    if today is not None and born > today:
        raise _id_error("birth_date_future", "其中的出生日期晚于今天", "the date of birth in it is in the future")
    return born


def validate_id_number(value: str, *, today: date | None = None, convert_legacy: bool = True) -> str:
    """The normalised 18-character resident ID number, or FieldError.

    Accepts full-width characters, spaces and a lower-case check "x". A legacy
    15-digit number (region, YYMMDD, sequence) is converted to 18 digits (19YY,
    new check digit) when ``convert_legacy``, and refused otherwise. The birth
    date must be a real date from 1900 on; it must not be after ``today`` —
    when ``today`` is None that future check is skipped (this module never
    reads the clock). Error messages never contain the number.
    """
    if value is None:
        value = ""
    if type(value) is str and len(value) == 18 and _ID18_AS_STORED.fullmatch(value):
        return _checked_id18(value, today)  # what most values are (what this function returns): nothing to clean
    text = normalize_code_text(_require_str(value, "id_number"), field="id_number")
    text = re.sub(r"\s+", "", text).upper()
    if not text:
        raise _id_error("empty", "不能为空", "is required")
    if not set(text) <= _DIGITS | {"X"}:
        raise _id_error("characters", "只能包含数字和末位的 X", "may contain only digits and a final X")
    if len(text) not in (15, 18):
        if convert_legacy:
            raise _id_error("length", "应为 18 位（或 15 位旧号码）", "must have 18 characters (or 15 for an old number)")
        raise _id_error("length", "应为 18 位", "must have 18 characters")
    if "X" in text[:-1] or (len(text) == 15 and "X" in text):
        raise _id_error("characters", "只有第 18 位可以是 X", "only the 18th character may be X")

    if len(text) == 15:
        if not convert_legacy:
            raise _id_error(
                "legacy_refused", "不接受 15 位旧号码，请输入 18 位号码", "15-digit numbers are refused; enter the 18-digit number"
            )
        if not _region_ok(text[:6]) or text[:6] in RESIDENCE_PERMIT_REGIONS:  # permits have 18 digits
            raise _id_error("region", "地区码无效", "the region code is not valid")
        _parse_birth("19" + text[6:12], today)
        first17 = text[:6] + "19" + text[6:]
        return first17 + id_check_char(first17)

    return _checked_id18(text, today)


_ID18_AS_STORED = re.compile(r"[0-9]{17}[0-9X]")  # ASCII only (``\d`` would take other scripts' digits)


def _checked_id18(text: str, today: date | None) -> str:
    """An 18-character number already cleaned: its region, birth date and check digit."""
    if not _region_ok(text[:6]):
        raise _id_error("region", "地区码无效", "the region code is not valid")
    _parse_birth(text[6:14], today)
    if id_check_char(text[:17]) != text[17]:
        # Deliberately not saying which digit it should be: a mismatch usually
        # means a typo anywhere, and "fixing" the last digit would hide it.
        raise _id_error(
            "checksum",
            "校验位与前 17 位计算出的应有值不符，请逐位核对证件",
            "the check digit is not the one the first 17 digits call for; check every digit against the card",
        )
    return text


def birth_date_from_id(id_number: str) -> date:
    """The date of birth encoded in a valid ID number (15-digit numbers are converted first)."""
    number = validate_id_number(id_number)
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_from_id(id_number: str) -> Literal["male", "female"]:
    """The sex encoded in a valid ID number: an odd 17th digit is male, an even one female."""
    number = validate_id_number(id_number)
    return "male" if int(number[16]) % 2 else "female"


def age_on(birth_date: date, on_date: date) -> int:
    """Completed years of age on ``on_date`` (someone born on 29 February turns a year older on 1 March)."""
    if on_date < birth_date:
        raise ValueError("on_date is before birth_date")
    return on_date.year - birth_date.year - ((on_date.month, on_date.day) < (birth_date.month, birth_date.day))


def make_id_number(region6: str, birth: date, seq3: int) -> str:
    """A valid 18-character ID number for region, birth date and sequence (demo data and tests).

    ``seq3`` is 0-999; its last digit decides the sex (odd = male). Raises
    ValueError when the region is not one validate_id_number accepts or the
    birth date is before 1900.
    """
    if len(region6) != 6 or not set(region6) <= _DIGITS or not _region_ok(region6):
        raise ValueError("region6 must be a valid 6-digit region code")
    if not 0 <= seq3 <= 999:
        raise ValueError("seq3 must be between 0 and 999")
    if birth < _EARLIEST_BIRTH:
        raise ValueError("birth must be on or after 1900-01-01")
    first17 = f"{region6}{birth:%Y%m%d}{seq3:03d}"
    return first17 + id_check_char(first17)


# --- phones ---

_MOBILE = re.compile(r"1[3-9]\d{9}")


def validate_phone(value: str) -> str:
    """A mainland mobile number as 11 digits, or FieldError.

    Spaces, hyphens and full-width characters are removed, as is a +86, 0086
    or 86 country prefix. Landlines are refused. Messages never contain the number.
    """
    if value is None:
        value = ""
    if type(value) is str and value.isascii() and _MOBILE.fullmatch(value):
        return value  # already 11 ASCII digits of a mobile number: what this function returns
    text = re.sub(r"[\s\-]+", "", normalize_code_text(_require_str(value, "phone"), field="phone"))
    if not text:
        raise FieldError("phone", "phone.empty", "不能为空", "is required")
    if text.startswith("+"):
        if not text.startswith("+86"):
            raise FieldError(
                "phone", "phone.country", "只接受中国大陆手机号（+86）", "only mainland China mobile numbers (+86) are accepted"
            )
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not set(text) <= _DIGITS:
        raise FieldError("phone", "phone.characters", "只能包含数字", "may contain only digits")
    if len(text) != 11:
        raise FieldError("phone", "phone.length", "应为 11 位数字", "must have 11 digits")
    if not _MOBILE.fullmatch(text):
        raise FieldError(
            "phone", "phone.not_mobile", "不是有效的手机号（应以 13-19 开头）", "is not a mobile number (must start with 13-19)"
        )
    return text


# --- wages and positions ---

WAGE_MAX = 1_000_000
_WAGE_TEXT = re.compile(r"-?(\d+|\d{1,3}(,\d{3})+)")


def validate_wage(value: int | float | str, *, field: str = "wage") -> int:
    """A monthly wage in whole yuan, 0 to 1,000,000; accepts "3,500", "３５００" and whole-number floats."""
    if isinstance(value, bool):
        raise TypeError("a wage must be a number or text, not bool")
    if value is None or (isinstance(value, str) and not normalize_code_text(value, field=field)):
        raise FieldError(field, "wage.empty", "不能为空", "is required")
    if isinstance(value, str):
        text = normalize_code_text(value, field=field)
        if not _WAGE_TEXT.fullmatch(text):
            raise FieldError(
                field, "wage.characters", "应为整数（元/月），如 3500 或 3,500", "must be whole yuan per month, e.g. 3500 or 3,500"
            )
        amount = int(text.replace(",", ""))
    elif isinstance(value, int):
        amount = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise FieldError(field, "wage.characters", "应为整数（元/月）", "must be whole yuan per month")
        amount = int(value)
    else:
        raise TypeError(f"a wage must be a number or text, not {type(value).__name__}")
    if amount < 0:
        raise FieldError(field, "wage.negative", "不能为负数", "must not be negative")
    if amount > WAGE_MAX:
        raise FieldError(field, "wage.too_large", f"不能超过 {WAGE_MAX:,} 元/月", f"must be at most {WAGE_MAX:,} yuan a month")
    return amount


def _coordinate(value: float | int | str, field: str, limit: int) -> float:
    if isinstance(value, bool):
        raise TypeError(f"{field} must be a number, not bool")
    if isinstance(value, str):
        try:
            number = float(normalize_code_text(value, field=field))
        except ValueError:
            number = math.nan
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        raise TypeError(f"{field} must be a number, not {type(value).__name__}")
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise FieldError(
            field, f"{field}.range", f"应为 -{limit} 到 {limit} 之间的数", f"must be a number from -{limit} to {limit}"
        )
    return number


def validate_gps(lat: float | int | str, lon: float | int | str) -> tuple[float, float]:
    """A (latitude, longitude) pair in degrees, range-checked; codes "latitude.range" and "longitude.range"."""
    return _coordinate(lat, "latitude", 90), _coordinate(lon, "longitude", 180)


MAX_DISTANCE_KM = 500  # how far from home a job may be (a resident's wish), in km


def validate_distance_km(value: float | int, *, field: str = "job_wish_max_distance_km") -> float:
    """A distance in km from 0 to ``MAX_DISTANCE_KM``; code "distance.range"."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{field} must be a number")
    if not (math.isfinite(value) and 0 <= value <= MAX_DISTANCE_KM):
        raise FieldError(field, "distance.range", f"应为 0 到 {MAX_DISTANCE_KM} 之间的数",
                         f"must be a number from 0 to {MAX_DISTANCE_KM}")
    return float(value)


# --- completeness ---


def _value(resident: Mapping[str, Any] | object, field: str) -> Any:
    if isinstance(resident, Mapping):
        return resident.get(field)
    return getattr(resident, field, None)


def _is_missing(field: str, value: Any) -> bool:
    if value is None:
        return True
    if field in ONLY_NONE_IS_MISSING:
        return False
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return not value
    return False


WORKING_AGE_FROM = 16  # the legal working age (劳动年龄): children are household members, not job seekers
RETIREMENT_AGE = 60
NOT_IN_LABOUR_FORCE: frozenset[str] = frozenset({"student", "retired", "unable"})
# What a household member who is not of working age or not in the labour force needs recorded.
MEMBER_FIELDS: tuple[str, ...] = ("name", "id_number", "sex", "birth_date")


def in_labour_force(resident: Mapping[str, Any] | object, on: date) -> bool:
    """Whether the resident is asked about work (completeness, job matching) on ``on``.

    Not when younger than 16 or 60 or older by the birth date, a student, retired,
    or unable to work; an unknown birth date counts as working age.
    """
    status = _value(resident, "employment_status")
    if str(getattr(status, "value", status)) in NOT_IN_LABOUR_FORCE or _value(resident, "able_to_work") is False:
        return False
    born = _value(resident, "birth_date")
    if isinstance(born, date) and born <= on:
        return WORKING_AGE_FROM <= age_on(born, on) < RETIREMENT_AGE
    return True


def missing_fields(resident: Mapping[str, Any] | object, *, on: date | None = None) -> list[str]:
    """The required fields a resident (a mapping or an object with attributes) lacks, in REQUIRED_RESIDENT_FIELDS order.

    None, blank text and empty collections are missing; False and 0 are
    answers. training_wish is missing only when None ("" records "none
    wanted"). The job-wish group is required unless the employment status is
    one of the employed ones (employed, flexible, self-employed); an unknown
    status counts as not employed. With ``on`` (the phone's household card and
    form), someone not in the labour force that day (``in_labour_force``: a
    child, a pensioner, a student) needs only ``MEMBER_FIELDS``; the rates,
    counted over registered unemployed people, call it without.
    """
    if on is not None and not in_labour_force(resident, on):
        return [field for field in MEMBER_FIELDS if _is_missing(field, _value(resident, field))]
    # (the kind of ``resident`` is asked once, not once per field: a push asks this of every resident it touches)
    value_of = resident.get if isinstance(resident, Mapping) else lambda field: getattr(resident, field, None)
    status = value_of("employment_status")
    employed = str(getattr(status, "value", status)) in _EMPLOYED_CODES
    return [
        field
        for field in REQUIRED_RESIDENT_FIELDS
        if not (employed and field in REQUIRED_IF_NOT_EMPLOYED) and _is_missing(field, value_of(field))
    ]


def is_complete(resident: Mapping[str, Any] | object) -> bool:
    """Whether the resident has every required field (counts towards the information-collection rate)."""
    return not missing_fields(resident)
