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

from tests.browser.driver import ARTIFACTS, MANAGER, PASSWORD, Phone, server_rows, sign_in

pytestmark = pytest.mark.browser


def open_card(phone: Phone, title: str, then: str) -> None:
    """Tap the card whose label starts with ``title`` (a chart's axis label shows the name too)."""
    phone.click(phone.page.get_by_role("button", name=re.compile(f"^{re.escape(title)}\\s")), f"the card {title!r}",
                expect=then)


def api_coverage(server, area_id: str, month: str) -> dict:
    with httpx.Client(base_url=server.address, timeout=60) as client:
        token = client.post("/api/v1/auth/login", json={"username": MANAGER, "password": PASSWORD}).json()["token"]
        answer = client.get("/api/v1/coverage", params={"area_id": area_id, "month": month},
                            headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_manager_drills_down_and_downloads_the_monthly_report(browser_stack):
    stack = browser_stack
    server = stack.server
    [(street_id, street)] = server_rows(server.db, "select id, name from area where level = 'street' order by name "
                                                   "limit 1")
    [(community_id, community)] = server_rows(
        server.db, "select id, name from area where level = 'community' and parent_id = ? order by name limit 1",
        street_id)

    stack.step("the manager signs in and lands on the district's coverage (统计)")
    phone = stack.phone("manager")
    sign_in(phone, MANAGER, home="区 · ")
    phone.wait_for(lambda: phone.page.get_by_role("tab", name="统计", exact=True).first.get_attribute(
        "aria-selected") == "true", "the 统计 tab is the selected one")
    phone.see("走访率")
    phone.see("充分就业社区达标")
    month = phone.text_of(r"统计月份 (\d{4}-\d{2})")[1]
    phone.shot("manager-01-district")
    phone.page.mouse.move(195, 500)
    phone.page.mouse.wheel(0, 500)  # down to the chart of the streets
    phone.shot("manager-01-chart")

    stack.step("drill down: the street, then the community")
    open_card(phone, street, then=f"街道 · {street}")
    phone.shot("manager-02-street")
    open_card(phone, community, then=f"社区 · {community}")
    phone.see("充分就业社区：")
    phone.shot("manager-03-community")

    stack.step("the community's visit rate is the API's")
    expected = api_coverage(server, community_id, month)["area"]["rates"]["visit_rate"]
    phone.see(f"{expected['numerator']}/{expected['denominator']}")

    stack.step("download the 月报 and read it")
    with phone.page.expect_download(timeout=120_000) as event:
        phone.tap("下载月报（Excel）", expect="月报已生成", retry_s=30)  # a second download does no harm
    path = ARTIFACTS / "manager-report.xlsx"
    event.value.save_as(path)
    book = load_workbook(path)
    rows = list(book["社区指标"].iter_rows(values_only=True))
    header, row = rows[0], rows[1]
    assert row[1] == community
    got = dict(zip(header, row, strict=True))
    assert (got["走访率 分子"], got["走访率 分母"]) == (expected["numerator"], expected["denominator"])
    assert all("127.0.0.1" not in url for url in stack.outside)  # anything else was refused: no internet needed
