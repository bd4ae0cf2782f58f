"""The manager's screens through Python: rates as a table and a chart, the drill-down, the lists, the report, the area rule."""
from __future__ import annotations

import asyncio
import io

import flet as ft
import pytest
from openpyxl import load_workbook

from mobile.app import AppConfig
from mobile.services.manager import MONTH_KEY
from mobile.store import MemoryKeyStore
from mobile.sync import InProcessTransport
from tests.coverage.conftest import Town
from tests.mobile.conftest import TEST_SCRYPT_N, App, Clock, Switchable
from tests.mobile.flows import ctx, ready
from tests.mobile.ui import FakePage, button, tap, texts, walk


class SavingPicker(ft.FilePicker):
    """The platform's save dialog: keeps what the app offers to save (a browser download, a desktop dialog)."""

    saved: list[tuple[str, bytes]] = []

    async def save_file(self, file_name=None, src_bytes=None, **_kw):
        self.saved.append((file_name, src_bytes))
        return file_name


@pytest.fixture
def town_app(sqlite_engine, clients, tmp_path):
    town = Town(sqlite_engine, clients)
    inner = InProcessTransport(town.app)
    transport = Switchable(inner)

    def start(username: str) -> App:
        config = AppConfig(data_dir=tmp_path / username, keystore=MemoryKeyStore(), transport=transport,
                           clock=Clock(), idle_check_s=0, scrypt_n=TEST_SCRYPT_N)
        app = ready(App(FakePage(), config), username)
        ctx(app).state.extras[MONTH_KEY] = "2026-11"
        return app

    start.network = transport
    yield town, start
    inner.close()


def settle(app):
    """Let the page run what the screen started (its request to the server); the view as it is then."""
    while app.page.tasks:
        handler, args = app.page.tasks.pop(0)
        asyncio.run(handler(*args))
    return app.page.view


def open_screen(app, route: str):
    app.open(route)
    return settle(app)


def bars(view) -> list[tuple[str, str]]:
    """The chart's bars: (name, rate) as written beside each."""
    rows = [c for c in walk(view) if isinstance(c, ft.Row) and str(c.key or "").startswith("bar-")]
    return [(r.controls[0].value, r.controls[2].value) for r in rows]


def card(view, title: str):
    """The tappable card whose first line is ``title``."""
    found = [c for c in walk(view) if isinstance(c, ft.Card) and texts(c).split("\n")[0] == title]
    assert len(found) == 1, f"{len(found)} cards {title!r}: {texts(view)}"
    return found[0]


def tap_card(view, title: str) -> None:
    tap(card(view, title).content)


def test_a_street_manager_drills_from_street_to_a_coordinators_list(town_app):
    town, start = town_app
    app = start("manager_a")
    view = open_screen(app, "/manager")
    shown = texts(view)
    assert "街道 · 北站街道" in shown and "统计月份 2026-11" in shown
    table = next(c for c in walk(view) if isinstance(c, ft.DataTable))
    rows = {r.cells[0].content.value: (r.cells[1].content.value, r.cells[2].content.value) for r in table.rows}
    assert rows["走访率"] == ("4/5", "80.0%") and rows["网络录入率"] == ("4/5", "80.0%")
    assert rows["录入及时率"] == ("2/3", "66.7%")
    assert bars(view)[0] == ("幸福社区", "80.0%（4/5）")  # one community: 幸福社区, then the coordinators
    assert "南湖街道" not in shown and "光明社区" not in shown  # street B is not theirs

    tap_card(view, "幸福社区")
    view = settle(app)
    shown = texts(view)
    assert "社区 · 幸福社区" in shown and "充分就业社区：未达标" in shown and "× 走访率 80.0%（4/5）" in shown
    assert bars(view)[-2:] == [("李协管", "75.0%（3/4）"), ("赵协管", "100.0%（1/1）")]

    tap_card(view, "幸福一网格")
    view = settle(app)
    assert "网格 · 幸福一网格" in texts(view) and "走访率 75.0%（3/4）" in texts(view)
    tap_card(view, "李协管")
    view = settle(app)
    shown = texts(view)
    # P2's phone number was filled only in December; P3 is a bare name from the register
    assert "未走访 1 人" in shown and "信息不全 2 人" in shown and "缺：手机号" in shown and "缺：未录入系统" in shown
    assert "王芳" in shown and "幸福一网格" in shown


def test_the_month_moves_and_the_lists_follow_it(town_app):
    town, start = town_app
    app = start("manager_a")
    view = open_screen(app, f"/manager/list/overdue/{town.id('street_a')}")
    assert "共 1 户" in texts(view) and "期限 2026-10-21 · 已超期 40 天" in texts(view)
    tap(button(view, "上个月"))
    view = settle(app)
    # October: H7 (deadline 21 Oct) overdue by 10 days; H4 was identified only in November
    assert "统计月份 2026-10" in texts(view) and "已超期 10 天" in texts(view)
    view = open_screen(app, f"/manager/list/zero-employment/{town.id('street_a')}")
    assert "共 1 户" in texts(view) and "已超期 10 天" in texts(view)  # October: H4 not yet identified
    tap(button(view, "下个月"))
    shown = texts(settle(app))
    assert "共 2 户" in shown and "已按期就业" in shown and "已超期 40 天" in shown
    view = open_screen(app, f"/manager/list/activity/{town.id('street_a')}")
    table = next(c for c in walk(view) if isinstance(c, ft.DataTable))
    assert {(r.cells[1].content.value, r.cells[2].content.value) for r in table.rows} == {("李协管", "3"), ("赵协管", "1")}
    assert [c.label.value for c in table.columns][-2:] == ["单位确认", "确认录用"]  # confirmed on the slip's page


def test_the_manager_downloads_the_monthly_report(town_app):
    town, start = town_app
    app = start("manager_a")
    app.page.services.append(SavingPicker())
    SavingPicker.saved.clear()
    view = open_screen(app, "/manager")
    tap(button(view, "下载月报（Excel）"))
    [(name, content)] = SavingPicker.saved
    assert name == "月报-2026-11-北站街道.xlsx"
    book = load_workbook(io.BytesIO(content))
    assert [row[1] for row in book["社区指标"].iter_rows(min_row=2, values_only=True)] == ["幸福社区", "北站街道"]
    assert "月报已生成" in texts(app.page.dialogs[-1])


def test_a_manager_cannot_open_another_street_and_a_coordinator_has_no_report_button(town_app):
    town, start = town_app
    app = start("manager_a")
    view = open_screen(app, f"/manager/area/{town.id('street_b')}")
    assert "该区域不在您的管理范围内" in texts(view) and "南湖街道" not in texts(view)
    coordinator = start("coord_a1")
    view = open_screen(coordinator, "/manager")
    shown = texts(view)
    assert "网格 · 幸福一网格" in shown and "走访率" in shown
    assert not [c for c in walk(view) if isinstance(c, ft.Button) and c.content == "下载月报（Excel）"]


def test_without_the_server_the_screen_says_so_and_retries(town_app):
    town, start = town_app
    app = start("manager_a")
    start.network.online = False
    view = open_screen(app, "/manager")
    assert "无法连接服务器" in texts(view)
    start.network.online = True
    tap(button(view, "重试"))
    assert "街道 · 北站街道" in texts(settle(app))


def test_the_manager_chooses_a_quarter_a_half_year_or_a_year(town_app):
    town, start = town_app
    app = start("manager_a")
    view = open_screen(app, "/manager")
    tap(button(view, "季"))
    view = settle(app)
    shown = texts(view)
    assert "统计期 2026年第四季度" in shown and "上一季" in shown
    table = next(c for c in walk(view) if isinstance(c, ft.DataTable))
    rows = {r.cells[0].content.value: r.cells[1].content.value for r in table.rows}
    # Oct–Dec: P1-P5, P7 (from 1 Dec), P8 (until 31 Oct), P9; not visited: P4, P7, P8 (P3 met on 1 Dec)
    assert rows["走访率"] == "5/8"
    assert "目标 60%：未达到" in shown  # 0 of 1 communities of the street
    tap(button(view, "上一季"))
    assert "统计期 2026年第三季度" in texts(settle(app))
    tap(button(view := app.page.view, "年"))
    view = settle(app)
    assert "统计期 2026年" in texts(view) and "上一年" in texts(view)
    tap(button(view, "月"))
    assert "统计月份 2026-12" in texts(settle(app))  # the year's last month that has begun (today: December)
