"""The visit form: outcome, who was met, service items, guidance, follow-up; saved offline into the outbox."""
from __future__ import annotations

from datetime import timedelta

from shared.coverage import CHINA_TZ
from tests.mobile.flows import ctx, ready
from tests.mobile.ui import button, field, pick, tap, texts, tick, type_into


def open_visit(app, cloud):
    home = cloud.world.households["grid_a1"].id
    tap(button(app.open(f"/household/{home}"), "记录走访"))
    assert app.page.route == f"/household/{home}/visit"
    return app.page.view, home


def test_a_visit_recorded_offline_waits_in_the_outbox_and_updates_card_and_worklist(make_app, cloud, clock):
    app = ready(make_app())
    assert "从未走访" in texts(app.page.view)
    store = ctx(app).session.store
    before = store.pending_count()
    cloud.transport.online = False  # in a stairwell: no network
    requests = cloud.transport.requests
    view, home = open_visit(app, cloud)

    tap(button(view, "保存"))
    assert "请选择走访结果" in texts(view) and app.page.route.endswith("/visit")
    pick(view, "已见面")
    tick(view, "王芳")
    tick(view, "失业登记")
    tick(view, "政策咨询")
    type_into(field(view, "指导内容"), "建议参加家政培训")
    assert next(c for c in _checkboxes(view) if c.label == "已提供就业指导").value is True
    type_into(field(view, "下次回访日期"), "2001-01-01")
    tap(button(view, "保存"))
    assert field(view, "下次回访日期").error == "不能早于今天"
    tap(button(view, "7 天后"))
    due = (clock().astimezone(CHINA_TZ).date() + timedelta(days=7))
    assert field(view, "下次回访日期").value == due.isoformat()
    tap(button(view, "保存"))

    assert app.page.route == f"/household/{home}"
    assert store.pending_count() == before + 1 and cloud.transport.requests == requests
    [visit] = store.rows("visit", household_id=home)
    resident = cloud.world.residents["grid_a1"].id
    assert visit["outcome"] == "met" and visit["resident_ids"] == [resident]
    assert visit["services"] == ["unemployment_registration", "policy_consultation"]
    assert visit["guidance_given"] is True and visit["guidance_notes"] == "建议参加家政培训"
    assert visit["next_follow_up_on"] == due and visit["coordinator_id"] == ctx(app).session.user["id"]
    card = texts(app.page.view)
    assert "共走访 1 次" in card and "走访：已见面" in card and "就业指导" in card and "失业登记、政策咨询" in card

    assert "待办 0 户" in texts(app.open("/"))  # nothing due until the follow-up date
    clock.advance(days=8)
    assert "回访逾期 1 天" in texts(app.open("/"))


def test_a_household_where_nobody_was_home_records_no_one_met(make_app, cloud):
    app = ready(make_app())
    view, home = open_visit(app, cloud)
    pick(view, "已见面")
    tick(view, "王芳")
    pick(view, "不在家")
    tap(button(view, "保存"))
    [visit] = ctx(app).session.store.rows("visit", household_id=home)
    assert visit["outcome"] == "not_home" and visit["resident_ids"] == [] and visit["next_follow_up_on"] is None


def _checkboxes(view):
    import flet as ft

    from tests.mobile.ui import walk
    return [c for c in walk(view) if isinstance(c, ft.Checkbox)]
