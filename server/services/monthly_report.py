"""The monthly report (月报) as a street office files it: an openpyxl workbook in Chinese, ready to print.

Every rate is written as three columns — numerator, denominator, rate — and a
rate without denominator is "—", never 0% or 100%. The cover carries the
report's title, the filing block (填报单位 / 填报人 / 审核人 / 填报日期) and the
district's share of full-employment communities against its target; every
sheet prints on A4 landscape, fitted to the page width, with its heading row
repeated on each page. Residents' phone numbers are masked (138****1234)
unless the manager asks for the full call list (``full_phones``).
"""
from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Connection, select

from server.services import coverage, coverage_lists, report_sections
from server.services.coverage_sql import AREA
from server.services.scope import Scope
from shared import coverage as cov
from shared import report_tallies as tally
from shared.occupations import occupation_name
from shared.vocab import label_zh

RATE_COLUMNS: tuple[str, ...] = tuple(n for n in cov.RATE_NAMES if n != "zero_employment_on_time_rate")  # own columns
ZERO_COLUMNS = (("zero_identified", "零就业家庭"), ("zero_met", "按时就业"), ("zero_overdue", "逾期"),
                ("zero_open", "未到期"))
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
FAIL_FONT = Font(color="C00000")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SHEETS = ("封面", "社区指标", "网格指标", "协管员指标", "充分就业社区", "零就业家庭", "本期新增", "九项服务",
          "公益性岗位与援助基地", "求职与培训需求", "抽查结果", "未走访名单", "信息不全名单", "协管员工作量")
# columns that hold long text get room for it (an address is about 20 Chinese characters)
WIDE = {"地址": 34, "缺少的信息": 30, "负责网格": 24, "说明": 60, "岗位": 24, "用人单位": 24, "状态": 16}
REPORT_NAMES = {"month": "月报", "quarter": "季报", "half": "半年报", "year": "年报", "days": "统计报表"}


def report_title(area_name: str, period: cov.Period) -> str:
    """北站街道社区就业服务工作月报（2026年11月）."""
    return f"{area_name}社区就业服务工作{REPORT_NAMES[period.kind]}（{period.label_zh}）"


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


def print_setup(sheet: Worksheet, heading_row: int = 1) -> None:
    """A4 landscape, fitted to the page width (as many pages down as needed), the heading repeated on each page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    if heading_row:
        sheet.print_title_rows = f"{heading_row}:{heading_row}"
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def _sheet(book: Workbook, title: str, headers: list[str], rows: list[list[Any]]) -> Worksheet:
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BOX
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        sheet.append(row)
    rate_labels = {cov.RATE_LABELS_ZH[n] for n in RATE_COLUMNS}
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDE.get(header, max(8, min(28, len(header) * 2 + 2)))
        for cell in sheet[letter][1:]:
            cell.border = BOX
            if header in WIDE:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if header in rate_labels and isinstance(cell.value, float):
                cell.number_format = "0.0%"
    sheet.freeze_panes = "B2" if rows else None
    print_setup(sheet)
    return sheet


def build_workbook(conn: Connection, scope: Scope, area_id: str, period: cov.Period, now: datetime, *,
                   target: float = cov.DISTRICT_TARGET, prepared_by: str = "", full_phones: bool = False) -> Workbook:
    """The report of one area (a community, street or district) for one period (a month, quarter, half year, year)."""
    report = coverage.coverage_report(conn, scope, area_id, period, target)
    grids = coverage_lists.Grids(conn, scope, area_id)
    names = {a["id"]: a["name"] for a in report.areas.values()}
    book = Workbook()
    area = report.areas[area_id]
    above = [a for a in (area["district_id"], area["street_id"]) if a and a not in names]
    if above:  # the street and district of a community's report, to fill in the filing block
        names.update(conn.execute(select(AREA.c.id, AREA.c.name).where(AREA.c.id.in_(above))).all())
    _cover(book.active, report, names, now, prepared_by)

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
    _zero_employment_sheet(book, conn, scope, area_id, period)
    _section_sheets(book, conn, grids, period)
    _list_sheets(book, conn, scope, area_id, period, full_phones)
    return book


def _cover(cover: Worksheet, report: coverage.CoverageReport, names: dict[str, str], now: datetime,
           prepared_by: str) -> None:
    area = report.areas[report.area.id]
    street = names.get(area["street_id"] or "", "") if area["level"] in ("community", "grid") else ""
    district = names.get(area["district_id"] or "", "")
    unit = " ".join(part for part in (district, street, report.area.name) if part)
    cover.title = SHEETS[0]
    cover.append([report_title(report.area.name, report.period)])
    cover.merge_cells("A1:D1")
    cover["A1"].font = Font(bold=True, size=16)
    cover["A1"].alignment = Alignment(horizontal="center")
    cover.append([])
    block = [("填报单位", unit, "填报人", prepared_by),
             ("统计期", f"{report.period.start} 至 {report.period.end}", "审核人", ""),
             ("街道", street or (report.area.name if area["level"] == "street" else ""), "填报日期",
              now.astimezone(cov.CHINA_TZ).strftime("%Y-%m-%d")),
             ("充分就业社区", report.district_target.text_zh, "生成时间",
              now.astimezone(cov.CHINA_TZ).strftime("%Y-%m-%d %H:%M"))]
    for row in block:
        cover.append(list(row))
    for row in cover.iter_rows(min_row=3, max_row=2 + len(block)):
        for cell in row:
            cell.border = BOX
        row[0].font = row[2].font = HEADER_FONT
    cover.append([])
    cover.append(["说明", "每项比率列出分子与分母；分母为 0 时记为“—”。登记失业人员：统计期内任一天处于失业登记、且并非整期"
                         "就业者。已走访：统计期内入户且见到人。网络录入：期末前其信息已录入系统（协管员采集或台账导入，"
                         "不含仅有姓名的登记名单）。信息采集：按期末时系统中的信息判断。录入及时率：走访后 72 小时内上传的"
                         "手机走访所占比例，单独列出，不计入充分就业社区标准；纸质台账导入的走访不计。零就业家庭：认定后 20 天"
                         "内一人就业；要求“双就业”的，一个月内第二人就业。棚改回迁人员就业率目标 95%。"])
    cover.merge_cells(start_row=cover.max_row, start_column=2, end_row=cover.max_row, end_column=4)
    cover.cell(cover.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    cover.row_dimensions[cover.max_row].height = 120
    for letter, width in zip("ABCD", (14, 46, 12, 24), strict=True):
        cover.column_dimensions[letter].width = width
    print_setup(cover, heading_row=0)


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
    rows.append(["合计", report.district_target.text_zh])
    sheet = _sheet(book, SHEETS[4], headers, rows)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(("×", "未达标")):
                cell.font = FAIL_FONT


def _target(criterion: cov.Criterion) -> str:
    if criterion.name == "zero_employment_overdue":
        return "逾期 0 户"
    return f"≥{criterion.target * 100:.0f}%"


def _zero_employment_sheet(book: Workbook, conn: Connection, scope: Scope, area_id: str, period: cov.Period) -> None:
    """Every zero-employment household on the clock: overdue and open ones first, with days left or overdue."""
    households = coverage_lists.zero_employment_households(conn, scope, area_id, period)
    order = {"overdue": 0, "open": 1, "met": 2}
    households.sort(key=lambda h: (order[h["state"]], h["deadline"], h["community"], h["address"]))
    _sheet(book, SHEETS[5], ["社区", "网格", "协管员", "地址", "认定日期", "要求", "一人就业期限", "双就业期限", "期限",
                             "剩余天数", "状态"],
           [[h["community"], h["grid"], "、".join(h["coordinators"]), h["address"], h["identified_on"],
             "双就业" if h["wants_two"] else "一人就业", h["first_deadline"], h["second_deadline"] or "",
             h["deadline"], h["days_left"] if h["days_left"] is not None else "", h["label_zh"]]
            for h in households])


def _section_sheets(book: Workbook, conn: Connection, grids: coverage_lists.Grids, period: cov.Period) -> None:
    cases = report_sections.new_cases(conn, grids, period)
    totals: dict[str, int] = {}
    for case in cases:
        totals[case["label_zh"]] = totals.get(case["label_zh"], 0) + 1
    summary = [[label, "", "", "", "", totals.get(label, 0)] for label in report_sections.CASE_LABELS_ZH.values()]
    _sheet(book, SHEETS[6], ["类别", "社区", "网格", "姓名", "地址", "日期 / 合计"],
           summary + [[c["label_zh"], c["community"], c["grid"], c["name"], c["address"], c["on"]] for c in cases])

    services = report_sections.service_items(conn, grids, period)
    total = dict.fromkeys(tally.SERVICE_ITEMS, 0)
    for counts in services.values():
        for item, count in counts.items():
            total[item] += count
    _sheet(book, SHEETS[7], ["社区", *(label_zh(i) for i in tally.SERVICE_ITEMS)],
           [[name, *(counts[i] for i in tally.SERVICE_ITEMS)] for name, counts in services.items()]
           + [["合计", *(total[i] for i in tally.SERVICE_ITEMS)]])

    posts = report_sections.posts_and_bases(conn, grids, period)
    _sheet(book, SHEETS[8], ["类别", "用人单位", "岗位", "招用人数", "已招", "本期推荐成功", "在招"],
           [[p["kind"], p["employer"], p["title"], p["openings"], p["filled"], p["hired_in_period"],
             "是" if p["open"] else "否"] for p in posts])

    wishes = report_sections.job_wishes(conn, grids, period)
    rows: list[list[Any]] = [["有劳动能力和就业愿望的登记失业人员", "", wishes.people]]
    rows += [["意向职业", occupation_name(code) or code, n] for code, n in wishes.occupations[:20]]
    rows += [["期望月薪", band, n] for band, n in wishes.wages]
    rows += [["工作时间", label_zh(hours), n] for hours, n in wishes.hours]
    rows += [["培训意愿", wish, n] for wish, n in wishes.training[:20]]
    _sheet(book, SHEETS[9], ["项目", "内容", "人数"], rows)

    checks = report_sections.spot_check_results(conn, grids, period)
    check_rows = []
    for group, label in (("communities", "社区"), ("coordinators", "协管员")):
        for name, s in checks[group].items():
            check_rows.append([label, name, s.drawn, s.checked, s.reached, s.confirmed, s.discrepancies,
                               f"{s.confirmed_rate.text}（{s.confirmed_rate.numerator}/{s.confirmed_rate.denominator}）",
                               s.rating_text])
    _sheet(book, SHEETS[10], ["按", "名称", "抽取人数", "已核查", "联系上", "属实", "有出入", "属实率", "居民评价（1–5）"],
           check_rows)


def _list_sheets(book: Workbook, conn: Connection, scope: Scope, area_id: str, period: cov.Period,
                 full_phones: bool) -> None:
    def phone(value: str | None) -> str:
        return (value or "") if full_phones else tally.mask_phone(value)

    people = coverage_lists.not_visited(conn, scope, area_id, period)
    _sheet(book, SHEETS[11], ["社区", "网格", "协管员", "姓名", "手机号", "地址"],
           [[p["community"], p["grid"], "、".join(p["coordinators"]), p["name"], phone(p["phone"]), p["address"]]
            for p in people])
    people = coverage_lists.incomplete(conn, scope, area_id, period)
    _sheet(book, SHEETS[12], ["社区", "网格", "协管员", "姓名", "手机号", "地址", "缺少的信息"],
           [[p["community"], p["grid"], "、".join(p["coordinators"]), p["name"], phone(p["phone"]), p["address"],
             "、".join(p["missing_zh"])] for p in people])
    activity = coverage_lists.coordinator_activity(conn, scope, area_id, period)
    fields = coverage_lists.ACTIVITY_FIELDS
    _sheet(book, SHEETS[13], ["月份", "协管员", *(coverage_lists.ACTIVITY_LABELS_ZH[f] for f in fields)],
           [[a["month"], a["name"], *(a[f] for f in fields)] for a in activity])


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_name(area_name: str, period: cov.Period) -> str:
    return f"{REPORT_NAMES[period.kind]}-{period.label}-{area_name}.xlsx"
