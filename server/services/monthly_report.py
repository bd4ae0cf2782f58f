"""The monthly report (月报) as an openpyxl workbook: rates per community and per coordinator, and the lists, in Chinese.

Every rate is written as three columns — numerator, denominator, rate — and a
rate without denominator is "—", never 0% or 100%.
"""
from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Connection

from server.services import coverage, coverage_lists
from server.services.scope import Scope
from shared import coverage as cov

RATE_COLUMNS: tuple[str, ...] = tuple(n for n in cov.RATE_NAMES if n != "zero_employment_on_time_rate")  # own columns
ZERO_COLUMNS = (("zero_identified", "零就业家庭"), ("zero_met", "按时就业"), ("zero_overdue", "逾期"),
                ("zero_open", "未到期"))
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
FAIL_FONT = Font(color="C00000")
SHEETS = ("说明", "社区指标", "网格指标", "协管员指标", "充分就业社区", "未走访名单", "信息不全名单", "零就业逾期名单",
          "协管员工作量")


def rate_headers() -> list[str]:
    headers = []
    for name in RATE_COLUMNS:
        label = cov.RATE_LABELS_ZH[name]
        headers += [f"{label} 分子", f"{label} 分母", label]
    return headers + [label for _, label in ZERO_COLUMNS]


def rate_cells(counts: cov.CoverageCounts) -> list[Any]:
    cells: list[Any] = []
    for name in RATE_COLUMNS:
        rate: cov.Rate = getattr(counts, name)
        cells += [rate.numerator, rate.denominator, rate.value if rate.value is not None else "—"]
    return cells + [getattr(counts, field) for field, _ in ZERO_COLUMNS]


def _sheet(book: Workbook, title: str, headers: list[str], rows: list[list[Any]]) -> Worksheet:
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append(row)
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(8, min(28, len(header) * 2 + 2))
        if header in {cov.RATE_LABELS_ZH[n] for n in RATE_COLUMNS}:
            for cell in sheet[letter][1:]:
                if isinstance(cell.value, float):
                    cell.number_format = "0.0%"
    sheet.freeze_panes = "B2" if rows else None
    return sheet


def build_workbook(conn: Connection, scope: Scope, area_id: str, period: cov.Period, now: datetime) -> Workbook:
    """The monthly report of one area (a community, street or district) for one period."""
    report = coverage.coverage_report(conn, scope, area_id, period)
    names = {a["id"]: a["name"] for a in report.areas.values()}
    book = Workbook()
    cover = book.active
    cover.title = SHEETS[0]
    for row in (("入户通 月报", ""), ("区域", report.area.name), ("统计期", f"{period.start} 至 {period.end}"),
                ("生成时间", now.astimezone(cov.CHINA_TZ).strftime("%Y-%m-%d %H:%M")),
                ("充分就业社区达标率", report.community_pass_rate.text),
                ("达标社区 / 社区数", f"{report.community_pass_rate.numerator} / {report.community_pass_rate.denominator}"),
                ("说明", "每项比率列出分子与分母；分母为 0 时记为“—”。登记失业人员：统计期内任一天处于失业登记、"
                        "且并非整期就业者；已走访：统计期内入户且见到人；网络录入：走访后 72 小时内上传。")):
        cover.append(list(row))
    cover["A1"].font = Font(bold=True, size=14)
    cover.column_dimensions["A"].width = 20
    cover.column_dimensions["B"].width = 60

    def area_row(item: coverage.AreaCoverage, *lead: str) -> list[Any]:
        return [*lead, item.name, *rate_cells(item.counts)]

    street_of = {a["id"]: names.get(a["street_id"], "") for a in report.areas.values()}
    community_rows = [area_row(c, street_of.get(c.id, "")) + ["达标" if c.check.passed else "未达标"]
                      for c in report.communities]
    community_rows.append(["合计", report.area.name, *rate_cells(report.area.counts), report.community_pass_rate.text])
    _sheet(book, SHEETS[1], ["街道", "社区", *rate_headers(), "充分就业社区"], community_rows)
    grid_rows = [area_row(g, names.get(report.areas[g.id].get("community_id") or "", "")) for g in report.grids]
    _sheet(book, SHEETS[2], ["社区", "网格", *rate_headers()], grid_rows)
    coordinator_rows = [[c.name, "、".join(names.get(g, g) for g in c.grid_ids), *rate_cells(c.counts)]
                        for c in report.coordinators]
    _sheet(book, SHEETS[3], ["协管员", "负责网格", *rate_headers()], coordinator_rows)
    _check_sheet(book, report)
    _list_sheets(book, conn, scope, area_id, period)
    return book


def _check_sheet(book: Workbook, report: coverage.CoverageReport) -> None:
    if report.communities:
        criteria = report.communities[0].check.criteria
    else:
        criteria = cov.full_employment_check(cov.CoverageCounts()).criteria
    headers = ["社区", "结论"] + [f"{c.label_zh}（{_target(c)}）" for c in criteria]
    rows = []
    for community in report.communities:
        cells = [community.name, "达标" if community.check.passed else "未达标"]
        cells += [f"{'√' if c.passed else '×'} {c.rate.text}（{c.rate.numerator}/{c.rate.denominator}）"
                  for c in community.check.criteria]
        rows.append(cells)
    sheet = _sheet(book, SHEETS[4], headers, rows)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(("×", "未达标")):
                cell.font = FAIL_FONT


def _target(criterion: cov.Criterion) -> str:
    if criterion.name == "zero_employment_overdue":
        return "逾期 0 户"
    return f"≥{criterion.target * 100:.0f}%"


def _list_sheets(book: Workbook, conn: Connection, scope: Scope, area_id: str, period: cov.Period) -> None:
    people = coverage_lists.not_visited(conn, scope, area_id, period)
    _sheet(book, SHEETS[5], ["社区", "网格", "协管员", "姓名", "手机号", "地址"],
           [[p["community"], p["grid"], "、".join(p["coordinators"]), p["name"], p["phone"] or "", p["address"]]
            for p in people])
    people = coverage_lists.incomplete(conn, scope, area_id, period)
    _sheet(book, SHEETS[6], ["社区", "网格", "协管员", "姓名", "手机号", "地址", "缺少的信息"],
           [[p["community"], p["grid"], "、".join(p["coordinators"]), p["name"], p["phone"] or "", p["address"],
             "、".join(p["missing_zh"])] for p in people])
    households = coverage_lists.overdue_zero_employment(conn, scope, area_id, period)
    _sheet(book, SHEETS[7], ["社区", "网格", "协管员", "地址", "认定日期", "期限", "状态"],
           [[h["community"], h["grid"], "、".join(h["coordinators"]), h["address"], h["identified_on"],
             h["deadline"], h["label_zh"]] for h in households])
    activity = coverage_lists.coordinator_activity(conn, scope, area_id, period)
    fields = coverage_lists.ACTIVITY_FIELDS
    _sheet(book, SHEETS[8], ["月份", "协管员", *(coverage_lists.ACTIVITY_LABELS_ZH[f] for f in fields)],
           [[a["month"], a["name"], *(a[f] for f in fields)] for a in activity])


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_name(area_name: str, period: cov.Period) -> str:
    return f"月报-{period.label}-{area_name}.xlsx"
