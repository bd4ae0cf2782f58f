"""The manager's screens at a desk: whole names and values in the chart, colours by state, entries that open."""
from __future__ import annotations

import flet as ft

from mobile.views.manager_panel import DESK_WIDTH, FAIL_COLOR, PASS_COLOR, rate_chart, short_name
from tests.coverage.test_manager_screens import open_screen, town_app  # noqa: F401  (the fixture)
from tests.mobile.ui import tap, texts, walk


def rate(value, numerator, denominator):
    text = "—" if value is None else f"{value * 100:.1f}%"
    return {"visit_rate": {"value": value, "numerator": numerator, "denominator": denominator, "text": text}}


def test_the_chart_names_every_bar_in_full_with_its_value_and_colour():
    chart = rate_chart([{"id": "g1", "name": "福民社区第一网格", "rates": rate(1.0, 5, 5)},
                        {"id": "g2", "name": "福民社区第二网格", "rates": rate(0.5, 2, 4)},
                        {"id": "g3", "name": "福民社区第三网格", "rates": rate(None, 0, 0)}], parent="福民社区")
    rows = [c for c in walk(chart) if isinstance(c, ft.Row) and str(c.key or "").startswith("bar-")]
    assert [(r.controls[0].value, r.controls[2].value) for r in rows] == [
        ("第一网格", "100.0%（5/5）"), ("第二网格", "50.0%（2/4）"), ("第三网格", "—（0/0）")]
    assert [r.controls[1].color for r in rows][:2] == [PASS_COLOR, FAIL_COLOR]
    assert "达到 100%" in texts(chart) and "未达到" in texts(chart)
    assert short_name("幸福社区", "北站街道") == "幸福社区"


def test_desk_width_lists_open_households_and_a_met_clock_is_not_red(town_app):  # noqa: F811
    town, start = town_app
    app = start("manager_a")
    view = open_screen(app, "/manager")
    assert view.controls[0].width == DESK_WIDTH  # not a 480 px phone column at a desk
    assert any(isinstance(c, ft.ResponsiveRow) for c in walk(view))  # table and chart side by side when wide
    view = open_screen(app, f"/manager/list/zero-employment/{town.id('street_a')}")
    tiles = [c for c in walk(view) if isinstance(c, ft.ListTile)]
    colours = {line.value.rsplit(" · ", 1)[-1]: line.color for t in tiles for line in walk(t.subtitle)
               if isinstance(line, ft.Text) and "期限" in (line.value or "")}
    assert colours["已按期就业"] == ft.Colors.TEAL and colours["已超期 40 天"] == ft.Colors.ERROR
    tap(tiles[0])
    assert app.page.route.startswith("/household/")
