"""Reading the office's spreadsheets (docs/areas-template.*, docs/staff-template.*): rows, cells, Chinese errors.

A bad cell is reported by its line and its column's Chinese header, never
with the value (it may be a person's name). The file formats and encodings are
the ledger's (``server.services.ledger_parse``): .xlsx, or .csv in UTF-8 or GBK.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.services.ledger_parse import ImportFileError, RowError, decode_csv
from shared.validation import FieldError, normalize_code_text, normalize_text

AREA_COLUMNS = {
    "区县": "district", "区县代码": "district_code", "区县统计代码": "district_stat",
    "街道": "street", "街道代码": "street_code", "街道统计代码": "street_stat",
    "社区": "community", "社区代码": "community_code", "社区统计代码": "community_stat",
    "网格": "grid", "网格代码": "grid_code", "棚改回迁社区": "relocated",
}
AREA_REQUIRED = ("区县", "街道", "社区")
STAFF_COLUMNS = {"用户名": "username", "姓名": "display_name", "角色": "role", "负责区域": "areas"}
STAFF_REQUIRED = ("用户名", "姓名", "角色", "负责区域")
ALIASES = {"区": "区县", "县": "区县", "乡镇": "街道", "街道/乡镇": "街道", "村": "社区", "社区/村": "社区",
           "显示名": "姓名", "账号": "用户名", "区域": "负责区域"}
ROLES = {"协管员": "coordinator", "协理员": "coordinator", "coordinator": "coordinator",
         "管理员": "manager", "街道管理员": "manager", "manager": "manager",
         "系统管理员": "admin", "admin": "admin"}
STAT_CODE = re.compile(r"^\d{12}$")
USERNAME = re.compile(r"^[a-z0-9_.-]{3,64}$")
_SPLIT = re.compile(r"[、,，;；\s]+")
YES = {"是", "y", "yes", "1", "√", "✓"}


@dataclass(frozen=True)
class Sheet:
    headers: list[str]  # the Chinese headers found
    rows: list[tuple[int, dict[str, Any]]]  # (line, key -> raw cell)


def read_sheet(path: Path, columns: dict[str, str], required: tuple[str, ...]) -> Sheet:
    """The first sheet of an .xlsx, or a .csv; ``ImportFileError`` for a file that cannot be read or lacks a column."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        header, raw = _xlsx(path)
    elif suffix in (".csv", ".txt"):
        reader = csv.reader(io.StringIO(decode_csv(path.read_bytes()), newline=""))
        header = next(reader, None) or []
        raw = [(reader.line_num, row) for row in reader]
    else:
        raise ImportFileError("只能导入 .xlsx 或 .csv 文件")
    names = [ALIASES.get(h, h) for h in (normalize_code_text(str(h or "")).replace(" ", "").rstrip("*＊")
                                         for h in header)]
    missing = [h for h in required if h not in names]
    if missing:
        raise ImportFileError("缺少必需的列：" + "、".join(missing) + "（模板见 docs/）")
    keys = [columns.get(n) for n in names]
    rows = []
    for line, values in raw:
        if all(v is None or not str(v).strip() for v in values):
            continue
        rows.append((line, {k: v for k, v in zip(keys, values, strict=False) if k is not None}))
    return Sheet([n for n in names if n in columns], rows)


def _xlsx(path: Path) -> tuple[list, list]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as error:
        raise ImportFileError(f"无法读取 Excel 文件（{type(error).__name__}）") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = list(next(rows, None) or ())
        return header, [(line, list(values)) for line, values in enumerate(rows, start=2)]
    finally:
        book.close()


class BadCell(ValueError):
    """A cell with control characters: reported as its row's error."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def cell(raw: dict[str, Any], key: str, *, code: bool = False) -> str:
    """A cell as clean text (codes half-width); ``BadCell`` for one with control characters."""
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed into Excel as a number
    try:
        return (normalize_code_text if code else normalize_text)(str(value)).strip()
    except FieldError:
        raise BadCell(key) from None


def header_of(columns: dict[str, str], key: str) -> str:
    return next(h for h, k in columns.items() if k == key)


def bad(line: int, columns: dict[str, str], key: str, code: str, message: str) -> RowError:
    return RowError(line, header_of(columns, key) if key else "", code, message)


def is_yes(text: str) -> bool:
    return text.lower() in YES


def split_areas(text: str) -> list[str]:
    return [part for part in _SPLIT.split(text) if part]
