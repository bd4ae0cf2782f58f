"""Coordinator assessment (协管员考核): the year's activity figures beside the manager's scores, and the yearly sheet as XLSX.

A manager assesses the coordinators with grids in their area; the figures
are those of the coordinator's grids inside that area (``coverage``,
``coverage_lists.coordinator_activity``, spot checks drawn in the year).
"""
from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import Connection, insert, select, update

from server.errors import ApiError
from server.services import coverage, coverage_lists, monthly_report, report_sections
from server.services.audit import record_event
from server.services.scope import Scope
from shared import assessment as rules
from shared import coverage as cov
from shared import report_tallies as tally
from shared.models import CoordinatorAssessment, new_id

ASSESSMENT = CoordinatorAssessment.__table__
FIGURES_ZH = (("visits", "走访户次"), ("guidance", "就业指导"), ("vacancies", "采集岗位"), ("referrals", "推荐就业"),
              ("hires", "推荐成功"), ("timely_entry", "录入及时率"), ("spot_checked", "被抽查人数"),
              ("discrepancies", "抽查有出入"), ("rating", "居民评价（1–5）"))


def year_period(year: int) -> cov.Period:
    if not 1990 <= year <= 2099:
        raise ApiError(422, "period.invalid", "The year lies between 1990 and 2099.")
    return cov.Period.parse(str(year))


def assessments(conn: Connection, scope: Scope, area_id: str, year: int) -> list[dict[str, Any]]:
    """Each coordinator of the area: the year's figures, the manager's scores, the total and the verdict."""
    period = year_period(year)
    grids = coverage_lists.Grids(conn, scope, area_id)
    if not grids.coordinators:
        return []
    report = coverage.coverage_report(conn, scope, area_id, period)
    timely = {c.user_id: c.counts.timely_entry_rate for c in report.coordinators}
    activity: dict[str, dict[str, int]] = {}
    for row in coverage_lists.coordinator_activity(conn, scope, area_id, period):
        figures = activity.setdefault(row["user_id"], dict.fromkeys(coverage_lists.ACTIVITY_FIELDS, 0))
        for name in coverage_lists.ACTIVITY_FIELDS:
            figures[name] += row[name]
    checks = report_sections.spot_check_results(conn, grids, period)["coordinators"]
    stored = {r["user_id"]: r for r in conn.execute(select(ASSESSMENT).where(
        ASSESSMENT.c.year == year, ASSESSMENT.c.user_id.in_(list(grids.coordinators)))).mappings()}
    result = []
    for user_id, info in sorted(grids.coordinators.items(), key=lambda kv: (kv[1]["name"], kv[0])):
        spot = checks.get(info["name"], tally.SpotCheckSummary())
        row = stored.get(user_id)
        scores = dict(row["scores"]) if row else {}
        verdict = rules.Assessment(scores)
        rate = timely.get(user_id, cov.Rate(0, 0))
        result.append({
            "user_id": user_id, "name": info["name"], "year": year,
            "grids": sorted(grids.name(g) for g in info["grid_ids"] if g in grids.areas),
            "figures": {**activity.get(user_id, dict.fromkeys(coverage_lists.ACTIVITY_FIELDS, 0)),
                        "timely_entry": rate.as_dict(), "spot_checked": spot.drawn,
                        "discrepancies": spot.discrepancies, "rating": spot.average_rating,
                        "ratings": spot.ratings},
            "scores": scores, "total": verdict.total, "complete": verdict.complete, "verdict_zh": verdict.verdict_zh,
            "notes": row["notes"] if row else "",
            "assessed_at": row["assessed_at"].isoformat() if row else None,
        })
    return result


def one(conn: Connection, scope: Scope, area_id: str, user_id: str, year: int) -> dict[str, Any]:
    found = [a for a in assessments(conn, scope, area_id, year) if a["user_id"] == user_id]
    if not found:
        raise ApiError(404, "not_found", "No such coordinator in this area.")
    return found[0]


def save_scores(conn: Connection, scope: Scope, area_id: str, user_id: str, year: int, *, scores: dict[str, Any],
                notes: str, assessed_by: str, now: datetime) -> dict[str, Any]:
    """Store the manager's scores for one coordinator and year (replacing earlier ones), audited."""
    one(conn, scope, area_id, user_id, year)  # 403/404 unless the coordinator works in the caller's area
    try:
        checked = rules.check_scores(scores)
    except ValueError as error:
        raise ApiError(422, "assessment.scores", "每项分数须为 0 至该项满分的整数。", {"reason": str(error)}) from None
    values = {"scores": checked, "notes": notes, "assessed_by": assessed_by, "assessed_at": now}
    done = conn.execute(update(ASSESSMENT).where(ASSESSMENT.c.user_id == user_id, ASSESSMENT.c.year == year)
                        .values(**values)).rowcount
    if not done:
        conn.execute(insert(ASSESSMENT).values(id=new_id(), user_id=user_id, year=year, **values))
    record_event(conn, "assessment.scores", user_id=assessed_by, table_name="coordinator_assessment", row_id=user_id,
                 at=now, detail={"year": year, "total": sum(checked.values())})
    conn.commit()
    return one(conn, scope, area_id, user_id, year)


def sheet_xlsx(item: dict[str, Any], area_name: str) -> bytes:
    """The yearly assessment sheet (协管员年度考核表) of one coordinator, to print and sign."""
    book = Workbook()
    sheet = book.active
    sheet.title = "年度考核表"
    sheet.append([f"社区劳动保障协管员年度考核表（{item['year']}年）"])
    sheet.merge_cells("A1:D1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(["姓名", item["name"], "所在区域", area_name])
    sheet.append(["负责网格", "、".join(item["grids"])])
    sheet.append([])
    sheet.append(["考核项目", "满分", "得分", ""])
    for name, label, top in rules.ITEMS:
        sheet.append([label, top, item["scores"].get(name, ""), ""])
    sheet.append(["合计", 100, item["total"], item["verdict_zh"]])
    sheet.append([])
    sheet.append(["工作实绩（系统记录）", "数值"])
    figures = item["figures"]
    for name, label in FIGURES_ZH:
        value = figures[name]
        if name == "timely_entry":
            value = f"{value['text']}（{value['numerator']}/{value['denominator']}）"
        elif name == "rating":
            value = "—" if value is None else f"{value:.1f}（{figures['ratings']}人）"
        sheet.append([label, value])
    sheet.append([])
    sheet.append(["评语", item["notes"]])
    sheet.append(["考核人", "", "日期", ""])
    sheet.append([f"说明：{rules.PASS_MARK} 分以下为不合格，{rules.EXCELLENT_MARK} 分及以上为优秀；工作实绩供评分参考。"])
    for letter, width in zip("ABCD", (22, 30, 12, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    monthly_report.print_setup(sheet, heading_row=0)
    sheet.page_setup.orientation = "portrait"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
