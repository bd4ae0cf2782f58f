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
    assert book.sheetnames == ["说明", "社区指标", "网格指标", "协管员指标", "充分就业社区", "未走访名单", "信息不全名单",
                               "零就业逾期名单", "协管员工作量"]
    communities = {r["社区"]: r for r in rows_of(book["社区指标"])}
    a = communities["幸福社区"]
    assert a["街道"] == "北站街道"
    assert (a["走访率 分子"], a["走访率 分母"], a["走访率"]) == (4, 5, 0.8)
    assert (a["网络录入率 分子"], a["网络录入率 分母"]) == (4, 5)
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
    assert [(r["网格"], r["姓名"]) for r in not_visited] == [("幸福一网格", "王芳")]
    incomplete = rows_of(book["信息不全名单"])
    assert sorted(r["缺少的信息"] for r in incomplete) == ["手机号", "未录入系统"]
    overdue = rows_of(book["零就业逾期名单"])
    assert [(r["期限"], r["状态"]) for r in overdue] == [("2026-10-21", "已超期 40 天")]
    check = {r["社区"]: r for r in rows_of(book["充分就业社区"])}
    assert check["幸福社区"]["走访率（≥100%）"] == "× 80.0%（4/5）"
    assert check["光明社区"]["结论"] == "达标"


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
