"""In a real browser: a district manager signs in, sees the rates and the chart, drills down, downloads the 月报.

`doorstep serve` on the seeded demo, `doorstep app --web` signed in as the demo
manager (孙丽, the whole district). The 统计 tab shows the district's rates
with numerators and denominators and a bar chart of its streets; a street,
then a community (with its full-employment check) are opened; the monthly
report downloaded from the community's screen opens with openpyxl and holds
the same figures as the server's coverage API. Screenshots go to
artifacts/browser/manager-*.png.
"""
from __future__ import annotations

import re

import httpx
import pytest
from openpyxl import load_workbook

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_offline_visit_and_conflict import PASSWORD, PIN, Phone, server_rows

pytestmark = pytest.mark.browser

MANAGER = "sunli"


def sign_in_as_manager(phone: Phone) -> None:
    phone.see("入户通 · 登录")
    phone.type("用户名", MANAGER)
    phone.type("密码", PASSWORD)
    phone.tap("登录")
    phone.page.locator('input[aria-label="设置 PIN（6 位数字）"]').wait_for(timeout=60_000)
    phone.type("设置 PIN（6 位数字）", PIN)
    phone.type("再次输入 PIN", PIN)
    phone.tap("确定")
    phone.see("区 · ")  # a manager's home is the coverage of their area


def open_card(phone: Phone, title: str) -> None:
    """Tap the card whose label starts with ``title`` (a chart's axis label shows the name too)."""
    phone.reveal(phone.page.get_by_role("button", name=re.compile(f"^{re.escape(title)}\\s"))).click()


def api_coverage(server, area_id: str, month: str) -> dict:
    with httpx.Client(base_url=server.address) as client:
        token = client.post("/api/v1/auth/login", json={"username": MANAGER, "password": PASSWORD}).json()["token"]
        answer = client.get("/api/v1/coverage", params={"area_id": area_id, "month": month},
                            headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_manager_drills_down_and_downloads_the_monthly_report(browser_stack):
    server, new_phone, outside = browser_stack
    [(street_id, street)] = server_rows(server.db, "select id, name from area where level = 'street' order by name "
                                                   "limit 1")
    [(community_id, community)] = server_rows(
        server.db, "select id, name from area where level = 'community' and parent_id = ? order by name limit 1",
        street_id)
    phone = Phone(new_phone("manager"), "manager")
    sign_in_as_manager(phone)
    phone.tap("统计", role="tab")
    phone.see("区 · ")
    phone.see("走访率")
    phone.see("充分就业社区达标")
    phone.shot("manager-01-district")
    phone.page.mouse.move(195, 500)
    phone.page.mouse.wheel(0, 500)  # down to the chart of the streets
    phone.shot("manager-01-chart")
    month = phone.page.get_by_text("统计月份", exact=False).first.inner_text().split()[-1]

    open_card(phone, street)
    phone.see(f"街道 · {street}")
    phone.shot("manager-02-street")
    open_card(phone, community)
    phone.see(f"社区 · {community}")
    phone.see("充分就业社区：")
    phone.shot("manager-03-community")

    expected = api_coverage(server, community_id, month)["area"]["rates"]["visit_rate"]
    phone.see(f"{expected['numerator']}/{expected['denominator']}")
    with phone.page.expect_download(timeout=60_000) as event:
        phone.tap("下载月报（Excel）")
    path = ARTIFACTS / "manager-report.xlsx"
    event.value.save_as(path)
    book = load_workbook(path)
    rows = list(book["社区指标"].iter_rows(values_only=True))
    header, row = rows[0], rows[1]
    assert row[1] == community
    got = dict(zip(header, row, strict=True))
    assert (got["走访率 分子"], got["走访率 分母"]) == (expected["numerator"], expected["denominator"])
    assert all("127.0.0.1" not in url for url in outside)  # anything else was refused: no internet needed
