"""The worklist through the app: the zero-employment clock and changes made by others, as the coordinator sees them."""
from __future__ import annotations

from datetime import timedelta

from tests.mobile.flows import ctx, ready
from tests.mobile.ui import button, choose, field, tap, texts, type_into


def reasons_of(view, address: str) -> str:
    """The worklist tile of a household: its address line and reasons."""
    lines = texts(view).splitlines()
    if address not in lines:
        return ""
    start = lines.index(address)
    return "\n".join(lines[start:start + 4])


def test_employment_recorded_on_the_form_stops_the_clock_on_the_worklist_and_the_card(make_app, cloud, clock):
    app = ready(make_app())
    session = ctx(app).session
    home = cloud.world.households["grid_a1"]
    person = cloud.world.residents["grid_a1"]
    today = clock().astimezone().date()
    identified = today - timedelta(days=10)
    session.store.save("household", {"zero_employment": True, "zero_employment_identified_on": identified},
                       row_id=home.id, now=session.now())
    assert "零就业 剩 10 天" in reasons_of(app.open("/"), "幸福一网格小区")
    assert "零就业时限剩 10 天" in texts(app.open(f"/household/{home.id}"))

    # the coordinator hears the resident found work 4 days ago (no referral): the form records it
    view = app.open(f"/resident/{person.id}")
    choose(field(view, "就业状态"), "employed")
    type_into(field(view, "就业状态起始日期"), (today - timedelta(days=4)).isoformat())
    tap(button(view, "保存"))
    card = texts(app.open(f"/household/{home.id}"))
    assert "就业" in card and "零就业时限" not in card
    worklist = app.open("/")
    assert "幸福一网格小区" in texts(worklist) and "零就业" not in reasons_of(worklist, "幸福一网格小区")


def test_a_member_changed_on_another_phone_puts_the_household_on_the_worklist(make_app, cloud, other_phone, clock):
    app = ready(make_app())
    home = cloud.world.households["grid_a1"]
    person = cloud.world.residents["grid_a1"]
    session = ctx(app).session
    session.store.append("visit", {"household_id": home.id, "grid_id": home.grid_id, "visited_at": session.now(),
                                   "coordinator_id": session.user["id"], "outcome": "met"}, now=session.now())
    assert "幸福一网格小区" not in texts(app.open("/"))  # visited, nothing due

    colleague = other_phone("coord_a1_b")
    colleague.sync()
    clock.advance(minutes=1)
    colleague.store.save("resident", {"phone": "13700000002"}, row_id=person.id, now=clock())  # only the member
    colleague.sync()
    tap(button(app.open("/sync"), "立即同步"))
    assert "他人今天修改" in reasons_of(app.open("/"), "幸福一网格小区")
