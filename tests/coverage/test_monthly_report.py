"""The monthly report: `doorstep report monthly` writes a workbook whose figures are the hand counts; JSON too."""
from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine

from doorstep.cli import main
from shared.models import SQLModel, server_tables
from tests.coverage import handcount


@pytest.fixture
def database(tmp_path):
    """The hand-counted ledger in a SQLite file, as `doorstep report` reads it."""
    url = f"sqlite:///{tmp_path / 'doorstep.sqlite3'}"
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine, tables=server_tables())
    ledger, tree = handcount.build()
    ledger.write(engine)
    engine.dispose()
    return url, tree


def rows_of(sheet) -> list[dict]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_the_monthly_report_of_a_district_has_the_hand_counted_figures(database, tmp_path):
    url, tree = database
    out = tmp_path / "out" / "report.xlsx"
    assert main(["report", "monthly", "--month", "2026-11", "--area", "和平区", "--out", str(out), "--url", url]) == 0
    book = load_workbook(out)
    assert book.sheetnames == ["封面", "社区指标", "网格指标", "协管员指标", "充分就业社区", "零就业家庭", "本期新增",
                               "九项服务", "公益性岗位与援助基地", "求职与培训需求", "抽查结果", "未走访名单",
                               "信息不全名单", "协管员工作量"]
    cover = book["封面"]
    assert cover["A1"].value == "和平区社区就业服务工作月报（2026年11月）"
    block = {row[0]: row[1] for row in cover.iter_rows(min_row=3, max_row=6, values_only=True)}
    assert block["填报单位"] == "和平区" and block["统计期"] == "2026-11-01 至 2026-11-30"
    assert block["充分就业社区"] == "充分就业社区 1/2（50.0%），目标 60%：未达到"
    assert {row[2] for row in cover.iter_rows(min_row=3, max_row=6, values_only=True)} == {
        "填报人", "审核人", "填报日期", "生成时间"}
    communities = {r["社区"]: r for r in rows_of(book["社区指标"])}
    a = communities["幸福社区"]
    assert a["街道"] == "北站街道"
    assert (a["走访率 分子"], a["走访率 分母"], a["走访率"]) == (4, 5, 0.8)
    assert (a["网络录入率 分子"], a["网络录入率 分母"]) == (4, 5)
    assert (a["录入及时率 分子"], a["录入及时率 分母"]) == (2, 3)
    assert (a["棚改回迁人员就业率 分子"], a["棚改回迁人员就业率 分母"], a["棚改回迁人员就业率"]) == (0, 1, 0.0)
    assert (a["就业指导率 分子"], a["就业指导率 分母"], a["就业指导率"]) == (2, 5, 0.4)
    assert (a["再就业率 分子"], a["再就业率 分母"], a["再就业率"]) == (1, 4, 0.25)
    assert (a["零就业家庭"], a["按时就业"], a["逾期"], a["未到期"]) == (2, 1, 1, 0)
    assert a["充分就业社区"] == "未达标"
    b = communities["光明社区"]
    assert b["充分就业社区"] == "达标"
    assert (b["困难家庭至少一人就业比例 分子"], b["困难家庭至少一人就业比例 分母"], b["困难家庭至少一人就业比例"]) == (0, 0, "—")
    total = communities["和平区"]
    assert (total["走访率 分子"], total["走访率 分母"], total["充分就业社区"]) == (5, 6, "50.0%")
    grids = {r["网格"]: r for r in rows_of(book["网格指标"])}
    assert grids["幸福二网格"]["录入及时率"] == "—"
    assert book["社区指标"]["E2"].number_format == "0.0%"
    not_visited = rows_of(book["未走访名单"])
    assert [(r["网格"], r["姓名"], r["手机号"]) for r in not_visited] == [("幸福一网格", "王芳", "138****8000")]
    incomplete = rows_of(book["信息不全名单"])
    assert sorted(r["缺少的信息"] for r in incomplete) == ["手机号", "未录入系统"]
    zero = rows_of(book["零就业家庭"])  # overdue first, then open, then met
    assert [(r["期限"], r["状态"]) for r in zero] == [("2026-10-21", "已超期 40 天"), ("2026-11-25", "已按期就业")]
    check = {r["社区"]: r for r in rows_of(book["充分就业社区"])}
    assert check["幸福社区"]["走访率（≥100%）"] == "× 80.0%（4/5）"
    assert check["幸福社区"]["棚改回迁人员就业率（≥95%）"] == "× 0.0%（0/1）"
    assert check["光明社区"]["结论"] == "达标"
    # new in November (hand-counted): P3 registered on 30 Nov; P1 (10 Nov, flexible) and P10 (15 Nov) re-employed
    # (P5 employed 20 Nov too); H4 identified 5 Nov
    cases = rows_of(book["本期新增"])
    assert {r["类别"]: r["日期 / 合计"] for r in cases[:3]} == {"新增登记失业": 1, "新增再就业": 3, "新认定零就业家庭": 1}
    services = {r["社区"]: r for r in rows_of(book["九项服务"])}
    assert services["幸福社区"]["职业指导与培训信息"] == 1 and services["合计"]["职业指导与培训信息"] == 1
    wishes = rows_of(book["求职与培训需求"])
    assert wishes[0]["人数"] == 5  # P1, P2, P3, P9, P10 able and willing
    assert ("期望月薪", "3000–3999元", 5) in [(r["项目"], r["内容"], r["人数"]) for r in wishes]
    sheet = book["未走访名单"]
    assert sheet.page_setup.orientation == "landscape" and str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.print_title_rows == "$1:$1" and sheet.page_setup.fitToWidth == 1
    assert sheet.column_dimensions["F"].width >= 30  # the address column


def test_coverage_as_json_prints_the_same_rates(database, capsys):
    url, tree = database
    assert main(["report", "coverage", "--month", "2026-11", "--area", "北站街道", "--format", "json",
                 "--url", url]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["area"]["rates"]["visit_rate"] == {"numerator": 4, "denominator": 5, "value": 0.8, "text": "80.0%"}
    assert [c["name"] for c in body["communities"]] == ["幸福社区"]
    assert main(["report", "coverage", "--month", "2026-11", "--area", tree["community_b"]["id"], "--url", url]) == 0
    assert "走访率 100.0% (1/1)" in capsys.readouterr().out


def test_an_unknown_area_or_month_is_refused(database, capsys):
    url, _ = database
    assert main(["report", "coverage", "--month", "2026-11", "--area", "不存在社区", "--url", url]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["report", "coverage", "--month", "2026-13", "--area", "和平区", "--url", url]) == 2
    assert main(["report", "coverage", "--period", "2026-Q5", "--area", "和平区", "--url", url]) == 2


def test_a_quarter_half_year_and_year_report(database, tmp_path, capsys):
    url, _ = database
    out = tmp_path / "q4.xlsx"
    assert main(["report", "monthly", "--period", "2026-Q4", "--area", "和平区", "--out", str(out), "--url", url]) == 0
    book = load_workbook(out)
    assert book["封面"]["A1"].value == "和平区社区就业服务工作季报（2026年第四季度）"
    activity = rows_of(book["协管员工作量"])
    assert {r["月份"] for r in activity} <= {"2026-10", "2026-11", "2026-12"}
    capsys.readouterr()
    for period, label in (("2026-H2", "2026-H2"), ("2026", "2026")):
        assert main(["report", "coverage", "--period", period, "--area", "北站街道", "--format", "json",
                     "--url", url]) == 0
        body = json.loads(capsys.readouterr().out)
        assert body["period"]["label"] == label and body["full_employment_target"]["target"] == 0.6


def test_a_manager_downloads_the_report_of_their_area_only(town):
    client = town.client("manager_a")
    response = client.get("/api/v1/reports/monthly", params={"month": "2026-11"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert [r["社区"] for r in rows_of(book["社区指标"])] == ["幸福社区", "北站街道"]
    other = client.get("/api/v1/reports/monthly", params={"month": "2026-11", "area_id": town.id("street_b")})
    assert other.status_code == 403
    coordinator = town.client("coord_a1").get("/api/v1/reports/monthly", params={"month": "2026-11"})
    assert coordinator.status_code == 403 and coordinator.json()["code"] == "auth.forbidden"


def test_a_community_report_names_its_street_and_the_full_call_list_is_asked_for(town):
    client = town.client("manager_a")
    params = {"period": "2026-11", "area_id": town.id("community_a")}
    book = load_workbook(io.BytesIO(client.get("/api/v1/reports/monthly", params=params).content))
    block = {row[0]: row[1] for row in book["封面"].iter_rows(min_row=3, max_row=6, values_only=True)}
    filed = {row[2]: row[3] for row in book["封面"].iter_rows(min_row=3, max_row=6, values_only=True)}
    assert block["街道"] == "北站街道" and block["填报单位"] == "和平区 北站街道 幸福社区"
    assert filed["填报人"] == "北站街道劳动保障所" and filed["审核人"] is None
    assert [r["手机号"] for r in rows_of(book["未走访名单"])] == ["138****8000"]
    full = client.get("/api/v1/reports/monthly", params={**params, "full_phones": "true"})
    assert [r["手机号"] for r in rows_of(load_workbook(io.BytesIO(full.content))["未走访名单"])] == ["13800138000"]
    quarter = client.get("/api/v1/reports/monthly", params={"period": "2026-Q4"})
    assert quarter.status_code == 200 and "2026-Q4" in quarter.headers["content-disposition"]
    assert client.get("/api/v1/reports/monthly", params={"period": "2026-Q4", "month": "2026-11"}).status_code == 422
