"""Reading a ledger spreadsheet (docs/ledger-template.md): the columns, the file formats, and each row's validation.

A row is one resident with their household and, optionally, one past visit.
Every value goes through ``shared.validation`` / ``shared.sync_codec``; a bad
value rejects its row with the line number, the column and the reason — never
the value itself, which may be personal data.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from shared import sync_codec
from shared.coverage import CHINA_TZ
from shared.occupations import MAJOR_GROUPS, MIDDLE_GROUPS, occupation_by_code, search_occupations
from shared.validation import (
    FieldError,
    birth_date_from_id,
    normalize_code_text,
    normalize_text,
    sex_from_id,
    validate_id_number,
)
from shared.vocab import LABELS_ZH, Education, EmploymentStatus, ServiceItem, VisitOutcome, WorkHours

# header (Chinese) -> key; the first block is the household, then the resident, then the visit
COLUMNS: dict[str, str] = {
    "街道": "street", "社区": "community", "网格": "grid", "地址": "address", "楼栋": "building", "单元": "unit",
    "室": "room", "零就业家庭": "zero_employment", "零就业认定日期": "zero_employment_identified_on",
    "零就业需两人就业": "zero_employment_wants_two", "双失业": "double_unemployed", "单亲家庭": "single_parent",
    "低保": "low_income", "棚改回迁": "relocated",
    "姓名": "name", "身份证号": "id_number", "手机号": "phone", "与户主关系": "relation", "文化程度": "education",
    "技能": "skills", "就业状态": "employment_status", "就业状态日期": "employment_since", "工作单位": "employer_name",
    "失业登记": "unemployment_registered", "失业登记日期": "unemployment_registered_on",
    "有劳动能力和就业愿望": "able_to_work", "求职意向": "job_wish_occupations", "期望月薪": "job_wish_min_wage",
    "工作时间": "job_wish_hours", "培训意愿": "training_wish", "残疾": "disability",
    "走访日期": "visited_at", "走访结果": "outcome", "服务项目": "services", "就业指导": "guidance_given",
    "走访备注": "visit_notes", "协管员": "coordinator",
    # a later ledger: the day the row's facts were true (a filled field changes only when this is later than
    # the server's value), and the end of an unemployment registration
    "台账日期": "as_of", "失业登记注销日期": "unemployment_deregistered_on",
}
ALIASES = {"身份证号码": "身份证号", "公民身份号码": "身份证号", "手机": "手机号", "联系电话": "手机号", "学历": "文化程度",
           "小区": "地址", "楼号": "楼栋", "房号": "室", "门牌号": "室", "社区名称": "社区", "网格名称": "网格"}
REQUIRED = ("社区", "网格", "地址", "姓名", "身份证号")
FREE_TEXT_KEYS = frozenset({"address", "building", "unit", "room", "relation", "skills", "employer_name",
                            "training_wish", "visit_notes"})
LABEL_OF = {key: header for header, key in COLUMNS.items()}

YES = {"是", "有", "y", "yes", "true", "1", "√", "✓", "已登记", "已"}
NO = {"否", "无", "没有", "n", "no", "false", "0", "×", "未登记", "未"}
NO_TRAINING = {"无", "不需要", "否", "没有"}
_SPLIT = re.compile(r"[、,，;；/\s]+")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TIME = re.compile(r"(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?")


def _labels(enum, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Chinese label or code -> code."""
    found = {m.value: m.value for m in enum}
    found.update({LABELS_ZH[m.value]: m.value for m in enum if m.value in LABELS_ZH})
    found.update(extra or {})
    return found


EDUCATION = _labels(Education, {"中专": "vocational", "技校": "vocational", "职高": "vocational", "大学本科": "bachelor",
                                "硕士": "postgraduate", "博士": "postgraduate", "文盲": "none", "高中及以下": "senior"})
EMPLOYMENT = _labels(EmploymentStatus, {"就业": "employed", "在业": "employed", "失业人员": "unemployed",
                                        "待业": "unemployed", "个体": "self_employed", "学生": "student"})
OUTCOMES = _labels(VisitOutcome, {"见面": "met", "入户": "met", "未见面": "not_home", "搬离": "moved_away"})
SERVICES = _labels(ServiceItem, {"职业指导": "guidance_training_information", "就业指导": "guidance_training_information",
                                 "培训信息": "guidance_training_information", "岗位信息": "vacancy_information"})
HOURS = _labels(WorkHours, {"灵活": "flexible", "弹性": "flexible", "灵活时间": "flexible", "全职": "full_time", "兼职": "part_time"})


class ImportFileError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # the Chinese column name ("" for the row as a whole)
    code: str
    message: str  # Chinese; never holds the value

    def __str__(self) -> str:
        where = f"第 {self.line} 行" + (f"「{self.column}」" if self.column else "")
        return f"{where}：{self.message}（{self.code}）"


@dataclass
class LedgerRow:
    """One row, validated: the household's, the resident's and the visit's values (codes, dates, normalised text)."""

    line: int
    household: dict[str, Any] = field(default_factory=dict)
    resident: dict[str, Any] = field(default_factory=dict)
    visit: dict[str, Any] | None = None
    names: dict[str, str] = field(default_factory=dict)  # street, community, grid, coordinator (as written)
    as_of: date | None = None  # 台账日期: the day the row's facts were true
    deregistered_on: date | None = None  # 失业登记注销日期


# --- reading files ------------------------------------------------------------------------


def read_table(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """The header and the data rows (with their line numbers) of an .xlsx or .csv file."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix in (".csv", ".txt"):
        return _read_csv(path.read_bytes())
    raise ImportFileError("只能导入 .xlsx 或 .csv 文件 / only .xlsx and .csv files can be imported")


def _read_xlsx(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as error:
        raise ImportFileError(f"无法读取 Excel 文件 / cannot read the workbook ({type(error).__name__})") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        return _table([("" if h is None else str(h)) for h in header], enumerate(rows, start=2))
    finally:
        book.close()


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else GB 18030 (a superset of GBK, what Excel writes in China)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError("文件编码无法识别（应为 UTF-8 或 GBK）/ the file is neither UTF-8 nor GBK") from None


def _read_csv(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    reader = csv.reader(io.StringIO(decode_csv(data), newline=""))
    header = next(reader, None) or []
    return _table(header, ((reader.line_num, row) for row in reader))


def normalize_header(text: str) -> str:
    text = normalize_code_text(text or "").replace(" ", "").rstrip("*＊")
    return ALIASES.get(text, text)


def _table(header: list[str], rows) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    names = [normalize_header(h) for h in header]
    missing = [h for h in REQUIRED if h not in names]
    if missing:
        raise ImportFileError("缺少必需的列 / required columns missing: " + "、".join(missing))
    keys = [COLUMNS.get(n) for n in names]
    result = []
    for line, values in rows:
        values = list(values)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue  # blank lines
        result.append((line, {k: v for k, v in zip(keys, values, strict=False) if k is not None}))
    return [n for n in names if n], result


# --- one row ----------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, key: str, code: str, message: str) -> None:
        super().__init__(key, code, message)
        self.key, self.code, self.message = key, code, message


def _text(value: Any, key: str) -> str:
    """Cell content as normalised text ('' for empty); whole numbers from Excel lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    try:
        if key in FREE_TEXT_KEYS:  # as written, Chinese punctuation kept
            return normalize_text(str(value), field=key, allow_newlines=key == "visit_notes")
        return normalize_code_text(str(value), field=key)  # dates, numbers, yes/no, codes: full-width folded
    except FieldError as error:
        raise _Bad(key, error.code, error.message_zh) from None


def _yes_no(value: Any, key: str) -> bool | None:
    text = _text(value, key).lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise _Bad(key, "yes_no", "应填“是”或“否”")


def _date(value: Any, key: str, today: date) -> date | None:
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = _text(value, key)
        if not text:
            return None
        match = _DATE.fullmatch(text) or (re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text))
        if not match:
            raise _Bad(key, "date.format", "日期格式应为 2026-11-05")
        try:
            day = date(*(int(g) for g in match.groups()))
        except ValueError:
            raise _Bad(key, "date.invalid", "不是有效日期") from None
    if day > today:
        raise _Bad(key, "date.future", "日期晚于今天")
    if day.year < 1950:
        raise _Bad(key, "date.too_early", "日期早于 1950 年")
    return day


def _instant(value: Any, key: str, now: datetime) -> datetime | None:
    """A visit's time (China time): a date alone, or a time of 00:00, means 12:00 that day."""
    today = now.astimezone(CHINA_TZ).date()
    if isinstance(value, datetime):
        day, clock = value.date(), value.time().replace(microsecond=0)
    elif isinstance(value, date):
        day, clock = value, time(0)
    else:
        text = _text(value, key)
        if not text:
            return None
        moment = _TIME.search(text)
        day = _date(text[:moment.start()].strip() if moment else text, key, today)
        try:
            clock = time(int(moment[1]), int(moment[2]), int(moment[3] or 0)) if moment else time(0)
        except ValueError:
            raise _Bad(key, "time.invalid", "时间无效") from None
    day = _date(day, key, today)
    local = datetime.combine(day, clock if clock != time(0) else time(12), CHINA_TZ)
    if local > now:
        raise _Bad(key, "date.future", "时间晚于现在")
    return local.astimezone(timezone.utc)


def _code(value: Any, key: str, table: dict[str, str]) -> str | None:
    text = _text(value, key)
    if not text:
        return None
    if text not in table:
        raise _Bad(key, "code.unknown", "不是可选的值（见模板说明）")
    return table[text]


def _codes(value: Any, key: str, table: dict[str, str]) -> list[str]:
    return sorted({_code(part, key, table) for part in _SPLIT.split(_text(value, key)) if part})


def _occupations(value: Any, key: str) -> list[str]:
    codes = set()
    for part in _SPLIT.split(_text(value, key)):
        if part:
            code = occupation_code(part)
            if code is None:
                raise _Bad(key, "occupation.unknown", "职业名称不在职业目录中（可填职业代码）")
            codes.add(code)
    return sorted(codes)


@lru_cache(maxsize=4096)
def occupation_code(text: str) -> str | None:
    """The code of an occupation named exactly (name or keyword) or given by its code or group code."""
    if occupation_by_code(text) or text in MIDDLE_GROUPS or text in MAJOR_GROUPS:
        return text
    found = search_occupations(text, limit=1)
    return found[0].code if found and text in (found[0].name, *found[0].keywords) else None


def _clean(table: str, name: str, value: Any, key: str, today: date) -> Any:
    try:
        return sync_codec.clean_value(table, name, value, today=today)
    except FieldError as error:
        raise _Bad(key, error.code, error.message_zh) from None
    except ValueError:
        raise _Bad(key, f"{name}.invalid", "格式不正确") from None


def parse_row(line: int, raw: dict[str, Any], *, now: datetime) -> tuple[LedgerRow | None, list[RowError]]:
    """Validate one row; either a LedgerRow or the errors (one per bad column)."""
    today = now.astimezone(CHINA_TZ).date()
    row = LedgerRow(line)
    errors: list[RowError] = []

    def take(key: str, parse) -> Any:
        try:
            return parse(raw.get(key), key)
        except _Bad as bad:
            errors.append(RowError(line, LABEL_OF.get(bad.key, bad.key), bad.code, bad.message))
            return None

    def required(value: Any, key: str) -> str:
        text = _text(value, key)
        if not text:
            raise _Bad(key, "required", "必填")
        return text

    def text_of(table: str, name: str):
        return lambda v, k: _clean(table, name, _text(v, k), k, today) or ""

    def day(v, k):
        return _date(v, k, today)

    for key in ("street", "community", "grid"):
        row.names[key] = take(key, required if key != "street" else _text) or ""
    row.names["coordinator"] = take("coordinator", _text) or ""
    h = row.household
    h["address"] = take("address", lambda v, k: _clean("household", "address", required(v, k), k, today))
    for key in ("building", "unit", "room"):
        h[key] = take(key, text_of("household", key))
    for key in ("zero_employment", "zero_employment_wants_two", "double_unemployed", "single_parent", "low_income",
                "relocated"):
        h[key] = bool(take(key, _yes_no))
    h["zero_employment_identified_on"] = take("zero_employment_identified_on", day)
    if h["zero_employment_identified_on"] and not h["zero_employment"]:
        h["zero_employment"] = True

    r = row.resident
    r["name"] = take("name", lambda v, k: _clean("resident", "name", required(v, k), k, today))
    r["id_number"] = take("id_number", lambda v, k: _id_number(v, k, today))
    if r["id_number"]:
        r["birth_date"], r["sex"] = birth_date_from_id(r["id_number"]), sex_from_id(r["id_number"])
    r["phone"] = take("phone", lambda v, k: _clean("resident", "phone", _text(v, k), k, today))
    r["relation"] = take("relation", text_of("resident", "relation"))
    r["education"] = take("education", lambda v, k: _code(v, k, EDUCATION))
    r["skills"] = take("skills", lambda v, k: _clean("resident", "skills", _SPLIT.split(_text(v, k)) if _text(v, k)
                                                     else [], k, today)) or []
    r["employment_status"] = take("employment_status", lambda v, k: _code(v, k, EMPLOYMENT))
    r["employment_since"] = take("employment_since", day)
    r["employer_name"] = take("employer_name", text_of("resident", "employer_name"))
    r["unemployment_registered"] = take("unemployment_registered", _yes_no)
    r["unemployment_registered_on"] = take("unemployment_registered_on", day)
    if r["unemployment_registered_on"] and r["unemployment_registered"] is None:
        r["unemployment_registered"] = True
    deregistered_on = take("unemployment_deregistered_on", day)
    if deregistered_on is not None:
        if r["unemployment_registered_on"] and deregistered_on < r["unemployment_registered_on"]:
            errors.append(RowError(line, "失业登记注销日期", "date.order", "注销日期早于失业登记日期"))
        row.deregistered_on = deregistered_on  # the registration (this row's or an earlier one) ended that day
    row.as_of = take("as_of", day)
    r["able_to_work"] = take("able_to_work", _yes_no)
    r["job_wish_occupations"] = take("job_wish_occupations", _occupations) or []
    r["job_wish_min_wage"] = take("job_wish_min_wage", lambda v, k: _clean("resident", "job_wish_min_wage",
                                                                           _text(v, k) or None, k, today))
    r["job_wish_hours"] = take("job_wish_hours", lambda v, k: _code(v, k, HOURS))
    r["training_wish"] = take("training_wish", _training)
    r["disability"] = bool(take("disability", _yes_no))

    visited_at = take("visited_at", lambda v, k: _instant(v, k, now))
    outcome = take("outcome", lambda v, k: _code(v, k, OUTCOMES))
    services = take("services", lambda v, k: _codes(v, k, SERVICES)) or []
    guidance = bool(take("guidance_given", _yes_no))
    notes = take("visit_notes", lambda v, k: _clean("visit", "notes", _text(v, k), k, today)) or ""
    if visited_at is not None:
        row.visit = {"visited_at": visited_at, "outcome": outcome or VisitOutcome.met.value, "services": services,
                     "guidance_given": guidance, "notes": notes}
    elif outcome or services or guidance or notes:
        errors.append(RowError(line, "走访日期", "visit.date_required", "填写了走访信息时必须填写走访日期"))
    return (None if errors else row), errors


def _id_number(value: Any, key: str, today: date) -> str:
    if isinstance(value, float) or (isinstance(value, int) and value >= 10**15):
        # Excel keeps only 15 significant digits of a number: the last ones are already lost
        raise _Bad(key, "id_number.stored_as_number", "被 Excel 存成了数字，末几位已丢失：请把该列设为文本后重新录入")
    text = _text(value, key)
    if not text:
        raise _Bad(key, "required", "必填")
    try:
        return validate_id_number(text, today=today)
    except FieldError as error:
        raise _Bad(key, error.code, error.message_zh) from None


def _training(value: Any, key: str) -> str | None:
    text = _text(value, key)
    if not text:
        return None
    return "" if text in NO_TRAINING else text[:200]
